"""Downloads: the report as HTML and PDF, the answers as CSV and JSON; hostile free text in every format."""

import io
import json
import subprocess
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from readiness import create_app
from readiness.core import exports
from readiness.core.questionnaire import load
from readiness.store import assessments
from readiness.web import helpers
from tests.conftest import csrf_token
from tests.conftest import post_form
from tests.conftest import valid_answers

HOSTILE = {
    "org_name": '=HYPERLINK("http://evil.example","Åbo")',
    "support_other": "<script>alert('x')</script> <img src=x onerror=alert(1)>",
    "competence_needs": "+SUM(1,2)",
    "education_other": "@cmd|' /C calc'!A0",
    "future": "-2+3 " + "pitkä " * 300,
}
DOWNLOADS = ("report.html", "report.pdf", "answers.csv", "answers.json")


def submit_hostile(client, questionnaire, answers):
    for section in questionnaire.sections:
        data = dict(answers[section.id])
        data.update({k: v for k, v in HOSTILE.items() if k in data})
        assert post_form(client, f"/fi/section/{section.id}", data).status_code == 302
    client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
    return client


@pytest.fixture
def hostile(client, questionnaire, answers):
    """A submitted assessment whose free texts are hostile."""
    return submit_hostile(client, questionnaire, answers)


@pytest.fixture(scope="module")
def hostile_once(tmp_path_factory):
    """The same, in an app of this module's own: its PDFs are rendered once and checked by several tests."""
    folder = tmp_path_factory.mktemp("downloads")
    app = create_app(
        {"TESTING": True, "DATABASE": str(folder / "test.sqlite"), "SECRET_KEY": "test", "PDF_RENDER_AHEAD": False}
    )
    return submit_hostile(app.test_client(), load(), valid_answers(load()))


@pytest.fixture(scope="module")
def finnish_pdf(hostile_once):
    """The Finnish report as the download gives it, rendered by WeasyPrint (once for the module)."""
    response = hostile_once.get("/fi/download/report.pdf")
    assert response.status_code == 200
    return response.data


@pytest.mark.parametrize("name", DOWNLOADS)
def test_downloads_need_a_submitted_assessment(app, answered, name):
    response = app.test_client().get(f"/sv/download/{name}")
    assert response.status_code == 404
    assert BeautifulSoup(response.data, "html.parser").html["lang"] == "sv"
    response = answered.get(f"/fi/download/{name}")
    assert response.status_code == 409
    assert "lähetetty" in BeautifulSoup(response.data, "html.parser").h1.get_text()


# 00.30 on 2 December in Helsinki (UTC+2 in winter), still 1 December in UTC.
JUST_AFTER_MIDNIGHT = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize(("name", "extension"), [(n, n.rsplit(".", 1)[1]) for n in DOWNLOADS])
def test_file_names_carry_the_organisation_and_the_date(hostile, stub_pdf, name, extension, monkeypatch):
    monkeypatch.setattr(helpers, "now", lambda: JUST_AFTER_MIDNIGHT)
    response = hostile.get(f"/fi/download/{name}")
    assert response.status_code == 200
    if extension == "pdf":
        assert response.data == stub_pdf  # the name is checked here, the PDF itself below
    disposition = response.headers["Content-Disposition"]
    expected = f"tekoalyvalmius-hyperlink-http-evil-example-abo-2026-12-02.{extension}"
    assert disposition == f"attachment; filename={expected}"


def test_a_download_just_after_midnight_is_named_for_the_day_its_document_says(
    client, questionnaire, answers, stub_pdf, monkeypatch
):
    # Submitted and downloaded at 00.30 Finnish time: the documents say 2.12.2026, and so must every file name,
    # though the UTC date is still the 1st.
    monkeypatch.setattr(assessments, "timestamp", lambda: JUST_AFTER_MIDNIGHT.isoformat(timespec="seconds"))
    monkeypatch.setattr(helpers, "now", lambda: JUST_AFTER_MIDNIGHT)
    submit_hostile(client, questionnaire, answers)
    html = client.get("/fi/download/report.html").get_data(as_text=True)
    assert "Lähetetty 2.12.2026" in BeautifulSoup(html, "html.parser").select_one(".report-header__meta").get_text()
    for name in (*DOWNLOADS, "board-report.pdf", "board-report.docx"):
        disposition = client.get(f"/fi/download/{name}").headers["Content-Disposition"]
        assert disposition.endswith("-2026-12-02." + name.rsplit(".", 1)[1]), disposition


def test_the_html_report_is_self_contained(hostile):
    response = hostile.get("/sv/download/report.html")
    html = response.get_data(as_text=True)
    assert len(response.data) < 1_000_000
    page = BeautifulSoup(html, "html.parser")
    assert page.html["lang"] == "sv"
    # Nothing is fetched: no scripts, stylesheets, images, frames or fonts, and no CSS url() but SVG's own patterns.
    assert not page.find_all(["script", "link", "img", "iframe", "object", "embed"])
    css = page.style.string
    assert "@import" not in css and "url(" not in css
    for element in page.find_all(src=True):
        pytest.fail(f"fetches {element}")
    for section in ("profile", "recommendations", "peers", "answers", "free-text"):
        assert page.find(id=section), section
    for chart in page.select("figure.chart"):
        assert chart.find("svg") and chart.find("table")


