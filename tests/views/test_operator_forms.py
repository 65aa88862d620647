"""The Flask-WTF forms of sign-in, reference upload and loading, deletion and invite withdrawal: a form that is
empty, incomplete or changed by hand gets its status and a clear message in the page's language, shown the
GOV.UK way (error summary linking to the field, "Virhe:" in the title), keeps what else was entered, changes
nothing, and never answers 500."""

import io
import re

import pytest
from bs4 import BeautifulSoup
from werkzeug.security import generate_password_hash

from readiness.store import operators
from tests.conftest import csrf_token
from tests.conftest import submit_assessment

PASSWORD = "lomakkeiden-salasana"
LANGS = ["fi", "sv", "en"]
WORDS = {
    "fi": {
        "error": "Virhe:",
        "username": "Kirjoita käyttäjätunnuksesi.",
        "password": "Kirjoita salasanasi.",
        "wrong": "Käyttäjätunnus tai salasana on väärä.",
        "long_name": "Käyttäjätunnus on liian pitkä: enintään 200 merkkiä.",
        "no_file": "Valitse tuotava CSV-tiedosto.",
        "not_csv": "Valitse CSV-tiedosto: sen nimen pääte on .csv.",
        "not_utf8": "Tiedosto ei ole UTF-8-muotoista tekstiä.",
        "mode": "Valitse, miten luvut otetaan käyttöön.",
        "target": "Valitse, mitä haluat poistaa.",
        "confirm": "Vahvista valintaruudulla, että haluat poistaa vastaukset pysyvästi.",
        "invite": "Valitse luettelosta kutsulinkki, jonka haluat perua.",
    },
    "sv": {
        "error": "Fel:",
        "username": "Ange ditt användarnamn.",
        "password": "Ange ditt lösenord.",
        "wrong": "Användarnamnet eller lösenordet är fel.",
        "long_name": "Användarnamnet är för långt: högst 200 tecken.",
        "no_file": "Välj en CSV-fil att ladda upp.",
        "not_csv": "Välj en CSV-fil: filnamnet slutar på .csv.",
        "not_utf8": "Filen är inte text i UTF-8.",
        "mode": "Välj hur siffrorna ska läsas in.",
        "target": "Välj vad du vill radera.",
        "confirm": "Kryssa i rutan för att bekräfta att du vill radera svaren permanent.",
        "invite": "Välj i listan den inbjudningslänk som du vill återkalla.",
    },
    "en": {
        "error": "Error:",
        "username": "Enter your user name.",
        "password": "Enter your password.",
        "wrong": "The user name or password is wrong.",
        "long_name": "The user name is too long: at most 200 characters.",
        "no_file": "Choose a CSV file to upload.",
        "not_csv": "Choose a CSV file: its name ends in .csv.",
        "not_utf8": "The file is not UTF-8 text.",
        "mode": "Choose how to load the figures.",
        "target": "Choose what to delete.",
        "confirm": "Tick the box to confirm that you want to delete the answers for good.",
        "invite": "Choose the invite link to withdraw from the list.",
    },
}
REFERENCE = (
    "id,question_id,option_id,value,unit,precision,n,year,source_url,source_name,quote,text_fi,text_sv,text_en\n"
    "own_use_regular,own_use,regularly,40,percent,exact,158,2024,https://example.fi/taulukot,KT:n taulukot,"
    "40 %,40 % käytti viikoittain,40 % använde varje vecka,40% used it weekly\n"
)


def soup(response):
    return BeautifulSoup(response.data, "html.parser")


def summary(page):
    """The error summary's messages and the fields they link to."""
    box = page.find(class_="error-summary")
    return [(a.get_text(strip=True), a["href"]) for a in box.find_all("a")] if box else []


def assert_error_page(page, lang):
    assert page.title.get_text().startswith(WORDS[lang]["error"])
    assert page.find(class_="error-summary")["role"] == "alert"
    # Every link of the summary leads to an element of the page, and each field's message is beside it.
    for _, href in summary(page):
        assert page.find(id=href.removeprefix("#")) is not None, href


@pytest.fixture
def operator(db):
    operators.create_operator(db, "lomakkeet", generate_password_hash(PASSWORD))
    return "lomakkeet"


def sign_in(client, lang="fi", **fields):
    url = f"/{lang}/console/sign-in"
    return client.post(url, data={"csrf_token": csrf_token(client, url), **fields})


