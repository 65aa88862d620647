"""The readiness model: the data file is complete and checked, and scores are computed as documented."""

import copy

import pytest

from readiness.core.questionnaire import LANGUAGES
from readiness.core.questionnaire import load as load_questionnaire
from readiness.core.scoring import ModelError
from readiness.core.scoring import band_for
from readiness.core.scoring import load
from readiness.core.scoring import parse
from readiness.core.scoring import score
from tests.conftest import dont_know_everywhere

DIMENSIONS = {
    "adoption": {"org_use", "hr_use"},
    "own_use": {"own_use"},
    "attitude": {"attitude"},
    "support": {"support", "training_coverage"},
    "governance": {"guidelines", "risk_management", "hr_safeguards", "ai_practices"},
    "outlook": {"change", "benefits"},
}


@pytest.fixture(scope="module")
def questionnaire():
    return load_questionnaire()


@pytest.fixture(scope="module")
def model(questionnaire):
    return load(questionnaire)


def scores(model, questionnaire, choices):
    return {s.dimension.id: s for s in score(model, questionnaire, choices)}


# The packaged model ------------------------------------------------------------------------------


def test_the_packaged_model_loads_against_the_real_questionnaire(model, questionnaire):
    assert model.version == "readiness-model.3"
    assert [c.version for c in model.changelog] == ["readiness-model.3", "readiness-model.2", "readiness-model.1"]
    assert load(questionnaire) is model
    assert {d.id: {q.question for q in d.questions} for d in model.dimensions} == DIMENSIONS


def test_competence_and_challenges_are_not_scored(model):
    scored = {q.question for d in model.dimensions for q in d.questions}
    assert not {"competence_top", "competence_needs", "challenges", "risks"} & scored
    description = model.dimension("own_use").description
    assert "not scored" in description.en


def test_every_text_is_in_three_languages_and_every_band_has_a_meaning(model):
    texts = [model.title, model.intro]
    texts += [band.name for band in model.bands]
    for dimension in model.dimensions:
        # A dimension that stops below the top band has no meaning for it (no text promises what it cannot earn).
        assert set(dimension.meaning) == {band.id for band in model.bands if band.min <= dimension.ceiling}
        texts += [dimension.name, dimension.description, *dimension.meaning.values()]
        if dimension.capped:
            texts.append(dimension.ceiling_reason)
    for text in texts:
        for lang in LANGUAGES:
            assert text(lang).strip(), text
        assert len({text.fi, text.sv, text.en}) == 3, text


def test_bands_are_the_four_of_the_product_and_a_leading_band_with_room_above(model):
    assert [(b.id, b.name.fi, b.min, b.max) for b in model.bands] == [
        ("starting", "Alkuvaihe", 0, 25),
        ("experimenting", "Kokeiluvaihe", 25, 50),
        ("adopting", "Käyttöönottovaihe", 50, 75),
        ("established", "Vakiintunut", 75, 90),
        ("leading", "Edelläkävijä", 90, 100),
    ]


@pytest.mark.parametrize(
    "value, band",
    [
        (0, "starting"),
        (24.4, "starting"),
        (24.5, "starting"),  # shown as 24: half to even
        (24.6, "experimenting"),  # shown as 25
        (25, "experimenting"),
        (49.4, "experimenting"),
        (49.5, "adopting"),  # shown as 50
        (74.5, "adopting"),  # shown as 74
        (74.6, "established"),
        (75, "established"),
        (89.4, "established"),
        (89.5, "leading"),  # shown as 90
        (89.75, "leading"),  # a combined median between 89.5 and 90
        (90, "leading"),
        (100, "leading"),
    ],
)
def test_band_boundaries(model, value, band):
    """A score is in the band of the whole number the pages show: a page never says "90" beside a band that
    ends below 90."""
    assert band_for(model, value).id == band


def test_no_score_has_no_band_and_a_score_outside_the_scale_is_an_error(model):
    assert band_for(model, None) is None
    with pytest.raises(ValueError):
        band_for(model, 100.1)
    with pytest.raises(ValueError):
        band_for(model, -0.1)


# Scores ------------------------------------------------------------------------------------------


