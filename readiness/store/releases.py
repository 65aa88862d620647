"""Peer releases: each organisation's contribution (the combined profile of its round's submitted
respondents), kept up to date in the transaction that submits or deletes; the members a release counts; the
release itself, computed from scratch and audited cell by cell (``core.releases``); and reads of the latest
release, which is all that pages and the API ever show of peers.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import NamedTuple

import numpy as np

from readiness.core import peers
from readiness.core import register
from readiness.core import releases as rules
from readiness.core import scoring
from readiness.core.questionnaire import load as load_questionnaire

from . import rendered_pages
from .database import timestamp
from .database import write_transaction
from .register import verified_organisations


def bump_results_revision(db):
    """Mark every rendered results page stale: a release, the reference figures or the set of ids changed."""
    db.execute("update revisions set value = value + 1 where name = 'results'")
    rendered_pages.forget_all(db)


# -- contributions -------------------------------------------------------------------------------------------


def refresh_contribution(db, organisation_id, round_number, rule):
    """Recompute what an organisation's round contributes to peers, inside the caller's transaction: the
    combined profile of the round's submitted respondents (``rule`` is ``core.peers.round_contribution`` bound
    to the questionnaire and model), under a new unit id; or nothing, when none of them has submitted."""
    db.execute(
        "delete from round_contributions where organisation_id = ? and round = ?", [organisation_id, round_number]
    )
    # The operator's figures and exports count each organisation once, by one respondent: the first who
    # submitted in its latest round with a submission.
    db.execute("update assessments set counted = 0 where organisation_id = ?", [organisation_id])
    db.execute(
        "update assessments set counted = 1 where id = (select id from assessments where organisation_id = ? "
        "and status = 'submitted' order by round desc, submitted_at, id limit 1)",
        [organisation_id],
    )
    respondents = _submitted_respondents(db, organisation_id, round_number)
    if not respondents:
        return
    contribution = rule(list(respondents.values()))
    store_contributions(db, [(organisation_id, round_number, list(respondents), contribution)])


def _submitted_respondents(db, organisation_id, round_number):
    """Return {assessment id: {answer key: [option ids]}} of a round's submitted respondents, in id order."""
    ids = [
        row[0]
        for row in db.execute(
            "select id from assessments where organisation_id = ? and round = ? and status = 'submitted' order by id",
            [organisation_id, round_number],
        )
    ]
    respondents = {assessment_id: {} for assessment_id in ids}
    if not ids:
        return respondents
    placeholders = ", ".join("?" for _ in ids)
    for assessment_id, key, option in db.execute(
        f"select assessment_id, question_id, option_id from answers where assessment_id in ({placeholders}) "
        "order by rowid",
        ids,
    ):
        respondents[assessment_id].setdefault(key, []).append(option)
    return respondents


def rounds_scored_with_another_model(db, version):
    """Return [(organisation id, round)] of the contributions whose scores were not computed with the readiness
    model ``version`` (those stored before contributions said their version count as another)."""
    row = db.execute(
        "select id from contribution_items where answer_key = ? and option_id = ?", [peers.MODEL, version]
    ).fetchone()
    return [
        (organisation_id, round_number)
        for organisation_id, round_number, vector in db.execute(
            "select organisation_id, round, vector from round_contributions order by 1, 2"
        )
        if row is None or row[0] not in np.frombuffer(vector, dtype="<u4")
    ]


