"""The interface text: every string translated into Finnish and Swedish, the compiled catalogs up to date."""

import io
import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT

TRANSLATIONS = ROOT / "readiness" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def catalog(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def source_messages():
    method_map = [("readiness/**.py", "python"), ("templates/**.html", "jinja2")]
    # _l is lazy_gettext, as the code imports it; plural messages come as (singular, plural) pairs.
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    return {message for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, keywords=keywords) if message}


def forms(text):
    """A message's singular and plural forms as a tuple, whether it has a plural or not."""
    return tuple(text) if isinstance(text, (list, tuple)) else (text,)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_interface_string_is_translated(lang):
    translated = {m.id: m.string for m in catalog(lang) if m.id}
    missing = [m for m in source_messages() if not all(forms(translated.get(m) or ""))]
    assert missing == [], f"untranslated in {lang}: {missing}"


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_placeholders_survive_translation(lang):
    for message in catalog(lang):
        if message.id:
            expected = sorted(PLACEHOLDER.findall(forms(message.id)[-1]))
            for translation in forms(message.string):
                assert sorted(PLACEHOLDER.findall(translation)) == expected, message.id


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_compiled_catalog_matches_the_po_file(lang):
    """The .mo that the app reads is compiled from the current .po (run: pybabel compile -d readiness/translations)."""
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = {forms(m.id): forms(m.string) for m in read_mo(io.BytesIO(f.read())) if m.id}
    assert compiled == {forms(m.id): forms(m.string) for m in catalog(lang) if m.id}
