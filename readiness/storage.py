"""SQLite storage through sqlite-utils: schema migrations, one connection per request, safe writes.

Every write runs in one transaction opened with ``BEGIN IMMEDIATE``: a deferred transaction that
reads before it writes fails at once under concurrent writers in WAL mode, whatever the busy timeout.
Answers are kept long (one row per assessment, question and chosen option), so that the counts per
option of a question are a single indexed ``GROUP BY``.

SQL is written with bound parameters for every value; where an f-string builds a statement, it puts in only
table and column names or a list of placeholders from this module (so bandit's B608 is skipped, in pyproject).
"""

import hashlib
import os
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import fields
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import click
from flask import current_app
from flask import g
from sqlite_utils import Database
from sqlite_utils import Migrations

from .peers import ANY
from .reference import COLUMNS

migrations = Migrations("readiness")


@migrations(name="0001_assessments_and_answers")
def _create_tables(db):
    db["assessments"].create(
        {
            "id": int,
            "token_hash": str,
            "questionnaire_version": str,
            "status": str,
            "created_at": str,
            "updated_at": str,
            "submitted_at": str,
        },
        pk="id",
        not_null={"token_hash", "questionnaire_version", "status", "created_at", "updated_at"},
        strict=True,
    )
    db["assessments"].create_index(["token_hash"], unique=True)
    db["saved_sections"].create(
        {"assessment_id": int, "section_id": str, "saved_at": str},
        pk=("assessment_id", "section_id"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"saved_at"},
        strict=True,
    )
    db["answers"].create(
        {"assessment_id": int, "question_id": str, "option_id": str},
        pk=("assessment_id", "question_id", "option_id"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        strict=True,
    )
    db["answers"].create_index(["question_id", "option_id"])
    # Free text sits apart from the choices so that no aggregate over answers can ever reach it.
    db["free_texts"].create(
        {"assessment_id": int, "question_id": str, "text": str},
        pk=("assessment_id", "question_id"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"text"},
        strict=True,
    )


@migrations(name="0002_peer_aggregates_scores_reference")
def _add_results_tables(db):
    # An assessment's peer group, fixed when it is submitted: organisation type and size band.
    db["assessments"].add_column("org_type", str)
    db["assessments"].add_column("size_band", str)
    db["assessment_scores"].create(
        {"assessment_id": int, "dimension": str, "value": float, "org_type": str, "size_band": str},
        pk=("assessment_id", "dimension"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"value", "org_type", "size_band"},
        strict=True,
    )
    # Peer aggregates, kept up to date at each submission so that no page recounts raw answers.
    # A group is (org_type, size_band), "*" meaning any: ("*", "*"), (type, "*") and (type, band).
    db["peer_groups"].create(
        {"org_type": str, "size_band": str, "organisations": int},
        pk=("org_type", "size_band"),
        not_null={"organisations"},
        strict=True,
    )
    db["peer_counts"].create(
        {"org_type": str, "size_band": str, "answer_key": str, "option_id": str, "organisations": int},
        pk=("org_type", "size_band", "answer_key", "option_id"),
        not_null={"organisations"},
        strict=True,
    )
    # How many organisations of a group have each score: percentiles and medians read a few rows per
    # dimension, however many organisations there are (scores have one decimal and few distinct values).
    db["peer_scores"].create(
        {"org_type": str, "size_band": str, "dimension": str, "value": float, "organisations": int},
        pk=("org_type", "size_band", "dimension", "value"),
        not_null={"organisations"},
        strict=True,
    )
    # What peers see: a snapshot of the three tables above, replaced only when the change since the last
    # snapshot is itself safe to show (see peers.may_publish), so that comparing two snapshots isolates nobody.
    for table in ("peer_groups", "peer_counts", "peer_scores"):
        db.execute(f"create table published_{table} as select * from {table} where 0")
    db["published_peer_groups"].create_index(["org_type", "size_band"], unique=True)
    db["published_peer_counts"].create_index(["org_type", "size_band", "answer_key", "option_id"], unique=True)
    db["published_peer_scores"].create_index(["org_type", "size_band", "dimension", "value"], unique=True)
    # Every size at which a group has been shown: a later snapshot must not differ from any of them by a few.
    db["peer_shown_sizes"].create(
        {"org_type": str, "size_band": str, "organisations": int},
        pk=("org_type", "size_band", "organisations"),
        strict=True,
    )
    # Reference figures loaded by the operator; they replace or extend the packaged 2024 figures.
    db["reference_figures"].create(
        {
            "id": str,
            "question_id": str,
            "option_id": str,
            "value": str,
            "unit": str,
            "precision": str,
            "n": int,
            "year": int,
            "source_url": str,
            "source_name": str,
            "quote": str,
            "text_fi": str,
            "text_sv": str,
            "text_en": str,
        },
        pk="id",
        strict=True,
    )
    db["reference_loads"].create(
        {"id": int, "loaded_at": str, "loaded_from": str, "mode": str, "figures": int},
        pk="id",
        not_null={"loaded_at", "loaded_from", "mode", "figures"},
        strict=True,
    )


@migrations(name="0003_revisions")
def _add_revisions(db):
    # Bumped with every change to what results pages show besides an assessment's own answers (peer
    # aggregates, reference figures), so that a rendered results page can be reused until then.
    db["revisions"].create({"name": str, "value": int}, pk="name", not_null={"value"}, strict=True)
    db["revisions"].insert({"name": "results", "value": 0})
    # When peers' snapshot was last replaced (Unix seconds; 0 = never), so pages can say how current it is.
    db["revisions"].insert({"name": "peers_published_at", "value": 0})


@migrations(name="0004_organisations_rounds_invites")
def _add_organisations(db):
    # An organisation has respondents (one assessment each) in yearly rounds. The lead is the respondent who
    # started the organisation or its round: the holder of the organisation's link. Peers count each
    # organisation once: ``counted`` marks the assessment whose answers are in the peer aggregates.
    db["organisations"].create(
        {"id": int, "created_at": str, "revision": int}, pk="id", not_null={"created_at", "revision"}, strict=True
    )
    db.execute(
        "insert into organisations (id, created_at, revision) select id, created_at, 0 from assessments order by id"
    )
    db["assessments"].add_column("organisation_id", int)
    db["assessments"].add_column("round", int)
    db["assessments"].add_column("lead", int)
    db["assessments"].add_column("counted", int)
    db.execute("update assessments set organisation_id = id, round = 1, lead = 1, counted = (status = 'submitted')")
    db["assessments"].create_index(["organisation_id", "round"])
    db["invites"].create(
        {
            "id": int,
            "organisation_id": int,
            "round": int,
            "token_hash": str,
            "created_at": str,
            "revoked_at": str,
            "used_at": str,
            "assessment_id": int,
        },
        pk="id",
        foreign_keys=[("organisation_id", "organisations", "id")],
        not_null={"organisation_id", "round", "token_hash", "created_at"},
        strict=True,
    )
    db["invites"].create_index(["token_hash"], unique=True)
    # Contributions added to or removed from each peer group since the group was last published.
    db["peer_changes"].create(
        {"org_type": str, "size_band": str, "contributions": int},
        pk=("org_type", "size_band"),
        not_null={"contributions"},
        strict=True,
    )


@migrations(name="0005_operators")
def _add_operators(db):
    # Operators of the service. ``session_version`` grows at each sign-out: sessions signed in before it end.
    db["operators"].create(
        {"id": int, "username": str, "password_hash": str, "created_at": str, "session_version": int},
        pk="id",
        not_null={"username", "password_hash", "created_at", "session_version"},
        strict=True,
    )
    db["operators"].create_index(["username"], unique=True)
    # Failed sign-ins by the name tried (no IP addresses are stored): the throttle counts them.
    db["sign_in_failures"].create(
        {"username": str, "failed_at": float}, not_null={"username", "failed_at"}, strict=True
    )
    db["sign_in_failures"].create_index(["username", "failed_at"])
    # A reference CSV checked and shown to an operator, waiting for the confirmation that loads it.
    db["reference_uploads"].create(
        {"id": int, "operator_id": int, "uploaded_at": str, "filename": str, "content": str},
        pk="id",
        not_null={"operator_id", "uploaded_at", "filename", "content"},
        strict=True,
    )


@migrations(name="0006_changed_organisations")
def _count_changed_organisations(db):
    # The organisations whose contribution to a group changed since the group was last shown: one
    # organisation counts once however often it changed (new rounds, deletion), so that the publication rule
    # compares organisations, not events, with the minimum group size.
    db["peer_changes"].drop()
    db["peer_changed_organisations"].create(
        {"org_type": str, "size_band": str, "organisation_id": int},
        pk=("org_type", "size_band", "organisation_id"),
        strict=True,
    )


class AssessmentLocked(Exception):
    """The assessment has been submitted and can no longer change."""


class SectionsMissing(Exception):
    """The assessment cannot be submitted before every section has been saved."""


class InviteRefused(Exception):
    """An invite link cannot add a respondent; ``reason`` says why: unknown, revoked, used or outdated."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class RoundRefused(Exception):
    """A new round cannot start; ``reason``: not_lead, open (the current round is not submitted) or newer."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class NotFound(Exception):
    """The assessment or organisation no longer exists (deleted, perhaps twice)."""


@dataclass(frozen=True)
class Assessment:
    """An assessment row."""

    id: int
    questionnaire_version: str
    status: str
    created_at: str
    updated_at: str
    submitted_at: str | None
    org_type: str | None = None
    size_band: str | None = None
    organisation_id: int | None = None
    round: int = 1
    lead: int = 1
    counted: int = 0

    @property
    def submitted(self):
        """True once the assessment is read-only."""
        return self.status == "submitted"


@dataclass(frozen=True)
class Answers:
    """What one assessment holds: chosen options per answer key, free texts, saved sections."""

    choices: dict[str, list[str]]
    texts: dict[str, str]
    saved_sections: set[str]


def connect(path):
    """Open a connection that leaves transactions to us, with WAL-friendly settings."""
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return Database(conn)


def migrate(db):
    """Put the database in WAL mode and apply pending migrations, one process at a time."""
    if db.conn.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        db.conn.execute("PRAGMA journal_mode = WAL")
    with write_transaction(db):
        migrations.apply(db)


@contextmanager
def write_transaction(db):
    """Run the block as one transaction that holds the write lock from its first statement."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        # SQLite may already have rolled back (a full disk, say): then the original error is the one to see.
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def hash_token(token):
    """Return the stored form of a resume token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now():
    return datetime.now(UTC).isoformat(timespec="seconds")


def find_assessment(db, token_hash):
    """Return the assessment whose resume token has this hash, or None."""
    columns = [f.name for f in fields(Assessment)]
    row = db.execute(f"select {', '.join(columns)} from assessments where token_hash = ?", [token_hash]).fetchone()
    return Assessment(*row) if row else None


def load_answers(db, assessment_id):
    """Return everything an assessment holds."""
    choices = {}
    for row in db.query(
        "select question_id, option_id from answers where assessment_id = ? order by rowid", [assessment_id]
    ):
        choices.setdefault(row["question_id"], []).append(row["option_id"])
    texts = {
        row["question_id"]: row["text"]
        for row in db.query("select question_id, text from free_texts where assessment_id = ?", [assessment_id])
    }
    saved = {
        row["section_id"]
        for row in db.query("select section_id from saved_sections where assessment_id = ?", [assessment_id])
    }
    return Answers(choices, texts, saved)


def _write_section(db, assessment_id, section_id, answer_keys, choices, texts, now):
    placeholders = ", ".join("?" for _ in answer_keys)
    db.execute(
        f"delete from answers where assessment_id = ? and question_id in ({placeholders})",
        [assessment_id, *answer_keys],
    )
    db.execute(
        f"delete from free_texts where assessment_id = ? and question_id in ({placeholders})",
        [assessment_id, *answer_keys],
    )
    db["answers"].insert_all(
        {"assessment_id": assessment_id, "question_id": key, "option_id": option}
        for key, options in choices.items()
        for option in options
    )
    db["free_texts"].insert_all(
        {"assessment_id": assessment_id, "question_id": key, "text": text} for key, text in texts.items() if text
    )
    db["saved_sections"].upsert(
        {"assessment_id": assessment_id, "section_id": section_id, "saved_at": now},
        pk=("assessment_id", "section_id"),
    )


def _insert_assessment(db, token_hash, questionnaire_version, organisation_id, round_number, lead, now):
    if organisation_id is None:
        organisation_id = db["organisations"].insert({"created_at": now, "revision": 0}).last_pk
    return (
        db["assessments"]
        .insert(
            {
                "token_hash": token_hash,
                "questionnaire_version": questionnaire_version,
                "status": "draft",
                "created_at": now,
                "updated_at": now,
                "organisation_id": organisation_id,
                "round": round_number,
                "lead": int(lead),
                "counted": 0,
            }
        )
        .last_pk
    )


def create_assessment(db, token_hash, questionnaire_version, section_id, answer_keys, choices, texts):
    """Create an organisation and its first respondent's assessment with its first saved section; return its id."""
    now = _now()
    with write_transaction(db):
        assessment_id = _insert_assessment(db, token_hash, questionnaire_version, None, 1, True, now)
        _write_section(db, assessment_id, section_id, answer_keys, choices, texts, now)
    return assessment_id


def create_invite(db, assessment_id, token_hash):
    """Let the lead of an organisation invite one more respondent to its current round; return the invite id."""
    with write_transaction(db):
        lead = _lead_oflatest_round(db, assessment_id)
        _bump_organisation(db, assessment_id)
        return (
            db["invites"]
            .insert(
                {
                    "organisation_id": lead["organisation_id"],
                    "round": lead["round"],
                    "token_hash": token_hash,
                    "created_at": _now(),
                }
            )
            .last_pk
        )


def revoke_invite(db, assessment_id, invite_id):
    """Revoke an unused invite of the lead's organisation; True if it was open until now."""
    with write_transaction(db):
        lead = _lead_oflatest_round(db, assessment_id)
        cursor = db.execute(
            "update invites set revoked_at = ? where id = ? and organisation_id = ? and revoked_at is null "
            "and used_at is null",
            [_now(), invite_id, lead["organisation_id"]],
        )
        _bump_organisation(db, assessment_id)
        return cursor.rowcount == 1


def invites(db, organisation_id, round_number):
    """Return the invites of an organisation's round, newest first."""
    return list(
        db.query(
            "select id, created_at, revoked_at, used_at from invites where organisation_id = ? and round = ? "
            "order by id desc",
            [organisation_id, round_number],
        )
    )


def join_by_invite(db, invite_hash, token_hash, questionnaire_version):
    """Add a respondent to the invite's organisation and round; the invite is then used. Return the new id."""
    now = _now()
    with write_transaction(db):
        invite, refusal = _open_invite(db, invite_hash)
        if refusal:
            raise InviteRefused(refusal)
        invite_id, organisation_id, round_number = invite
        assessment_id = _insert_assessment(
            db, token_hash, questionnaire_version, organisation_id, round_number, False, now
        )
        db.execute("update invites set used_at = ?, assessment_id = ? where id = ?", [now, assessment_id, invite_id])
        _bump_organisation(db, assessment_id)
        return assessment_id


def invite_refusal(db, invite_hash):
    """Return why an invite cannot add a respondent (unknown, revoked, used, outdated), or None if it can."""
    return _open_invite(db, invite_hash)[1]


def _open_invite(db, invite_hash):
    row = db.execute(
        "select id, organisation_id, round, revoked_at, used_at from invites where token_hash = ?", [invite_hash]
    ).fetchone()
    if row is None:
        return None, "unknown"
    invite_id, organisation_id, round_number, revoked_at, used_at = row
    if revoked_at:
        return None, "revoked"
    if used_at:
        return None, "used"
    if latest_round(db, organisation_id) != round_number:
        return None, "outdated"
    return (invite_id, organisation_id, round_number), None


def start_round(db, assessment_id, token_hash, questionnaire_version, carried_section, answer_keys):
    """Start the organisation's next round with a new assessment for its lead; the lead's answers to
    ``carried_section`` (the organisation's profile, keys ``answer_keys``) are carried over. Return its id."""
    now = _now()
    with write_transaction(db):
        row = db.execute(
            "select organisation_id, round, lead, status from assessments where id = ?", [assessment_id]
        ).fetchone()
        if row is None:
            raise NotFound(assessment_id)
        organisation_id, round_number, lead, status = row
        if latest_round(db, organisation_id) != round_number:
            raise RoundRefused("newer")
        if not lead:
            raise RoundRefused("not_lead")
        if status != "submitted":
            raise RoundRefused("open")
        new_id = _insert_assessment(db, token_hash, questionnaire_version, organisation_id, round_number + 1, True, now)
        _bump_organisation(db, new_id)
        previous = load_answers(db, assessment_id)
        if carried_section in previous.saved_sections:
            choices = {key: options for key, options in previous.choices.items() if key in answer_keys}
            texts = {key: text for key, text in previous.texts.items() if key in answer_keys}
            _write_section(db, new_id, carried_section, answer_keys, choices, texts, now)
        return new_id


def latest_round(db, organisation_id):
    """Return the number of an organisation's newest round."""
    return db.execute("select max(round) from assessments where organisation_id = ?", [organisation_id]).fetchone()[0]


def _lead_oflatest_round(db, assessment_id):
    """Return the assessment's row if it is the lead's in its organisation's latest round, else raise."""
    row = db.execute("select organisation_id, round, lead from assessments where id = ?", [assessment_id]).fetchone()
    if row is None:
        raise NotFound(assessment_id)
    organisation_id, round_number, lead = row
    if not lead:
        raise RoundRefused("not_lead")
    if latest_round(db, organisation_id) != round_number:
        raise RoundRefused("newer")
    return {"organisation_id": organisation_id, "round": round_number}


def save_section(db, assessment_id, section_id, answer_keys, choices, texts):
    """Replace one section's answers of a draft assessment."""
    now = _now()
    with write_transaction(db):
        _require_draft(db, assessment_id)
        _write_section(db, assessment_id, section_id, answer_keys, choices, texts, now)
        db["assessments"].update(assessment_id, {"updated_at": now})


def submit(db, assessment_id, section_ids, summarise, may_publish):
    """Make a draft assessment read-only once every section in ``section_ids`` is saved.

    ``summarise(answers)`` returns the assessment's peer group ``(org_type, size_band)``, its dimension
    scores ``{dimension: value}`` and the choices that peers may count; they are stored, and the peer
    aggregates updated, in the same transaction, from the answers as they are under the write lock. The
    aggregates peers see are then replaced if ``may_publish(live sizes, published sizes, sizes shown before,
    changes=contributions changed per group)`` allows it. Each organisation is counted once (see _count_once).
    """
    now = _now()
    with write_transaction(db):
        _require_draft(db, assessment_id)
        answers = load_answers(db, assessment_id)
        missing = [s for s in section_ids if s not in answers.saved_sections]
        if missing:
            raise SectionsMissing(missing)
        (org_type, size_band), scores, counted = summarise(answers)
        db["assessments"].update(
            assessment_id,
            {
                "status": "submitted",
                "submitted_at": now,
                "updated_at": now,
                "org_type": org_type,
                "size_band": size_band,
            },
        )
        db["assessment_scores"].insert_all(
            {
                "assessment_id": assessment_id,
                "dimension": dimension,
                "value": value,
                "org_type": org_type,
                "size_band": size_band,
            }
            for dimension, value in scores.items()
            if value is not None
        )
        _count_once(db, assessment_id, (org_type, size_band), scores, counted, summarise)
        _bump_organisation(db, assessment_id)
        _publish_if_safe(db, may_publish)


def _count_once(db, assessment_id, group, scores, counted, summarise):
    """Count a submitted assessment for peers unless its organisation is counted already in this round; an
    organisation counted in an earlier round is counted from now on by this one."""
    organisation_id, round_number = db.execute(
        "select organisation_id, round from assessments where id = ?", [assessment_id]
    ).fetchone()
    current = db.execute(
        "select id, round from assessments where organisation_id = ? and counted = 1", [organisation_id]
    ).fetchone()
    if current is not None and current[1] >= round_number:
        return
    if current is not None:
        _uncount(db, current[0], summarise)
    _contribute(db, organisation_id, group, counted, scores, +1)
    db.execute("update assessments set counted = 1 where id = ?", [assessment_id])


def _uncount(db, assessment_id, summarise):
    """Take a counted assessment's answers out of the live peer aggregates; return its groups."""
    organisation_id, *group = db.execute(
        "select organisation_id, org_type, size_band from assessments where id = ?", [assessment_id]
    ).fetchone()
    # Submitted answers never change, so summarising them again gives what was counted.
    _, scores, counted = summarise(load_answers(db, assessment_id))
    db.execute("update assessments set counted = 0 where id = ?", [assessment_id])
    return _contribute(db, organisation_id, tuple(group), counted, scores, -1)


def _contribute(db, organisation_id, group, choices, scores, delta):
    """Add (``delta`` 1) or remove (-1) one organisation's answers to or from every live group it belongs to."""
    org_type, size_band = group
    # A group part left unknown ("*") must not count the organisation twice into the same group.
    groups = list(dict.fromkeys(((ANY, ANY), (org_type, ANY), (org_type, size_band))))
    for key in groups:
        _count_into_group(db, key, choices, scores, delta)
        db.execute(
            "insert or ignore into peer_changed_organisations (org_type, size_band, organisation_id) values (?, ?, ?)",
            [*key, organisation_id],
        )
    if delta < 0:
        for table in ("peer_groups", "peer_counts", "peer_scores"):
            db.execute(f"delete from {table} where organisations <= 0")
    return groups


def _bump_organisation(db, assessment_id):
    """Mark that what the organisation's pages show has changed: respondents, submissions, invites."""
    db.execute(
        "update organisations set revision = revision + 1 where id = "
        "(select organisation_id from assessments where id = ?)",
        [assessment_id],
    )


def delete_assessments(db, assessment_ids, summarise):
    """Delete assessments and everything that refers to them, in one transaction; an organisation left with
    none is deleted too. Peers stop seeing a deleted answer at once: the live aggregates lose it, and the
    published groups that held it are withheld until enough has changed to show them again (see
    peers.may_publish). Another respondent of the organisation is counted instead, if one has submitted, and
    takes over as lead if the lead was deleted. Return the ids that existed."""
    with write_transaction(db):
        return _delete(db, assessment_ids, summarise)


def delete_organisation(db, organisation_id, summarise):
    """Delete every assessment of an organisation, every round, as they are under the write lock (a
    respondent joining at that moment goes too). Return the ids deleted."""
    with write_transaction(db):
        ids = [row[0] for row in db.execute("select id from assessments where organisation_id = ?", [organisation_id])]
        return _delete(db, ids, summarise)


def purge_drafts(db, updated_before, dry_run=False):
    """Delete the unsubmitted assessments last saved before ``updated_before`` (ISO), chosen under the write
    lock so that one saved or submitted meanwhile stays. Drafts are never counted for peers. Return their ids."""
    with write_transaction(db):
        ids = [
            row[0]
            for row in db.execute(
                "select id from assessments where status = 'draft' and updated_at < ? order by id", [updated_before]
            )
        ]
        if not dry_run:
            _delete(db, ids, summarise=None)
        return ids


def _delete(db, assessment_ids, summarise):
    deleted = []
    for assessment_id in assessment_ids:
        row = db.execute(
            "select organisation_id, round, lead, counted from assessments where id = ?", [assessment_id]
        ).fetchone()
        if row is None:
            continue
        organisation_id, round_number, lead, counted = row
        if counted:
            groups = _uncount(db, assessment_id, summarise)
            for table in ("peer_groups", "peer_counts", "peer_scores"):
                db.conn.executemany(f"delete from published_{table} where org_type = ? and size_band = ?", groups)
        db.execute("update invites set assessment_id = null where assessment_id = ?", [assessment_id])
        for table in ("answers", "free_texts", "saved_sections", "assessment_scores"):
            db.execute(f"delete from {table} where assessment_id = ?", [assessment_id])
        db.execute("delete from assessments where id = ?", [assessment_id])
        if counted:
            _count_replacement(db, organisation_id, summarise)
        if lead:
            # The round keeps a lead: the respondent who joined it first.
            db.execute(
                "update assessments set lead = 1 where id = (select min(id) from assessments "
                "where organisation_id = ? and round = ?)",
                [organisation_id, round_number],
            )
        db.execute("update organisations set revision = revision + 1 where id = ?", [organisation_id])
        if not db.execute("select 1 from assessments where organisation_id = ?", [organisation_id]).fetchone():
            db.execute("delete from invites where organisation_id = ?", [organisation_id])
            db.execute("delete from organisations where id = ?", [organisation_id])
        deleted.append(assessment_id)
    if deleted:
        # Every rendered page is stale now; a deleted id may also be given to a new assessment later.
        _bump_results_revision(db)
    return deleted


def _count_replacement(db, organisation_id, summarise):
    """Count for peers the first submitted assessment of the organisation's latest round that has one."""
    row = db.execute(
        "select id, org_type, size_band from assessments where organisation_id = ? and status = 'submitted' "
        "order by round desc, submitted_at, id limit 1",
        [organisation_id],
    ).fetchone()
    if row is None:
        return
    _, scores, counted = summarise(load_answers(db, row[0]))
    _contribute(db, organisation_id, (row[1], row[2]), counted, scores, +1)
    db.execute("update assessments set counted = 1 where id = ?", [row[0]])


def organisation_assessments(db, organisation_id):
    """Return every assessment of an organisation, by round and then in the order respondents joined."""
    columns = [f.name for f in fields(Assessment)]
    return [
        Assessment(*row)
        for row in db.execute(
            f"select {', '.join(columns)} from assessments where organisation_id = ? order by round, id",
            [organisation_id],
        )
    ]


def respondent_roles(db, organisation_id):
    """Return {assessment id: the role its respondent chose} for an organisation's assessments."""
    return dict(
        db.execute(
            "select answers.assessment_id, answers.option_id from answers join assessments "
            "on assessments.id = answers.assessment_id where assessments.organisation_id = ? "
            "and answers.question_id = 'role'",
            [organisation_id],
        ).fetchall()
    )


def _group_sizes(db, table):
    return {(t, b): n for t, b, n in db.execute(f"select org_type, size_band, organisations from {table}")}


def _changed_organisations(db):
    return {
        (t, b): n
        for t, b, n in db.execute(
            "select org_type, size_band, count(*) from peer_changed_organisations group by org_type, size_band"
        )
    }


def _publish_if_safe(db, may_publish):
    shown_before = {}
    for org_type, size_band, organisations in db.execute("select * from peer_shown_sizes"):
        shown_before.setdefault((org_type, size_band), set()).add(organisations)
    live = _group_sizes(db, "peer_groups")
    changes = _changed_organisations(db)
    shown = may_publish(live, _group_sizes(db, "published_peer_groups"), shown_before, changes=changes)
    if shown is None:
        return
    # A group's changes count from the last snapshot that showed it: one hidden for a while (or withheld
    # after a deletion) comes back only when enough has changed since anyone saw it.
    db.conn.executemany("delete from peer_changed_organisations where org_type = ? and size_band = ?", list(shown))
    for table in ("peer_groups", "peer_counts", "peer_scores"):
        db.execute(f"delete from published_{table}")
        db.execute(f"insert into published_{table} select * from {table}")
    db.conn.executemany(
        "insert or ignore into peer_shown_sizes (org_type, size_band, organisations) values (?, ?, ?)",
        [(*key, live[key]) for key in shown],
    )
    db.execute("update revisions set value = ? where name = 'peers_published_at'", [int(datetime.now(UTC).timestamp())])
    _bump_results_revision(db)


def _count_into_group(db, group, choices, scores, delta):
    db.execute(
        "insert into peer_groups (org_type, size_band, organisations) values (?, ?, ?) "
        "on conflict do update set organisations = organisations + excluded.organisations",
        [*group, delta],
    )
    db.conn.executemany(
        "insert into peer_counts (org_type, size_band, answer_key, option_id, organisations) values (?, ?, ?, ?, ?) "
        "on conflict do update set organisations = organisations + excluded.organisations",
        [(*group, key, option, delta) for key, options in choices.items() for option in options],
    )
    db.conn.executemany(
        "insert into peer_scores (org_type, size_band, dimension, value, organisations) values (?, ?, ?, ?, ?) "
        "on conflict do update set organisations = organisations + excluded.organisations",
        [(*group, dimension, value, delta) for dimension, value in scores.items() if value is not None],
    )


def load_reference_figures(db, figures, loaded_from, replace, staged_upload=None):
    """Store an operator's reference figures: with ``replace`` they become the whole reference, else they
    replace the figures with the same id and extend the rest. All or nothing. With ``staged_upload``, that
    upload is consumed in the same transaction: False (nothing loaded) if it was consumed already."""
    with write_transaction(db):
        if staged_upload is not None:
            if db.execute("delete from reference_uploads where id = ?", [staged_upload]).rowcount != 1:
                return False
        if replace:
            db.execute("delete from reference_figures")
        db["reference_figures"].upsert_all(
            ({column: getattr(figure, column) for column in COLUMNS} for figure in figures), pk="id"
        )
        db["reference_loads"].insert(
            {
                "loaded_at": _now(),
                "loaded_from": loaded_from,
                "mode": "replace" if replace else "extend",
                "figures": len(figures),
            }
        )
        _bump_results_revision(db)
        return True


def operator_reference(db):
    """Return (rows of the operator's reference figures, whether they replace the packaged ones)."""
    # Once the packaged figures have been replaced, later loads extend the operator's figures, not them.
    replaced = db.execute("select 1 from reference_loads where mode = 'replace' limit 1").fetchone()
    rows = [
        dict(zip(COLUMNS, row, strict=True))
        for row in db.execute(f"select {', '.join(COLUMNS)} from reference_figures")
    ]
    return rows, replaced is not None


@contextmanager
def read_snapshot(db):
    """Run the block's reads in one transaction: in WAL mode they all see the same committed state."""
    db.conn.execute("BEGIN")
    try:
        yield db
    finally:
        db.conn.execute("COMMIT")


def rebuild_peer_aggregates(db, may_publish, excluded_questions=()):
    """Recount every peer group from the submitted answers (after a bulk import or a deletion), then publish
    the result if ``may_publish`` allows it; ``excluded_questions`` are never counted (the profile)."""
    levels = (("'*'", "'*'"), ("org_type", "'*'"), ("org_type", "size_band"))
    with write_transaction(db):
        for table in ("peer_groups", "peer_counts", "peer_scores"):
            db.execute(f"delete from {table}")
        for org_type, size_band in levels:
            db.execute(
                f"insert into peer_groups select {org_type}, {size_band}, count(*) from assessments "
                "where status = 'submitted' and counted = 1 group by 1, 2"
            )
            placeholders = ", ".join("?" for _ in excluded_questions)
            db.execute(
                f"insert into peer_counts select {org_type}, {size_band}, answers.question_id, answers.option_id, count(*) "
                "from answers join assessments on assessments.id = answers.assessment_id "
                f"where assessments.status = 'submitted' and assessments.counted = 1 "
                f"and answers.question_id not in ({placeholders}) "
                "group by 1, 2, 3, 4",
                list(excluded_questions),
            )
            db.execute(
                f"insert into peer_scores select {org_type}, {size_band}, dimension, value, count(*) "
                "from assessment_scores where assessment_id in (select id from assessments where counted = 1) "
                "group by 1, 2, 3, 4"
            )
        _publish_if_safe(db, may_publish)


def _bump_results_revision(db):
    db.execute("update revisions set value = value + 1 where name = 'results'")


def peers_published_at(db):
    """Return when peers' snapshot was last replaced, as an ISO timestamp, or None if never."""
    seconds = db.execute("select value from revisions where name = 'peers_published_at'").fetchone()[0]
    return datetime.fromtimestamp(seconds, UTC).isoformat() if seconds else None


def results_revisions(db, organisation_id):
    """Return, in one query, the results revision and the organisation's: a results page stays valid while
    neither changes."""
    return db.execute(
        "select (select value from revisions where name = 'results'), "
        "(select revision from organisations where id = ?)",
        [organisation_id],
    ).fetchone()


def _require_draft(db, assessment_id):
    status = db.execute("select status from assessments where id = ?", [assessment_id]).fetchone()
    if status is None or status[0] != "draft":
        raise AssessmentLocked(assessment_id)


class ConnectionPool:
    """Connections kept open between requests: opening one and reading the schema costs more than a page."""

    def __init__(self):
        self._idle = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def take(self, path):
        """Return an idle connection to ``path``, or a new one."""
        with self._lock:
            if self._pid != os.getpid():
                # A forked worker must not share its parent's connections.
                self._idle, self._pid = {}, os.getpid()
            idle = self._idle.setdefault(path, [])
            if idle:
                return idle.pop()
        return connect(path)

    def give(self, path, db):
        """Take a connection back after a request, rolled back if a transaction was left open."""
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        with self._lock:
            self._idle.setdefault(path, []).append(db)


pool = ConnectionPool()


def get_db():
    """Return this request's database connection."""
    if "db" not in g:
        g.db_path = current_app.config["DATABASE"]
        g.db = pool.take(g.db_path)
    return g.db


def close_db(exception=None):
    """Give this request's connection back to the pool, if one was taken."""
    db = g.pop("db", None)
    if db is not None:
        pool.give(g.pop("db_path"), db)


@click.command("init-db")
def init_db_command():
    """Create the database, or bring its schema up to date."""
    db = connect(current_app.config["DATABASE"])
    migrate(db)
    db.conn.close()
    click.echo(f"Database ready: {current_app.config['DATABASE']}")


def init_app(app):
    """Apply migrations at start-up and register the connection teardown and CLI command."""
    db = connect(app.config["DATABASE"])
    try:
        migrate(db)
    finally:
        db.conn.close()
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)