def rescore(db, rule, version, batch=500):
    """Score again, with ``rule`` (``core.peers.round_contribution`` bound to the model in force, ``version``),
    every round whose contribution was scored with another version of the model: its contribution in place,
    under the same unit, and its submitted respondents' ``assessment_scores``. A unit keeps its id because its
    answers have not changed, only the scores computed from them (the auditor follows who is in a cell, and a
    recomputed cell then holds every member's new scores). ``batch`` rounds per transaction, so that submissions
    wait only briefly. Return how many rounds were scored again."""
    stale = rounds_scored_with_another_model(db, version)
    for start in range(0, len(stale), batch):
        with write_transaction(db):
            items = ContributionItems(db)
            for organisation_id, round_number in stale[start : start + batch]:
                respondents = _submitted_respondents(db, organisation_id, round_number)
                if not respondents:
                    continue
                contribution = rule(list(respondents.values()))
                db.execute(
                    "update round_contributions set vector = ? where organisation_id = ? and round = ?",
                    [items.vector(contribution), organisation_id, round_number],
                )
                for assessment_id, choices in respondents.items():
                    own = rule([choices])
                    db.execute("delete from assessment_scores where assessment_id = ?", [assessment_id])
                    db.conn.executemany(
                        "insert into assessment_scores (assessment_id, dimension, value, org_type, size_band) "
                        "values (?, ?, ?, ?, ?)",
                        [(assessment_id, d, v, *own.group) for d, v in own.scores.items() if v is not None],
                    )
            # Pages rendered from the old scores are rendered again.
            bump_results_revision(db)
    return len(stale)


def store_contributions(db, contributions):
    """Write rounds' contributions, [(organisation id, round, assessment ids, core.peers.Contribution)], each
    under a new unit id (the auditor follows units, and a unit's answers never change), as vectors of
    contribution item numbers."""
    items = ContributionItems(db)
    db.conn.executemany(
        "insert into round_contributions (organisation_id, round, unit, assessment_ids, org_type, size_band, vector) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                organisation_id,
                round_number,
                secrets.token_hex(8),
                ",".join(map(str, ids)),
                *contribution.group,
                items.vector(contribution),
            )
            for organisation_id, round_number, ids, contribution in contributions
        ],
    )


SCORE = "score."


class ContributionItems:
    """The numbers of contribution items: (answer key, option id) pairs and (score.<dimension>, value) pairs,
    numbered once and for good in ``contribution_items``."""

    def __init__(self, db):
        self.db = db
        self.number = {(key, option): n for n, key, option in db.execute("select * from contribution_items")}

    def _number(self, pair):
        if pair not in self.number:
            self.number[pair] = self.db.execute(
                "insert into contribution_items (answer_key, option_id) values (?, ?)", pair
            ).lastrowid
        return self.number[pair]

    def vector(self, contribution):
        """Return a contribution's item numbers as little-endian uint32 bytes."""
        pairs = [(key, option) for key, options in contribution.choices.items() for option in options]
        pairs += [(SCORE + d, _score_text(v)) for d, v in contribution.scores.items() if v is not None]
        # Counted like an answer, so that each released group says which model versions computed its scores.
        pairs.append((peers.MODEL, contribution.model))
        return np.array([self._number(pair) for pair in pairs], dtype="<u4").tobytes()


def _score_text(value):
    return f"{value:.1f}"


def contribution_items(db, unit):
    """Return ({answer key: [option ids]}, {dimension: score}) of a stored contribution, or None."""
    row = db.execute("select vector from round_contributions where unit = ?", [unit]).fetchone()
    if row is None:
        return None
    pairs = dict((n, (key, option)) for n, key, option in db.execute("select * from contribution_items"))
    choices, scores = {}, {}
    for number in np.frombuffer(row[0], dtype="<u4"):
        key, option = pairs[int(number)]
        if key.startswith(SCORE):
            scores[key.removeprefix(SCORE)] = float(option)
        elif key != peers.MODEL:
            choices.setdefault(key, []).append(option)
    return choices, scores


def round_group(db, organisation_id, round_number):
    """Return the (org_type, size band) of an organisation's round as releases count it (its combined
    profile), or None when nobody in the round has submitted."""
    row = db.execute(
        "select org_type, size_band from round_contributions where organisation_id = ? and round = ?",
        [organisation_id, round_number],
    ).fetchone()
    return tuple(row) if row else None


class Member(NamedTuple):
    """An organisation counted for peers: its latest round with a submitted respondent, the unit id of that
    round's contribution, the respondents' assessment ids (comma-separated, as stored) and its group
    (org_type, size band)."""

    organisation_id: int
    round: int
    unit: str
    ids: str
    group: tuple[str, str]

    @property
    def assessment_ids(self):
        """The round's submitted respondents' assessment ids."""
        return tuple(map(int, self.ids.split(",")))


