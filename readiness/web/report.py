"""The results of a submitted assessment for the page and for the downloads: built once, reused until
another organisation's submission or a reference figure changes what they show. Shared by the results,
organisations, downloads and API blueprints."""

import threading
import time
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cachetools import LRUCache
from flask import current_app
from flask import render_template
from flask import url_for
from markupsafe import Markup

from readiness.core import action_plans as plan_rules
from readiness.core import charts
from readiness.core import exports
from readiness.core import legal
from readiness.core import peers
from readiness.core import recommendations
from readiness.core import results as results_module
from readiness.core import scoring
from readiness.core import summary
from readiness.core.formatting import format_date
from readiness.core.formatting import format_number
from readiness.core.formatting import signed
from readiness.core.questionnaire import load
from readiness.core.questionnaire import parse_text
from readiness.store import action_plans
from readiness.store import records
from readiness.store import reference
from readiness.store import releases as stored_releases
from readiness.store import rendered_pages
from readiness.store.database import read_snapshot
from readiness.store.reports import PdfStore

from .helpers import QUARTER_LABELS
from .helpers import get_db
from .helpers import now
from .helpers import peer_cells
from .helpers import peer_minimum
from .helpers import release_info
from .i18n import format_score
from .i18n import gettext
from .i18n import ngettext
from .i18n import page_language
from .result_charts import question_comparisons
from .result_charts import result_charts

# How many recommendations the page puts first; the rest follow under a heading of their own.
TOP_RECOMMENDATIONS = 5
# The board report's PDFs are kept beside the full report's, under a language key of their own.
BOARD_PREFIX = "board-"
SOURCES_FILE = Path(__file__).parent.parent / "data" / "sources.toml"


@cache
def sources():
    """Return the public sources of the 2024 findings, by id: {id: (name Text, url)}."""
    with open(SOURCES_FILE, "rb") as f:
        data = tomllib.load(f)
    return {source_id: (parse_text(entry["name"], source_id), entry["url"]) for source_id, entry in data.items()}


def source_link(source_id):
    """Return a link to a named source of the 2024 findings, in the page's language."""
    name, url = sources()[source_id]
    if not url:
        # A source that is not online is named, never linked.
        return Markup('<span class="figure-source">({}: {})</span>').format(gettext("source"), name[page_language()])
    return Markup('<span class="figure-source">({}: <a href="{}">{}</a>)</span>').format(
        gettext("source"), url, name[page_language()]
    )


def target_label(target):
    """Say whom a training area is for, in the page's language."""
    return {
        "all_staff": gettext("all staff"),
        "professional_groups": gettext("professional groups"),
        "hr": gettext("HR"),
        "management": gettext("management and supervisors"),
    }[target]


def status_label(status):
    """Say an action plan item's status in the page's language."""
    return {
        "planned": gettext("planned"),
        "in_progress": gettext("in progress"),
        "done": gettext("done"),
        "dropped": gettext("dropped"),
    }[status]


def quarter_label(quarter):
    """Say a stored calendar quarter ("2027Q1") in the page's language."""
    year, number = plan_rules.split_quarter(quarter)
    return gettext("%(year)s Q%(quarter)s", year=year, quarter=number)


@dataclass(frozen=True)
class PlanRow:
    """One item of the action plan as a page or a report shows it: every attribute a string in the page's language."""

    title: str
    owner: str
    target_group: str
    quarter: str
    status: str


def plan_rows(db, assessment, catalogue, lang):
    """The action plan of the assessment's round, display-ready, in the order the actions were added."""
    rows = []
    for item in action_plans.items(db, assessment.organisation_id, assessment.round):
        action = catalogue.action(item.action)
        if action is None:
            # An action the data file no longer has: the plan keeps it, named by its stored id.
            title = item.action
        else:
            title = action.title[lang]
        owner = catalogue.roles.get(item.owner)
        rows.append(
            PlanRow(
                title=title,
                owner=owner[lang] if owner else item.owner,
                target_group=target_label(item.target),
                quarter=quarter_label(item.quarter),
                status=status_label(item.status),
            )
        )
    return rows


