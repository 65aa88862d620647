"""The action plan and the recommendations' actions, through the app: no-JavaScript forms with CSRF, errors that
keep the other rows, one organisation's plan out of another's reach, and each resource once on a results page."""

import re
import tomllib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from readiness.store import action_plans
from readiness.store import database
from readiness.store import records
from tests.conftest import csrf_token
from tests.conftest import post_form
from tests.conftest import valid_answers

RESOURCES = tomllib.loads((Path(__file__).parents[2] / "readiness" / "data" / "resources.toml").read_text("utf-8"))

# Answers that make every one of the ten training areas fire (each answer's rule in recommendations.toml):
# no experience (basics), a lack of skills (use training), privacy named as a risk (data protection), AI used
# somewhat in one area (risk assessment), data quality among the top three (data quality), ethics named as a
# risk (ethics), a negative attitude (practical examples, leadership), no guidelines (policy), HR uses ahead (HR).
EVERY_AREA = {
    "own_use": "none",
    "challenges": ["skills"],
    "risks": ["privacy", "ethics"],
    "org_use__hr": "somewhat",
    "competence_top": ["data_quality"],
    "attitude": "fairly_negative",
    "guidelines": "no",
    "hr_use__recruitment": "future",
}


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def answer_and_submit(client, questionnaire, changes=None):
    """Answer every section as a browser does (with ``changes`` put into the sections holding those fields),
    and submit."""
    answers = valid_answers(questionnaire)
    for field, value in (changes or {}).items():
        question_id = field.split("__")[0]
        section = next(s for s in questionnaire.sections if any(q.id == question_id for q in s.questions))
        answers[section.id][field] = value
    for section in questionnaire.sections:
        response = post_form(client, f"/fi/section/{section.id}", answers[section.id])
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    response = client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
    assert response.status_code == 302


@pytest.fixture
def submitted(client, questionnaire):
    answer_and_submit(client, questionnaire, EVERY_AREA)
    return client


def organisation_of(db, client):
    with client.session_transaction() as session:
        token_hash = session["assessment"]
    return records.find_assessment(db, token_hash)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_area_shows_actions_and_no_resource_repeats_on_the_page(submitted, lang):
    page = soup(submitted.get(f"/{lang}/results"))
    areas = page.select("li.recommendation")
    assert len(areas) == 10
    for area in areas:
        # Each recommendation carries concrete actions: what, who and the first step, and a way to plan it.
        assert area.select("li.action"), area.h3 or area.h4
        for action in area.select("li.action"):
            assert len(action.select(".action__details dd")) == 2
            assert "plan" in action.select_one(".action__add a")["href"]
        assert area.select(".recommendation__why li")
    hrefs = [a["href"] for a in page.select("a[href]")]
    for resource_id, resource in RESOURCES.items():
        for url in set(resource["url"].values()):
            assert hrefs.count(url) <= 1, (resource_id, url)
    # KT's own material appears once, in the line about the 2024 survey, and never with a recommendation.
    kt_url = RESOURCES["kt_generative_ai"]["url"][lang]
    assert hrefs.count(kt_url) == 1
    assert page.select_one(".kt-material a")["href"] == kt_url
    assert not page.select(f'.recommendation a[href="{kt_url}"]')
    # The press release and the blog of the old "further reading" are not offered as resources any more.
    assert not page.select('.recommendation__resources a[href*="kt.fi"]')


def test_the_plan_needs_an_open_assessment(app):
    assert app.test_client().get("/fi/plan").headers["Location"] == "/fi/"


def test_an_action_is_added_without_javascript_and_shown_on_the_results(submitted, db):
    page = soup(submitted.get("/fi/plan?add=ai_guidelines"))
    box = page.select_one("#action-ai_guidelines")
    assert box.has_attr("checked")
    response = submitted.post(
        "/fi/plan/add", data={"action": ["ai_guidelines", "pilot", "not_an_action"], "csrf_token": token(submitted)}
    )
    assert response.status_code == 302
    assessment = organisation_of(db, submitted)
    items = action_plans.items(db, assessment.organisation_id, assessment.round)
    assert [(i.action, i.owner, i.status) for i in items] == [
        ("ai_guidelines", "management_group", "planned"),
        ("pilot", "management_group", "planned"),
    ]
    results = submitted.get("/fi/results").get_data(as_text=True)
    assert "2 toimenpidettä" in results
    plan = soup(submitted.get("/fi/plan"))
    assert [h.get_text() for h in plan.select(".plan-item h3")] == [
        "Tekoälyohje koko henkilöstölle",
        "Rajattu tekoälykokeilu yhdessä yksikössä",
    ]
    assert "jokainen tämän kierroksen vastaaja näkee sen ja voi muuttaa sitä" in plan.get_text()


def token(client):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/fi/plan").get_data(as_text=True)).group(1)


