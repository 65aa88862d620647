"""Stored scores and released peer figures say which version of the readiness model computed them: scores of
another version are never compared with the model in force, and `flask peers rescore` (or the weekly release)
scores stored answers again."""

import pytest

from readiness.core import peers
from readiness.core import scoring
from readiness.core.releases import load_cells
from readiness.store import releases
from tests.conftest import earlier_model_rule
from tests.conftest import peer_rule
from tests.conftest import release
from tests.conftest import submit_assessment

CURRENT = "readiness-model.3"
EARLIER = "readiness-model.2"
REGULARLY = {"own_use": {"own_use": "regularly"}}


@pytest.fixture
def earlier_rule(questionnaire):
    return earlier_model_rule(questionnaire, EARLIER)


@pytest.fixture
def five_scored_earlier(fresh_db, questionnaire, earlier_rule):
    """Five organisations of one cell, all using AI regularly, whose stored scores are the earlier model's."""
    ids = [submit_assessment(fresh_db, questionnaire, f"t{i}", REGULARLY) for i in range(5)]
    assert releases.rescore(fresh_db, earlier_rule, EARLIER) == 5
    return ids


def figures(db, questionnaire):
    return releases.figures_for(db, "kunta", "under_5000", load_cells(questionnaire))


def stored_own_use(db):
    return [row[0] for row in db.execute("select value from assessment_scores where dimension = 'own_use'")]


def test_a_contribution_says_which_model_scored_it(questionnaire):
    contribution = peer_rule()([{"own_use": ["regularly"]}])
    assert contribution.model == CURRENT == scoring.load(questionnaire).version
    assert contribution.scores["own_use"] == 89.0  # 100 points, cut to the ceiling


def test_scores_of_another_model_version_are_not_compared(fresh_db, questionnaire, five_scored_earlier):
    assert stored_own_use(fresh_db) == [100.0] * 5  # the earlier model: regularly is 100
    release(fresh_db)
    shown = figures(fresh_db, questionnaire)
    assert shown.group.organisations == 5 and shown.scored_with_another_model
    # The answers still compare; no median, band or standing from the earlier model's scores.
    assert shown.distribution["own_use"] == {"regularly": 5}
    assert peers.MODEL not in shown.distribution
    assert shown.median("own_use") is None and shown.band_counts("own_use", scoring.load(questionnaire)) is None
    assert shown.quarter("own_use", 89.0, own=None, minimum=1) is None
    # Asked for the earlier version, the same figures hold every organisation's scores.
    group = shown.group
    assert releases.group_figures(fresh_db, group, EARLIER).median("own_use") == 100.0
    assert all(row[2] != peers.MODEL for row in releases.released_counts(fresh_db))


def test_rescoring_scores_stored_answers_again_under_the_same_units(fresh_db, questionnaire, five_scored_earlier):
    units = sorted(row[0] for row in fresh_db.execute("select unit from round_contributions"))
    assert len(releases.rounds_scored_with_another_model(fresh_db, CURRENT)) == 5
    assert releases.rescore(fresh_db, peer_rule(), CURRENT) == 5
    assert releases.rescore(fresh_db, peer_rule(), CURRENT) == 0  # nothing left to do
    assert stored_own_use(fresh_db) == [89.0] * 5
    assert sorted(row[0] for row in fresh_db.execute("select unit from round_contributions")) == units
    unit = units[0]
    assert releases.contribution_items(fresh_db, unit)[1]["own_use"] == 89.0


def test_a_cell_compares_again_once_a_release_computes_it_with_the_model_in_force(
    fresh_db, questionnaire, five_scored_earlier
):
    release(fresh_db)
    releases.rescore(fresh_db, peer_rule(), CURRENT)
    # The same five: the auditor repeats the cell's figures, which the earlier model scored, so still no scores.
    release(fresh_db)
    assert figures(fresh_db, questionnaire).scored_with_another_model
    # Five more (a change of five, the minimum): the cell is computed again, every member with the model in
    # force. All ten use AI regularly: 100 points each, cut to 89, so the median is 89.
    for i in range(5, 10):
        submit_assessment(fresh_db, questionnaire, f"t{i}", REGULARLY)
    release(fresh_db)
    shown = figures(fresh_db, questionnaire)
    assert shown.group.organisations == 10 and not shown.scored_with_another_model
    assert shown.median("own_use") == 89.0