def precision_label(precision):
    """Say how precise a published figure is, in the page's language."""
    return {
        "exact": gettext("as published"),
        "approximate": gettext("approximate"),
        "lower-bound": gettext("lower bound"),
    }[precision]


def language_name(code):
    """Name a language in the page's language ("in English" as "englanniksi" on a Finnish page)."""
    return {"fi": gettext("in Finnish"), "sv": gettext("in Swedish"), "en": gettext("in English")}[code]


def reason_text(reason, questionnaire, model, lang):
    """Say in words why a recommendation is shown: the rule's reason and the answer or score that fired it."""
    if reason.dimension:
        dimension = model.dimension(reason.dimension)
        detail = f"{dimension.name[lang]}: {format_number(reason.score, lang)}/100"
    else:
        question = questionnaire.question(reason.answer_key.split(".", 1)[0])
        row = question.row(reason.answer_key)
        answer = question.option(reason.option).label[lang]
        # The rule's own words name the question; the row, where there is one, says which part of it.
        if row:
            detail = gettext("your answer for %(row)s: “%(answer)s”", row=row.label[lang], answer=answer)
        else:
            detail = gettext("your answer: “%(answer)s”", answer=answer)
    return f"{reason.rule.why[lang]} ({detail})"


def organisation_rounds(db, questionnaire, model, assessment):
    """Return the rounds of the assessment's organisation (``core.results.rounds``)."""
    return results_module.rounds(questionnaire, model, records.respondents(db, assessment.organisation_id))


def results_of(db, questionnaire, model, assessment, answers, rounds=None):
    """Return the results of a submitted assessment: its answers beside its peer group's published figures and
    the reference figures in force (``core.results.build``). ``rounds``: the organisation's, if already read."""
    if rounds is None:
        rounds = organisation_rounds(db, questionnaire, model, assessment)
    round_ = next(r for r in rounds if r.number == assessment.round)
    org_type, size_band = _organisation_group(questionnaire, round_, assessment)
    group_figures = stored_releases.figures_for(db, org_type, size_band, peer_cells())
    counted = stored_releases.own_scores(db, assessment.organisation_id, group_figures.group) if group_figures else None
    return results_module.build(
        questionnaire,
        model,
        answers,
        group_figures,
        reference.figures_in_force(db, questionnaire),
        round_=round_,
        counted_scores=counted,
        minimum=peer_minimum(),
    )


def recommended(db, assessment):
    """The recommendations of a submitted assessment, ranked, as its results page lists them."""
    questionnaire = load()
    model = scoring.load(questionnaire)
    answers = records.load_answers(db, assessment.id)
    outcome = results_of(db, questionnaire, model, assessment, answers)
    scores = {d.score.dimension.id: d.score.value for d in outcome.dimensions}
    catalogue = recommendations.load(questionnaire, model)
    return recommendations.recommend(catalogue, outcome.choices, scores)


def _organisation_group(questionnaire, round_, assessment):
    """The organisation's group: that of its round's combined profile, as releases count it."""
    if round_.combined:
        return peers.group_key(questionnaire, round_.combined)
    return assessment.org_type, assessment.size_band


