"""Training recommendations: the rule table is complete and checked, and answers lead to the expected areas."""

import copy
import datetime
import tomllib

import pytest

from readiness.core import scoring
from readiness.core.questionnaire import LANGUAGES
from readiness.core.questionnaire import load as load_questionnaire
from readiness.core.recommendations import DATA_FILE
from readiness.core.recommendations import SOURCES
from readiness.core.recommendations import TARGETS
from readiness.core.recommendations import RecommendationError
from readiness.core.recommendations import load
from readiness.core.recommendations import parse
from readiness.core.recommendations import recommend
from readiness.core.recommendations import uses_ai
from tests.conftest import dont_know_everywhere

AREAS = [
    "ai_basics",
    "use_training",
    "data_protection",
    "risk_assessment",
    "data_quality",
    "ethics_reliability",
    "practical_examples",
    "leadership",
    "policy_resources",
    "hr_processes",
]


@pytest.fixture(scope="module")
def questionnaire():
    return load_questionnaire()


@pytest.fixture(scope="module")
def model(questionnaire):
    return scoring.load(questionnaire)


@pytest.fixture(scope="module")
def catalogue(questionnaire, model):
    return load(questionnaire, model)


@pytest.fixture(scope="module")
def raw():
    with open(DATA_FILE, "rb") as f:
        return tomllib.load(f)


def scores_of(model, questionnaire, choices):
    return {s.dimension.id: s.value for s in scoring.score(model, questionnaire, choices)}


def ranked(catalogue, model, questionnaire, choices):
    return recommend(catalogue, choices, scores_of(model, questionnaire, choices))


# The packaged catalogue --------------------------------------------------------------------------


def test_the_packaged_catalogue_loads_against_the_real_questionnaire_and_model(catalogue, questionnaire, model):
    assert catalogue.version == "recommendations.2"
    assert load(questionnaire, model) is catalogue
    assert [a.id for a in catalogue.areas] == AREAS
    assert catalogue.area("leadership").target == "management"
    assert catalogue.area("hr_processes").target == "hr"
    assert catalogue.area("nope") is None


def test_every_area_rule_and_resource_has_its_texts_in_three_languages(catalogue):
    distinct = [catalogue.ai_act_text]
    for area in catalogue.areas:
        distinct += [area.title, area.description]
        if area.said_2024:
            distinct.append(area.said_2024)
        for resource in area.resources:
            for text in (resource.title, resource.provider, resource.url):
                for lang in LANGUAGES:
                    assert text(lang).strip(), (area.id, text)
    distinct += [rule.why for rule in catalogue.rules]
    for text in distinct:
        for lang in LANGUAGES:
            assert text(lang).strip(), text
        assert len({text.fi, text.sv, text.en}) == 3, text


def test_areas_have_an_allowed_target_a_priority_and_a_sourced_2024_finding(catalogue):
    for area in catalogue.areas:
        assert area.target in TARGETS
        assert 1 <= area.priority <= 100
        assert (area.said_2024 is None) == (area.said_2024_source is None)
        assert area.said_2024_source in (*SOURCES, None)
        if area.said_2024:
            # Qualitative findings only: no figure may slip into what respondents said.
            for lang in LANGUAGES:
                assert not any(c.isdigit() for c in area.said_2024(lang)), (area.id, lang)


def test_every_rule_names_existing_areas_questions_rows_options_and_dimensions(raw, questionnaire, model):
    # Walk the data file itself, not the loaded catalogue, so that a lenient loader cannot hide a dangling id.
    area_ids = {a["id"] for a in raw["areas"]}
    dimension_ids = {d.id for d in model.dimensions}
    answer_triggers = [(f"rules[{i}]", r["answer"]) for i, r in enumerate(raw["rules"]) if "answer" in r]
    answer_triggers += [(f"ai_act.uses_ai[{i}]", t) for i, t in enumerate(raw["ai_act"]["uses_ai"])]
    for i, rule in enumerate(raw["rules"]):
        assert rule["area"] in area_ids, i
        assert len({"answer", "score"} & rule.keys()) == 1, i
        if "score" in rule:
            assert rule["score"]["dimension"] in dimension_ids, i
            assert 0 < rule["score"]["below"] <= 100, i
    for where, trigger in answer_triggers:
        question_id, _, row = trigger["question"].partition(".")
        question = questionnaire.question(question_id)
        assert question is not None, where
        assert question.type in ("single", "multiple", "matrix"), where
        if row:
            assert question.type == "matrix" and row in {r.id for r in question.rows}, where
        # A retired option may trigger: answers stored in it stay readable and still say what they said.
        options = {o.id: o for o in question.options + question.retired_options}
        for option_id in trigger["options"]:
            assert option_id in options, (where, option_id)
            assert not options[option_id].dont_know, (where, option_id)
    assert set(area_ids) == {r["area"] for r in raw["rules"]}, "an area no rule recommends"


