"""The pages of issue 13 in a real browser: the provenance line under every question, context apart from KT's
figures, the legal notes, the model's version, the privacy notice and the accessibility statement; Finnish on a
phone (390 px), Swedish on a laptop (1366 px); axe on every page, a screenshot of each under /tmp."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_journey import SECTIONS
from tests.browser.test_journey import WORDS
from tests.browser.test_journey import fill_section
from tests.browser.test_journey import go_on

SCREENS = {"fi": {"width": 390, "height": 844}, "sv": {"width": 1366, "height": 900}}


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_question_says_where_it_comes_from_and_results_keep_kt_apart(browser, live_server, lang):
    context = browser.new_context(base_url=live_server, viewport=SCREENS[lang])
    context.set_default_timeout(15_000)
    page = context.new_page()
    words = WORDS[lang]
    page.goto(f"/{lang}/")
    assert_accessible(page)
    page.screenshot(path=f"/tmp/issue13-{lang}-start.png", full_page=True)
    page.get_by_role("link", name=words["start"]).click()
    for number in range(1, SECTIONS + 1):
        expect(page.locator(".caption")).to_contain_text(str(number))
        # Every question on the page has its provenance line, right under its heading.
        page.wait_for_load_state()
        headings = page.locator(".fieldset__heading").count()
        assert page.locator(".origin-note").count() == headings, page.url
        assert_accessible(page)
        if number in (1, 3, 5, 9):
            page.screenshot(path=f"/tmp/issue13-{lang}-section-{number}.png", full_page=True)
        fill_section(page)
        go_on(page, words["continue"])
        if number == 1:
            page.get_by_role("link", name=words["continue"]).click()
    expect(page).to_have_url(re.compile(f"/{lang}/check$"))
    page.get_by_role("button", name=words["submit"]).click()
    expect(page).to_have_url(re.compile(f"/{lang}/results$"))
    page.wait_for_load_state()
    assert page.locator(".context-figures").count() >= 2
    # Context is never inside a table of KT's figures.
    assert page.locator("table .context-figures").count() == 0
    assert page.locator(".question-group").count() == 2
    assert_accessible(page)
    page.screenshot(path=f"/tmp/issue13-{lang}-results.png", full_page=True)
    for path in ("scores", "privacy", "accessibility"):
        page.goto(f"/{lang}/{path}")
        assert_accessible(page)
        page.screenshot(path=f"/tmp/issue13-{lang}-{path}.png", full_page=True)
    context.close()
