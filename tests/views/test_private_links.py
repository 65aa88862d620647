"""Resume and invite links keep their token out of the server's URLs, and the session cookie holds no token; opening
another assessment's link never swaps the browser's assessment silently (security round two, items 2 and 3)."""

import base64
import json
import re
import zlib

import pytest
from bs4 import BeautifulSoup

from readiness.store import database
from tests.conftest import csrf_token
from tests.conftest import post_form
from tests.conftest import submit_assessment

RESUME = re.compile(r"http://localhost/(fi|sv|en)/resume#([A-Za-z0-9_-]{43})")
INVITE = re.compile(r"http://localhost/fi/invite#([A-Za-z0-9_-]{43})")
OTHER = "o" * 43


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def cookie_text(client):
    """Everything the session cookie says to whoever reads it: its payload, base64-decoded (and inflated, as
    itsdangerous compresses a long one), without the key."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    value = cookie.value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if compressed else data).decode()


def session_of(app, client):
    """The session as the app reads it (the signature checked)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(client.get_cookie("session").value)


def assert_no_token(app, client, *tokens):
    text = cookie_text(client) + json.dumps(session_of(app, client))
    for token in tokens:
        assert token not in text
        # Nor in another spelling: standard base64 or the raw bytes' hex.
        raw = base64.urlsafe_b64decode(token + "=")
        assert raw.hex() not in text and base64.b64encode(raw).decode().rstrip("=") not in text


def first_save(client, questionnaire, answers, lang="fi"):
    section = questionnaire.sections[0]
    return post_form(client, f"/{lang}/section/{section.id}", answers[section.id])


def shown_resume_token(client, lang="fi"):
    link = soup(client.get(f"/{lang}/saved")).select_one("#resume-link")["value"]
    return RESUME.fullmatch(link).group(2)


def open_link(client, link, lang="fi", **fields):
    data = {"link": link, "csrf_token": csrf_token(client, f"/{lang}/resume"), **fields}
    return client.post(f"/{lang}/resume", data=data)


def open_invite(client, link, **fields):
    data = {"link": link, "csrf_token": csrf_token(client, "/fi/invite"), **fields}
    return client.post("/fi/invite", data=data)


# The link: its token after #, never in a URL the server sees ---------------------------------------------------


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_saved_page_shows_the_link_with_its_token_after_the_hash(client, db, questionnaire, answers, lang):
    assert first_save(client, questionnaire, answers, lang).headers["Location"] == f"/{lang}/saved"
    page = soup(client.get(f"/{lang}/saved"))
    match = RESUME.fullmatch(page.select_one("#resume-link")["value"])
    assert match and match.group(1) == lang
    assert db.execute("select token_hash from assessments").fetchone()[0] == database.hash_token(match.group(2))


def test_the_link_page_has_a_form_for_the_script_and_for_pasting(client):
    page = soup(client.get("/fi/resume"))
    form = page.select_one("form[data-fragment-token]")
    assert form["method"] == "post" and form["action"] == "/fi/resume"
    assert form["data-fragment-token"] == "link"
    assert form.select_one("input[name=csrf_token]") and form.select_one("label[for=link]")
    assert page.select_one("script[src*='app.js']")
    invite = soup(client.get("/fi/invite")).select_one("form[data-fragment-token]")
    assert invite["action"] == "/fi/invite" and invite.select_one("input#link[name=link]")


@pytest.mark.parametrize(
    "pasted",
    [
        "{token}",
        "http://localhost/fi/resume#{token}",
        "  https://valmius.example.fi/sv/resume#{token}\n",
        "http://localhost/fi/resume/{token}",
    ],
)
def test_a_pasted_link_or_token_opens_the_assessment(app, client, questionnaire, answers, pasted):
    first_save(client, questionnaire, answers)
    token = shown_resume_token(client)
    other = app.test_client()
    response = open_link(other, pasted.format(token=token))
    assert response.status_code == 302 and response.headers["Location"] == f"/fi/section/{questionnaire.sections[1].id}"
    assert "token" not in response.headers["Location"] and token not in response.headers["Location"]
    assert other.get("/fi/check").status_code == 200


