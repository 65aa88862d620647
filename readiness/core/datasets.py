"""The operator's datasets as files: the columns of the answers dataset (one row per assessment), the codebook
that explains them, and CSV and Excel writers that take the rows in chunks (``store.datasets`` reads them), so
memory stays flat however many assessments there are. Text that a spreadsheet would run as a formula is
neutralised.
"""

import io

import pandas as pd
import xlsxwriter

from .questionnaire import PROFILE_QUESTIONS

# The organisation's name is a column of its own, only in the export that asks for names.
NAME = PROFILE_QUESTIONS["name"]
BOM = "\ufeff"
# Columns about the assessment itself, before the answers.
META = ("assessment", "organisation", "round", "submitted_at", "group_org_type", "group_size_band", "counted_for_peers")


def answer_columns(questionnaire):
    """Return the answer columns in questionnaire order: one per single-choice answer key (the option id),
    one per option of a multiple-choice question (1 chosen, 0 not, empty if unanswered), one per free text."""
    columns = []
    for question in questionnaire.questions():
        if question.id != NAME:
            columns += list(dict.fromkeys(column for column, *_ in question.handler.columns(question)))
    return columns


def columns(questionnaire, model, with_names):
    """Return every column of the answers dataset."""
    names = ["organisation_name"] if with_names else []
    return [*META, *names, *answer_columns(questionnaire), *(f"score.{d.id}" for d in model.dimensions)]


def codebook(questionnaire, model):
    """Return the codebook: each column with its question and option ids and their Finnish texts."""
    rows = [_code(column) for column in META]
    name = questionnaire.profile_question("name")
    rows.append(_code("organisation_name", name.id, question_fi=name.text["fi"] + " (vain pyydettäessä)"))
    for question in questionnaire.questions():
        if question.id != NAME:
            rows += [_answer_code(*column, question) for column in question.handler.columns(question)]
    rows += [_code(f"score.{d.id}", question_fi=f"{d.name['fi']} (0–100)") for d in model.dimensions]
    return pd.DataFrame(rows)


def _code(column, question_id="", option_id="", question_fi="", option_fi=""):
    return {
        "column": column,
        "question_id": question_id,
        "option_id": option_id,
        "question_fi": question_fi,
        "option_fi": option_fi,
    }


def _answer_code(column, row, option, note, question):
    text = question.text["fi"] + (f": {row.label['fi']}" if row else "")
    if option is None:
        return _code(column, question.id, "", text, note)
    label = option.label["fi"] + (f" ({note})" if note else "")
    return _code(column, question.id, option.id, text, label)


def csv_chunks(frames):
    """Yield the frames as one UTF-8 CSV (byte-order mark first, so that Excel reads the letters right)."""
    first = True
    for frame in frames:
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=first)
        yield ((BOM if first else "") + buffer.getvalue()).encode("utf-8")
        first = False


def write_excel(frames, codebook_frame, target):
    """Write the frames and the codebook as an Excel workbook to ``target`` (a path or a binary file).

    Rows go out one at a time in xlsxwriter's constant-memory mode, so that memory stays flat; pandas writes
    column by column, which that mode cannot take, so it only makes the chunks.
    """
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    try:
        for name, sheet_frames in (("vastaukset", frames), ("koodikirja", [codebook_frame])):
            sheet = workbook.add_worksheet(name)
            row = 0
            for frame in sheet_frames:
                if row == 0:
                    sheet.write_row(0, 0, list(frame.columns))
                    row = 1
                for values in frame.itertuples(index=False, name=None):
                    sheet.write_row(row, 0, [None if pd.isna(value) else value for value in values])
                    row += 1
    finally:
        workbook.close()
