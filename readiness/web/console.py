"""The operator's console: sign-in, participation, the current round beside 2024, exports, reference tables.

Every page here needs a signed-in operator. Operators see aggregates; one organisation's answers reach
them only in the export of all answers. Accounts are made with ``flask operators create``.
"""

import re
import secrets
import tempfile
import threading
from datetime import datetime

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
from flask_babel import ngettext
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

from readiness.core import charts
from readiness.core import datasets
from readiness.core import exports
from readiness.core import peers
from readiness.core import reference
from readiness.core import register
from readiness.core import scoring
from readiness.core.formatting import HELSINKI
from readiness.core.formatting import format_date
from readiness.core.formatting import format_number
from readiness.core.formatting import format_percent
from readiness.core.questionnaire import load
from readiness.store import datasets as stored_datasets
from readiness.store import figures as console_figures
from readiness.store import operators
from readiness.store import reference as stored_reference
from readiness.store import register as stored_register
from readiness.store import releases as stored_releases
from readiness.store.database import connect
from readiness.store.database import read_snapshot

from .helpers import get_db
from .helpers import lookup_client
from .helpers import lookup_failed
from .helpers import lookups_refused
from .helpers import no_store
from .helpers import peer_cells
from .helpers import peer_minimum
from .helpers import publish_release
from .helpers import release_info
from .helpers import render_error
from .helpers import today
from .helpers import too_many_lookups
from .i18n import localized_blueprint

bp = localized_blueprint("console", __name__)

# Failed sign-ins with one name from one client within this window, beyond this many, lock that name for that
# client until the window passes (other clients, the operator's own among them, are not locked out).
FAILURE_WINDOW = 15 * 60
FAILURES_ALLOWED = 5
# Console figures are recomputed at most this often: operators read trends, not the last second.
FIGURES_TTL = 60
UPLOAD_LIMIT = 2 * 1024 * 1024
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
    # A session from before a sign-out carries an older version: it no longer counts; nor does a disabled account.
    if operator is None or operator["session_version"] != version or operator["disabled_at"]:
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
    """The operators' sign-in: a wrong password, an unknown name or a disabled account get the same message;
    after FAILURES_ALLOWED failures with one name from one client in FAILURE_WINDOW, that client may not try
    the name again until the window has passed."""
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
    client = lookup_client()
    if not operators.start_sign_in(db, username, client, FAILURE_WINDOW, FAILURES_ALLOWED):
        form.username.errors.append(gettext("Too many failed attempts. Try again in 15 minutes."))
        return _sign_in_page(form, 429)
    operator = operators.find_operator(db, username=username)
    # An unknown name costs the same hash check as a wrong password: the answer time tells nothing.
    stored = operator["password_hash"] if operator else DUMMY_HASH
    if check_password_hash(stored, password) and operator and not operator["disabled_at"]:
        operators.clear_failures(db, username, client)
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
    """The service's released figures beside 2024: per question a chart of the released peer group's answers
    with the published 2024 figures, and the six dimensions. Filters choose a released peer group; a group
    that may not be shown (too small, or it would isolate organisations by difference) shows nothing."""
    questionnaire = load()
    model = scoring.load(questionnaire)
    filters = _result_filters(questionnaire)
    if filters is None:
        return render_error(
            400,
            gettext("Unknown filter"),
            gettext("Choose the filters from the lists on the page: a size band together with its organisation type."),
            (url_for(".results"), gettext("Show every organisation")),
        )
    db = get_db()
    minimum = peer_minimum()
    released = console_figures.released_figures(db, filters["org_type"] or peers.ANY, filters["size_band"] or peers.ANY)
    reference_figures = _figures_by_option(stored_reference.figures_in_force(db, questionnaire))
    lang = g.lang_code
    questions = (
        _question_charts(questionnaire, released["figures"], reference_figures, lang) if released["figures"] else []
    )
    dimensions = _dimension_rows(model, released["figures"], lang) if released["figures"] else None
    return render_template(
        "console/results.html",
        questionnaire=questionnaire,
        model=model,
        filters=filters,
        released=released,
        questions=questions,
        dimensions=dimensions,
        minimum=minimum,
        cells=peer_cells(),
    )