def test_own_use_regularly_scores_its_points_up_to_the_ceiling(model, questionnaire):
    # model.toml: regularly is 100 points, but own use stops at its ceiling, 89 (Established).
    result = scores(model, questionnaire, {"own_use": ["regularly"]})["own_use"]
    assert result.value == 89.0
    assert result.band.id == "established"
    assert scores(model, questionnaire, {"own_use": ["occasionally"]})["own_use"].value == 60.0


def test_a_matrix_scores_the_mean_of_its_scored_rows(model, questionnaire):
    choices = {
        "org_use.hr": ["a_lot"],  # 100
        "org_use.ict": ["a_little"],  # 25
        "org_use.finance": ["dont_know"],  # left out
        "org_use.marketing": ["not_applicable"],  # left out
    }
    result = scores(model, questionnaire, choices)["adoption"]
    # hr_use is unanswered, so org_use alone makes the score.
    assert result.value == (100 + 25) / 2 == 62.5
    assert result.band.id == "adopting"
    org_use, hr_use = result.parts
    assert (org_use.question, org_use.score, org_use.weight) == ("org_use", 62.5, 2)
    assert dict(org_use.answers) == {
        "org_use.hr": ("a_lot",),
        "org_use.finance": ("dont_know",),
        "org_use.marketing": ("not_applicable",),
        "org_use.ict": ("a_little",),
    }
    assert hr_use.score is None and hr_use.answers == ()


def test_adoption_is_the_weighted_mean_of_both_questions(model, questionnaire):
    choices = {
        "org_use.hr": ["a_lot"],  # 100
        "org_use.ict": ["a_little"],  # 25
        "hr_use.performance": ["in_use"],  # high-risk: never scored here
        "hr_use.wellbeing": ["future"],  # 20
        "hr_use.competence": ["neither"],  # 0
        "hr_use.recruitment": ["in_use"],  # high-risk: never scored here
    }
    org_use = (100 + 25) / 2  # 62.5, weight 2
    hr_use = (20 + 0) / 2  # 10, weight 1
    assert scores(model, questionnaire, choices)["adoption"].value == (2 * org_use + 1 * hr_use) / 3 == 45.0


def test_high_risk_hr_uses_score_only_through_their_safeguards(model, questionnaire):
    # model.toml: hr_use's recruitment and performance rows are excluded; hr_safeguards counts 5 safeguards, cap 5.
    in_use = {"hr_use.recruitment": ["in_use"], "hr_use.performance": ["in_use"]}
    assert scores(model, questionnaire, in_use)["adoption"].value is None
    base = {"guidelines": ["yes"], "risk_management": ["assessed_managed"], "ai_practices": ["none"]}
    none = scores(model, questionnaire, {**base, "hr_safeguards": ["none"]})["governance"].value
    two = scores(model, questionnaire, {**base, "hr_safeguards": ["fria", "human_oversight"]})["governance"].value
    assert none == round((100 + 100 + 0 + 0) / 4, 1) == 50.0
    assert two == round((100 + 100 + 40 + 0) / 4, 1) == 60.0
    no_such_use = scores(model, questionnaire, {**base, "hr_safeguards": ["no_such_use"]})["governance"].value
    assert no_such_use == round((100 + 100 + 0) / 3, 1) == 66.7


@pytest.mark.parametrize(
    "practices, training, governance_band, support_band",
    [
        (["none"], "some", "established", "established"),  # all the basics: 75 and 80
        (["register", "evaluation"], "most", "leading", "leading"),  # (300 + 66.7) / 4 = 91.7; (100 + 100) / 2
        (["register"], "most", "established", "leading"),  # (300 + 33.3) / 4 = 83.3
    ],
)
def test_the_leading_band_is_earned_not_given(model, questionnaire, practices, training, governance_band, support_band):
    choices = {
        "guidelines": ["yes"],
        "risk_management": ["assessed_managed"],
        "hr_safeguards": ["fria", "human_oversight", "staff_informed", "logs", "registered"],
        "ai_practices": practices,
        "support": ["licences", "training", "guidelines", "resources"],
        "training_coverage": [training],
    }
    result = scores(model, questionnaire, choices)
    assert (result["governance"].band.id, result["support"].band.id) == (governance_band, support_band)


