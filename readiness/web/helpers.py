"""What the blueprints share: this request's database connection, the browser's assessment and its tokens,
the peer rule with this service's settings, private (no-store) answers, throttled token look-ups and error
pages. Blueprints import this module, never each other."""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import UTC
from datetime import datetime
from functools import cache
from functools import partial

from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask import session
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from readiness.core import peers
from readiness.core import releases
from readiness.core import scoring
from readiness.core.formatting import local_date
from readiness.core.questionnaire import load
from readiness.store import database
from readiness.store import records
from readiness.store import releases as stored_releases

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
    """Return the assessment open in this browser, or None.

    The session holds a server-side reference to it (the SHA-256 hash under which its resume token is stored),
    never the token: the cookie is signed, not encrypted, and anyone who sees it may read it. A session from
    before this rule held the token itself; it is turned into a reference here.
    """
    if "token" in session:
        token = session.pop("token")
        if isinstance(token, str):
            session[OPEN_ASSESSMENT] = database.hash_token(token)
    reference = session.get(OPEN_ASSESSMENT)
    if not isinstance(reference, str):
        return None
    assessment = records.find_assessment(get_db(), reference)
    if assessment is None:
        # Deleted, or its link replaced on another device: the reference is of no use any more.
        session.pop(OPEN_ASSESSMENT, None)
    return assessment


# The session key of the open assessment's reference.
OPEN_ASSESSMENT = "assessment"


def open_assessment(token_hash):
    """Open in this browser the assessment whose resume token has this hash."""
    session.pop("token", None)
    session[OPEN_ASSESSMENT] = token_hash


def close_assessment():
    """Forget this browser's assessment (it stays reachable by its link)."""
    session.pop("token", None)
    session.pop(OPEN_ASSESSMENT, None)
    session.pop(NEW_RESUME_LINK, None)


# Session keys of the links shown once, on the page that a POST redirects to.
NEW_RESUME_LINK = "new_link"
NEW_INVITE_LINK = "new_invite"


def _mask(token, nonce):
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    pad = hmac.new(key, b"readiness link shown once\0" + nonce, hashlib.sha256).digest()
    return bytes(a ^ b for a, b in zip(token, pad, strict=True))


def keep_for_one_page(name, token):
    """Keep a new token in the session until the next page shows it (``take_kept``), without putting the token
    itself in the cookie: it is sealed with a one-time pad derived from the secret key (HMAC-SHA256 of a fresh
    random nonce), so the readable cookie holds only the nonce and the sealed bytes."""
    nonce = secrets.token_bytes(16)
    raw = base64.urlsafe_b64decode(token + "=")
    session[name] = base64.urlsafe_b64encode(nonce + _mask(raw, nonce)).decode()


def open_with_new_link(token, token_hash):
    """Open in this browser the assessment of a new resume token, and keep the token for the saved page to show
    the link once."""
    open_assessment(token_hash)
    keep_for_one_page(NEW_RESUME_LINK, token)


def take_kept(name):
    """Return the token kept by ``keep_for_one_page`` and forget it; None if there is none (or it is damaged)."""
    sealed = session.pop(name, None)
    if not isinstance(sealed, str):
        return None
    try:
        data = base64.urlsafe_b64decode(sealed)
        token = base64.urlsafe_b64encode(_mask(data[16:], data[:16])).decode().rstrip("=")
    except ValueError:
        return None
    return token if TOKEN_PATTERN.fullmatch(token) else None


def token_from(text):
    """Return the token of a pasted link (new form ``…/resume#<token>``, old form ``…/resume/<token>``) or of a
    bare token, or None."""
    candidate = (text or "").strip().rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return candidate if TOKEN_PATTERN.fullmatch(candidate) else None


def peer_rule():
    """Return ``core.peers.round_contribution`` bound to the questionnaire and model in force: what a round of
    an organisation contributes to peers, from its respondents' answers."""
    questionnaire = load()
    return partial(peers.round_contribution, questionnaire, scoring.load(questionnaire))


def peer_minimum():
    """Return the fewest organisations any combination of released figures may cover (READINESS_PEER_MINIMUM)."""
    return current_app.config["PEER_MINIMUM"]


# Where an organisation stands among the others of its peer group (core.peers.QUARTERS), in words.
QUARTER_LABELS = {
    "top_quarter": _l("top quarter"),
    "second_quarter": _l("second quarter from the top"),
    "third_quarter": _l("third quarter from the top"),
    "bottom_quarter": _l("bottom quarter"),
}


@cache
def peer_cells():
    """Return the fixed cells releases publish (``core.releases.Cells``), checked against the questionnaire."""
    return releases.load_cells(load())


def release_threshold():
    """Return the fewest organisations any combination of released figures may cover: the minimum plus the
    largest coalition guarded against (READINESS_PEER_MINIMUM + READINESS_PEER_COALITION)."""
    return current_app.config["PEER_MINIMUM"] + current_app.config["PEER_COALITION"]


def publish_release(db):
    """Publish a peer release now (``store.releases.publish_release``) with the service's threshold."""
    return stored_releases.publish_release(
        db, peer_cells(), release_threshold(), verified_only=current_app.config["PEERS_VERIFIED_ONLY"]
    )


def release_info(db):
    """Return what pages say about the latest release: its date, how many organisations its figures hold in
    all and per type, and when the next one is due (READINESS_RELEASE_INTERVAL_DAYS)."""
    release = stored_releases.latest_release(db)
    sizes = stored_releases.release_sizes(db) if release else {}
    return {
        "release": release,
        "per_type": {t: n for (t, b), n in sizes.items() if t != peers.ANY and b == peers.ANY},
        "next_due": stored_releases.next_release_due(db, current_app.config["RELEASE_INTERVAL_DAYS"]),
    }


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


def now():
    """Return the current moment (aware, UTC): the clock of ``today``, which tests set."""
    return datetime.now(UTC)


def today():
    """Return today's date in the service's time zone (Helsinki), the day the documents say they were made:
    download file names carry it."""
    return local_date(now())
