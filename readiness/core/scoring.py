"""The readiness model: loaded from ``model.toml`` and checked, and the scoring of stored answers.

Pure Python, no Flask: the weights and points are data, and this module only applies them.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .questionnaire import Question
from .questionnaire import Questionnaire
from .questionnaire import Text
from .questionnaire import check_id
from .questionnaire import parse_text

DATA_FILE = Path(__file__).parent.parent / "data" / "model.toml"
LOWEST = 0
HIGHEST = 100
# Which rule fits which question type: points per option need one answer per key, counting needs several.
LEVELS = ("organisation", "respondent")
RULES = {"scale": ("single", "matrix"), "count": ("multiple",)}
QUESTION_KEYS = {
    "scale": {"question", "weight", "rule", "points", "excluded", "excluded_rows"},
    "count": {"question", "weight", "rule", "counted", "zero", "excluded", "cap"},
}


class ModelError(ValueError):
    """The readiness model data file breaks one of its rules."""


@dataclass(frozen=True)
class Band:
    """A range of scores with a name; ``max`` is exclusive except in the highest band."""

    id: str
    name: Text
    min: float
    max: float


@dataclass(frozen=True, eq=False)
class QuestionWeight:
    """How one question counts towards a dimension."""

    question: str
    weight: float
    rule: str
    points: dict[str, float]
    excluded: frozenset[str]
    counted: frozenset[str] = frozenset()
    zero: frozenset[str] = frozenset()
    cap: int | None = None
    # Matrix rows never scored by this rule (high-risk uses, which score only through their safeguards).
    excluded_rows: frozenset[str] = frozenset()


@dataclass(frozen=True, eq=False)
class Dimension:
    """One dimension of readiness, with what each band means for it."""

    id: str
    name: Text
    description: Text
    meaning: dict[str, Text]
    questions: tuple[QuestionWeight, ...]
    # "organisation", or "respondent" for what describes the person who answered (own use, attitude): shown apart.
    level: str = "organisation"
    # The highest score the dimension can have, below the top band where its questions cannot show the mature
    # practice that band stands for; ``ceiling_reason`` says why. HIGHEST (and None) when the top band is earned.
    ceiling: float = float(HIGHEST)
    ceiling_reason: Text | None = None

    @property
    def capped(self) -> bool:
        """Whether the dimension stops below the top of the scale."""
        return self.ceiling < HIGHEST


@dataclass(frozen=True)
class Change:
    """One version of the model in its changelog: what changed, and when."""

    version: str
    date: str
    text: Text


@dataclass(frozen=True, eq=False)
class Model:
    """The whole readiness model."""

    version: str
    title: Text
    intro: Text
    bands: tuple[Band, ...]
    dimensions: tuple[Dimension, ...]
    changelog: tuple[Change, ...] = ()

    def dimension(self, dimension_id: str) -> Dimension | None:
        """Return the dimension with this id, or None."""
        return next((d for d in self.dimensions if d.id == dimension_id), None)

    def band(self, band_id: str) -> Band | None:
        """Return the band with this id, or None."""
        return next((b for b in self.bands if b.id == band_id), None)


@dataclass(frozen=True)
class Part:
    """One question's contribution to a dimension score; ``answers`` are the stored (key, options) it came from."""

    question: str
    score: float | None
    weight: float
    answers: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class DimensionScore:
    """A dimension's score (None when no answer could be scored), its band and how it was computed."""

    dimension: Dimension
    value: float | None
    band: Band | None
    parts: tuple[Part, ...]


# Loading ------------------------------------------------------------------------------------------


def _text(raw, where: str) -> Text:
    return parse_text(raw, where, ModelError)


def _id(value, where: str) -> str:
    return check_id(value, where, ModelError)


def _number(value, where: str) -> float:
    # bool is an int in Python, and "weight = true" is a typo, not a weight of 1.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelError(f"{where}: expected a number, got {value!r}")
    return value


