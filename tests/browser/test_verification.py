"""Verification in a real browser, fi/sv/en, axe on every page: the lead finds the organisation in the register
with the plain search form, claims it by email, reads the message from a real SMTP server (aiosmtpd) and follows
the link; a bounced address is shown with a way to ask again; and the operator approves a claim in the console."""

import re
import secrets
import threading
from email import message_from_bytes
from email import policy

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from readiness import create_app
from readiness.core import register
from readiness.core.questionnaire import load
from readiness.store import database
from readiness.store import operators
from readiness.store import register as stored
from tests.browser.conftest import assert_accessible
from tests.conftest import submit_assessment
from tests.system.gunicorn import free_port

PASSWORD = "jonon-selaintestin-salasana"
BOUNCING = "ei-ole@vaasa.fi"
REGISTER = (
    "id,org_type,name_fi,name_sv,size_band,region,language,email_domains\n"
    "KU905,kunta,Vaasa,Vasa,50000_99999,pohjanmaa,bilingual,vaasa.fi\n"
)
WORDS = {
    "fi": {
        "not_counted": "Organisaatiotanne ei lasketa vertailuryhmiin ennen kuin se on varmennettu",
        "verify": "Varmenna organisaationne",
        "name_field": "Organisaation nimi",
        "search": "Hae",
        "your_name": "Nimesi",
        "email": "Työsähköpostiosoitteesi",
        "by_email": "Linkki sähköpostilla",
        "by_operator": "Ylläpitäjän hyväksyntä",
        "send": "Lähetä ilmoitus",
        "sent": "Lähetimme varmennuslinkin osoitteeseen",
        "confirm": "Vahvista",
        "verified": "Organisaationne on varmennettu",
        "subject": "Varmenna organisaationne tekoälyvalmiuden arviointia varten",
        "bounced": "Sähköpostia ei voitu toimittaa",
        "start_again": "Aloita alusta",
        "waiting": "Palvelun ylläpitäjä tarkistaa ilmoituksenne",
        "population": "Asukasluku",
        "band": "200 000 tai enemmän",
        "record_band": "Rekisteriin kirjattava kokoluokka",
        "registered": "200 000 tai enemmän (rekisteri)",
    },
    "sv": {
        "not_counted": "Er organisation räknas inte med i jämförelsegrupperna förrän den har verifierats",
        "verify": "Verifiera er organisation",
        "name_field": "Organisationens namn",
        "search": "Sök",
        "your_name": "Ditt namn",
        "email": "Din e-postadress i arbetet",
        "by_email": "En länk per e-post",
        "by_operator": "Administratörens godkännande",
        "send": "Skicka anmälan",
        "sent": "Vi skickade en verifieringslänk till",
        "confirm": "Bekräfta",
        "verified": "Er organisation är verifierad",
        "subject": "Verifiera er organisation för bedömningen av AI-beredskap",
        "bounced": "E-postmeddelandet kunde inte levereras",
        "start_again": "Börja om",
        "waiting": "Tjänstens administratör kontrollerar er anmälan",
        "population": "Invånarantal",
        "band": "200 000 eller fler",
    },
    "en": {
        "not_counted": "Your organisation does not count for peers until it is verified",
        "verify": "Verify your organisation",
        "name_field": "Name of the organisation",
        "search": "Search",
        "your_name": "Your name",
        "email": "Your work email address",
        "by_email": "A link by email",
        "by_operator": "The operator's approval",
        "send": "Send the claim",
        "sent": "We sent a verification link to",
        "confirm": "Confirm",
        "verified": "Your organisation is verified",
        "subject": "Verify your organisation for the AI readiness assessment",
        "bounced": "The email could not be delivered",
        "start_again": "Start again",
        "waiting": "The operator of the service checks your claim",
        "population": "Population",
        "band": "200,000 or more",
        "record_band": "Size band to record in the register",
        "registered": "200,000 or more (register)",
    },
}


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts and refuses one address, as a mail server
    refuses an unknown user."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == BOUNCING:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def take(self, recipient):
        """Return (and forget) the last message to ``recipient``."""
        with self.lock:
            found = [m for m in self.messages if m["To"] == recipient]
            self.messages = [m for m in self.messages if m["To"] != recipient]
        assert found, f"no message to {recipient}"
        return found[-1]


@pytest.fixture(scope="module")
def mailbox():
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory, mailbox):
    """This module's app: its own database, and its mail sent over SMTP to the aiosmtpd server."""
    _, port = mailbox
    path = tmp_path_factory.mktemp("verification") / "browser.sqlite"
    app = create_app(
        {
            "DATABASE": str(path),
            "SECRET_KEY": "verification-browser-tests",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_DEFAULT_SENDER": "palvelu@example.org",
        }
    )
    db = database.connect(str(path))
    stored.load_register_entries(db, register.parse(REGISTER, load()), "test.csv")
    operators.create_operator(db, "jono", generate_password_hash(PASSWORD))
    db.conn.close()
    return app


@pytest.fixture(scope="module")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def submitted(live_app):
    """A new organisation's submitted assessment; return its resume token."""
    token = secrets.token_urlsafe(32)
    db = database.connect(live_app.config["DATABASE"])
    submit_assessment(db, load(), token, verified=False)
    db.conn.close()
    return token


def open_results(page, token, lang):
    page.goto(f"/{lang}/resume#{token}")
    expect(page).to_have_url(re.compile(f"/{lang}/results$"))