def every_row(questionnaire, question_id, option_id):
    return {f"{question_id}.{row.id}": [option_id] for row in questionnaire.question(question_id).rows}


def test_using_ai_everywhere_or_being_optimistic_does_not_make_a_forerunner(model, questionnaire):
    # The highest answer to every question of adoption, outlook, own use and attitude: each mean is 100 (org_use
    # "a_lot" = 100 in every row, weight 2; hr_use "in_use" = 100 in the seven scored rows, weight 1; change
    # "very_much" = 100; four benefits = 4/4 of the cap; "regularly" = 100; "very_positive" = 100), and each of
    # these dimensions stops at its ceiling, 89, in Established.
    choices = {
        **every_row(questionnaire, "org_use", "a_lot"),
        **every_row(questionnaire, "hr_use", "in_use"),
        "change": ["very_much"],
        "benefits": ["customer_service", "routine_tasks", "decision_making", "knowledge_management"],
        "own_use": ["regularly"],
        "attitude": ["very_positive"],
    }
    result = scores(model, questionnaire, choices)
    for dimension in ("adoption", "outlook", "own_use", "attitude"):
        assert (result[dimension].value, result[dimension].band.id) == (89.0, "established"), dimension
    # The parts still say what each question scored: the ceiling cuts only the dimension's score.
    assert [p.score for p in result["adoption"].parts] == [100, 100]


def test_the_ceiling_cuts_only_what_is_above_it(model, questionnaire):
    # org_use: nine rows "a_lot" (100) and one "somewhat" (60) = 960 / 10 = 96; hr_use all "in_use" = 100;
    # (2 × 96 + 100) / 3 = 97.3, cut to 89.
    choices = {**every_row(questionnaire, "org_use", "a_lot"), "org_use.hr": ["somewhat"]}
    choices |= every_row(questionnaire, "hr_use", "in_use")
    assert scores(model, questionnaire, choices)["adoption"].value == 89.0
    # change "quite_a_lot" (75) and three benefits (75): (75 + 75) / 2 = 75, below the ceiling, unchanged.
    outlook = {"change": ["quite_a_lot"], "benefits": ["customer_service", "routine_tasks", "text_work"]}
    assert scores(model, questionnaire, outlook)["outlook"].value == 75.0
    # org_use all "somewhat" (60) and hr_use all "in_use" (100): (2 × 60 + 100) / 3 = 73.3, unchanged.
    choices = {**every_row(questionnaire, "org_use", "somewhat"), **every_row(questionnaire, "hr_use", "in_use")}
    assert scores(model, questionnaire, choices)["adoption"].value == 73.3


def test_only_support_and_governance_can_reach_the_top_band(model):
    top = model.bands[-1]
    assert top.id == "leading" and top.min == 90
    reachable = {d.id for d in model.dimensions if d.ceiling >= top.min}
    assert reachable == {"support", "governance"}
    for dimension in model.dimensions:
        if dimension.capped:
            assert dimension.ceiling == 89 and "89" in dimension.ceiling_reason.fi, dimension.id


def test_support_none_is_zero_not_missing(model, questionnaire):
    result = scores(model, questionnaire, {"support": ["none"]})["support"]
    assert result.value == 0.0
    assert result.band.id == "starting"


@pytest.mark.parametrize(
    "chosen, expected",
    [
        (["training"], 100 * 1 / 4),
        (["licences", "training"], 100 * 2 / 4),
        (["licences", "training", "guidelines", "pilots", "network"], 100),  # 125, capped
    ],
)
def test_support_counts_up_to_its_cap(model, questionnaire, chosen, expected):
    assert scores(model, questionnaire, {"support": chosen})["support"].value == expected


def test_governance_scores_guidelines_and_risk_management_equally(model, questionnaire):
    # model.toml: guidelines yes 100, in_preparation 50, no 0; risk_management assessed_managed 100, assessed 50,
    # not_assessed 0; both weight 1.
    choices = {"guidelines": ["in_preparation"], "risk_management": ["assessed_managed"]}
    assert scores(model, questionnaire, choices)["governance"].value == (50 + 100) / 2 == 75.0
    choices = {"guidelines": ["no"], "risk_management": ["assessed"]}
    assert scores(model, questionnaire, choices)["governance"].value == (0 + 50) / 2 == 25.0


