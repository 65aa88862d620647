"""Verification through the pages: the register search, the claim, the emailed link (hashed, single use,
expiring, throttled), the operator's queue, two claims to one entry, and what unverified organisations are
told, in Finnish, Swedish and English."""

import io
import re
import smtplib

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.security import generate_password_hash

from readiness import create_app
from readiness.core import register
from readiness.core.questionnaire import load
from readiness.store import database
from readiness.store import operators
from readiness.store import register as stored
from readiness.web.verification import mail
from tests.conftest import csrf_token
from tests.conftest import post_form
from tests.views.test_organisations import answer_all

LINK = re.compile(r"(http://localhost/(fi|sv|en)/verify)#([A-Za-z0-9_-]{43})")
PASSWORD = "operaattorin-salasana"
REGISTER = (
    "id,org_type,name_fi,name_sv,size_band,region,language,email_domains\n"
    "KU905,kunta,Vaasa,Vasa,50000_99999,pohjanmaa,bilingual,vaasa.fi\n"
)
NOT_COUNTED = {
    "fi": "Organisaatiotanne ei lasketa vertailuryhmiin ennen kuin se on varmennettu",
    "sv": "Er organisation räknas inte med i jämförelsegrupperna förrän den har verifierats",
    "en": "Your organisation does not count for peers until it is verified",
}
COUNTED = {
    "fi": "Organisaationne on varmennettu",
    "sv": "Er organisation är verifierad",
    "en": "Your organisation is verified",
}


