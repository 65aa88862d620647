"""The service on a phone: at 390 and 320 px no page scrolls sideways, grids read in order, charts are drawn at
once and keep their labels above the bars, and axe finds nothing, in each language."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_journey import fill_section
from tests.browser.test_journey import go_on
from tests.browser.test_journey import open_link

CONTINUE = {"fi": "Jatka", "sv": "Fortsätt", "en": "Continue"}


@pytest.fixture(params=[390, 320])
def phone(request, page):
    page.set_viewport_size({"width": request.param, "height": 844})
    return page


def assert_fits(page):
    """The page is no wider than the screen: whatever is wider scrolls inside its own region."""
    page.wait_for_load_state()  # with its stylesheet applied
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body, body *')].filter(e => e.scrollWidth > e.clientWidth + 1"
        " && getComputedStyle(e).overflowX !== 'auto')"
        ".slice(0, 5).map(e => e.outerHTML.slice(0, 120))"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px: {wide}"
    # A table wider than the screen scrolls in its region, but its caption is read whole without scrolling.
    cut = page.evaluate(
        "() => [...document.querySelectorAll('caption:not(.visually-hidden)')]"
        ".filter(c => c.getBoundingClientRect().width > c.closest('.table-wrapper').clientWidth + 1)"
        ".map(c => c.textContent.slice(0, 60))"
    )
    assert not cut, f"{page.url}: captions wider than the screen: {cut}"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_answering_and_checking_on_a_phone(phone, lang):
    phone.goto(f"/{lang}/section/profile")
    assert_fits(phone)
    assert_accessible(phone)
    fill_section(phone)
    go_on(phone, CONTINUE[lang])
    phone.get_by_role("link", name=CONTINUE[lang]).click()
    while "/check" not in phone.url:
        assert_fits(phone)
        grid_rows = phone.locator("fieldset.matrix-row")
        if grid_rows.count():
            # The scale in order, one option per line: each option stands below the one before it.
            tops = grid_rows.first.locator(".choices__item").evaluate_all(
                "items => items.map(item => item.getBoundingClientRect().top)"
            )
            assert tops == sorted(tops) and len(set(tops)) == len(tops)
            assert_accessible(phone)
        fill_section(phone)
        go_on(phone, CONTINUE[lang])
    assert_fits(phone)
    assert_accessible(phone)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_results_on_a_phone(phone, submitted, lang):
    open_link(phone, f"/{lang}/resume#{submitted}")
    expect(phone).to_have_url(re.compile(f"/{lang}/results$"))
    # Opened, the peers' section has plotly redraw the server's SVG: its labels are annotations above the bars,
    # not axis labels beside.
    phone.locator("section.results-section", has=phone.locator("#peers")).locator("summary").click()
    plot = phone.locator(".chart__plot").first
    expect(plot.locator(".main-svg").first).to_be_visible()
    expect(plot.locator("svg.chart-svg")).to_have_count(0)
    rows = phone.locator("figure.chart").first.locator("tbody tr").count()
    assert rows and plot.locator(".annotation").count() == rows
    assert_fits(phone)
    assert_accessible(phone)


def test_charts_show_without_javascript(browser, live_server, submitted):
    context = browser.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    try:
        page = context.new_page()
        page.goto("/fi/resume")
        page.get_by_label("Jatkolinkkisi").fill(f"{live_server}/fi/resume#{submitted}")
        page.get_by_role("button", name="Avaa vastaukset").click()
        expect(page.locator(".results-summary svg.chart-svg")).to_be_visible()
        assert_fits(page)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_an_error_link_shows_its_question_and_focuses_its_field_on_a_phone(phone, lang):
    phone.goto(f"/{lang}/section/profile")
    phone.get_by_role("button", name=CONTINUE[lang]).click()
    summary = phone.locator(".error-summary")
    expect(summary).to_be_focused()
    links = summary.locator("a")
    for number in (0, links.count() - 1):
        links.nth(number).click()
        # The field has the focus, and its whole question (heading, error message) is on the screen.
        focused = phone.evaluate_handle("document.activeElement")
        assert focused.evaluate("e => e.matches('input, select, textarea')")
        top, bottom = focused.evaluate(
            "e => { const r = e.closest('fieldset, .form-group').getBoundingClientRect(); return [r.top, r.bottom]; }"
        )
        error_top = focused.evaluate(
            "e => e.closest('.form-group').querySelector('.error-message').getBoundingClientRect().top"
        )
        assert -1 <= top and 0 <= error_top < phone.viewport_size["height"], (top, error_top)
        assert focused.evaluate("e => e.getBoundingClientRect().top") < phone.viewport_size["height"]
        summary.scroll_into_view_if_needed()
    assert_accessible(phone)
