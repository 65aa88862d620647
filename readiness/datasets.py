"""The operator's datasets: every submitted assessment as one row (CSV or Excel), the codebook that explains
the columns, and the open-data aggregates that anyone may see.

Rows are read and written in chunks from one read transaction, so memory stays flat however many
assessments there are, and the file is consistent even while respondents keep submitting. Text that a
spreadsheet would run as a formula is neutralised. No Flask here.
"""

import io

import pandas as pd
import xlsxwriter

from . import peers
from .exports import neutralise
from .results import PROFILE_SECTION

CHUNK = 2000
BOM = "\ufeff"
# Columns about the assessment itself, before the answers.
META = ("assessment", "organisation", "round", "submitted_at", "group_org_type", "group_size_band", "counted_for_peers")


def answer_columns(questionnaire):
    """Return the answer columns in questionnaire order: one per single-choice answer key (the option id),
    one per option of a multiple-choice question (1 chosen, 0 not, empty if unanswered), one per free text."""
    columns = []
    for question in questionnaire.questions():
        if question.id == "org_name":
            continue
        if question.type == "multiple":
            columns += [f"{question.id}.{option.id}" for option in question.options]
        elif question.type == "text":
            columns.append(question.id)
        else:
            columns += list(question.answer_keys())
    return columns


def columns(questionnaire, model, with_names):
    """Return every column of the answers dataset."""
    names = ["organisation_name"] if with_names else []
    return [*META, *names, *answer_columns(questionnaire), *(f"score.{d.id}" for d in model.dimensions)]


def codebook(questionnaire, model):
    """Return the codebook: each column with its question and option ids and their Finnish texts."""
    rows = [_code(column) for column in META]
    name = questionnaire.question("org_name")
    rows.append(_code("organisation_name", name.id, question_fi=name.text["fi"] + " (vain pyydettäessä)"))
    for question in questionnaire.questions():
        if question.id == "org_name":
            continue
        if question.type == "multiple":
            for option in question.options:
                rows.append(
                    _answer_code(f"{question.id}.{option.id}", question, None, option, "1 = valittu, 0 = ei valittu")
                )
        elif question.type == "text":
            rows.append(_answer_code(question.id, question, None, None, "vapaa teksti"))
        else:
            for key in question.answer_keys():
                for option in question.options:
                    rows.append(_answer_code(key, question, question.row(key), option, None))
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


def _answer_code(column, question, row, option, note):
    text = question.text["fi"] + (f": {row.label['fi']}" if row else "")
    return _code(column, question.id, option.id if option else "", text, option.label["fi"] if option else note)


def assessment_frames(db, questionnaire, model, with_names=False, chunk=CHUNK):
    """Yield the submitted assessments as DataFrames of at most ``chunk`` rows, in id order."""
    all_columns = columns(questionnaire, model, with_names)
    multiple = {q.id for q in questionnaire.questions() if q.type == "multiple"}
    texts = {q.id for q in questionnaire.questions() if q.type == "text"} - {"org_name"}
    last = 0
    while True:
        assessments = db.execute(
            "select id, organisation_id, round, submitted_at, org_type, size_band, counted from assessments "
            "where status = 'submitted' and id > ? order by id limit ?",
            [last, chunk],
        ).fetchall()
        if not assessments:
            return
        first, last = assessments[0][0], assessments[-1][0]
        records = {row[0]: dict(zip(META, row, strict=True)) for row in assessments}
        for record in records.values():
            record["counted_for_peers"] = int(bool(record["counted_for_peers"]))
        answered = set()
        for assessment_id, question_id, option_id in db.execute(
            "select assessment_id, question_id, option_id from answers where assessment_id between ? and ?",
            [first, last],
        ):
            record = records.get(assessment_id)
            if record is None:
                continue  # a draft between two submitted ids
            base = question_id.split(".")[0]
            if base in multiple:
                record[f"{base}.{option_id}"] = 1
                answered.add((assessment_id, base))
            else:
                record[question_id] = option_id
        for assessment_id, question_id, text in db.execute(
            "select assessment_id, question_id, text from free_texts where assessment_id between ? and ?", [first, last]
        ):
            record = records.get(assessment_id)
            if record is None or (question_id not in texts and not (with_names and question_id == "org_name")):
                continue
            record["organisation_name" if question_id == "org_name" else question_id] = text
        for assessment_id, dimension, value in db.execute(
            "select assessment_id, dimension, value from assessment_scores where assessment_id between ? and ?",
            [first, last],
        ):
            if assessment_id in records:
                records[assessment_id][f"score.{dimension}"] = value
        # A multiple-choice question that was answered has 0 for the options not chosen; unanswered stays empty.
        for assessment_id, base in answered:
            record = records[assessment_id]
            for option in questionnaire.question(base).options:
                record.setdefault(f"{base}.{option.id}", 0)
        frame = pd.DataFrame.from_records(list(records.values()), columns=all_columns)
        yield frame.map(neutralise)


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


def open_data(db, questionnaire, minimum):
    """Return the published peer aggregates of every group that may be shown, as a DataFrame: the same
    figures anyone sees on the peers page and the API, never the profile, free text or a small group."""
    profile = {question.id for question in questionnaire.section(PROFILE_SECTION).questions}
    sizes = peers.group_sizes(db)
    shown = peers.shown_groups(sizes, minimum)
    rows = []
    for org_type, size_band, answer_key, option_id, organisations in db.execute(
        "select org_type, size_band, answer_key, option_id, organisations from published_peer_counts "
        "order by org_type, size_band, answer_key, option_id"
    ):
        if (org_type, size_band) in shown and answer_key.split(".")[0] not in profile:
            rows.append(
                {
                    "org_type": org_type,
                    "size_band": size_band,
                    "group_organisations": sizes[(org_type, size_band)],
                    "answer_key": answer_key,
                    "option_id": option_id,
                    "organisations": organisations,
                }
            )
    return pd.DataFrame(
        rows, columns=["org_type", "size_band", "group_organisations", "answer_key", "option_id", "organisations"]
    )
