"""Legal notes: every note sourced and dated, shown exactly when the answers show the use it is about."""

import copy
import tomllib
from datetime import date

import pytest

from readiness.core import legal
from readiness.core.questionnaire import LANGUAGES
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def notes(questionnaire_module):
    return {note.id: note for note in legal.load(questionnaire_module)}


@pytest.fixture(scope="module")
def questionnaire_module():
    from readiness.core.questionnaire import load

    return load()


def ids(notes, choices):
    return [note.id for note in legal.applicable(tuple(notes.values()), choices)]


def test_every_note_is_sourced_dated_and_in_three_languages(notes):
    assert set(notes) == {"ai_act_art4", "ai_act_art5", "hr_high_risk", "ai_act_art50_4", "fi_supervision"}
    for note in notes.values():
        assert date(2026, 1, 1) <= note.checked <= date.today(), note.id
        assert note.sources and all(s.url.startswith("https://") for s in note.sources)
        for lang in LANGUAGES:
            assert note.title(lang) and note.text(lang)


def test_the_hr_note_names_annex_iii_the_deployer_duties_and_the_finnish_working_life_acts(notes):
    note = notes["hr_high_risk"]
    for lang in LANGUAGES:
        for words in ("759/2004", "449/2007", "26", "27"):
            assert words in note.text(lang), (lang, words)
    assert "liitteen III kohdan 4" in note.text.fi and "Annex III" in note.text.en and "bilaga III" in note.text.sv
    assert {s.url for s in note.sources} >= {"https://www.finlex.fi/fi/laki/ajantasa/2004/20040759"}


def test_the_article_4_note_says_where_the_omnibus_stands_and_what_is_unverified(notes):
    note = notes["ai_act_art4"]
    assert "COM(2025) 836" in note.text.en and "could not be verified" in note.text.en
    assert "ei ole voitu tarkistaa" in note.text.fi and "har inte kunnat kontrolleras" in note.text.sv


def test_the_supervision_note_names_traficom_and_the_date_in_force(notes):
    for lang in LANGUAGES:
        assert "Traficom" in notes["fi_supervision"].text(lang)
    assert "1.1.2026" in notes["fi_supervision"].text.fi


@pytest.mark.parametrize(
    "choices, expected",
    [
        ({}, []),
        ({"org_use.hr": ["not_at_all"]}, []),
        ({"org_use.ict": ["somewhat"]}, ["ai_act_art4", "ai_act_art5", "fi_supervision"]),
        ({"hr_use.recruitment": ["future"]}, ["ai_act_art5", "hr_high_risk"]),
        ({"hr_use.performance": ["in_use"]}, ["ai_act_art4", "ai_act_art5", "hr_high_risk", "fi_supervision"]),
        ({"hr_use.onboarding": ["in_use"]}, ["ai_act_art4", "ai_act_art5", "fi_supervision"]),
        ({"org_use.communications": ["a_lot"]}, ["ai_act_art4", "ai_act_art5", "ai_act_art50_4", "fi_supervision"]),
        ({"own_use": ["regularly"]}, ["ai_act_art4"]),
    ],
)
def test_a_note_applies_exactly_where_the_answers_show_its_use(notes, choices, expected):
    assert ids(notes, choices) == expected


def test_the_loader_rejects_an_undated_or_unsourced_note(questionnaire_module):
    with open(ROOT / "readiness/data/legal_notes.toml", "rb") as f:
        data = tomllib.load(f)
    broken = copy.deepcopy(data)
    broken["notes"][0]["checked"] = "last week"
    with pytest.raises(legal.LegalNotesError, match="checked"):
        legal.parse(broken, questionnaire_module)
    broken = copy.deepcopy(data)
    broken["notes"][0]["sources"][0]["url"] = "http://eur-lex.europa.eu"
    with pytest.raises(legal.LegalNotesError, match="url"):
        legal.parse(broken, questionnaire_module)
    broken = copy.deepcopy(data)
    broken["notes"][0]["when"][0]["options"] = ["dont_know"]
    with pytest.raises(Exception, match="unknown options|don't-know"):
        legal.parse(broken, questionnaire_module)
