"""Languages: the page language comes from the URL (/fi/, /sv/, /en/), never from the browser."""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import g
from flask import request
from flask import url_for
from flask_babel import Babel
from flask_babel import get_translations

from readiness.core.formatting import format_date
from readiness.core.formatting import format_number
from readiness.core.formatting import format_percent
from readiness.core.questionnaire import LANGUAGES

DEFAULT_LANGUAGE = "fi"
# Each language is named in itself, so that a reader who does not know the page's language finds their own.
LANGUAGE_NAMES = {"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}


def localized_blueprint(name, import_name):
    """Return a blueprint whose pages live under /<lang>/, the language taken from the URL into g.lang_code."""
    bp = Blueprint(name, import_name, url_prefix="/<lang_code>")

    @bp.url_defaults
    def add_language_code(endpoint, values):
        values.setdefault("lang_code", g.get("lang_code", DEFAULT_LANGUAGE))

    @bp.url_value_preprocessor
    def pull_language_code(endpoint, values):
        lang = values.pop("lang_code")
        if lang not in LANGUAGES:
            abort(404)
        g.lang_code = lang

    return bp


def page_language():
    """Return the language of the page being served."""
    lang = g.get("lang_code")
    if lang in LANGUAGES:
        return lang
    first = request.path.strip("/").split("/", 1)[0] if request else ""
    return first if first in LANGUAGES else DEFAULT_LANGUAGE


def language_links():
    """Return (code, name, url) for each language: the same page, in that language."""
    # Every page of a language lives under /<lang>/, so the same page elsewhere is the same path with
    # another prefix (a POST-only address shows its form's page, which answers GET at the same path).
    if g.get("lang_code") and request.url_rule is not None and "GET" in request.url_rule.methods:
        rest = request.path[len(g.lang_code) + 1 :]
        query = request.query_string.decode(errors="replace")
        return [
            (code, name, f"{request.script_root}/{code}{rest}{'?' + query if query else ''}")
            for code, name in LANGUAGE_NAMES.items()
        ]
    return [(code, name, url_for("survey.start", lang_code=code)) for code, name in LANGUAGE_NAMES.items()]


_catalogs = {}


def _page_translations():
    """Return the catalog of the page's language; Flask-Babel would look it up again for every string."""
    lang = page_language()
    if lang not in _catalogs:
        _catalogs[lang] = get_translations()
    return _catalogs[lang]


def gettext(string, **variables):
    """Translate ``string`` into the page's language, as flask_babel's gettext does, but with the catalog looked
    up once per language: a results page translates hundreds of strings, and Flask-Babel finds the catalog
    again for each of them."""
    text = _page_translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular, plural, num, **variables):
    """Translate a text that depends on a number, as the templates' ngettext does (``num`` fills %(num)s)."""
    return _page_translations().ungettext(singular, plural, num) % {"num": num, **variables}


def format_score(value):
    """Format a score (0–100) as the page's language writes numbers, without decimals."""
    return format_number(value, page_language())


def format_page_percent(value):
    """Format a percentage in the page's language, without decimals."""
    return format_percent(value, page_language())


def option_label(question, option_id, lang):
    """Return an option's label, or its id if the questionnaire no longer has it (an old answer)."""
    option = question.option(option_id)
    return option.label[lang] if option else option_id


def init_app(app):
    """Set up Flask-Babel with the URL language and make the helpers available to templates."""
    Babel(app, locale_selector=page_language)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _page_translations().ugettext(s),
        ngettext=lambda s, p, n: _page_translations().ungettext(s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        page_language=page_language,
        language_links=language_links,
        format_date=format_date,
        format_score=format_score,
        format_percent=format_page_percent,
        option_label=option_label,
    )
    app.context_processor(lambda: {"contact_email": current_app.config["CONTACT_EMAIL"]})
