"""Reference figures loaded by operators: stored, staged for confirmation, and the history of loads."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from readiness.core import reference
from readiness.core.reference import ALL_COLUMNS
from readiness.core.reference import OPTIONAL_COLUMNS

from .database import timestamp
from .database import write_transaction
from .releases import bump_results_revision


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
            ({column: getattr(figure, column) for column in ALL_COLUMNS} for figure in figures), pk="id"
        )
        db["reference_loads"].insert(
            {
                "loaded_at": timestamp(),
                "loaded_from": loaded_from,
                "mode": "replace" if replace else "extend",
                "figures": len(figures),
            }
        )
        bump_results_revision(db)
        return True


def operator_reference(db):
    """Return (rows of the operator's reference figures, whether they replace the packaged ones)."""
    # Once the packaged figures have been replaced, later loads extend the operator's figures, not them.
    replaced = db.execute("select 1 from reference_loads where mode = 'replace' limit 1").fetchone()
    # Rows loaded before the optional columns existed hold NULL there: read as "" (KT's survey, no Swedish name).
    selected = ", ".join(f"coalesce({c}, '')" if c in OPTIONAL_COLUMNS else c for c in ALL_COLUMNS)
    rows = [dict(zip(ALL_COLUMNS, row, strict=True)) for row in db.execute(f"select {selected} from reference_figures")]
    return rows, replaced is not None


def stage_reference_upload(db, operator_id, filename, content):
    """Keep a checked reference CSV until the operator confirms it; return its id."""
    with write_transaction(db):
        # Uploads left unconfirmed for a day are dropped.
        yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
        db.execute("delete from reference_uploads where uploaded_at < ?", [yesterday])
        return (
            db["reference_uploads"]
            .insert({"operator_id": operator_id, "uploaded_at": timestamp(), "filename": filename, "content": content})
            .last_pk
        )


def staged_reference_upload(db, upload_id):
    """Return a staged upload as a dict, or None."""
    row = db.execute("select filename, content from reference_uploads where id = ?", [upload_id]).fetchone()
    return {"filename": row[0], "content": row[1]} if row else None


def reference_loads(db):
    """Return the operator's reference loads, newest first."""
    return list(db.query("select loaded_at, loaded_from, mode, figures from reference_loads order by id desc"))


def figures_in_force(db, questionnaire):
    """Return the reference figures in force: the packaged 2024 ones, replaced or extended by the operator's."""
    rows, replaces = operator_reference(db)
    loaded = {row["id"]: reference.Figure(**row) for row in rows}
    if replaces:
        return list(loaded.values())
    packaged = {figure.id: figure for figure in reference.load_packaged(questionnaire)}
    return list({**packaged, **loaded}.values())
