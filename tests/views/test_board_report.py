"""The board report: two A4 pages (summary, position; profile, action plan), whose appendix is the full report's own
PDF, as a tagged PDF and an editable DOCX, with the page's numbers and no internal ids outside the colophon."""

import io
import re
import subprocess
from types import SimpleNamespace

import docx
import pytest
from bs4 import BeautifulSoup

from readiness import create_app
from readiness.core import exports
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
