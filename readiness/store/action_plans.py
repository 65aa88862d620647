"""An organisation's action plan, one per round: read, add actions, change or remove items, carry the open ones
into the next round. Every write is one ``BEGIN IMMEDIATE`` transaction and marks the organisation's pages as
changed (its revision), so that no results page or report shows an old plan."""

from readiness.core.action_plans import OPEN_STATUSES
from readiness.core.action_plans import Item

from .database import timestamp
from .database import write_transaction
from .records import latest_round


class PlanLocked(Exception):
    """The plan is of an earlier round: only the latest round's plan can change."""


def items(db, organisation_id, round_number):
    """Return the items of an organisation's plan in one round, in the order they were added."""
    return [
        Item(*row)
        for row in db.execute(
            "select id, action_id, owner, target, quarter, status, previous_status from action_plan_items "
            "where organisation_id = ? and round = ? order by id",
            [organisation_id, round_number],
        )
    ]


def add(db, organisation_id, round_number, rows):
    """Add actions to the plan of the organisation's latest round (``rows``: dicts of action, owner, target,
    quarter, status); an action already in the plan stays as it is. Return how many were added."""
    now = timestamp()
    with write_transaction(db):
        _require_latest(db, organisation_id, round_number)
        added = 0
        for row in rows:
            cursor = db.execute(
                "insert into action_plan_items (organisation_id, round, action_id, owner, target, quarter, status, "
                "updated_at) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (organisation_id, round, action_id) "
                "do nothing",
                [
                    organisation_id,
                    round_number,
                    row["action"],
                    row["owner"],
                    row["target"],
                    row["quarter"],
                    row["status"],
                    now,
                ],
            )
            added += cursor.rowcount
        _bump(db, organisation_id)
        return added


def update(db, organisation_id, round_number, changes, removed=()):
    """Change items of the plan of the organisation's latest round (``changes``: {item id: dict of owner, target,
    quarter, status}) and remove the items ``removed``, all or nothing. Items of another organisation or round
    are never touched, whatever ids are given. Return the number of items changed or removed."""
    now = timestamp()
    with write_transaction(db):
        _require_latest(db, organisation_id, round_number)
        touched = 0
        for item_id, row in changes.items():
            touched += db.execute(
                "update action_plan_items set owner = ?, target = ?, quarter = ?, status = ?, updated_at = ? "
                "where id = ? and organisation_id = ? and round = ?",
                [
                    row["owner"],
                    row["target"],
                    row["quarter"],
                    row["status"],
                    now,
                    item_id,
                    organisation_id,
                    round_number,
                ],
            ).rowcount
        for item_id in removed:
            touched += db.execute(
                "delete from action_plan_items where id = ? and organisation_id = ? and round = ?",
                [item_id, organisation_id, round_number],
            ).rowcount
        _bump(db, organisation_id)
        return touched


def carry_over(db, organisation_id, from_round, to_round):
    """Copy the open items (planned, in progress) of one round's plan into the next, each keeping its status
    as ``previous_status``. Runs inside the caller's transaction (``store.organisations.start_round``)."""
    placeholders = ", ".join("?" for _ in OPEN_STATUSES)
    db.execute(
        "insert into action_plan_items (organisation_id, round, action_id, owner, target, quarter, status, "
        "previous_status, updated_at) select organisation_id, ?, action_id, owner, target, quarter, status, status, ? "
        f"from action_plan_items where organisation_id = ? and round = ? and status in ({placeholders}) order by id",
        [to_round, timestamp(), organisation_id, from_round, *OPEN_STATUSES],
    )


def delete_unanswered_rounds(db, organisation_id):
    """Delete the plans of the organisation's rounds that no longer have an assessment (within the caller's
    deleting transaction): a plan goes with its round, and with the organisation."""
    db.execute(
        "delete from action_plan_items where organisation_id = ? and round not in "
        "(select round from assessments where organisation_id = ?)",
        [organisation_id, organisation_id],
    )


def _require_latest(db, organisation_id, round_number):
    if latest_round(db, organisation_id) != round_number:
        raise PlanLocked(round_number)


def _bump(db, organisation_id):
    db.execute("update organisations set revision = revision + 1 where id = ?", [organisation_id])