def _bands(raw) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        raise ModelError("bands: at least one band is needed")
    bands = []
    for i, b in enumerate(raw):
        where = f"bands[{i}]"
        if not isinstance(b, dict):
            raise ModelError(f"{where}: expected a table")
        band_id = _id(b.get("id"), where)
        where = f"band {band_id}"
        low, high = _number(b.get("min"), f"{where}.min"), _number(b.get("max"), f"{where}.max")
        if low >= high:
            raise ModelError(f"{where}: min {low} must be below max {high}")
        bands.append(Band(id=band_id, name=_text(b.get("name"), f"{where}.name"), min=low, max=high))
    ids = [b.id for b in bands]
    if len(ids) != len(set(ids)):
        raise ModelError("bands: duplicate ids")
    if bands[0].min != LOWEST:
        raise ModelError(f"bands: the first band must start at {LOWEST}, not {bands[0].min}")
    for before, after in zip(bands, bands[1:], strict=False):
        if after.min != before.max:
            raise ModelError(
                f"bands: {before.id} ends at {before.max} but {after.id} starts at {after.min}: "
                "bands must follow each other in order, without gaps or overlaps"
            )
    if bands[-1].max != HIGHEST:
        raise ModelError(f"bands: the last band must end at {HIGHEST}, not {bands[-1].max}")
    return tuple(bands)


def _option_ids(raw, question: Question, key: str, where: str) -> frozenset[str]:
    if not isinstance(raw, list):
        raise ModelError(f"{where}.{key}: expected a list of option ids")
    unknown = sorted(set(raw) - {o.id for o in question.options})
    if unknown:
        raise ModelError(f"{where}.{key}: unknown options {unknown} of question {question.id}")
    if len(raw) != len(set(raw)):
        raise ModelError(f"{where}.{key}: an option is listed twice")
    return frozenset(raw)


def _check_coverage(question: Question, groups: dict[str, frozenset[str]], where: str) -> None:
    seen: dict[str, str] = {}
    for name, ids in groups.items():
        for option_id in ids:
            if option_id in seen:
                raise ModelError(f"{where}: option {option_id} is in both {seen[option_id]} and {name}")
            seen[option_id] = name
    missing = [o.id for o in question.options if o.id not in seen]
    if missing:
        raise ModelError(f"{where}: options {missing} are in none of {', '.join(groups)}; list every option")
    for option in question.options:
        if option.dont_know and seen[option.id] != "excluded":
            raise ModelError(f"{where}: don't-know option {option.id} must be excluded, never scored")


def _question_weight(raw, questionnaire: Questionnaire, where: str) -> QuestionWeight:
    if not isinstance(raw, dict):
        raise ModelError(f"{where}: expected a table")
    question_id = raw.get("question")
    question = questionnaire.question(question_id) if isinstance(question_id, str) else None
    if question is None:
        raise ModelError(f"{where}: unknown question {question_id!r}")
    where = f"{where} ({question_id})"
    rule = raw.get("rule")
    if rule not in RULES:
        raise ModelError(f"{where}: rule must be one of {sorted(RULES)}, not {rule!r}")
    if question.type not in RULES[rule]:
        fits = ", ".join(RULES[rule])
        raise ModelError(f"{where}: rule {rule} does not fit a {question.type} question (only {fits})")
    unknown_keys = sorted(set(raw) - QUESTION_KEYS[rule])
    if unknown_keys:
        raise ModelError(f"{where}: unknown keys {unknown_keys} for rule {rule}")
    weight = _number(raw.get("weight"), f"{where}.weight")
    if weight <= 0:
        raise ModelError(f"{where}: weight must be above 0, not {weight}")
    excluded = _option_ids(raw.get("excluded", []), question, "excluded", where)
    if rule == "scale":
        points_raw = raw.get("points")
        if not isinstance(points_raw, dict) or not points_raw:
            raise ModelError(f"{where}: a scale rule needs a points table")
        points = {}
        for option_id, value in points_raw.items():
            if question.option(option_id) is None:
                raise ModelError(f"{where}.points: unknown option {option_id!r} of question {question.id}")
            value = _number(value, f"{where}.points.{option_id}")
            if not LOWEST <= value <= HIGHEST:
                raise ModelError(f"{where}.points.{option_id}: {value} is outside {LOWEST}–{HIGHEST}")
            points[option_id] = value
        _check_coverage(question, {"points": frozenset(points), "excluded": excluded}, where)
        excluded_rows = raw.get("excluded_rows", [])
        row_ids = {r.id for r in question.rows}
        if (
            not isinstance(excluded_rows, list)
            or not set(excluded_rows) <= row_ids
            or len(excluded_rows) >= len(row_ids or [0])
        ):
            raise ModelError(f"{where}.excluded_rows: expected some (not all) rows of matrix question {question.id}")
        return QuestionWeight(
            question=question.id,
            weight=weight,
            rule=rule,
            points=points,
            excluded=excluded,
            excluded_rows=frozenset(excluded_rows),
        )
    counted = _option_ids(raw.get("counted", []), question, "counted", where)
    zero = _option_ids(raw.get("zero", []), question, "zero", where)
    if not counted:
        raise ModelError(f"{where}: a count rule needs at least one counted option")
    cap = raw.get("cap")
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= len(counted):
        raise ModelError(
            f"{where}.cap: expected a whole number from 1 to {len(counted)} (the counted options), not {cap!r}"
        )
    _check_coverage(question, {"counted": counted, "zero": zero, "excluded": excluded}, where)
    return QuestionWeight(
        question=question.id,
        weight=weight,
        rule=rule,
        points={},
        excluded=excluded,
        counted=counted,
        zero=zero,
        cap=cap,
    )