def test_naming_more_risks_never_changes_a_score(model, questionnaire):
    base = {"guidelines": ["yes"], "risk_management": ["not_assessed"]}
    expected = scores(model, questionnaire, base)["governance"].value
    assert expected == 50.0
    for risks in (["no_risks"], ["security"], ["security", "privacy", "ethics", "correctness", "bias"], ["dont_know"]):
        for result in score(model, questionnaire, {**base, "risks": risks}):
            assert result.value == scores(model, questionnaire, base)[result.dimension.id].value, risks


def test_the_retired_own_use_option_keeps_its_old_score(model, questionnaire):
    # Answers stored before kt2024.2 in "occasionally" score 60 as before; don't know is left out.
    assert scores(model, questionnaire, {"own_use": ["occasionally"]})["own_use"].value == 60.0
    assert scores(model, questionnaire, {"own_use": ["dont_know"]})["own_use"].value is None


def test_the_model_says_it_is_the_services_not_kts(model):
    assert "not KT's" in model.intro.en and "ei KT:n" in model.intro.fi and "inte KT:s" in model.intro.sv
    assert model.dimension("own_use").name.en == "The respondent's own use"


def test_a_dont_know_leaves_the_question_out_of_its_dimension(model, questionnaire):
    choices = {"change": ["quite_a_lot"], "benefits": ["dont_know"]}
    result = scores(model, questionnaire, choices)["outlook"]
    assert result.value == 75.0  # change alone, not (75 + 0) / 2
    assert [p.score for p in result.parts] == [75, None]


def test_dont_know_everywhere_gives_no_score_and_no_band(model, questionnaire):
    choices = dont_know_everywhere(questionnaire)
    # support has no don't-know option: left unanswered, it must not score either.
    assert "support" not in choices
    for result in score(model, questionnaire, choices):
        assert result.value is None, result.dimension.id
        assert result.band is None
    not_applicable = {f"org_use.{row.id}": ["not_applicable"] for row in questionnaire.question("org_use").rows}
    assert scores(model, questionnaire, not_applicable)["adoption"].value is None


def test_an_answer_the_questionnaire_does_not_have_is_an_error(model, questionnaire):
    with pytest.raises(ValueError, match="not an option"):
        score(model, questionnaire, {"own_use": ["sometimes"]})
    with pytest.raises(ValueError, match="not options"):
        score(model, questionnaire, {"support": ["money"]})


# The loader's rules ------------------------------------------------------------------------------

TEXT = {"fi": "Teksti", "sv": "Text", "en": "Text in English"}


def minimal():
    """A small valid model: two dimensions, one scale rule and one count rule."""
    meaning = {band: dict(TEXT) for band in ("starting", "experimenting", "adopting", "established")}
    return {
        "version": "test.1",
        "title": dict(TEXT),
        "intro": dict(TEXT),
        "changelog": [{"version": "test.1", "date": "2026-12-01", "text": dict(TEXT)}],
        "bands": [
            {"id": "starting", "min": 0, "max": 25, "name": dict(TEXT)},
            {"id": "experimenting", "min": 25, "max": 50, "name": dict(TEXT)},
            {"id": "adopting", "min": 50, "max": 75, "name": dict(TEXT)},
            {"id": "established", "min": 75, "max": 100, "name": dict(TEXT)},
        ],
        "dimensions": [
            {
                "id": "attitude",
                "name": dict(TEXT),
                "description": dict(TEXT),
                "meaning": copy.deepcopy(meaning),
                "questions": [
                    {
                        "question": "attitude",
                        "weight": 1,
                        "rule": "scale",
                        "points": {
                            "very_positive": 100,
                            "fairly_positive": 75,
                            "neutral": 50,
                            "fairly_negative": 25,
                            "very_negative": 0,
                        },
                        "excluded": ["dont_know"],
                    }
                ],
            },
            {
                "id": "support",
                "name": dict(TEXT),
                "description": dict(TEXT),
                "meaning": copy.deepcopy(meaning),
                "questions": [
                    {
                        "question": "support",
                        "weight": 1,
                        "rule": "count",
                        "counted": [
                            "licences",
                            "training",
                            "guidelines",
                            "data_protection",
                            "pilots",
                            "network",
                            "resources",
                        ],
                        "zero": ["none"],
                        "cap": 4,
                    }
                ],
            },
        ],
    }


