"""Downloads in a real browser: every format in Finnish and Swedish, and the HTML report opened offline."""

import json
import re
import subprocess

import pytest
from playwright.sync_api import expect

from readiness.core.questionnaire import load
from readiness.store import database
from tests.browser.conftest import assert_accessible
from tests.conftest import release
from tests.conftest import submit_assessment

TOKEN = "d" * 43
# The PDFs downloaded here are read with pdftotext: WeasyPrint renders them (every other browser module has a stub).
REAL_PDF_RENDERER = True
SECTIONS = ("profile", "recommendations", "peers", "answers", "free-text")


@pytest.fixture(scope="module")
def submitted_assessment(live_app):
    """A submitted assessment with a name and hostile free text, and four peers beside it."""
    db = database.connect(live_app.config["DATABASE"])
    changes = {"profile": {"org_name": "Esimerkkilän kunta"}, "support": {"support_other": "<script>alert(1)</script>"}}
    submit_assessment(db, load(), TOKEN, changes)
    for i in range(4):
        submit_assessment(db, load(), f"download-peer-{i}")
    release(db)
    db.conn.close()
    return TOKEN


def download(page, link_text, tmp_path):
    # A PDF may wait for the renderings the results page started ahead (the board report's, then the report's):
    # on a busy machine that is longer than the default ten seconds.
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("link", name=re.compile(link_text)).click(timeout=60_000)
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", ("Raportti verkkosivuna", "Raportti PDF-tiedostona", "CSV", "JSON")),
        ("sv", ("Rapporten som webbsida", "Rapporten som PDF", "CSV", "JSON")),
    ],
)
def test_every_download_in_the_browser(browser, page, submitted_assessment, tmp_path, lang, words):
    page.goto(f"/{lang}/resume#{submitted_assessment}")
    expect(page).to_have_url(re.compile(f"/{lang}/results$"))
    html_path = download(page, words[0], tmp_path)
    stem = {"fi": "tekoalyvalmius", "sv": "ai-beredskap"}[lang]
    assert re.fullmatch(stem + r"-esimerkkilan-kunta-\d{4}-\d\d-\d\d\.html", html_path.name)
    pdf_path = download(page, words[1], tmp_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Esimerkkilän kunta" in text and "<script>alert(1)</script>" in text
    csv_path = download(page, words[2], tmp_path)
    assert "Esimerkkilän kunta" in csv_path.read_text(encoding="utf-8-sig")
    json_path = download(page, words[3], tmp_path)
    assert json.loads(json_path.read_text(encoding="utf-8"))["scores"]

    # The HTML report opened from disk with every network request refused: all there, drawn, accessible.
    offline = browser.new_context(offline=True)
    requests = []
    offline.on("request", lambda request: requests.append(request.url))
    try:
        report = offline.new_page()
        report.goto(html_path.as_uri())
        expect(report.locator("html")).to_have_attribute("lang", lang)
        for section in SECTIONS:
            expect(report.locator(f"#{section}")).to_be_visible()
        charts = report.locator("figure.chart")
        assert charts.count() == 2
        for chart in charts.all():
            expect(chart.locator("svg")).to_be_visible()
            expect(chart.locator("table")).to_be_attached()
        assert report.locator("script").count() == 0
        assert_accessible(report)
        assert [url for url in requests if not url.startswith("file:")] == []
    finally:
        offline.close()
