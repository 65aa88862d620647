"""The respondent's journey: start, one section per page, check answers, submit, resume."""

from flask import abort
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext

from readiness.core.questionnaire import load
from readiness.store import assessments
from readiness.store import records
from readiness.store.database import hash_token

from . import report
from .forms import choice_items
from .forms import error_summary
from .forms import form_errors
from .forms import form_values
from .forms import saved_values
from .forms import section_answers
from .forms import section_form
from .helpers import NEW_RESUME_LINK
from .helpers import close_assessment
from .helpers import current_assessment
from .helpers import get_db
from .helpers import lookup_failed
from .helpers import lookups_refused
from .helpers import new_token
from .helpers import no_store
from .helpers import open_assessment
from .helpers import open_with_new_link
from .helpers import peer_rule
from .helpers import take_kept
from .helpers import token_from
from .helpers import too_many_lookups
from .i18n import DEFAULT_LANGUAGE
from .i18n import localized_blueprint

bp = localized_blueprint("survey", __name__)

RETURN_TO_CHECK = "check"
# Answers are private: no browser or proxy cache may keep these pages.
bp.after_request(no_store)


def _saved_answers(assessment):
    if assessment is None:
        return records.Answers({}, {}, set())
    return records.load_answers(get_db(), assessment.id)


def _next_section_id(questionnaire, saved_sections):
    return next((s.id for s in questionnaire.sections if s.id not in saved_sections), None)


def _continue_url(questionnaire, assessment):
    """Return where a respondent picks up: the first unsaved section, the check page, or the confirmation."""
    if assessment.submitted:
        return url_for("results.results")
    next_id = _next_section_id(questionnaire, _saved_answers(assessment).saved_sections)
    return url_for(".section", section_id=next_id) if next_id else url_for(".check")


def resume_url(token):
    """Return the absolute resume link of a token. The token is in the fragment (after #), which the browser
    never sends: it stays out of every access log, and the page's script takes it out of the history."""
    return url_for(".resume", _external=True, _anchor=token)


@bp.route("/")
def start():
    """The start page: what the assessment is, how long it takes and how the data is used."""
    questionnaire = load()
    assessment = current_assessment()
    continue_url = _continue_url(questionnaire, assessment) if assessment else None
    return render_template(
        "survey/start.html",
        questionnaire=questionnaire,
        assessment=assessment,
        continue_url=continue_url,
        first_section_url=url_for(".section", section_id=questionnaire.sections[0].id),
    )


@bp.post("/new")
def new():
    """Forget this browser's assessment and start again (the old one stays reachable by its link)."""
    close_assessment()
    return redirect(url_for(".section", section_id=load().sections[0].id))


@bp.route("/section/<section_id>", methods=["GET", "POST"])
def section(section_id):
    """One section of the questionnaire; saving it creates the assessment on the first save."""
    questionnaire = load()
    section = questionnaire.section(section_id) or abort(404)
    assessment = current_assessment()
    if assessment and assessment.submitted:
        return redirect(url_for("results.results"))
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
        "survey/section.html",
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
    db = get_db()
    if assessment is None:
        token, token_hash = new_token()
        assessments.create_assessment(db, token_hash, questionnaire.version, section.id, answer_keys, choices, texts)
        open_with_new_link(token, token_hash)
        return redirect(url_for(".saved"))
    try:
        assessments.save_section(db, assessment.id, section.id, answer_keys, choices, texts)
    except assessments.AssessmentLocked:
        return redirect(url_for("results.results"))
    if return_to:
        return redirect(url_for(".check", _anchor=f"section-{section.id}"))
    return redirect(_continue_url(questionnaire, assessment))


@bp.route("/saved")
def saved():
    """Shown after the first save: the private resume link, to copy and keep. The link is shown once; later
    this page offers a new link instead (the service keeps only its hash and cannot show it again)."""
    assessment = current_assessment() or abort(404)
    token = take_kept(NEW_RESUME_LINK)
    return render_template(
        "survey/saved.html",
        resume_link=resume_url(token) if token else None,
        continue_url=_continue_url(load(), assessment),
    )


@bp.post("/saved/new-link")
def new_link():
    """Replace the resume link of this browser's assessment with a new one, shown once: the old link stops
    working, on every device."""
    assessment = current_assessment() or abort(404)
    token, token_hash = new_token()
    assessments.replace_token(get_db(), assessment.id, token_hash)
    open_with_new_link(token, token_hash)
    return redirect(url_for(".saved"))


@bp.route("/check")
def check():
    """Every answer on one page, each with a link to change it, and the submit button."""
    questionnaire = load()
    assessment = current_assessment()
    if assessment is None:
        return redirect(url_for(".start"))
    if assessment.submitted:
        return redirect(url_for("results.results"))
    answers = _saved_answers(assessment)
    missing = [s for s in questionnaire.sections if s.id not in answers.saved_sections]
    return render_template(
        "survey/check.html",
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
        assessments.submit(get_db(), assessment.id, [s.id for s in questionnaire.sections], peer_rule())
    except assessments.SectionsMissing:
        return redirect(url_for(".check", incomplete="1"))
    except assessments.AssessmentLocked:
        pass
    else:
        # Built now, for every worker, so that the first view of the results only reads it.
        report.results_body(current_assessment(), g.lang_code)
    return redirect(url_for("results.results"))


@bp.route("/resume")
def resume():
    """The resume link's page. The link carries its token after #, which never reaches the server: the page's
    script reads it, takes it out of the address bar and the history, and posts it with the form below. Without
    JavaScript, the person pastes the link (or the token) into the form."""
    return _resume_form()


@bp.route("/resume/<token>")
def old_resume(token):
    """A link of the old form, with the token in the path (so in access logs). It is not looked up here: the
    page offers to open it with a button, and the assessment then gets a new link, so that the logged one
    stops working."""
    return _resume_form(link=token[:200], renew=True)


def _resume_form(link="", renew=False, error=None, status=200):
    page = render_template("survey/resume.html", link=link, renew=renew, error=error)
    return page, status


@bp.post("/resume")
def open_link():
    """Open an assessment from its resume link, on any device, and continue where it was left. If another
    assessment is open in this browser, ask first: opening someone else's link must not silently swap."""
    wait = lookups_refused()
    if wait:
        return too_many_lookups(wait)
    link = request.form.get("link", "")
    renew = request.form.get("renew") == "1"
    token = token_from(link)
    found = records.find_assessment(get_db(), hash_token(token)) if token else None
    if found is None:
        if not link.strip():
            return _resume_form(renew=renew, error=gettext("Enter your resume link."), status=400)
        lookup_failed()
        message = gettext("This resume link does not work. Check that you copied the whole link.")
        return _resume_form(renew=renew, error=message, status=404)
    current = current_assessment()
    choice = request.form.get("choice")
    if current is not None and current.id != found.id and choice != "switch":
        if choice == "keep":
            return redirect(_continue_url(load(), current))
        return render_template("survey/switch.html", link=token, renew=renew)
    if renew:
        # The old link has been in access logs: it is replaced, and the new one is shown once.
        token, token_hash = new_token()
        assessments.replace_token(get_db(), found.id, token_hash)
        open_with_new_link(token, token_hash)
        return redirect(url_for(".saved"))
    open_assessment(hash_token(token))
    return redirect(_continue_url(load(), found))


def init_app(app):
    """Register the survey pages and send / to the Finnish start page."""
    app.register_blueprint(bp)
    app.jinja_env.globals["choice_items"] = choice_items
    app.add_url_rule("/", "root", lambda: redirect(url_for("survey.start", lang_code=DEFAULT_LANGUAGE)))