@pytest.fixture
def console(client, operator):
    assert sign_in(client, username=operator, password=PASSWORD).status_code == 302
    return client


def failures(db, username):
    return db.execute("select count(*) from sign_in_failures where username = ?", [username]).fetchone()[0]


# Sign-in


@pytest.mark.parametrize("lang", LANGS)
def test_an_empty_sign_in_names_both_fields_and_counts_no_attempt(client, db, operator, lang):
    response = sign_in(client, lang)
    assert response.status_code == 400
    page = soup(response)
    assert_error_page(page, lang)
    assert summary(page) == [(WORDS[lang]["username"], "#username"), (WORDS[lang]["password"], "#password")]
    assert page.find(id="username-error").get_text(" ", strip=True).endswith(WORDS[lang]["username"])
    assert page.find(id="username")["aria-describedby"] == "username-error"
    assert page.find(id="password")["aria-describedby"] == "password-error"
    # Empty forms are no guesses: they neither count towards the lock nor lock anyone out.
    for _ in range(6):
        assert sign_in(client, lang, username="", password="").status_code == 400
    assert failures(db, "") == 0
    assert sign_in(client, lang, username=operator, password=PASSWORD).status_code == 302


@pytest.mark.parametrize("lang", LANGS)
def test_a_sign_in_without_a_password_keeps_the_name(client, db, operator, lang):
    response = sign_in(client, lang, username=f"  {operator} ")
    assert response.status_code == 400
    page = soup(response)
    assert_error_page(page, lang)
    assert summary(page) == [(WORDS[lang]["password"], "#password")]
    assert page.find(id="username")["value"] == operator
    assert failures(db, operator) == 0


@pytest.mark.parametrize("lang", LANGS)
def test_a_wrong_password_gets_401_and_the_one_message(client, db, operator, lang):
    response = sign_in(client, lang, username=operator, password="väärä-salasana")
    assert response.status_code == 401
    page = soup(response)
    assert_error_page(page, lang)
    assert summary(page) == [(WORDS[lang]["wrong"], "#username")]
    assert page.find(id="username")["value"] == operator
    # The password is never sent back.
    assert "väärä-salasana" not in response.get_data(as_text=True)
    assert failures(db, operator) == 1
    unknown = sign_in(client, lang, username="tuntematon", password="x")
    assert unknown.status_code == 401 and summary(soup(unknown)) == [(WORDS[lang]["wrong"], "#username")]


@pytest.mark.parametrize("lang", LANGS)
def test_an_overlong_user_name_or_password_is_refused_clearly(client, db, lang):
    response = sign_in(client, lang, username="x" * 201, password="y" * 1001)
    assert response.status_code == 400
    page = soup(response)
    assert_error_page(page, lang)
    messages = dict((href, text) for text, href in summary(page))
    assert messages["#username"] == WORDS[lang]["long_name"]
    assert "#password" in messages
    assert db.execute("select count(*) from sign_in_failures").fetchone() == (0,)


def test_odd_values_in_the_sign_in_form_never_break_it(client, operator):
    for username, password in [("\x00", "\x00"), ("<script>", "=1+1"), ("🙂" * 300, ""), (" ", " ")]:
        response = sign_in(client, "en", username=username, password=password)
        assert response.status_code in (400, 401), (username, response.status_code)
        assert "<script>" not in response.get_data(as_text=True)
    # A name of spaces is no name; a password of spaces is a password (it is never trimmed).
    blank = sign_in(client, "en", username="   ", password="   ")
    assert blank.status_code == 400 and summary(soup(blank)) == [(WORDS["en"]["username"], "#username")]


# Reference upload and loading


def upload(console, lang, data):
    url = f"/{lang}/console/reference"
    return console.post(url, data={"csrf_token": csrf_token(console, url), **data}, content_type="multipart/form-data")


@pytest.mark.parametrize("lang", LANGS)
def test_an_upload_without_a_file(console, db, lang):
    for data in ({}, {"file": (io.BytesIO(b""), "")}):
        response = upload(console, lang, data)
        assert response.status_code == 400
        page = soup(response)
        assert_error_page(page, lang)
        assert summary(page) == [(WORDS[lang]["no_file"], "#file")]
        assert page.find(id="file")["aria-describedby"] == "file-error"
    assert db.execute("select count(*) from reference_uploads").fetchone() == (0,)


