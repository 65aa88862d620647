"""Verification: the lead picks the organisation from the register and proves it, by a link mailed to an
address at the organisation's email domain or by the operator's approval (the queue is in the console). Only a
verified organisation counts for peers; an unverified one keeps every other feature, and every page that
matters says which it is.

The mail goes out through Flask-Mail over SMTP (READINESS_SMTP_HOST, READINESS_SMTP_PORT, READINESS_MAIL_SENDER;
see the README). The link carries its token after #, as resume and invite links do: it never reaches an access
log, and the page behind it verifies only when its button is pressed, so a link preview cannot use it up.
"""

import os
import re
import smtplib

from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_mail import Mail
from flask_mail import Message
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Regexp

from readiness.core import register
from readiness.core.questionnaire import load
from readiness.store import records
from readiness.store import register as stored
from readiness.store.database import hash_token

from .helpers import current_assessment
from .helpers import get_db
from .helpers import lookup_failed
from .helpers import lookups_refused
from .helpers import new_token
from .helpers import no_store
from .helpers import peer_cells
from .helpers import render_error
from .helpers import token_from
from .helpers import too_many_lookups
from .i18n import localized_blueprint

bp = localized_blueprint("verification", __name__)
bp.after_request(no_store)
mail = Mail()
# An email address as people type it: something, one @, a domain with a dot; the register's domains decide
# whether the email route is open to it.
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+\Z")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ClaimForm(FlaskForm):
    """Who the lead is and how the organisation is to be verified; the size band only where the register
    has none."""

    contact_name = StringField(
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=200, message=_l("The name is too long: at most 200 characters.")),
        ],
    )
    contact_email = StringField(
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your work email address.")),
            Length(max=254, message=_l("The email address is too long: at most 254 characters.")),
            Regexp(EMAIL, message=_l("Enter an email address like name@kunta.fi.")),
        ],
    )
    method = RadioField(
        choices=["email", "operator"],
        validate_choice=True,
        validators=[InputRequired(_l("Choose how your organisation is verified."))],
    )
    size_band = RadioField(validate_choice=True)


def _lead_assessment():
    """Return this browser's assessment if it is its organisation's lead in the latest round, else None."""
    assessment = current_assessment()
    if assessment is None or not assessment.lead:
        return None
    if assessment.round != records.latest_round(get_db(), assessment.organisation_id):
        return None
    return assessment


def _type_labels():
    """The organisation types' names in the page's language, by option id."""
    return {option.id: option.label[g.lang_code] for option in load().profile_question("org_type").options}


def _no_assessment():
    return render_error(
        404,
        gettext("No assessment is open in this browser"),
        gettext("Open your assessment with its resume link first."),
    )


@bp.app_context_processor
def _peer_status():
    """Templates call ``peer_verification()`` for the open assessment's claim: the status line of the
    organisation and results pages."""

    def peer_verification():
        assessment = current_assessment()
        if assessment is None:
            return None
        return stored.organisation_claim(get_db(), assessment.organisation_id) or {"status": "none"}

    return {"peer_verification": peer_verification}


@bp.route("/organisation/verification")
def status():
    """The organisation's verification: its claim and what happens next, or the register search to start one."""
    assessment = current_assessment()
    if assessment is None:
        return _no_assessment()
    db = get_db()
    claim = stored.organisation_claim(db, assessment.organisation_id)
    entries = stored.register_in_force(db)
    is_lead = _lead_assessment() is not None
    query = request.args.get("q", "")[:100]
    open_claim = claim if claim and claim["status"] in ("pending", "verified") else None
    found = register.search(entries.values(), query) if query and is_lead and not open_claim else []
    return render_template(
        "verification/status.html",
        claim=claim,
        open_claim=open_claim,
        entry=entries.get(claim["entry_id"]) if claim else None,
        is_lead=is_lead,
        query=query,
        found=found,
        searched=bool(query.strip()),
        lang=g.lang_code,
        type_labels=_type_labels(),
    )


def _email_open(entry):
    """Whether this entry may be verified by an emailed link here: mail is set up and the register allows it."""
    return bool(current_app.config.get("MAIL_DEFAULT_SENDER")) and entry.verifiable_by_email


