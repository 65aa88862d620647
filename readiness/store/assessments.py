"""An assessment's life: created at its first saved section, saved section by section, submitted (its round's
contribution to peers recomputed in the same transaction), deleted, or purged as a stale draft."""

import time

from . import action_plans
from . import releases
from .database import timestamp
from .database import write_transaction
from .records import load_answers


class AssessmentLocked(Exception):
    """The assessment has been submitted and can no longer change."""


class SectionsMissing(Exception):
    """The assessment cannot be submitted before every section has been saved."""


def write_section(db, assessment_id, section_id, answer_keys, choices, texts, now):
    """Replace the answers stored under ``answer_keys`` by these choices and texts, and mark the section saved."""
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


def insert_assessment(db, token_hash, questionnaire_version, organisation_id, round_number, lead, now):
    """Insert a draft assessment into an organisation's round (a new organisation if ``organisation_id`` is
    None); return its id."""
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
    now = timestamp()
    with write_transaction(db):
        assessment_id = insert_assessment(db, token_hash, questionnaire_version, None, 1, True, now)
        write_section(db, assessment_id, section_id, answer_keys, choices, texts, now)
    return assessment_id


def save_section(db, assessment_id, section_id, answer_keys, choices, texts):
    """Replace one section's answers of a draft assessment."""
    now = timestamp()
    with write_transaction(db):
        _require_draft(db, assessment_id)
        write_section(db, assessment_id, section_id, answer_keys, choices, texts, now)
        db["assessments"].update(assessment_id, {"updated_at": now})


def replace_token(db, assessment_id, token_hash):
    """Give an assessment a new resume token (its hash): the old link stops working."""
    with write_transaction(db):
        db["assessments"].update(assessment_id, {"token_hash": token_hash})


def submit(db, assessment_id, section_ids, rule):
    """Make a draft assessment read-only once every section in ``section_ids`` is saved.

    ``rule(respondents)`` is ``core.peers.round_contribution`` bound to the questionnaire and model. The
    assessment's own group and dimension scores are stored, and its round's contribution to peers (the
    combined profile of the round's submitted respondents) recomputed, in the same transaction, from the
    answers as they are under the write lock. Peers see it from the next release (``store.releases``).
    """
    now = timestamp()
    with write_transaction(db):
        _require_draft(db, assessment_id)
        answers = load_answers(db, assessment_id)
        missing = [s for s in section_ids if s not in answers.saved_sections]
        if missing:
            raise SectionsMissing(missing)
        contribution = rule([answers.choices])
        org_type, size_band = contribution.group
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
            for dimension, value in contribution.scores.items()
            if value is not None
        )
        organisation_id, round_number = db.execute(
            "select organisation_id, round from assessments where id = ?", [assessment_id]
        ).fetchone()
        releases.refresh_contribution(db, organisation_id, round_number, rule)
        bump_organisation(db, assessment_id)


def bump_organisation(db, assessment_id):
    """Mark that what the organisation's pages show has changed: respondents, submissions, invites."""
    db.execute(
        "update organisations set revision = revision + 1 where id = "
        "(select organisation_id from assessments where id = ?)",
        [assessment_id],
    )


def delete_assessments(db, assessment_ids, rule):
    """Delete assessments and everything that refers to them, in one transaction; an organisation left with
    none is deleted too. The round's contribution to peers is recomputed from the respondents left (or goes),
    so the next release no longer counts the deleted answers; until then the published release, which says
    nothing of any one organisation, stays as it is. A remaining respondent takes over as lead if the lead
    was deleted. ``rule`` is the peer rule, as for ``submit``. Return the ids that existed."""
    with write_transaction(db):
        return _delete(db, assessment_ids, rule)


def delete_organisation(db, organisation_id, rule):
    """Delete every assessment of an organisation, every round, as they are under the write lock (a
    respondent joining at that moment goes too). Return the ids deleted."""
    with write_transaction(db):
        ids = [row[0] for row in db.execute("select id from assessments where organisation_id = ?", [organisation_id])]
        return _delete(db, ids, rule)


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
            _delete(db, ids, rule=None)
        return ids


def _delete(db, assessment_ids, rule):
    deleted = []
    for assessment_id in assessment_ids:
        row = db.execute(
            "select organisation_id, round, lead, status from assessments where id = ?", [assessment_id]
        ).fetchone()
        if row is None:
            continue
        organisation_id, round_number, lead, status = row
        db.execute("update invites set assessment_id = null where assessment_id = ?", [assessment_id])
        for table in ("answers", "free_texts", "saved_sections", "assessment_scores"):
            db.execute(f"delete from {table} where assessment_id = ?", [assessment_id])
        db.execute("delete from assessments where id = ?", [assessment_id])
        # A round's action plan goes with the round's last respondent, and every plan with the organisation.
        action_plans.delete_unanswered_rounds(db, organisation_id)
        if status == "submitted":
            releases.refresh_contribution(db, organisation_id, round_number, rule)
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
        releases.bump_results_revision(db)
        record_deletions(db, deleted)
    return deleted


# How long a deletion is remembered for the PDF renderings under way: far longer than any rendering takes.
DELETIONS_KEPT = 86400.0


def record_deletions(db, assessment_ids, now=None):
    """Record, in the deleting transaction, that the assessments are gone: a PDF rendering that ends later, in
    any worker, sees it (``store.reports``) and keeps no file. Records older than DELETIONS_KEPT go."""
    now = time.time() if now is None else now
    db.execute("delete from deleted_assessments where deleted_at < ?", [now - DELETIONS_KEPT])
    db.conn.executemany(
        "insert into deleted_assessments (assessment_id, deleted_at) values (?, ?)",
        [(assessment_id, now) for assessment_id in assessment_ids],
    )


def _require_draft(db, assessment_id):
    status = db.execute("select status from assessments where id = ?", [assessment_id]).fetchone()
    if status is None or status[0] != "draft":
        raise AssessmentLocked(assessment_id)