def context(db, assessment, lang):
    """Return everything the results templates show for one submitted assessment."""
    questionnaire = load()
    model = scoring.load(questionnaire)
    answers = records.load_answers(db, assessment.id)
    rounds = organisation_rounds(db, questionnaire, model, assessment)
    outcome = results_of(db, questionnaire, model, assessment, answers, rounds)
    catalogue = recommendations.load(questionnaire, model)
    # The organisation's answers (combined, where several have answered), as the page compares them.
    choices = outcome.choices
    scores = {d.score.dimension.id: d.score.value for d in outcome.dimensions}
    recommended = recommendations.recommend(catalogue, choices, scores)
    ranked = [
        (recommendation, [reason_text(r, questionnaire, model, lang) for r in recommendation.reasons])
        for recommendation in recommended
    ]
    release = release_info(db)
    return {
        "questionnaire": questionnaire,
        "model": model,
        "assessment": assessment,
        "results": outcome,
        "group_label": (
            results_module.group_label(questionnaire, peer_cells(), outcome.group, lang) if outcome.group else None
        ),
        "charts": result_charts(questionnaire, outcome, lang),
        "comparisons": question_comparisons(questionnaire, outcome, lang, questionnaire.profile(choices).org_type),
        "organisation_type": questionnaire.profile(choices).org_type,
        "top_recommendations": ranked[:TOP_RECOMMENDATIONS],
        "more_recommendations": ranked[TOP_RECOMMENDATIONS:],
        "catalogue": catalogue,
        "top_actions": recommendations.top_actions(recommended),
        "action_plan": plan_rows(db, assessment, catalogue, lang),
        "uses_ai": recommendations.uses_ai(catalogue, choices),
        "legal_notes": legal.applicable(legal.load(questionnaire), choices),
        "organisation": questionnaire.profile(choices, answers.texts).name,
        **release,
        "summary": summary.summarise(model, outcome, recommended, release["release"] is not None, lang),
        "quarters": QUARTER_LABELS,
        "type_names": {o.id: o.label[lang] for o in questionnaire.profile_question("org_type").options},
        **round_change(questionnaire, model, assessment, rounds, lang),
    }


def round_change(questionnaire, model, assessment, rounds, lang):
    """The organisation's combined scores in this round beside its previous round with answers, if any."""
    current = next(r for r in rounds if r.number == assessment.round)
    previous = next((r for r in reversed(rounds) if r.number < assessment.round and r.scores), None)
    if previous is None or not current.scores:
        return {"round_chart": None, "round_rows": None, "previous_round": None, "round_note": None}
    comparison = results_module.compare_rounds(questionnaire, model, previous, current)
    note = _round_note(questionnaire, comparison, previous.number, current.number, lang)
    if not comparison.now:
        return {"round_chart": None, "round_rows": None, "previous_round": previous.number, "round_note": note}
    rows = [
        (now.dimension.name[lang], now.value, before.value, _change(now.value, before.value))
        for now, before in zip(comparison.now, comparison.before, strict=True)
    ]
    changed = [row for row in rows if row[3] is not None]
    if changed:
        largest = max(changed, key=lambda row: abs(row[3]))
        takeaway = gettext(
            "The largest change since round %(previous)s is in %(dimension)s: %(change)s points.",
            previous=previous.number,
            dimension=largest[0],
            change=signed(largest[3], lang),
        )
    else:
        takeaway = gettext("No dimension can be compared: in each of them, one of the two rounds has no score.")
    labels = {
        "organisation": gettext("Round %(number)s", number=current.number),
        "peers": gettext("Round %(number)s", number=previous.number),
        "dimension": gettext("Dimension"),
        "no_score": gettext("no score"),
    }
    chart = charts.profile_chart(
        "rounds",
        gettext("Change since round %(number)s, 0–100", number=previous.number),
        takeaway,
        [(name, now, before) for name, now, before, _ in rows],
        labels,
        lang,
    )
    return {"round_chart": chart, "round_rows": rows, "previous_round": previous.number, "round_note": note}


