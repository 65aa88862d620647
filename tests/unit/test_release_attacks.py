"""The attacks that broke the earlier publication rules, each as a named regression test run through the real
store (tests/release_history.py), and the two ways those rules stopped showing anything.

Each attack scenario is a function of a history, so that the same steps can be replayed against other rules;
each test then searches every view ever published (``isolating_combination``) for a combination that isolates
fewer organisations than promised, leaving out what colluding organisations know of themselves.
"""

import pytest

from readiness.core.peers import ANY
from readiness.core.peers import Group
from readiness.core.releases import CARRIED
from readiness.core.releases import FRESH
from readiness.core.scoring import load as load_model
from readiness.store import database
from readiness.store import releases
from tests.release_history import QUESTIONNAIRE
from tests.release_history import History
from tests.release_history import isolating_combination
from tests.release_history import views_and_owners

SMALL, MIDDLE = ("kunta", "under_5000"), ("kunta", "5000_19999")


@pytest.fixture
def db():
    connection = database.connect(":memory:")
    database.migrate(connection)
    yield connection
    connection.conn.close()


def parent_before_child(h):
    """An everyone group of four small municipalities and the victim (a middle-sized one) is shown; the
    attacker joins the small ones, whose cell then appears while everyone is withheld. Older everyone minus
    newer small = the victim minus the attacker, whose answers the attacker knows."""
    for _ in range(4):
        h.join("small")
    victim = h.join("middle", "none")
    h.release()
    attacker = h.join("small")
    h.release()
    return {"victim": victim, "attacker": attacker}


def join_and_delete_between_releases(h):
    """Ten small municipalities are shown. Then one organisation joins and deletes (adding nothing), two
    delete and two join: four real changes, which must not pass for five."""
    members = [h.join("small") for _ in range(10)]
    h.release()
    h.delete(members[0])
    h.delete(members[1])
    passer = h.join("small")
    h.join("small", "none")
    h.delete(passer)
    h.join("small", "none")
    h.release()
    return {}


def made_up_organisations_expose_a_lone_real_one(h):
    """Four made-up organisations with known answers and one real organisation fill a group of five."""
    victim = h.join("small", "none")
    fakes = {h.join("small") for _ in range(4)}
    h.release()
    return {"victim": victim, "colluders": fakes}


def made_up_organisations_release_a_held_change(h):
    """Five real organisations are shown; the victim joins, and four made-up ones join to make the change
    large enough: newer minus older minus the fakes = the victim."""
    for _ in range(5):
        h.join("small")
    h.release()
    victim = h.join("small", "none")
    fakes = {h.join("small") for _ in range(4)}
    h.release()
    return {"victim": victim, "colluders": fakes}


def made_up_organisations_replace_a_deleted_one(h):
    """A group of five with the victim is shown; the victim deletes its data. Three made-up organisations
    join and delete and a fourth joins: new figures with the fourth in the victim's place would show the victim
    minus the fourth."""
    for _ in range(4):
        h.join("small")
    victim = h.join("small", "none")
    h.release()
    h.delete(victim)
    fakes = set()
    for _ in range(3):
        fake = h.join("small")
        fakes.add(fake)
        h.delete(fake)
    fakes.add(h.join("small"))
    h.release()
    return {"victim": victim, "colluders": fakes}


def one_organisation_changing_many_times(h):
    """An attacker's new rounds and deletion must not pass for enough change to show a victim's submission."""
    for _ in range(4):
        h.join("small")
    attacker = h.join("small")
    h.release()
    h.new_round(attacker, "none")
    h.new_round(attacker, "acquainted")
    h.delete(attacker)
    victim = h.join("small", "none")
    h.release()
    return {"victim": victim}


def assert_nobody_isolated(history, minimum, colluders=()):
    views, owners = views_and_owners(history)
    assert isolating_combination(views, owners, minimum, set(colluders)) is None


def test_an_older_parent_minus_a_newer_child_isolates_nobody(db):
    history = History(db, 5)
    parent_before_child(history)
    assert_nobody_isolated(history, 5)


def test_an_organisation_that_joined_and_left_between_releases_is_no_change(db):
    history = History(db, 5)
    join_and_delete_between_releases(history)
    assert_nobody_isolated(history, 5)
    # Four real changes: the cell is not recomputed; it repeats the figures published before the deletions.
    assert history.releases[-1].cells[SMALL] == CARRIED


@pytest.mark.parametrize(
    "scenario", [made_up_organisations_expose_a_lone_real_one, made_up_organisations_release_a_held_change]
)
def test_a_coalition_of_four_isolates_nobody_when_releases_guard_against_four(db, scenario):
    """Made-up (or colluding) organisations know their own answers. Releases that guard against coalitions of
    four (READINESS_PEER_COALITION=4) cover at least 5 + 4 organisations in every combination, so at least five
    outside any four of them."""
    history = History(db, 5 + 4)
    found = scenario(history)
    assert_nobody_isolated(history, 5, found["colluders"])


def test_made_up_organisations_cannot_force_new_figures_after_a_deletion(db):
    """Even without a coalition margin: organisations that join and leave between releases are no change."""
    history = History(db, 5)
    found = made_up_organisations_replace_a_deleted_one(history)
    assert_nobody_isolated(history, 5, found["colluders"])
    assert history.releases[-1].cells[SMALL] == CARRIED


def test_one_organisation_changing_many_times_isolates_nobody(db):
    history = History(db, 5)
    one_organisation_changing_many_times(history)
    assert_nobody_isolated(history, 5)
    assert history.releases[-1].cells[SMALL] != FRESH


def test_no_withheld_dimension_figure_can_be_derived_from_shown_ones(db):
    """Band counts of a type minus those of one of its cells used to give the bands of a cell whose own were
    withheld (a per-dimension minimum). Now a parent's figures are exactly the sum of its shown cells', and a
    shown cell shows its bands whenever one of its organisations has a score."""
    history = History(db, 5)
    for _ in range(5):
        history.join("small", "regularly")
    history.join("middle", "occasionally")
    for _ in range(4):
        history.join("middle", None)
    history.release()
    model = load_model(QUESTIONNAIRE)
    sizes = releases.release_sizes(db)
    assert {SMALL, MIDDLE, ("kunta", ANY), (ANY, ANY)} <= set(sizes)

    def bands(key):
        counts = releases.group_figures(db, Group(*key, sizes[key])).band_counts("own_use", model)
        return [n for _, n in counts] if counts else [0] * len(model.bands)

    middle = bands(MIDDLE)
    assert sum(middle) == 1  # one organisation of five has a score, and its cell shows it
    assert bands(("kunta", ANY)) == [a + b for a, b in zip(bands(SMALL), middle, strict=True)]


def test_one_cell_with_a_few_new_members_holds_back_no_other(db):
    """A few new small municipalities used to block the whole snapshot; now only their own cell waits."""
    history = History(db, 5)
    for _ in range(5):
        history.join("small")
        history.join("county")
    history.release()
    history.join("small")
    for _ in range(5):
        history.join("county")
    outcome = history.release()
    assert outcome.cells[SMALL] == CARRIED
    assert outcome.cells[("hyvinvointialue", ANY)] == FRESH
    assert releases.release_sizes(db)[("hyvinvointialue", ANY)] == 10
    assert_nobody_isolated(history, 5)


def test_the_first_release_shows_every_group_large_enough(db):
    """Fourteen wellbeing services counties in the database are a group of fourteen in the first release."""
    history = History(db, 5)
    for _ in range(14):
        history.join("county")
    history.release()
    assert releases.release_sizes(db)[("hyvinvointialue", ANY)] == 14
