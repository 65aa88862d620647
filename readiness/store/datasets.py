"""The operator's datasets read from the database: every submitted assessment as rows, in chunks from one read
transaction (memory stays flat however many there are), and the open-data aggregates of the published snapshot."""

import pandas as pd

from readiness.core.datasets import NAME
from readiness.core.exports import neutralise

from .releases import release_sizes
from .releases import released_counts

CHUNK = 2000


def assessment_rows(db, layout, latest_round_only=False, chunk=CHUNK):
    """Yield the submitted assessments as lists of rows (lists in the order of ``layout.columns``, from
    ``core.datasets.layout``), at most ``chunk`` at a time, in id order; with ``latest_round_only``, only
    each organisation's latest submitted round."""
    width = len(layout.columns)
    # "question<RS>option" -> where it goes: a single choice sets its code and label columns; a multiple
    # choice sets its option's column to 1, and first every option's column to 0 (the question was answered).
    singles, multiples = {}, {}
    for (key, option), cells in layout.answers.items():
        pair = f"{key}\x1e{option}"
        if key in layout.unchosen:
            multiples[pair] = (layout.unchosen[key], cells[0][0])
        else:
            (code_index, code), (label_index, label) = cells
            singles[pair] = (code_index, code, label_index, label)
    single = layout.single
    free_texts, scores, name = layout.free_texts, layout.scores, layout.name
    type_labels, band_labels = layout.labels.values()
    latest = (
        " and round = (select max(round) from assessments later where later.organisation_id = "
        "assessments.organisation_id and later.status = 'submitted')"
        if latest_round_only
        else ""
    )
    last = 0
    while True:
        assessments = db.execute(
            "select id, organisation_id, round, submitted_at, org_type, size_band, counted from assessments "
            f"where status = 'submitted' and id > ?{latest} order by id limit ?",
            [last, chunk],
        ).fetchall()
        if not assessments:
            return
        first, last = assessments[0][0], assessments[-1][0]
        rows = {}
        for assessment_id, organisation, round_number, submitted_at, org_type, size_band, counted in assessments:
            row = [None] * width
            row[:9] = (
                assessment_id,
                organisation,
                round_number,
                submitted_at,
                org_type,
                type_labels.get(org_type),
                size_band,
                band_labels.get(size_band),
                1 if counted else 0,
            )
            rows[assessment_id] = row
        # One string of "question<RS>option" pairs per assessment: SQLite joins them, so Python handles one row
        # per assessment instead of one per answer (a third of an export's time).
        for assessment_id, pairs in db.execute(
            "select assessment_id, group_concat(question_id || char(30) || option_id, char(31)) from answers "
            "where assessment_id between ? and ? group by assessment_id",
            [first, last],
        ):
            row = rows.get(assessment_id)  # None for a draft between two submitted ids
            if row is None:
                continue
            for pair in pairs.split("\x1f"):
                found = singles.get(pair)
                if found is not None:
                    code_index, code, label_index, label = found
                    row[code_index] = code
                    row[label_index] = label
                    continue
                found = multiples.get(pair)
                if found is not None:
                    unanswered, index = found
                    if row[unanswered[0]] is None:
                        for other in unanswered:
                            row[other] = 0
                    row[index] = 1
                    continue
                key, _, option = pair.partition("\x1e")
                if key in single:  # an option the questionnaire no longer has: its id, without a label
                    row[single[key]] = option
        for assessment_id, key, text in db.execute(
            "select assessment_id, question_id, text from free_texts where assessment_id between ? and ?",
            [first, last],
        ):
            row = rows.get(assessment_id)
            if row is None:
                continue
            if key in free_texts:
                row[free_texts[key]] = neutralise(text)
            elif key == NAME and name is not None:
                row[name] = neutralise(text)
        for assessment_id, values in db.execute(
            "select assessment_id, group_concat(dimension || char(30) || value, char(31)) from assessment_scores "
            "where assessment_id between ? and ? group by assessment_id",
            [first, last],
        ):
            row = rows.get(assessment_id)
            if row is None:
                continue
            for pair in values.split("\x1f"):
                dimension, _, value = pair.partition("\x1e")
                if dimension in scores:
                    row[scores[dimension]] = float(value)
        yield list(rows.values())


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