def _round_note(questionnaire, comparison, previous, current, lang):
    """Say, when the two rounds' respondents differ, who answered and what is compared; None when they match."""
    if comparison.same:
        return None
    said = gettext(
        "The respondents differ: round %(previous)s had %(before)s who submitted, round %(current)s has %(now)s.",
        previous=previous,
        before=comparison.respondents_before,
        current=current,
        now=comparison.respondents_now,
    )
    if not comparison.roles:
        return said + " " + gettext("No role answered in both rounds, so the rounds are not compared.")
    role_question = questionnaire.profile_question("role")
    names = ", ".join(
        role_question.option(role).label[lang] if role and role_question.option(role) else gettext("role not given")
        for role in comparison.roles
    )
    return (
        said
        + " "
        + gettext(
            "To compare like with like, the change is computed from the respondents of the roles that answered in "
            "both rounds: %(roles)s.",
            roles=names,
        )
    )


def _change(now, before):
    return None if now is None or before is None else round(now - before, 1)


def _cache_key(kind, assessment, lang):
    # Without an assessment (a visitor on the peers page) only the shared revision matters.
    organisation_id = assessment.organisation_id if assessment else None
    revisions = records.results_revisions(get_db(), organisation_id)
    return (kind, assessment.id if assessment else None, lang, revisions)


def _remember(key, value):
    cache, lock = current_app.extensions["rendered_results"]
    with lock:
        cache[key] = value


def cached(kind, assessment, lang, produce, shared=False):
    """Return ``produce()`` for this assessment (or None) and language, reused while nothing it shows has
    changed: the peer aggregates, the reference figures and the organisation's submitted answers. ``shared``:
    kept in the database too, for every worker (a results page, built at submission for its first view)."""
    key = _cache_key(kind, assessment, lang)
    cache, lock = current_app.extensions["rendered_results"]
    with lock:
        value = cache.get(key)
    if value is not None:
        return value
    if shared:
        stored = rendered_pages.get(get_db(), assessment.id, lang, key[-1])
        value = Markup(stored) if stored is not None else None
    if value is None:
        value = produce()
        if shared:
            rendered_pages.put(get_db(), assessment.id, lang, key[-1], str(value))
    _remember(key, value)
    return value


def rendered(kind, assessment, lang, render, shared=False):
    """Return ``render(context)``, the context read as one consistent snapshot, reused while it holds."""

    def produce():
        db = get_db()
        with read_snapshot(db):
            return render(context(db, assessment, lang))

    return cached(kind, assessment, lang, produce, shared)


def results_body(assessment, lang):
    """The results page's content, without anything of the browser's session."""

    def render(c):
        body = Markup(render_template("results/_results_body.html", offline=False, **c))
        if current_app.config["PDF_RENDER_AHEAD"]:
            # The report is rendered here, from the same context, and only its text goes to the background
            # renderer: the thread needs neither the request nor the app.
            # The board report first: the summary offers it first.
            board = _render_board(c)
            _remember(_cache_key("board", assessment, lang), board)
            current_app.extensions["pdf_store"].prepare(assessment.id, BOARD_PREFIX + lang, board)
            html = _render_report(c)
            _remember(_cache_key("report", assessment, lang), html)
            current_app.extensions["pdf_store"].prepare(assessment.id, lang, html)
        return body

    return rendered("body", assessment, lang, render, shared=True)


def _render_report(c):
    return render_template("results/report.html", offline=True, **c)


def report_html(assessment, lang):
    """The downloadable report: one self-contained HTML page (styles inlined, charts as SVG, no scripts)."""
    return rendered("report", assessment, lang, _render_report)


def report_pdf(assessment, lang):
    """The report as a tagged PDF: rendered once for what it says, kept on disk for every worker."""
    return current_app.extensions["pdf_store"].get(assessment.id, lang, report_html(assessment, lang))


def _render_board(c):
    return render_template("results/board.html", offline=True, **c)


def board_html(assessment, lang):
    """The board report as one self-contained HTML page of two A4 pages."""
    return rendered("board", assessment, lang, _render_board)


def board_pdf(assessment, lang):
    """The board report as a tagged PDF, kept on disk for every worker like the full report's."""
    return current_app.extensions["pdf_store"].get(assessment.id, BOARD_PREFIX + lang, board_html(assessment, lang))


