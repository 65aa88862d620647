"""The board report: two A4 pages (summary, position; profile, action plan), whose appendix is the full report's own
PDF, as a tagged PDF and an editable DOCX, with the page's numbers and no internal ids outside the colophon."""

import io
import re
import subprocess
import zipfile
from datetime import UTC
from datetime import datetime
from types import SimpleNamespace

import docx
import pytest
from bs4 import BeautifulSoup

from readiness import create_app
from readiness.core import exports
from readiness.core import recommendations
from readiness.core import scoring
from readiness.core.questionnaire import load
from readiness.web import report
from tests.conftest import csrf_token
from tests.conftest import post_form
from tests.conftest import valid_answers

INTERNAL_IDS = re.compile(r"kt2024\.\d|readiness-model\.\d|recommendations\.\d")


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """A submitted assessment in an app of this module's own; its board PDF rendered once (WeasyPrint)."""
    folder = tmp_path_factory.mktemp("board")
    app = create_app(
        {"TESTING": True, "DATABASE": str(folder / "t.sqlite"), "SECRET_KEY": "t", "PDF_RENDER_AHEAD": False}
    )
    client = app.test_client()
    questionnaire = load()
    answers = valid_answers(questionnaire)
    for section in questionnaire.sections:
        assert post_form(client, f"/fi/section/{section.id}", answers[section.id]).status_code == 302
    client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
    response = client.get("/fi/download/board-report.pdf")
    assert response.status_code == 200
    path = folder / "board.pdf"
    path.write_bytes(response.data)
    return SimpleNamespace(app=app, client=client, pdf=path, disposition=response.headers["Content-Disposition"])


def pages_text(path):
    pages = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout)[1]
    )
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"], capture_output=True, text=True
        ).stdout
        for n in range(1, pages + 1)
    ]


def summary_rows(client):
    page = BeautifulSoup(client.get("/fi/results").data, "html.parser")
    table = page.select_one(".results-summary__profile table")
    return [[c.get_text(strip=True) for c in row.find_all(["th", "td"])] for row in table.tbody.find_all("tr")]


def test_two_pages_for_the_board_naming_their_appendix_and_no_page_without_content(board):
    pages = pages_text(board.pdf)
    assert len(pages) == 2
    assert "Yhteenveto" in pages[0] and "Sijainti vertailuryhmässä" in pages[0]
    assert "Valmiusprofiili" in pages[1] and "Toimenpidesuunnitelma" in pages[1]
    assert "Liite: koko raportti" in pages[1]
    # No blank or nearly blank page (the old report's last page held one footer line): each has several lines
    # besides its page number.
    for number, text in enumerate(pages, start=1):
        lines = [line for line in text.splitlines() if line.strip() and not re.fullmatch(r"\s*\d+ / \d+\s*", line)]
        assert len(lines) >= 4, f"page {number} holds almost nothing: {lines}"


