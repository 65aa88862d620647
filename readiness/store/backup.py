"""Consistent copies of the database while the service runs, and restoring one."""

import sqlite3
from pathlib import Path

from .database import read_snapshot


def integrity(path):
    """Return the result of ``PRAGMA integrity_check`` on a database file opened read-only ("ok" if sound)."""
    checked = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return checked.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        checked.close()


# Pages copied per step (16 MB of 4 kB pages): between steps Python runs, so Ctrl+C or SIGTERM stops a copy at
# once instead of after the whole file.
STEP_PAGES = 4096


def backup(db, target):
    """Copy the database to ``target`` while the service runs: SQLite's online backup, copied step by step
    inside one read transaction, gives one consistent state even under concurrent writes (in WAL mode the
    transaction's snapshot holds, so writers neither wait nor restart the copy). The copy is checked with
    ``PRAGMA integrity_check``; ``target`` is left as it is if anything fails (the caller removes it)."""
    destination = sqlite3.connect(target)
    try:
        # Until it has passed its check and been renamed, the copy is nobody's backup: it needs no journal.
        destination.execute("PRAGMA journal_mode = OFF")
        with read_snapshot(db):
            db.conn.execute("select count(*) from sqlite_master").fetchone()  # the snapshot starts at a read
            db.conn.backup(destination, pages=STEP_PAGES, progress=_between_steps)
        result = destination.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        destination.close()
    if result != "ok":
        raise sqlite3.DatabaseError(f"the copy failed its integrity check: {result}")


def _between_steps(status, remaining, total):
    """Called by the backup between steps; being Python, it lets a signal's handler run."""


def leftovers(path):
    """Return the files SQLite may have made for a database file at ``path``: itself, its journal, WAL and
    shared memory (a copy that was stopped leaves some of them)."""
    path = Path(path)
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-journal", "-wal", "-shm"))]


def restore(source, database):
    """Copy the backup ``source`` over the database file ``database`` (the service stopped)."""
    backup_db = sqlite3.connect(source)
    live = sqlite3.connect(database)
    try:
        backup_db.backup(live)
    finally:
        live.close()
        backup_db.close()
