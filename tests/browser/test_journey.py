"""Whole journeys in a real browser, in each language, with axe on every page."""

import re

import pytest
from playwright.sync_api import expect

from readiness.core.questionnaire import load
from readiness.store import database
from tests.browser.conftest import assert_accessible
from tests.conftest import release
from tests.conftest import submit_assessment

WORDS = {
    "fi": {"start": "Aloita nyt", "continue": "Jatka", "submit": "Lähetä vastaukset", "error": "Virhe: "},
    "sv": {"start": "Börja nu", "continue": "Fortsätt", "submit": "Skicka in svaren", "error": "Fel: "},
    "en": {"start": "Start now", "continue": "Continue", "submit": "Submit answers", "error": "Error: "},
}
SECTIONS = 10


def fill_section(page):
    """Answer every question on the page as a person would: click the labels, type the text."""
    radio_names = page.eval_on_selector_all("input[type=radio]", "els => [...new Set(els.map(e => e.name))]")
    for name in radio_names:
        page.locator(f"label[for='{name}']").click()
    checkbox_names = page.eval_on_selector_all("input[type=checkbox]", "els => [...new Set(els.map(e => e.name))]")
    for name in checkbox_names:
        page.locator(f"label[for='{name}']").click()
        page.locator(f"label[for='{name}-2']").click()
    for field in page.locator("textarea, input[type=text]:not([readonly])").all():
        field.fill("Vastaus <b>vapaasti</b>")


def open_link(page, link):
    """Open a resume or invite link as a person does (its token after #): the page's script posts the token.
    Return the response to that POST, once the page it leads to has loaded."""
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.goto(link)
    page.wait_for_load_state()
    return posted.value


def go_on(page, name):
    """Send the page's form with the button ``name`` and wait until the browser has left the page: the next
    fill_section must read the next page, not the one being left (on a busy machine the click returns first)."""
    url = page.url
    page.get_by_role("button", name=name).click()
    expect(page).not_to_have_url(url)


@pytest.fixture(scope="module")
def peers_in_database(live_app):
    """Five small municipalities that have already submitted: the journeys below get a peer group."""
    db = database.connect(live_app.config["DATABASE"])
    for i in range(5):
        submit_assessment(db, load(), f"browser-peer-{i}")
    release(db)
    db.conn.close()


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_whole_journey(page, lang, peers_in_database):
    words = WORDS[lang]
    page.goto(f"/{lang}/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(page)
    page.get_by_role("link", name=words["start"]).click()

    # Sending the first page empty shows the error summary, focused, and "Error:" in the title.
    page.get_by_role("button", name=words["continue"]).click()
    # The form posts to its own URL, so wait for the title rather than read it while the answer may still be on its way.
    expect(page).to_have_title(re.compile("^" + re.escape(words["error"])))
    expect(page.locator(".error-summary")).to_be_focused()
    assert_accessible(page)
    page.locator(".error-summary a").first.click()
    expect(page.locator("#org_type")).to_be_focused()

    fill_section(page)
    page.get_by_role("button", name=words["continue"]).click()
    expect(page).to_have_url(re.compile(f"/{lang}/saved$"))
    assert_accessible(page)
    resume_link = page.locator("#resume-link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/" + lang + r"/resume#[A-Za-z0-9_-]{43}", resume_link)
    page.get_by_role("link", name=words["continue"]).click()

    for number in range(2, SECTIONS + 1):
        expect(page.locator(".caption")).to_contain_text(str(number))
        assert_accessible(page)
        fill_section(page)
        go_on(page, words["continue"])

    expect(page).to_have_url(re.compile(f"/{lang}/check$"))
    assert_accessible(page)
    expect(page.locator("#missing-sections")).to_have_count(0)
    expect(page.get_by_text("Vastaus <b>vapaasti</b>").first).to_be_visible()
    page.get_by_role("button", name=words["submit"]).click()

    expect(page).to_have_url(re.compile(f"/{lang}/results$"))
    # The summary's profile is the server's SVG with its table; the peers' chart, in its section, is drawn by
    # plotly from its embedded JSON when the section is opened, and followed by its table.
    profile = page.locator(".results-summary figure.chart")
    expect(profile.locator("svg.chart-svg")).to_be_visible()
    expect(profile.locator("table tbody tr").first).to_be_visible()
    expect(page.locator("figure.chart")).to_have_count(2)
    page.locator("section.results-section", has=page.locator("#peers")).locator("summary").click()
    peers_chart = page.locator("#peers ~ details figure.chart")
    expect(peers_chart.locator(".chart__plot svg.main-svg").first).to_be_visible()
    expect(peers_chart.locator("table tbody tr").first).to_be_visible()
    expect(page.locator(".dimension")).to_have_count(6)
    page.locator("section.results-section", has=page.locator("#free-text")).locator("summary").click()
    expect(page.get_by_text("Vastaus <b>vapaasti</b>").first).to_be_visible()
    assert_accessible(page)
    page.locator("section.results-section", has=page.locator("#profile")).locator("summary").click()
    page.locator(f"a[href='/{lang}/scores']").click()
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page)