def scale(data):
    return data["dimensions"][0]["questions"][0]


def count(data):
    return data["dimensions"][1]["questions"][0]


def test_the_changelog_must_start_with_this_version(questionnaire):
    data = minimal()
    data["changelog"][0]["version"] = "test.0"
    with pytest.raises(ModelError, match="newest entry must be this version"):
        parse(data, questionnaire)
    data["changelog"] = []
    with pytest.raises(ModelError, match="changelog"):
        parse(data, questionnaire)


def test_the_minimal_model_is_valid(questionnaire):
    model = parse(minimal(), questionnaire)
    assert [d.id for d in model.dimensions] == ["attitude", "support"]


def _set(path, value):
    def change(data):
        *parents, last = path
        target = data
        for step in parents:
            target = step(target) if callable(step) else target[step]
        target[last] = value

    return change


def _delete(path):
    def change(data):
        *parents, last = path
        target = data
        for step in parents:
            target = step(target) if callable(step) else target[step]
        del target[last]

    return change


@pytest.mark.parametrize(
    "change, message",
    [
        # ids
        (_set([scale, "question"], "no_such_question"), "unknown question 'no_such_question'"),
        (_set([scale, "points", "somewhat_positive"], 60), "unknown option 'somewhat_positive'"),
        (_set([scale, "excluded"], ["dont_know", "not_sure"]), r"excluded: unknown options \['not_sure'\]"),
        (_set([count, "counted"], ["licences", "money"]), r"counted: unknown options \['money'\]"),
        (_set([count, "zero"], ["nothing"]), r"zero: unknown options \['nothing'\]"),
        (_set(["dimensions", 0, "id"], "Attitude"), "must match"),
        (_set(["dimensions", 1, "id"], "attitude"), "duplicate ids"),
        (_set([scale, "wieght"], 2), r"unknown keys \['wieght'\]"),
        (_set([count, "points"], {"none": 0}), r"unknown keys \['points'\]"),
        (lambda d: d["dimensions"][1]["questions"].append(copy.deepcopy(scale(d))), "scored more than once"),
        # coverage of options
        (_delete([scale, "points", "neutral"]), r"options \['neutral'\] are in none of points, excluded"),
        (_delete([count, "zero"]), r"options \['none'\] are in none of counted, zero, excluded"),
        (_set([scale, "points", "dont_know"], 0), "dont_know is in both points and excluded"),
        (_set([count, "zero"], ["none", "training"]), "training is in both counted and zero"),
        (_delete([scale, "points"]), "needs a points table"),
        # don't know is never scored
        (
            lambda d: (scale(d)["points"].update(dont_know=0), scale(d).update(excluded=[])),
            "don't-know option dont_know must be excluded",
        ),
        # numbers
        (_set([scale, "points", "very_positive"], 101), "101 is outside 0–100"),
        (_set([scale, "points", "very_negative"], -5), "-5 is outside 0–100"),
        (_set([scale, "points", "neutral"], "50"), "expected a number"),
        (_set([scale, "weight"], 0), "weight must be above 0"),
        (_set([count, "weight"], -1), "weight must be above 0"),
        (_set([scale, "weight"], True), "expected a number"),
        (_delete([scale, "weight"]), "expected a number"),
        (_set([count, "cap"], 0), "cap: expected a whole number from 1 to 7"),
        (_set([count, "cap"], 8), "cap: expected a whole number from 1 to 7"),
        (_set([count, "counted"], []), "needs at least one counted option"),
        # rules and question types
        (_set([scale, "rule"], "count"), "rule count does not fit a single question"),
        (_set([count, "rule"], "scale"), "rule scale does not fit a multiple question"),
        (_set([scale, "question"], "support_other"), "rule scale does not fit a text question"),
        (_set([scale, "rule"], "sum"), "rule must be one of"),
        # bands
        (_set(["bands", 1, "min"], 30), "starting ends at 25 but experimenting starts at 30"),
        (_set(["bands", 1, "min"], 20), "starting ends at 25 but experimenting starts at 20"),
        (_set(["bands", 0, "min"], 5), "first band must start at 0"),
        (_set(["bands", 3, "max"], 99), "last band must end at 100"),
        (_set(["bands", 3, "max"], 75), "min 75 must be below max 75"),
        (lambda d: d["bands"].reverse(), "first band must start at 0"),
        (_set(["bands", 1, "id"], "starting"), "bands: duplicate ids"),
        (_set(["bands"], []), "at least one band"),
        # texts
        (_delete(["title", "sv"]), "title: missing text in sv"),
        (_set(["intro", "en"], "  "), "intro: missing text in en"),
        (_delete(["bands", 2, "name", "fi"]), "band adopting.name: missing text in fi"),
        (_delete(["dimensions", 0, "name"]), "dimension attitude.name: expected a table"),
        (_set(["dimensions", 1, "description", "de"], "Text"), r"unknown languages \['de'\]"),
        (_delete(["dimensions", 0, "meaning", "adopting", "sv"]), "meaning.adopting: missing text in sv"),
        # band meanings
        (_delete(["dimensions", 1, "meaning", "established"]), r"no meaning for bands \['established'\]"),
        (_set(["dimensions", 0, "meaning", "expert"], dict(TEXT)), r"unknown bands \['expert'\]"),
        (_delete(["dimensions", 0, "meaning"]), "a meaning table with one text per band is needed"),
        # structure
        (_set(["dimensions", 0, "questions"], []), "at least one question"),
        (_set(["dimensions"], []), "at least one dimension"),
        (_delete(["version"]), "version: missing"),
    ],
)
def test_the_loader_rejects(questionnaire, change, message):
    data = minimal()
    change(data)
    with pytest.raises(ModelError, match=message):
        parse(data, questionnaire)


