"""Training recommendations: the rule table of ``recommendations.toml`` and the resources of ``resources.toml``,
loaded and checked, and applied to answers.

Pure Python, no Flask: which answers and scores lead to which training areas, why, the concrete actions of each
area and the links offered with them are data; this module only checks them against the questionnaire and the
model and applies them.
"""

from __future__ import annotations

import datetime
import math
import tomllib
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from functools import cache
from pathlib import Path

from .questionnaire import LANGUAGES
from .questionnaire import Questionnaire
from .questionnaire import Text
from .questionnaire import check_id
from .questionnaire import parse_text
from .scoring import Model

DATA_FILE = Path(__file__).parent.parent / "data" / "recommendations.toml"
RESOURCES_FILE = Path(__file__).parent.parent / "data" / "resources.toml"
# What a resource is; KT's own material ("kt") is offered once per page, never with an area.
KINDS = ("course", "guidance", "law", "kt")
# How many recommendations' first actions a summary shows.
TOP_ACTIONS = 3
TARGETS = ("all_staff", "professional_groups", "hr", "management")
# The ids of the public sources on KT's 2024 survey, as data/sources.toml names them.
SOURCES = ("SEED", "S1", "S2", "S3", "S4", "S5")
TRIGGERS = ("answer", "score")
LOWEST = 0
HIGHEST = 100
MAX_PRIORITY = 100


class RecommendationError(ValueError):
    """The recommendations data file breaks one of its rules."""


@dataclass(frozen=True)
class Resource:
    """A real link checked to exist on ``checked``; ``url`` is per reader's language, ``languages`` those the
    resource itself is in."""

    id: str
    kind: str
    title: Text
    provider: Text
    url: Text
    languages: tuple[str, ...]
    checked: datetime.date


@dataclass(frozen=True)
class Action:
    """A concrete step of a training area: what (title, description), who (a role id) and the first step."""

    id: str
    area: str
    title: Text
    description: Text
    who: str
    first_step: Text


@dataclass(frozen=True)
class Area:
    """One training area of the catalogue."""

    id: str
    title: Text
    description: Text
    target: str
    priority: int
    said_2024: Text | None
    said_2024_source: str | None
    resources: tuple[Resource, ...]
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Trigger:
    """An answer trigger (question and options) or a score trigger (dimension and threshold)."""

    question: str | None = None
    options: tuple[str, ...] = ()
    dimension: str | None = None
    below: float | None = None
    # The answer keys the trigger reads, in questionnaire order: every row of a matrix, or the one named.
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """When ``trigger`` fires, the area is recommended and ``weight`` is added to its priority."""

    area: str
    weight: int
    why: Text
    trigger: Trigger


