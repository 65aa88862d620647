"""Downloads of a submitted assessment: the report as HTML and PDF, the organisation's answers as CSV and JSON."""

from flask import Response
from flask import abort
from flask import current_app
from flask import g
from flask import url_for
from flask_babel import gettext

from readiness.core import exports
from readiness.core import scoring
from readiness.core.questionnaire import load
from readiness.store import records

from . import report
from .helpers import current_assessment
from .helpers import get_db
from .helpers import render_error
from .helpers import today
from .i18n import localized_blueprint

bp = localized_blueprint("downloads", __name__)


def _submitted_assessment():
    """Return this browser's submitted assessment and its answers, or answer 404 (none) or 409 (not submitted)."""
    assessment = current_assessment()
    if assessment is None:
        abort(404)
    if not assessment.submitted:
        abort(409)
    return assessment, records.load_answers(get_db(), assessment.id)


def _attachment(body, mimetype, answers, extension, what=None):
    organisation = load().profile(answers.choices, answers.texts).name
    name = exports.file_name(g.lang_code, organisation, today(), extension, what)
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.cache_control.no_store = True
    return response


@bp.route("/download/report.html")
def report_html():
    """The report as one self-contained HTML page."""
    assessment, answers = _submitted_assessment()
    return _attachment(report.report_html(assessment, g.lang_code), "text/html", answers, "html")


@bp.route("/download/report.pdf")
def report_pdf():
    """The report as a tagged PDF; if it cannot be made, a page says so and offers the HTML instead."""
    assessment, answers = _submitted_assessment()
    try:
        pdf = report.report_pdf(assessment, g.lang_code)
    except Exception:  # any failure of the PDF renderer (Pango, fonts, memory): the HTML report still works
        current_app.logger.exception("PDF rendering failed")
        return render_error(
            503,
            gettext("The PDF could not be made"),
            gettext("Try again in a moment, or download the same report as an HTML page."),
            (url_for(".report_html"), gettext("Download the report as an HTML page")),
        )
    return _attachment(pdf, "application/pdf", answers, "pdf")


@bp.route("/download/board-report.pdf")
def board_pdf():
    """The board report as a tagged PDF: two A4 pages (the full report, its appendix, is a download of its own)."""
    assessment, answers = _submitted_assessment()
    try:
        pdf = report.board_pdf(assessment, g.lang_code)
    except Exception:  # any failure of the PDF renderer: the editable document and the HTML report still work
        current_app.logger.exception("PDF rendering failed")
        return render_error(
            503,
            gettext("The PDF could not be made"),
            gettext("Try again in a moment, or download the same report as an HTML page."),
            (url_for(".report_html"), gettext("Download the report as an HTML page")),
        )
    return _attachment(pdf, "application/pdf", answers, "pdf", exports.BOARD_REPORT)


@bp.route("/download/board-report.docx")
def board_docx():
    """The board report's two pages as an editable Word document."""
    assessment, answers = _submitted_assessment()
    return _attachment(
        report.board_docx(assessment, g.lang_code),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        answers,
        "docx",
        exports.BOARD_REPORT,
    )


@bp.route("/download/answers.csv")
def answers_csv():
    """The organisation's own answers as CSV, one row per answer."""
    _, answers = _submitted_assessment()
    rows = exports.answer_rows(load(), answers, g.lang_code)
    return _attachment(exports.answers_csv(rows), "text/csv", answers, "csv")


@bp.route("/download/answers.json")
def answers_json():
    """The organisation's own answers and scores as JSON: the scores of the answers by the readiness model in
    force, as the pages show them, with its version (those stored at submission may be an earlier version's)."""
    assessment, answers = _submitted_assessment()
    questionnaire = load()
    model = scoring.load(questionnaire)
    rows = exports.answer_rows(questionnaire, answers, g.lang_code)
    scores = {
        s.dimension.id: s.value
        for s in scoring.score(model, questionnaire, questionnaire.known_choices(answers.choices))
        if s.value is not None
    }
    return _attachment(
        exports.answers_json(assessment, questionnaire, rows, scores, model.version),
        "application/json",
        answers,
        "json",
    )


def init_app(app):
    """Register the downloads."""
    app.register_blueprint(bp)