def _claim_page(entry, form, status=200):
    questionnaire = load()
    errors = [(message[0], f"#{name}") for name, message in form.errors.items() if message]
    return (
        render_template(
            "verification/claim.html",
            entry=entry,
            form=form,
            errors=errors,
            bands=register.size_options(questionnaire, entry.org_type) if not entry.size_band else (),
            size_decides_group=entry.org_type in peer_cells().split,
            lang=g.lang_code,
            type_labels=_type_labels(),
            email_open=_email_open(entry),
        ),
        status,
    )


@bp.route("/organisation/verification/claim", methods=["GET", "POST"])
def claim():
    """The claim form for one register entry (``entry``); posting it claims the entry and, by the email route,
    sends the link."""
    assessment = _lead_assessment()
    if assessment is None:
        return _round_refusal()
    db = get_db()
    entry = stored.register_in_force(db).get(request.values.get("entry", ""))
    if entry is None:
        return redirect(url_for("verification.status"))
    form = ClaimForm()
    questionnaire = load()
    form.size_band.choices = [o.id for o in register.size_options(questionnaire, entry.org_type)]
    if entry.size_band:
        form.size_band.validators = []
        form.size_band.validate_choice = False
    else:
        form.size_band.validators = [InputRequired(_l("Choose your organisation's size."))]
    if request.method == "GET" and not _email_open(entry):
        form.method.data = "operator"  # the one way there is, chosen
    if request.method == "GET" or not form.validate_on_submit():
        return _claim_page(entry, form, 200 if request.method == "GET" else 400)
    method, address = form.method.data, form.contact_email.data
    if method == "email":
        if not _email_open(entry):
            form.method.errors = [gettext("Verification by email is not available for this organisation.")]
            return _claim_page(entry, form, 400)
        if not entry.accepts_email(address):
            form.contact_email.errors = [
                gettext(
                    "Use an address at %(domains)s, or choose the operator's approval.",
                    domains=", ".join(entry.email_domains),
                )
            ]
            return _claim_page(entry, form, 400)
    token, token_hash = new_token() if method == "email" else (None, None)
    try:
        made = stored.make_claim(
            db,
            assessment.organisation_id,
            entry.id,
            form.contact_name.data,
            address,
            "" if entry.size_band else form.size_band.data,
            method,
            token_hash,
        )
    except stored.ClaimRefused:
        # A claim made meanwhile (another tab): the status page shows it.
        return redirect(url_for("verification.status"))
    if made["method"] == "email":
        _send_link(made, entry, token)
    return redirect(url_for("verification.status"))


def _round_refusal():
    return render_error(
        403,
        gettext("Only the organisation's lead respondent can do this"),
        gettext("The respondent who started the assessment for your organisation verifies it."),
    )


def _send_link(claim, entry, token):
    """Mail the verification link of ``claim`` in the page's language, and record the outcome: a refusal by the
    mail server (a bad address, a server down) is recorded and shown on the status page, with a way to retry."""
    link = url_for("verification.link_page", _external=True) + "#" + token
    with force_locale(g.lang_code):
        message = Message(
            subject=gettext("Verify your organisation for the AI readiness assessment"),
            recipients=[claim["contact_email"]],
            body=render_template("verification/email.txt", entry=entry, link=link, lang=g.lang_code, claim=claim),
        )
    error = None
    try:
        mail.send(message)
    except smtplib.SMTPRecipientsRefused as refused:
        error = "; ".join(f"{code} {reply.decode(errors='replace')}" for code, reply in refused.recipients.values())
    except (smtplib.SMTPException, OSError) as failure:
        error = str(failure) or failure.__class__.__name__
    stored.record_email(get_db(), claim["id"], error)