def test_resume_from_the_link_in_a_fresh_browser(browser, live_server, page):
    page.goto("/fi/section/profile")
    fill_section(page)
    go_on(page, "Jatka")
    resume_link = page.locator("#resume-link").input_value()
    page.get_by_role("link", name="Jatka").click()
    expect(page).to_have_url(re.compile("/fi/section/org_use$"))
    fill_section(page)
    go_on(page, "Jatka")
    chosen = page.goto("/fi/section/org_use") and page.locator("input[type=radio]:checked").count()
    assert chosen == 10

    other = browser.new_context(base_url=live_server)
    try:
        other_page = other.new_page()
        assert open_link(other_page, resume_link).status == 302
        expect(other_page).to_have_url(re.compile("/fi/section/own_use$"))
        # The token is neither in the address bar nor anywhere in this tab's history.
        token = resume_link.rsplit("#", 1)[1]
        assert token not in other_page.url
        # Back leads past the link's page (the form it sent replaced it), never to an address with the token.
        other_page.go_back()
        assert token not in other_page.url and "/section/own_use" not in other_page.url
        other_page.go_forward()
        expect(other_page).to_have_url(re.compile("/fi/section/own_use$"))
        other_page.get_by_role("link", name="Takaisin").click()
        expect(other_page.locator("input[type=radio]:checked")).to_have_count(10)
        assert_accessible(other_page)
    finally:
        other.close()


def test_keyboard_only(page):
    page.goto("/fi/section/own_use")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    # Tab to the first radio group, pick with the arrow keys, on to the next group, and send with Enter.
    for _ in range(15):
        if page.evaluate("document.activeElement && document.activeElement.id") == "own_use":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#own_use")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#own_use-2")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("#attitude")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator("#attitude")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/fi/saved$"))


def test_answering_needs_no_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/sv/section/profile")
        fill_section(page)
        page.get_by_role("button", name="Fortsätt").click()
        expect(page).to_have_url(re.compile("/sv/saved$"))
        resume_link = page.locator("#resume-link").input_value()
        assert re.search(r"/sv/resume#[A-Za-z0-9_-]{43}$", resume_link)
        # Without JavaScript the link's page asks for the link, pasted whole, and then continues.
        fresh = browser.new_context(base_url=live_server, java_script_enabled=False)
        try:
            other = fresh.new_page()
            other.goto(resume_link)
            expect(other.locator("h1")).to_have_text("Öppna dina sparade svar")
            other.get_by_label("Din fortsättningslänk").fill(resume_link)
            other.get_by_role("button", name="Öppna svaren").click()
            expect(other).to_have_url(re.compile("/sv/section/org_use$"))
        finally:
            fresh.close()
    finally:
        context.close()


def test_language_switch_keeps_the_page_and_the_answers(page):
    page.goto("/fi/section/profile")
    fill_section(page)
    page.get_by_role("button", name="Jatka").click()
    expect(page).to_have_url(re.compile("/fi/saved$"))
    page.goto("/fi/section/profile")
    page.get_by_role("link", name="På svenska").click()
    expect(page).to_have_url(re.compile("/sv/section/profile$"))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("#org_type")).to_be_checked()
    expect(page.locator("#org_name")).to_have_value("Vastaus <b>vapaasti</b>")


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize(
    "path", ["accessibility", "privacy", "no-such-page", "resume", "resume/" + "x" * 43, "invite", "invite/" + "x" * 43]
)
def test_other_pages_are_accessible(page, lang, path):
    page.goto(f"/{lang}/{path}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(page)


def test_opening_someone_elses_link_asks_before_switching(browser, live_app, live_server, page):
    """Login CSRF: a link to another assessment never takes over the browser's own silently. In Finnish."""
    other_token = "s" * 43
    db = database.connect(live_app.config["DATABASE"])
    submit_assessment(db, load(), other_token)
    db.conn.close()
    page.goto("/fi/section/profile")
    fill_section(page)
    go_on(page, "Jatka")
    own_link = page.locator("#resume-link").input_value()

    assert open_link(page, f"/fi/resume#{other_token}").status == 200
    expect(page.locator("h1")).to_have_text("Tässä selaimessa on avoinna arviointi")
    assert other_token not in page.url
    assert_accessible(page)
    page.get_by_role("button", name="Pidä nykyinen arviointi").click()
    expect(page).to_have_url(re.compile("/fi/section/org_use$"))

    open_link(page, f"/fi/resume#{other_token}")
    page.get_by_role("button", name="Vaihda linkin arviointiin").click()
    expect(page).to_have_url(re.compile("/fi/results$"))

    # Its own link brings the first assessment back, again only after asking.
    open_link(page, own_link)
    expect(page.locator("h1")).to_have_text("Tässä selaimessa on avoinna arviointi")
    page.get_by_role("button", name="Vaihda linkin arviointiin").click()
    expect(page).to_have_url(re.compile("/fi/section/org_use$"))
