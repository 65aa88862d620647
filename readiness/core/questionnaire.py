"""The questionnaire: loaded from ``data/questionnaire.toml`` and checked; pure Python.

Every text is a ``{fi, sv, en}`` table in the data file; ids are stable across languages and
versions, because stored answers refer to them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from pathlib import Path

from .question_types import HANDLERS

LANGUAGES = ("fi", "sv", "en")
QUESTION_TYPES = tuple(HANDLERS)
DEFAULT_TEXT_LENGTH = 2000
DATA_FILE = Path(__file__).parent.parent / "data" / "questionnaire.toml"
# The profile describes the organisation (and the respondent's role); the code knows its questions by these
# names, and this is the one place that spells their ids.
PROFILE_SECTION = "profile"
PROFILE_QUESTIONS = {
    "org_type": "org_type",
    "population": "population",
    "staff": "staff",
    "region": "region",
    "language": "org_language",
    "role": "role",
    "name": "org_name",
}
# Where a question's wording, and its options or rows, come from: KT's 2024 deck quoted word for word; KT's 2024
# question with this service's options or rows (or its wording adapted); KT's 2025 follow-up; or this service.
ORIGINS = ("kt2024", "kt2024-adapted", "kt2025", "service")
# Ids go into HTML ids, names and URLs unescaped, and into the database: keep them plain.
ID_PATTERN = re.compile(r"[a-z0-9_]+")


class QuestionnaireError(ValueError):
    """The questionnaire data file breaks one of its rules."""


@dataclass(frozen=True)
class Text:
    """One text in the three languages."""

    fi: str
    sv: str
    en: str

    def __call__(self, lang: str) -> str:
        """Return the text in ``lang``."""
        return getattr(self, lang)

    # Templates write text[lang]: a subscript costs Jinja far less than a call.
    __getitem__ = __call__


@dataclass(frozen=True)
class Option:
    """One answer option (or one row of a matrix question)."""

    id: str
    label: Text
    dont_know: bool = False
    # No longer offered (not a category of the survey compared with); kept so that stored answers stay readable.
    retired: bool = False


@dataclass(frozen=True)
class Condition:
    """A question becomes required when another question has one of these answers."""

    question: str
    options: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Question:
    """One question of a section; a matrix question asks the same options for each row."""

    id: str
    type: str
    text: Text
    hint: Text | None = None
    optional: bool = False
    options: tuple[Option, ...] = ()
    rows: tuple[Option, ...] = ()
    max_choices: int | None = None
    exclusive: tuple[str, ...] = ()
    max_length: int = DEFAULT_TEXT_LENGTH
    required_if: Condition | None = None
    autocomplete: str | None = None
    origin: str = "service"
    options_origin: str | None = None
    retired_options: tuple[Option, ...] = ()

    @property
    def handler(self):
        """Return the handler of this question's type (``question_types``)."""
        return HANDLERS[self.type]

    @property
    def free_text(self) -> bool:
        """Whether the answer is free text: kept apart, never counted, scored, combined or compared."""
        return self.handler.free_text

    def answer_keys(self) -> tuple[str, ...]:
        """Return the ids under which this question's answers are stored (one per matrix row)."""
        return self.handler.answer_keys(self)

    def option(self, option_id: str) -> Option | None:
        """Return the option with this id, offered or retired, or None."""
        return next((o for o in self.options + self.retired_options if o.id == option_id), None)

    def row(self, answer_key: str) -> Option | None:
        """Return the matrix row stored under ``answer_key``, or None."""
        return next((r for r in self.rows if f"{self.id}.{r.id}" == answer_key), None)


@dataclass(frozen=True, eq=False)
class Section:
    """One page of the questionnaire."""

    id: str
    title: Text
    questions: tuple[Question, ...]
    intro: Text | None = None


