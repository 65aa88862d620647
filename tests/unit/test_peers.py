"""Peer releases: the cells, the auditor's arithmetic on small histories worked out by hand, and what a
release holds (submitted assessments only, never free text or the profile; medians, bands and where an
organisation stands)."""

import math

import pytest

from readiness.core import peers
from readiness.core import releases as rules
from readiness.core import scoring
from readiness.core.peers import ANY
from readiness.core.releases import Run
from readiness.store import assessments
from readiness.store import database
from readiness.store import releases
from tests.conftest import release
from tests.conftest import submit_assessment

K = 5


def test_every_size_band_of_a_split_type_is_in_exactly_one_cell(questionnaire):
    cells = rules.load_cells(questionnaire)
    for org_type, split in cells.split.items():
        bands = [o.id for o in peers.size_question(questionnaire, org_type).options]
        held = [band for cell in split for band in cell.bands]
        assert sorted(held) == sorted(bands)
    assert cells.cell_of(("kunta", "5000_9999")) == cells.cell_of(("kunta", "10000_19999")) == ("kunta", "5000_19999")
    assert cells.cell_of(("hyvinvointialue", "200000_plus")) == ("hyvinvointialue", ANY)
    assert cells.cell_of((ANY, ANY)) is None  # a type nobody gave is in no cell


def runs(*spans):
    """Runs of distinct organisations from (first, last, how many) triples."""
    found, number = [], 0
    for first, last, count in spans:
        for _ in range(count):
            number += 1
            found.append(Run(f"u{number}", number, first, last))
    return found


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], math.inf),
        ([(1, 1, 5)], 5),  # one version of five
        ([(1, 2, 5), (2, 2, 1)], 1),  # a second version with one more: the difference is one organisation
        ([(1, 2, 5), (2, 2, 5)], 5),
        ([(1, 1, 1), (1, 2, 5), (2, 2, 4)], 5),  # one left and four joined: five changed
        # A, A+D, A+E, A+D+E+x: the fourth version minus the third and second plus the first is x alone.
        ([(1, 4, 5), (2, 2, 5), (3, 4, 5), (4, 4, 1)], 1),
    ],
)
def test_cut_weight_is_the_fewest_organisations_a_combination_touches(spans, expected):
    assert rules.cut_weight(runs(*spans)) == expected


def test_a_change_of_one_organisations_answers_alone_is_a_cut_of_nothing():
    """A new round of one organisation between two versions: the difference is that organisation's change."""
    history = runs((1, 2, 5)) + [Run("x1", 99, 1, 1), Run("x2", 99, 2, 2)]
    assert rules.cut_weight(history) == 0


def test_an_organisation_that_answers_a_new_round_still_counts_in_earlier_changes():
    """Five joined in version 2 beside five of version 1; one of the five answers a new round that version 3
    shows with five newcomers. Version 2 minus version 1 still covers the five who joined."""
    history = runs((1, 3, 5), (2, 3, 4), (3, 3, 5)) + [Run("y1", 77, 2, 2), Run("y2", 77, 3, 3)]
    assert rules.cut_weight(history) == 5


def test_decide_repeats_or_recomputes():
    history = runs((1, 1, 5))
    last = {run.unit: run.organisation_id for run in history}
    assert rules.decide(history, 1, last, K) == rules.CARRIED
    one_more = last | {"new": 100}
    assert rules.decide(history, 1, one_more, K) == rules.CARRIED
    five_more = last | {f"new{i}": 100 + i for i in range(5)}
    assert rules.decide(history, 1, five_more, K) == rules.FRESH
    # One gone (deleted, or in another group now): its figures are already public, and are repeated.
    gone = dict(list(last.items())[1:])
    assert rules.decide(history, 1, gone, K) == rules.CARRIED
    assert rules.decide([], 0, {"a": 1, "b": 2}, K) is None


def test_a_release_counts_submitted_assessments_only_and_never_free_text(fresh_db, questionnaire):
    for i in range(5):
        submit_assessment(fresh_db, questionnaire, f"t{i}", {"own_use": {"own_use": ["regularly", "none"][i % 2]}})
    assessments.create_assessment(
        fresh_db, database.hash_token("draft"), "v", "profile", ["org_type"], {"org_type": ["kunta"]}, {}
    )
    release(fresh_db)
    figures = releases.figures_for(fresh_db, "kunta", "under_5000", rules.load_cells(questionnaire))
    assert figures.group.key == ("kunta", "under_5000") and figures.group.organisations == 5
    assert figures.distribution["own_use"] == {"regularly": 3, "none": 2}
    dump = "\n".join(fresh_db.conn.iterdump())
    assert "Vapaa vastaus" in dump  # the answers themselves hold it …
    for table in ("release_counts", "contribution_items"):
        assert all("Vapaa vastaus" not in str(row) for row in fresh_db.execute(f"select * from {table}"))