def _question_charts(questionnaire, figures, reference_figures, lang):
    """Return one chart per question of the released figures, as dicts for the page: ``svg``, the table
    (``columns``, ``rows``; a published 2024 figure as a list of figures in a row's last cell), and the
    question's published figures that no single answer of it states (``other_published``).

    A question with options: the released group's share per option as bars, the published 2024 percentage
    of the same option as a diamond where one was published. A matrix: one 100 % bar per row, split by option.
    """
    profile = questionnaire.profile_question_ids()
    legend = (gettext("Released peer figures"), gettext("2024 survey, as published"))
    found = []
    for question in questionnaire.questions():
        if question.free_text or question.id in profile:
            continue
        option_ids = [option.id for option in question.options]
        labels = [option.label[lang] for option in question.options]
        drawn = set()
        if question.rows:
            rows = []
            for key in question.answer_keys():
                shares = figures.shares(key, option_ids)
                rows.append((question.row(key).label[lang], [shares[option_id] for option_id in option_ids]))
                drawn |= {(key, option_id) for option_id in option_ids}
            svg = charts.svg_stacked(f"q-{question.id}", rows, labels)
            columns = [gettext("Row"), *labels]
            table = [[label, *(format_percent(share, lang) for share in shares)] for label, shares in rows]
        else:
            shares = figures.shares(question.id, option_ids)
            bars, markers, table = [], [], []
            for option, label in zip(question.options, labels, strict=True):
                published = reference_figures.get((question.id, option.id), [])
                drawn.add((question.id, option.id))
                share = shares[option.id]
                bars.append((label, share, True, format_percent(share, lang)))
                markers.append(_percent_of(published))
                table.append([label, format_percent(share, lang), published])
            svg = charts.svg_bars(
                f"q-{question.id}",
                bars,
                100,
                markers=markers if any(marker is not None for marker in markers) else None,
                legend=legend,
                ticks=[(value, format_percent(value, lang)) for value in (0, 25, 50, 75, 100)],
            )
            columns = [gettext("Answer"), legend[0], "2024"]
        keys = {question.id, *question.answer_keys()}
        other = [
            figure
            for (key, option_id), published in reference_figures.items()
            if key in keys and (key, option_id) not in drawn
            for figure in published
        ]
        any_published = bool(other) or any(row[-1] for row in table if isinstance(row[-1], list))
        if not question.rows and not any_published:
            columns, table = columns[:2], [row[:2] for row in table]
        found.append(
            {
                "question": question,
                "svg": svg,
                "columns": columns,
                "rows": table,
                "other_published": other,
                "any_published": any_published,
            }
        )
    return found


def _percent_of(published):
    """Return the first published figure of an option as a percentage to draw, or None (a count has none)."""
    for figure in published:
        if figure.number is not None and figure.unit == "percent":
            return figure.number
        if figure.number is not None and figure.unit == "share":
            return 100 * figure.number
    return None


def _dimension_rows(model, figures, lang):
    """Return (SVG chart, rows) of the released group's median and band counts per dimension."""
    rows = []
    for dimension in model.dimensions:
        median = figures.median(dimension.id)
        bands = figures.band_counts(dimension.id, model)
        rows.append((dimension, median, bands))
    # The chart is the organisations' readiness: the respondent's own use and attitude are tabled apart.
    svg = charts.svg_bars(
        "console-dimensions",
        [
            (d.name[lang], median, False, format_number(median, lang) if median is not None else "–")
            for d, median, _ in rows
            if d.level == "organisation"
        ],
        100,
        ticks=[(value, format_number(value, lang)) for value in (0, 25, 50, 75, 100)],
    )
    return svg, rows


def _figures_by_option(figures):
    found = {}
    for figure in figures:
        found.setdefault((figure.question_id, figure.option_id), []).append(figure)
    return found


def _result_filters(questionnaire):
    """Return the results page's filters from the query, or None if any is unknown (or a size band comes
    without its organisation type, a group no one releases)."""
    allowed = {"org_type", "size_band"}
    if set(request.args) - allowed:
        return None
    org_type = request.args.get("org_type", "")
    size_band = request.args.get("size_band", "")
    choices = peer_cells().choices()
    if org_type and (org_type == peers.ANY or org_type not in choices):
        return None
    bands = {band for type_bands in choices.values() for band in type_bands}
    if size_band and (not org_type or size_band not in bands):
        return None
    return {"org_type": org_type, "size_band": size_band}


