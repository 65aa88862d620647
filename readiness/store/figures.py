"""The figures of the operator's console: participation, and the current round beside 2024, read with
aggregate queries only."""

from datetime import datetime
from zoneinfo import ZoneInfo

from readiness.core import charts
from readiness.core import peers
from readiness.core.formatting import format_number

from .releases import group_figures
from .releases import latest_release
from .releases import release_sizes

# Times are shown as the operators live them: in Finnish time, summer time included.
HELSINKI = ZoneInfo("Europe/Helsinki")
# One assessment stands for each organisation: the one counted for peers if any, else its latest round's
# submitted one, else its first; ``submitted`` says whether the organisation has submitted any assessment.
ORGANISATIONS = (
    "with ranked as (select id, organisation_id, org_type, size_band, "
    "max(status = 'submitted') over (partition by organisation_id) as submitted, "
    "row_number() over (partition by organisation_id order by counted desc, status = 'submitted' desc, "
    "round desc, id) as rank from assessments) "
)
# Organisations (started, submitted) per answer of the region question: one pass over the index on
# (question, option) joined to each organisation's one assessment.
REGION_COUNTS = (
    ORGANISATIONS + "select answers.option_id, count(*), sum(ranked.submitted) from answers join ranked "
    "on ranked.id = answers.assessment_id where ranked.rank = 1 and answers.question_id = ? group by 1"
)


def participation(db, questionnaire, lang):
    """Return organisations (each once) started and with a submitted assessment per type, size band and
    region; assessments started and submitted per ISO week (Helsinki time); and per section how many saved
    it and how many unsubmitted assessments stopped just before it."""
    weeks = {}
    for column, slot in (("created_at", 0), ("submitted_at", 1)):
        # Per UTC hour, so that each hour falls into its week in Helsinki time.
        for hour, count in db.execute(
            f"select substr({column}, 1, 13), count(*) from assessments where {column} is not null group by 1"
        ):
            local = datetime.fromisoformat(hour + ":00:00+00:00").astimezone(HELSINKI)
            year, week, _ = local.isocalendar()
            key = f"{year}-W{week:02d}"
            counts = weeks.setdefault(key, [0, 0])
            counts[slot] += count
    week_rows = [(key, *weeks[key]) for key in sorted(weeks)]
    by_column = {
        key: _labelled(
            db.execute(
                ORGANISATIONS + f"select {key}, count(*), sum(submitted) from ranked where rank = 1 group by 1"
            ).fetchall(),
            questionnaire,
            key,
            lang,
        )
        for key in ("org_type", "size_band")
    }
    organisations, submitted_organisations = db.execute(
        ORGANISATIONS + "select count(*), coalesce(sum(submitted), 0) from ranked where rank = 1"
    ).fetchone()
    region = db.execute(REGION_COUNTS, [questionnaire.profile_question("region").id]).fetchall()
    unanswered = (
        organisations - sum(row[1] for row in region),
        submitted_organisations - sum(row[2] or 0 for row in region),
    )
    region_rows = region + ([(None, *unanswered)] if unanswered[0] else [])
    started = db.execute("select count(*) from assessments").fetchone()[0]
    saved = dict(db.execute("select section_id, count(*) from saved_sections group by 1").fetchall())
    stopped = _stopped_before(db, questionnaire)
    return {
        "computed_at": datetime.now(HELSINKI).strftime("%H.%M" if lang == "fi" else "%H:%M"),
        "totals": {
            "organisations": organisations,
            "submitted_organisations": submitted_organisations,
            "started": started,
            "submitted": db.execute("select count(*) from assessments where status = 'submitted'").fetchone()[0],
        },
        "weeks": week_rows,
        "weeks_svg": charts.svg_bars(
            "weeks",
            [(week, submitted, False, format_number(submitted, lang)) for week, _, submitted in week_rows[-12:]],
            max([submitted for _, _, submitted in week_rows[-12:]] or [1]) or 1,
        ),
        "org_type": by_column["org_type"],
        "size_band": by_column["size_band"],
        "region": _labelled(region_rows, questionnaire, "region", lang),
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
    """Name each value of a profile column in ``lang``: a size band with its kind (population or staff),
    a value not chosen yet as None (the page names it). In the questionnaire's order, the unnamed last."""
    names = {"org_type": ["org_type"], "size_band": ["population", "staff"], "region": ["region"]}[key]
    questions = [questionnaire.profile_question(name) for name in names]
    order = {
        (name, option.id): n
        for n, (name, option) in enumerate((n, o) for n, q in zip(names, questions, strict=True) for o in q.options)
    }
    found = []
    for value, organisations, submitted in rows:
        kind, option = next(
            ((name, q.option(value)) for name, q in zip(names, questions, strict=True) if value and q.option(value)),
            (None, None),
        )
        label = option.label[lang] if option else None
        position = order[(kind, option.id)] if option else len(order)
        found.append((position, kind if key == "size_band" else None, label, organisations, submitted or 0))
    named = sorted(row for row in found if row[2] is not None)
    unnamed = [row for row in found if row[2] is None]  # never chosen: NULL before the profile, "*" after it
    if unnamed:
        named.append((len(order), None, None, sum(row[3] for row in unnamed), sum(row[4] for row in unnamed)))
    return [row[1:] for row in named]


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


def released_figures(db, org_type, size_band):
    """Return the released (published) peer figures of one group (``core.peers.ANY`` for any), under the
    same rules as the peers page, as {"group", "figures", "nearest", "released_at"}: ``figures``
    (core.peers.GroupFigures) is None when the group may not be shown, and ``nearest`` then names the nearest
    larger group that may; ``released_at`` is when the figures were released (ISO), or None if never.

    The console reads only what has been released, never the live answers, so that no choice of filters can
    show a group smaller than the minimum or isolate an organisation by difference.
    """
    sizes = release_sizes(db)
    latest = latest_release(db)
    group = peers.shown_group(sizes, org_type, size_band)
    found = {"group": (org_type, size_band), "figures": None, "nearest": None}
    found["released_at"] = latest.published_at if latest else None
    if group is None:
        found["nearest"] = peers.nearest_shown_group(sizes, org_type, size_band)
    else:
        found["figures"] = group_figures(db, group)
    return found
