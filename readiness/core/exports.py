"""An organisation's own data as files: its answers as CSV and JSON, its report as PDF, and their names.

No Flask here. Spreadsheet programs run a cell that starts like a formula, so text that does is
neutralised in the CSV (prefixed with an apostrophe, as OWASP recommends); the JSON keeps it as it is.
"""

import io
import json
import re
import unicodedata
from datetime import UTC
from functools import cache

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet program that splits a line at another separator than the file's (Excel in Finnish splits at
# semicolons, elsewhere at commas or tabs) sees a new cell after each of them: one starting like a formula
# (after any spaces) is neutralised too, with an apostrophe before its first character.
FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n][ ]*)(?=[=+\-@])")
FILE_STEM = {"fi": "tekoalyvalmius", "sv": "ai-beredskap", "en": "ai-readiness"}
# What a download holds, where its name should say more than its type: the board report.
BOARD_REPORT = {"fi": "hallitukselle", "sv": "for-styrelsen", "en": "for-the-board"}


def answer_rows(questionnaire, answers, lang):
    """Return one row per stored answer (per chosen option, per free text), with its texts in ``lang``."""
    rows = []
    for number, section in enumerate(questionnaire.sections, start=1):
        for question in section.questions:
            if question.free_text:
                text = answers.texts.get(question.id, "")
                if text:
                    rows.append(_row(number, section, question, question.id, None, None, text, lang))
                continue
            for key in question.answer_keys():
                for option_id in answers.choices.get(key, []):
                    option = question.option(option_id)
                    label = option.label[lang] if option else option_id
                    rows.append(_row(number, section, question, key, question.row(key), option_id, label, lang))
    return rows


def _row(number, section, question, key, row, option_id, answer, lang):
    return {
        "section": number,
        "section_title": section.title[lang],
        "question_id": question.id,
        "question": question.text[lang],
        "answer_key": key,
        "row": row.label[lang] if row else "",
        "option_id": option_id or "",
        "answer": answer,
    }


def neutralise(value):
    """Return a cell value that no spreadsheet will run as a formula, at its start or after any separator."""
    if not isinstance(value, str):
        return value
    if value.lstrip(" ").startswith(FORMULA_START):
        value = "'" + value
    return FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)


def answers_csv(rows):
    """Return the answer rows as UTF-8 CSV (with a byte-order mark, so that Excel reads the letters right)."""
    frame = pd.DataFrame(rows, columns=list(rows[0]) if rows else None)
    frame = frame.map(neutralise)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def answers_json(assessment, questionnaire, rows, scores, model_version):
    """Return the assessment, its answer rows and its scores (computed with the readiness model
    ``model_version``) as UTF-8 JSON."""
    document = {
        "questionnaire_version": questionnaire.version,
        "model_version": model_version,
        "submitted_at": assessment.submitted_at,
        "answers": rows,
        "scores": scores,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def slug(text, limit=60):
    """Return text as a file-name part: ASCII letters, digits and dashes ("Ähtäri" -> "ahtari")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def file_name(lang, organisation, day, extension, what=None):
    """Return a download's file name: the service's name in ``lang``, what it holds (``what``: {lang: part}, if
    given), the organisation's name (if given), the date."""
    parts = [FILE_STEM[lang], what[lang] if what else "", slug(organisation or ""), day.isoformat()]
    return "-".join(part for part in parts if part) + "." + extension


@cache
def _font_configuration():
    # WeasyPrint is imported on first use: it loads Pango, which only the PDF download needs. Its font
    # configuration is kept: building it again costs a tenth of each PDF.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def pdf_from_html(html, base_url=None):
    """Render a self-contained HTML page as a tagged PDF (its language and title from the page)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf(pdf_tags=True, font_config=_font_configuration())


def docx_from_blocks(title, blocks, colophon, lang, author, made_at):
    """Return an editable Word document (DOCX): a title, then ``blocks`` in order, then a small colophon.

    Its properties say what Word's "Info" pane shows: the title, ``author`` (the service that made it, as its
    last editor too), the language and ``made_at`` (an aware datetime) as when it was created and last modified.

    Each block is ("heading", text), ("subheading", text), ("paragraph", text), ("bullets", [texts]),
    ("numbered", [texts]) or ("table", [column headings], [[cells]]). Built from Word's own styles (Title,
    Heading 1 and 2, List Bullet, List Number, Table Grid), so that headings, lists and table headers are
    what a screen reader and Word's navigation pane expect; the table's heading row repeats on every page.
    """
    from docx import Document  # imported on first use: only this download needs it
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    properties = document.core_properties
    # The library's blank template says it made the document, in 2013: every property it sets is replaced.
    properties.title = title
    properties.author = author
    properties.last_modified_by = author
    properties.comments = ""
    properties.language = lang
    properties.created = properties.modified = made_at.astimezone(UTC)
    properties.revision = 1
    # The document's language for spelling and screen readers: Word reads it from the default run style.
    defaults = document.styles["Normal"].element.get_or_add_rPr()
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}[lang])
    defaults.append(language)
    document.add_heading(title, level=0)
    for block in blocks:
        kind = block[0]
        if kind == "heading":
            document.add_heading(block[1], level=1)
        elif kind == "subheading":
            document.add_heading(block[1], level=2)
        elif kind == "paragraph":
            document.add_paragraph(block[1])
        elif kind in ("bullets", "numbered"):
            style = "List Bullet" if kind == "bullets" else "List Number"
            for item in block[1]:
                document.add_paragraph(item, style=style)
        elif kind == "table":
            columns, rows = block[1], block[2]
            table = document.add_table(rows=1, cols=len(columns))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, columns, strict=True):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
            header = OxmlElement("w:tblHeader")
            header.set(qn("w:val"), "true")
            table.rows[0]._tr.get_or_add_trPr().append(header)
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
        else:
            raise ValueError(f"unknown block {kind!r}")
    note = document.add_paragraph(colophon)
    for run in note.runs:
        run.font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