def test_a_post_without_the_csrf_token_changes_nothing(submitted, db):
    response = submitted.post("/fi/plan/add", data={"action": ["ai_guidelines"]})
    assert response.status_code == 400
    assessment = organisation_of(db, submitted)
    assert action_plans.items(db, assessment.organisation_id, assessment.round) == []


def test_adding_nothing_says_so_in_the_pages_language(submitted):
    response = submitted.post("/sv/plan/add", data={"csrf_token": token(submitted)})
    assert response.status_code == 400
    page = soup(response)
    assert page.title.get_text().startswith("Fel")
    assert page.select_one(".error-summary a")["href"] == "#add-actions"


def test_a_bad_row_keeps_every_row_as_sent_and_saves_nothing(submitted, db):
    submitted.post("/fi/plan/add", data={"action": ["ai_guidelines", "pilot"], "csrf_token": token(submitted)})
    assessment = organisation_of(db, submitted)
    first, second = action_plans.items(db, assessment.organisation_id, assessment.round)
    data = {
        f"owner-{first.id}": "hr_director",
        f"target-{first.id}": "all_staff",
        f"quarter-{first.id}": first.quarter,
        f"status-{first.id}": "in_progress",
        f"owner-{second.id}": "Matti Meikäläinen",  # a name, not a role: refused
        f"target-{second.id}": "management",
        f"quarter-{second.id}": "1999Q1",
        f"status-{second.id}": "done",
        "csrf_token": token(submitted),
    }
    response = submitted.post("/fi/plan", data=data)
    assert response.status_code == 400
    page = soup(response)
    assert page.title.get_text().startswith("Virhe")
    summary = [a["href"] for a in page.select(".error-summary a")]
    assert summary == [f"#owner-{second.id}", f"#quarter-{second.id}"]
    assert "Valitse" in page.select_one(".error-summary").get_text()
    # The first row keeps what was sent, although it was not saved.
    assert page.select_one(f"#owner-{first.id} option[selected]")["value"] == "hr_director"
    assert page.select_one(f"#status-{first.id} option[selected]")["value"] == "in_progress"
    assert page.select_one(f"#status-{second.id} option[selected]")["value"] == "done"
    unchanged = action_plans.items(db, assessment.organisation_id, assessment.round)
    assert [(i.owner, i.status) for i in unchanged] == [
        ("management_group", "planned"),
        ("management_group", "planned"),
    ]
    # Corrected, it saves, and a removed row goes.
    data[f"owner-{second.id}"] = "cio"
    data[f"quarter-{second.id}"] = second.quarter
    data[f"remove-{first.id}"] = "yes"
    response = submitted.post("/fi/plan", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("#plan")
    # The page opens at #plan: the confirmation is right under that heading, in view.
    page = submitted.get(response.headers["Location"]).get_data(as_text=True)
    assert page.index('id="plan"') < page.index("Suunnitelma on tallennettu.") < page.index("<form")
    saved = action_plans.items(db, assessment.organisation_id, assessment.round)
    assert [(i.action, i.owner, i.status) for i in saved] == [("pilot", "cio", "done")]


def test_another_organisation_can_neither_read_nor_write_the_plan(app, submitted, db, questionnaire):
    submitted.post("/fi/plan/add", data={"action": ["ai_guidelines"], "csrf_token": token(submitted)})
    owner = organisation_of(db, submitted)
    (item,) = action_plans.items(db, owner.organisation_id, owner.round)
    stranger = app.test_client()
    answer_and_submit(stranger, questionnaire)
    assert (
        "Tekoälyohje koko henkilöstölle"
        not in soup(stranger.get("/fi/plan")).select_one("#plan").parent.get_text(" ").split("Lisää toimenpiteitä")[0]
    )
    # The stranger posts the other organisation's item id, and an add with its own session: only its own plan.
    response = stranger.post(
        "/fi/plan",
        data={
            f"owner-{item.id}": "cio",
            f"target-{item.id}": "hr",
            f"quarter-{item.id}": item.quarter,
            f"status-{item.id}": "dropped",
            f"remove-{item.id}": "yes",
            "csrf_token": token(stranger),
        },
    )
    assert response.status_code == 302
    assert action_plans.items(db, owner.organisation_id, owner.round) == [item]
    stranger_org = organisation_of(db, stranger)
    assert stranger_org.organisation_id != owner.organisation_id
    assert action_plans.items(db, stranger_org.organisation_id, stranger_org.round) == []


def test_the_plan_reaches_the_report_context(app, submitted, db):
    submitted.post("/fi/plan/add", data={"action": ["ai_guidelines"], "csrf_token": token(submitted)})
    assessment = organisation_of(db, submitted)
    from readiness.web import report

    with app.test_request_context("/en/results"):
        from flask import g

        g.lang_code = "en"
        rows = report.context(database.connect(app.config["DATABASE"]), assessment, "en")["action_plan"]
    assert [(r.title, r.owner, r.target_group, r.status) for r in rows] == [
        ("AI guidelines for all staff", "management group", "management and supervisors", "planned")
    ]
    assert re.fullmatch(r"\d{4} Q[1-4]", rows[0].quarter)


def test_the_next_round_shows_progress_and_keeps_the_old_plan_read_only(submitted, db, questionnaire):
    from readiness.store import organisations

    submitted.post("/fi/plan/add", data={"action": ["ai_guidelines", "pilot"], "csrf_token": token(submitted)})
    first = organisation_of(db, submitted)
    guidelines, pilot = action_plans.items(db, first.organisation_id, 1)
    response = submitted.post(
        "/fi/plan",
        data={
            **{f"{f}-{guidelines.id}": getattr(guidelines, f) for f in ("owner", "target", "quarter")},
            f"status-{guidelines.id}": "in_progress",
            **{f"{f}-{pilot.id}": getattr(pilot, f) for f in ("owner", "target", "quarter")},
            f"status-{pilot.id}": "done",
            "csrf_token": token(submitted),
        },
    )
    assert response.status_code == 302
    organisations.start_round(db, first.id, database.hash_token("r" * 43), questionnaire.version, "profile", [])
    # The old round's page: read-only, and a save to it is refused without a 500.
    old = soup(submitted.get("/fi/plan"))
    assert old.select_one("select").has_attr("disabled")
    refused = submitted.post("/fi/plan/add", data={"action": ["ai_budget"], "csrf_token": token(submitted)})
    assert refused.status_code == 409
    assert "aiemmalta kierrokselta" in soup(refused).select_one(".error-summary").get_text()
    # The new round's respondent sees the open item carried over, with its status at the end of round 1.
    with submitted.session_transaction() as session:
        session["assessment"] = database.hash_token("r" * 43)
    page = soup(submitted.get("/fi/plan"))
    assert [h.get_text() for h in page.select(".plan-item h3")] == ["Tekoälyohje koko henkilöstölle"]
    assert "Tila kierroksen 1 päättyessä: käynnissä" in page.select_one(".plan-item__previous").get_text()
    assert "Edistyminen kierroksen 1 jälkeen" in page.select_one("#progress").get_text()
    counts = {
        row.th.get_text(): [td.get_text() for td in row.select("td")]
        for row in page.select("#progress ~ .table-wrapper tbody tr")
    }
    # Round 1 ended with one action in progress and one done; the one in progress was carried and still is.
    assert counts == {"suunniteltu": ["0", "0"], "käynnissä": ["1", "1"], "tehty": ["1", "0"], "luovuttu": ["0", "0"]}
    # Not yet submitted: nothing to add from, and the page says so.
    assert "kun olet lähettänyt vastauksesi" in page.get_text()


def test_deleting_the_answers_deletes_the_plan(submitted, db):
    submitted.post("/fi/plan/add", data={"action": ["ai_guidelines"], "csrf_token": token(submitted)})
    assert db.execute("select count(*) from action_plan_items").fetchone()[0] == 1
    page = "/fi/delete"
    response = submitted.post(page, data={"target": "own", "confirm": "yes", "csrf_token": csrf_token(submitted, page)})
    assert response.status_code == 200
    assert db.execute("select count(*) from action_plan_items").fetchone()[0] == 0
    assert db.execute("select count(*) from organisations").fetchone()[0] == 0


def test_the_downloaded_report_has_the_actions_and_the_plan_but_no_plan_links(submitted):
    submitted.post("/fi/plan/add", data={"action": ["pilot"], "csrf_token": token(submitted)})
    report = soup(submitted.get("/en/download/report.html"))
    assert len(report.select("li.recommendation")) == 10
    assert report.select("li.action .action__details")
    # Offline, nothing links back into the service's forms.
    assert not report.select('a[href*="/plan"]')
    plan = report.select_one("#action-plan + .table-wrapper")
    assert [td.get_text() for td in plan.select("tbody tr")[0].select("th, td")][:2] == [
        "A limited AI pilot in one unit",
        "management group",
    ]


def test_the_quarters_follow_the_date_in_finland(submitted, db, monkeypatch):
    """At 00.30 on New Year's Day in Helsinki (22.30 UTC the day before) the current quarter is the new year's
    first, for a new action and in the choices."""
    from datetime import UTC
    from datetime import datetime

    from readiness.web import helpers

    monkeypatch.setattr(helpers, "now", lambda: datetime(2026, 12, 31, 22, 30, tzinfo=UTC))
    submitted.post("/fi/plan/add", data={"action": ["pilot"], "csrf_token": token(submitted)})
    assessment = organisation_of(db, submitted)
    [item] = action_plans.items(db, assessment.organisation_id, assessment.round)
    choices = [o["value"] for o in soup(submitted.get("/fi/plan")).select(f"#quarter-{item.id} option") if o["value"]]
    assert item.quarter.startswith("2027Q") and choices[0] == "2027Q1"