@bp.route("/console/exports")
def exports_page():
    """The exports: all answers (CSV, Finnish-Excel CSV, Excel) with the codebook, and the open-data aggregates."""
    example = _file_name("answers", "csv", FILE_WORDS[g.lang_code]["without_names"], FILE_WORDS[g.lang_code]["latest"])
    return render_template("console/exports.html", example_name=example)


# The answers export's formats: (file extension, CSV dialect or None for the Excel workbook).
EXPORT_FORMATS = {"csv": ("csv", "standard"), "excel-fi-csv": ("csv", "excel-fi"), "xlsx": ("xlsx", None)}
# What a file name says of its content, in each language.
FILE_WORDS = {
    "fi": {
        "answers": "vastaukset",
        "with_names": "nimineen",
        "without_names": "ilman-nimia",
        "latest": "viimeisin-kierros",
        "excel-fi": "excel-puolipiste",
        "codebook": "koodikirja",
        "open_data": "avoin-data",
        "reference": "viiteluvut",
    },
    "sv": {
        "answers": "svar",
        "with_names": "med-namn",
        "without_names": "utan-namn",
        "latest": "senaste-omgangen",
        "excel-fi": "excel-semikolon",
        "codebook": "kodbok",
        "open_data": "oppna-data",
        "reference": "referensvarden",
    },
    "en": {
        "answers": "answers",
        "with_names": "with-names",
        "without_names": "without-names",
        "latest": "latest-round",
        "excel-fi": "excel-semicolon",
        "codebook": "codebook",
        "open_data": "open-data",
        "reference": "reference-figures",
    },
}


def _export_choices():
    """Return the answers export's choices from the query (format, names, latest round only), or None if
    the request has anything else."""
    args = request.args
    if (
        set(args) - {"format", "names", "latest"}
        or args.get("format", "csv") not in EXPORT_FORMATS
        or args.get("names", "0") not in ("0", "1")
        or args.get("latest", "0") not in ("0", "1")
    ):
        return None
    return args.get("format", "csv"), args.get("names") == "1", args.get("latest") == "1"


def _unknown_export_filter():
    return render_error(
        400,
        gettext("Unknown filter"),
        gettext("Choose the format, the organisation names and the rounds from the choices on the exports page."),
        (url_for(".exports_page"), gettext("Back to the exports")),
    )


@bp.route("/console/exports/answers")
def answers_export():
    """Every submitted assessment as one row (CSV, Finnish-Excel CSV or an Excel workbook with the codebook),
    read in chunks from one consistent read: memory stays flat however many there are."""
    choices = _export_choices()
    if choices is None:
        return _unknown_export_filter()
    export_format, with_names, latest = choices
    extension, dialect = EXPORT_FORMATS[export_format]
    questionnaire = load()
    model = scoring.load(questionnaire)
    lang = g.lang_code
    layout = datasets.layout(questionnaire, model, with_names, lang)
    words = [FILE_WORDS[lang]["with_names" if with_names else "without_names"]]
    words += [FILE_WORDS[lang]["latest"]] if latest else []
    words += [FILE_WORDS[lang]["excel-fi"]] if dialect == "excel-fi" else []
    filename = _file_name("answers", extension, *words)
    path = current_app.config["DATABASE"]
    if dialect is None:
        db = get_db()
        # Written row by row to a temporary file, then sent from it: memory stays flat.
        spool = tempfile.TemporaryFile()
        with read_snapshot(db):
            datasets.write_excel(
                layout.columns,
                stored_datasets.assessment_rows(db, layout, latest),
                datasets.codebook(questionnaire, model, lang),
                spool,
            )
        spool.seek(0)
        return send_file(
            spool,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            as_attachment=True,
            download_name=filename,
        )

    def generate():
        db = connect(path)
        try:
            with read_snapshot(db):
                yield from datasets.csv_chunks(
                    layout.columns,
                    stored_datasets.assessment_rows(db, layout, latest),
                    dialect,
                    decimal_columns=tuple(layout.scores.values()),
                )
        finally:
            db.conn.close()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def _dialect():
    """Return the CSV dialect a small export asks for (?dialect=excel-fi), or None if the request has anything else."""
    if set(request.args) - {"dialect"} or request.args.get("dialect", "standard") not in datasets.DIALECTS:
        return None
    return request.args.get("dialect", "standard")