@pytest.fixture
def app(tmp_path):
    """The app with a mail sender set (Flask-Mail records messages instead of sending them while testing) and
    Vaasa's email domain in the register."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "test.sqlite"),
            "SECRET_KEY": "test",
            "PDF_RENDER_AHEAD": False,
            "MAIL_DEFAULT_SENDER": "palvelu@example.org",
        }
    )
    db = database.connect(app.config["DATABASE"])
    stored.load_register_entries(db, register.parse(REGISTER, load()), "test.csv")
    operators.create_operator(db, "operaattori", generate_password_hash(PASSWORD))
    db.conn.close()
    return app


@pytest.fixture
def lead(client, questionnaire, answers):
    return answer_all(client, questionnaire, answers)


def text(response):
    return " ".join(BeautifulSoup(response.data, "html.parser").get_text().split())


def claim(client, entry="KU905", lang="en", **fields):
    data = {"contact_name": "Anna Virtanen", "contact_email": "anna.virtanen@vaasa.fi", "method": "email", **fields}
    return post_form(client, f"/{lang}/organisation/verification/claim?entry={entry}", data)


def claim_by_email(client, lang="en", **fields):
    """Claim Vaasa by email and return the token of the link the message carries."""
    with mail.record_messages() as outbox:
        response = claim(client, lang=lang, **fields)
        assert response.status_code == 302, text(response)
    (message,) = outbox
    assert message.recipients == [fields.get("contact_email", "anna.virtanen@vaasa.fi")]
    return LINK.search(message.body).group(3)


def open_link(client, token, lang="en", **fields):
    return client.post(
        f"/{lang}/verify", data={"link": token, "csrf_token": csrf_token(client, f"/{lang}/verify"), **fields}
    )


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_an_unverified_organisation_is_told_it_does_not_count_and_keeps_everything_else(lead, lang):
    results = lead.get(f"/{lang}/results")
    assert results.status_code == 200
    assert NOT_COUNTED[lang] in text(results)
    # Results, 2024 figures and downloads stay.
    assert lead.get(f"/{lang}/download/report.html").status_code == 200
    assert NOT_COUNTED[lang] in text(lead.get(f"/{lang}/organisation"))


def test_the_register_is_searched_by_finnish_or_swedish_name_without_javascript(lead):
    page = text(lead.get("/en/organisation/verification?q=vasa"))
    assert "Vaasa (Vasa) – Municipality" in page
    page = BeautifulSoup(lead.get("/sv/organisation/verification?q=helsingfors").data, "html.parser")
    names = [a.get_text() for a in page.select(".register-results a")]
    assert names == ["Helsingfors stad", "Helsingfors"]
    assert "KU091" in page.select(".register-results a")[1]["href"]
    assert "No organisation in the register has that name" in text(lead.get("/en/organisation/verification?q=zzz"))


def test_the_emailed_link_verifies_once(lead, db):
    token = claim_by_email(lead)
    status = text(lead.get("/en/organisation/verification"))
    assert "We sent a verification link to anna.virtanen@vaasa.fi" in status
    # Only the token's hash is stored.
    assert db.execute("select count(*) from claims where token_hash = ?", [token]).fetchone()[0] == 0
    assert NOT_COUNTED["en"] in text(lead.get("/en/results"))
    # Opening the link shows the organisation and a button; only the button verifies (link previews don't).
    page = open_link(lead, token)
    assert page.status_code == 200 and "Anna Virtanen claimed that the assessment they lead is Vaasa's" in text(page)
    assert stored.verified_organisations(db) == {}
    done = open_link(lead, token, choice="confirm")
    assert done.status_code == 200 and "Vaasa counts for peers" in text(done)
    (organisation_id,) = stored.verified_organisations(db)
    assert register.group_key(stored.verified_organisations(db)[organisation_id]) == ("kunta", "50000_99999")
    for lang in ("fi", "sv", "en"):
        assert COUNTED[lang] in text(lead.get(f"/{lang}/results"))
    again = open_link(lead, token, choice="confirm")
    assert again.status_code == 404 and "This verification link does not work" in text(again)


def test_the_email_must_be_at_the_registers_domain_and_the_answers_stay(lead):
    response = claim(lead, contact_email="anna@gmail.com")
    assert response.status_code == 400
    page = BeautifulSoup(response.data, "html.parser")
    assert page.title.get_text().startswith("Error:")
    assert (
        "Use an address at vaasa.fi, or choose the operator's approval." in page.select_one(".error-summary").get_text()
    )
    assert page.select_one("#contact_name")["value"] == "Anna Virtanen"
    finnish = claim(lead, lang="fi", contact_email="ei-osoite")
    assert "Anna sähköpostiosoite muodossa nimi@kunta.fi." in text(finnish)


def test_without_a_domain_only_the_operators_approval_is_offered(lead, db):
    form = BeautifulSoup(lead.get("/en/organisation/verification/claim?entry=KU091").data, "html.parser")
    page = " ".join(form.get_text().split())
    assert "Verification by email is not available for this organisation" in page
    # The one way there is comes chosen; a municipality's size decides its peer group, a county's does not.
    assert form.select_one("#method-operator").has_attr("checked")
    assert "it decides your peer group" in form.select_one("#size_band-hint").get_text()
    county = BeautifulSoup(lead.get("/en/organisation/verification/claim?entry=HV90").data, "html.parser")
    assert county.select_one("#method-operator").has_attr("checked")
    assert "compared as one group, whatever their size" in county.select_one("#size_band-hint").get_text()
    refused = claim(lead, entry="KU091", contact_email="anna@hel.fi", size_band="200000_plus")
    assert refused.status_code == 400
    # The register has no size band for Helsinki: the lead states it, and must.
    missing = claim(lead, entry="KU091", contact_email="anna@hel.fi", method="operator")
    assert missing.status_code == 400 and "Choose your organisation's size." in text(missing)
    sent = claim(lead, entry="KU091", contact_email="anna@hel.fi", method="operator", size_band="200000_plus")
    assert sent.status_code == 302
    assert "The operator of the service checks your claim" in text(lead.get("/en/organisation/verification"))
    assert stored.pending_claims(db)[0]["stated_size_band"] == "200000_plus"


def test_without_a_size_band_in_the_register_no_email_link_verifies(lead, db, questionnaire):
    """Espoo with its email domain but no size band: an emailed link would verify a band nobody checked, so
    only the operator's approval is offered, and a posted email claim is refused."""
    espoo = "KU049,kunta,Espoo,Esbo,,uusimaa,bilingual,espoo.fi\n"
    stored.load_register_entries(db, register.parse(REGISTER.splitlines()[0] + "\n" + espoo, questionnaire), "e.csv")
    page = BeautifulSoup(lead.get("/en/organisation/verification/claim?entry=KU049").data, "html.parser")
    assert page.select_one("#method-email") is None
    assert "no email domain or no size band" in page.select_one("#method-hint").get_text()
    with mail.record_messages() as outbox:
        refused = claim(lead, entry="KU049", contact_email="anna@espoo.fi", size_band="200000_plus")
    assert refused.status_code == 400 and outbox == []
    assert db.execute("select count(*) from claims").fetchone()[0] == 0


