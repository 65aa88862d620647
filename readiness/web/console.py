"""The operator's console: sign-in, participation, the current round beside 2024, exports, reference tables.

Every page here needs a signed-in operator. Operators see aggregates; one organisation's answers reach
them only in the export of all answers. Accounts are made with ``flask operators create``.
"""

import re
import secrets
import tempfile
import threading
from datetime import date

from cachetools import TTLCache
from flask import Response
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import session
from flask import stream_with_context
from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import StringField
from wtforms.validators import AnyOf
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import StopValidation

from readiness.core import datasets
from readiness.core import exports
from readiness.core import peers
from readiness.core import reference
from readiness.core import scoring
from readiness.core.questionnaire import load
from readiness.store import datasets as stored_datasets
from readiness.store import figures as console_figures
from readiness.store import operators
from readiness.store import reference as stored_reference
from readiness.store import releases as stored_releases
from readiness.store.database import connect
from readiness.store.database import read_snapshot

from .helpers import get_db
from .helpers import lookup_failed
from .helpers import lookups_refused
from .helpers import no_store
from .helpers import peer_cells
from .helpers import peer_minimum
from .helpers import publish_release
from .helpers import release_info
from .helpers import render_error
from .helpers import too_many_lookups
from .i18n import localized_blueprint

bp = localized_blueprint("console", __name__)

# Failed sign-ins of one account within this window, beyond this many, lock it until the window passes.
FAILURE_WINDOW = 15 * 60
FAILURES_ALLOWED = 5
# Console figures are recomputed at most this often: operators read trends, not the last second.
FIGURES_TTL = 60
UPLOAD_LIMIT = 2 * 1024 * 1024
# The dates the results filters take: the service did not exist before, and no one plans past this.
EARLIEST, LATEST = date(2024, 1, 1), date(2100, 12, 31)
PUBLIC_ENDPOINTS = {"console.sign_in"}
# Where a sign-in may send the operator on: a console page of this service, nothing else.
SAFE_NEXT = re.compile(r"/(fi|sv|en)/console/[a-z0-9/_.-]*")
DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


@bp.before_request
def require_operator():
    """Every console page but the sign-in needs a signed-in operator whose session is still valid."""
    g.operator = _signed_in_operator()
    if g.operator is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("console.sign_in", next=request.path if request.method == "GET" else None))
    return None


# Console pages hold figures and files for operators only: no cache may keep them.
bp.after_request(no_store)


def _signed_in_operator():
    operator_id, version = session.get("operator"), session.get("operator_version")
    if operator_id is None:
        return None
    operator = operators.find_operator(get_db(), operator_id=operator_id)
    # A session from before a sign-out carries an older version: it no longer counts.
    if operator is None or operator["session_version"] != version:
        session.pop("operator", None)
        session.pop("operator_version", None)
        return None
    return operator


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SignInForm(FlaskForm):
    """The operators' sign-in. Only whether both fields are filled in is told here; whether the name and
    password are right, the view tells with one message for both."""

    username = StringField(
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your user name.")),
            Length(max=200, message=_l("The user name is too long: at most 200 characters.")),
        ],
    )
    password = PasswordField(
        validators=[
            InputRequired(_l("Enter your password.")),
            Length(max=1000, message=_l("The password is too long: at most 1,000 characters.")),
        ]
    )


def _sign_in_page(form, status):
    return render_template("console/sign_in.html", form=form), status