def find_and_pick(page, words, query, name):
    page.get_by_label(words["name_field"]).fill(query)
    page.get_by_role("button", name=words["search"]).click()
    expect(page).to_have_url(re.compile(r"/organisation/verification\?q="))
    assert_accessible(page)
    page.get_by_role("link", name=name, exact=True).click()
    expect(page).to_have_url(re.compile(r"/organisation/verification/claim\?entry="))
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_verification_by_an_emailed_link(page, live_app, mailbox, lang):
    box, _ = mailbox
    words = WORDS[lang]
    open_results(page, submitted(live_app), lang)
    expect(page.locator("#peer-status")).to_contain_text(words["not_counted"])
    assert_accessible(page)
    page.locator("#peer-status a").click()
    expect(page.locator("h1")).to_have_text(words["verify"])
    assert_accessible(page)

    # The bounced address first: the page says so and offers a way to ask again.
    find_and_pick(page, words, "vasa", "Vasa" if lang == "sv" else "Vaasa")
    page.get_by_label(words["your_name"]).fill("Anna Virtanen")
    page.get_by_label(words["email"]).fill(BOUNCING)
    page.get_by_label(words["by_email"]).check()
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator("main")).to_contain_text(words["bounced"])
    expect(page.locator("main")).to_contain_text("550 5.1.1 No such user here")
    assert_accessible(page)
    page.get_by_role("button", name=words["start_again"]).click()

    # Then a good address: the message arrives over SMTP and its link verifies.
    address = f"anna.{lang}@vaasa.fi"
    find_and_pick(page, words, "vaasa", "Vasa" if lang == "sv" else "Vaasa")
    page.get_by_label(words["your_name"]).fill("Anna Virtanen")
    page.get_by_label(words["email"]).fill(address)
    page.get_by_label(words["by_email"]).check()
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator("main")).to_contain_text(f"{words['sent']} {address}")
    assert_accessible(page)
    message = box.take(address)
    assert message["Subject"] == words["subject"] and message["From"] == "palvelu@example.org"
    link = re.search(r"http://127\.0\.0\.1:\d+/" + lang + r"/verify#[A-Za-z0-9_-]{43}", message.get_content()).group(0)
    page.goto(link)
    # The page's script posts the token; the confirmation names the organisation; only the button verifies.
    expect(page.get_by_role("button", name=words["confirm"])).to_be_visible()
    assert "#" not in page.url
    assert_accessible(page)
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.locator("h1")).to_have_text(words["verified"])
    assert_accessible(page)
    page.goto(f"/{lang}/results")
    expect(page.locator("#peer-status")).to_contain_text(words["verified"])
    assert_accessible(page)
    # Vaasa is now verified; the next test's claims to it go to the operator. Free it for the next language.
    db = database.connect(live_app.config["DATABASE"])
    db.execute("update claims set status = 'withdrawn' where entry_id = 'KU905'")
    db.conn.close()


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_verification_by_the_operators_approval(browser, live_server, page, live_app, lang):
    words = WORDS[lang]
    open_results(page, submitted(live_app), lang)
    page.goto(f"/{lang}/organisation/verification")
    # Helsinki: no email domain in the register and no size band, so the lead states the size.
    find_and_pick(page, words, "helsinki", "Helsinki")
    page.get_by_label(words["your_name"]).fill("Heikki Helsinki")
    page.get_by_label(words["email"]).fill(f"heikki.{lang}@hel.fi")
    page.get_by_role("button", name=words["send"]).click()
    # Nothing chosen: the errors are listed, the name stays.
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_label(words["your_name"])).to_have_value("Heikki Helsinki")
    assert_accessible(page)
    page.locator("#size_band").get_by_label(words["band"]).check()
    page.get_by_label(words["by_operator"]).check()
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator("main")).to_contain_text(words["waiting"])
    assert_accessible(page)

    operator_context = browser.new_context(base_url=live_server)
    operator_page = operator_context.new_page()
    operator_page.goto(f"/{lang}/console/verification")
    operator_page.locator("#username").fill("jono")
    operator_page.locator("#password").fill(PASSWORD)
    operator_page.locator("form button[type=submit]").click()
    expect(operator_page).to_have_url(re.compile(f"/{lang}/console/verification$"))
    claim = operator_page.locator("section.claim", has_text=f"heikki.{lang}@hel.fi")
    expect(claim).to_contain_text("Helsinki")
    expect(claim).to_contain_text(words["band"])
    assert_accessible(operator_page)
    # The register has no band for Helsinki: the lead's is chosen for the operator to check, and recorded.
    expect(claim.get_by_label(words["record_band"])).to_have_value("200000_plus")
    claim.get_by_role("button", name=re.compile("^(Hyväksy|Approve)")).click()
    expect(operator_page.locator(".panel--confirmation")).to_be_visible()
    expect(operator_page.locator("table").first).to_contain_text(words["registered"])
    assert_accessible(operator_page)
    operator_context.close()

    page.goto(f"/{lang}/results")
    expect(page.locator("#peer-status")).to_contain_text(words["verified"])
    db = database.connect(live_app.config["DATABASE"])
    db.execute("update claims set status = 'withdrawn' where entry_id = 'KU091'")
    # The band the operator recorded goes too, so that the next language's operator checks one again.
    db.execute("delete from register_entries where id = 'KU091'")
    db.conn.close()
