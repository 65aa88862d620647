"""The operator's datasets as files: the columns of the answers dataset (one row per assessment), the codebook
that explains them, and CSV and Excel writers that take the rows in chunks (``store.datasets`` reads them), so
memory stays flat however many assessments there are. Text that a spreadsheet would run as a formula is
neutralised.

Rows are plain lists in the order of ``Layout.columns``: the store fills them by column index, which keeps an
export of 100,000 assessments within seconds.
"""

import csv
import io
from dataclasses import dataclass
from dataclasses import field

import pandas as pd
import xlsxwriter

from .exports import neutralise
from .questionnaire import PROFILE_QUESTIONS

# The organisation's name is a column of its own, only in the export that asks for names.
NAME = PROFILE_QUESTIONS["name"]
BOM = "\ufeff"
# Columns about the assessment itself, before the answers.
META = ("assessment", "organisation", "round", "submitted_at", "group_org_type", "group_size_band", "counted_for_peers")
# A single-choice column's option label, in the export's language, stands in a column of this suffix beside it.
LABEL = "_label"
# The two CSV dialects: the standard one (comma, decimal point) and the one Excel opens directly where
# Finnish (and most European) regional settings are in use (semicolon, decimal comma). Both start with a
# byte-order mark and quote every text cell, so that neither program splits a cell at a comma or a semicolon.
DIALECTS = {"standard": (",", "."), "excel-fi": (";", ",")}


class DecimalComma(float):
    """A number the CSV writer writes with a decimal comma (and leaves unquoted, as a number)."""

    def __repr__(self):
        return float.__repr__(self).replace(".", ",")

    __str__ = __repr__


@dataclass
class Layout:
    """The columns of an answers dataset and where each stored answer goes: built once per export."""

    columns: list = field(default_factory=list)
    # (answer key, option id) -> ((column index, value), ...) to set; a single choice sets its code and label.
    answers: dict = field(default_factory=dict)
    # answer key -> the column indexes of a multiple-choice question, set to 0 once it is answered.
    unchosen: dict = field(default_factory=dict)
    # answer key -> column index of a single choice (an option the questionnaire no longer has keeps its id).
    single: dict = field(default_factory=dict)
    free_texts: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)  # meta column index -> {code: label} for the group columns
    name: int | None = None

    def index(self, column):
        return self.columns.index(column)


def layout(questionnaire, model, with_names, lang):
    """Return the dataset's Layout: meta columns, the name (if asked for), every answer column in
    questionnaire order (single choice: the option id and its label in ``lang``; multiple choice: one 0/1
    column per option; free text), and the six scores."""
    found = Layout()
    columns = found.columns
    columns += META[:5] + ("group_org_type" + LABEL,) + META[5:6] + ("group_size_band" + LABEL,) + META[6:]
    found.labels = {
        columns.index("group_org_type" + LABEL): _labels([questionnaire.profile_question("org_type")], lang),
        columns.index("group_size_band" + LABEL): _labels(
            [questionnaire.profile_question("population"), questionnaire.profile_question("staff")], lang
        ),
    }
    if with_names:
        found.name = len(columns)
        columns.append("organisation_name")
    for question in questionnaire.questions():
        if question.id == NAME:
            continue
        if question.free_text:
            found.free_texts[question.id] = len(columns)
            columns.append(question.id)
        elif question.handler.several:
            indexes = []
            for option in question.options:
                indexes.append(len(columns))
                found.answers[(question.id, option.id)] = ((len(columns), 1),)
                columns.append(f"{question.id}.{option.id}")
            found.unchosen[question.id] = tuple(indexes)
        else:
            for key in question.answer_keys():
                code, label = len(columns), len(columns) + 1
                columns += [key, key + LABEL]
                found.single[key] = code
                for option in question.options:
                    found.answers[(key, option.id)] = ((code, option.id), (label, neutralise(option.label[lang])))
    for dimension in model.dimensions:
        found.scores[dimension.id] = len(columns)
        columns.append(f"score.{dimension.id}")
    return found


def _labels(questions, lang):
    return {option.id: option.label[lang] for question in questions for option in question.options}


def answer_columns(questionnaire):
    """Return the answer columns in questionnaire order: one per single-choice answer key (the option id),
    one per option of a multiple-choice question (1 chosen, 0 not, empty if unanswered), one per free text."""
    columns = []
    for question in questionnaire.questions():
        if question.id != NAME:
            columns += list(dict.fromkeys(column for column, *_ in question.handler.columns(question)))
    return columns


