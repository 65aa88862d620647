"""Operator accounts of the console, and the failed sign-ins that lock a name for a while from one client."""

from datetime import UTC
from datetime import datetime

from .database import timestamp
from .database import write_transaction


def create_operator(db, username, password_hash):
    """Create an operator account; raise ValueError if the name is taken."""
    with write_transaction(db):
        if db.execute("select 1 from operators where username = ?", [username]).fetchone():
            raise ValueError(f"an operator called {username!r} exists already")
        return (
            db["operators"]
            .insert(
                {"username": username, "password_hash": password_hash, "created_at": timestamp(), "session_version": 1}
            )
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


OPERATOR_COLUMNS = ("id", "username", "password_hash", "session_version", "disabled_at")


def find_operator(db, username=None, operator_id=None):
    """Return an operator as a dict, by name or by id, or None."""
    column, value = ("username", username) if operator_id is None else ("id", operator_id)
    row = db.execute(f"select {', '.join(OPERATOR_COLUMNS)} from operators where {column} = ?", [value]).fetchone()
    return dict(zip(OPERATOR_COLUMNS, row, strict=True)) if row else None


def list_operators(db):
    """Return every operator account, by name: username, created_at, disabled_at (None when enabled)."""
    return list(db.query("select username, created_at, disabled_at from operators order by username"))


def set_operator_disabled(db, username, disabled):
    """Disable an operator (her sessions end at once) or enable her again; False if there is no such operator."""
    with write_transaction(db):
        if disabled:
            cursor = db.execute(
                "update operators set disabled_at = coalesce(disabled_at, ?), session_version = session_version + 1 "
                "where username = ?",
                [timestamp(), username],
            )
        else:
            cursor = db.execute("update operators set disabled_at = null where username = ?", [username])
        return cursor.rowcount == 1


def end_operator_sessions(db, operator_id):
    """Make every session of an operator invalid (sign-out everywhere)."""
    with write_transaction(db):
        db.execute("update operators set session_version = session_version + 1 where id = ?", [operator_id])


def start_sign_in(db, username, client, window_seconds, allowed):
    """Count a sign-in attempt as failed until it succeeds (clear_failures); False if this client (a keyed
    hash, never an address) has failed with this name ``allowed`` times within the window already. Counting
    first makes parallel guesses count too. Per name and client: a stranger's failures lock only the stranger."""
    now = datetime.now(UTC).timestamp()
    with write_transaction(db):
        failures = db.execute(
            "select count(*) from sign_in_failures where username = ? and client = ? and failed_at > ?",
            [username, client, now - window_seconds],
        ).fetchone()[0]
        if failures >= allowed:
            return False
        db.execute("delete from sign_in_failures where failed_at < ?", [now - window_seconds])
        db.execute(
            "insert into sign_in_failures (username, client, failed_at) values (?, ?, ?)", [username, client, now]
        )
        return True


def clear_failures(db, username, client):
    """Forget this client's failed sign-ins with a name after a successful one."""
    with write_transaction(db):
        db.execute("delete from sign_in_failures where username = ? and client = ?", [username, client])