def test_the_operator_records_the_size_band_it_checked(app, lead, db):
    """Helsinki has no size band in the register and its lead states the wrong one: the operator approves only
    with a band, and the band chosen, not the lead's, is the register's from then on."""
    claim(lead, entry="KU091", contact_email="anna@hel.fi", method="operator", size_band="100000_199999")
    operator = app.test_client()
    url = "/fi/console/sign-in"
    operator.post(url, data={"csrf_token": csrf_token(operator, url), "username": "operaattori", "password": PASSWORD})
    # The name the respondents gave, to compare with the entry claimed, as text (a hostile one stays text).
    db.execute("update free_texts set text = '<b>Helsingin</b> kaupunki' where question_id = 'org_name'")
    queue = BeautifulSoup(operator.get("/en/console/verification").data, "html.parser")
    assert "named by its respondents: <b>Helsingin</b> kaupunki" in queue.select_one("section.claim").get_text()
    assert queue.select_one("section.claim b") is None
    waiting = stored.pending_claims(db)[0]
    select = queue.select_one(f"#size-band-{waiting['id']}")
    assert select.find("option", selected=True)["value"] == "100000_199999"
    assert queue.find("label", attrs={"for": select["id"]}).get_text() == "Size band to record in the register"
    approve = {"claim": str(waiting["id"]), "decision": "approve"}
    for band in ("", "under_50", "<script>"):
        data = {**approve, "size_band": band, "csrf_token": csrf_token(operator, "/en/console/verification")}
        refused = operator.post("/en/console/verification", data=data)
        assert refused.status_code == 400
        page = BeautifulSoup(refused.data, "html.parser")
        assert "Choose the size band you checked" in page.select_one(".error-summary").get_text()
        assert page.select_one(".error-summary a")["href"] == f"#size-band-{waiting['id']}"
        assert stored.pending_claims(db)[0]["status"] == "pending"
        assert not stored.register_in_force(db)["KU091"].size_band
    data = {**approve, "size_band": "200000_plus", "csrf_token": csrf_token(operator, "/en/console/verification")}
    assert operator.post("/en/console/verification", data=data).status_code == 302
    assert stored.register_in_force(db)["KU091"].size_band == "200000_plus"
    assert [entry.size_band for entry in stored.verified_organisations(db).values()] == ["200000_plus"]
    verified = text(operator.get("/en/console/verification"))
    assert "Helsinki (KU091)" in verified and "200,000 or more (register)" in verified


def test_an_expired_link_says_so_and_a_new_one_can_be_asked(lead, db):
    token = claim_by_email(lead)
    db.execute(
        "update claims set token_expires_at = '2000-01-01T00:00:00+00:00', email_sent_at = '2000-01-01T00:00:00+00:00'"
    )
    expired = open_link(lead, token)
    assert expired.status_code == 410 and "This verification link has expired" in text(expired)
    assert "/en/organisation/verification" in expired.get_data(as_text=True)
    with mail.record_messages() as outbox:
        response = lead.post(
            "/en/organisation/verification/resend",
            data={"csrf_token": csrf_token(lead, "/en/organisation/verification")},
        )
    assert response.status_code == 302
    new_token = LINK.search(outbox[0].body).group(3)
    # Another email at once is refused: the lead waits (and no mail goes out).
    with mail.record_messages() as outbox:
        again = lead.post(
            "/en/organisation/verification/resend",
            data={"csrf_token": csrf_token(lead, "/en/organisation/verification")},
        )
    assert again.status_code == 429 and outbox == []
    assert "Wait two minutes before asking for another link" in text(again)
    assert open_link(lead, token).status_code == 404
    assert open_link(lead, new_token, choice="confirm").status_code == 200


