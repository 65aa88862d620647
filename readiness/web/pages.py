"""Pages beside the survey: accessibility statement, privacy notice, health check and error pages."""

import threading

from cachetools import TTLCache
from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from readiness.core.questionnaire import load
from readiness.store import database

from .helpers import get_db
from .helpers import render_error
from .i18n import localized_blueprint
from .throttle import FailedLookups

csrf = CSRFProtect()
bp = localized_blueprint("pages", __name__)
health_bp = Blueprint("health", __name__)


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement that Finnish law requires of public-sector services."""
    return render_template("pages/accessibility.html")


@bp.route("/privacy")
def privacy():
    """The privacy notice: what is stored, why, for how long, and who sees it."""
    return render_template("pages/privacy.html")


@health_bp.route("/healthz")
def healthz():
    """Answer whether the service and its database work, as JSON for monitoring."""
    try:
        db = get_db()
        sound = _quick_check(db) == "ok"
        pending = database.pending_migrations(db) if sound else []
    except Exception as error:  # any database failure is exactly what this endpoint reports
        return jsonify(status="error", database="error", detail=type(error).__name__), 503
    status = "ok" if sound and not pending else "error"
    body = {
        "status": status,
        "database": "ok" if sound else "damaged",
        "quick_check": "ok" if sound else "failed",
        "pending_migrations": pending,
        "questionnaire": load().version,
    }
    return jsonify(body), 200 if status == "ok" else 503


def _quick_check(db):
    """Return the database's ``PRAGMA quick_check``, run at most once per HEALTH_CHECK_SECONDS in this worker:
    it reads every page, about a second per few hundred megabytes, and /healthz is public."""
    checks, lock = current_app.extensions["health_checks"]
    path = current_app.config["DATABASE"]
    with lock:
        result = checks.get(path)
    if result is None:
        result = database.quick_check(db)
        with lock:
            checks[path] = result
        if result != "ok":
            current_app.logger.error("%s fails PRAGMA quick_check: %s", path, result)
    return result


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
    # Requests of one worker's threads share the results: every read and write holds the lock.
    app.extensions["health_checks"] = (TTLCache(maxsize=8, ttl=app.config["HEALTH_CHECK_SECONDS"]), threading.Lock())
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