@bp.route("/console/sign-in", methods=["GET", "POST"])
def sign_in():
    """The operators' sign-in: a wrong password or an unknown name get the same message; after
    FAILURES_ALLOWED failures in FAILURE_WINDOW the account is locked until the window has passed."""
    form = SignInForm()
    if request.method == "POST":
        wait = lookups_refused()
        if wait:
            return too_many_lookups(wait)
    if not form.validate_on_submit():
        # An empty or overlong field is not a sign-in attempt: nothing is counted, no password checked.
        return _sign_in_page(form, 400 if form.errors else 200)
    db = get_db()
    username, password = form.username.data, form.password.data
    # The attempt is counted before the password is checked, so that parallel guesses count too.
    if not operators.start_sign_in(db, username, FAILURE_WINDOW, FAILURES_ALLOWED):
        form.username.errors.append(gettext("Too many failed attempts. Try again in 15 minutes."))
        return _sign_in_page(form, 429)
    operator = operators.find_operator(db, username=username)
    # An unknown name costs the same hash check as a wrong password: the answer time tells nothing.
    stored = operator["password_hash"] if operator else DUMMY_HASH
    if check_password_hash(stored, password) and operator:
        operators.clear_failures(db, username)
        # A new session for the signed-in operator: nothing from before it carries over.
        session.clear()
        session["operator"] = operator["id"]
        session["operator_version"] = operator["session_version"]
        target = request.args.get("next", "")
        return redirect(target if SAFE_NEXT.fullmatch(target) else url_for(".dashboard"))
    lookup_failed()
    form.username.errors.append(gettext("The user name or password is wrong."))
    return _sign_in_page(form, 401)


@bp.post("/console/sign-out")
def sign_out():
    """Sign out everywhere: every session of this operator, this one included, stops working."""
    operators.end_operator_sessions(get_db(), g.operator["id"])
    session.clear()
    return redirect(url_for(".sign_in", signed_out=1))


# Filters make keys: an operator trying many evicts the oldest instead of growing the cache. Requests of one
# worker's threads share it, so every read and write holds the lock.
_figures = TTLCache(maxsize=256, ttl=FIGURES_TTL)
_figures_lock = threading.Lock()


def cached_figures(key, compute):
    """Return ``compute()``, reused for FIGURES_TTL seconds per key (and per worker)."""
    with _figures_lock:
        found = _figures.get(key)
    if found is None:
        found = compute()
        with _figures_lock:
            _figures[key] = found
    return found


@bp.route("/console/")
def dashboard():
    """Participation: assessments started and submitted per week, per type, size band and region, and how
    far respondents get, section by section."""
    questionnaire = load()
    figures = cached_figures(
        ("participation", current_app.config["DATABASE"], g.lang_code),
        lambda: console_figures.participation(get_db(), questionnaire, g.lang_code),
    )
    return render_template("console/dashboard.html", questionnaire=questionnaire, figures=figures)


@bp.route("/console/results")
def results():
    """The current round beside 2024: every question's distribution among the service's submitted
    assessments (each organisation once), beside the published 2024 figure, and the six dimensions."""
    questionnaire = load()
    model = scoring.load(questionnaire)
    filters = _result_filters(questionnaire)
    if filters is None:
        return render_error(
            400,
            gettext("Unknown filter"),
            gettext("Choose the filters from the lists on the page."),
            (url_for(".results"), gettext("Show every submitted assessment")),
        )
    db = get_db()
    figures = cached_figures(
        ("results", current_app.config["DATABASE"], g.lang_code, *filters.values()),
        lambda: console_figures.round_figures(db, questionnaire, model, g.lang_code, **filters),
    )
    return render_template(
        "console/results.html",
        questionnaire=questionnaire,
        model=model,
        filters=filters,
        figures=figures,
        minimum=peer_minimum(),
        reference=_figures_by_option(stored_reference.figures_in_force(db, questionnaire)),
    )


def _figures_by_option(figures):
    found = {}
    for figure in figures:
        found.setdefault((figure.question_id, figure.option_id), []).append(figure)
    return found


def _result_filters(questionnaire):
    """Return the results page's filters from the query, or None if any is unknown."""
    allowed = {"org_type", "size_band", "since", "until"}
    if set(request.args) - allowed:
        return None
    org_type = request.args.get("org_type", "")
    size_band = request.args.get("size_band", "")
    choices = peers.filter_choices(questionnaire)
    bands = {band for type_bands in choices.values() for band in type_bands}
    if (org_type and (org_type == peers.ANY or org_type not in choices)) or (size_band and size_band not in bands):
        return None
    period = {}
    for name in ("since", "until"):
        value = request.args.get(name, "")
        if value:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                return None
            if not EARLIEST <= day <= LATEST:
                return None
            period[name] = day.isoformat()
    return {
        "org_type": org_type,
        "size_band": size_band,
        "since": period.get("since", ""),
        "until": period.get("until", ""),
    }