@bp.route("/console/exports/codebook.csv")
def codebook_csv():
    """The codebook of the answers export: every column with its question and option and their texts."""
    dialect = _dialect()
    if dialect is None:
        return _unknown_export_filter()
    questionnaire = load()
    frame = datasets.codebook(questionnaire, scoring.load(questionnaire), g.lang_code)
    return _csv_download(datasets.frame_csv(frame, dialect), "codebook", dialect)


@bp.route("/console/exports/open-data.csv")
def open_data_csv():
    """The figures of the latest peer release, every group it shows: fit to publish as open data."""
    dialect = _dialect()
    if dialect is None:
        return _unknown_export_filter()
    frame = stored_datasets.open_data(get_db(), load())
    return _csv_download(datasets.frame_csv(frame, dialect), "open_data", dialect)


def _csv_download(body, what, dialect="standard"):
    words = [FILE_WORDS[g.lang_code]["excel-fi"]] if dialect == "excel-fi" else []
    response = Response(body, mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename=_file_name(what, "csv", *words))
    return response


def _file_name(what, extension, *words):
    """Return a download's name in the page's language: the service, what the file holds, the date."""
    lang = g.lang_code
    parts = [exports.FILE_STEM[lang], FILE_WORDS[lang][what], *words, today().isoformat()]
    return "-".join(parts) + "." + extension


# What each problem of a reference file says (``core.reference.PROBLEMS`` has the same codes, in English).
PROBLEM_TEXTS = {
    "missing": _l("missing"),
    "unknown_column": _l("not a column of the reference file"),
    "repeated_column": _l("appears %(count)s times"),
    "field_count": _l("%(found)s fields where the header has %(expected)s"),
    "field_too_long": _l("a field is longer than %(limit)s characters; nothing after it was read"),
    "unreadable": _l("not readable as CSV (%(reason)s); nothing after it was read"),
    "no_figures": _l("the file has no figures"),
    "not_one_of": _l("%(value)s is not one of %(allowed)s"),
    "value_needs_unit": _l("missing (a value needs a unit)"),
    "value_needs_precision": _l("missing (a value needs a precision)"),
    "share_bounds": _l("%(value)s: a share a/b needs 0 < a <= b"),
    "unit_not_share": _l("%(unit)s does not fit the share %(value)s (use share)"),
    "not_a_number": _l("%(value)s is not empty, a decimal number with a dot (40 or 40.5) or a share a/b (1/3)"),
    "share_needs_fraction": _l("share needs a value a/b, not %(value)s"),
    "percent_range": _l("%(value)s: a percent must be between 0 and 100"),
    "count_whole": _l("%(value)s: a count must be a whole number"),
    "survey_option": _l("%(value)s: a figure about the whole survey has no option"),
    "unknown_question": _l("%(value)s is not a question of the questionnaire"),
    "unknown_option": _l("%(value)s is not an option of %(question)s"),
    "n_positive": _l("%(value)s is not a positive whole number (leave it empty when the base is not stated)"),
    "year_range": _l("%(value)s is not a year between %(first)s and %(last)s"),
    "not_https": _l("%(value)s does not start with https://"),
    "swedish_name_missing": _l("missing (a Swedish address needs the Swedish name)"),
    "survey_id": _l("%(value)s is not a plain id (letters, digits, - and _)"),
    "repeated_id": _l("%(value)s is already used on row %(first)s"),
}
# A file with thousands of bad rows lists this many problems; the page says how many more there are.
PROBLEMS_LISTED = 100


def problem_text(problem):
    """Return one problem of a reference file in the page's language: its row, its column and what is wrong."""
    lang = g.lang_code
    values = {name: format_number(v, lang) if isinstance(v, int) else v for name, v in problem.values.items()}
    what = PROBLEM_TEXTS[problem.code] % values
    if problem.row == 1 and problem.column:
        return gettext("Row 1 (header), column %(column)s: %(what)s", column=problem.column, what=what)
    if problem.column:
        return gettext("Row %(row)s, column %(column)s: %(what)s", row=problem.row, column=problem.column, what=what)
    return gettext("Row %(row)s: %(what)s", row=problem.row, what=what)


