"""Organisations in a real browser: an invited second respondent, the organisation view, a second round, the
peers page's release and deleting everything, in each language, with axe on every page."""

import hashlib
import re

import pytest
from playwright.sync_api import expect

from readiness.core.questionnaire import load
from readiness.store import database
from readiness.store import records
from tests.browser.conftest import assert_accessible
from tests.browser.test_journey import fill_section
from tests.browser.test_journey import go_on
from tests.browser.test_journey import open_link
from tests.browser.test_phone import assert_fits
from tests.conftest import release
from tests.conftest import submit_assessment

WORDS = {
    "fi": {
        "invite": "Luo kutsulinkki",
        "start": "Aloita vastaaminen",
        "continue": "Jatka",
        "submit": "Lähetä vastaukset",
        "differ": "Vastaukset eroavat",
        "round": "Aloita kierros 2",
        "delete": "Poista",
    },
    "sv": {
        "invite": "Skapa en inbjudningslänk",
        "start": "Börja svara",
        "continue": "Fortsätt",
        "submit": "Skicka in svaren",
        "differ": "Svaren skiljer sig åt",
        "round": "Starta omgång 2",
        "delete": "Radera",
    },
    "en": {
        "invite": "Create an invite link",
        "start": "Start answering",
        "continue": "Continue",
        "submit": "Submit answers",
        "differ": "Answers differ",
        "round": "Start round 2",
        "delete": "Delete",
    },
}
# The lead answers through storage with these differences from what fill_section clicks (the first option).
LEAD = {"profile": {"role": "hr_management"}, "own_use": {"attitude": "fairly_negative"}}


@pytest.fixture
def lead(live_app, request):
    """A lead respondent who has submitted; returns the resume token."""
    token = hashlib.sha256(request.node.name.encode()).hexdigest()[:43]
    db = database.connect(live_app.config["DATABASE"])
    submit_assessment(db, load(), token, LEAD)
    db.conn.close()
    return token


