"""One term per concept: fi, sv and en use the glossary's term everywhere a user reads, never its alternatives."""

import csv
import re
import tomllib

import pytest
from babel.messages.pofile import read_po

from tests.conftest import DATA
from tests.conftest import ROOT

GLOSSARY = tomllib.loads((DATA / "glossary.toml").read_text(encoding="utf-8"))["concepts"]
LANGS = ("fi", "sv", "en")


def _toml_texts(value, lang):
    """Every string of a data file that is the ``lang`` member of a {fi, sv, en} table."""
    if isinstance(value, dict):
        if set(value) >= set(LANGS) and isinstance(value.get(lang), str):
            yield value[lang]
        for inner in value.values():
            yield from _toml_texts(inner, lang)
    elif isinstance(value, list):
        for inner in value:
            yield from _toml_texts(inner, lang)


def _catalogue(path):
    with open(path, "rb") as f:
        return read_po(f)


def texts(lang):
    """Everything a user of ``lang`` reads: the interface catalogue, the data files and the page texts."""
    found = []
    if lang == "en":
        found += [m.id for m in _catalogue(ROOT / "readiness/translations/messages.pot") if m.id]
    else:
        catalogue = _catalogue(ROOT / f"readiness/translations/{lang}/LC_MESSAGES/messages.po")
        found += [m.string for m in catalogue if m.id]
    found = [" ".join(t) if isinstance(t, tuple) else t for t in found]
    for name in ("questionnaire.toml", "model.toml", "recommendations.toml", "sources.toml"):
        found += list(_toml_texts(tomllib.loads((ROOT / "readiness/data" / name).read_text(encoding="utf-8")), lang))
    with open(ROOT / "readiness/data/reference_2024.csv", encoding="utf-8") as f:
        found += [row[f"text_{lang}"] for row in csv.DictReader(f)]
    for page in (ROOT / "templates/pages/content").glob(f"*.{lang}.html"):
        found.append(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
    return [" ".join(t.split()) for t in found]


@pytest.mark.parametrize("lang", LANGS)
def test_no_text_uses_an_avoided_term(lang):
    all_text = "\n".join(texts(lang)).lower()
    for concept in GLOSSARY:
        for avoided in concept.get("avoid", {}).get(lang, []):
            assert avoided.lower() not in all_text, (concept["id"], lang, avoided)


@pytest.mark.parametrize("lang", LANGS)
def test_every_term_of_the_glossary_is_in_use(lang):
    """A glossary term nobody uses is a glossary out of date."""
    all_text = "\n".join(texts(lang)).lower()
    for concept in GLOSSARY:
        assert concept[lang].lower() in all_text, (concept["id"], lang)


def test_a_change_column_is_a_change_not_an_edit():
    """ "Muuta"/"Ändra" mean "edit" (the check page's links); the change of a score is "Muutos"/"Förändring"."""
    for lang, word in (("fi", "Muutos"), ("sv", "Förändring")):
        catalogue = _catalogue(ROOT / f"readiness/translations/{lang}/LC_MESSAGES/messages.po")
        assert catalogue.get("Change in score").string == word
    fi = _catalogue(ROOT / "readiness/translations/fi/LC_MESSAGES/messages.po")
    assert fi.get("2024 result not published").string == "Vuoden 2024 tulosta ei julkaistu"