def test_a_bounced_email_is_shown_with_a_way_to_ask_again(lead, monkeypatch):
    def refuse(message):
        raise smtplib.SMTPRecipientsRefused({"anna.virtanen@vaasa.fi": (550, b"5.1.1 No such user")})

    monkeypatch.setattr(mail, "send", refuse)
    assert claim(lead).status_code == 302
    page = text(lead.get("/en/organisation/verification"))
    assert "The email could not be delivered" in page and "550 5.1.1 No such user" in page
    assert "Send a new link" in page and "Start again" in page
    withdrawn = lead.post(
        "/en/organisation/verification/withdraw", data={"csrf_token": csrf_token(lead, "/en/organisation/verification")}
    )
    assert withdrawn.status_code == 302
    assert "Find your organisation in the register" in text(lead.get("/en/organisation/verification"))


def test_guessed_links_are_throttled(client):
    for _ in range(20):
        assert open_link(client, "A" * 43).status_code == 404
    refused = open_link(client, "A" * 43)
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_only_the_lead_claims(app, lead, questionnaire, answers):
    from tests.views.test_organisations import join
    from tests.views.test_organisations import new_invite

    second = join(app, new_invite(lead))
    assert second.get("/en/organisation/verification/claim?entry=KU905").status_code == 403
    assert "Find your organisation" not in text(second.get("/en/organisation/verification"))


def test_two_claims_to_one_organisation_go_to_the_operator(app, lead, questionnaire, answers, db):
    token = claim_by_email(lead)
    rival = answer_all(app.test_client(), questionnaire, answers)
    with mail.record_messages() as outbox:
        assert claim(rival, contact_name="Bertil", contact_email="bertil@vaasa.fi").status_code == 302
    assert outbox == []
    for browser in (lead, rival):
        assert "Another organisation has also claimed Vaasa" in text(browser.get("/en/organisation/verification"))
    # The first link no longer verifies on its own.
    assert open_link(lead, token).status_code == 404
    operator = app.test_client()
    url = "/fi/console/sign-in"
    operator.post(url, data={"csrf_token": csrf_token(operator, url), "username": "operaattori", "password": PASSWORD})
    queue = operator.get("/en/console/verification")
    assert queue.status_code == 200
    page = text(queue)
    assert "Anna Virtanen, anna.virtanen@vaasa.fi" in page and "Bertil, bertil@vaasa.fi" in page
    assert "also claims this entry" in page
    waiting = stored.pending_claims(db)
    bertil = next(c for c in waiting if c["contact_name"] == "Bertil")
    # Without the CSRF token nothing is decided.
    approve = {"claim": str(bertil["id"]), "decision": "approve"}
    assert operator.post("/en/console/verification", data=approve).status_code == 400
    token = csrf_token(operator, "/en/console/verification")
    for bad in ({"claim": "x", "decision": "approve"}, {"claim": "1", "decision": "maybe"}):
        assert operator.post("/en/console/verification", data={**bad, "csrf_token": token}).status_code == 400
    decided = operator.post(
        "/en/console/verification", data={**approve, "csrf_token": csrf_token(operator, "/en/console/verification")}
    )
    assert decided.status_code == 302
    assert list(stored.verified_organisations(db)) == [bertil["organisation_id"]]
    assert COUNTED["en"] in text(rival.get("/en/results"))
    assert f"Organisation No. {bertil['organisation_id']} is verified as this entry" in text(
        operator.get("/en/console/verification")
    )
    twice = operator.post(
        "/en/console/verification",
        data={
            "claim": str(bertil["id"]),
            "decision": "reject",
            "csrf_token": csrf_token(operator, "/en/console/verification"),
        },
    )
    assert twice.status_code == 409