def test_every_competence_option_leads_to_an_area(catalogue):
    triggered = {o for r in catalogue.rules if r.trigger.question == "competence_top" for o in r.trigger.options}
    assert triggered == {
        "ai_basics",
        "use_training",
        "data_protection",
        "risk_assessment",
        "data_quality",
        "ethics",
        "reliability",
        "practical_examples",
        "leadership",
    }


def test_every_area_has_a_resource_and_every_link_is_https(catalogue):
    for area in catalogue.areas:
        assert area.resources, area.id
        for resource in area.resources:
            assert resource.languages and set(resource.languages) <= set(LANGUAGES)
            for lang in LANGUAGES:
                assert resource.url(lang).startswith("https://"), (area.id, resource.url)
            if len(resource.languages) == 1:
                assert len({resource.url.fi, resource.url.sv, resource.url.en}) == 1, resource.title.en
    for lang in LANGUAGES:
        assert catalogue.ai_act_url(lang).startswith("https://eur-lex.europa.eu/")
        assert "32024R1689" in catalogue.ai_act_url(lang)


def test_elements_of_ai_is_offered_in_all_three_languages(catalogue):
    elements = [r for a in catalogue.areas for r in a.resources if r.title.en.startswith("Elements of AI")]
    assert elements
    for resource in elements:
        assert resource.languages == ("fi", "sv", "en")
        assert (resource.url.fi, resource.url.sv, resource.url.en) == (
            "https://www.elementsofai.fi/",
            "https://www.elementsofai.se/",
            "https://www.elementsofai.com/",
        )
    assert elements[0] in catalogue.area("ai_basics").resources


# Recommending ------------------------------------------------------------------------------------


def test_an_organisation_new_to_ai_gets_the_areas_it_needs_with_the_right_reasons(catalogue, model, questionnaire):
    choices = {"own_use": ["none"], "guidelines": ["no"], "competence_top": ["ethics", "leadership", "data_quality"]}
    result = ranked(catalogue, model, questionnaire, choices)
    assert {"ai_basics", "policy_resources", "ethics_reliability", "leadership", "data_quality"} <= {
        r.area.id for r in result
    }
    # own_use none scores 0 on own_use; guidelines no scores 0 on governance.
    assert [(r.area.id, r.priority) for r in result] == [
        ("policy_resources", 55 + 25 + 10),
        ("ai_basics", 60 + 20),
        ("ethics_reliability", 50 + 15),
        ("leadership", 45 + 20),
        ("use_training", 45 + 10),
        ("risk_assessment", 40 + 15),
        ("data_quality", 30 + 20),
    ]
    reasons = {r.area.id: [(x.answer_key, x.option, x.dimension, x.score) for x in r.reasons] for r in result}
    assert reasons["policy_resources"] == [("guidelines", "no", None, None), (None, None, "governance", 0.0)]
    assert reasons["ai_basics"] == [("own_use", "none", None, None)]
    assert reasons["ethics_reliability"] == [("competence_top", "ethics", None, None)]
    assert reasons["leadership"] == [("competence_top", "leadership", None, None)]
    assert reasons["data_quality"] == [("competence_top", "data_quality", None, None)]
    assert reasons["use_training"] == [(None, None, "own_use", 0.0)]


def test_a_matrix_trigger_reads_every_row_and_names_the_row_that_fired(catalogue, model, questionnaire):
    choices = {
        "hr_use.performance": ["in_use"],
        "hr_use.recruitment": ["future"],
        "hr_use.onboarding": ["future"],
        "org_use.hr": ["a_little"],
        "org_use.ict": ["a_lot"],
    }
    result = {r.area.id: r for r in ranked(catalogue, model, questionnaire, choices)}
    hr = [(x.answer_key, x.option) for x in result["hr_processes"].reasons]
    # The first matching row in questionnaire order; the named row org_use.hr for its own rule.
    assert hr == [("hr_use.recruitment", "future"), ("org_use.hr", "a_little")]
    assert result["hr_processes"].priority == 30 + 20 + 10
    assert [(x.answer_key, x.option) for x in result["risk_assessment"].reasons] == [("org_use.ict", "a_lot")]


