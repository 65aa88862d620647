"""Rendered results pages shared by every worker: one row per assessment and language, compressed.

A row holds the page as it was at one revision (the results revision and the organisation's, as
``records.results_revisions`` returns them); a reader with another revision finds nothing. The whole table
is emptied when the results revision moves (``releases.bump_results_revision``), and an assessment's rows go
with it.
"""

import zlib

from .database import write_transaction
from .records import results_revisions


def _revision_key(revisions):
    return ":".join(str(value) for value in revisions)


def get(db, assessment_id, lang, revisions):
    """Return the page rendered for this assessment, language and revisions, or None."""
    row = db.execute(
        "select body from rendered_pages where assessment_id = ? and lang = ? and revision = ?",
        [assessment_id, lang, _revision_key(revisions)],
    ).fetchone()
    return zlib.decompress(row[0]).decode() if row else None


def put(db, assessment_id, lang, revisions, body):
    """Keep the page rendered at ``revisions``, unless those revisions have moved on meanwhile (then it is
    already stale) or the assessment is gone."""
    with write_transaction(db):
        organisation = db.execute("select organisation_id from assessments where id = ?", [assessment_id]).fetchone()
        if organisation is None or tuple(results_revisions(db, organisation[0])) != tuple(revisions):
            return
        db.execute(
            "insert or replace into rendered_pages (assessment_id, lang, revision, body) values (?, ?, ?, ?)",
            [assessment_id, lang, _revision_key(revisions), zlib.compress(body.encode(), 6)],
        )


def forget_all(db):
    """Drop every rendered page, inside the caller's transaction: what they show has changed."""
    db.execute("delete from rendered_pages")
