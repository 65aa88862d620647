"""Pages beside the survey: accessibility statement, privacy notice, health check and error pages."""

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from . import storage
from .i18n import localized_blueprint
from .questionnaire import load
from .throttle import FailedLookups

csrf = CSRFProtect()
bp = localized_blueprint("pages", __name__)
health_bp = Blueprint("health", __name__)


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement that Finnish law requires of public-sector services."""
    return render_template("accessibility.html")


@bp.route("/privacy")
def privacy():
    """The privacy notice: what is stored, why, for how long, and who sees it."""
    return render_template("privacy.html")


@health_bp.route("/healthz")
def healthz():
    """Answer whether the service and its database work, as JSON for monitoring."""
    try:
        db = storage.get_db()
        db.execute("select count(*) from assessments").fetchone()
        pending = [m.name for m in storage.migrations.pending(db)]
    except Exception as error:  # any database failure is exactly what this endpoint reports
        return jsonify(status="error", database="error", detail=type(error).__name__), 503
    status = "ok" if not pending else "error"
    body = {"status": status, "database": "ok", "pending_migrations": pending, "questionnaire": load().version}
    return jsonify(body), 200 if status == "ok" else 503


def lookup_client():
    """Return this request's client as the throttle of token look-ups knows it (a keyed hash, no address)."""
    return current_app.extensions["failed_lookups"].client(request.remote_addr)


def lookups_refused():
    """Return seconds to wait if this client has failed too many token look-ups lately, else 0."""
    return current_app.extensions["failed_lookups"].retry_after(lookup_client())


def lookup_failed():
    """Count a failed token look-up of this client."""
    current_app.extensions["failed_lookups"].record(lookup_client())


def too_many_lookups(seconds):
    """The page for a client that has guessed too many links: try again after ``seconds``."""
    page, status = render_error(
        429,
        gettext("Too many wrong links"),
        gettext("This browser has opened many links that do not work. Wait a minute, then open your link again."),
    )
    return page, status, {"Retry-After": str(seconds)}


def _error_messages():
    return {
        400: (gettext("The request could not be understood"), gettext("Go back to the previous page and try again.")),
        404: (
            gettext("Page not found"),
            gettext("Check the address. If you followed a resume link, copy the whole link from where you saved it."),
        ),
        405: (gettext("This page cannot be used that way"), gettext("Go back to the previous page and try again.")),
        409: (
            gettext("The assessment has not been submitted yet"),
            gettext(
                "Results and downloads exist once the assessment is submitted. Check your answers and submit them."
            ),
        ),
        413: (
            gettext("The form was too large to save"),
            gettext("Shorten your free-text answers and send the page again. Your saved answers are kept."),
        ),
        500: (
            gettext("Something went wrong on our side"),
            gettext("Your saved answers are kept. Try again in a moment."),
        ),
    }


def render_error(code, title=None, message=None, link=None):
    """Render an error page in the page's language; ``link`` is an optional (url, text) way forward."""
    default_title, default_message = _error_messages().get(code, _error_messages()[400])
    page = render_template("error.html", title=title or default_title, message=message or default_message, link=link)
    return page, code


# Everything the pages use comes from this service; resume links in URLs must not leak through Referer.
# Styles may be inline because plotly.js writes the styles of its charts; scripts may not.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app):
    """Register CSRF protection, security headers, the health check and the error pages."""
    csrf.init_app(app)
    app.extensions["failed_lookups"] = FailedLookups(app.config["FAILED_LOOKUPS_PER_MINUTE"])
    app.register_blueprint(bp)
    app.register_blueprint(health_bp)
    app.after_request(_add_security_headers)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            gettext("The form had expired"),
            gettext(
                "For your security the page could not be saved. Go back, reload the page and send it again. "
                "Answers you saved earlier are kept."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        # Errors raised before a blueprint is known (a method the URL does not take) still answer in the
        # API's JSON under /api/; a 405 says which methods the URL takes, as RFC 9110 asks.
        headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else {}
        if request.path.startswith("/api/"):
            body = {"code": error.name.lower().replace(" ", "_"), "message": error.description}
            return jsonify(error=body), error.code, headers
        page, status = render_error(error.code)
        return page, status, headers

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("Unhandled error")
        return render_error(500)