def test_the_register_command_loads_a_file_or_lists_every_problem(app, runner, tmp_path, db):
    good = tmp_path / "register.csv"
    good.write_text(REGISTER.replace("vaasa.fi", "vaasa.fi vasa.fi"), encoding="utf-8")
    result = runner.invoke(args=["register", "load", str(good)])
    assert result.exit_code == 0 and "Loaded 1 register entries" in result.output
    assert stored.register_in_force(db)["KU905"].email_domains == ("vaasa.fi", "vasa.fi")
    bad = tmp_path / "bad.csv"
    bad.write_text(REGISTER.replace("KU905", "KU9") + "0201256-6,yritys,,Bolag,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["register", "load", str(bad)])
    assert result.exit_code != 0
    assert "row 2, column id" in result.output and "row 3, column name_fi: missing" in result.output
    assert stored.register_loads(db)[0]["loaded_from"] == "register.csv"
    shown = runner.invoke(args=["register", "show"]).output
    assert "KU905\tkunta\tVaasa\tVasa\t50000_99999\tvaasa.fi vasa.fi" in shown


HOSTILE = st.one_of(
    st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "=1+1", "a@vaasa.fi", "a@b@vaasa.fi", "🙂" * 300]),
    st.text(max_size=300),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=HOSTILE,
    email=HOSTILE,
    method=st.one_of(HOSTILE, st.sampled_from(["email", "operator"])),
    band=st.one_of(HOSTILE, st.sampled_from(["50000_99999", "200000_plus", "under_50"])),
    entry=st.one_of(HOSTILE, st.sampled_from(["KU905", "KU091", "HV90"])),
    link=HOSTILE,
)
def test_random_values_in_the_claim_and_link_forms_never_break_them(lead, db, name, email, method, band, entry, link):
    before = db.execute("select count(*) from claims").fetchone()[0]
    token = csrf_token(lead, "/en/verify")
    data = {"contact_name": name, "contact_email": email, "method": method, "size_band": band, "csrf_token": token}
    with mail.record_messages():
        response = lead.post("/en/organisation/verification/claim", query_string={"entry": entry}, data=data)
    assert response.status_code in (302, 400), response.status_code
    after = db.execute("select count(*) from claims").fetchone()[0]
    if response.status_code == 400:
        assert after == before
    # Start from no claim each time, whatever happened.
    db.execute("delete from claims")
    posted = lead.post("/en/verify", data={"link": link, "csrf_token": csrf_token(lead, "/en/verify")})
    assert posted.status_code in (400, 404, 429), posted.status_code


def test_the_console_loads_register_entries_or_lists_every_problem(app, db):
    operator = app.test_client()
    url = "/fi/console/sign-in"
    operator.post(url, data={"csrf_token": csrf_token(operator, url), "username": "operaattori", "password": PASSWORD})
    token = csrf_token(operator, "/en/console/verification")
    bad = REGISTER.replace("KU905", "KU9") + "0201256-6,yritys,,Bolag,,,,\n"
    refused = operator.post(
        "/en/console/verification/register",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    problems = BeautifulSoup(refused.data, "html.parser").select_one("#file-error").get_text()
    assert "row 2, column id" in problems and "row 3, column name_fi: missing" in problems
    assert stored.register_in_force(db)["KU905"].email_domains == ("vaasa.fi",)
    good = REGISTER.replace("vaasa.fi", "vaasa.fi vasa.fi")
    loaded = operator.post(
        "/en/console/verification/register",
        data={"csrf_token": token, "file": (io.BytesIO(good.encode()), "vaasa.csv")},
        content_type="multipart/form-data",
    )
    assert loaded.status_code == 302
    assert "1 register entry loaded." in text(operator.get(loaded.headers["Location"]))
    assert stored.register_in_force(db)["KU905"].email_domains == ("vaasa.fi", "vasa.fi")
    assert stored.register_loads(db)[0]["loaded_from"] == "vaasa.csv (operaattori)"