def release_members(db, verified_only=False):
    """Return the organisations a release counts, each once: the one place that says which organisations
    count for peers and in which group. With ``verified_only`` (the service's rule, READINESS_PEERS_VERIFIED_ONLY),
    only organisations verified as an entry of the register count, each in the register's group; without it
    (scratch databases of tests and benchmarks), every organisation with a submitted round counts, in the group
    of its round's combined profile."""
    groups = (
        {organisation: register.group_key(entry) for organisation, entry in verified_organisations(db).items()}
        if verified_only
        else None
    )
    return [
        Member(organisation_id, round_number, unit, ids, groups[organisation_id] if groups else (org_type, size_band))
        for organisation_id, round_number, unit, ids, org_type, size_band in db.execute(
            "select c.organisation_id, c.round, unit, assessment_ids, org_type, size_band from round_contributions c "
            "join (select organisation_id, max(round) as latest from round_contributions group by organisation_id) m "
            "on m.organisation_id = c.organisation_id and m.latest = c.round order by c.organisation_id"
        )
        if groups is None or organisation_id in groups
    ]


# -- releases ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """A published release: its number, when it was published, and how many organisations its figures hold."""

    id: int
    published_at: str
    organisations: int
    threshold: int


@dataclass(frozen=True)
class Outcome:
    """What a new release did with each cell: {cell key: core.releases FRESH, CARRIED or WITHHELD}."""

    release: Release
    cells: dict


def publish_release(db, cells, threshold, now=None, verified_only=False):
    """Compute a release from scratch from ``release_members``, let the auditor decide each cell, and publish
    it as the one peers see; return its Outcome. ``cells`` is ``core.releases.Cells``."""
    with write_transaction(db):
        return _publish(db, cells, threshold, now or timestamp(), verified_only)


def publish_first_release(db, cells, threshold, verified_only=False):
    """Publish a release if none exists yet and some organisation counts; decided under the write lock, so
    that workers starting together publish one. Return its Outcome, or None."""
    with write_transaction(db):
        if latest_release(db) is None and release_members(db, verified_only):
            return _publish(db, cells, threshold, timestamp(), verified_only)
    return None


def _publish(db, cells, threshold, now, verified_only):
    candidates = {}
    for member in release_members(db, verified_only):
        key = cells.cell_of(member.group)
        if key is not None:
            candidates.setdefault(key, {})[member.unit] = member
    versions_of = dict(((t, c), n) for t, c, n in db.execute("select org_type, cell, versions from cell_versions"))
    previous = latest_release(db)
    decisions, changes = {}, {}
    for key in sorted(set(candidates) | set(versions_of)):
        candidate = {unit: m.organisation_id for unit, m in candidates.get(key, {}).items()}
        decision, change = _audit(db, key, versions_of.get(key, 0), candidate, threshold)
        if decision is not None:
            decisions[key], changes[key] = decision, change
    release_id = db.execute(
        "insert into releases (published_at, threshold, organisations) values (?, ?, 0)", [now, threshold]
    ).lastrowid
    fresh = [key for key, decision in decisions.items() if decision == rules.FRESH]
    carried = [key for key, decision in decisions.items() if decision == rules.CARRIED]
    for key in fresh:
        _record_version(db, key, versions_of.get(key, 0), *changes[key], release_id)
    _write_fresh(db, release_id, fresh, candidates)
    if carried and previous is not None:
        _copy_cells(db, previous.id, release_id, carried)
    organisations = _write_parents(db, release_id)
    db.execute("update releases set organisations = ? where id = ?", [organisations, release_id])
    # Only the latest release's figures are read; the groups each release showed stay, with the cell history,
    # for the audit and its tests.
    for table in ("release_counts", "release_scores"):
        db.execute(f"delete from {table} where release_id < ?", [release_id])
    bump_results_revision(db)
    return Outcome(latest_release(db), decisions)