@dataclass(frozen=True)
class Profile:
    """An assessment's profile answers by name (None, or "" for the name, where not answered)."""

    org_type: str | None = None
    population: str | None = None
    staff: str | None = None
    region: str | None = None
    language: str | None = None
    role: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Questionnaire:
    """The whole questionnaire, in order."""

    version: str
    title: Text
    sections: tuple[Section, ...]
    # Per origin, how a page says where a question ("question") and its options ("options") come from.
    origins: dict[str, dict[str, Text]] = field(default_factory=dict, compare=False)
    _questions: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for section in self.sections:
            for question in section.questions:
                self._questions[question.id] = question

    def provenance(self, question: Question, lang: str) -> str:
        """Say in ``lang`` where a question's wording and its options come from (one short line)."""
        parts = [self.origins[question.origin]["question"](lang)]
        if question.options_origin is not None:
            parts.append(self.origins[question.options_origin]["options"](lang))
        return " ".join(parts)

    def section(self, section_id: str) -> Section | None:
        """Return the section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)

    def section_number(self, section_id: str) -> int:
        """Return the 1-based position of a section."""
        return [s.id for s in self.sections].index(section_id) + 1

    def question(self, question_id: str) -> Question | None:
        """Return the question with this id, or None."""
        return self._questions.get(question_id)

    def questions(self) -> list[Question]:
        """Return every question in order."""
        return list(self._questions.values())

    def answer_keys(self) -> set[str]:
        """Return every id under which an answer can be stored."""
        return {key for q in self.questions() for key in q.answer_keys()}

    def profile_question(self, name: str) -> Question:
        """Return the profile question the code calls ``name`` (see PROFILE_QUESTIONS)."""
        return self._questions[PROFILE_QUESTIONS[name]]

    def profile_questions(self) -> tuple[Question, ...]:
        """Return the profile section's questions, in order: answers that describe who answered."""
        return self.section(PROFILE_SECTION).questions

    def profile_question_ids(self) -> frozenset[str]:
        """Return the ids of the profile section's questions."""
        return frozenset(q.id for q in self.profile_questions())

    def profile(self, choices: dict[str, list[str]], texts: dict[str, str] | None = None) -> Profile:
        """Return the profile answers among an assessment's stored choices (and texts, for the name)."""
        found = {
            name: (choices.get(question_id) or [None])[0]
            for name, question_id in PROFILE_QUESTIONS.items()
            if name != "name"
        }
        return Profile(**found, name=(texts or {}).get(PROFILE_QUESTIONS["name"], ""))

    def known_choices(self, choices: dict[str, list[str]]) -> dict[str, list[str]]:
        """Return stored choices without the ones this version no longer has (an option removed since)."""
        known = {}
        for key, options in choices.items():
            question = self.question(key.split(".", 1)[0])
            if question and key in question.answer_keys():
                kept = [o for o in options if question.option(o)]
                if kept:
                    known[key] = kept
        return known


def parse_text(raw, where: str, error=QuestionnaireError) -> Text:
    """Return a {fi, sv, en} table of a data file as a Text, or raise ``error`` saying what is missing."""
    if not isinstance(raw, dict):
        raise error(f"{where}: expected a table with fi, sv and en")
    missing = [lang for lang in LANGUAGES if not isinstance(raw.get(lang), str) or not raw[lang].strip()]
    if missing:
        raise error(f"{where}: missing text in {', '.join(missing)}")
    extra = set(raw) - set(LANGUAGES)
    if extra:
        raise error(f"{where}: unknown languages {sorted(extra)}")
    return Text(**{lang: raw[lang].strip() for lang in LANGUAGES})


def _optional_text(raw, where: str) -> Text | None:
    return None if raw is None else parse_text(raw, where)