@pytest.mark.parametrize(
    "ceiling, reason, message",
    [
        (60, None, "ceiling_reason"),
        # The minimal model's top band, established, starts at 75: its meaning is one no answer can earn.
        (60, dict(TEXT), r"meaning: bands \['established'\] are above the ceiling"),
        (75, dict(TEXT), "must be above 0 and below the top band"),
        (0, dict(TEXT), "must be above 0 and below the top band"),
        ("60", dict(TEXT), "expected a number"),
    ],
)
def test_a_ceiling_needs_its_reason_and_no_meaning_above_it(questionnaire, ceiling, reason, message):
    data = minimal()
    data["dimensions"][0]["ceiling"] = ceiling
    if reason is not None:
        data["dimensions"][0]["ceiling_reason"] = reason
    with pytest.raises(ModelError, match=message):
        parse(data, questionnaire)


def test_a_capped_dimension_scores_at_most_its_ceiling(questionnaire):
    data = minimal()
    data["dimensions"][0]["ceiling"] = 60
    data["dimensions"][0]["ceiling_reason"] = dict(TEXT)
    del data["dimensions"][0]["meaning"]["established"]  # 75–100: above the ceiling
    model = parse(data, questionnaire)
    # attitude: very_positive 100 → 60; neutral 50 stays 50.
    assert scores(model, questionnaire, {"attitude": ["very_positive"]})["attitude"].value == 60.0
    assert scores(model, questionnaire, {"attitude": ["neutral"]})["attitude"].value == 50.0


def test_excluded_rows_must_be_some_rows_of_a_matrix(questionnaire):
    data = minimal()
    data["dimensions"][0]["questions"][0]["excluded_rows"] = ["recruitment"]  # attitude is no matrix
    with pytest.raises(ModelError, match="excluded_rows"):
        parse(data, questionnaire)


def test_own_use_and_attitude_are_the_respondents_not_the_organisations(model, questionnaire):
    assert {d.id for d in model.dimensions if d.level == "respondent"} == {"own_use", "attitude"}
    data = minimal()
    data["dimensions"][0]["level"] = "team"
    with pytest.raises(ModelError, match="level"):
        parse(data, questionnaire)
