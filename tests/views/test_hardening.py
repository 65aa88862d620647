"""Security round two: a damaged database is neither served nor reported healthy, a stopped backup leaves
nothing behind (and what SIGKILL leaves, the deployment guide's clean-up removes), and no response that
carries an organisation's answers may be kept by a cache."""

import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup
from werkzeug.security import generate_password_hash

from readiness import create_app
from readiness.store import backup
from readiness.store import database
from readiness.store import operators
from tests.conftest import ROOT
from tests.conftest import csrf_token
from tests.conftest import submit_assessment

CONFIG = {"TESTING": True, "SECRET_KEY": "test", "PDF_RENDER_AHEAD": False}
TOKEN = "a" * 43
PASSWORD = "oikein-pitkä-salasana"


# A damaged database -----------------------------------------------------------------------------------------


ASSESSMENTS = 10  # enough answers for the answers table to span several pages


def sound_database(tmp_path, questionnaire):
    """Return the path of a migrated database file holding submitted assessments, every connection closed."""
    path = str(tmp_path / "readiness.sqlite")
    db = database.connect(path)
    database.migrate(db)
    for i in range(ASSESSMENTS):
        submit_assessment(db, questionnaire, f"org-{i}")
    db.conn.close()
    return path


def damage(path):
    """Zero one leaf page of the answers table's b-tree in the database file, as a failing disk might."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    leaves = conn.execute("select pageno from dbstat where name = 'answers' and pagetype = 'leaf' and path != '/'")
    page = leaves.fetchall()[-1][0]
    conn.close()
    with open(path, "r+b") as file:
        file.seek((page - 1) * page_size)
        file.write(bytes(page_size))
    # What the finding says: the read /healthz used to make still works, while SQLite calls the file malformed.
    conn = sqlite3.connect(path)
    assert conn.execute("select count(*) from assessments").fetchone() == (ASSESSMENTS,)
    with pytest.raises(sqlite3.DatabaseError, match="malformed"):  # SQLite 3.40 stops at the page
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "the check passed"
    conn.close()


def test_healthz_reports_a_damaged_database(tmp_path, questionnaire):
    path = sound_database(tmp_path, questionnaire)
    app = create_app({**CONFIG, "DATABASE": path})
    damage(path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["database"] == "damaged"


def test_healthz_runs_its_check_at_most_once_per_interval(client, tmp_path, monkeypatch):
    checks = []
    real = database.quick_check
    monkeypatch.setattr(database, "quick_check", lambda db: checks.append(1) or real(db))
    assert client.get("/healthz").json["status"] == "ok"
    assert client.get("/healthz").status_code == 200
    assert len(checks) == 1
    # With no interval, every request checks again.
    eager = create_app({**CONFIG, "DATABASE": str(tmp_path / "eager.sqlite"), "HEALTH_CHECK_SECONDS": 0})
    checks.clear()  # the start-up's own check
    for _ in range(2):
        assert eager.test_client().get("/healthz").status_code == 200
    assert len(checks) == 2


def test_the_service_refuses_to_start_on_a_damaged_database(tmp_path, questionnaire):
    path = sound_database(tmp_path, questionnaire)
    damage(path)
    with pytest.raises(Exception, match=r"fails PRAGMA quick_check") as refused:
        create_app({**CONFIG, "DATABASE": path})
    assert type(refused.value).__name__ == "DamagedDatabase"
    assert path in str(refused.value)


def flask_command_line(path):
    """The flask command line as `flask --app readiness` builds it, for the app on the database at ``path``."""
    return FlaskGroup(create_app=lambda: create_app({**CONFIG, "DATABASE": path}), load_dotenv=False)


def test_the_command_line_refuses_a_damaged_database_but_restores_a_backup(tmp_path, questionnaire, monkeypatch):
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)  # FlaskGroup sets it; leave the environment as it was
    path = sound_database(tmp_path, questionnaire)
    cli, runner = flask_command_line(path), CliRunner()
    copy = tmp_path / "readiness-backup.sqlite"
    assert runner.invoke(cli, ["backup", "create", str(copy)]).exit_code == 0
    damage(path)

    refused = runner.invoke(cli, ["init-db"])
    assert refused.exit_code == 1, refused.output
    assert f"{path} fails PRAGMA quick_check" in refused.output and "Traceback" not in refused.output
    assert runner.invoke(cli, ["peers", "release"]).exit_code == 1
    # A command that serves or inspects the app itself (run, shell, routes) does not load it at all.
    assert type(runner.invoke(cli, ["routes"]).exception).__name__ == "DamagedDatabase"

    restored = runner.invoke(cli, ["backup", "restore", str(copy), "--yes"])
    assert restored.exit_code == 0, restored.output
    ready = runner.invoke(cli, ["init-db"])
    assert ready.exit_code == 0, ready.output
    db = database.connect(path)
    assert database.quick_check(db) == "ok"
    assert db.execute("select count(*) from answers").fetchone()[0] > 0
    db.conn.close()


# Backups that stop midway -----------------------------------------------------------------------------------


@pytest.fixture
def backups(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


def partial_copy(target):
    """Write what a copy stopped midway leaves: part of the file and SQLite's journal beside it."""
    Path(target).write_bytes(b"SQLite format 3\x00" + bytes(8192))
    Path(target + "-journal").write_bytes(bytes(512))


