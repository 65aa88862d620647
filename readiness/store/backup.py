"""Consistent copies of the database while the service runs, and restoring one."""

import sqlite3


def integrity(path):
    """Return the result of ``PRAGMA integrity_check`` on a database file opened read-only ("ok" if sound)."""
    checked = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return checked.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        checked.close()


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


def restore(source, database):
    """Copy the backup ``source`` over the database file ``database`` (the service stopped)."""
    backup_db = sqlite3.connect(source)
    live = sqlite3.connect(database)
    try:
        backup_db.backup(live)
    finally:
        live.close()
        backup_db.close()
