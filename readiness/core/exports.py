"""An organisation's own data as files: its answers as CSV and JSON, its report as PDF, and their names.

No Flask here. Spreadsheet programs run a cell that starts like a formula, so text that does is
neutralised in the CSV (prefixed with an apostrophe, as OWASP recommends); the JSON keeps it as it is.
"""

import io
import json
import re
import unicodedata
from functools import cache

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet program that splits a line at another separator than the file's (Excel in Finnish splits at
# semicolons, elsewhere at commas or tabs) sees a new cell after each of them: one starting like a formula
# (after any spaces) is neutralised too, with an apostrophe before its first character.
FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n][ ]*)(?=[=+\-@])")
FILE_STEM = {"fi": "tekoalyvalmius", "sv": "ai-beredskap", "en": "ai-readiness"}


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


def file_name(lang, organisation, day, extension):
    """Return a download's file name: the service's name in ``lang``, the organisation's (if given), the date."""
    parts = [FILE_STEM[lang], slug(organisation or ""), day.isoformat()]
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
