"""The respondent's journey: start, one section per page, check answers, submit, confirmation, resume."""

import re
import secrets

from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from . import peers
from . import report
from . import results as results_module
from . import scoring
from . import storage
from .forms import choice_items
from .forms import error_summary
from .forms import form_errors
from .forms import form_values
from .forms import saved_values
from .forms import section_answers
from .forms import section_form
from .i18n import DEFAULT_LANGUAGE
from .i18n import localized_blueprint
from .pages import lookup_failed
from .pages import lookups_refused
from .pages import too_many_lookups
from .questionnaire import load

bp = localized_blueprint("survey", __name__)

# secrets.token_urlsafe(32): 256 bits in 43 URL-safe characters.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
RETURN_TO_CHECK = "check"


@bp.after_request
def keep_answers_out_of_caches(response):
    """Answers are private: no browser or proxy cache may keep these pages (the Back button included)."""
    response.cache_control.no_store = True
    return response


def current_assessment():
    """Return the assessment whose resume token this browser holds, or None."""
    token = session.get("token")
    if not token:
        return None
    return storage.find_assessment(storage.get_db(), storage.hash_token(token))


def _saved_answers(assessment):
    if assessment is None:
        return storage.Answers({}, {}, set())
    return storage.load_answers(storage.get_db(), assessment.id)


def _next_section_id(questionnaire, saved_sections):
    return next((s.id for s in questionnaire.sections if s.id not in saved_sections), None)


def _continue_url(questionnaire, assessment):
    """Return where a respondent picks up: the first unsaved section, the check page, or the confirmation."""
    if assessment.submitted:
        return url_for(".results")
    next_id = _next_section_id(questionnaire, _saved_answers(assessment).saved_sections)
    return url_for(".section", section_id=next_id) if next_id else url_for(".check")


def resume_url():
    """Return the absolute resume link of this browser's assessment, or None."""
    token = session.get("token")
    return url_for(".resume", token=token, _external=True) if token else None


@bp.route("/")
def start():
    """The start page: what the assessment is, how long it takes and how the data is used."""
    questionnaire = load()
    assessment = current_assessment()
    continue_url = _continue_url(questionnaire, assessment) if assessment else None
    return render_template(
        "start.html",
        questionnaire=questionnaire,
        assessment=assessment,
        continue_url=continue_url,
        first_section_url=url_for(".section", section_id=questionnaire.sections[0].id),
    )


@bp.post("/new")
def new():
    """Forget this browser's assessment and start again (the old one stays reachable by its link)."""
    session.pop("token", None)
    return redirect(url_for(".section", section_id=load().sections[0].id))


@bp.route("/section/<section_id>", methods=["GET", "POST"])
def section(section_id):
    """One section of the questionnaire; saving it creates the assessment on the first save."""
    questionnaire = load()
    section = questionnaire.section(section_id) or abort(404)
    assessment = current_assessment()
    if assessment and assessment.submitted:
        return redirect(url_for(".results"))
    return_to = request.args.get("return")
    return_to = return_to if return_to == RETURN_TO_CHECK else None
    if request.method == "POST":
        form = section_form(section, g.lang_code)
        if form.validate():
            return _save(questionnaire, section, assessment, form, return_to)
        values, errors = form_values(form), form_errors(form)
    else:
        values, errors = saved_values(section, _saved_answers(assessment)), {}

    number = questionnaire.section_number(section.id)
    if return_to:
        back_url = url_for(".check")
    elif number == 1:
        back_url = url_for(".start")
    else:
        back_url = url_for(".section", section_id=questionnaire.sections[number - 2].id)
    return render_template(
        "section.html",
        questionnaire=questionnaire,
        section=section,
        values=values,
        field_errors=errors,
        errors=error_summary(errors, section, g.lang_code),
        number=number,
        back_url=back_url,
        return_to=return_to,
        has_assessment=assessment is not None,
    )


def _save(questionnaire, section, assessment, form, return_to):
    """Store a valid section; the first save creates the assessment and its resume token."""
    choices, texts = section_answers(section, form)
    answer_keys = [key for q in section.questions for key in q.answer_keys()]
    db = storage.get_db()
    if assessment is None:
        token = secrets.token_urlsafe(32)
        storage.create_assessment(
            db, storage.hash_token(token), questionnaire.version, section.id, answer_keys, choices, texts
        )
        session["token"] = token
        return redirect(url_for(".saved"))
    try:
        storage.save_section(db, assessment.id, section.id, answer_keys, choices, texts)
    except storage.AssessmentLocked:
        return redirect(url_for(".results"))
    if return_to:
        return redirect(url_for(".check", _anchor=f"section-{section.id}"))
    return redirect(_continue_url(questionnaire, assessment))