@dataclass(frozen=True)
class Reason:
    """A rule that fired, and what fired it: an answer key and option, or a dimension and its score."""

    rule: Rule
    answer_key: str | None = None
    option: str | None = None
    dimension: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Recommendation:
    """A recommended area, its priority (base plus the weights of the rules that fired) and why. ``resources``
    are the area's resources that no recommendation ranked above it offers already: a page lists each once."""

    area: Area
    priority: int
    reasons: tuple[Reason, ...]
    resources: tuple[Resource, ...] = ()

    @property
    def actions(self) -> tuple[Action, ...]:
        """The area's concrete actions, the first one first."""
        return self.area.actions


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The training areas, the rules that recommend them and the EU AI Act note."""

    version: str
    areas: tuple[Area, ...]
    rules: tuple[Rule, ...]
    ai_act_uses: tuple[Trigger, ...]
    ai_act_text: Text
    ai_act_url: Text
    roles: dict[str, Text] = field(default_factory=dict)
    # KT's own material, offered once per page.
    kt_material: tuple[Resource, ...] = ()

    def area(self, area_id: str) -> Area | None:
        """Return the area with this id, or None."""
        return next((a for a in self.areas if a.id == area_id), None)

    def action(self, action_id: str) -> Action | None:
        """Return the action with this id, or None."""
        return next((x for a in self.areas for x in a.actions if x.id == action_id), None)


# Loading ------------------------------------------------------------------------------------------


def _text(raw, where: str) -> Text:
    return parse_text(raw, where, RecommendationError)


def _table(raw, where: str, required: set[str], optional: frozenset[str] = frozenset()) -> dict:
    if not isinstance(raw, dict):
        raise RecommendationError(f"{where}: expected a table")
    missing = sorted(required - raw.keys())
    if missing:
        raise RecommendationError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(raw.keys() - required - optional)
    if unknown:
        raise RecommendationError(f"{where}: unknown keys {unknown}")
    return raw


def _list(raw, where: str) -> list:
    if not isinstance(raw, list) or not raw:
        raise RecommendationError(f"{where}: expected a list with at least one entry")
    return raw


def _whole(value, where: str, highest: int | None = None) -> int:
    # bool is an int in Python, and "priority = true" is a typo, not a priority of 1.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (highest and value > highest):
        limit = f"from 1 to {highest}" if highest else "above 0"
        raise RecommendationError(f"{where}: expected a whole number {limit}, not {value!r}")
    return value


def _url(raw, where: str) -> Text:
    url = _text(raw, where)
    for lang in LANGUAGES:
        if not url(lang).startswith("https://") or any(c.isspace() for c in url(lang)):
            raise RecommendationError(f"{where}.{lang}: {url(lang)!r} must be an https:// address")
    return url


def _ids(raw, where: str) -> tuple[str, ...]:
    values = _list(raw, where)
    if not all(isinstance(v, str) for v in values):
        raise RecommendationError(f"{where}: expected a list of ids")
    if len(values) != len(set(values)):
        raise RecommendationError(f"{where}: an id is listed twice")
    return tuple(values)


def _resource(resource_id, raw, where: str) -> Resource:
    check_id(resource_id, where, RecommendationError)
    t = _table(raw, where, {"kind", "title", "provider", "url", "languages", "checked"})
    if t["kind"] not in KINDS:
        raise RecommendationError(f"{where}: kind must be one of {list(KINDS)}, not {t['kind']!r}")
    languages = _ids(t["languages"], f"{where}.languages")
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown:
        raise RecommendationError(f"{where}.languages: {unknown} are not among {list(LANGUAGES)}")
    # TOML reads 2026-12-01 as a date; a datetime or a string is a typo.
    if not isinstance(t["checked"], datetime.date) or isinstance(t["checked"], datetime.datetime):
        raise RecommendationError(f"{where}.checked: expected a date (2026-12-01), not {t['checked']!r}")
    return Resource(
        id=resource_id,
        kind=t["kind"],
        title=_text(t["title"], f"{where}.title"),
        provider=_text(t["provider"], f"{where}.provider"),
        url=_url(t["url"], f"{where}.url"),
        languages=languages,
        checked=t["checked"],
    )


def parse_resources(data: dict) -> dict[str, Resource]:
    """Build the checked resources, by id, from the parsed resources document."""
    if not isinstance(data, dict) or not data:
        raise RecommendationError("resources: expected at least one resource")
    resources = {rid: _resource(rid, raw, f"resource {rid}") for rid, raw in data.items()}
    # Two entries with one address would be one resource listed twice on a page.
    seen: dict[str, str] = {}
    for resource in resources.values():
        for url in {resource.url(lang) for lang in LANGUAGES}:
            if url in seen:
                raise RecommendationError(f"resource {resource.id}: {url} is also resource {seen[url]}")
            seen[url] = resource.id
    return resources


def _area_resources(raw, resources: dict[str, Resource], where: str) -> tuple[Resource, ...]:
    ids = _ids(raw, where)
    unknown = [rid for rid in ids if rid not in resources]
    if unknown:
        raise RecommendationError(f"{where}: unknown resources {unknown}")
    kt = [rid for rid in ids if resources[rid].kind == "kt"]
    if kt:
        raise RecommendationError(f"{where}: KT's material {kt} is offered once per page, not with an area")
    return tuple(resources[rid] for rid in ids)


def _action(raw, area_id: str, roles: dict[str, Text], where: str) -> Action:
    t = _table(raw, where, {"id", "title", "description", "who", "first_step"})
    action_id = check_id(t["id"], where, RecommendationError)
    where = f"{where} ({action_id})"
    if t["who"] not in roles:
        raise RecommendationError(f"{where}: who must be one of the roles {list(roles)}, not {t['who']!r}")
    return Action(
        id=action_id,
        area=area_id,
        title=_text(t["title"], f"{where}.title"),
        description=_text(t["description"], f"{where}.description"),
        who=t["who"],
        first_step=_text(t["first_step"], f"{where}.first_step"),
    )


def _area(raw, where: str, resources: dict[str, Resource], roles: dict[str, Text]) -> Area:
    t = _table(
        raw,
        where,
        {"id", "title", "description", "target", "priority", "resources", "actions"},
        frozenset({"said_2024", "said_2024_source"}),
    )
    area_id = check_id(t["id"], where, RecommendationError)
    where = f"area {area_id}"
    if t["target"] not in TARGETS:
        raise RecommendationError(f"{where}: target must be one of {list(TARGETS)}, not {t['target']!r}")
    said, source = t.get("said_2024"), t.get("said_2024_source")
    if (said is None) != (source is None):
        raise RecommendationError(f"{where}: said_2024 and said_2024_source go together")
    if source is not None and source not in SOURCES:
        raise RecommendationError(f"{where}: said_2024_source must be one of {list(SOURCES)}, not {source!r}")
    if not isinstance(t["resources"], list) or not t["resources"]:
        raise RecommendationError(f"{where}: at least one resource is needed")
    actions = _list(t["actions"], f"{where}.actions")
    return Area(
        id=area_id,
        title=_text(t["title"], f"{where}.title"),
        description=_text(t["description"], f"{where}.description"),
        target=t["target"],
        priority=_whole(t["priority"], f"{where}.priority", MAX_PRIORITY),
        said_2024=None if said is None else _text(said, f"{where}.said_2024"),
        said_2024_source=source,
        resources=_area_resources(t["resources"], resources, f"{where}.resources"),
        actions=tuple(_action(a, area_id, roles, f"{where}.actions[{i}]") for i, a in enumerate(actions)),
    )


def _answer_trigger(raw, questionnaire: Questionnaire, where: str) -> Trigger:
    t = _table(raw, where, {"question", "options"})
    name = t["question"]
    if not isinstance(name, str):
        raise RecommendationError(f"{where}: unknown question {name!r}")
    question_id, dot, row = name.partition(".")
    question = questionnaire.question(question_id)
    if question is None:
        raise RecommendationError(f"{where}: unknown question {question_id!r}")
    if question.free_text:
        raise RecommendationError(f"{where}: {question_id} is a text question, with no options to trigger on")
    keys = question.answer_keys()
    if dot:
        if not question.rows:
            raise RecommendationError(f"{where}: {name!r} names a row, but {question_id} is not a matrix question")
        if name not in keys:
            raise RecommendationError(f"{where}: unknown row {row!r} of question {question_id}")
        keys = (name,)
    options = _ids(t["options"], f"{where}.options")
    unknown = [o for o in options if question.option(o) is None]
    if unknown:
        raise RecommendationError(f"{where}: unknown options {unknown} of question {question_id}")
    # "Don't know" is not a negative answer: it never scores, and it never recommends either.
    dont_know = [o for o in options if question.option(o).dont_know]
    if dont_know:
        raise RecommendationError(f"{where}: don't-know options {dont_know} cannot trigger a recommendation")
    return Trigger(question=name, options=options, keys=keys)


def _score_trigger(raw, model: Model, where: str) -> Trigger:
    t = _table(raw, where, {"dimension", "below"})
    dimension = t["dimension"]
    if not isinstance(dimension, str) or model.dimension(dimension) is None:
        raise RecommendationError(f"{where}: unknown dimension {dimension!r}")
    below = t["below"]
    # No score is below 0, so a threshold of 0 could never fire.
    if (
        isinstance(below, bool)
        or not isinstance(below, int | float)
        or not math.isfinite(below)
        or not LOWEST < below <= HIGHEST
    ):
        raise RecommendationError(
            f"{where}: threshold below must be above {LOWEST} and at most {HIGHEST}, not {below!r}"
        )
    return Trigger(dimension=dimension, below=below)


def _rule(raw, area_ids: list[str], questionnaire: Questionnaire, model: Model, where: str) -> Rule:
    t = _table(raw, where, {"area", "weight", "why"}, frozenset(TRIGGERS))
    if t["area"] not in area_ids:
        raise RecommendationError(f"{where}: unknown area {t['area']!r}")
    where = f"{where} ({t['area']})"
    triggers = [k for k in TRIGGERS if k in t]
    if len(triggers) != 1:
        raise RecommendationError(f"{where}: needs exactly one trigger, answer or score, not {len(triggers)}")
    if triggers[0] == "answer":
        trigger = _answer_trigger(t["answer"], questionnaire, f"{where}.answer")
    else:
        trigger = _score_trigger(t["score"], model, f"{where}.score")
    return Rule(
        area=t["area"],
        weight=_whole(t["weight"], f"{where}.weight"),
        why=_text(t["why"], f"{where}.why"),
        trigger=trigger,
    )


def _roles(raw) -> dict[str, Text]:
    if not isinstance(raw, dict) or not raw:
        raise RecommendationError("roles: expected a table with at least one role")
    return {check_id(rid, "roles", RecommendationError): _text(text, f"roles.{rid}") for rid, text in raw.items()}


def parse(data: dict, questionnaire: Questionnaire, model: Model, resources_data: dict) -> Catalogue:
    """Build a checked Catalogue from the parsed TOML documents (recommendations and resources), against the
    questionnaire and the model."""
    _table(data, "recommendations", {"version", "roles", "areas", "rules", "ai_act"})
    version = data["version"]
    if not isinstance(version, str) or not version.strip():
        raise RecommendationError("version: missing")
    resources = parse_resources(resources_data)
    roles = _roles(data["roles"])
    areas = tuple(_area(a, f"areas[{i}]", resources, roles) for i, a in enumerate(_list(data["areas"], "areas")))
    area_ids = [a.id for a in areas]
    if len(area_ids) != len(set(area_ids)):
        raise RecommendationError("areas: duplicate ids")
    action_ids = [x.id for a in areas for x in a.actions]
    repeated = sorted({i for i in action_ids if action_ids.count(i) > 1})
    if repeated:
        raise RecommendationError(f"actions: ids {repeated} are used twice")
    rules = tuple(
        _rule(r, area_ids, questionnaire, model, f"rules[{i}]") for i, r in enumerate(_list(data["rules"], "rules"))
    )
    unused = [a for a in area_ids if a not in {r.area for r in rules}]
    if unused:
        raise RecommendationError(f"areas {unused}: no rule recommends them")
    ai_act = _table(data["ai_act"], "ai_act", {"uses_ai", "text", "url"})
    uses = _list(ai_act["uses_ai"], "ai_act.uses_ai")
    return Catalogue(
        version=version,
        areas=areas,
        rules=rules,
        ai_act_uses=tuple(_answer_trigger(u, questionnaire, f"ai_act.uses_ai[{i}]") for i, u in enumerate(uses)),
        ai_act_text=_text(ai_act["text"], "ai_act.text"),
        ai_act_url=_url(ai_act["url"], "ai_act.url"),
        roles=roles,
        kt_material=tuple(r for r in resources.values() if r.kind == "kt"),
    )


@cache
def load(
    questionnaire: Questionnaire, model: Model, path: Path = DATA_FILE, resources_path: Path = RESOURCES_FILE
) -> Catalogue:
    """Load and check the recommendations and resources data files (once per process, questionnaire and model)."""
    with open(path, "rb") as f, open(resources_path, "rb") as r:
        return parse(tomllib.load(f), questionnaire, model, tomllib.load(r))


# Recommending -------------------------------------------------------------------------------------


def _answer_match(trigger: Trigger, choices: dict[str, list[str]]) -> tuple[str, str] | None:
    for key in trigger.keys:
        chosen = choices.get(key) or ()
        for option in trigger.options:
            if option in chosen:
                return key, option
    return None


def _reason(rule: Rule, choices: dict[str, list[str]], scores: dict[str, float | None]) -> Reason | None:
    trigger = rule.trigger
    if trigger.dimension is not None:
        value = scores.get(trigger.dimension)
        if value is not None and value < trigger.below:
            return Reason(rule=rule, dimension=trigger.dimension, score=value)
        return None
    match = _answer_match(trigger, choices)
    return Reason(rule=rule, answer_key=match[0], option=match[1]) if match else None


def recommend(
    catalogue: Catalogue, choices: dict[str, list[str]], scores: dict[str, float | None]
) -> list[Recommendation]:
    """Return the areas recommended by stored choices and dimension scores, highest priority first."""
    reasons: dict[str, list[Reason]] = {area.id: [] for area in catalogue.areas}
    for rule in catalogue.rules:
        reason = _reason(rule, choices, scores)
        if reason:
            reasons[rule.area].append(reason)
    recommendations = [
        Recommendation(
            area=area,
            priority=area.priority + sum(r.rule.weight for r in reasons[area.id]),
            reasons=tuple(reasons[area.id]),
        )
        for area in catalogue.areas
        if reasons[area.id]
    ]
    # sorted() is stable: areas equal on both keys keep their order in the file.
    ranked = sorted(recommendations, key=lambda r: (-r.priority, -len(r.reasons)))
    return _each_resource_once(ranked)


def _each_resource_once(ranked: list[Recommendation]) -> list[Recommendation]:
    """Give each recommendation the area's resources that no recommendation above it offers: a page that lists
    the recommendations in order shows each resource once."""
    shown: set[str] = set()
    distinct = []
    for recommendation in ranked:
        new = tuple(r for r in recommendation.area.resources if r.id not in shown)
        shown.update(r.id for r in new)
        distinct.append(replace(recommendation, resources=new))
    return distinct


def top_actions(ranked: list[Recommendation], count: int = TOP_ACTIONS) -> list[Action]:
    """The first action of each of the ``count`` highest recommendations: what a summary shows first."""
    return [r.actions[0] for r in ranked[:count] if r.actions]


def uses_ai(catalogue: Catalogue, choices: dict[str, list[str]]) -> bool:
    """Return whether the answers show AI in use at work, so that the EU AI Act note applies."""
    return any(_answer_match(trigger, choices) for trigger in catalogue.ai_act_uses)
