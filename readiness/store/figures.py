"""The figures of the operator's console: participation, and the current round beside 2024, read with
aggregate queries only."""

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from readiness.core import charts
from readiness.core import scoring
from readiness.core.formatting import format_number

# Assessments started and submitted per option of one question: one pass over the index on (question, option).
OPTION_COUNTS = (
    "select answers.option_id, count(*), sum(assessments.status = 'submitted') from answers join assessments "
    "on assessments.id = answers.assessment_id where answers.question_id = ? group by 1"
)


def participation(db, questionnaire, lang):
    """Return assessments started and submitted per ISO week, type, size band and region, and per section
    how many saved it and how many unsubmitted assessments stopped just before it."""
    weeks = {}
    for day, started, submitted in db.execute(
        "select substr(created_at, 1, 10), count(*), sum(status = 'submitted') from assessments group by 1"
    ):
        year, week, _ = date.fromisoformat(day).isocalendar()
        key = f"{year}-W{week:02d}"
        before = weeks.get(key, (0, 0))
        weeks[key] = (before[0] + started, before[1] + submitted)
    week_rows = [(key, *weeks[key]) for key in sorted(weeks)]
    by_column = {
        key: _labelled(
            db.execute(f"select {key}, count(*), sum(status = 'submitted') from assessments group by 1"),
            questionnaire,
            key,
            lang,
        )
        for key in ("org_type", "size_band")
    }
    region = db.execute(OPTION_COUNTS, [questionnaire.profile_question("region").id])
    started = db.execute("select count(*) from assessments").fetchone()[0]
    saved = dict(db.execute("select section_id, count(*) from saved_sections group by 1").fetchall())
    stopped = _stopped_before(db, questionnaire)
    return {
        "computed_at": datetime.now(UTC).strftime("%H:%M UTC"),
        "totals": {
            "started": started,
            "submitted": db.execute("select count(*) from assessments where status = 'submitted'").fetchone()[0],
            "organisations": db.execute(
                "select count(distinct organisation_id) from assessments where status = 'submitted'"
            ).fetchone()[0],
        },
        "weeks": week_rows,
        "weeks_svg": charts.svg_bars(
            "weeks",
            [(week, submitted, False, format_number(submitted, lang)) for week, _, submitted in week_rows[-12:]],
            max([submitted for _, _, submitted in week_rows[-12:]] or [1]) or 1,
        ),
        "org_type": by_column["org_type"],
        "size_band": by_column["size_band"],
        "region": _labelled(region, questionnaire, "region", lang),
        "sections": [
            (
                number,
                section.title[lang],
                saved.get(section.id, 0),
                100 * saved.get(section.id, 0) / started if started else None,
                stopped.get(section.id, 0),
            )
            for number, section in enumerate(questionnaire.sections, start=1)
        ],
    }


def _labelled(rows, questionnaire, key, lang):
    """Name each value of a profile column in ``lang``; unknown ones (not yet chosen) as "–"."""
    names = {"org_type": ["org_type"], "size_band": ["population", "staff"], "region": ["region"]}[key]
    questions = [questionnaire.profile_question(name).id for name in names]
    found = []
    for value, started, submitted in rows:
        options = (questionnaire.question(q).option(value) for q in questions) if value else ()
        option = next((found_option for found_option in options if found_option), None)
        found.append((option.label[lang] if option else "–", started, submitted or 0))
    return sorted(found, key=lambda row: -row[1])


def _stopped_before(db, questionnaire):
    """Return {section id: unsubmitted assessments whose first unsaved section it is}."""
    order = [section.id for section in questionnaire.sections]
    saved_by = {}
    for assessment_id, section_id in db.execute(
        "select saved_sections.assessment_id, section_id from saved_sections join assessments "
        "on assessments.id = saved_sections.assessment_id where assessments.status = 'draft'"
    ):
        saved_by.setdefault(assessment_id, set()).add(section_id)
    drafts = db.execute("select id from assessments where status = 'draft'").fetchall()
    stopped = {}
    for (assessment_id,) in drafts:
        done = saved_by.get(assessment_id, set())
        first = next((section for section in order if section not in done), None)
        if first:
            stopped[first] = stopped.get(first, 0) + 1
    return stopped


def round_figures(db, questionnaire, model, lang, org_type="", size_band="", since="", until=""):
    """Return the distribution of every question and dimension among the organisations counted for peers
    (one per organisation) that match the filters: type, size band, submitted between two dates."""
    conditions, parameters = ["a.status = 'submitted'", "a.counted = 1"], []
    for column, value in (("org_type", org_type), ("size_band", size_band)):
        if value:
            conditions.append(f"a.{column} = ?")
            parameters.append(value)
    if since:
        conditions.append("a.submitted_at >= ?")
        parameters.append(since)
    if until:
        conditions.append("a.submitted_at < ?")
        parameters.append((date.fromisoformat(until) + timedelta(days=1)).isoformat())
    where = " and ".join(conditions)
    organisations = db.execute(f"select count(*) from assessments a where {where}", parameters).fetchone()[0]
    counts = {}
    for key, option, count in db.execute(
        f"select answers.question_id, answers.option_id, count(*) from answers join assessments a "
        f"on a.id = answers.assessment_id where {where} group by 1, 2",
        parameters,
    ):
        counts[(key, option)] = count
    profile = questionnaire.profile_question_ids()
    questions = []
    for question in questionnaire.questions():
        if question.free_text or question.id in profile:
            continue
        rows = [
            (
                key,
                question.row(key).label[lang] if question.row(key) else None,
                option,
                counts.get((key, option.id), 0),
                100 * counts.get((key, option.id), 0) / organisations if organisations else 0,
            )
            for key in question.answer_keys()
            for option in question.options
        ]
        questions.append((question, rows))
    dimensions = []
    for dimension in model.dimensions:
        values = sorted(
            value
            for (value,) in db.execute(
                f"select s.value from assessment_scores s join assessments a on a.id = s.assessment_id "
                f"where {where} and s.dimension = ?",
                [*parameters, dimension.id],
            )
        )
        median = (values[(len(values) - 1) // 2] + values[len(values) // 2]) / 2 if values else None
        bands = [(band, sum(1 for v in values if scoring.band_for(model, v) is band)) for band in model.bands]
        dimensions.append((dimension, median, bands))
    return {
        "organisations": organisations,
        "questions": questions,
        "dimensions": dimensions,
        "dimensions_svg": charts.svg_bars(
            "console-dimensions",
            [
                (d.name[lang], median, False, format_number(median, lang) if median is not None else "–")
                for d, median, _ in dimensions
            ],
            100,
            ticks=[(value, format_number(value, lang)) for value in (0, 25, 50, 75, 100)],
        ),
    }