def test_the_pdf_is_tagged_and_named_for_what_it_holds(board):
    info = subprocess.run(["pdfinfo", str(board.pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Tagged:\s+yes", info)
    assert re.search(r"filename=tekoalyvalmius-hallitukselle-[a-z0-9-]+-\d{4}-\d\d-\d\d\.pdf", board.disposition)


def test_internal_ids_only_in_the_colophon(board):
    pages = pages_text(board.pdf)
    body = "\n".join(pages[:2]).replace("\n", " ")
    colophon = body[body.index("Versiot:") :]
    assert INTERNAL_IDS.findall(body) == INTERNAL_IDS.findall(colophon) != []
    assert not INTERNAL_IDS.search("\n".join(pages[2:]))


def test_the_profile_has_the_pages_numbers_in_pdf_and_docx(board):
    rows = summary_rows(board.client)
    assert len(rows) == 4
    two_pages = "\n".join(pages_text(board.pdf)[:2])
    for dimension, score, *_ in rows:
        assert re.search(re.escape(dimension) + r"\s+" + re.escape(score) + r"\s", two_pages)
    response = board.client.get("/fi/download/board-report.docx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = docx.Document(io.BytesIO(response.data))
    profile = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    # No peer group here: no median column, as none is drawn.
    assert profile[0] == ["Ulottuvuus", "Pisteet", "Taso"]
    assert "Vertailuryhmän mediaani" not in "\n".join(pages_text(board.pdf)[:2])
    assert [row[:2] for row in profile[1:]] == [row[:2] for row in rows]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Vahvuudet" in text and "Tärkeimmät toimenpiteet" in text
    assert not INTERNAL_IDS.search(text[: text.index("Versiot:")])


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_an_action_plan_is_rendered_as_an_editable_table_and_an_empty_one_says_where_it_is_made(board, lang):
    plan = [
        SimpleNamespace(
            title="Tekoälyn perusteet kaikille",
            owner="HR-johtaja",
            target_group="Koko henkilöstö",
            quarter="Q2 2027",
            status="Aloitettu",
        ),
    ]
    empty = docx.Document(io.BytesIO(board.client.get(f"/{lang}/download/board-report.docx").data))
    said = " ".join(p.text for p in empty.paragraphs)
    assert {"fi": "toimenpidesuunnitelmasivulla", "sv": "sida för åtgärdsplanen", "en": "action plan page"}[
        lang
    ] in said
    original = report.context
    rendered = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "context", lambda db, a, lang: {**original(db, a, lang), "action_plan": plan})
        patch.setattr(exports, "pdf_from_html", lambda html, base_url=None: rendered.append(html) or b"%PDF-1.7")
        board.app.extensions["rendered_results"][0].clear()
        document = docx.Document(io.BytesIO(board.client.get(f"/{lang}/download/board-report.docx").data))
        assert board.client.get(f"/{lang}/download/board-report.pdf").data == b"%PDF-1.7"
    board.app.extensions["rendered_results"][0].clear()
    plan_table = [[cell.text for cell in row.cells] for row in document.tables[1].rows]
    assert plan_table[1:] == [["Tekoälyn perusteet kaikille", "HR-johtaja", "Koko henkilöstö", "Q2 2027", "Aloitettu"]]
    plan_html = BeautifulSoup(rendered[0], "html.parser").find(id="board-plan").find_next("table")
    cells = [c.get_text(strip=True) for c in plan_html.tbody.find("tr").find_all(["th", "td"])]
    assert cells == ["Tekoälyn perusteet kaikille", "HR-johtaja", "Koko henkilöstö", "Q2 2027", "Aloitettu"]
    # The owner is a role, never a person: the column says so in the plan page's words, in both documents.
    owner = OWNER_COLUMN[lang]
    assert plan_table[0][1] == owner
    assert [c.get_text(strip=True) for c in plan_html.thead.find_all("th")][1] == owner
    assert [cell.text for cell in empty.tables[1].rows[0].cells][1] == owner
    # The plan's table keeps its name for assistive technology, hidden below the heading that says it.
    assert plan_html.caption.get_text(strip=True) == PLAN_HEADING[lang]
    assert "visually-hidden" in plan_html.caption["class"]


# The plan page's label of the owner field (templates/plan/plan.html), as its catalogues translate it.
OWNER_COLUMN = {"fi": "Vastuutaho (rooli)", "sv": "Ansvarig (en roll)", "en": "Owner (a role)"}


def word_boxes(path):
    """Return every word of the PDF with its page and box (points), as poppler's ``pdftotext -bbox`` finds it."""
    markup = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    words = []
    for number, page in enumerate(BeautifulSoup(markup, "html.parser").find_all("page"), start=1):
        for word in page.find_all("word"):
            box = tuple(float(word[edge]) for edge in ("xmin", "ymin", "xmax", "ymax"))
            words.append((number, word.get_text(), box))
    return words


def overlapping(words, tolerance=0.5):
    """Return the pairs of words on one page whose boxes cover each other by more than ``tolerance`` points each way."""
    pages = {}
    for page, text, box in words:
        pages.setdefault(page, []).append((text, box))
    pairs = []
    for page, on_page in pages.items():
        for i, (text, (x0, y0, x1, y1)) in enumerate(on_page):
            for other, (u0, v0, u1, v1) in on_page[i + 1 :]:
                if min(x1, u1) - max(x0, u0) > tolerance and min(y1, v1) - max(y0, v0) > tolerance:
                    pairs.append((page, text, other))
    return pairs


def download_with_plan(board, lang, make_plan, *names):
    """Download ``names`` with the results context's action plan replaced by ``make_plan(lang)`` (made within
    the request, for its language); return the plan and the downloads' bodies."""
    original = report.context
    made = {}

    def with_plan(db, assessment, lang):
        made["plan"] = make_plan(lang)
        return {**original(db, assessment, lang), "action_plan": made["plan"]}

    bodies = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "context", with_plan)
        for name in names:
            board.app.extensions["rendered_results"][0].clear()
            bodies.append(board.client.get(f"/{lang}/download/{name}").data)
    board.app.extensions["rendered_results"][0].clear()
    return made["plan"], bodies


def longest_plan(lang):
    """An action plan with every role of the recommendations as an owner, beside the longest action titles, every
    target group, quarter and status: the widest texts each column of the plan table can hold, as the page says
    them (called within a request, for its language)."""
    questionnaire = load()
    catalogue = recommendations.load(questionnaire, scoring.load(questionnaire))
    titles = sorted((a.title[lang] for area in catalogue.areas for a in area.actions), key=len, reverse=True)
    targets = ["all_staff", "professional_groups", "hr", "management"]
    statuses = ["planned", "in_progress", "done", "dropped"]
    return [
        report.PlanRow(
            title=titles[i],
            owner=role[lang],
            target_group=report.target_label(targets[i % 4]),
            quarter=report.quarter_label(f"2027Q{i % 4 + 1}"),
            status=report.status_label(statuses[i % 4]),
        )
        for i, role in enumerate(catalogue.roles.values())
    ]


# The full report (some 20 pages) where the longest words are: Finnish and Swedish.
@pytest.mark.parametrize(
    ("download", "lang"),
    [
        ("board-report.pdf", "fi"),
        ("board-report.pdf", "sv"),
        ("board-report.pdf", "en"),
        ("report.pdf", "fi"),
        ("report.pdf", "sv"),
    ],
)
def test_no_word_of_the_pdfs_overlaps_another_with_the_longest_plan(board, lang, download, tmp_path):
    # The board report's plan table once printed "koulutussuunnittelija" over "koko henkilöstö", and its headings
    # over each other; the full report's plan table has the same columns.
    plan, (body,) = download_with_plan(board, lang, longest_plan, download)
    path = tmp_path / download
    path.write_bytes(body)
    words = word_boxes(path)
    text = " ".join(" ".join(page.split()) for page in pages_text(path))
    # The board's pages hold the plan's first rows and say how many more the full report lists.
    hidden = re.search(MORE_ACTIONS[lang], text)
    plan = plan[: len(plan) - int(hidden[1])] if hidden else plan
    owners = {row.owner for row in plan}
    # Every role shown is printed whole: each of its words is a word of the PDF (none cut at the column's edge).
    printed = {text for _, text, _ in words}
    assert {word for owner in owners for word in owner.split()} <= printed
    assert overlapping(words) == []
    if download == "board-report.pdf":
        # Each heading once: the tables under the profile's chart and the plan's heading are named by captions that
        # only the tagged structure reads (a caption that repeated the words above it printed them twice in a row).
        lines = [line.strip() for page in pages_text(path) for line in page.splitlines() if line.strip()]
        plan, profile = PLAN_HEADING[lang], PROFILE_CHART[lang]
        assert lines.count(plan) == 1 and lines.count(profile) == 1, lines
        assert all(first != second for first, second in zip(lines, lines[1:], strict=False))


PLAN_HEADING = {"fi": "Toimenpidesuunnitelma", "sv": "Åtgärdsplan", "en": "Action plan"}
PROFILE_CHART = {"fi": "Valmiusprofiili, 0–100", "sv": "Beredskapsprofil, 0–100", "en": "Readiness profile, 0–100"}


@pytest.mark.parametrize(
    ("lang", "service"),
    [("fi", "Tekoälyvalmiuden arviointi"), ("sv", "Bedömning av AI-beredskap"), ("en", "AI readiness assessment")],
)
def test_the_docx_says_the_service_made_it_never_the_library(board, lang, service):
    before = datetime.now(UTC).replace(microsecond=0)
    board.app.extensions["rendered_results"][0].clear()
    response = board.client.get(f"/{lang}/download/board-report.docx")
    properties = docx.Document(io.BytesIO(response.data)).core_properties
    # The service's name as its pages' header says it, in the document's language.
    assert properties.author == properties.last_modified_by == service
    assert properties.language == lang
    assert properties.title == docx.Document(io.BytesIO(response.data)).paragraphs[0].text
    assert before <= properties.created == properties.modified <= datetime.now(UTC)
    assert b"python-docx" not in zipfile.ZipFile(io.BytesIO(response.data)).read("docProps/core.xml")


MORE_ACTIONS = {"fi": r"…ja (\d+) muuta", "sv": r"…och (\d+) åtgärder till", "en": r"…and (\d+) more actions"}


def every_action_planned(lang):
    """A plan holding every action of the recommendations, longest titles first, as the plan page says them."""
    questionnaire = load()
    catalogue = recommendations.load(questionnaire, scoring.load(questionnaire))
    titles = sorted((a.title[lang] for area in catalogue.areas for a in area.actions), key=len, reverse=True)
    roles = list(catalogue.roles.values())
    return [
        report.PlanRow(
            title=title,
            owner=roles[i % len(roles)][lang],
            target_group=report.target_label("professional_groups"),
            quarter=report.quarter_label("2027Q1"),
            status=report.status_label("in_progress"),
        )
        for i, title in enumerate(titles)
    ]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_board_report_stays_two_pages_with_every_action_planned(board, lang, tmp_path):
    """All 19 actions planned: the board's two pages list the first ones and say how many more the full report
    lists; the DOCX, which the board edits, keeps every one."""
    plan, (pdf, docx_file) = download_with_plan(
        board, lang, every_action_planned, "board-report.pdf", "board-report.docx"
    )
    document = docx.Document(io.BytesIO(docx_file))
    path = tmp_path / "board.pdf"
    path.write_bytes(pdf)
    pages = pages_text(path)
    assert len(pages) == 2
    text = " ".join(" ".join(page.split()) for page in pages)
    hidden = int(re.search(MORE_ACTIONS[lang], text)[1])
    assert 0 < hidden < len(plan)
    # The first rows of the plan are the ones on the page (their first words, which no column wraps).
    assert all(row.title.split()[0] in text for row in plan[: len(plan) - hidden])
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {row.title for row in plan} <= cells
