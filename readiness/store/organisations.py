"""An organisation's respondents and rounds: invites that add a respondent, and the next yearly round."""

from . import action_plans
from .assessments import bump_organisation
from .assessments import insert_assessment
from .assessments import write_section
from .database import timestamp
from .database import write_transaction
from .records import NotFound
from .records import latest_round
from .records import load_answers


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


def create_invite(db, assessment_id, token_hash, role):
    """Let the lead of an organisation invite one more respondent, in ``role`` (an option id of the profile's
    role question), to its current round; return the invite id."""
    with write_transaction(db):
        lead = _lead_of_latest_round(db, assessment_id)
        bump_organisation(db, assessment_id)
        return (
            db["invites"]
            .insert(
                {
                    "organisation_id": lead["organisation_id"],
                    "round": lead["round"],
                    "token_hash": token_hash,
                    "created_at": timestamp(),
                    "role": role,
                }
            )
            .last_pk
        )


def revoke_invite(db, assessment_id, invite_id):
    """Revoke an unused invite of the lead's organisation; True if it was open until now."""
    with write_transaction(db):
        lead = _lead_of_latest_round(db, assessment_id)
        cursor = db.execute(
            "update invites set revoked_at = ? where id = ? and organisation_id = ? and revoked_at is null "
            "and used_at is null",
            [timestamp(), invite_id, lead["organisation_id"]],
        )
        bump_organisation(db, assessment_id)
        return cursor.rowcount == 1


def invites(db, organisation_id, round_number):
    """Return the invites of an organisation's round, newest first."""
    return list(
        db.query(
            "select id, created_at, revoked_at, used_at, role from invites where organisation_id = ? and round = ? "
            "order by id desc",
            [organisation_id, round_number],
        )
    )


def join_by_invite(db, invite_hash, token_hash, questionnaire_version, carried_section, answer_keys, role_key):
    """Add a respondent to the invite's organisation and round; the invite is then used. The lead's answers to
    ``carried_section`` (the organisation's profile, keys ``answer_keys``) are carried over, but for the
    person's own role (``role_key``), which is the invite's. Return the new assessment's id."""
    now = timestamp()
    with write_transaction(db):
        invite, refusal = open_invite(db, invite_hash)
        if refusal:
            raise InviteRefused(refusal)
        assessment_id = insert_assessment(
            db, token_hash, questionnaire_version, invite["organisation_id"], invite["round"], False, now
        )
        db.execute("update invites set used_at = ?, assessment_id = ? where id = ?", [now, assessment_id, invite["id"]])
        lead = load_answers(db, invite["lead_id"])
        if carried_section in lead.saved_sections and invite["role"]:
            choices = {key: options for key, options in lead.choices.items() if key in answer_keys}
            texts = {key: text for key, text in lead.texts.items() if key in answer_keys}
            choices[role_key] = [invite["role"]]
            write_section(db, assessment_id, carried_section, answer_keys, choices, texts, now)
        bump_organisation(db, assessment_id)
        return assessment_id


def open_invite(db, invite_hash):
    """Return (invite, None) for an invite that can add a respondent (its id, organisation, round, role and the
    id of the lead's assessment in that round), or (None, why not: unknown, revoked, used, outdated)."""
    row = db.execute(
        "select i.id, i.organisation_id, i.round, i.revoked_at, i.used_at, i.role, a.id from invites i "
        "left join assessments a on a.organisation_id = i.organisation_id and a.round = i.round and a.lead = 1 "
        "where i.token_hash = ?",
        [invite_hash],
    ).fetchone()
    if row is None:
        return None, "unknown"
    invite_id, organisation_id, round_number, revoked_at, used_at, role, lead_id = row
    if revoked_at:
        return None, "revoked"
    if used_at:
        return None, "used"
    if latest_round(db, organisation_id) != round_number or lead_id is None:
        return None, "outdated"
    invite = {"id": invite_id, "organisation_id": organisation_id, "round": round_number, "role": role}
    return {**invite, "lead_id": lead_id}, None


def start_round(db, assessment_id, token_hash, questionnaire_version, carried_section, answer_keys):
    """Start the organisation's next round with a new assessment for its lead; the lead's answers to
    ``carried_section`` (the organisation's profile, keys ``answer_keys``) are carried over, and so are the open
    items of the round's action plan. Return its id."""
    now = timestamp()
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
        new_id = insert_assessment(db, token_hash, questionnaire_version, organisation_id, round_number + 1, True, now)
        bump_organisation(db, new_id)
        action_plans.carry_over(db, organisation_id, round_number, round_number + 1)
        previous = load_answers(db, assessment_id)
        if carried_section in previous.saved_sections:
            choices = {key: options for key, options in previous.choices.items() if key in answer_keys}
            texts = {key: text for key, text in previous.texts.items() if key in answer_keys}
            write_section(db, new_id, carried_section, answer_keys, choices, texts, now)
        return new_id


def _lead_of_latest_round(db, assessment_id):
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