def test_an_empty_or_wrong_link_gets_an_error_summary_and_counts_as_a_failed_look_up(app, client):
    empty = client.post("/fi/resume", data={"link": " ", "csrf_token": csrf_token(client, "/fi/resume")})
    assert empty.status_code == 400
    page = soup(empty)
    assert page.title.get_text().startswith("Virhe: ") and page.select_one(".error-summary a")["href"] == "#link"
    for _ in range(20):
        assert open_link(client, "x" * 43).status_code == 404
    assert open_link(client, "x" * 43).status_code == 429


def test_posting_a_link_needs_the_csrf_token(client):
    assert client.post("/fi/resume", data={"link": "x" * 43}).status_code == 400
    assert client.post("/fi/invite", data={"link": "x" * 43}).status_code == 400


# The session cookie: a reference, never the token -------------------------------------------------------------


def test_the_session_cookie_never_holds_the_resume_token(app, client, questionnaire, answers):
    first_save(client, questionnaire, answers)
    # Right after the save, before the saved page has shown the link: it is kept only sealed.
    kept = session_of(app, client)
    assert "new_link" in kept
    token = shown_resume_token(client)
    assert_no_token(app, client, token)
    assert "new_link" not in session_of(app, client)
    assert session_of(app, client)["assessment"] == database.hash_token(token)
    # Saving again, and opening the link in another browser.
    post_form(client, f"/fi/section/{questionnaire.sections[1].id}", answers[questionnaire.sections[1].id])
    assert_no_token(app, client, token)
    other = app.test_client()
    assert open_link(other, token).status_code == 302
    assert_no_token(app, other, token)
    assert other.get("/fi/check").status_code == 200


def test_the_cookie_right_after_the_first_save_holds_no_token(app, db, client, questionnaire, answers):
    """The saved page shows the link once; until then the session holds it sealed with the secret key."""
    first_save(client, questionnaire, answers)
    sealed = session_of(app, client)["new_link"]
    token = shown_resume_token(client)
    assert_no_token(app, client, token)
    assert token not in sealed
    # The second time the page offers a new link instead of the old one, which it no longer has.
    again = soup(client.get("/fi/saved"))
    assert again.select_one("#resume-link") is None
    assert again.select_one("form[action='/fi/saved/new-link'] button")


def test_invites_and_new_rounds_keep_their_tokens_out_of_the_cookie(app, client, db, questionnaire, answers):
    for section in questionnaire.sections:
        post_form(client, f"/fi/section/{section.id}", answers[section.id])
    lead_token = shown_resume_token(client)
    client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
    client.post(
        "/fi/organisation/invites", data={"csrf_token": csrf_token(client, "/fi/organisation"), "role": "other"}
    )
    hashes = [row[0] for row in db.execute("select token_hash from invites")]
    # Before the organisation page has shown the new invite, the cookie holds it sealed only.
    text = cookie_text(client)
    page = soup(client.get("/fi/organisation"))
    invite_token = INVITE.fullmatch(page.select_one("#invite-link")["value"]).group(1)
    assert hashes == [database.hash_token(invite_token)] and invite_token not in text
    assert_no_token(app, client, lead_token, invite_token)

    respondent = app.test_client()
    assert open_invite(respondent, f"http://localhost/fi/invite#{invite_token}", choice="accept").status_code == 302
    respondent_token = shown_resume_token(respondent)
    assert_no_token(app, respondent, invite_token, respondent_token)

    response = client.post("/fi/rounds", data={"csrf_token": csrf_token(client, "/fi/organisation")})
    assert response.headers["Location"] == "/fi/saved"
    round_token = shown_resume_token(client)
    assert_no_token(app, client, lead_token, round_token)