@pytest.mark.parametrize("lang", LANGS)
def test_an_upload_that_is_not_a_utf8_csv_file(console, db, lang):
    response = upload(console, lang, {"file": (io.BytesIO(REFERENCE.encode()), "taulukot.xlsx")})
    assert response.status_code == 400
    assert summary(soup(response)) == [(WORDS[lang]["not_csv"], "#file")]
    response = upload(console, lang, {"file": (io.BytesIO(REFERENCE.encode("utf-16")), "taulukot.CSV")})
    assert response.status_code == 400
    page = soup(response)
    assert_error_page(page, lang)
    assert summary(page)[0][0].startswith(WORDS[lang]["not_utf8"])
    assert db.execute("select count(*) from reference_uploads").fetchone() == (0,)


# A file with two unknown columns and none of the right ones: the heading and the first and last problem,
# in each language (the translations read independently of the code's English).
REFUSED = {
    "fi": (
        "16 virhettä tiedostossa taulukot.csv:",
        "Rivi 1 (otsikkorivi), sarake id: puuttuu",
        "Rivi 1 (otsikkorivi), sarake b: ei ole viitetiedoston sarake",
    ),
    "sv": (
        "16 fel i filen taulukot.csv:",
        "Rad 1 (rubrikrad), kolumn id: saknas",
        "Rad 1 (rubrikrad), kolumn b: är inte en kolumn i referensfilen",
    ),
    "en": (
        "16 problems in taulukot.csv:",
        "Row 1 (header), column id: missing",
        "Row 1 (header), column b: not a column of the reference file",
    ),
}


@pytest.mark.parametrize("lang", LANGS)
def test_every_problem_of_a_refused_file_is_listed_in_the_pages_language(console, db, lang):
    response = upload(console, lang, {"file": (io.BytesIO(b"a,b\n1,2\n"), "taulukot.csv")})
    assert response.status_code == 400
    page = soup(response)
    heading, first, last = REFUSED[lang]
    assert summary(page)[0] == (heading, "#file")
    lines = [li.get_text(strip=True) for li in page.find(id="file-error").find_all("li")]
    assert len(lines) == 16 and lines[0] == first and lines[-1] == last
    assert db.execute("select count(*) from reference_uploads").fetchone() == (0,)


@pytest.mark.parametrize("lang", LANGS)
def test_a_field_over_the_csv_limit_is_a_listed_problem_not_an_error_page(console, db, lang):
    text = REFERENCE.splitlines()[0] + "\nx," + "a" * 140_000 + ",,1\n"
    response = upload(console, lang, {"file": (io.BytesIO(text.encode()), "iso.csv")})
    assert response.status_code == 400
    lines = [li.get_text(strip=True) for li in soup(response).find(id="file-error").find_all("li")]
    assert lines[-1].startswith({"fi": "Rivi 2:", "sv": "Rad 2:", "en": "Row 2:"}[lang])
    assert "131" in lines[-1]


@pytest.mark.parametrize("lang", LANGS)
def test_loading_with_an_unknown_mode_shows_the_preview_again(console, db, lang):
    response = upload(console, lang, {"file": (io.BytesIO(REFERENCE.encode()), "taulukot.csv")})
    assert response.status_code == 200
    action = soup(response).find(id="preview").find_next("form")["action"]
    token = csrf_token(console, f"/{lang}/console/reference")
    response = console.post(action, data={"csrf_token": token, "mode": "everything"})
    assert response.status_code == 400
    page = soup(response)
    assert_error_page(page, lang)
    assert summary(page) == [(WORDS[lang]["mode"], "#mode")]
    assert "own_use_regular" in page.find(id="preview").find_next("table").get_text()
    assert db.execute("select count(*) from reference_figures").fetchone() == (0,)
    # The same upload still waits, and loads with a mode from the page.
    response = console.post(action, data={"csrf_token": token, "mode": "replace"})
    assert response.status_code == 302
    assert db.execute("select mode from reference_loads").fetchone() == ("replace",)


# Deleting


@pytest.fixture
def respondent(app, db, questionnaire, client):
    """A browser holding one submitted assessment, its organisation's only respondent."""
    token = "r" * 43
    submit_assessment(db, questionnaire, token)
    data = {"link": token, "csrf_token": csrf_token(client, "/fi/resume")}
    assert client.post("/fi/resume", data=data).status_code == 302
    return client


def delete(client, lang, **fields):
    url = f"/{lang}/delete"
    return client.post(url, data={"csrf_token": csrf_token(client, url), **fields})


def assessments_count(db):
    return db.execute("select count(*) from assessments").fetchone()[0]