def test_dont_know_everywhere_recommends_only_what_other_answers_call_for(catalogue, model, questionnaire):
    choices = dont_know_everywhere(questionnaire)
    assert recommend(catalogue, choices, scores_of(model, questionnaire, choices)) == []
    assert not uses_ai(catalogue, choices)
    # The role does not depend on any don't-know answer, so its rule still fires, and only it.
    choices["role"] = ["top_management"]
    result = ranked(catalogue, model, questionnaire, choices)
    assert [(r.area.id, [(x.answer_key, x.option) for x in r.reasons]) for r in result] == [
        ("leadership", [("role", "top_management")])
    ]


def test_a_score_trigger_does_not_fire_without_a_score(catalogue):
    assert recommend(catalogue, {}, {d: None for d in ("adoption", "own_use", "governance", "outlook")}) == []
    assert recommend(catalogue, {}, {}) == []
    at_threshold = recommend(catalogue, {}, {"governance": 50.0})
    assert at_threshold == []
    below = recommend(catalogue, {}, {"governance": 49.9})
    assert [(r.area.id, [(x.dimension, x.score) for x in r.reasons]) for r in below] == [
        ("policy_resources", [("governance", 49.9)]),
        ("risk_assessment", [("governance", 49.9)]),
    ]


def test_ties_are_broken_by_number_of_reasons_then_by_file_order(questionnaire, model):
    data = minimal()
    third = {**copy.deepcopy(data["areas"][0]), "id": "third"}
    third["actions"][0]["id"] = "third_step"
    data["areas"].append(third)
    # All three areas have priority 50; first and third end at 60, second at 60 with two reasons.
    data["rules"] = [
        rule("ai_basics", 10, answer={"question": "own_use", "options": ["none"]}),
        rule("policy", 5, answer={"question": "guidelines", "options": ["no"]}),
        rule("policy", 5, answer={"question": "support", "options": ["none"]}),
        rule("third", 10, answer={"question": "own_use", "options": ["none"]}),
    ]
    catalogue = parse(data, questionnaire, model, resources_doc())
    choices = {"own_use": ["none"], "guidelines": ["no"], "support": ["none"]}
    first = [(r.area.id, r.priority, len(r.reasons)) for r in recommend(catalogue, choices, {})]
    assert first == [("policy", 60, 2), ("ai_basics", 60, 1), ("third", 60, 1)]
    # The order of the stored answers does not matter.
    again = recommend(catalogue, dict(reversed(list(choices.items()))), {})
    assert [(r.area.id, r.priority, len(r.reasons)) for r in again] == first


def test_the_packaged_ranking_is_deterministic(catalogue, model, questionnaire):
    choices = {
        "own_use": ["acquainted"],
        "risks": ["privacy", "ethics"],
        "challenges": ["skills", "attitudes", "reliability"],
        "support": ["none"],
        "role": ["hr_management"],
    }
    first = [(r.area.id, r.priority) for r in ranked(catalogue, model, questionnaire, choices)]
    shuffled = dict(reversed(list(choices.items())))
    assert [(r.area.id, r.priority) for r in ranked(catalogue, model, questionnaire, shuffled)] == first
    assert first == sorted(first, key=lambda x: -x[1]) and len(first) == len({a for a, _ in first})


@pytest.mark.parametrize(
    "choices, expected",
    [
        ({"org_use.hr": ["a_lot"]}, True),
        ({"org_use.finance": ["a_little"]}, True),
        ({"hr_use.recruitment": ["in_use"]}, True),
        ({"own_use": ["occasionally"]}, True),
        ({"own_use": ["acquainted"]}, False),
        ({"hr_use.recruitment": ["future"]}, False),
        ({}, False),
    ],
)
def test_uses_ai(catalogue, choices, expected):
    assert uses_ai(catalogue, choices) is expected


def test_no_use_anywhere_is_not_using_ai(catalogue, questionnaire):
    choices = {key: ["not_at_all"] for key in questionnaire.question("org_use").answer_keys()}
    assert not uses_ai(catalogue, choices)
    choices["org_use.customer_service"] = ["somewhat"]
    assert uses_ai(catalogue, choices)


# The loader refuses what breaks the rules ---------------------------------------------------------


def text(name):
    return {"fi": f"{name} (fi)", "sv": f"{name} (sv)", "en": f"{name} (en)"}


URL = {"fi": "https://example.fi/", "sv": "https://example.fi/sv", "en": "https://example.fi/en"}