def answer_everything(page, words):
    """Answer every section from the one the page shows, then submit."""
    expect(page).to_have_url(re.compile(r"/section/"))
    while not page.url.endswith("/check"):
        fill_section(page)
        go_on(page, words["continue"])
    page.get_by_role("button", name=words["submit"]).click()
    expect(page).to_have_url(re.compile(r"/results$"))


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_an_invited_respondent_answers_and_the_organisation_view_shows_the_difference(
    browser, live_server, page, lead, lang
):
    words = WORDS[lang]
    open_link(page, f"/{lang}/resume#{lead}")
    expect(page).to_have_url(re.compile(f"/{lang}/results$"))
    page.goto(f"/{lang}/organisation")
    assert_accessible(page)
    # Without a role the link is not made: the page says what to choose.
    page.get_by_role("button", name=words["invite"]).click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert_accessible(page)
    page.locator(".error-summary a").click()
    expect(page.locator("#role")).to_be_focused()
    page.locator("label[for='role']").click()  # the first role, the lead's own is another
    page.get_by_role("button", name=words["invite"]).click()
    invite = page.locator("#invite-link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/" + lang + r"/invite#[A-Za-z0-9_-]{43}", invite)
    assert_accessible(page)

    colleague = browser.new_context(base_url=live_server)
    try:
        other = colleague.new_page()
        assert open_link(other, invite).status == 200
        assert invite.rsplit("#", 1)[1] not in other.url
        assert_accessible(other)
        expect(other.locator("h1")).to_contain_text("Vapaa vastaus: org_name")  # the organisation, named
        other.get_by_role("button", name=words["start"]).click()
        expect(other).to_have_url(re.compile(f"/{lang}/saved$"))
        assert other.locator("#resume-link").input_value() != invite
        other.get_by_role("link", name=words["continue"]).click()
        # The profile came with the link: the colleague goes on from the second section.
        expect(other).to_have_url(re.compile(f"/{lang}/section/{load().sections[1].id}$"))
        answer_everything(other, words)
        other.goto(f"/{lang}/organisation")
        expect(other.locator("tr.differ").first).to_be_visible()
        assert_accessible(other)
        # The invite worked once: opening it again says so.
        again = colleague.new_page()
        assert open_link(again, invite).status == 410
        assert_accessible(again)
    finally:
        colleague.close()

    page.reload()
    expect(page.locator("#respondents + .table-wrapper tbody tr")).to_have_count(2)
    attitude = page.locator("tr.differ", has_text=load().question("attitude").text[lang])
    expect(attitude).to_contain_text(words["differ"])
    expect(page.locator("#combined")).to_be_visible()


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_second_round_shows_the_change(page, lead, lang):
    words = WORDS[lang]
    open_link(page, f"/{lang}/resume#{lead}")
    page.goto(f"/{lang}/organisation")
    page.get_by_role("button", name=words["round"]).click()
    expect(page).to_have_url(re.compile(f"/{lang}/saved$"))
    assert_accessible(page)
    page.get_by_role("link", name=words["continue"]).click()
    # The organisation's profile came from round 1: answering starts from the second section.
    expect(page).to_have_url(re.compile(f"/{lang}/section/org_use$"))
    for _ in range(9):
        fill_section(page)
        go_on(page, words["continue"])
    page.get_by_role("button", name=words["submit"]).click()
    expect(page).to_have_url(re.compile(f"/{lang}/results$"))
    expect(page.locator("#change")).to_be_visible()
    expect(page.locator("#chart-rounds .main-svg").first).to_be_visible()
    # Attitude went from fairly negative to very positive: a rise, shown in the table with its sign.
    expect(page.locator("td", has_text=re.compile(r"^\+\d+$")).first).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_peers_page_shows_the_release(live_app, page, lang):
    db = database.connect(live_app.config["DATABASE"])
    # No wellbeing services county has answered: the release does not show the group, and the page says so.
    page.goto(f"/{lang}/peers?org_type=hyvinvointialue")
    expect(page.locator(".warning#group")).to_be_visible()
    expect(page.locator("table")).to_have_count(0)
    assert_accessible(page)
    for i in range(5):
        submit_assessment(db, load(), f"peers-page-{lang}-{i}")
    # Five more organisations and a release, as the weekly job makes: their class has changed enough.
    release(db)
    db.conn.close()
    page.goto(f"/{lang}/peers?org_type=*&size_band=*")
    expect(page.locator("#release")).to_be_visible()
    # The organisation's four dimensions, then the respondent's own use and attitude apart, under their heading.
    expect(page.locator("table tbody tr")).to_have_count(6)
    expect(page.locator("#peers-respondent-caption")).to_be_attached()
    expect(page.locator("h3#respondent")).to_be_visible()
    # At a laptop's width the nine columns fit: no table scrolls sideways.
    page.set_viewport_size({"width": 1366, "height": 768})
    for wrapper in page.locator(".table-wrapper").all():
        assert wrapper.evaluate("e => e.scrollWidth <= e.clientWidth"), wrapper.get_attribute("aria-label")
    # One list of groups: a type and its own size classes only.
    page.get_by_label(re.compile("Vertailuryhmä|Jämförelsegrupp|Peer group")).select_option("kunta:*")
    page.get_by_role("button", name=re.compile("Näytä|Visa|Show")).click()
    expect(page).to_have_url(re.compile(r"group=kunta%3A\*|group=kunta:\*"))
    assert_accessible(page)
    # A size class of another type, as an old link may carry: the type's figures with a notice, not an error.
    response = page.goto(f"/{lang}/peers?org_type=hyvinvointialue&size_band=under_5000")
    assert response.status == 200
    expect(page.locator("#size-notice")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_peers_tables_fit_a_laptop_and_scroll_in_their_region_on_a_phone(page, submitted, lang):
    """With the organisation's own two columns the tables have nine: at 1366 px every column is seen without
    scrolling sideways; at 390 px a table scrolls inside its labelled region, which the keyboard reaches."""
    page.set_viewport_size({"width": 1366, "height": 768})
    open_link(page, f"/{lang}/resume#{submitted}")
    page.goto(f"/{lang}/peers?group=*:*")
    wrappers = page.locator(".table-wrapper")
    expect(wrappers).to_have_count(2)
    expect(wrappers.first.locator("thead th")).to_have_count(9)
    for wrapper in wrappers.all():
        assert wrapper.evaluate("e => e.scrollWidth <= e.clientWidth"), wrapper.get_attribute("aria-label")
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits(page)
    assert wrappers.first.evaluate("e => e.scrollWidth > e.clientWidth")
    assert wrappers.first.get_attribute("tabindex") == "0" and wrappers.first.get_attribute("role") == "region"
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_deleting_the_organisation_removes_everything(live_app, page, lead, lang):
    words = WORDS[lang]
    db = database.connect(live_app.config["DATABASE"])
    try:
        assessment = records.find_assessment(db, database.hash_token(lead))
        open_link(page, f"/{lang}/resume#{lead}")
        page.goto(f"/{lang}/delete")
        assert_accessible(page)
        # Without the confirmation nothing happens, and the error is announced.
        page.locator("#target-own").check()
        page.get_by_role("button", name=words["delete"], exact=True).click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert_accessible(page)
        page.locator("#target-organisation").check()
        page.locator("#confirm").check()
        page.get_by_role("button", name=words["delete"], exact=True).click()
        expect(page.locator(".panel--confirmation")).to_be_visible()
        assert_accessible(page)
        for table in ("assessments", "answers", "free_texts", "saved_sections", "assessment_scores"):
            column = "id" if table == "assessments" else "assessment_id"
            assert db.execute(f"select count(*) from {table} where {column} = ?", [assessment.id]).fetchone() == (0,)
        assert open_link(page, f"/{lang}/resume#{lead}").status == 404
    finally:
        db.conn.close()
