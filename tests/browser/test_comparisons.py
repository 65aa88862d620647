"""The results' comparison charts in a browser: at 1366 and 390 px, in each language, the charts fit the
screen with legible horizontal ticks, the figures read as published, the table opens without a script, and
axe finds nothing."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.conftest import open_section
from tests.browser.test_journey import open_link

# KT's "about one in three" of own use, and its lower bound "over 40 %", as each language says them.
ABOUT_A_THIRD = {"fi": "noin joka kolmas", "sv": "ungefär var tredje", "en": "about one in three"}
MORE_THAN_40 = {"fi": "yli 40\u00a0%", "sv": "över 40\u00a0%", "en": "more than 40%"}
TABLE = {"fi": "Samat luvut taulukkona", "sv": "Samma siffror som tabell", "en": "The same figures as a table"}


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_comparison_charts_read_on_a_desktop_and_a_phone(page, submitted, lang, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_link(page, f"/{lang}/resume#{submitted}")
    expect(page).to_have_url(re.compile(f"/{lang}/results$"))
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    open_section(page, "answers")
    chart = page.locator("#result-own_use").locator("xpath=..").locator("figure.compare svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    expect(chart.locator("text", has_text=ABOUT_A_THIRD[lang])).to_have_count(1)
    expect(chart.locator("text", has_text=MORE_THAN_40[lang])).to_have_count(1)
    # Ticks stay horizontal and at least 9 px high on the screen.
    ticks = chart.locator("text.tick")
    expect(ticks).to_have_count(5)
    for index in range(5):
        tick = ticks.nth(index).bounding_box()
        assert tick["height"] >= 9 and tick["width"] > tick["height"]
    # The table beside the chart opens without a script.
    section = page.locator("#result-own_use").locator("xpath=..")
    section.get_by_text(TABLE[lang]).click()
    expect(section.locator("table")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_accessible(page)