@pytest.mark.parametrize("lang", LANGS)
def test_a_deletion_without_the_confirmation_keeps_the_choice(respondent, db, lang):
    before = assessments_count(db)
    response = delete(respondent, lang, target="organisation")
    assert response.status_code == 400
    page = soup(response)
    assert_error_page(page, lang)
    assert summary(page) == [(WORDS[lang]["confirm"], "#confirm")]
    assert page.find(id="confirm-error").get_text(" ", strip=True).endswith(WORDS[lang]["confirm"])
    assert page.find(id="confirm")["aria-describedby"] == "confirm-error"
    assert page.find(id="target-organisation").has_attr("checked")
    # Only "yes", what the box sends, confirms.
    assert delete(respondent, lang, target="organisation", confirm="no").status_code == 400
    assert assessments_count(db) == before


@pytest.mark.parametrize("lang", LANGS)
def test_a_deletion_without_a_choice_keeps_the_confirmation(respondent, db, lang):
    before = assessments_count(db)
    for target in (None, "", "everything", "12abc", "9" * 30):
        fields = {"confirm": "yes"} if target is None else {"target": target, "confirm": "yes"}
        response = delete(respondent, lang, **fields)
        assert response.status_code == 400, target
        page = soup(response)
        assert_error_page(page, lang)
        assert summary(page) == [(WORDS[lang]["target"], "#target-own")]
        assert page.find(id="confirm").has_attr("checked")
    both = soup(delete(respondent, lang))
    assert [href for _, href in summary(both)] == ["#target-own", "#confirm"]
    assert assessments_count(db) == before
    # With both given, the deletion goes through.
    assert delete(respondent, lang, target="own", confirm="yes").status_code == 200
    assert assessments_count(db) == before - 1


# Withdrawing invites


@pytest.mark.parametrize("lang", LANGS)
def test_withdrawing_an_invite_with_an_odd_id_says_what_to_do(respondent, db, lang):
    response = respondent.post(
        f"/{lang}/organisation/invites",
        data={"csrf_token": csrf_token(respondent, f"/{lang}/organisation"), "role": "other"},
    )
    assert response.status_code == 302
    invites = db.execute("select id, revoked_at from invites").fetchall()
    for invite_id in ("abc", "", "1.5", "-1", "²", "9" * 30, None):
        data = {"csrf_token": csrf_token(respondent, f"/{lang}/organisation")}
        if invite_id is not None:
            data["invite_id"] = invite_id
        response = respondent.post(f"/{lang}/organisation/invites/revoke", data=data)
        # The form is one around the reused invite table: a refusal goes back to the page, which says why.
        assert response.status_code == 302, invite_id
        assert response.headers["Location"] == f"/{lang}/organisation#invites"
        page = soup(respondent.get(f"/{lang}/organisation"))
        assert_error_page(page, lang)
        assert summary(page) == [(WORDS[lang]["invite"], "#invite_id")]
        assert page.find(id="invite_id").find("table") is not None
        # Said once: the next visit is a page without errors.
        again = soup(respondent.get(f"/{lang}/organisation"))
        assert again.find(class_="error-summary") is None
        assert not again.title.get_text().startswith(WORDS[lang]["error"])
    assert db.execute("select id, revoked_at from invites").fetchall() == invites
    # A real id from the page's button still withdraws it.
    button = soup(respondent.get(f"/{lang}/organisation")).find("button", attrs={"name": "invite_id"})
    data = {"csrf_token": csrf_token(respondent, f"/{lang}/organisation"), "invite_id": button["value"]}
    assert respondent.post(f"/{lang}/organisation/invites/revoke", data=data).status_code == 302
    assert db.execute("select revoked_at from invites").fetchone()[0] is not None


# CSRF stays on


@pytest.mark.parametrize(
    "url",
    [
        "/fi/console/sign-in",
        "/fi/console/reference",
        "/fi/console/reference/1/apply",
        "/fi/delete",
        "/fi/organisation/invites/revoke",
    ],
)
def test_the_forms_refuse_a_missing_or_forged_token(console, respondent, db, url):
    for data in ({}, {"csrf_token": "forged"}):
        response = console.post(url, data={**data, "username": "lomakkeet", "target": "own", "confirm": "yes"})
        assert response.status_code == 400
        assert re.search(r"<h1>[^<]+</h1>", response.get_data(as_text=True))
    assert assessments_count(db) == 1