def _dimension(raw, bands: tuple[Band, ...], questionnaire: Questionnaire) -> Dimension:
    if not isinstance(raw, dict):
        raise ModelError("dimensions: expected tables")
    dimension_id = _id(raw.get("id"), "dimension")
    where = f"dimension {dimension_id}"
    ceiling, ceiling_reason = HIGHEST, None
    if "ceiling" in raw or "ceiling_reason" in raw:
        ceiling = float(_number(raw.get("ceiling"), f"{where}.ceiling"))
        if not LOWEST < ceiling < bands[-1].min:
            raise ModelError(
                f"{where}.ceiling: {ceiling} must be above {LOWEST} and below the top band ({bands[-1].min})"
            )
        ceiling_reason = _text(raw.get("ceiling_reason"), f"{where}.ceiling_reason")
    meaning_raw = raw.get("meaning")
    if not isinstance(meaning_raw, dict):
        raise ModelError(f"{where}: a meaning table with one text per band is needed")
    # A band the dimension cannot reach has no meaning: a text for it would promise what no answer earns.
    band_ids = [b.id for b in bands if b.min <= ceiling]
    missing = [b for b in band_ids if b not in meaning_raw]
    if missing:
        raise ModelError(f"{where}.meaning: no meaning for bands {missing}")
    unknown = sorted(set(meaning_raw) - {b.id for b in bands})
    if unknown:
        raise ModelError(f"{where}.meaning: unknown bands {unknown}")
    unreachable = [b for b in meaning_raw if b not in band_ids]
    if unreachable:
        raise ModelError(f"{where}.meaning: bands {unreachable} are above the ceiling {ceiling}: no meaning for them")
    questions_raw = raw.get("questions")
    if not isinstance(questions_raw, list) or not questions_raw:
        raise ModelError(f"{where}: at least one question is needed")
    level = raw.get("level", "organisation")
    if level not in LEVELS:
        raise ModelError(f"{where}.level: one of {LEVELS}, not {level!r}")
    return Dimension(
        level=level,
        ceiling=ceiling,
        ceiling_reason=ceiling_reason,
        id=dimension_id,
        name=_text(raw.get("name"), f"{where}.name"),
        description=_text(raw.get("description"), f"{where}.description"),
        meaning={b: _text(meaning_raw[b], f"{where}.meaning.{b}") for b in band_ids},
        questions=tuple(
            _question_weight(q, questionnaire, f"{where}.questions[{i}]") for i, q in enumerate(questions_raw)
        ),
    )


def parse(data: dict, questionnaire: Questionnaire) -> Model:
    """Build a checked Model from the parsed TOML document, against the questionnaire it scores."""
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise ModelError("version: missing")
    bands = _bands(data.get("bands"))
    dimensions_raw = data.get("dimensions")
    if not isinstance(dimensions_raw, list) or not dimensions_raw:
        raise ModelError("dimensions: at least one dimension is needed")
    dimensions = tuple(_dimension(d, bands, questionnaire) for d in dimensions_raw)
    ids = [d.id for d in dimensions]
    if len(ids) != len(set(ids)):
        raise ModelError("dimensions: duplicate ids")
    # A question scored twice would count twice in the profile and could not be explained as one part.
    scored = [q.question for d in dimensions for q in d.questions]
    twice = sorted({q for q in scored if scored.count(q) > 1})
    if twice:
        raise ModelError(f"questions {twice} are scored more than once")
    changelog = _changelog(data.get("changelog"))
    if changelog[0].version != version:
        raise ModelError(f"changelog: the newest entry must be this version, {version}, not {changelog[0].version}")
    return Model(
        version=version,
        title=_text(data.get("title"), "title"),
        intro=_text(data.get("intro"), "intro"),
        bands=bands,
        dimensions=dimensions,
        changelog=changelog,
    )


