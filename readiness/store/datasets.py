"""The operator's datasets read from the database: every submitted assessment as rows, in chunks from one read
transaction (memory stays flat however many there are), and the open-data aggregates of the published snapshot."""

import pandas as pd

from readiness.core.datasets import META
from readiness.core.datasets import NAME
from readiness.core.datasets import columns
from readiness.core.exports import neutralise

from .releases import release_sizes
from .releases import released_counts

CHUNK = 2000


def assessment_frames(db, questionnaire, model, with_names=False, chunk=CHUNK):
    """Yield the submitted assessments as DataFrames of at most ``chunk`` rows, in id order."""
    all_columns = columns(questionnaire, model, with_names)
    # Each type writes its own columns (question_types): multiple choice one 0/1 column per option.
    writers = {
        key: question.handler.writer(question, key)
        for question in questionnaire.questions()
        for key in question.answer_keys()
    }
    writers.pop(NAME, None)
    if with_names:
        writers[NAME] = _write_name
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
        for table, column in (("answers", "option_id"), ("free_texts", "text")):
            for assessment_id, key, value in db.execute(
                f"select assessment_id, question_id, {column} from {table} where assessment_id between ? and ?",
                [first, last],
            ):
                record = records.get(assessment_id)  # None for a draft between two submitted ids
                write = writers.get(key)  # None for an answer the questionnaire no longer has
                if record is not None and write is not None:
                    write(record, value)
        for assessment_id, dimension, value in db.execute(
            "select assessment_id, dimension, value from assessment_scores where assessment_id between ? and ?",
            [first, last],
        ):
            if assessment_id in records:
                records[assessment_id][f"score.{dimension}"] = value
        frame = pd.DataFrame.from_records(list(records.values()), columns=all_columns)
        yield frame.map(neutralise)


def open_data(db, questionnaire):
    """Return the figures of the latest peer release, every group it shows, as a DataFrame: the same figures
    anyone sees on the peers page and the API, never the profile, free text or a group the auditor withheld."""
    profile = questionnaire.profile_question_ids()
    sizes = release_sizes(db)
    rows = []
    for org_type, size_band, answer_key, option_id, organisations in released_counts(db):
        if answer_key.split(".")[0] not in profile:
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


def _write_name(record, name):
    record["organisation_name"] = name