def problem_list(error):
    """Return the lines that tell an operator what is wrong with a refused reference file."""
    count = len(error.problems)
    lines = [problem_text(problem) for problem in error.problems[:PROBLEMS_LISTED]]
    if count > PROBLEMS_LISTED:
        lines.append(gettext("… and %(num)s more problems.", num=count - PROBLEMS_LISTED))
    return lines


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
        return _reference_page(db, form, status=400, problems=error)
    upload_id = stored_reference.stage_reference_upload(db, g.operator["id"], upload.filename, form.text)
    preview = {"id": upload_id, "filename": upload.filename, "figures": figures}
    return _reference_page(db, ReferenceUploadForm(formdata=None), preview, ApplyReferenceForm(formdata=None))


@bp.route("/console/reference/figures.csv")
def reference_csv():
    """The reference figures in force as a reference file: what the service shows now, a template to edit."""
    figures = stored_reference.figures_in_force(get_db(), load())
    return _csv_download(reference.to_csv(figures).encode("utf-8"), "reference")


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
        return _reference_page(db, ReferenceUploadForm(formdata=None), status=400, problems=error)
    form = ApplyReferenceForm()
    if not form.validate():
        preview = {"id": upload_id, "filename": staged["filename"], "figures": figures}
        return _reference_page(db, ReferenceUploadForm(formdata=None), preview, form, status=400)
    label = f"{staged['filename']} ({g.operator['username']})"
    replace = form.mode.data == "replace"
    if not stored_reference.load_reference_figures(db, figures, label, replace, staged_upload=upload_id):
        return render_error(404, gettext("This upload is no longer waiting"), gettext("Upload the file again."))
    return redirect(url_for(".reference_tables", loaded=len(figures)))


def _reference_page(db, upload_form, preview=None, apply_form=None, status=200, problems=None):
    if problems is not None:
        count = len(problems.problems)
        # The summary names the file and the count; the field lists every problem.
        upload_form.file.errors = [
            ngettext(
                "%(num)s problem in %(file)s:", "%(num)s problems in %(file)s:", count, file=problems.source_label
            ),
            *problem_list(problems),
        ]
    page = render_template(
        "console/reference.html",
        loads=stored_reference.reference_loads(db),
        upload_form=upload_form,
        preview=preview,
        apply_form=apply_form,
        columns=reference.COLUMNS,
    )
    return page, status


def allow_uploads():
    """Let the reference upload be larger than a form; it must happen before CSRF protection reads the body."""
    if request.endpoint == "console.reference_tables" and request.method == "POST":
        request.max_content_length = UPLOAD_LIMIT


# The verification queue (issue 12): claims that wait for the operator --------------------------------------


@bp.route("/console/verification")
def verification_queue(register_form=None, band_error=None, status=200):
    """Claims waiting for the operator (by choice, or because two organisations claim one register entry), each
    with the organisation, the contact it gave, the date and, where the register has no size band for the
    entry, the band to record on approval; the organisations verified so far; and the form that loads register
    entries. ``band_error`` is (claim id, message) when an approval came without a valid band."""
    db = get_db()
    entries = stored_register.register_in_force(db)
    questionnaire = load()
    return render_template(
        "console/verification.html",
        waiting=stored_register.pending_claims(db),
        verified=stored_register.verified_claims(db),
        entries=entries,
        band_error=band_error,
        size_options={
            o.id: register.size_options(questionnaire, o.id) for o in questionnaire.profile_question("org_type").options
        },
        type_labels={o.id: o.label[g.lang_code] for o in questionnaire.profile_question("org_type").options},
        band_labels={
            o.id: o.label[g.lang_code]
            for name in ("population", "staff")
            for o in questionnaire.profile_question(name).options
        },
        decided=request.args.get("decided"),
        loaded=request.args.get("loaded", type=int),
        register_form=register_form or ReferenceUploadForm(formdata=None),
        register_loads=stored_register.register_loads(db),
    ), status


@bp.post("/console/verification/register")
def load_register():
    """Load register entries from an uploaded CSV (within the form size limit; larger files with
    ``flask register load``): the same checks as the command, every problem listed, nothing loaded if any."""
    form = ReferenceUploadForm()
    if not form.validate_on_submit():
        return verification_queue(form, status=400)
    try:
        entries = register.parse(form.text, load(), source_label=form.file.data.filename)
    except register.RegisterFileError as error:
        form.file.errors = str(error).splitlines()
        return verification_queue(form, status=400)
    label = f"{form.file.data.filename} ({g.operator['username']})"
    stored_register.load_register_entries(get_db(), entries, label)
    return redirect(url_for(".verification_queue", loaded=len(entries)))


