"""The action plan: its rules (core), the checks of resources and actions in the data files, and its storage
(one BEGIN IMMEDIATE transaction per write, carried into the next round, deleted with the organisation)."""

import copy
import datetime
import tomllib

import pytest

from readiness.core import action_plans as rules
from readiness.core import scoring
from readiness.core.questionnaire import load as load_questionnaire
from readiness.core.recommendations import DATA_FILE
from readiness.core.recommendations import RESOURCES_FILE
from readiness.core.recommendations import RecommendationError
from readiness.core.recommendations import load
from readiness.core.recommendations import parse
from readiness.core.recommendations import recommend
from readiness.core.recommendations import top_actions
from readiness.store import action_plans
from readiness.store import assessments
from readiness.store import organisations
from tests.conftest import peer_rule
from tests.conftest import submit_assessment

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture(scope="module")
def questionnaire():
    return load_questionnaire()


@pytest.fixture(scope="module")
def model(questionnaire):
    return scoring.load(questionnaire)


@pytest.fixture(scope="module")
def catalogue(questionnaire, model):
    return load(questionnaire, model)


def documents():
    with open(DATA_FILE, "rb") as f, open(RESOURCES_FILE, "rb") as r:
        return tomllib.load(f), tomllib.load(r)


# The data: resources by id, actions with roles ---------------------------------------------------


def test_every_area_has_actions_with_a_role_and_texts_in_three_languages(catalogue):
    for area in catalogue.areas:
        assert area.actions, area.id
        for action in area.actions:
            assert action.who in catalogue.roles
            for text in (action.title, action.description, action.first_step):
                assert all(text(lang).strip() for lang in ("fi", "sv", "en")), action.id


def test_every_resource_is_dated_and_kt_material_is_never_with_an_area(catalogue):
    _, resources = documents()
    for resource in resources.values():
        # Checked by opening the address: the date is a real date, not in the future.
        assert isinstance(resource["checked"], datetime.date) and resource["checked"] <= datetime.date.today()
    assert [r.id for r in catalogue.kt_material] == ["kt_generative_ai"]
    assert all(r.kind != "kt" for a in catalogue.areas for r in a.resources)


def test_the_issue_asked_for_finnish_public_sector_resources(catalogue):
    offered = {r.id for a in catalogue.areas for r in a.resources}
    # eOppiva (the public sector's courses), Elements of AI, Suomi.fi's (DVV) guidance, the Data Protection
    # Ombudsman's guidance on AI.
    assert {"eoppiva", "elements_of_ai", "suomi_fi_responsible_ai", "tietosuoja_ai"} <= offered


def test_a_resource_is_shown_once_on_a_page_of_every_area(catalogue, questionnaire):
    # Every rule's answer at once: every area fires.
    choices = {}
    for rule in catalogue.rules:
        if rule.trigger.question:
            choices.setdefault(rule.trigger.keys[0], []).append(rule.trigger.options[0])
    ranked = recommend(catalogue, choices, {d: 0.0 for d in ("governance", "adoption", "outlook", "own_use")})
    assert len(ranked) == len(catalogue.areas)
    shown = [r.id for recommendation in ranked for r in recommendation.resources]
    assert len(shown) == len(set(shown))
    # Nothing an area offers is lost: what is not with it was shown with an area above it.
    for i, recommendation in enumerate(ranked):
        above = {r.id for earlier in ranked[:i] for r in earlier.resources}
        assert {r.id for r in recommendation.area.resources} <= above | {r.id for r in recommendation.resources}


def test_the_top_actions_are_the_first_action_of_the_top_three(catalogue):
    choices = {"guidelines": ["no"], "support": ["none"], "own_use": ["none"], "risks": ["privacy"]}
    ranked = recommend(catalogue, choices, {})
    # By the file's weights: policy 55 + 25 + 15 = 95, basics 60 + 20 = 80, data protection 55 + 15 = 70,
    # leadership 45 + 10 = 55.
    assert [r.area.id for r in ranked] == ["policy_resources", "ai_basics", "data_protection", "leadership"]
    assert [a.id for a in top_actions(ranked)] == ["ai_guidelines", "basics_course", "input_rules"]