def check_id(value, where: str, error=QuestionnaireError) -> str:
    """Return an id of a data file if it is plain ([a-z0-9_]+), or raise ``error``."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise error(f"{where}: id {value!r} must match {ID_PATTERN.pattern}")
    return value


def _options(raw: list, where: str) -> tuple[Option, ...]:
    options = tuple(
        Option(
            id=check_id(o.get("id"), where),
            label=parse_text(o.get("label"), f"{where}.{o['id']}"),
            dont_know=o.get("dont_know", False),
            retired=o.get("retired", False),
        )
        for o in raw
    )
    ids = [o.id for o in options]
    if len(ids) != len(set(ids)):
        raise QuestionnaireError(f"{where}: duplicate ids")
    return options


def _question(raw: dict) -> Question:
    qid = check_id(raw.get("id"), "question")
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        raise QuestionnaireError(f"{qid}: type must be one of {QUESTION_TYPES}")
    all_options = _options(raw.get("options", []), f"{qid}.options")
    options = tuple(o for o in all_options if not o.retired)
    rows = _options(raw.get("rows", []), f"{qid}.rows")
    exclusive = tuple(raw.get("exclusive", ()))
    unknown = set(exclusive) - {o.id for o in options}
    if unknown:
        raise QuestionnaireError(f"{qid}: exclusive names unknown options {sorted(unknown)}")
    condition = None
    if "required_if" in raw:
        condition = Condition(raw["required_if"]["question"], tuple(raw["required_if"]["options"]))
    question = Question(
        id=qid,
        type=qtype,
        text=parse_text(raw.get("text"), f"{qid}.text"),
        hint=_optional_text(raw.get("hint"), f"{qid}.hint"),
        optional=raw.get("optional", False),
        options=options,
        rows=rows,
        max_choices=raw.get("max_choices"),
        exclusive=exclusive,
        max_length=raw.get("max_length", DEFAULT_TEXT_LENGTH),
        required_if=condition,
        autocomplete=raw.get("autocomplete"),
        origin=raw.get("origin"),
        options_origin=raw.get("options_origin"),
        retired_options=tuple(o for o in all_options if o.retired),
    )
    problem = question.handler.problem(question)
    if problem:
        raise QuestionnaireError(f"{qid}: {problem}")
    if question.origin not in ORIGINS:
        raise QuestionnaireError(f"{qid}: origin must be one of {ORIGINS}, not {question.origin!r}")
    if question.free_text != (question.options_origin is None) or (
        question.options_origin is not None and question.options_origin not in ORIGINS
    ):
        raise QuestionnaireError(f"{qid}: options_origin must be one of {ORIGINS} (and is left out for free text)")
    return question


def parse(data: dict) -> Questionnaire:
    """Build a checked Questionnaire from the parsed TOML document."""
    sections = tuple(
        Section(
            id=check_id(s.get("id"), "section"),
            title=parse_text(s.get("title"), f"{s['id']}.title"),
            intro=_optional_text(s.get("intro"), f"{s['id']}.intro"),
            questions=tuple(_question(q) for q in s["questions"]),
        )
        for s in data["sections"]
    )
    origins_raw = data.get("origins", {})
    if set(origins_raw) != set(ORIGINS):
        raise QuestionnaireError(f"origins: one table for each of {ORIGINS}")
    origins = {
        origin: {
            part: parse_text(origins_raw[origin].get(part), f"origins.{origin}.{part}")
            for part in ("question", "options")
        }
        for origin in ORIGINS
    }
    questionnaire = Questionnaire(
        version=data["version"], title=parse_text(data.get("title"), "title"), sections=sections, origins=origins
    )
    section_ids = [s.id for s in sections]
    if len(section_ids) != len(set(section_ids)):
        raise QuestionnaireError("duplicate section ids")
    question_ids = [q.id for s in sections for q in s.questions]
    if len(question_ids) != len(set(question_ids)):
        raise QuestionnaireError("duplicate question ids")
    for section in sections:
        earlier = {}
        for question in section.questions:
            condition = question.required_if
            if condition:
                # The condition is checked within one page, against an answer given above the question.
                other = earlier.get(condition.question)
                if (
                    other is None
                    or other.type != "single"
                    or not set(condition.options) <= {o.id for o in other.options}
                ):
                    raise QuestionnaireError(
                        f"{question.id}: required_if must name an earlier single-choice question of its section and its options"
                    )
            earlier[question.id] = question
    return questionnaire


def check_profile(questionnaire: Questionnaire) -> None:
    """Raise QuestionnaireError unless the profile section holds every question the service knows by name."""
    profile = questionnaire.section(PROFILE_SECTION)
    missing = set(PROFILE_QUESTIONS.values()) - {q.id for q in profile.questions} if profile else {PROFILE_SECTION}
    if missing:
        raise QuestionnaireError(f"the profile section lacks {sorted(missing)}")


@cache
def load(path: Path = DATA_FILE) -> Questionnaire:
    """Load and check the questionnaire data file (once per process): the service's own, with its profile."""
    with open(path, "rb") as f:
        questionnaire = parse(tomllib.load(f))
    check_profile(questionnaire)
    return questionnaire
