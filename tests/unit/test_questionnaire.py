"""The questionnaire data: complete in three languages, ids unique, and the loader's rules enforced."""

import re
import tomllib

import pytest

from readiness.core.questionnaire import LANGUAGES
from readiness.core.questionnaire import QuestionnaireError
from readiness.core.questionnaire import load
from readiness.core.questionnaire import parse
from tests.conftest import DATA
from tests.conftest import ROOT

ID = re.compile(r"[a-z0-9_]+")
# The Finnish question wordings of KT's 2024 slide deck, copied from its text (the file names its source).
DECK_WORDINGS = DATA / "deck_wordings.txt"


def deck_wordings():
    """The deck's wordings in the data file, one per paragraph, whitespace as one space; "#" lines are comments."""
    lines = [line for line in DECK_WORDINGS.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [" ".join(paragraph.split()) for paragraph in "\n".join(lines).split("\n\n") if paragraph.strip()]


def all_texts(q):
    yield q.title
    for section in q.sections:
        yield section.title
        if section.intro:
            yield section.intro
        for question in section.questions:
            yield question.text
            if question.hint:
                yield question.hint
            yield from (o.label for o in question.options)
            yield from (r.label for r in question.rows)


def test_every_text_has_finnish_swedish_and_english(questionnaire):
    for text in all_texts(questionnaire):
        for lang in LANGUAGES:
            assert text(lang).strip(), text
        # A translation that is a copy of another language is a missing translation (names like "Kainuu" aside).
        if len(text.fi) > 20:
            assert len({text.fi, text.sv, text.en}) == 3, text


def test_ids_are_stable_ascii_and_unique(questionnaire):
    section_ids = [s.id for s in questionnaire.sections]
    assert len(section_ids) == len(set(section_ids))
    question_ids = [q.id for q in questionnaire.questions()]
    assert len(question_ids) == len(set(question_ids))
    for question in questionnaire.questions():
        assert ID.fullmatch(question.id)
        for option in (*question.options, *question.rows):
            assert ID.fullmatch(option.id), option.id
        assert len({o.id for o in question.options}) == len(question.options)


def test_the_sections_follow_the_2024_survey_in_order(questionnaire):
    assert [s.id for s in questionnaire.sections] == [
        "profile",
        "org_use",
        "own_use",
        "change",
        "hr",
        "support",
        "competence",
        "education",
        "risks",
        "outlook",
    ]
    assert questionnaire.version


@pytest.mark.parametrize(
    "question_id",
    ["org_use", "own_use", "attitude", "change", "support", "education"],
)
def test_finnish_wording_is_the_decks(questionnaire, question_id):
    """The Finnish text of these questions is quoted from KT's 2024 slide deck."""
    wording = questionnaire.question(question_id).text.fi
    assert any(wording in quoted for quoted in deck_wordings()), wording


# Checked by hand against the deck (tests/data/kt2024_deck.txt) and KT's releases: the deck quotes these six
# questions' Finnish wording; four questions are not in the deck at all; the deck gives options only for the
# organisation type and the HR grid, and KT's releases name the three own-use categories and the 2025 benefits.
EXPECTED_ORIGINS = {
    "org_type": ("kt2024-adapted", "kt2024-adapted"),
    "population": ("service", "service"),
    "staff": ("service", "service"),
    "region": ("service", "service"),
    "org_language": ("service", "service"),
    "role": ("kt2024-adapted", "service"),
    "org_name": ("service", None),
    "org_use": ("kt2024", "service"),
    "own_use": ("kt2024", "kt2024-adapted"),
    "attitude": ("kt2024", "service"),
    "change": ("kt2024", "kt2024-adapted"),
    "hr_use": ("kt2024-adapted", "kt2024-adapted"),
    "support": ("kt2024", "service"),
    "support_other": ("service", None),
    "competence_top": ("kt2024-adapted", "kt2024-adapted"),
    "competence_needs": ("kt2024-adapted", None),
    "education": ("kt2024", "kt2024-adapted"),
    "education_other": ("service", None),
    "risks": ("kt2024-adapted", "kt2024-adapted"),
    "risk_management": ("service", "service"),
    "hr_safeguards": ("service", "service"),
    "training_coverage": ("service", "service"),
    "ai_practices": ("service", "service"),
    "guidelines": ("service", "service"),
    "benefits": ("service", "kt2025"),
    "challenges": ("service", "service"),
    "future": ("service", None),
}


def test_every_question_says_where_it_and_its_options_come_from(questionnaire):
    found = {q.id: (q.origin, q.options_origin) for q in questionnaire.questions()}
    assert found == EXPECTED_ORIGINS
    # The four questions the deck does not have are never presented as KT's.
    for question_id in ("guidelines", "benefits", "challenges", "future"):
        assert found[question_id][0] == "service"


def test_every_kt2024_wording_is_the_decks_word_for_word(questionnaire):
    quoted = [q for q in questionnaire.questions() if q.origin == "kt2024"]
    assert {q.id for q in quoted} == {"org_use", "own_use", "attitude", "change", "support", "education"}
    for question in quoted:
        assert question.text.fi in deck_wordings(), question.id


def test_the_deck_wordings_file_is_a_faithful_copy_of_the_deck():
    deck = " ".join(
        " ".join(line.split())
        for line in (DATA / "kt2024_deck.txt").read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    )
    for wording in deck_wordings():
        assert wording in deck, wording


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_provenance_line_names_kt_or_the_service_in_the_pages_language(questionnaire, lang):
    kt = {"fi": "KT:n", "sv": "KT:s", "en": "KT's"}[lang]
    own = {"fi": "palvelun", "sv": "tjänstens", "en": "service's"}[lang]
    assert kt in questionnaire.provenance(questionnaire.question("org_use"), lang)
    assert own in questionnaire.provenance(questionnaire.question("org_use"), lang)  # its rows are the service's
    challenges = questionnaire.provenance(questionnaire.question("challenges"), lang)
    service = questionnaire.origins["service"]
    assert challenges == f"{service['question'](lang)} {service['options'](lang)}"
    assert own in challenges
    assert "2025" in questionnaire.provenance(questionnaire.question("benefits"), lang)


def test_own_use_offers_the_2024_categories_and_keeps_the_retired_one_readable(questionnaire):
    own_use = questionnaire.question("own_use")
    assert [o.id for o in own_use.options] == ["regularly", "acquainted", "none", "dont_know"]
    assert [o.id for o in own_use.retired_options] == ["occasionally"]
    assert own_use.option("occasionally").label.fi == "Satunnaisesti"
    # Stored answers in the retired option stay readable: never dropped, never relabelled.
    assert questionnaire.known_choices({"own_use": ["occasionally"]}) == {"own_use": ["occasionally"]}


def test_the_copied_deck_wordings_are_whole_questions():
    """Six wordings, each one question: a paragraph break lost in the data file would join two of them."""
    wordings = deck_wordings()
    assert len(wordings) == 6
    assert all(wording.endswith("?") and wording.count("?") == 1 for wording in wordings), wordings


def test_the_published_2024_own_use_categories_exist(questionnaire):
    """The published 2024 figures (regular use, only acquainted, no experience) must map onto options."""
    options = {o.id for o in questionnaire.question("own_use").options}
    assert {"regularly", "acquainted", "none"} <= options


def test_dont_know_is_offered_where_the_scale_allows_it(questionnaire):
    for question_id in ("org_use", "attitude", "change", "hr_use", "guidelines"):
        assert any(o.dont_know for o in questionnaire.question(question_id).options), question_id


def test_free_text_is_always_optional(questionnaire):
    for question in questionnaire.questions():
        if question.type == "text":
            assert question.optional, question.id


def test_matrix_answer_keys(questionnaire):
    question = questionnaire.question("org_use")
    assert question.answer_keys()[0] == "org_use.hr"
    assert question.row("org_use.hr").id == "hr"


ORIGIN_TEXTS = {
    origin: {part: {"fi": "a", "sv": "b", "en": "c"} for part in ("question", "options")}
    for origin in ("kt2024", "kt2024-adapted", "kt2025", "service")
}


def minimal(**question):
    base = {
        "id": "q",
        "type": "single",
        "origin": "service",
        "options_origin": "service",
        "text": {"fi": "a", "sv": "b", "en": "c"},
        "options": [
            {"id": "x", "label": {"fi": "x", "sv": "x", "en": "x"}},
            {"id": "y", "label": {"fi": "y", "sv": "y", "en": "y"}},
        ],
    }
    base.update(question)
    return {
        "version": "t",
        "title": {"fi": "a", "sv": "b", "en": "c"},
        "origins": ORIGIN_TEXTS,
        "sections": [{"id": "s", "title": {"fi": "a", "sv": "b", "en": "c"}, "questions": [base]}],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text": {"fi": "a", "sv": "", "en": "c"}}, "missing text in sv"),
        ({"text": {"fi": "a", "en": "c"}}, "missing text in sv"),
        ({"type": "slider"}, "type must be one of"),
        ({"id": 'q"><script>'}, "must match"),
        ({"options": [{"id": "X y", "label": {"fi": "x", "sv": "x", "en": "x"}}] * 2}, "must match"),
        ({"options": [{"id": "x", "label": {"fi": "x", "sv": "x", "en": "x"}}]}, "at least two options"),
        ({"exclusive": ["nope"]}, "exclusive names unknown options"),
        ({"type": "matrix"}, "rows belong to matrix questions"),
        ({"required_if": {"question": "other", "options": ["x"]}}, "required_if must name an earlier"),
        ({"origin": None}, "origin must be one of"),
        ({"origin": "kt"}, "origin must be one of"),
        ({"options_origin": None}, "options_origin must be one of"),
        ({"type": "text", "options": []}, "options_origin must be one of"),
    ],
)
def test_the_loader_rejects_broken_data(change, message):
    with pytest.raises(QuestionnaireError, match=message):
        parse(minimal(**change))


def test_the_loader_accepts_the_minimal_document():
    assert parse(minimal()).question("q").option("y").label("sv") == "y"


def test_the_data_file_is_plain_toml():
    with open(ROOT / "readiness" / "data" / "questionnaire.toml", "rb") as f:
        assert tomllib.load(f)["version"] == load().version


def test_known_choices_drop_answers_the_questionnaire_no_longer_has(questionnaire):
    stored = {
        "own_use": ["regularly"],
        "org_use.hr": ["gone"],
        "org_use.nope": ["a_lot"],
        "removed": ["x"],
        "support": ["training", "gone"],
    }
    assert questionnaire.known_choices(stored) == {"own_use": ["regularly"], "support": ["training"]}
