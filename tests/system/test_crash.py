"""Crash without loss: gunicorn killed with SIGKILL in the middle of concurrent saves, then started again.
Afterwards the database passes its integrity check, every save the server acknowledged is there, and the
service answers again."""

import http.client
import os
import re
import signal
import sqlite3
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from readiness.store.database import hash_token
from tests.conftest import valid_answers
from tests.system.gunicorn import free_port
from tests.system.gunicorn import start_gunicorn

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CLIENTS = 6


def start(database, port):
    """Start gunicorn (two workers) on the crash test's database, and wait until it answers."""
    return start_gunicorn(port, {"READINESS_DATABASE": str(database), "READINESS_SECRET_KEY": "crash-test"})


def request(port, method, path, body=None, cookie=""):
    """Send one request; return (status, text, the session cookie if one was set)."""
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        body = urlencode(body, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            parsed = SimpleCookie(header)
            if "session" in parsed:
                cookie = f"session={parsed['session'].value}"
        return response.status, text, cookie
    finally:
        conn.close()


def test_sigkill_during_saves_loses_no_acknowledged_save(tmp_path, questionnaire):
    database = tmp_path / "crash.sqlite"
    port = free_port()
    server = start(database, port)
    answers = valid_answers(questionnaire)
    acknowledged = {}
    tokens = {}
    stop = threading.Event()

    def start_assessment():
        """Open the first section, save it, and return (CSRF token, session cookie, resume token)."""
        status, page, cookie = request(port, "GET", "/fi/section/profile")
        token = CSRF.search(page).group(1)
        status, _, cookie = request(
            port, "POST", "/fi/section/profile", {**answers["profile"], "csrf_token": token}, cookie
        )
        assert status == 302, status
        saved = request(port, "GET", "/fi/saved", cookie=cookie)[1]
        return token, cookie, re.search(r"/resume#([A-Za-z0-9_-]{43})", saved).group(1)

    def respondent(number):
        for attempt in range(5):
            try:
                token, cookie, tokens[number] = start_assessment()
                break
            except (OSError, http.client.HTTPException):
                time.sleep(0.2 * (attempt + 1))  # a loaded machine; a new assessment is started instead
        else:
            return
        n = 0
        while not stop.is_set():
            data = {**answers["outlook"], "future": f"save {n}", "csrf_token": token}
            try:
                status, _, cookie = request(port, "POST", "/fi/section/outlook", data, cookie)
            except (OSError, http.client.HTTPException):
                # The server is gone (killed), or, on a loaded machine, a connection failed: only an
                # acknowledged save counts, so trying the next one is safe.
                time.sleep(0.05)
                continue
            if status == 302:
                acknowledged[number] = n
            n += 1

    threads = [threading.Thread(target=respondent, args=(number,)) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    # Kill when every client has had saves acknowledged (and is in the middle of the next one).
    deadline = time.monotonic() + 60
    while (len(acknowledged) < CLIENTS or min(acknowledged.values()) < 5) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    stop.set()
    for thread in threads:
        thread.join(10)
    assert len(acknowledged) == CLIENTS, acknowledged

    server = start(database, port)
    try:
        assert request(port, "GET", "/healthz")[0] == 200
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    db = sqlite3.connect(database)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for number, last in acknowledged.items():
            row = db.execute(
                "select text from free_texts join assessments on assessments.id = free_texts.assessment_id "
                "where assessments.token_hash = ? and question_id = 'future'",
                [hash_token(tokens[number])],
            ).fetchone()
            # The acknowledged save is there; a save in flight at the kill may have been committed after it.
            stored = int(row[0].split()[1])
            assert stored in (last, last + 1), (number, last, stored)
    finally:
        db.close()
