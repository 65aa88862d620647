"""The register of the sector's organisations as in force (packaged entries, extended by the operator's), and
the claims by which a lead says which entry its organisation is and gets it verified.

An organisation counts for peers only when one of its claims is verified: by a link mailed to an address at a
domain the register lists for the entry, or by the operator. One verified organisation per entry, and one open
claim per organisation, are kept by unique indexes; two organisations claiming one entry are both left to the
operator. Every write is one BEGIN IMMEDIATE transaction.
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from readiness.core import register
from readiness.core.questionnaire import load

from .database import timestamp
from .database import write_transaction

# How long an emailed verification link works, and how soon after one email another may be sent for a claim.
LINK_HOURS = 24
RESEND_SECONDS = 120
CLAIM_COLUMNS = (
    "id",
    "organisation_id",
    "entry_id",
    "contact_name",
    "contact_email",
    "stated_size_band",
    "method",
    "status",
    "contested",
    "created_at",
    "decided_at",
    "decided_by",
    "token_expires_at",
    "email_sent_at",
    "email_error",
)


class ClaimRefused(Exception):
    """A claim or a verification cannot be made; ``reason`` says why (see each function)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _now():
    return datetime.now(UTC)


def _iso(moment):
    return moment.isoformat(timespec="seconds")


# The register ---------------------------------------------------------------------------------------------


def load_register_entries(db, entries, loaded_from):
    """Store an operator's register entries: they replace the entries with the same id and extend the rest.
    All or nothing."""
    with write_transaction(db):
        db["register_entries"].upsert_all((register.to_row(entry) for entry in entries), pk="id")
        db["register_loads"].insert({"loaded_at": timestamp(), "loaded_from": loaded_from, "entries": len(entries)})


def register_in_force(db, questionnaire=None):
    """Return the register in force, {id: Entry}: the packaged entries, replaced or extended by the operator's."""
    questionnaire = questionnaire or load()
    entries = {entry.id: entry for entry in register.load_packaged(questionnaire)}
    columns = ", ".join(register.COLUMNS)
    for row in db.execute(f"select {columns} from register_entries"):
        entry = register.from_row(questionnaire, dict(zip(register.COLUMNS, row, strict=True)))
        entries[entry.id] = entry
    return entries


def register_loads(db):
    """Return the operator's register loads, newest first."""
    return list(db.query("select loaded_at, loaded_from, entries from register_loads order by id desc"))


# Claims ---------------------------------------------------------------------------------------------------


def _claim(row):
    return dict(zip(CLAIM_COLUMNS, row, strict=True)) if row else None


def _select(where, params, db):
    return [_claim(row) for row in db.execute(f"select {', '.join(CLAIM_COLUMNS)} from claims where {where}", params)]


def organisation_claim(db, organisation_id):
    """Return the organisation's open claim (pending or verified), else its latest closed one, else None."""
    rows = _select(
        "organisation_id = ? order by status in ('pending', 'verified') desc, id desc limit 1", [organisation_id], db
    )
    return rows[0] if rows else None


def make_claim(db, organisation_id, entry_id, contact_name, contact_email, stated_size_band, method, token_hash):
    """Claim a register entry for an organisation; return the new claim. ``method`` is "email" (``token_hash``
    is then the emailed link's token) or "operator". When another organisation has an open claim to the same
    entry, both are contested: each waits for the operator, and emailed links of either no longer verify.
    Refused ("open") if the organisation has an open claim already."""
    now = _now()
    with write_transaction(db):
        if _select("organisation_id = ? and status in ('pending', 'verified')", [organisation_id], db):
            raise ClaimRefused("open")
        others = _select("entry_id = ? and status in ('pending', 'verified')", [entry_id], db)
        contested = bool(others)
        if contested:
            method, token_hash = "operator", None
            db.execute(
                "update claims set contested = 1, method = case when status = 'pending' then 'operator' else method "
                "end, token_hash = null where entry_id = ? and status in ('pending', 'verified')",
                [entry_id],
            )
        claim_id = db.execute(
            "insert into claims (organisation_id, entry_id, contact_name, contact_email, stated_size_band, method, "
            "status, contested, created_at, token_hash, token_expires_at) values (?, ?, ?, ?, ?, ?, 'pending', ?, "
            "?, ?, ?)",
            [
                organisation_id,
                entry_id,
                contact_name,
                contact_email,
                stated_size_band,
                method,
                int(contested),
                _iso(now),
                token_hash,
                _iso(now + timedelta(hours=LINK_HOURS)) if token_hash else None,
            ],
        ).lastrowid
        return _select("id = ?", [claim_id], db)[0]


def record_email(db, claim_id, error=None):
    """Record that the claim's email was handed to the mail server, or the server's refusal (``error``)."""
    with write_transaction(db):
        db.execute(
            "update claims set email_sent_at = ?, email_error = ? where id = ?",
            [None if error else timestamp(), error, claim_id],
        )


def renew_link(db, organisation_id, token_hash):
    """Give the organisation's pending email claim a new link (the old one stops working); return the claim.
    Refused: "none" (no pending email claim), "wait" (an email was sent less than RESEND_SECONDS ago)."""
    now = _now()
    with write_transaction(db):
        rows = _select("organisation_id = ? and status = 'pending' and method = 'email'", [organisation_id], db)
        if not rows:
            raise ClaimRefused("none")
        claim = rows[0]
        if claim["email_sent_at"] and now - datetime.fromisoformat(claim["email_sent_at"]) < timedelta(
            seconds=RESEND_SECONDS
        ):
            raise ClaimRefused("wait")
        db.execute(
            "update claims set token_hash = ?, token_expires_at = ?, email_sent_at = null, email_error = null "
            "where id = ?",
            [token_hash, _iso(now + timedelta(hours=LINK_HOURS)), claim["id"]],
        )
        return _select("id = ?", [claim["id"]], db)[0]