def test_profile_answers_are_not_counted_for_peers(fresh_db, questionnaire):
    for i in range(5):
        submit_assessment(fresh_db, questionnaire, f"t{i}")
    release(fresh_db)
    figures = releases.figures_for(fresh_db, "kunta", "under_5000", rules.load_cells(questionnaire))
    counted = set(figures.distribution)
    assert not counted & questionnaire.profile_question_ids()
    assert "own_use" in counted


def group_of(db, questionnaire):
    release(db)
    return releases.figures_for(db, "kunta", "under_5000", rules.load_cells(questionnaire))


def test_median_and_where_an_organisation_stands_among_the_others(fresh_db, questionnaire):
    # own_use scores by the model: regularly 100 (cut to the dimension's ceiling, 89), occasionally 60,
    # acquainted 25, none 0.
    for i, option in enumerate(["none", "acquainted", "occasionally", "regularly", "regularly", "none"]):
        submit_assessment(fresh_db, questionnaire, f"t{i}", {"own_use": {"own_use": option}})
    figures = group_of(fresh_db, questionnaire)
    # Sorted 0, 0, 25, 60, 89, 89: the mean of the middle two.
    assert figures.median("own_use") == pytest.approx(42.5)
    # Each organisation is taken out of the group before it is placed among the other five; the share of them
    # below it, counting half of those equal, gives the quarter.
    assert figures.quarter("own_use", 89, own=89, minimum=K) == "top_quarter"  # (4 + 1/2) / 5 = 90 %
    assert figures.quarter("own_use", 60, own=60, minimum=K) == "second_quarter"  # 3/5 = 60 %
    assert figures.quarter("own_use", 25, own=25, minimum=K) == "third_quarter"  # 2/5 = 40 %
    assert figures.quarter("own_use", 0, own=0, minimum=K) == "bottom_quarter"  # (0 + 1/2) / 5 = 10 %
    # At least the minimum of others: of six, five others are too few for a minimum of six, though the
    # group itself holds six.
    assert figures.quarter("own_use", 89, own=89, minimum=6) is None
    assert figures.quarter("own_use", 89, own=None, minimum=6) == "top_quarter"


def test_a_median_follows_the_group_rule_and_no_other(fresh_db, questionnaire):
    """Four of five answered "don't know" about their attitude. There is no minimum per dimension any more
    (it could be subtracted away, see test_release_attacks): the group is five, so its median is shown."""
    for i in range(5):
        attitude = "very_positive" if i == 0 else "dont_know"
        submit_assessment(fresh_db, questionnaire, f"t{i}", {"own_use": {"attitude": attitude}})
    figures = group_of(fresh_db, questionnaire)
    assert figures.group.organisations == 5
    assert figures.median("attitude") is not None
    assert sum(n for _, n in figures.band_counts("attitude", scoring.load(questionnaire))) == 1


def test_peers_see_releases_that_change_only_by_safe_steps(fresh_db, questionnaire):
    def own_use_counts():
        figures = releases.figures_for(fresh_db, "kunta", "under_5000", rules.load_cells(questionnaire))
        return figures.group.organisations, figures.distribution["own_use"]

    for i in range(5):
        submit_assessment(fresh_db, questionnaire, f"t{i}", {"own_use": {"own_use": "regularly"}})
    release(fresh_db)
    assert own_use_counts() == (5, {"regularly": 5})
    # One more organisation: comparing releases would give its answer, so the cell is repeated unchanged.
    submit_assessment(fresh_db, questionnaire, "sixth", {"own_use": {"own_use": "none"}})
    release(fresh_db)
    assert own_use_counts() == (5, {"regularly": 5})
    for i in range(4):
        submit_assessment(fresh_db, questionnaire, f"more-{i}", {"own_use": {"own_use": "none"}})
    release(fresh_db)
    assert own_use_counts() == (10, {"regularly": 5, "none": 5})


def test_submissions_change_nothing_peers_see_until_the_next_release(fresh_db, questionnaire):
    for i in range(5):
        submit_assessment(fresh_db, questionnaire, f"t{i}")
    assert releases.latest_release(fresh_db) is None
    assert releases.release_sizes(fresh_db) == {}
    release(fresh_db)
    assert releases.release_sizes(fresh_db)[(ANY, ANY)] == 5