def codebook(questionnaire, model, lang="fi"):
    """Return the codebook: each column with its question and option ids and their texts in ``lang``."""
    rows = [_code(column, lang) for column in META]
    rows += [
        _code("group_org_type" + LABEL, lang, question=_NAMED[lang]["label"]),
        _code("group_size_band" + LABEL, lang, question=_NAMED[lang]["label"]),
    ]
    name = questionnaire.profile_question("name")
    rows.append(_code("organisation_name", lang, name.id, question=name.text[lang] + _NAMED[lang]["name"]))
    for question in questionnaire.questions():
        if question.id == NAME:
            continue
        for column, row, option, note in question.handler.columns(question):
            text = question.text[lang] + (f": {row.label[lang]}" if row else "")
            if option is None:
                option_text = _NAMED[lang].get(note, note)
            else:
                option_text = option.label[lang] + (f" ({_NAMED[lang][note]})" if note else "")
            rows.append(_code(column, lang, question.id, option.id if option else "", text, option_text))
        if not question.free_text and not question.handler.several:
            for key in question.answer_keys():
                row = question.row(key)
                text = question.text[lang] + (f": {row.label[lang]}" if row else "")
                rows.append(_code(key + LABEL, lang, question.id, "", text, _NAMED[lang]["label"]))
    rows += [_code(f"score.{d.id}", lang, question=f"{d.name[lang]} (0–100)") for d in model.dimensions]
    return pd.DataFrame(rows)


# The codebook's own words, in each language.
_NAMED = {
    "fi": {
        "name": " (vain pyydettäessä)",
        "label": "vastausvaihtoehdon teksti",
        "1 = valittu, 0 = ei valittu": "1 = valittu, 0 = ei valittu",
        "vapaa teksti": "vapaa teksti",
        "poistettu vaihtoehto": "poistettu vaihtoehto",
    },
    "sv": {
        "name": " (endast på begäran)",
        "label": "svarsalternativets text",
        "1 = valittu, 0 = ei valittu": "1 = vald, 0 = inte vald",
        "vapaa teksti": "fri text",
        "poistettu vaihtoehto": "borttaget svarsalternativ",
    },
    "en": {
        "name": " (only when asked for)",
        "label": "the answer option's text",
        "1 = valittu, 0 = ei valittu": "1 = chosen, 0 = not chosen",
        "vapaa teksti": "free text",
        "poistettu vaihtoehto": "retired option",
    },
}


def _code(column, lang, question_id="", option_id="", question="", option=""):
    return {
        "column": column,
        "question_id": question_id,
        "option_id": option_id,
        f"question_{lang}": question,
        f"option_{lang}": option,
    }


def csv_chunks(columns, row_chunks, dialect="standard", decimal_columns=None):
    """Yield rows (lists in the order of ``columns``) as CSV in UTF-8, the byte-order mark first so that Excel
    reads the letters right. Every text cell is quoted; numbers are not, written with the dialect's decimal
    mark: in ``decimal_columns`` (indexes) only, if given, else wherever a cell holds a float."""
    separator, decimal = DIALECTS[dialect]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(columns)
    yield (BOM + buffer.getvalue()).encode("utf-8")
    for rows in row_chunks:
        buffer.seek(0)
        buffer.truncate()
        if decimal == "," and decimal_columns is None:
            rows = [[DecimalComma(v) if type(v) is float else v for v in row] for row in rows]
        elif decimal == ",":
            for row in rows:
                for index in decimal_columns:
                    if row[index] is not None:
                        row[index] = DecimalComma(row[index])
        writer.writerows(rows)
        yield buffer.getvalue().encode("utf-8")


def frame_csv(frame, dialect="standard"):
    """Return a small DataFrame (codebook, open data) as CSV bytes in ``dialect``, text neutralised."""
    rows = [[None if _missing(v) else neutralise(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return b"".join(csv_chunks(list(frame.columns), [rows], dialect))


def _missing(value):
    return value is None or (isinstance(value, float) and value != value)


def write_excel(columns, row_chunks, codebook_frame, target):
    """Write the rows and the codebook as an Excel workbook to ``target`` (a path or a binary file).

    Rows go out one at a time in xlsxwriter's constant-memory mode, so that memory stays flat. Strings are
    never turned into formulas or links.
    """
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    try:
        sheet = workbook.add_worksheet("vastaukset")
        sheet.write_row(0, 0, columns)
        number = 1
        for rows in row_chunks:
            for row in rows:
                sheet.write_row(number, 0, row)
                number += 1
        sheet = workbook.add_worksheet("koodikirja")
        sheet.write_row(0, 0, list(codebook_frame.columns))
        for number, row in enumerate(codebook_frame.itertuples(index=False, name=None), start=1):
            sheet.write_row(number, 0, [None if _missing(v) else v for v in row])
    finally:
        workbook.close()