def rule(area, weight, **trigger):
    return {"area": area, "weight": weight, "why": text("why"), **trigger}


def area(area_id, target):
    return {
        "id": area_id,
        "title": text("title"),
        "description": text("description"),
        "target": target,
        "priority": 50,
        "said_2024": text("said"),
        "said_2024_source": "SEED",
        "resources": ["course"],
        "actions": [
            {
                "id": f"{area_id}_step",
                "title": text("step"),
                "description": text("what"),
                "who": "owner",
                "first_step": text("first"),
            }
        ],
    }


def resources_doc():
    return {
        "course": {
            "kind": "course",
            "title": text("course"),
            "provider": text("provider"),
            "url": dict(URL),
            "languages": ["fi", "sv", "en"],
            "checked": datetime.date(2026, 12, 1),
        }
    }


def minimal():
    return {
        "version": "test.1",
        "roles": {"owner": text("owner")},
        "areas": [area("ai_basics", "all_staff"), area("policy", "management")],
        "rules": [
            rule("ai_basics", 10, answer={"question": "own_use", "options": ["none"]}),
            rule("policy", 10, score={"dimension": "governance", "below": 50}),
        ],
        "ai_act": {"uses_ai": [{"question": "org_use", "options": ["a_lot"]}], "text": text("act"), "url": dict(URL)},
    }


DELETE = object()


def changed(path, value):
    data = minimal()
    *parents, last = path
    target = data
    for step in parents:
        target = target[step]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return data


