"""Histories of organisations joining, answering new rounds, deleting and releases, run through the real store
on a SQLite database, and an independent search of every view ever published for combinations that isolate a
few organisations. Shared by the auditor's property test and the named regression attacks."""

import itertools
import secrets
from functools import partial

import numpy as np

from readiness.core import peers
from readiness.core import scoring
from readiness.core.questionnaire import load
from readiness.core.releases import load_cells
from readiness.store import assessments
from readiness.store import database
from readiness.store import organisations
from readiness.store import releases

QUESTIONNAIRE = load()
RULE = partial(peers.round_contribution, QUESTIONNAIRE, scoring.load(QUESTIONNAIRE))
CELLS = load_cells(QUESTIONNAIRE)
PROFILE_KEYS = [key for q in QUESTIONNAIRE.section("profile").questions for key in q.answer_keys()]
OWN_USE_KEYS = [key for q in QUESTIONNAIRE.section("own_use").questions for key in q.answer_keys()]
ANSWERS = ["regularly", "occasionally", "acquainted", "none"]
# (org_type, size band) of the profile: two cells of municipalities and the wellbeing services counties' one.
GROUPS = {
    "small": ("kunta", "under_5000"),
    "middle": ("kunta", "5000_9999"),
    "county": ("hyvinvointialue", "50000_99999"),
}


class History:
    """One sector's history on a fresh database: what the test did, kept apart from what the store says."""

    def __init__(self, db, threshold):
        self.db, self.threshold = db, threshold
        self.lead = {}  # organisation id -> its lead's latest assessment id
        self.answer = {}  # unit -> the own_use answer the test gave that contribution
        # unit -> the organisation as the test knows it: the store may give a deleted organisation's id again.
        self.owner = {}
        self.person = {}  # organisation id -> the test's own number for the organisation
        self.joined = 0
        self.releases = []

    def _profile(self, group):
        org_type, band = GROUPS[group]
        size = "population" if org_type in ("kunta", "hyvinvointialue") else "staff"
        return {"org_type": [org_type], size: [band]}

    def _submit(self, assessment_id, answer):
        # No answer (None) leaves the organisation without a score in the own-use dimension.
        choices = {"own_use": [answer]} if answer else {}
        assessments.save_section(self.db, assessment_id, "own_use", OWN_USE_KEYS, choices, {})
        assessments.submit(self.db, assessment_id, ["profile", "own_use"], RULE)
        organisation_id, round_number = self.db.execute(
            "select organisation_id, round from assessments where id = ?", [assessment_id]
        ).fetchone()
        unit = self.db.execute(
            "select unit from round_contributions where organisation_id = ? and round = ?",
            [organisation_id, round_number],
        ).fetchone()[0]
        self.answer[unit] = answer
        if organisation_id not in self.person:
            self.person[organisation_id] = self.joined = self.joined + 1
        self.owner[unit] = self.person[organisation_id]
        self.lead[organisation_id] = assessment_id
        return organisation_id

    def join(self, group, answer="regularly"):
        """A new organisation answers and submits; return the test's number for it."""
        assessment_id = assessments.create_assessment(
            self.db,
            database.hash_token(secrets.token_urlsafe(32)),
            QUESTIONNAIRE.version,
            "profile",
            PROFILE_KEYS,
            self._profile(group),
            {},
        )
        return self.person[self._submit(assessment_id, answer)]

    def new_round(self, person, answer):
        """The organisation's lead starts and submits a new round (same profile, a new answer)."""
        organisation_id = self._organisation(person)
        new_id = organisations.start_round(
            self.db,
            self.lead[organisation_id],
            database.hash_token(secrets.token_urlsafe(32)),
            QUESTIONNAIRE.version,
            "profile",
            PROFILE_KEYS,
        )
        self._submit(new_id, answer)

    def delete(self, person):
        """The organisation deletes all its data."""
        organisation_id = self._organisation(person)
        assessments.delete_organisation(self.db, organisation_id, RULE)
        del self.lead[organisation_id]
        del self.person[organisation_id]

    def release(self):
        """Publish a release through the store, as `flask peers release` does."""
        outcome = releases.publish_release(self.db, CELLS, self.threshold)
        self.releases.append(outcome)
        self.check_latest_figures()
        return outcome

    def _organisation(self, person):
        return next(organisation for organisation, number in self.person.items() if number == person)

    @property
    def organisations(self):
        """The test's numbers of the organisations that exist now."""
        return sorted(self.person.values())

    def check_latest_figures(self):
        """Check that each group of the latest release holds exactly the members the audit history names: its
        size and its answer counts are the sum of what the test itself gave those contributions."""
        views = releases.published_views(self.db)
        latest = releases.latest_release(self.db).id
        sizes = releases.release_sizes(self.db)
        for (release_id, key), units in views.items():
            if release_id != latest:
                continue
            assert sizes[key] == len(units), key
            figures = releases.group_figures(self.db, peers.Group(*key, sizes[key]))
            expected = {}
            for unit in units:
                if self.answer[unit]:
                    expected[self.answer[unit]] = expected.get(self.answer[unit], 0) + 1
            assert figures.distribution.get("own_use", {}) == expected, key


def views_and_owners(history):
    """Return ({view: set of units}, {unit: organisation}) of everything ever published in a history."""
    views = {key: set(units) for key, units in releases.published_views(history.db).items() if units}
    return views, history.owner


def isolating_combination(views, owners, minimum, colluders=()):
    """Return a set of at most ``minimum - 1`` organisations that some combination of published views (any
    integer coefficients, so ±1 among them) isolates, or None when there is none.

    Units in exactly the same views ("atoms") get the same value in any combination. A combination is
    non-zero only on a set N of atoms, and exists exactly when the patterns of the other atoms do not span
    every atom's pattern: rank(patterns outside N) < rank(all patterns). Such sets only grow by adding atoms,
    so the largest N of fewer than ``minimum`` organisations are the ones to try. ``colluders`` (organisation
    ids) know their own answers: their units are taken out of every view first.
    """
    views = {name: {u for u in units if owners[u] not in colluders} for name, units in views.items()}
    views = {name: units for name, units in views.items() if units}
    names = sorted(views, key=repr)
    atoms = {}
    for unit in set().union(*views.values()) if views else ():
        pattern = tuple(unit in views[name] for name in names)
        atoms.setdefault(pattern, set()).add(unit)
    patterns = list(atoms)
    matrix = np.array(patterns, dtype=float)
    if not len(patterns):
        return None
    full_rank = np.linalg.matrix_rank(matrix)
    organisations_of = [frozenset(owners[u] for u in atoms[p]) for p in patterns]
    small = [i for i, orgs in enumerate(organisations_of) if len(orgs) < minimum]
    for size in range(min(len(small), minimum - 1), 0, -1):
        for chosen in itertools.combinations(small, size):
            touched = frozenset().union(*(organisations_of[i] for i in chosen))
            if len(touched) >= minimum:
                continue
            rest = [i for i in range(len(patterns)) if i not in chosen]
            rank = np.linalg.matrix_rank(matrix[rest]) if rest else 0
            if rank < full_rank:
                return set(touched)
    return None