def _audit(db, key, versions, candidate, threshold):
    """Decide one cell (``core.releases.decision``) from its history in ``cell_runs``, read as SQL aggregates:
    the edges of organisations with one run counted by the database, the few organisations with several runs
    read one by one. Return the decision and the change (departing units, arriving {unit: organisation id})."""
    where = "org_type = ? and cell = ?"
    running = dict(
        db.execute(f"select unit, organisation_id from cell_runs where {where} and last = ?", [*key, versions])
    )
    departing = [unit for unit in running if unit not in candidate]
    arriving = {unit: org for unit, org in candidate.items() if unit not in running}
    change = (departing, arriving)
    if versions and not departing and not arriving:
        return rules.decision(versions, True, len(candidate), 0, len(running), threshold), change
    _fill_temp(db, "audit_departing", departing)
    # Organisations with several runs once this version is added: several already, or arriving again.
    several = {
        org
        for (org,) in db.execute(
            f"select organisation_id from cell_runs where {where} group by 1 having count(*) > 1", key
        )
    }
    _fill_temp(db, "audit_arriving", list(set(arriving.values())))
    several |= {
        org
        for (org,) in db.execute(
            f"select distinct organisation_id from cell_runs where {where} and organisation_id in "
            "(select item from audit_arriving)",
            key,
        )
    }
    _fill_temp(db, "audit_several", list(several))
    edges = {}
    for a, b, n in db.execute(
        "select first - 1, case when last = ? and unit not in (select item from audit_departing) then ? else last end, "
        f"count(*) from cell_runs where {where} and organisation_id not in (select item from audit_several) "
        "group by 1, 2",
        [versions, versions + 1, *key],
    ):
        edges[(a, b)] = edges.get((a, b), 0) + n
    newcomers = sum(1 for org in arriving.values() if org not in several)
    if newcomers:
        edges[(versions, versions + 1)] = edges.get((versions, versions + 1), 0) + newcomers
    gone = set(departing)
    runs = [
        rules.Run(unit, org, first, versions + 1 if last == versions and unit not in gone else last)
        for unit, org, first, last in db.execute(
            f"select unit, organisation_id, first, last from cell_runs where {where} "
            "and organisation_id in (select item from audit_several)",
            key,
        )
    ]
    runs += [rules.Run(unit, org, versions + 1, versions + 1) for unit, org in arriving.items() if org in several]
    weight = rules.cut_weight_of(edges, runs) if candidate else 0
    return rules.decision(versions, False, len(candidate), weight, len(running), threshold), change


def _fill_temp(db, name, items):
    """Put ``items`` in a temporary one-column table (emptied first), for SQL that filters by them."""
    db.execute(f"create temp table if not exists {name} (item primary key)")
    db.execute(f"delete from {name}")
    db.conn.executemany(f"insert or ignore into {name} values (?)", [(item,) for item in items])


def _record_version(db, key, versions, departing, arriving, release_id):
    """Add a version to a fresh cell's history: the runs of units still in it go on, arriving units start one."""
    new = versions + 1
    db.execute(
        "insert into cell_versions (org_type, cell, versions) values (?, ?, ?) "
        "on conflict do update set versions = excluded.versions",
        [*key, new],
    )
    db.execute("insert into cell_publications values (?, ?, ?, ?)", [*key, new, release_id])
    _fill_temp(db, "audit_departing", departing)
    db.execute(
        "update cell_runs set last = ? where org_type = ? and cell = ? and last = ? "
        "and unit not in (select item from audit_departing)",
        [new, *key, versions],
    )
    db.conn.executemany(
        "insert into cell_runs (org_type, cell, unit, organisation_id, first, last) values (?, ?, ?, ?, ?, ?)",
        [(*key, unit, org, new, new) for unit, org in arriving.items()],
    )