@bp.route("/console/exports")
def exports_page():
    """The exports: all answers (CSV, Excel) with the codebook, and the open-data aggregates."""
    return render_template("console/exports.html")


def _names_wanted():
    """Whether an export should carry organisation names (?names=1); None if the request has unknown filters."""
    if set(request.args) - {"names"} or request.args.get("names", "0") not in ("0", "1"):
        return None
    return request.args.get("names") == "1"


def _unknown_export_filter():
    return render_error(
        400,
        gettext("Unknown filter"),
        gettext("The answers export takes one choice only: with or without organisation names."),
        (url_for(".exports_page"), gettext("Back to the exports")),
    )


@bp.route("/console/exports/answers.csv")
def answers_csv():
    """Every submitted assessment as one CSV row, streamed from one consistent read."""
    with_names = _names_wanted()
    if with_names is None:
        return _unknown_export_filter()
    questionnaire = load()
    model = scoring.load(questionnaire)
    path = current_app.config["DATABASE"]

    def generate():
        db = connect(path)
        try:
            with read_snapshot(db):
                yield from datasets.csv_chunks(stored_datasets.assessment_frames(db, questionnaire, model, with_names))
        finally:
            db.conn.close()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=_file_name("vastaukset", "csv"))
    return response


@bp.route("/console/exports/answers.xlsx")
def answers_xlsx():
    """Every submitted assessment as one Excel row, with the codebook on a second sheet."""
    with_names = _names_wanted()
    if with_names is None:
        return _unknown_export_filter()
    questionnaire = load()
    model = scoring.load(questionnaire)
    db = get_db()
    # Written row by row to a temporary file, then sent from it: memory stays flat.
    spool = tempfile.TemporaryFile()
    with read_snapshot(db):
        datasets.write_excel(
            stored_datasets.assessment_frames(db, questionnaire, model, with_names),
            datasets.codebook(questionnaire, model),
            spool,
        )
    spool.seek(0)
    return send_file(
        spool,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=_file_name("vastaukset", "xlsx"),
    )


@bp.route("/console/exports/codebook.csv")
def codebook_csv():
    """The codebook of the answers export: every column with its question and option and their Finnish texts."""
    questionnaire = load()
    frame = datasets.codebook(questionnaire, scoring.load(questionnaire))
    body = datasets.BOM + frame.map(exports.neutralise).to_csv(index=False)
    return _csv_download(body, "koodikirja")


@bp.route("/console/exports/open-data.csv")
def open_data_csv():
    """The figures of the latest peer release, every group it shows: fit to publish as open data."""
    frame = stored_datasets.open_data(get_db(), load())
    return _csv_download(datasets.BOM + frame.to_csv(index=False), "avoin-data")


def _csv_download(body, stem):
    response = Response(body.encode("utf-8"), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=_file_name(stem, "csv"))
    return response


def _file_name(stem, extension):
    return f"tekoalyvalmius-{stem}-{date.today().isoformat()}.{extension}"


class ReferenceUploadForm(FlaskForm):
    """A reference CSV to check: a file, named .csv, in UTF-8. Its figures are checked by the view, with
    the same parser as ``flask reference load``; ``text`` is the file's content once it has passed."""

    file = FileField(
        validators=[
            FileRequired(_l("Choose a CSV file to upload.")),
            FileAllowed(["csv"], _l("Choose a CSV file: its name ends in .csv.")),
        ]
    )
    text = None

    def validate_file(self, field):
        try:
            self.text = field.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StopValidation(gettext("The file is not UTF-8 text. Save it as CSV UTF-8 and try again.")) from None


