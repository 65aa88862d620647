"""Operator accounts of the console, and the failed sign-ins that lock a name for a while."""

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


def find_operator(db, username=None, operator_id=None):
    """Return an operator as a dict, by name or by id, or None."""
    column, value = ("username", username) if operator_id is None else ("id", operator_id)
    row = db.execute(
        f"select id, username, password_hash, session_version from operators where {column} = ?",
        [value],
    ).fetchone()
    return dict(zip(("id", "username", "password_hash", "session_version"), row, strict=True)) if row else None


def end_operator_sessions(db, operator_id):
    """Make every session of an operator invalid (sign-out everywhere)."""
    with write_transaction(db):
        db.execute("update operators set session_version = session_version + 1 where id = ?", [operator_id])


def start_sign_in(db, username, window_seconds, allowed):
    """Count a sign-in attempt as failed until it succeeds (clear_failures); False if the name has failed
    ``allowed`` times within the window already. Counting first makes parallel guesses count too."""
    now = datetime.now(UTC).timestamp()
    with write_transaction(db):
        failures = db.execute(
            "select count(*) from sign_in_failures where username = ? and failed_at > ?",
            [username, now - window_seconds],
        ).fetchone()[0]
        if failures >= allowed:
            return False
        db.execute("delete from sign_in_failures where failed_at < ?", [now - 86400])
        db.execute("insert into sign_in_failures (username, failed_at) values (?, ?)", [username, now])
        return True


def clear_failures(db, username):
    """Forget the failed sign-ins of a name after a successful one."""
    with write_transaction(db):
        db.execute("delete from sign_in_failures where username = ?", [username])
