"""After submitting: the organisation's results page, and how the scores are computed."""

from flask import g
from flask import redirect
from flask import render_template
from flask import url_for

from readiness.core import scoring
from readiness.core.questionnaire import load

from . import report
from .helpers import current_assessment
from .helpers import no_store
from .i18n import localized_blueprint

bp = localized_blueprint("results", __name__)
# The results show the organisation's answers: no cache may keep them.
bp.after_request(no_store)


@bp.route("/confirmation")
def confirmation():
    """The address of the confirmation page before results existed: it shows the results now."""
    return redirect(url_for(".results"))


@bp.route("/results")
def results():
    """The submitted assessment's readiness profile, its answers beside 2024 and beside its peers."""
    assessment = current_assessment()
    if assessment is None:
        return redirect(url_for("survey.start"))
    if not assessment.submitted:
        return redirect(url_for("survey.check"))
    body = report.results_body(assessment, g.lang_code)
    return render_template("results/results.html", assessment=assessment, body=body)


@bp.route("/scores")
def scores_explained():
    """How each readiness score is computed, from which answers and with which weights."""
    questionnaire = load()
    return render_template("results/scores.html", questionnaire=questionnaire, model=scoring.load(questionnaire))


def init_app(app):
    """Register the results pages."""
    app.register_blueprint(bp)