class ApplyReferenceForm(FlaskForm):
    """How a previewed upload is loaded: replace the figures with the same ids and keep the rest (the
    default, also when nothing is chosen), or make them the only figures."""

    mode = RadioField(
        choices=["extend", "replace"],
        default="extend",
        # Our own message, in the page's language, instead of WTForms' "Not a valid choice".
        validate_choice=False,
        validators=[AnyOf(["extend", "replace"], _l("Choose how to load the figures."))],
    )


@bp.route("/console/reference", methods=["GET", "POST"])
def reference_tables():
    """Load reference figures from a CSV file: checked as the command checks them, previewed, then applied."""
    db = get_db()
    form = ReferenceUploadForm()
    if not form.validate_on_submit():
        return _reference_page(db, form, status=400 if form.errors else 200)
    upload = form.file.data
    try:
        figures = reference.parse(form.text, load(), source_label=upload.filename)
    except reference.ReferenceFileError as error:
        form.file.errors.extend(str(error).splitlines())
        return _reference_page(db, form, status=400)
    upload_id = stored_reference.stage_reference_upload(db, g.operator["id"], upload.filename, form.text)
    preview = {"id": upload_id, "filename": upload.filename, "figures": figures}
    return _reference_page(db, ReferenceUploadForm(formdata=None), preview, ApplyReferenceForm(formdata=None))


@bp.post("/console/reference/<int:upload_id>/apply")
def apply_reference(upload_id):
    """Apply a previewed upload: replace the figures with the same ids and add the rest, or replace all."""
    db = get_db()
    staged = stored_reference.staged_reference_upload(db, upload_id)
    if staged is None:
        return render_error(404, gettext("This upload is no longer waiting"), gettext("Upload the file again."))
    try:
        figures = reference.parse(staged["content"], load(), source_label=staged["filename"])
    except reference.ReferenceFileError as error:  # the questionnaire changed since the preview
        upload_form = ReferenceUploadForm(formdata=None)
        upload_form.file.errors = str(error).splitlines()
        return _reference_page(db, upload_form, status=400)
    form = ApplyReferenceForm()
    if not form.validate():
        preview = {"id": upload_id, "filename": staged["filename"], "figures": figures}
        return _reference_page(db, ReferenceUploadForm(formdata=None), preview, form, status=400)
    label = f"{staged['filename']} ({g.operator['username']})"
    replace = form.mode.data == "replace"
    if not stored_reference.load_reference_figures(db, figures, label, replace, staged_upload=upload_id):
        return render_error(404, gettext("This upload is no longer waiting"), gettext("Upload the file again."))
    return redirect(url_for(".reference_tables", loaded=len(figures)))


def _reference_page(db, upload_form, preview=None, apply_form=None, status=200):
    page = render_template(
        "console/reference.html",
        loads=stored_reference.reference_loads(db),
        upload_form=upload_form,
        preview=preview,
        apply_form=apply_form,
    )
    return page, status


def allow_uploads():
    """Let the reference upload be larger than a form; it must happen before CSRF protection reads the body."""
    if request.endpoint == "console.reference_tables" and request.method == "POST":
        request.max_content_length = UPLOAD_LIMIT


class ReleaseForm(FlaskForm):
    """The button that publishes a peer release now; it takes nothing but its CSRF token."""


@bp.route("/console/releases", methods=["GET", "POST"])
def releases_page():
    """Peer releases: the latest, what it shows, the ones before, and a button that publishes one now (as the
    scheduled `flask peers release` does, under the same audit)."""
    db = get_db()
    form = ReleaseForm()
    if form.validate_on_submit():
        outcome = publish_release(db)
        return redirect(url_for(".releases_page", published=outcome.release.id))
    questionnaire = load()
    return render_template(
        "console/releases.html",
        form=form,
        recent=stored_releases.recent_releases(db),
        groups=stored_releases.latest_groups(db),
        type_names={o.id: o.label[g.lang_code] for o in questionnaire.profile_question("org_type").options},
        cells=peer_cells(),
        **release_info(db),
    )


def init_app(app):
    """Register the console."""
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, allow_uploads)