def broken(change):
    recommendations_doc, resources_doc = documents()
    recommendations_doc, resources_doc = copy.deepcopy(recommendations_doc), copy.deepcopy(resources_doc)
    change(recommendations_doc, resources_doc)
    return recommendations_doc, resources_doc


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda rec, res: rec["areas"][0].update(resources=["no_such_resource"]), "unknown resources"),
        (lambda rec, res: rec["areas"][0].update(resources=["eoppiva", "eoppiva"]), "listed twice"),
        (lambda rec, res: rec["areas"][0].update(resources=["kt_generative_ai"]), "once per page"),
        (lambda rec, res: res["eoppiva"]["title"].pop("sv"), "eoppiva.title: missing text in sv"),
        (lambda rec, res: res["eoppiva"]["url"].update(en="http://www.eoppiva.fi/"), "https://"),
        (lambda rec, res: res["eoppiva"].pop("checked"), "missing checked"),
        (lambda rec, res: res["eoppiva"].update(checked="2026-12-01"), "expected a date"),
        (lambda rec, res: res["eoppiva"].update(kind="blog"), "kind must be one of"),
        (lambda rec, res: res.update(copy_of_eoppiva=dict(res["eoppiva"])), "is also resource"),
        (lambda rec, res: rec["areas"][0]["actions"][0].update(who="Matti Meikäläinen"), "who must be one of"),
        (lambda rec, res: rec["areas"][0]["actions"][0]["first_step"].pop("en"), "first_step: missing text in en"),
        (lambda rec, res: rec["areas"][1]["actions"][0].update(id=rec["areas"][0]["actions"][0]["id"]), "used twice"),
        (lambda rec, res: rec["areas"][0].update(actions=[]), "at least one entry"),
        (lambda rec, res: rec["roles"]["hr_director"].pop("fi"), "roles.hr_director: missing text in fi"),
    ],
)
def test_the_loader_refuses_broken_resources_and_actions(questionnaire, model, change, message):
    recommendations_doc, resources_doc = broken(change)
    with pytest.raises(RecommendationError, match=message):
        parse(recommendations_doc, questionnaire, model, resources_doc)


# The plan's rules ---------------------------------------------------------------------------------


def test_quarters_run_six_calendar_quarters_from_today():
    assert rules.quarters(TODAY) == ["2026Q4", "2027Q1", "2027Q2", "2027Q3", "2027Q4", "2028Q1"]
    assert rules.quarters(datetime.date(2027, 1, 1))[0] == "2027Q1"
    assert rules.quarter_of(datetime.date(2027, 9, 30)) == "2027Q3"
    # A passed quarter an item already has stays choosable; others are not.
    assert rules.quarter_choices(TODAY, "2025Q2")[0] == "2025Q2"
    assert "2025Q2" not in rules.quarter_choices(TODAY)


def test_a_row_is_checked_field_by_field(catalogue):
    good = {"owner": "cio", "target": "hr", "quarter": "2027Q2", "status": "in_progress"}
    assert rules.problems(catalogue, TODAY, good) == []
    bad = {"owner": "Matti", "target": "everyone", "quarter": "2031Q1", "status": "maybe"}
    assert rules.problems(catalogue, TODAY, bad) == ["owner", "target", "quarter", "status"]
    assert rules.problems(catalogue, TODAY, {**good, "quarter": "2025Q1"}, kept_quarter="2025Q1") == []


def test_a_new_item_takes_the_actions_owner_and_its_areas_target(catalogue):
    assert rules.new_item(catalogue, "hr_review", TODAY) == {
        "action": "hr_review",
        "owner": "hr_director",
        "target": "hr",
        "quarter": "2026Q4",
        "status": "planned",
    }
    assert rules.new_item(catalogue, "nope", TODAY) is None


def test_progress_counts_only_the_carried_items():
    items = [
        rules.Item(1, "a", "cio", "hr", "2026Q4", "done", previous_status="planned"),
        rules.Item(2, "b", "cio", "hr", "2026Q4", "in_progress", previous_status="in_progress"),
        rules.Item(3, "c", "cio", "hr", "2026Q4", "done"),
    ]
    before = [
        rules.Item(7, "a", "cio", "hr", "2026Q3", "planned"),
        rules.Item(8, "b", "cio", "hr", "2026Q3", "in_progress"),
        rules.Item(9, "d", "cio", "hr", "2026Q3", "dropped"),
    ]
    progress = rules.progress(items, 1, before)
    assert progress.carried == 2
    assert progress.counts == {"planned": 0, "in_progress": 1, "done": 1, "dropped": 0}
    assert progress.previous_counts == {"planned": 1, "in_progress": 1, "done": 0, "dropped": 1}
    assert rules.progress(items[2:], 1) is None
    assert rules.progress(items, None) is None


# Storage ------------------------------------------------------------------------------------------


def row(action, status="planned", quarter="2026Q4"):
    return {"action": action, "owner": "cio", "target": "all_staff", "quarter": quarter, "status": status}


def organisation_and_round(db, assessment_id):
    return db.execute("select organisation_id, round from assessments where id = ?", [assessment_id]).fetchone()


def test_every_write_is_one_immediate_transaction(fresh_db, questionnaire):
    assessment_id = submit_assessment(fresh_db, questionnaire, "plan-tx", verified=False)
    organisation_id, round_number = organisation_and_round(fresh_db, assessment_id)
    statements = []
    fresh_db.conn.set_trace_callback(statements.append)
    action_plans.add(fresh_db, organisation_id, round_number, [row("pilot"), row("ai_guidelines")])
    (item, _) = action_plans.items(fresh_db, organisation_id, round_number)
    action_plans.update(fresh_db, organisation_id, round_number, {item.id: row("pilot", "done")})
    fresh_db.conn.set_trace_callback(None)
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN IMMEDIATE"]
    assert statements.count("COMMIT") == 2


