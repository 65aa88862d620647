"""The results page summary first: after submitting, the profile, strengths and gaps, top actions, position among
peers, downloads and the invite are within the first screen of a laptop (and first on a phone); a details
section opens without JavaScript's help; an action plan is built from the recommendations; the board report
downloads as PDF and DOCX with the page's numbers and the plan."""

import io
import re
import subprocess

import docx
import pytest
from playwright.sync_api import expect

from readiness.core.questionnaire import load
from readiness.store import database
from tests.browser.conftest import assert_accessible
from tests.browser.conftest import open_section
from tests.browser.test_action_plan import ADD_BUTTON
from tests.browser.test_action_plan import ADD_LINK
from tests.browser.test_action_plan import IN_PROGRESS
from tests.browser.test_action_plan import SAVE_BUTTON
from tests.browser.test_action_plan import SAVED
from tests.conftest import release
from tests.conftest import submit_assessment

# The board PDF downloaded here is read with pdftotext: WeasyPrint renders it.
REAL_PDF_RENDERER = True
SUBMIT = {"fi": "Lähetä vastaukset", "sv": "Skicka in svaren", "en": "Submit answers"}
BOARD_PDF = {"fi": "Hallitusraportti (PDF", "sv": "Styrelserapport (PDF", "en": "Board report (PDF"}
BOARD_DOCX = {
    "fi": "Hallitusraportti muokattavaksi",
    "sv": "Styrelserapport att redigera",
    "en": "Board report to edit",
}
SUMMARY_PARTS = (
    "#summary-profile",
    "#summary-strengths",
    "#summary-gaps",
    "#summary-actions",
    "#summary-position",
    "#summary-downloads",
    ".results-summary__downloads li:last-child a",
)


@pytest.fixture(scope="module")
def peers(live_app):
    """Five verified peers in a release, so that the position among peers can be shown."""
    db = database.connect(live_app.config["DATABASE"])
    for i in range(6):
        submit_assessment(db, load(), f"summary-peer-{i}")
    release(db)
    db.conn.close()


def draft(live_app, token):
    db = database.connect(live_app.config["DATABASE"])
    submit_assessment(db, load(), token, {"profile": {"org_name": "Esimerkkilän kunta"}}, submit=False)
    db.conn.close()


def table_rows(locator):
    return [[cell.strip() for cell in row.locator("th, td").all_inner_texts()] for row in locator.all()]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_summary_first_then_details_then_board_downloads(
    live_app, browser, context, page, peers, tmp_path, lang, width, height
):
    token = f"summary-{lang}-{width}".ljust(43, "s")
    draft(live_app, token)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"/{lang}/resume#{token}")
    page.goto(f"/{lang}/check")
    assert_accessible(page)
    page.get_by_role("button", name=SUBMIT[lang]).click()
    expect(page).to_have_url(re.compile(f"/{lang}/results$"))
    page.evaluate("window.scrollTo(0, 0)")

    # The status line sits above the summary, and every part of the summary comes before the details.
    status = page.locator("#peer-status").bounding_box()
    first_section = page.locator(".results-section").first.bounding_box()
    assert status["y"] < page.locator("#summary-profile").bounding_box()["y"]
    for part in SUMMARY_PARTS:
        box = page.locator(part).first.bounding_box()
        assert box is not None, part
        assert box["y"] < first_section["y"], part
        if width == 1366:
            assert box["y"] + box["height"] <= height, f"{part} is below the first screen"
    expect(page.locator(".summary-actions li")).to_have_count(3)
    expect(page.locator(".summary-position li").first).to_be_visible()
    assert_accessible(page)

    # A details section: its heading is a heading, its content opens with the disclosure below it.
    answers = page.locator("section.results-section", has=page.locator("#answers"))
    title = page.locator("#answers").inner_text()
    expect(page.get_by_role("heading", level=2, name=title, exact=True)).to_be_visible()
    expect(answers.locator(".question-result").first).to_be_hidden()
    open_section(page, "answers")
    expect(answers.locator(".question-result").first).to_be_visible()
    assert_accessible(page)

    # An action plan from the recommendations: the first action, in progress.
    open_section(page, "recommendations")
    first = page.locator("li.action").first
    action = first.locator(".action__title").inner_text()
    first.get_by_role("link", name=re.compile(ADD_LINK[lang])).click()
    page.get_by_role("button", name=ADD_BUTTON[lang]).click()
    page.locator("select[id^=status-]").first.select_option(label=IN_PROGRESS[lang])
    page.get_by_role("button", name=SAVE_BUTTON[lang]).click()
    expect(page.get_by_role("status")).to_contain_text(SAVED[lang])
    assert_accessible(page)
    page.goto(f"/{lang}/results")

    # The board report, read back: the profile's numbers as the page's summary table gives them, and the plan.
    page_rows = table_rows(page.locator(".results-summary__profile table tbody tr"))
    assert len(page_rows) == 4
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("link", name=re.compile(re.escape(BOARD_PDF[lang]))).first.click(timeout=60_000)
    pdf_path = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf_path)
    assert re.search(r"-(hallitukselle|for-styrelsen|for-the-board)-esimerkkilan-kunta-", pdf_path.name)
    two_pages = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "2", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for dimension, score, *_ in page_rows:
        assert re.search(re.escape(dimension) + r"\s+" + re.escape(score) + r"\s", two_pages), (dimension, score)
    assert " ".join(action.split()[:3]) in " ".join(two_pages.split())

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("link", name=re.compile(re.escape(BOARD_DOCX[lang]))).first.click()
    document = docx.Document(io.BytesIO(info.value.path().read_bytes()))
    profile = document.tables[0]
    docx_rows = [[cell.text for cell in row.cells] for row in profile.rows[1:]]
    assert [row[:2] for row in docx_rows] == [row[:2] for row in page_rows]
    plan = [[cell.text for cell in row.cells] for row in document.tables[1].rows[1:]]
    assert [(row[0], row[-1]) for row in plan] == [(action, IN_PROGRESS[lang])]
