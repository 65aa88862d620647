"""Connections and transactions: every write is one transaction opened with ``BEGIN IMMEDIATE``.

A deferred transaction that reads before it writes fails at once under concurrent writers in WAL mode,
whatever the busy timeout; an immediate one waits for the lock instead. Reads that must agree with each other
run in one read transaction (``read_snapshot``).

SQL in the store is written with bound parameters for every value; where an f-string builds a statement, it
puts in only table and column names or a list of placeholders of the store's own (so bandit's B608 is skipped,
in pyproject).
"""

import hashlib
import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime

from sqlite_utils import Database

from .migrations import migrations


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
    """Return the stored form of a resume, invite or API token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def timestamp():
    """Return the current UTC time as stored: ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def read_snapshot(db):
    """Run the block's reads in one transaction: in WAL mode they all see the same committed state."""
    db.conn.execute("BEGIN")
    try:
        yield db
    finally:
        db.conn.execute("COMMIT")


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


def pending_migrations(db):
    """Return the names of the migrations not applied yet, after a read that fails if the database is broken."""
    db.execute("select count(*) from assessments").fetchone()
    return [migration.name for migration in migrations.pending(db)]


# SQLite's own word that the file is not a sound database (a zeroed or overwritten page, a truncated file).
DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


class DamagedDatabase(Exception):
    """The database file fails SQLite's ``PRAGMA quick_check``: serving it would answer from broken pages."""

    def __init__(self, path, result):
        super().__init__(f"{path} fails PRAGMA quick_check: {result}. Restore it from a backup.")
        self.path, self.result = path, result


def quick_check(db):
    """Return SQLite's ``PRAGMA quick_check`` of the database: "ok", or its first problems on one line.

    It reads every page of every table and index (not the indexes' agreement with their tables, which
    ``integrity_check`` adds), so it takes about a second per few hundred megabytes.
    """
    try:
        rows = db.conn.execute("PRAGMA quick_check(10)").fetchall()
    except sqlite3.DatabaseError as error:
        # Damage that stops the check itself (the schema's own pages, say) is its answer; a locked or missing
        # file is another matter and is raised.
        if getattr(error, "sqlite_errorcode", None) not in DAMAGED:
            raise
        return str(error)
    return "; ".join(str(row[0]) for row in rows)


def check_sound(db, path):
    """Raise ``DamagedDatabase`` unless the database at ``path`` passes ``PRAGMA quick_check``."""
    result = quick_check(db)
    if result != "ok":
        raise DamagedDatabase(path, result)
