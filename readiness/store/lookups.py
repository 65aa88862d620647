"""Failed token look-ups (resume links, invite links, API tokens) and operator sign-ins, counted per client in
the database, so that every worker counts the same failures. A client is a keyed hash made by the web floor;
no address is stored. A look-up that succeeds only reads here; each failure is one write transaction."""

from .database import write_transaction


def retry_after(db, client, limit, window, now):
    """Return how many seconds ``client`` must wait before its next look-up (0 if it may look up now): it waits
    while ``limit`` of its failures fall within the last ``window`` seconds."""
    row = db.execute(
        "select failed_at from failed_lookups where client = ? and failed_at > ? "
        "order by failed_at desc limit 1 offset ?",
        [client, now - window, limit - 1],
    ).fetchone()
    if row is None:
        return 0
    return max(1, int(row[0] + window - now) + 1)


def record(db, client, window, now):
    """Count one failed look-up of ``client`` at ``now``, and forget every failure that has left the window."""
    with write_transaction(db):
        db.execute("delete from failed_lookups where failed_at <= ?", [now - window])
        db.execute("insert into failed_lookups (client, failed_at) values (?, ?)", [client, now])
