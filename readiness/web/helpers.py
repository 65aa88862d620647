"""What the blueprints share: this request's database connection, the browser's assessment and its tokens,
the peer rule with this service's settings, private (no-store) answers, throttled token look-ups and error
pages. Blueprints import this module, never each other."""

import re
import secrets
from functools import partial

from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask import session
from flask_babel import gettext

from readiness.core import peers
from readiness.core import scoring
from readiness.core.questionnaire import load
from readiness.store import database
from readiness.store import records

# secrets.token_urlsafe(32): 256 bits in 43 URL-safe characters.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def get_db():
    """Return this request's database connection, taken from the pool and given back at teardown."""
    if "db" not in g:
        g.db_path = current_app.config["DATABASE"]
        g.db = database.pool.take(g.db_path)
    return g.db


def close_db(exception=None):
    """Give this request's connection back to the pool, if one was taken."""
    db = g.pop("db", None)
    if db is not None:
        database.pool.give(g.pop("db_path"), db)


def new_token():
    """Return a new resume, invite or API token (256 bits) and the hash under which it is stored."""
    token = secrets.token_urlsafe(32)
    return token, database.hash_token(token)


def current_assessment():
    """Return the assessment whose resume token this browser holds, or None."""
    token = session.get("token")
    if not token:
        return None
    return records.find_assessment(get_db(), database.hash_token(token))


def peer_rule():
    """Return ``core.peers.contribution`` bound to the questionnaire and model in force: what the store counts."""
    questionnaire = load()
    return partial(peers.contribution, questionnaire, scoring.load(questionnaire))


def peer_minimum():
    """Return the fewest organisations a peer group must hold to be shown (READINESS_PEER_MINIMUM)."""
    return current_app.config["PEER_MINIMUM"]


def no_store(response):
    """Keep a private page (answers, links) out of every browser and proxy cache, the Back button included."""
    response.cache_control.no_store = True
    return response


def lookup_client():
    """Return this request's client as the throttle of token look-ups knows it (a keyed hash, no address)."""
    return current_app.extensions["failed_lookups"].client(request.remote_addr, current_app.secret_key)


def lookups_refused():
    """Return seconds to wait if this client has failed too many token look-ups lately, else 0 (in every
    worker: the failures are counted in the database; this only reads)."""
    return current_app.extensions["failed_lookups"].retry_after(get_db(), lookup_client())


def lookup_failed():
    """Count a failed token look-up of this client."""
    current_app.extensions["failed_lookups"].record(get_db(), lookup_client())


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