def create_operator(db, username, password_hash):
    """Create an operator account; raise ValueError if the name is taken."""
    with write_transaction(db):
        if db.execute("select 1 from operators where username = ?", [username]).fetchone():
            raise ValueError(f"an operator called {username!r} exists already")
        return (
            db["operators"]
            .insert({"username": username, "password_hash": password_hash, "created_at": _now(), "session_version": 1})
            .last_pk
        )


def set_operator_password(db, username, password_hash):
    """Change an operator's password and end their sessions; False if there is no such operator."""
    with write_transaction(db):
        cursor = db.execute(
            "update operators set password_hash = ?, session_version = session_version + 1 where username = ?",
            [password_hash, username],
        )
        return cursor.rowcount == 1


def find_operator(db, username=None, operator_id=None):
    """Return an operator as a dict, by name or by id, or None."""
    column, value = ("username", username) if operator_id is None else ("id", operator_id)
    row = db.execute(
        f"select id, username, password_hash, session_version from operators where {column} = ?",
        [value],
    ).fetchone()
    return dict(zip(("id", "username", "password_hash", "session_version"), row, strict=True)) if row else None


def end_operator_sessions(db, operator_id):
    """Make every session of an operator invalid (sign-out everywhere)."""
    with write_transaction(db):
        db.execute("update operators set session_version = session_version + 1 where id = ?", [operator_id])