def test_a_session_from_before_holding_the_token_is_turned_into_a_reference(app, db, questionnaire):
    token = "r" * 43
    submit_assessment(db, questionnaire, token)
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["token"] = token
    assert browser.get("/fi/results").status_code == 200
    assert_no_token(app, browser, token)
    assert session_of(app, browser)["assessment"] == database.hash_token(token)


# A new link replaces the old one ------------------------------------------------------------------------------


def test_a_new_resume_link_replaces_the_old_one_everywhere(app, client, questionnaire, answers):
    first_save(client, questionnaire, answers)
    old = shown_resume_token(client)
    elsewhere = app.test_client()
    open_link(elsewhere, old)
    response = client.post("/fi/saved/new-link", data={"csrf_token": csrf_token(client, "/fi/saved")})
    assert response.headers["Location"] == "/fi/saved"
    new = shown_resume_token(client)
    assert new != old
    assert client.get("/fi/check").status_code == 200
    assert open_link(app.test_client(), old).status_code == 404
    assert open_link(app.test_client(), new).status_code == 302
    # The browser that opened the old link is no longer in the assessment.
    assert elsewhere.get("/fi/check").headers["Location"] == "/fi/"


# Old-form links (token in the path) -----------------------------------------------------------------------------


def test_an_old_form_resume_link_opens_once_with_a_button_and_is_replaced(app, db, questionnaire):
    token = "r" * 43
    submit_assessment(db, questionnaire, token)
    browser = app.test_client()
    page = browser.get(f"/fi/resume/{token}")
    # The GET opens nothing (a link preview may fetch it): it shows the form, the token filled in.
    assert page.status_code == 200 and page.cache_control.no_store
    form = soup(page).select_one("form[action='/fi/resume']")
    assert form.select_one("#link")["value"] == token and form.select_one("input[name=renew]")["value"] == "1"
    assert browser.get("/fi/results").headers["Location"] == "/fi/"
    response = browser.post(
        "/fi/resume", data={"link": token, "renew": "1", "csrf_token": form.select_one("[name=csrf_token]")["value"]}
    )
    assert response.headers["Location"] == "/fi/saved"
    new = shown_resume_token(browser)
    assert new != token
    assert db.execute("select token_hash from assessments").fetchone()[0] == database.hash_token(new)
    assert browser.get("/fi/results").status_code == 200
    # The old link, which access logs may hold, opens nothing any more.
    assert open_link(app.test_client(), token).status_code == 404


def test_an_old_form_invite_link_shows_the_invite_with_a_button_posting_the_token(app, client, db, questionnaire):
    from readiness.store import organisations

    lead_token = "l" * 43
    lead_id = submit_assessment(db, questionnaire, lead_token)
    invite = "i" * 43
    organisations.create_invite(db, lead_id, database.hash_token(invite), "other")
    page = client.get(f"/fi/invite/{invite}")
    assert page.status_code == 200
    form = soup(page).select_one("form[action='/fi/invite']")
    assert form.select_one("input[name=link]")["value"] == invite
    assert form.select_one("button[name=choice][value=accept]")
    # Only the button uses the invite: the GET did not.
    assert db.execute("select used_at from invites").fetchone()[0] is None
    assert client.post(f"/fi/invite/{invite}", data={"csrf_token": csrf_token(client, "/fi/invite")}).status_code == 405


# No silent swap ---------------------------------------------------------------------------------------------------


@pytest.fixture
def victim(app, db, client, questionnaire, answers):
    """A browser with its own draft open, and another organisation's submitted assessment (the link)."""
    first_save(client, questionnaire, answers)
    shown_resume_token(client)
    submit_assessment(db, questionnaire, OTHER)
    return client


def open_assessment_id(app, client, db):
    reference = session_of(app, client)["assessment"]
    return db.execute("select id from assessments where token_hash = ?", [reference]).fetchone()[0]