@bp.route("/saved")
def saved():
    """Shown after the first save: the private resume link, to copy and keep."""
    assessment = current_assessment() or abort(404)
    return render_template("saved.html", resume_link=resume_url(), continue_url=_continue_url(load(), assessment))


@bp.route("/check")
def check():
    """Every answer on one page, each with a link to change it, and the submit button."""
    questionnaire = load()
    assessment = current_assessment()
    if assessment is None:
        return redirect(url_for(".start"))
    if assessment.submitted:
        return redirect(url_for(".results"))
    answers = _saved_answers(assessment)
    missing = [s for s in questionnaire.sections if s.id not in answers.saved_sections]
    return render_template(
        "check.html",
        questionnaire=questionnaire,
        answers=answers,
        missing=missing,
        submit_failed=request.args.get("incomplete") == "1" and bool(missing),
    )


@bp.post("/submit")
def submit():
    """Submit the assessment: it becomes read-only."""
    questionnaire = load()
    assessment = current_assessment()
    if assessment is None:
        return redirect(url_for(".start"))
    try:
        storage.submit(storage.get_db(), assessment.id, [s.id for s in questionnaire.sections], summarise, may_publish)
    except storage.SectionsMissing:
        return redirect(url_for(".check", incomplete="1"))
    except storage.AssessmentLocked:
        pass
    return redirect(url_for(".results"))


def summarise(answers):
    """Return what submitting stores beside the answers: peer group, dimension scores, choices peers count.

    The profile (type, size, region, language, role) describes the organisation: counting it for peers
    would help to tell who answered, so peers count only the survey's own questions.
    """
    questionnaire = load()
    choices = questionnaire.known_choices(answers.choices)
    scores = scoring.score(scoring.load(questionnaire), questionnaire, choices)
    profile = set(questionnaire.section(results_module.PROFILE_SECTION).questions)
    counted = {
        key: options for key, options in choices.items() if questionnaire.question(key.split(".")[0]) not in profile
    }
    return peers.size_band(questionnaire, choices), {s.dimension.id: s.value for s in scores}, counted


def may_publish(live, published, shown_before, changes):
    """The publication rule of peer aggregates, with this service's minimum group size."""
    return peers.may_publish(live, published, shown_before, current_app.config["PEER_MINIMUM"], changes)


@bp.route("/confirmation")
def confirmation():
    """The address of the confirmation page before results existed: it shows the results now."""
    return redirect(url_for(".results"))


@bp.route("/results")
def results():
    """The submitted assessment's readiness profile, its answers beside 2024 and beside its peers."""
    assessment = current_assessment()
    if assessment is None:
        return redirect(url_for(".start"))
    if not assessment.submitted:
        return redirect(url_for(".check"))
    body = report.results_body(assessment, g.lang_code)
    return render_template("results.html", assessment=assessment, body=body)


@bp.route("/scores")
def scores_explained():
    """How each readiness score is computed, from which answers and with which weights."""
    questionnaire = load()
    return render_template("scores.html", questionnaire=questionnaire, model=scoring.load(questionnaire))


@bp.route("/resume/<token>")
def resume(token):
    """Open an assessment from its private link, on any device, and continue where it was left."""
    wait = lookups_refused()
    if wait:
        return too_many_lookups(wait)
    assessment = None
    if TOKEN_PATTERN.fullmatch(token):
        assessment = storage.find_assessment(storage.get_db(), storage.hash_token(token))
    if assessment is None:
        lookup_failed()
        abort(404)
    session["token"] = token
    # The redirect takes the token out of the address bar and the browser history of this page.
    return redirect(_continue_url(load(), assessment))


def init_app(app):
    """Register the survey pages and send / to the Finnish start page."""
    app.register_blueprint(bp)
    app.jinja_env.globals["choice_items"] = choice_items
    app.add_url_rule("/", "root", lambda: redirect(url_for("survey.start", lang_code=DEFAULT_LANGUAGE)))
