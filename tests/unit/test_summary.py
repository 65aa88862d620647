"""The results summary: three strengths and three gaps in the model's words, the top actions, and the position
among peers or why it cannot be told. Expected values are worked out by hand from the scores given."""

from types import SimpleNamespace

import pytest

from readiness.core import summary
from readiness.core.questionnaire import load as load_questionnaire
from readiness.core.scoring import band_for
from readiness.core.scoring import load


@pytest.fixture(scope="module")
def model():
    return load(load_questionnaire())


def dimension_result(model, dimension_id, value, quarter=None, median=None):
    dimension = model.dimension(dimension_id)
    score = SimpleNamespace(dimension=dimension, value=value, band=band_for(model, value))
    return SimpleNamespace(score=score, quarter=quarter, peer_median=median)


def results_with(model, values, group=None, quarters=None):
    quarters = quarters or {}
    return SimpleNamespace(
        dimensions=tuple(dimension_result(model, d, v, *quarters.get(d, (None, None))) for d, v in values.items()),
        group=group,
    )


def ids(points):
    return [p.dimension.id for p in points]


def test_the_highest_in_adopting_or_above_are_strengths_and_the_lowest_below_established_are_gaps(model):
    values = {"adoption": 80, "own_use": 55, "attitude": 75, "support": 20, "governance": 62.5, "outlook": 40}
    strengths, gaps = summary.strengths_and_gaps(model, results_with(model, values).dimensions)
    # The respondent's own use (55) and attitude (75) are the person's, not the organisation's: never either.
    # Of the organisation's, 80 and 62.5 are at least 50; below 75 and not strengths: 20, 40.
    assert ids(strengths) == ["adoption", "governance"]
    assert ids(gaps) == ["support", "outlook"]


def test_a_low_profile_claims_no_strength_and_a_high_one_no_gap(model):
    low = {"adoption": 10, "support": 49.4, "governance": 25, "outlook": 0}
    strengths, gaps = summary.strengths_and_gaps(model, results_with(model, low).dimensions)
    assert strengths == ()
    assert ids(gaps) == ["outlook", "adoption", "governance"]
    high = {"adoption": 90, "support": 75, "governance": 100, "outlook": 76}
    strengths, gaps = summary.strengths_and_gaps(model, results_with(model, high).dimensions)
    assert ids(strengths) == ["governance", "adoption", "outlook"]
    assert gaps == ()


def test_dimensions_without_a_score_are_neither_and_ties_keep_the_models_order(model):
    values = {"adoption": 60, "own_use": None, "support": 60, "governance": None, "outlook": 30}
    strengths, gaps = summary.strengths_and_gaps(model, results_with(model, values).dimensions)
    assert ids(strengths) == ["adoption", "support"]
    assert ids(gaps) == ["outlook"]


def test_points_are_said_in_the_models_words_for_their_band(model):
    strengths, gaps = summary.strengths_and_gaps(model, results_with(model, {"support": 20, "adoption": 60}).dimensions)
    assert gaps[0].meaning("fi") == "Organisaatio ei vielä tue henkilöstöä tekoälyn käytössä."
    assert strengths[0].meaning("en") == (
        "AI is in use in several areas of work, but not yet everywhere it could help."
    )


def area(title):
    return SimpleNamespace(title={"fi": title + " fi", "sv": title + " sv", "en": title + " en"})


def test_an_action_is_the_first_concrete_action_where_there_is_one_else_the_areas_title():
    plain = SimpleNamespace(area=area("Basics"))
    empty = SimpleNamespace(area=area("Ethics"), actions=())
    text_action = SimpleNamespace(area=area("Data"), actions=(SimpleNamespace(title={"sv": "Gör en plan"}),))
    string_action = SimpleNamespace(area=area("Risk"), actions=("Name an owner",))
    assert summary.action_text(plain, "en") == "Basics en"
    assert summary.action_text(empty, "fi") == "Ethics fi"
    assert summary.action_text(text_action, "sv") == "Gör en plan"
    assert summary.action_text(string_action, "en") == "Name an owner"


def test_the_top_three_actions_follow_the_ranking(model):
    ranked = [SimpleNamespace(area=area(name)) for name in ("A", "B", "C", "D")]
    found = summary.summarise(model, results_with(model, {"adoption": 50}), ranked, True, "en")
    assert found.actions == ("A en", "B en", "C en")


def test_position_says_why_not_without_a_release_a_group_or_enough_scored_others(model):
    values = {"adoption": 50, "support": 30}
    assert summary.position(results_with(model, values), release_published=False).status == summary.NO_RELEASE
    assert summary.position(results_with(model, values), release_published=True).status == summary.NO_GROUP
    group = SimpleNamespace(organisations=7)
    found = summary.position(results_with(model, values, group=group), release_published=True)
    assert (found.status, found.organisations) == (summary.TOO_FEW_SCORED, 7)


def test_position_lists_the_organisations_dimensions_that_have_a_quarter(model):
    values = {"adoption": 50, "own_use": 100, "support": 30, "outlook": 70}
    quarters = {"adoption": ("top_quarter", 40.0), "own_use": ("top_quarter", 50.0), "outlook": ("bottom_quarter", 80)}
    found = summary.position(
        results_with(model, values, group=SimpleNamespace(organisations=12), quarters=quarters), True
    )
    assert found.status == summary.SHOWN
    # The respondent's own use is not the organisation's standing; support has no quarter.
    assert [(s.dimension.id, s.quarter, s.median) for s in found.standings] == [
        ("adoption", "top_quarter", 40.0),
        ("outlook", "bottom_quarter", 80),
    ]