@bp.post("/console/verification")
def decide_claim():
    """Approve or reject one waiting claim (``claim``, ``decision``); approving a claim to an entry verified for
    another organisation moves the verification to this one."""
    decision, claim = request.form.get("decision"), request.form.get("claim", "")
    if decision not in ("approve", "reject") or not (claim.isascii() and claim.isdigit() and len(claim) <= 15):
        return render_error(400)
    claim_id = int(claim)
    db = get_db()
    size_band = None
    if decision == "approve":
        # An entry without a size band in the register gets the one the operator checked with the organisation.
        waiting = stored_register.pending_claim(db, claim_id)
        entry = stored_register.register_in_force(db).get(waiting["entry_id"]) if waiting else None
        if entry is not None and not entry.size_band:
            size_band = request.form.get("size_band", "")
            if size_band not in {option.id for option in register.size_options(load(), entry.org_type)}:
                message = gettext(
                    "Choose the size band you checked with the organisation: it is recorded in the register."
                )
                return verification_queue(band_error=(claim_id, message), status=400)
    try:
        stored_register.decide_claim(db, claim_id, decision == "approve", g.operator["username"], size_band)
    except stored_register.ClaimRefused:
        return render_error(
            409,
            gettext("This claim has been decided already"),
            gettext("Another operator decided it meanwhile. The queue shows what is still waiting."),
            (url_for(".verification_queue"), gettext("Verification queue")),
        )
    return redirect(url_for(".verification_queue", decided=decision))


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
    cells = peer_cells()
    info = release_info(db)
    with read_snapshot(db):
        sources = stored_releases.latest_group_sources(db)
        changes = stored_releases.changes_since_published(
            db, cells, verified_only=current_app.config["PEERS_VERIFIED_ONLY"]
        )
    latest = info["release"]
    rows = [
        {
            "source": source,
            "when": gettext(
                "release %(number)s, %(date)s", number=source.as_of, date=_date_and_time(source.as_of_published_at)
            ),
            "why": _why_these_figures(source, latest, cells, changes) if latest else "",
        }
        for source in sources
    ]
    return render_template(
        "console/releases.html",
        form=form,
        recent=[(item, _date_and_time(item.published_at)) for item in stored_releases.recent_releases(db)],
        rows=rows,
        repeated=sum(1 for row in rows if latest and row["source"].as_of != latest.id),
        type_names={o.id: o.label[g.lang_code] for o in questionnaire.profile_question("org_type").options},
        cells=cells,
        **info,
    )


def _date_and_time(timestamp):
    """A stored UTC timestamp as its date and time in Helsinki: two releases of one day are told apart."""
    moment = datetime.fromisoformat(timestamp).astimezone(HELSINKI)
    return f"{format_date(timestamp)} {moment.strftime('%H.%M' if g.lang_code == 'fi' else '%H:%M')}"


def _why_these_figures(source, latest, cells, changes):
    """In plain words, why a group of the latest release shows the figures it does: computed anew, or repeated
    from an earlier release because its size class has not changed by enough organisations since (the
    auditor's rule, docs/privacy.md), or, for a type or everyone, the sum of its classes."""
    if source.as_of == latest.id:
        return gettext("Computed anew for this release.")
    key = (source.org_type, source.size_band)
    if source.org_type == peers.ANY or (source.size_band == peers.ANY and source.org_type in cells.split):
        return gettext(
            "The sum of its size classes shown; the oldest figures among them are repeated from release %(number)s.",
            number=source.as_of,
        )
    change = changes.get(key)
    parts = []
    if change and change.joined:
        parts.append(ngettext("%(num)s organisation has joined", "%(num)s organisations have joined", change.joined))
    if change and change.left:
        parts.append(ngettext("%(num)s organisation has left", "%(num)s organisations have left", change.left))
    if change and change.changed:
        parts.append(
            ngettext(
                "%(num)s organisation has other submitted answers",
                "%(num)s organisations have other submitted answers",
                change.changed,
            )
        )
    since = "; ".join(parts) if parts else gettext("no organisation has joined, left or changed its answers")
    return gettext(
        "Repeated from release %(number)s: since then, as counted now, %(changes)s. New figures need a change "
        "of at least %(threshold)s organisations since the last published ones.",
        number=source.as_of,
        changes=since,
        threshold=latest.threshold,
    )


def init_app(app):
    """Register the console."""
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, allow_uploads)
