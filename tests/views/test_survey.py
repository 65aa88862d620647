"""The respondent's journey through the views: answer, save, resume, check, submit; and bad input."""

import re

import pytest
from bs4 import BeautifulSoup

from readiness.store import database
from tests.conftest import csrf_token
from tests.conftest import post_form

LANGS = ("fi", "sv", "en")


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def stored_answers(db):
    return sorted(db.execute("select assessment_id, question_id, option_id from answers").fetchall())


def test_root_redirects_to_finnish(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/fi/"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["", "section/profile", "section/outlook", "accessibility", "privacy"])
def test_pages_declare_their_language(client, lang, path):
    response = client.get(f"/{lang}/{path}")
    assert response.status_code == 200
    page = soup(response)
    assert page.html["lang"] == lang
    assert len(page.find_all("h1")) == 1
    current = page.select_one(".language-nav a[aria-current]")
    assert current["lang"] == lang


@pytest.mark.parametrize(
    ("lang", "progress", "button"),
    [("fi", "Osio 3/10", "Jatka"), ("sv", "Avsnitt 3/10", "Fortsätt"), ("en", "Section 3 of 10", "Continue")],
)
def test_section_page_shows_progress_and_continue(client, lang, progress, button):
    page = soup(client.get(f"/{lang}/section/own_use"))
    assert page.select_one(".caption").get_text(strip=True) == progress
    assert page.select_one("form button[type=submit]").get_text(strip=True) == button
    assert page.select_one("a.back-link")["href"] == f"/{lang}/section/org_use"
    assert page.select_one("form")["novalidate"] is not None


def test_optional_questions_are_marked_in_words(client, questionnaire):
    page = soup(client.get("/fi/section/profile"))
    marked = {tag.find_parent(id=re.compile("^question-"))["id"] for tag in page.select(".optional")}
    optional = {f"question-{q.id}" for q in questionnaire.section("profile").questions if q.optional}
    # Population is required of municipalities and wellbeing services counties, staff of the other types: they
    # are not marked optional, and their hints say of whom each is asked.
    assert marked == {"question-org_name"}
    assert optional == {"question-population", "question-staff", "question-org_name"}
    assert page.select_one("#question-org_name .optional").get_text() == "(valinnainen)"
    assert "*" not in page.select_one("main").get_text()


def test_language_switch_keeps_the_page(client):
    page = soup(client.get("/fi/section/own_use?return=check"))
    links = {a["lang"]: a["href"] for a in page.select(".language-nav a")}
    assert links == {
        "fi": "/fi/section/own_use?return=check",
        "sv": "/sv/section/own_use?return=check",
        "en": "/en/section/own_use?return=check",
    }


def test_questions_are_fieldsets_with_legends_and_no_preselected_radios(client, questionnaire):
    page = soup(client.get("/fi/section/org_use"))
    question = questionnaire.question("org_use")
    legends = [legend.get_text(" ", strip=True) for legend in page.select("fieldset > legend")]
    assert question.text.fi in legends[0]
    assert [row.label.fi for row in question.rows] == legends[1:]
    assert page.select("input[type=radio]")
    assert not page.select("input[checked]")
    for radio in page.select("input[type=radio]"):
        assert page.select_one(f"label[for='{radio['id']}']")


def test_the_whole_journey_in_finnish(client, db, questionnaire, answers):
    first = questionnaire.sections[0]
    response = post_form(client, f"/fi/section/{first.id}", answers[first.id])
    assert response.headers["Location"] == "/fi/saved"

    saved = soup(client.get("/fi/saved"))
    link = saved.select_one("#resume-link")["value"]
    # The token travels after #, which the browser never sends: see test_private_links.py.
    token = re.fullmatch(r"http://localhost/fi/resume#([A-Za-z0-9_-]{43})", link).group(1)
    assert db.execute("select token_hash from assessments").fetchone()[0] == database.hash_token(token)
    assert saved.select_one("a.button")["href"] == f"/fi/section/{questionnaire.sections[1].id}"

    for number, section in enumerate(questionnaire.sections[1:], start=2):
        response = post_form(client, f"/fi/section/{section.id}", answers[section.id])
        expected = (
            f"/fi/section/{questionnaire.sections[number].id}" if number < len(questionnaire.sections) else "/fi/check"
        )
        assert response.headers["Location"] == expected

    check = soup(client.get("/fi/check"))
    assert "Vapaa vastaus: support_other" in check.get_text()
    assert check.select_one("#missing-sections") is None
    change_links = check.select(".summary-list__actions a")
    assert len(change_links) == len(questionnaire.answer_keys())
    assert change_links[0]["href"] == "/fi/section/profile?return=check#org_type"

    token_for_forms = csrf_token(client, "/fi/check")
    response = client.post("/fi/submit", data={"csrf_token": token_for_forms})
    assert response.headers["Location"] == "/fi/results"
    assert db.execute("select status from assessments").fetchone()[0] == "submitted"
    confirmation = soup(client.get("/fi/results"))
    assert questionnaire.question("own_use").options[0].label.fi in confirmation.get_text()
    assert "Vapaa vastaus: future" in confirmation.get_text()

    # Read-only from now on: the pages lead to the results and a late save changes nothing.
    before = stored_answers(db)
    assert client.get("/fi/section/own_use").headers["Location"] == "/fi/results"
    assert client.get("/fi/check").headers["Location"] == "/fi/results"
    response = client.post("/fi/section/own_use", data={"own_use": "none", "csrf_token": token_for_forms})
    assert response.headers["Location"] == "/fi/results"
    assert stored_answers(db) == before


def test_every_answer_is_stored_under_its_ids(answered, db, questionnaire, answers):
    stored = {(q, o) for _, q, o in stored_answers(db)}
    for section in questionnaire.sections:
        for question in section.questions:
            if question.type == "matrix":
                for row in question.rows:
                    assert (f"{question.id}.{row.id}", question.options[0].id) in stored
            elif question.required_if and answers["profile"]["org_type"] not in question.required_if.options:
                # Not asked of this type (a municipality's staff): the answer sent is not kept.
                assert (question.id, question.options[0].id) not in stored
            elif question.type in ("single", "multiple"):
                assert (question.id, question.options[0].id) in stored
    texts = dict(db.execute("select question_id, text from free_texts").fetchall())
    assert texts["org_name"] == "Vapaa vastaus: org_name"


def resume_token(client):
    """The resume link's token, from the saved page that shows it once after the first save."""
    link = soup(client.get("/fi/saved")).select_one("#resume-link")["value"]
    return re.fullmatch(r"http://localhost/fi/resume#([A-Za-z0-9_-]{43})", link).group(1)


def open_link(client, link, lang="fi", **fields):
    """Post a resume link as its page does (the script, or a person pasting it)."""
    data = {"link": link, "csrf_token": csrf_token(client, f"/{lang}/resume"), **fields}
    return client.post(f"/{lang}/resume", data=data)


def test_resume_link_continues_in_another_browser(app, client, questionnaire, answers):
    for section in questionnaire.sections[:3]:
        post_form(client, f"/fi/section/{section.id}", answers[section.id])
    token = resume_token(client)

    other_device = app.test_client()
    response = open_link(other_device, f"http://localhost/sv/resume#{token}", lang="sv")
    assert response.headers["Location"] == "/sv/section/change"
    page = soup(other_device.get("/sv/section/own_use"))
    checked = page.select_one("input[name=own_use][checked]")
    assert checked["value"] == answers["own_use"]["own_use"]
    start = soup(other_device.get("/sv/"))
    assert start.select_one(".panel a.button")["href"] == "/sv/section/change"


@pytest.mark.parametrize("token", ["short", "x" * 43, "a" * 42 + "!", "a" * 44])
def test_unknown_or_malformed_resume_tokens_are_404_in_the_pages_language(client, token):
    response = open_link(client, f"http://localhost/sv/resume#{token}", lang="sv")
    assert response.status_code == 404
    page = soup(response)
    assert page.html["lang"] == "sv"
    assert page.title.get_text().startswith("Fel: ")
    assert page.select_one(".error-summary a")["href"] == "#link"
    assert page.select_one("#link")["value"] == ""


def test_missing_answers_get_an_error_summary_and_keep_the_other_answers(client, db, answers):
    data = dict(answers["profile"])
    del data["region"]
    response = post_form(client, "/fi/section/profile", data)
    assert response.status_code == 200
    page = soup(response)
    assert page.title.get_text().startswith("Virhe: ")
    summary_links = [a["href"] for a in page.select(".error-summary a")]
    assert summary_links == ["#region"]
    assert page.select_one("#region")["type"] == "radio"
    assert page.select_one("#region-error").get_text(strip=True).startswith("Virhe:")
    assert "region-error" in page.select_one("#question-region fieldset")["aria-describedby"]
    # What the respondent had chosen is still chosen, and nothing was written.
    assert page.select_one(f"input[name=org_type][value={data['org_type']}]").has_attr("checked")
    assert page.select_one("#org_name")["value"] == data["org_name"]
    assert db["assessments"].count == 0


@pytest.mark.parametrize(
    ("section", "change", "field", "message"),
    [
        ("profile", {"org_type": "planet"}, "org_type", "Valitse"),
        ("profile", {"org_type": ["kunta", "muu"]}, "org_type", "Valitse"),
        ("profile", {"org_type": "kunta", "population": ""}, "population", "Valitse"),
        ("org_use", {"org_use__hr": "lots"}, "org_use__hr", "Valitse"),
        (
            "competence",
            {"competence_top": ["ai_basics", "ethics", "risk_assessment", "leadership"]},
            "competence_top",
            "3",
        ),
        ("support", {"support": ["none", "training"]}, "support", "Ei vielä"),
        ("support", {"support": []}, "support", "Valitse"),
        ("support", {"support_other": "x" * 2001}, "support_other", "2\u00a0000"),
    ],
)
def test_invalid_answers_are_refused_with_a_message(client, db, answers, section, change, field, message):
    data = {**answers[section], **change}
    response = post_form(client, f"/fi/section/{section}", data)
    assert response.status_code == 200
    page = soup(response)
    error = page.select_one(f"#{field}-error")
    assert error is not None, page.select(".error-summary")
    assert message in error.get_text()
    assert page.select_one(".error-summary a")["href"] == f"#{field}"
    assert db["assessments"].count == 0


def test_population_is_not_asked_of_a_regional_council(client, answers):
    data = {**answers["profile"], "org_type": "maakuntaliitto"}
    del data["population"]
    assert post_form(client, "/fi/section/profile", data).status_code == 302


def test_staff_is_asked_of_a_regional_council_and_not_of_a_municipality(client, answers):
    council = {**answers["profile"], "org_type": "maakuntaliitto"}
    del council["staff"]
    refused = post_form(client, "/fi/section/profile", council)
    assert refused.status_code == 200 and soup(refused).select_one("#staff-error") is not None
    municipality = {**answers["profile"], "org_type": "kunta"}
    del municipality["staff"]
    assert post_form(client, "/fi/section/profile", municipality).status_code == 302


def test_a_population_band_left_from_another_type_is_not_stored(client, db, answers):
    data = {**answers["profile"], "org_type": "maakuntaliitto", "population": "under_5000"}
    assert post_form(client, "/fi/section/profile", data).status_code == 302
    questions = {q for (q,) in db.execute("select question_id from answers")}
    assert "population" not in questions and "org_type" in questions


def test_line_breaks_count_as_one_character(client, db, answers):
    text = "rivi\r\n" * 400  # 400 lines of four letters: 1 999 characters as typed, 2 400 as sent
    response = post_form(client, "/fi/section/support", {**answers["support"], "support_other": text})
    assert response.status_code == 302


def test_a_refused_save_keeps_the_saved_answers(client, db, answers):
    post_form(client, "/fi/section/profile", answers["profile"])
    before = stored_answers(db)
    response = post_form(client, "/fi/section/profile", {**answers["profile"], "staff": "huge"})
    assert response.status_code == 200
    assert stored_answers(db) == before


def test_post_without_csrf_token_is_refused_in_the_pages_language(client, db, answers):
    response = client.post("/sv/section/profile", data=answers["profile"])
    assert response.status_code == 400
    page = soup(response)
    assert page.html["lang"] == "sv"
    assert db["assessments"].count == 0
    response = client.post("/fi/section/profile", data={**answers["profile"], "csrf_token": "forged"})
    assert response.status_code == 400
    assert db["assessments"].count == 0


def test_an_oversized_body_is_refused_with_a_page(client, db):
    token = csrf_token(client, "/en/section/profile")
    response = client.post("/en/section/profile", data={"org_name": "x" * 70_000, "csrf_token": token})
    assert response.status_code == 413
    assert soup(response).html["lang"] == "en"
    assert db["assessments"].count == 0


def test_free_text_is_shown_as_text_not_markup(answered, questionnaire, answers):
    payload = '<script>alert(1)</script><b onmouseover="x">'
    post_form(answered, "/fi/section/support", {**answers["support"], "support_other": payload})
    html = answered.get("/fi/check").get_data(as_text=True)
    assert payload not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_change_link_returns_to_the_check_page(answered, answers):
    response = post_form(answered, "/fi/section/change?return=check", {"change": "dont_know"})
    assert response.headers["Location"] == "/fi/check#section-change"
    page = soup(answered.get("/fi/section/change?return=check"))
    assert page.select_one("a.back-link")["href"] == "/fi/check"
    assert page.select_one("form")["action"] == "/fi/section/change?return=check"


def test_submit_with_unanswered_sections_is_refused(client, db, answers):
    post_form(client, "/fi/section/profile", answers["profile"])
    response = client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/section/profile")})
    assert response.headers["Location"] == "/fi/check?incomplete=1"
    page = soup(client.get(response.headers["Location"]))
    assert page.title.get_text().startswith("Virhe: ")
    assert page.select_one(".error-summary a")["href"] == "#missing-sections"
    assert len(page.select("#missing-sections li")) == 9
    assert page.select_one("form[action='/fi/submit']") is None
    assert db.execute("select status from assessments").fetchone()[0] == "draft"


def test_private_pages_are_never_cached(app, answered):
    """Every page and download that shows one browser's answers or links is kept by no cache."""
    token = resume_token(answered)
    for path in ("/fi/section/profile", "/fi/saved", "/fi/check", "/fi/", "/fi/resume", f"/fi/resume/{token}"):
        assert answered.get(path).cache_control.no_store, path
    answered.post("/fi/submit", data={"csrf_token": csrf_token(answered, "/fi/check")})
    private = (
        "/fi/results",
        "/fi/organisation",
        "/fi/delete",
        "/fi/download/report.html",
        "/fi/download/answers.csv",
        "/fi/download/answers.json",
    )
    for path in private:
        response = answered.get(path)
        assert response.status_code == 200 and response.cache_control.no_store, path
    resumed = open_link(app.test_client(), token)
    assert resumed.status_code == 302 and resumed.cache_control.no_store


def test_a_submitted_assessment_leaves_the_browser_free_to_start_another(answered):
    answered.post("/fi/submit", data={"csrf_token": csrf_token(answered, "/fi/check")})
    start = soup(answered.get("/fi/"))
    assert start.select_one(".panel a")["href"] == "/fi/results"
    assert start.select_one("form[action='/fi/new']") is not None


def test_check_page_shows_no_error_when_nothing_is_missing(answered):
    page = soup(answered.get("/fi/check?incomplete=1"))
    assert not page.title.get_text().startswith("Virhe")
    assert page.select_one(".error-summary") is None


def test_start_new_forgets_the_browsers_assessment(answered):
    response = answered.post("/fi/new", data={"csrf_token": csrf_token(answered, "/fi/")})
    assert response.headers["Location"] == "/fi/section/profile"
    assert answered.get("/fi/check").headers["Location"] == "/fi/"


@pytest.mark.parametrize("path", ["/fi/section/nope", "/de/", "/fi/nope", "/fi/saved"])
def test_unknown_pages_are_404(client, path):
    assert client.get(path).status_code == 404


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"


def test_healthz_reports_a_broken_database(app, client, tmp_path):
    app.config["DATABASE"] = str(tmp_path / "missing-dir" / "x.sqlite")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "error"


def test_no_ip_address_is_stored(app, answered, db):
    answered.post(
        "/fi/submit",
        data={"csrf_token": csrf_token(answered, "/fi/check")},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    dump = "\n".join(db.conn.iterdump())
    assert "203.0.113.7" not in dump and "127.0.0.1" not in dump


def test_pages_forbid_inline_scripts_framing_and_referrers(client):
    response = client.get("/fi/section/profile")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "frame-ancestors 'none'" in policy
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_have_hashed_urls_with_a_long_cache(client):
    page = soup(client.get("/fi/"))
    href = page.select_one("link[rel=stylesheet]")["href"]
    assert re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{12}", href)
    with client.get(href) as response:
        assert response.status_code == 200
        assert response.cache_control.immutable and response.cache_control.public
        assert response.cache_control.max_age == 31536000
        assert not response.cache_control.no_cache
    with client.get("/static/css/app.css?v=stale") as response:
        assert "immutable" not in response.headers.get("Cache-Control", "")


def test_check_page_says_a_grid_question_once_above_its_rows(answered, questionnaire):
    page = soup(answered.get("/fi/check"))
    grid = next(q for q in questionnaire.questions() if q.type == "matrix")
    headings = [h.get_text(strip=True) for h in page.select(".summary-list__heading")]
    assert headings.count(grid.text.fi) == 1
    # Each row is keyed by its own label, not by the question again.
    keys = [dt.get_text(strip=True) for dt in page.select(".summary-list__key")]
    assert [row.label.fi for row in grid.rows] == [k for k in keys if k in {row.label.fi for row in grid.rows}]
    assert not any(grid.text.fi in key for key in keys)