def start_sign_in(db, username, window_seconds, allowed):
    """Count a sign-in attempt as failed until it succeeds (clear_failures); False if the name has failed
    ``allowed`` times within the window already. Counting first makes parallel guesses count too."""
    now = datetime.now(UTC).timestamp()
    with write_transaction(db):
        failures = db.execute(
            "select count(*) from sign_in_failures where username = ? and failed_at > ?",
            [username, now - window_seconds],
        ).fetchone()[0]
        if failures >= allowed:
            return False
        db.execute("delete from sign_in_failures where failed_at < ?", [now - 86400])
        db.execute("insert into sign_in_failures (username, failed_at) values (?, ?)", [username, now])
        return True


def clear_failures(db, username):
    """Forget the failed sign-ins of a name after a successful one."""
    with write_transaction(db):
        db.execute("delete from sign_in_failures where username = ?", [username])


def stage_reference_upload(db, operator_id, filename, content):
    """Keep a checked reference CSV until the operator confirms it; return its id."""
    with write_transaction(db):
        # Uploads left unconfirmed for a day are dropped.
        yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
        db.execute("delete from reference_uploads where uploaded_at < ?", [yesterday])
        return (
            db["reference_uploads"]
            .insert({"operator_id": operator_id, "uploaded_at": _now(), "filename": filename, "content": content})
            .last_pk
        )


def staged_reference_upload(db, upload_id):
    """Return a staged upload as a dict, or None."""
    row = db.execute("select filename, content from reference_uploads where id = ?", [upload_id]).fetchone()
    return {"filename": row[0], "content": row[1]} if row else None


def reference_loads(db):
    """Return the operator's reference loads, newest first."""
    return list(db.query("select loaded_at, loaded_from, mode, figures from reference_loads order by id desc"))


def backup(db, target):
    """Copy the database to ``target`` while the service runs: SQLite's online backup gives one consistent
    state even under concurrent writes. The copy is checked with ``PRAGMA integrity_check``."""
    destination = sqlite3.connect(target)
    try:
        db.conn.backup(destination)
        result = destination.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        destination.close()
    if result != "ok":
        raise sqlite3.DatabaseError(f"the copy failed its integrity check: {result}")