def board_docx(assessment, lang):
    """The board report's two pages as an editable Word document: the same texts and numbers as the page."""
    return rendered(
        "board-docx",
        assessment,
        lang,
        lambda c: exports.docx_from_blocks(
            *board_blocks(c, lang), author=gettext("AI readiness assessment"), made_at=now()
        ),
    )


def _score(value):
    return format_score(value) if value is not None else gettext("no score")


def board_blocks(c, lang):
    """Return (title, blocks, colophon, lang) of the board report's two pages for ``core.exports.docx_from_blocks``,
    from the results context: every text and number as the page says it."""
    found = c["summary"]
    organisation = c["organisation"]
    title = (
        gettext("AI readiness of %(organisation)s", organisation=organisation)
        if organisation
        else gettext("Your organisation's AI readiness")
    )
    meta = " · ".join(
        [
            gettext("Summary for the board"),
            gettext("Submitted on %(date)s", date=format_date(c["assessment"].submitted_at)),
            ngettext("%(num)s respondent", "%(num)s respondents", c["results"].respondents),
        ]
    )

    def said(point):
        return (
            f"{point.dimension.name[lang]} {gettext('%(score)s/100', score=format_score(point.value))}, "
            f"{point.band.name[lang]}: {point.meaning(lang)}"
        )

    blocks = [("paragraph", meta), ("heading", gettext("Summary")), ("paragraph", c["charts"][0].takeaway)]
    blocks.append(("subheading", gettext("Strengths")))
    if found.strengths:
        blocks.append(("bullets", [said(p) for p in found.strengths]))
    else:
        band = c["model"].band(summary.STRENGTH_FROM_BAND).name[lang]
        blocks.append(("paragraph", gettext("No dimension has reached the band “%(band)s” yet.", band=band)))
    blocks.append(("subheading", gettext("Gaps")))
    if found.gaps:
        blocks.append(("bullets", [said(p) for p in found.gaps]))
    else:
        band = c["model"].band(summary.GAP_BELOW_BAND).name[lang]
        blocks.append(("paragraph", gettext("Every scored dimension has reached the band “%(band)s”.", band=band)))
    blocks.append(("subheading", gettext("Top actions")))
    if found.actions:
        blocks.append(("numbered", list(found.actions)))
    else:
        blocks.append(("paragraph", gettext("Your answers do not point to any particular training need.")))
    blocks.append(("heading", gettext("Among your peers")))
    blocks.extend(_position_blocks(c, lang))
    blocks.append(("heading", gettext("Readiness profile")))
    dimensions = [d for d in c["results"].dimensions if d.score.dimension.level == "organisation"]
    # The peers' median only where there is one: no column for what is not there.
    has_median = any(d.peer_median is not None for d in dimensions)
    columns = [gettext("Dimension"), gettext("Score"), gettext("Band")]
    rows = [
        [d.score.dimension.name[lang], _score(d.score.value), d.score.band.name[lang] if d.score.band else "–"]
        for d in dimensions
    ]
    if has_median:
        columns.append(gettext("Peer group median"))
        for row, d in zip(rows, dimensions, strict=True):
            row.append(format_score(d.peer_median) if d.peer_median is not None else "–")
    blocks.append(("table", columns, rows))
    blocks.append(("heading", gettext("Action plan")))
    plan = c.get("action_plan", [])
    columns = [
        gettext("Planned action"),
        gettext("Owner (a role)"),
        gettext("Target group"),
        gettext("Quarter"),
        gettext("Status"),
    ]
    if plan:
        rows = [[row.title, row.owner, row.target_group, row.quarter, row.status] for row in plan]
    else:
        # An empty plan to fill in: the document is for editing. The page says where the plan is made.
        rows = [[action, "", "", "", ""] for action in found.actions]
        blocks.append(
            (
                "paragraph",
                gettext(
                    "No action plan has been made yet: the plan is made on the action plan page of the service, "
                    "from the recommended actions, and then appears here."
                ),
            )
        )
    blocks.append(("table", columns, rows))
    colophon = " ".join(
        [
            gettext("Made with %(service)s.", service=url_for("survey.start", _external=True)),
            gettext(
                "Versions: questionnaire %(questionnaire)s, readiness model %(model)s, recommendations %(recommendations)s.",
                questionnaire=c["questionnaire"].version,
                model=c["model"].version,
                recommendations=c["catalogue"].version,
            ),
        ]
    )
    return title, blocks, colophon, lang