def test_hostile_free_text_is_plain_text_in_the_html_report(hostile):
    html = hostile.get("/fi/download/report.html").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    page = BeautifulSoup(html, "html.parser")
    assert HOSTILE["org_name"] in page.h1.get_text()


def test_the_csv_reads_back_with_every_answer_and_no_live_formula(hostile, questionnaire, answers):
    frame = pd.read_csv(io.BytesIO(hostile.get("/fi/download/answers.csv").data), encoding="utf-8-sig", dtype=str)
    texts = dict(zip(frame.question_id, frame.answer, strict=False))
    assert texts["org_name"] == "'" + HOSTILE["org_name"]
    assert texts["competence_needs"] == "'+SUM(1,2)"
    assert texts["education_other"] == "'@cmd|' /C calc'!A0"
    assert texts["future"].startswith("'-2+3")
    assert texts["support_other"] == HOSTILE["support_other"]
    for column in frame.columns:
        assert not frame[column].dropna().str.match(r"^[=+\-@\t\r]").any(), column
    chosen = set(zip(frame.answer_key, frame.option_id, strict=False))
    assert ("own_use", "regularly") in chosen and ("org_use.ict", "not_at_all") in chosen
    stored = sum(1 for section in questionnaire.sections for q in section.questions if q.type != "text")
    assert len(frame) > stored


def test_the_json_keeps_the_answers_as_they_are(hostile):
    document = json.loads(hostile.get("/en/download/answers.json").data)
    texts = {row["question_id"]: row["answer"] for row in document["answers"] if not row["option_id"]}
    assert texts["org_name"] == HOSTILE["org_name"]
    assert texts["support_other"] == HOSTILE["support_other"]
    # "regularly" is 100 points, cut to own use's ceiling, 89, by the model the file names.
    assert document["scores"]["own_use"] == 89 and document["model_version"] == "readiness-model.3"


def pdf_text(data, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_info(data, tmp_path):
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def test_the_pdf_is_tagged_readable_and_carries_the_text(finnish_pdf, tmp_path):
    data = finnish_pdf
    assert data.startswith(b"%PDF")
    info = pdf_info(data, tmp_path)
    assert "Tagged:          yes" in info
    assert "Tekoälyvalmius" in info  # the title
    text = " ".join(pdf_text(data, tmp_path).split())
    for words in ("Valmiusprofiili", "Suositellut koulutusalueet", "Vertailuryhmäsi", "<script>alert('x')</script>"):
        assert words in text, words


def test_a_failing_pdf_renderer_leaves_a_message_and_the_html(hostile, monkeypatch):
    def broken(html, base_url=None):
        raise OSError("no pango")

    monkeypatch.setattr(exports, "pdf_from_html", broken)
    response = hostile.get("/sv/download/report.pdf")
    assert response.status_code == 503
    page = BeautifulSoup(response.data, "html.parser")
    assert page.html["lang"] == "sv"
    assert page.find("a", href="/sv/download/report.html")
    assert hostile.get("/sv/download/report.html").status_code == 200


def test_the_pdf_declares_the_reports_language(answered):
    """The PDF takes its language from the report page; checked uncompressed, where the catalog is readable.
    (An ordinary report: the hostile one's 300-word answer alone costs WeasyPrint some ten seconds.)"""
    from weasyprint import HTML

    answered.post("/sv/submit", data={"csrf_token": csrf_token(answered, "/sv/check")})
    html = answered.get("/sv/download/report.html").get_data(as_text=True)
    assert '<html lang="sv"' in html
    data = HTML(string=html).write_pdf(pdf_tags=True, uncompressed_pdf=True)
    assert b"/Lang (sv)" in data
    assert b"/StructTreeRoot" in data


def test_the_pdf_is_rendered_ahead_when_the_results_are_shown(hostile, app, monkeypatch):
    rendered = []
    monkeypatch.setattr(exports, "pdf_from_html", lambda html, base_url=None: rendered.append(html) or b"%PDF-1.7")
    app.config["PDF_RENDER_AHEAD"] = True
    # Another address (as behind a proxy): the report names the one the user reached, whoever renders it.
    assert hostile.get("/sv/results", base_url="http://localhost:8123").status_code == 200
    deadline = time.monotonic() + 10
    while len(list(Path(app.config["REPORTS_FOLDER"]).glob("*.pdf"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    # The board report and the full report, each once.
    assert len(rendered) == 2 and 'class="board"' in rendered[0]
    board, full = rendered
    assert '<html lang="sv"' in full and '<html lang="sv"' in board
    assert "http://localhost:8123/sv/" in full
    # The download is the file rendered ahead: the same report, not rendered again.
    site = "http://localhost:8123"
    assert hostile.get("/sv/download/report.pdf", base_url=site).data == b"%PDF-1.7"
    assert full == hostile.get("/sv/download/report.html", base_url=site).get_data(as_text=True)
    assert hostile.get("/sv/download/board-report.pdf", base_url=site).data == b"%PDF-1.7"
    assert len(rendered) == 2