def test_the_minimal_catalogue_is_valid_and_a_named_matrix_row_is_accepted(questionnaire, model):
    catalogue = parse(minimal(), questionnaire, model, resources_doc())
    assert [a.id for a in catalogue.areas] == ["ai_basics", "policy"]
    assert catalogue.rules[0].trigger.keys == ("own_use",)
    assert catalogue.ai_act_uses[0].keys == questionnaire.question("org_use").answer_keys()
    data = changed(("rules", 0, "answer"), {"question": "org_use.hr", "options": ["a_lot"]})
    assert parse(data, questionnaire, model, resources_doc()).rules[0].trigger.keys == ("org_use.hr",)


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("version",), DELETE, "missing version"),
        (("version",), " ", "version: missing"),
        (("ai_act",), DELETE, "missing ai_act"),
        (("extra",), 1, "unknown keys"),
        # Areas
        (("areas",), [], "at least one entry"),
        (("areas", 1, "id"), "ai_basics", "duplicate ids"),
        (("areas", 1, "id"), "Policy!", "must match"),
        (("areas", 0, "target"), "everyone", "target must be one of"),
        (("areas", 0, "priority"), 0, "priority: expected a whole number from 1 to 100"),
        (("areas", 0, "priority"), -5, "priority: expected a whole number"),
        (("areas", 0, "priority"), 101, "priority: expected a whole number"),
        (("areas", 0, "priority"), 2.5, "priority: expected a whole number"),
        (("areas", 0, "priority"), True, "priority: expected a whole number"),
        (("areas", 0, "priority"), "high", "priority: expected a whole number"),
        (("areas", 0, "title"), {"fi": "Otsikko", "en": "Title"}, "title: missing text in sv"),
        (("areas", 0, "description"), {"fi": "", "sv": "x", "en": "x"}, "description: missing text in fi"),
        (("areas", 0, "title"), "Title", "title: expected a table"),
        (("areas", 0, "description"), DELETE, "missing description"),
        (("areas", 0, "said_2024"), {"fi": "x", "sv": "x"}, "said_2024: missing text in en"),
        (("areas", 0, "said_2024_source"), "S9", "said_2024_source must be one of"),
        (("areas", 0, "said_2024_source"), DELETE, "go together"),
        (("areas", 0, "said_2024"), DELETE, "go together"),
        (("areas", 0, "said2024"), text("typo"), "unknown keys"),
        (("areas", 0, "resources"), [], "at least one resource"),
        (("areas", 0, "resources"), DELETE, "missing resources"),
        # Resources: their own file's checks are in test_action_plans.py
        (("areas", 0, "resources"), ["nope"], "unknown resources"),
        # Rules
        (("rules",), [], "at least one entry"),
        (("rules", 0, "area"), "nope", "unknown area 'nope'"),
        (("rules", 0, "weight"), 0, "weight: expected a whole number above 0"),
        (("rules", 0, "weight"), -1, "weight: expected a whole number above 0"),
        (("rules", 0, "weight"), 1.5, "weight: expected a whole number above 0"),
        (("rules", 0, "weight"), False, "weight: expected a whole number above 0"),
        (("rules", 0, "why"), {"fi": "x", "sv": "x"}, "why: missing text in en"),
        (("rules", 0, "why"), DELETE, "missing why"),
        (
            ("rules", 0, "score"),
            {"dimension": "governance", "below": 50},
            "exactly one trigger, answer or score, not 2",
        ),
        (("rules", 0, "answer"), DELETE, "exactly one trigger, answer or score, not 0"),
        (("rules", 0, "answers"), {"question": "own_use", "options": ["none"]}, "unknown keys"),
        (
            ("rules", 1),
            rule("ai_basics", 10, answer={"question": "own_use", "options": ["none"]}),
            "no rule recommends",
        ),
        # Answer triggers
        (("rules", 0, "answer", "question"), "nope", "unknown question 'nope'"),
        (("rules", 0, "answer", "question"), 3, "unknown question 3"),
        (("rules", 0, "answer", "question"), "org_use.nope", "unknown row 'nope' of question org_use"),
        (("rules", 0, "answer", "question"), "org_use.", "unknown row '' of question org_use"),
        (("rules", 0, "answer", "question"), "own_use.x", "not a matrix question"),
        (("rules", 0, "answer", "question"), "org_name", "text question"),
        (("rules", 0, "answer", "options"), ["sometimes"], "unknown options \\['sometimes'\\] of question own_use"),
        (("rules", 0, "answer", "options"), [], "at least one entry"),
        (("rules", 0, "answer", "options"), "none", "at least one entry"),
        (("rules", 0, "answer", "options"), ["none", "none"], "listed twice"),
        (("rules", 0, "answer"), {"question": "guidelines", "options": ["dont_know"]}, "don't-know options"),
        (("rules", 0, "answer"), {"question": "own_use"}, "missing options"),
        (("rules", 0, "answer"), {"question": "own_use", "options": ["none"], "row": "x"}, "unknown keys"),
        # Score triggers
        (("rules", 1, "score", "dimension"), "nope", "unknown dimension 'nope'"),
        (("rules", 1, "score", "below"), 150, "threshold below must be above 0 and at most 100"),
        (("rules", 1, "score", "below"), -1, "threshold"),
        (("rules", 1, "score", "below"), 0, "threshold"),
        (("rules", 1, "score", "below"), float("nan"), "threshold"),
        (("rules", 1, "score", "below"), True, "threshold"),
        (("rules", 1, "score", "below"), "50", "threshold"),
        (("rules", 1, "score"), {"dimension": "governance"}, "missing below"),
        # EU AI Act note
        (("ai_act", "uses_ai"), [], "at least one entry"),
        (("ai_act", "uses_ai"), [{"dimension": "adoption", "below": 50}], "missing options, question"),
        (("ai_act", "uses_ai"), [{"question": "org_use", "options": ["often"]}], "unknown options"),
        (("ai_act", "text"), {"fi": "x", "en": "x"}, "ai_act.text: missing text in sv"),
        (("ai_act", "url"), {"fi": "http://a", "sv": "https://a", "en": "https://a"}, "https://"),
    ],
)
def test_the_loader_refuses_a_broken_catalogue(questionnaire, model, path, value, message):
    with pytest.raises(RecommendationError, match=message):
        parse(changed(path, value), questionnaire, model, resources_doc())


@pytest.mark.parametrize(
    "path, value",
    [
        (("rules", 0, "area"), "nope"),  # a rule of the catalogue's own
        (("areas", 0, "title"), {"fi": "Otsikko"}),  # a text, checked by the questionnaire's helper
        (("areas", 1, "id"), "Policy!"),  # an id, likewise
    ],
)
def test_the_error_is_a_value_error(questionnaire, model, path, value):
    """Whatever is broken, the loader raises its own error, which code that catches ValueError for a broken data
    file catches too; never the questionnaire's error, although the text and id checks are the questionnaire's."""
    with pytest.raises(ValueError) as caught:
        parse(changed(path, value), questionnaire, model, resources_doc())
    assert type(caught.value) is RecommendationError


def test_a_broken_data_file_raises_the_value_error_from_load(questionnaire, model, tmp_path):
    path = tmp_path / "recommendations.toml"
    path.write_text('version = "broken.1"\nareas = []\n', encoding="utf-8")
    with pytest.raises(ValueError, match="missing ai_act, roles, rules") as caught:
        load(questionnaire, model, path)
    assert type(caught.value) is RecommendationError