def test_a_failing_write_leaves_the_plan_as_it_was(fresh_db, questionnaire):
    assessment_id = submit_assessment(fresh_db, questionnaire, "plan-fail", verified=False)
    organisation_id, round_number = organisation_and_round(fresh_db, assessment_id)
    action_plans.add(fresh_db, organisation_id, round_number, [row("pilot")])
    (item,) = action_plans.items(fresh_db, organisation_id, round_number)
    with pytest.raises(KeyError):
        # The second change is broken: the first is rolled back with it.
        action_plans.update(fresh_db, organisation_id, round_number, {item.id: row("pilot", "done"), 999: {}})
    assert action_plans.items(fresh_db, organisation_id, round_number) == [item]


def test_adding_an_action_twice_keeps_the_first(fresh_db, questionnaire):
    assessment_id = submit_assessment(fresh_db, questionnaire, "plan-twice", verified=False)
    organisation_id, round_number = organisation_and_round(fresh_db, assessment_id)
    assert action_plans.add(fresh_db, organisation_id, round_number, [row("pilot", "in_progress")]) == 1
    assert action_plans.add(fresh_db, organisation_id, round_number, [row("pilot")]) == 0
    assert [i.status for i in action_plans.items(fresh_db, organisation_id, round_number)] == ["in_progress"]


def test_a_plan_change_marks_the_organisations_pages_as_changed(fresh_db, questionnaire):
    assessment_id = submit_assessment(fresh_db, questionnaire, "plan-rev", verified=False)
    organisation_id, round_number = organisation_and_round(fresh_db, assessment_id)
    before = fresh_db.execute("select revision from organisations where id = ?", [organisation_id]).fetchone()[0]
    action_plans.add(fresh_db, organisation_id, round_number, [row("pilot")])
    after = fresh_db.execute("select revision from organisations where id = ?", [organisation_id]).fetchone()[0]
    assert after > before


def test_a_new_round_carries_the_open_items_and_locks_the_old_plan(fresh_db, questionnaire):
    first = submit_assessment(fresh_db, questionnaire, "plan-rounds", verified=False)
    organisation_id, _ = organisation_and_round(fresh_db, first)
    action_plans.add(
        fresh_db,
        organisation_id,
        1,
        [
            row("pilot", "planned"),
            row("ai_guidelines", "in_progress"),
            row("hr_review", "done"),
            row("ai_budget", "dropped"),
        ],
    )
    second = organisations.start_round(fresh_db, first, "n" * 64, questionnaire.version, "profile", [])
    assert organisation_and_round(fresh_db, second) == (organisation_id, 2)
    carried = action_plans.items(fresh_db, organisation_id, 2)
    assert [(i.action, i.status, i.previous_status) for i in carried] == [
        ("pilot", "planned", "planned"),
        ("ai_guidelines", "in_progress", "in_progress"),
    ]
    # The first round's plan stays as it was and can no longer change.
    assert len(action_plans.items(fresh_db, organisation_id, 1)) == 4
    with pytest.raises(action_plans.PlanLocked):
        action_plans.add(fresh_db, organisation_id, 1, [row("co_operation")])
    # Progress in the new round: one carried item done.
    pilot = carried[0]
    action_plans.update(fresh_db, organisation_id, 2, {pilot.id: row("pilot", "done")})
    progress = rules.progress(action_plans.items(fresh_db, organisation_id, 2), 1)
    assert progress.counts["done"] == 1 and progress.counts["in_progress"] == 1


def test_an_update_never_reaches_another_organisation(fresh_db, questionnaire):
    mine = submit_assessment(fresh_db, questionnaire, "plan-mine", verified=False)
    theirs = submit_assessment(fresh_db, questionnaire, "plan-theirs", verified=False)
    my_org, _ = organisation_and_round(fresh_db, mine)
    their_org, _ = organisation_and_round(fresh_db, theirs)
    action_plans.add(fresh_db, their_org, 1, [row("pilot")])
    (their_item,) = action_plans.items(fresh_db, their_org, 1)
    touched = action_plans.update(fresh_db, my_org, 1, {their_item.id: row("pilot", "dropped")}, [their_item.id])
    assert touched == 0
    assert action_plans.items(fresh_db, their_org, 1) == [their_item]


def test_deleting_the_organisation_deletes_its_plans(fresh_db, questionnaire):
    first = submit_assessment(fresh_db, questionnaire, "plan-delete", verified=False)
    organisation_id, _ = organisation_and_round(fresh_db, first)
    action_plans.add(fresh_db, organisation_id, 1, [row("pilot")])
    second = organisations.start_round(fresh_db, first, "d" * 64, questionnaire.version, "profile", [])
    assert action_plans.items(fresh_db, organisation_id, 2)
    # Deleting the new round's only respondent takes that round's plan; the first round's stays.
    assessments.delete_assessments(fresh_db, [second], peer_rule())
    assert action_plans.items(fresh_db, organisation_id, 2) == []
    assert len(action_plans.items(fresh_db, organisation_id, 1)) == 1
    assessments.delete_organisation(fresh_db, organisation_id, peer_rule())
    assert fresh_db.execute("select count(*) from action_plan_items").fetchone()[0] == 0