def withdraw_claim(db, organisation_id):
    """Withdraw the organisation's pending claim, so that it can claim again; True if there was one."""
    with write_transaction(db):
        cursor = db.execute(
            "update claims set status = 'withdrawn', token_hash = null, decided_at = ? "
            "where organisation_id = ? and status = 'pending'",
            [timestamp(), organisation_id],
        )
        return cursor.rowcount == 1


def claim_for_link(db, token_hash):
    """Return (the claim whose emailed link has this token hash, why the link cannot verify it or None).
    Reasons: "unknown", "expired", "contested" (the operator decides now), "done" (verified or closed)."""
    rows = _select("token_hash = ?", [token_hash], db)
    if not rows:
        return None, "unknown"
    claim = rows[0]
    if claim["status"] != "pending":
        return claim, "done"
    if claim["contested"] or claim["method"] != "email":
        return claim, "contested"
    if datetime.fromisoformat(claim["token_expires_at"]) <= _now():
        return claim, "expired"
    return claim, None


def verify_by_link(db, token_hash):
    """Verify the claim of an emailed link; the link is then used up. Return the claim; refused with the
    reasons of ``claim_for_link``, checked again under the write lock."""
    with write_transaction(db):
        claim, refusal = claim_for_link(db, token_hash)
        if refusal:
            raise ClaimRefused(refusal)
        db.execute(
            "update claims set status = 'verified', token_hash = null, decided_at = ?, decided_by = 'email' "
            "where id = ?",
            [timestamp(), claim["id"]],
        )
        return _select("id = ?", [claim["id"]], db)[0]


def pending_claims(db):
    """Return the claims waiting for the operator, oldest first, each with ``others``: the other open claims
    to the same entry (a verified one among them is replaced if this one is approved), and ``given_name``: the
    name the organisation's respondents gave it in their latest round, if any, for the operator to compare with
    the entry claimed."""
    waiting = _select("status = 'pending' and (method = 'operator' or contested = 1) order by created_at, id", [], db)
    name_question = load().profile_question("name").id
    for claim in waiting:
        claim["others"] = _select(
            "entry_id = ? and id != ? and status in ('pending', 'verified') order by id",
            [claim["entry_id"], claim["id"]],
            db,
        )
        given = db.execute(
            "select f.text from free_texts f join assessments a on a.id = f.assessment_id "
            "where a.organisation_id = ? and f.question_id = ? and f.text != '' order by a.round desc, a.id limit 1",
            [claim["organisation_id"], name_question],
        ).fetchone()
        claim["given_name"] = given[0] if given else None
    return waiting


def pending_claim(db, claim_id):
    """Return the claim if it is still pending, else None."""
    rows = _select("id = ? and status = 'pending'", [claim_id], db)
    return rows[0] if rows else None


def decide_claim(db, claim_id, approve, operator_name, size_band=None):
    """The operator's decision on a pending claim. Approving verifies it and, if another organisation was
    verified as the same entry, ends that verification (status rejected): one organisation per entry. With
    ``size_band`` (the band the operator checked, for an entry the register has none for) approving also
    records that band in the register, in the same transaction. Return the claim; refused ("decided") if it is
    no longer pending."""
    now = timestamp()
    with write_transaction(db):
        claim = pending_claim(db, claim_id)
        if claim is None:
            raise ClaimRefused("decided")
        if approve and size_band:
            entry = register_in_force(db)[claim["entry_id"]].with_size_band(size_band)
            db["register_entries"].upsert(register.to_row(entry), pk="id")
        if approve:
            db.execute(
                "update claims set status = 'rejected', decided_at = ?, decided_by = ? "
                "where entry_id = ? and status = 'verified'",
                [now, operator_name, claim["entry_id"]],
            )
        db.execute(
            "update claims set status = ?, token_hash = null, decided_at = ?, decided_by = ? where id = ?",
            ["verified" if approve else "rejected", now, operator_name, claim_id],
        )
        # A contest ends with the decision: a claim left alone on its entry is no longer contested.
        db.execute(
            "update claims set contested = 0 where entry_id = ? and status = 'pending' and "
            "(select count(*) from claims c where c.entry_id = claims.entry_id and c.status in ('pending', 'verified')) = 1",
            [claim["entry_id"]],
        )
        return _select("id = ?", [claim_id], db)[0]


def verified_claims(db):
    """Return every verified claim, by entry id."""
    return _select("status = 'verified' order by entry_id", [], db)


def verified_organisations(db, questionnaire=None):
    """Return {organisations.id: register Entry} for every organisation that counts for peers: those with a
    verified claim, one per register entry. The entry's size band is the register's (the operator records the
    band checked when approving a claim); the band a lead stated counts only for a claim verified before the
    operator recorded bands, and the console marks it so."""
    entries = register_in_force(db, questionnaire)
    verified = {}
    for claim in verified_claims(db):
        entry = entries.get(claim["entry_id"])
        if entry is None:
            # An entry the operator's register no longer holds cannot say the organisation's group.
            continue
        if not entry.size_band and claim["stated_size_band"]:
            entry = entry.with_size_band(claim["stated_size_band"])
        verified[claim["organisation_id"]] = entry
    return verified