def test_opening_another_assessments_link_asks_first(app, db, victim):
    own = open_assessment_id(app, victim, db)
    response = open_link(victim, f"http://localhost/fi/resume#{OTHER}")
    assert response.status_code == 200 and response.cache_control.no_store
    page = soup(response)
    assert page.h1.get_text() == "Tässä selaimessa on avoinna arviointi"
    form = page.select_one("form[action='/fi/resume']")
    buttons = {b["value"]: b.get_text(strip=True) for b in form.select("button[name=choice]")}
    assert buttons == {"switch": "Vaihda linkin arviointiin", "keep": "Pidä nykyinen arviointi"}
    assert form.select_one("input[name=link]")["value"] == OTHER
    # Nothing has changed yet: the browser's own assessment is still open.
    assert open_assessment_id(app, victim, db) == own
    assert victim.get("/fi/check").status_code == 200


def test_keeping_the_current_assessment_changes_nothing(app, db, victim, questionnaire):
    own = open_assessment_id(app, victim, db)
    response = open_link(victim, OTHER, choice="keep")
    assert response.headers["Location"] == f"/fi/section/{questionnaire.sections[1].id}"
    assert open_assessment_id(app, victim, db) == own


def test_switching_opens_the_assessment_of_the_link(app, db, victim):
    response = open_link(victim, OTHER, choice="switch")
    assert response.headers["Location"] == "/fi/results"
    linked = db.execute("select id from assessments where token_hash = ?", [database.hash_token(OTHER)]).fetchone()
    assert open_assessment_id(app, victim, db) == linked[0]


def test_the_same_assessments_link_or_an_empty_browser_opens_directly(app, db, client, questionnaire, answers):
    first_save(client, questionnaire, answers)
    token = shown_resume_token(client)
    assert open_link(client, token).status_code == 302
    assert open_link(app.test_client(), token).status_code == 302


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_swap_prompt_in_swedish_and_english(app, db, victim, lang):
    page = soup(open_link(victim, OTHER, lang=lang))
    assert page.html["lang"] == lang
    expected = {
        "sv": "Du har en bedömning öppen i den här webbläsaren",
        "en": "You have an assessment open in this browser",
    }
    assert page.h1.get_text() == expected[lang]


def test_an_invite_asks_before_switching_and_keeping_changes_nothing(app, db, victim):
    from readiness.store import organisations

    lead_id = db.execute("select id from assessments where token_hash = ?", [database.hash_token(OTHER)]).fetchone()[0]
    invite = "i" * 43
    organisations.create_invite(db, lead_id, database.hash_token(invite), "other")
    own = open_assessment_id(app, victim, db)
    page = soup(open_invite(victim, f"http://localhost/fi/invite#{invite}"))
    warning = page.select_one(".warning")
    assert warning and warning.h2.get_text() == "Tässä selaimessa on avoinna arviointi"
    assert {b["value"] for b in page.select("button[name=choice]")} == {"accept", "keep"}
    response = open_invite(victim, invite, choice="keep")
    assert response.headers["Location"] == "/fi/"
    assert open_assessment_id(app, victim, db) == own
    assert db.execute("select used_at from invites").fetchone()[0] is None
    response = open_invite(victim, invite, choice="accept")
    assert response.headers["Location"] == "/fi/saved"
    assert open_assessment_id(app, victim, db) != own
    assert db.execute("select used_at from invites").fetchone()[0] is not None


def test_an_invite_in_an_empty_browser_shows_one_button(app, db, client, questionnaire):
    from readiness.store import organisations

    lead_id = submit_assessment(db, questionnaire, OTHER)
    invite = "i" * 43
    organisations.create_invite(db, lead_id, database.hash_token(invite), "other")
    page = soup(open_invite(client, invite))
    assert page.select_one(".warning") is None
    assert [b["value"] for b in page.select("button[name=choice]")] == ["accept"]
