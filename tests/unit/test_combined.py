"""The combined profile of several respondents: medians on the model's points, half for multiple choice."""

import pytest

from readiness.core import combined
from readiness.core import scoring


@pytest.fixture
def model(questionnaire):
    return scoring.load(questionnaire)


def test_a_scale_answer_is_the_lower_median_on_points(questionnaire, model):
    points = combined.scale_points(model)["attitude"]
    by_points = sorted((option for option in points), key=points.get)
    low, middle, high = by_points[0], by_points[len(by_points) // 2], by_points[-1]
    three = [{"attitude": [low]}, {"attitude": [high]}, {"attitude": [middle]}]
    assert combined.combine(questionnaire, model, three)["attitude"] == [middle]
    two = [{"attitude": [high]}, {"attitude": [low]}]
    assert combined.combine(questionnaire, model, two)["attitude"] == [low]


def test_dont_know_is_left_out_unless_it_is_all_there_is(questionnaire, model):
    high = max(combined.scale_points(model)["attitude"].items(), key=lambda item: item[1])[0]
    answers = [{"attitude": ["dont_know"]}, {"attitude": ["dont_know"]}, {"attitude": [high]}]
    assert combined.combine(questionnaire, model, answers)["attitude"] == [high]
    assert combined.combine(questionnaire, model, [{"attitude": ["dont_know"]}] * 2)["attitude"] == ["dont_know"]


def test_multiple_choice_keeps_what_at_least_half_chose(questionnaire, model):
    question = questionnaire.question("risks")
    a, b, c = (option.id for option in question.options[:3])
    answers = [{"risks": [a, b]}, {"risks": [a]}, {"risks": [a, c]}, {"risks": [b]}]
    assert combined.combine(questionnaire, model, answers)["risks"] == [a, b]


def test_other_choices_take_the_most_common_the_first_on_a_tie(questionnaire, model):
    answers = [{"role": ["ict_digital"]}, {"role": ["hr_management"]}]
    assert combined.combine(questionnaire, model, answers)["role"] == ["hr_management"]
    answers.append({"role": ["ict_digital"]})
    assert combined.combine(questionnaire, model, answers)["role"] == ["ict_digital"]


def test_matrix_rows_are_combined_one_by_one(questionnaire, model):
    question = questionnaire.question("org_use")
    key = question.answer_keys()[0]
    points = combined.scale_points(model)["org_use"]
    ordered = sorted(points, key=points.get)
    answers = [{key: [ordered[0]]}, {key: [ordered[-1]]}, {key: [ordered[-1]]}]
    assert combined.combine(questionnaire, model, answers)[key] == [ordered[-1]]
    assert question.answer_keys()[1] not in combined.combine(questionnaire, model, answers)


def test_agreement(questionnaire):
    assert combined.agreement([{"x": ["a"]}, {"x": ["a"]}], "x") == "agree"
    assert combined.agreement([{"x": ["a", "b"]}, {"x": ["b", "a"]}], "x") == "agree"
    assert combined.agreement([{"x": ["a"]}, {"x": ["b"]}], "x") == "differ"
    assert combined.agreement([{"x": ["a"]}, {}], "x") is None


def random_respondent(questionnaire, rng):
    """One respondent's random answers to every choice question."""
    choices = {}
    for question in questionnaire.questions():
        if question.free_text or not question.options:
            continue
        options = [o.id for o in question.options]
        for key in question.answer_keys():
            if question.type == "multiple":
                choices[key] = rng.sample(options, rng.randint(1, 2))
            else:
                choices[key] = [rng.choice(options)]
    return choices


def test_a_combined_score_never_falls_outside_the_respondents_range(questionnaire, model):
    """Scoring the combined answers could give a score below every respondent's; the median of the
    respondents' scores cannot."""
    import random

    rng = random.Random(12)
    for _ in range(200):
        respondents = [random_respondent(questionnaire, rng) for _ in range(rng.randint(1, 4))]
        own = [scoring.score(model, questionnaire, choices) for choices in respondents]
        for position, score in enumerate(combined.combined_scores(questionnaire, model, respondents)):
            values = [scores[position].value for scores in own if scores[position].value is not None]
            if not values:
                assert score.value is None
                continue
            assert min(values) <= score.value <= max(values)


def test_a_combined_score_is_the_median_of_the_respondents_scores(questionnaire, model):
    # own_use: "regularly" scores 100 and "none" 0 on its question; the dimension also counts the attitude.
    high = {"own_use": ["regularly"], "attitude": ["very_positive"]}
    low = {"own_use": ["none"], "attitude": ["very_negative"]}
    scores = {s.dimension.id: s.value for s in combined.combined_scores(questionnaire, model, [high, low, low])}
    assert scores["own_use"] == {s.dimension.id: s.value for s in scoring.score(model, questionnaire, low)}["own_use"]
    two = {s.dimension.id: s.value for s in combined.combined_scores(questionnaire, model, [high, low])}
    each = [{s.dimension.id: s.value for s in scoring.score(model, questionnaire, c)}["own_use"] for c in (high, low)]
    assert two["own_use"] == pytest.approx(sum(each) / 2)


def test_peers_count_the_scores_the_organisation_sees(questionnaire, model):
    """One definition of the organisation: what a release counts is the organisation's combined scores."""
    from readiness.core import peers

    high = {"org_type": ["kunta"], "population": ["under_5000"], "own_use": ["regularly"]}
    low = {"org_type": ["kunta"], "population": ["under_5000"], "own_use": ["none"]}
    contribution = peers.round_contribution(questionnaire, model, [high, low])
    expected = {s.dimension.id: s.value for s in combined.combined_scores(questionnaire, model, [high, low])}
    assert contribution.scores == expected
    assert contribution.group == ("kunta", "under_5000")
