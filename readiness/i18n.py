"""Languages: the page language comes from the URL (/fi/, /sv/, /en/), never from the browser."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask import g
from flask import request
from flask import url_for
from flask_babel import Babel

from .questionnaire import LANGUAGES

DEFAULT_LANGUAGE = "fi"
# Each language is named in itself, so that a reader who does not know the page's language finds their own.
LANGUAGE_NAMES = {"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}


def page_language():
    """Return the language of the page being served."""
    lang = g.get("lang_code")
    if lang in LANGUAGES:
        return lang
    first = request.path.strip("/").split("/", 1)[0] if request else ""
    return first if first in LANGUAGES else DEFAULT_LANGUAGE


def language_links():
    """Return (code, name, url) for each language: the same page, in that language."""
    rule = request.url_rule
    same_page = rule is not None and "GET" in rule.methods and g.get("lang_code") is not None
    links = []
    for code in LANGUAGES:
        if same_page:
            url = url_for(request.endpoint, **(request.view_args or {}), lang_code=code, **request.args.to_dict())
        else:
            url = url_for("survey.start", lang_code=code)
        links.append((code, LANGUAGE_NAMES[code], url))
    return links


def format_date(iso_timestamp):
    """Return a stored UTC timestamp as a Finnish date (d.M.yyyy), the format used in every language."""
    moment = datetime.fromisoformat(iso_timestamp).astimezone(ZoneInfo("Europe/Helsinki"))
    return f"{moment.day}.{moment.month}.{moment.year}"


def init_app(app):
    """Set up Flask-Babel with the URL language and make the helpers available to templates."""
    Babel(app, locale_selector=page_language)
    app.jinja_env.globals.update(
        page_language=page_language,
        language_links=language_links,
        format_date=format_date,
    )
    app.context_processor(lambda: {"contact_email": current_app.config["CONTACT_EMAIL"]})
