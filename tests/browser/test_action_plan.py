"""Building an action plan in a real browser, in each language, on a laptop and on a phone: from a
recommendation's "Add to action plan" link to a saved plan, without a page that fails axe or scrolls sideways."""

import hashlib
import re

import pytest
from playwright.sync_api import expect

from readiness.core.questionnaire import load
from readiness.store import database
from tests.browser.conftest import assert_accessible
from tests.browser.conftest import open_section
from tests.browser.test_journey import open_link
from tests.browser.test_phone import assert_fits
from tests.conftest import submit_assessment

ADD_LINK = {"fi": "Lisää toimenpidesuunnitelmaan", "sv": "Lägg till i åtgärdsplanen", "en": "Add to action plan"}
ADD_BUTTON = {"fi": "Lisää suunnitelmaan", "sv": "Lägg till i planen", "en": "Add to the plan"}
SAVE_BUTTON = {"fi": "Tallenna suunnitelma", "sv": "Spara planen", "en": "Save the plan"}
SAVED = {"fi": "Suunnitelma on tallennettu.", "sv": "Planen har sparats.", "en": "The plan has been saved."}
IN_PROGRESS = {"fi": "käynnissä", "sv": "pågår", "en": "in progress"}


@pytest.fixture
def submitted(live_app, request):
    """The resume token of an organisation that has submitted, with no AI guidelines."""
    token = hashlib.sha256(request.node.name.encode()).hexdigest()[:43]
    questionnaire = load()
    section = next(s for s in questionnaire.sections if any(q.id == "guidelines" for q in s.questions))
    db = database.connect(live_app.config["DATABASE"])
    submit_assessment(db, questionnaire, token, {section.id: {"guidelines": "no"}})
    db.conn.close()
    return token


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_plan_is_built_from_the_recommendations(page, submitted, lang, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_link(page, f"/{lang}/resume#{submitted}")
    expect(page).to_have_url(re.compile(f"/{lang}/results$"))
    assert_accessible(page)
    open_section(page, "recommendations")
    first = page.locator("li.action").first
    title = first.locator(".action__title").inner_text()
    first.get_by_role("link", name=re.compile(ADD_LINK[lang])).click()
    expect(page).to_have_url(re.compile(f"/{lang}/plan\\?add="))
    # The action chosen on the results page is ticked; adding it takes one button, no script needed.
    expect(page.get_by_role("checkbox", name=title)).to_be_checked()
    assert_fits(page)
    assert_accessible(page)
    page.get_by_role("button", name=ADD_BUTTON[lang]).click()
    expect(page.locator(".plan-item h3")).to_have_text([title])
    page.locator("select[id^=status-]").first.select_option(label=IN_PROGRESS[lang])
    page.get_by_role("button", name=SAVE_BUTTON[lang]).click()
    expect(page.get_by_role("status")).to_contain_text(SAVED[lang])
    expect(page.locator("select[id^=status-] option[selected]").first).to_have_text(IN_PROGRESS[lang])
    assert_fits(page)
    assert_accessible(page)
    # The results page lists the plan.
    page.goto(f"/{lang}/results")
    open_section(page, "recommendations")
    plan = page.locator("#action-plan + .table-wrapper")
    expect(plan).to_contain_text(title)
    expect(plan).to_contain_text(IN_PROGRESS[lang])
    assert_accessible(page)