@bp.post("/organisation/verification/resend")
def resend():
    """Send a new link for the pending email claim (the old one stops working)."""
    assessment = _lead_assessment()
    if assessment is None:
        return _round_refusal()
    db = get_db()
    token, token_hash = new_token()
    try:
        claim = stored.renew_link(db, assessment.organisation_id, token_hash)
    except stored.ClaimRefused as refusal:
        if refusal.reason == "wait":
            return render_error(
                429,
                gettext("A link was sent a moment ago"),
                gettext("Wait two minutes before asking for another link, and check your spam folder meanwhile."),
                (url_for("verification.status"), gettext("Back to your organisation's verification")),
            )
        return redirect(url_for("verification.status"))
    _send_link(claim, stored.register_in_force(db)[claim["entry_id"]], token)
    return redirect(url_for("verification.status"))


@bp.post("/organisation/verification/withdraw")
def withdraw():
    """Withdraw the pending claim, to pick another organisation or another way of verifying."""
    assessment = _lead_assessment()
    if assessment is None:
        return _round_refusal()
    stored.withdraw_claim(get_db(), assessment.organisation_id)
    return redirect(url_for("verification.status"))


@bp.route("/verify")
def link_page():
    """The emailed link's page. Its token is after #: the page's script posts it; without JavaScript the
    person pastes the link."""
    return render_template("verification/link.html", link="", error=None)


LINK_REFUSALS = {
    "unknown": (
        404,
        _l("This verification link does not work"),
        _l(
            "Check that you copied the whole link. A link stops working when a newer one is sent or the claim is withdrawn."
        ),
    ),
    "expired": (
        410,
        _l("This verification link has expired"),
        _l("A link works for 24 hours. Open your assessment and ask for a new link on its verification page."),
    ),
    "contested": (
        409,
        _l("The operator decides this claim"),
        _l(
            "Another organisation has also claimed this organisation in the register, so the operator checks both claims. You need not do anything."
        ),
    ),
    "done": (
        409,
        _l("This claim has been decided already"),
        _l("Open your assessment's verification page to see whether your organisation is verified."),
    ),
}


def _link_refusal(reason):
    if reason == "unknown":
        lookup_failed()
    status, title, text = LINK_REFUSALS[reason]
    return render_error(
        status, title, text, (url_for("verification.status"), gettext("Your organisation's verification"))
    )


@bp.post("/verify")
def verify():
    """The page for a posted link: it names the organisation, and its button ("confirm") verifies."""
    wait = lookups_refused()
    if wait:
        return too_many_lookups(wait)
    link = request.form.get("link", "")
    token = token_from(link)
    if token is None:
        if not link.strip():
            page = render_template("verification/link.html", link="", error=gettext("Enter your verification link."))
            return page, 400
        return _link_refusal("unknown")
    db = get_db()
    token_hash = hash_token(token)
    if request.form.get("choice") != "confirm":
        claim, refusal = stored.claim_for_link(db, token_hash)
        if refusal:
            return _link_refusal(refusal)
        entry = stored.register_in_force(db)[claim["entry_id"]]
        return render_template("verification/confirm.html", token=token, entry=entry, claim=claim, lang=g.lang_code)
    try:
        claim = stored.verify_by_link(db, token_hash)
    except stored.ClaimRefused as refusal:
        return _link_refusal(refusal.reason)
    entry = stored.register_in_force(db)[claim["entry_id"]]
    return render_template("verification/verified.html", entry=entry, lang=g.lang_code)


def init_app(app):
    """Register the blueprint and the mail settings (READINESS_SMTP_HOST, _PORT, READINESS_MAIL_SENDER)."""
    app.config.setdefault("MAIL_SERVER", os.environ.get("READINESS_SMTP_HOST", "localhost"))
    app.config.setdefault("MAIL_PORT", int(os.environ.get("READINESS_SMTP_PORT", 25)))
    app.config.setdefault("MAIL_USE_TLS", os.environ.get("READINESS_SMTP_STARTTLS", "") == "1")
    app.config.setdefault("MAIL_USERNAME", os.environ.get("READINESS_SMTP_USERNAME") or None)
    app.config.setdefault("MAIL_PASSWORD", os.environ.get("READINESS_SMTP_PASSWORD") or None)
    app.config.setdefault("MAIL_DEFAULT_SENDER", os.environ.get("READINESS_MAIL_SENDER") or None)
    mail.init_app(app)
    app.register_blueprint(bp)