def _position_blocks(c, lang):
    """The position among peers as the page says it (``templates/results/_summary_position.html``)."""
    position = c["summary"].position
    group = c["group_label"] or gettext("all organisations")
    minimum = current_app.config["PEER_MINIMUM"]
    if position.status == summary.SHOWN:
        intro = gettext(
            "Among the other organisations of your peer group (%(group)s, %(count)s organisations in the release of "
            "%(date)s):",
            group=group,
            count=position.organisations,
            date=format_date(c["release"].published_at),
        )
        items = [
            f"{s.dimension.name[lang]}: {str(QUARTER_LABELS[s.quarter])} "
            f"({gettext('median %(median)s', median=format_score(s.median))})"
            for s in position.standings
        ]
        return [("paragraph", intro), ("bullets", items)]
    if position.status == summary.TOO_FEW_SCORED:
        text = gettext(
            "Your peer group (%(group)s, %(count)s organisations) is in the release, but fewer than %(minimum)s of "
            "the others have a score in your dimensions: where you stand cannot be told yet.",
            group=group,
            count=position.organisations,
            minimum=minimum,
        )
    elif position.status == summary.NO_GROUP:
        text = gettext(
            "Not yet: the latest peer release has no group of organisations like yours. A group is shown only when "
            "it holds at least %(minimum)s organisations.",
            minimum=minimum,
        )
    else:
        text = gettext("Not yet: no peer release has been published.")
    return [("paragraph", text)]


@cache
def report_css():
    """Return the report's stylesheet, to be inlined: the downloaded page fetches nothing."""
    return Markup(Path(current_app.static_folder, "css", "report.css").read_text(encoding="utf-8"))


def _watch_requests(app):
    """Count this process's requests in flight; return a function that says whether it has served nobody for
    ``PDF_RENDER_AHEAD_QUIET`` seconds (renderings ahead wait for that)."""
    state = {"in_flight": 0, "last": 0.0}
    lock = threading.Lock()

    @app.before_request
    def _begin():
        with lock:
            state["in_flight"] += 1

    @app.teardown_request
    def _end(error=None):
        with lock:
            state["in_flight"] -= 1
            state["last"] = time.monotonic()

    def idle():
        with lock:
            quiet = time.monotonic() - state["last"]
            return state["in_flight"] == 0 and quiet >= app.config["PDF_RENDER_AHEAD_QUIET"]

    return idle


def init_app(app):
    """Keep the rendered results of this app, and offer the helpers of the results and report templates."""
    # Workers' threads share the cache: every read and write of it holds the lock.
    app.extensions["rendered_results"] = (LRUCache(maxsize=app.config["RESULTS_CACHE_SIZE"]), threading.Lock())
    # The renderer is looked up at each call, so that it can be replaced (a test's broken renderer).
    # The store checks the database before it keeps a PDF: a deletion in any worker is honoured.
    app.extensions["pdf_store"] = PdfStore(
        app.config["REPORTS_FOLDER"],
        lambda html: exports.pdf_from_html(html),
        database=app.config["DATABASE"],
        idle=_watch_requests(app),
    )
    app.jinja_env.globals.update(
        signed=signed,
        source_link=source_link,
        target_label=target_label,
        status_label=status_label,
        quarter_label=quarter_label,
        report_css=report_css,
        precision_label=precision_label,
    )
    app.jinja_env.filters["language_name"] = language_name
