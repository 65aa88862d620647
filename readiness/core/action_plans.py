"""The action plan's rules: what an item of the plan may hold, the quarters it may be planned for, which items a
new round carries over, and the progress since the previous round. Pure Python, no Flask, no SQL."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .recommendations import TARGETS
from .recommendations import Catalogue

STATUSES = ("planned", "in_progress", "done", "dropped")
# What a new round carries over: what is not finished or given up.
OPEN_STATUSES = ("planned", "in_progress")
# How many calendar quarters ahead an item may be planned for, the current one included.
QUARTERS_AHEAD = 6


@dataclass(frozen=True)
class Item:
    """One action of an organisation's plan in one round; ``previous_status`` is its status at the end of the
    round it was carried over from (None if it was added in this round)."""

    id: int
    action: str
    owner: str
    target: str
    quarter: str
    status: str
    previous_status: str | None = None


@dataclass(frozen=True)
class Progress:
    """How the previous round's plan ended (counts per status of all its items) and how the items carried over
    from it stand now (counts per status, and how many were carried)."""

    previous_round: int
    carried: int
    counts: dict[str, int]
    previous_counts: dict[str, int]


def quarter_of(day: datetime.date) -> str:
    """Return the calendar quarter of a day as stored: "2027Q1"."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarters(today: datetime.date, ahead: int = QUARTERS_AHEAD) -> list[str]:
    """Return the current calendar quarter and the ones after it, ``ahead`` in all: ["2026Q4", "2027Q1", …]."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    result = []
    for _ in range(ahead):
        result.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return result


def split_quarter(value: str) -> tuple[int, int]:
    """Return (year, quarter) of a stored quarter "2027Q1"."""
    year, quarter = value.split("Q")
    return int(year), int(quarter)


def quarter_choices(today: datetime.date, kept: str | None = None) -> list[str]:
    """The quarters an item may be set to: those ahead, and the one it has now if that has passed (an item
    carried from last year keeps its quarter until someone changes it)."""
    ahead = quarters(today)
    return ahead if kept is None or kept in ahead else [kept, *ahead]


def problems(catalogue: Catalogue, today: datetime.date, row: dict, kept_quarter: str | None = None) -> list[str]:
    """Return what is wrong with one row of the plan (the field names: owner, target, quarter, status), or []."""
    wrong = []
    if row.get("owner") not in catalogue.roles:
        wrong.append("owner")
    if row.get("target") not in TARGETS:
        wrong.append("target")
    if row.get("quarter") not in quarter_choices(today, kept_quarter):
        wrong.append("quarter")
    if row.get("status") not in STATUSES:
        wrong.append("status")
    return wrong


def new_item(catalogue: Catalogue, action_id: str, today: datetime.date) -> dict | None:
    """The row an action starts with when it is added to the plan: the owner the action names, its area's target
    group, the current quarter, planned. None for an unknown action."""
    action = catalogue.action(action_id)
    if action is None:
        return None
    return {
        "action": action.id,
        "owner": action.who,
        "target": catalogue.area(action.area).target,
        "quarter": quarter_of(today),
        "status": "planned",
    }


def progress(items: list[Item], previous_round: int | None, previous_items: list[Item] = ()) -> Progress | None:
    """The progress since ``previous_round``: how its plan (``previous_items``) ended and how the items carried
    over from it (those of ``items`` with a previous status) stand now; None if that round had no plan."""
    carried = [item for item in items if item.previous_status is not None]
    if previous_round is None or not (carried or previous_items):
        return None
    return Progress(
        previous_round=previous_round,
        carried=len(carried),
        counts=_counts(carried),
        previous_counts=_counts(previous_items),
    )


def _counts(items) -> dict[str, int]:
    return {status: sum(1 for item in items if item.status == status) for status in STATUSES}