def _changelog(raw) -> tuple[Change, ...]:
    if not isinstance(raw, list) or not raw:
        raise ModelError("changelog: at least one entry, the current version, is needed")
    entries = []
    for i, entry in enumerate(raw):
        where = f"changelog[{i}]"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("version"), str)
            or not isinstance(entry.get("date"), str)
        ):
            raise ModelError(f"{where}: a version, a date (YYYY-MM-DD) and a text are needed")
        entries.append(Change(entry["version"], entry["date"], _text(entry.get("text"), f"{where}.text")))
    return tuple(entries)


@cache
def load(questionnaire: Questionnaire, path: Path = DATA_FILE) -> Model:
    """Load and check the readiness model data file (once per process and questionnaire)."""
    with open(path, "rb") as f:
        return parse(tomllib.load(f), questionnaire)


# Scoring ------------------------------------------------------------------------------------------


def band_for(model: Model, value: float | None) -> Band | None:
    """Return the band of a score as the pages show it, rounded to a whole number, so that a score shown as 90
    is in the band that starts at 90; None for no score; a value outside 0–100 is an error."""
    if value is None:
        return None
    if not LOWEST <= value <= HIGHEST:
        raise ValueError(f"score {value} is outside {LOWEST}–{HIGHEST}")
    # round() rounds half to even, as the pages' number format does: 89.5 is shown as 90, 24.5 as 24.
    shown = round(value)
    for band in model.bands:
        if band.min <= shown < band.max:
            return band
    return model.bands[-1]  # its max, 100, is in it


def _single(options: list[str], key: str) -> str:
    if len(options) != 1:
        raise ValueError(f"{key}: expected one chosen option, got {options!r}")
    return options[0]


def _scale_score(rule: QuestionWeight, question: Question, answers: list[tuple[str, list[str]]]) -> float | None:
    scores = []
    for key, options in answers:
        if key.partition(".")[2] in rule.excluded_rows:
            continue
        option_id = _single(options, key)
        if option_id in rule.excluded:
            continue
        if option_id not in rule.points:
            raise ValueError(f"{key}: option {option_id!r} is not an option of question {question.id}")
        scores.append(rule.points[option_id])
    return sum(scores) / len(scores) if scores else None


def _count_score(rule: QuestionWeight, question: Question, options: list[str]) -> float | None:
    unknown = sorted(set(options) - rule.counted - rule.zero - rule.excluded)
    if unknown:
        raise ValueError(f"{question.id}: options {unknown} are not options of the question")
    if not options or set(options) & rule.excluded:
        return None
    counted = len(set(options) & rule.counted)
    return min(HIGHEST, HIGHEST * counted / rule.cap)


def _part(rule: QuestionWeight, question: Question, choices: dict[str, list[str]]) -> Part:
    answers = [(key, list(choices[key])) for key in question.answer_keys() if choices.get(key)]
    if rule.rule == "scale":
        value = _scale_score(rule, question, answers)
    else:
        value = _count_score(rule, question, answers[0][1] if answers else [])
    return Part(
        question=question.id,
        score=value,
        weight=rule.weight,
        answers=tuple((key, tuple(options)) for key, options in answers),
    )


def score(model: Model, questionnaire: Questionnaire, choices: dict[str, list[str]]) -> list[DimensionScore]:
    """Score stored answers (answer key → chosen option ids) on every dimension of the model, in order."""
    results = []
    for dimension in model.dimensions:
        parts = tuple(_part(rule, questionnaire.question(rule.question), choices) for rule in dimension.questions)
        scored = [p for p in parts if p.score is not None]
        value = None
        if scored:
            mean = round(sum(p.score * p.weight for p in scored) / sum(p.weight for p in scored), 1)
            value = min(mean, dimension.ceiling)
        results.append(DimensionScore(dimension=dimension, value=value, band=band_for(model, value), parts=parts))
    return results