@pytest.mark.parametrize("failure", [RuntimeError("the disk went away"), KeyboardInterrupt()], ids=repr)
def test_a_backup_that_fails_midway_leaves_no_file(runner, backups, monkeypatch, failure):
    def failing(db, target):
        partial_copy(target)
        raise failure

    monkeypatch.setattr(backup, "backup", failing)
    result = runner.invoke(args=["backup", "create", str(backups / "readiness-2026-11-28.sqlite")])
    assert result.exit_code != 0
    assert sorted(backups.iterdir()) == []


def test_sigterm_during_a_backup_stops_it_and_leaves_no_file(runner, backups, monkeypatch):
    received = []

    def killed(db, target):
        partial_copy(target)
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(50):  # Python runs the signal's handler between these
            time.sleep(0.01)

    monkeypatch.setattr(backup, "backup", killed)

    # Without the command's own handler, SIGTERM would end pytest itself: this one only notes it.
    def note(number, frame):
        received.append(number)

    previous = signal.signal(signal.SIGTERM, note)
    try:
        result = runner.invoke(args=["backup", "create", str(backups / "readiness-2026-11-28.sqlite")])
        after = signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert after is note  # the command's own handler lasts only as long as the command
    assert result.exit_code == 128 + signal.SIGTERM, result.output
    assert "SIGTERM" in result.output
    assert sorted(backups.iterdir()) == []
    assert received == []


def documented_cleanup(folder):
    """The deployment guide's nightly clean-up of the backup folder, pointed at ``folder``."""
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if "backup create" in line and " find " in line)
    command = line[line.index(" find ") + 1 :]
    assert command.count("/var/backups/readiness") == 1, command
    return command.replace("/var/backups/readiness", str(folder))


def test_the_guides_cleanup_removes_what_a_killed_backup_left(runner, backups, monkeypatch):
    drafts = []

    def interrupted(db, target):
        drafts.append(Path(target))
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(backup, "backup", interrupted)
    runner.invoke(args=["backup", "create", str(backups / "readiness-2026-11-27.sqlite")])
    [draft] = drafts
    day = 24 * 3600
    # What SIGKILL left two days ago (the file the code writes and SQLite's files beside it), what a backup
    # running now writes, and whole backups of 40 and 2 days ago.
    killed = [draft.with_name(draft.name.replace("11-27", "11-25") + end) for end in ("", "-journal", "-wal", "-shm")]
    running = draft.with_name(draft.name.replace("11-27", "11-28"))
    old, recent = backups / "readiness-2026-10-18.sqlite", backups / "readiness-2026-11-25.sqlite"
    for path, age in [*((path, 2 * day) for path in killed), (running, 0), (old, 40 * day), (recent, 2 * day)]:
        path.write_bytes(b"x")
        os.utime(path, (time.time() - age, time.time() - age))
    subprocess.run(["sh", "-c", documented_cleanup(backups)], check=True)
    assert sorted(backups.iterdir()) == sorted([running, recent])


# Caching -----------------------------------------------------------------------------------------------------


def test_no_api_answer_that_can_carry_an_organisations_data_is_cached(app, db, questionnaire):
    """Every route of the API, walked from the URL map, with a valid token: only the OpenAPI document may be cached."""
    submit_assessment(db, questionnaire, TOKEN)
    client = app.test_client()
    routes = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]
    assert len(routes) >= 4
    for rule in routes:
        assert not rule.arguments, f"give {rule.rule} sample arguments here"
        response = client.get(rule.rule, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code < 500, rule.rule
        if rule.endpoint == "api.assessment":
            assert response.status_code == 200 and response.json["answers"], rule.rule
        if rule.endpoint != "api.openapi":
            assert response.cache_control.no_store, rule.rule
    # Errors of the API carry no-store too (a 404 of /peers, a 401 of /assessment).
    assert client.get("/api/v1/assessment").cache_control.no_store
    assert client.get("/api/v1/peers?org_type=yritys").cache_control.no_store


# Pages that show nobody's answers: the same text for everyone.
PUBLIC_PAGES = {"pages.accessibility", "pages.privacy", "results.scores_explained"}
SAMPLES = {"lang_code": "fi", "section_id": "profile", "token": "t" * 43, "upload_id": "1"}


def test_every_page_that_can_show_answers_is_never_cached(app, client, answered, db, stub_pdf):
    """Every GET route under /<lang>/, walked from the URL map, for a browser that has submitted its assessment
    and one signed in to the console: all but the public pages answer with no-store."""
    answered.post("/fi/submit", data={"csrf_token": csrf_token(answered, "/fi/check")})
    operators.create_operator(db, "operaattori", generate_password_hash(PASSWORD))
    console, sign_in = app.test_client(), "/fi/console/sign-in"
    signed_in = console.post(
        sign_in, data={"csrf_token": csrf_token(console, sign_in), "username": "operaattori", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    shown = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/<lang_code>/") or "GET" not in rule.methods or rule.endpoint in PUBLIC_PAGES:
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{name}>", SAMPLES[name], url)
        response = (console if rule.endpoint.startswith("console.") else answered).get(url)
        assert response.status_code < 500, url
        shown[url] = response.status_code
        response.close()  # a PDF is sent from its file
        if response.status_code == 200:
            assert response.cache_control.no_store, url
    assert sum(status == 200 for status in shown.values()) >= 18, shown