def _write_fresh(db, release_id, fresh, candidates):
    """Count the fresh cells' figures from their members' contribution vectors: one numpy bincount over
    (cell, item) for every member at once."""
    if not fresh:
        return
    vectors = dict(
        ((organisation_id, round_number), vector)
        for organisation_id, round_number, vector in db.execute(
            "select organisation_id, round, vector from round_contributions"
        )
    )
    parts, lengths, sizes = [], [], []
    for key in fresh:
        members = candidates[key].values()
        sizes.append(len(members))
        chosen = [vectors[(member.organisation_id, member.round)] for member in members]
        parts.extend(chosen)
        lengths.append(sum(map(len, chosen)) // 4)
    numbers = np.frombuffer(b"".join(parts), dtype="<u4").astype(np.int64)
    width = int(numbers.max()) + 1 if len(numbers) else 1
    cells = np.repeat(np.arange(len(fresh), dtype=np.int64), lengths)
    counts = np.bincount(cells * width + numbers, minlength=len(fresh) * width)
    counts = counts.reshape(len(fresh), width)
    items = dict((n, (key, option)) for n, key, option in db.execute("select * from contribution_items"))
    group_rows, count_rows, score_rows = [], [], []
    for position, key in enumerate(fresh):
        group_rows.append((release_id, *key, sizes[position], release_id))
        for number in np.flatnonzero(counts[position]):
            answer_key, option = items[int(number)]
            n = int(counts[position, number])
            if answer_key.startswith(SCORE):
                score_rows.append((release_id, *key, answer_key.removeprefix(SCORE), float(option), n))
            else:
                count_rows.append((release_id, *key, answer_key, option, n))
    db.conn.executemany("insert into release_groups values (?, ?, ?, ?, ?)", group_rows)
    db.conn.executemany("insert into release_counts values (?, ?, ?, ?, ?, ?)", count_rows)
    db.conn.executemany("insert into release_scores values (?, ?, ?, ?, ?, ?)", score_rows)


def _copy_cells(db, from_release, to_release, keys):
    """Repeat cells' figures of the previous release unchanged, with the release they were computed for."""
    for key in keys:
        where = "where release_id = ? and org_type = ? and size_band = ?"
        db.execute(
            f"insert into release_groups select ?, org_type, size_band, organisations, as_of from release_groups {where}",
            [to_release, from_release, *key],
        )
        db.execute(
            "insert into release_counts select ?, org_type, size_band, answer_key, option_id, organisations "
            f"from release_counts {where}",
            [to_release, from_release, *key],
        )
        db.execute(
            "insert into release_scores select ?, org_type, size_band, dimension, value, organisations "
            f"from release_scores {where}",
            [to_release, from_release, *key],
        )


def _write_parents(db, release_id):
    """Write everyone and each split type as the sum of the cells shown in this release; return everyone's
    size. A parent only ever sums published cells, so it says nothing the cells do not."""
    split = [
        row[0]
        for row in db.execute(
            "select distinct org_type from release_groups where release_id = ? and size_band != ?",
            [release_id, peers.ANY],
        )
    ]
    if not db.execute("select 1 from release_groups where release_id = ?", [release_id]).fetchone():
        return 0
    # Everyone first, while the release holds only cells; then each split type from its own cells.
    _sum_into(db, release_id, (peers.ANY, peers.ANY), "1", [])
    for org_type in split:
        _sum_into(db, release_id, (org_type, peers.ANY), "org_type = ? and size_band != ?", [org_type, peers.ANY])
    return db.execute(
        "select organisations from release_groups where release_id = ? and org_type = ? and size_band = ?",
        [release_id, peers.ANY, peers.ANY],
    ).fetchone()[0]


def _sum_into(db, release_id, key, where, params):
    """Write group ``key`` as the sum of this release's rows chosen by ``where``."""
    scope = f"release_id = ? and ({where})"
    db.execute(
        f"insert into release_groups select ?, ?, ?, sum(organisations), min(as_of) from release_groups where {scope}",
        [release_id, *key, release_id, *params],
    )
    db.execute(
        f"insert into release_counts select ?, ?, ?, answer_key, option_id, sum(organisations) from release_counts "
        f"where {scope} group by answer_key, option_id",
        [release_id, *key, release_id, *params],
    )
    db.execute(
        f"insert into release_scores select ?, ?, ?, dimension, value, sum(organisations) from release_scores "
        f"where {scope} group by dimension, value",
        [release_id, *key, release_id, *params],
    )


# -- reads ---------------------------------------------------------------------------------------------------


def latest_release(db):
    """Return the latest Release, or None before the first."""
    row = db.execute(
        "select id, published_at, organisations, threshold from releases order by id desc limit 1"
    ).fetchone()
    return Release(*row) if row else None


def release_sizes(db):
    """Return {(org_type, size_band): organisations} of every group the latest release shows."""
    return {
        (t, b): n
        for t, b, n in db.execute(
            "select org_type, size_band, organisations from release_groups "
            "where release_id = (select max(id) from releases)"
        )
    }


def as_of(db, group_key):
    """Return when the figures of a shown group were computed: the publication date of the release they come
    from (for a parent, its oldest cell's)."""
    row = db.execute(
        "select releases.published_at from release_groups join releases on releases.id = release_groups.as_of "
        "where release_groups.release_id = (select max(id) from releases) and org_type = ? and size_band = ?",
        group_key,
    ).fetchone()
    return row[0] if row else None


def group_figures(db, group, model_version=None):
    """Return the released figures of a shown group (``core.peers.Group``) as ``core.peers.GroupFigures``. Its
    scores are left out unless every organisation of the group was scored with ``model_version`` (by default the
    readiness model in force): scores of two versions of the model do not compare."""
    latest = "(select max(id) from releases)"
    distribution = {}
    for key, option, organisations in db.execute(
        f"select answer_key, option_id, organisations from release_counts where release_id = {latest} "
        "and org_type = ? and size_band = ?",
        group.key,
    ):
        distribution.setdefault(key, {})[option] = organisations
    score_counts = {}
    for dimension, value, organisations in db.execute(
        f"select dimension, value, organisations from release_scores where release_id = {latest} "
        "and org_type = ? and size_band = ? order by dimension, value",
        group.key,
    ):
        score_counts.setdefault(dimension, []).append((value, organisations))
    distribution, comparable = peers.scored_with(distribution, group, model_version or model_in_force().version)
    if not comparable:
        return peers.GroupFigures(group, distribution, {}, scored_with_another_model=True)
    return peers.GroupFigures(group, distribution, score_counts)


def model_in_force():
    """The readiness model of the packaged questionnaire: the version that stored scores should be in."""
    return scoring.load(load_questionnaire())


def figures_for(db, org_type, size_band, cells):
    """Return the released figures of an organisation's narrowest shown group (its cell, its type, or
    everyone), or None when the release shows none of them."""
    group = peers.group_for(release_sizes(db), cells.cell_of((org_type, size_band)), org_type)
    return group_figures(db, group) if group else None


def own_scores(db, organisation_id, group):
    """Return {dimension: score} of the organisation's contribution as the latest release counts it in
    ``group`` (``core.peers.Group``), or None when the group's figures do not hold the organisation: what
    must be taken out before it is ranked among the others."""
    org_type, size_band = group.key
    row = db.execute(
        "select r.unit from cell_runs r "
        "join release_groups g on g.org_type = r.org_type and g.size_band = r.cell "
        "join cell_publications p on p.org_type = r.org_type and p.cell = r.cell and p.release_id = g.as_of "
        "where g.release_id = (select max(id) from releases) and r.organisation_id = ? "
        "and p.version between r.first and r.last and (? = '*' or r.org_type = ?) and (? = '*' or r.cell = ?)",
        [organisation_id, org_type, org_type, size_band, size_band],
    ).fetchone()
    if row is None:
        return None
    found = contribution_items(db, row[0])
    return found[1] if found else None


def released_counts(db):
    """Yield (org_type, size_band, answer_key, option_id, organisations) of the latest release, in order."""
    yield from db.execute(
        "select org_type, size_band, answer_key, option_id, organisations from release_counts "
        "where release_id = (select max(id) from releases) and answer_key != ? "
        "order by org_type, size_band, answer_key, option_id",
        [peers.MODEL],
    )


def published_views(db):
    """Return {(release id, group key): [units]} of every group of every release ever published: a cell holds
    the units of the version it showed, a parent those of the cells it summed. What the audit reasons about."""
    version_at = {
        (org_type, cell, release_id): version
        for org_type, cell, version, release_id in db.execute("select * from cell_publications")
    }
    units = {}
    for org_type, cell, unit, first, last in db.execute("select org_type, cell, unit, first, last from cell_runs"):
        for version in range(first, last + 1):
            units.setdefault((org_type, cell, version), []).append(unit)
    shown = db.execute(
        "select release_id, org_type, size_band, as_of from release_groups order by release_id"
    ).fetchall()
    cells = {}
    for release_id, org_type, size_band, from_release in shown:
        version = version_at.get((org_type, size_band, from_release))
        if version is not None:
            cells.setdefault(release_id, {})[(org_type, size_band)] = units.get((org_type, size_band, version), [])
    views = {}
    for release_id, org_type, size_band, _ in shown:
        held = cells.get(release_id, {})
        if (org_type, size_band) in held:
            views[(release_id, (org_type, size_band))] = held[(org_type, size_band)]
        else:
            views[(release_id, (org_type, size_band))] = [
                unit for (t, _), cell_units in held.items() if org_type in (peers.ANY, t) for unit in cell_units
            ]
    return views


def recent_releases(db, limit=12):
    """Return the latest releases, newest first, as Release rows."""
    return [
        Release(*row)
        for row in db.execute(
            "select id, published_at, organisations, threshold from releases order by id desc limit ?", [limit]
        )
    ]


class GroupSource(NamedTuple):
    """A group of the latest release and the release its figures were computed for (the same one unless the
    auditor repeated them; for a type or everyone, the oldest of its classes' releases)."""

    org_type: str
    size_band: str
    organisations: int
    as_of: int
    as_of_published_at: str


def latest_group_sources(db):
    """Return a GroupSource for every group the latest release shows, in order."""
    return [
        GroupSource(*row)
        for row in db.execute(
            "select g.org_type, g.size_band, g.organisations, g.as_of, r.published_at from release_groups g "
            "join releases r on r.id = g.as_of where g.release_id = (select max(id) from releases) "
            "order by g.org_type, g.size_band"
        )
    ]


class CellChange(NamedTuple):
    """How the organisations a size class counts now differ from those of its last published figures: joined,
    left, and still in it with other submitted answers (a new round, or a respondent added or deleted)."""

    joined: int
    left: int
    changed: int


def changes_since_published(db, cells, verified_only=False):
    """Return {cell key: CellChange} for every cell with published figures or members now: what the auditor
    compares when it decides whether the cell's figures may be computed anew. ``cells``: core.releases.Cells."""
    now = {}
    for member in release_members(db, verified_only):
        key = cells.cell_of(member.group)
        if key is not None:
            now.setdefault(key, {})[member.organisation_id] = member.unit
    published = {}
    for org_type, cell, unit, organisation_id in db.execute(
        "select r.org_type, r.cell, r.unit, r.organisation_id from cell_runs r join cell_versions v "
        "on v.org_type = r.org_type and v.cell = r.cell and r.last = v.versions"
    ):
        published.setdefault((org_type, cell), {})[organisation_id] = unit
    changes = {}
    for key in set(now) | set(published):
        current, last = now.get(key, {}), published.get(key, {})
        changes[key] = CellChange(
            len(current.keys() - last.keys()),
            len(last.keys() - current.keys()),
            sum(1 for organisation in current.keys() & last.keys() if current[organisation] != last[organisation]),
        )
    return changes


def next_release_due(db, interval_days):
    """Return when the next release is due, as an ISO timestamp: the latest one plus the interval, or None."""
    release = latest_release(db)
    if release is None:
        return None
    published = datetime.fromisoformat(release.published_at)
    return datetime.fromtimestamp(published.timestamp() + interval_days * 86400, UTC).isoformat(timespec="seconds")
