"""One throttle for every worker: gunicorn with two workers refuses a client's 21st failed look-up within a
minute when each worker has answered half of the 20 before, and goes on answering another client.

Which worker takes a connection is the kernel's choice; to make each answer half, one worker at a time is kept
busy reading a request that never ends (gunicorn's sync workers take one connection at a time)."""

import http.client
import os
import signal
import socket
import time

from tests.system.gunicorn import free_port
from tests.system.gunicorn import start_gunicorn

LIMIT = 20


def guess(port, forwarded_for):
    """One API look-up with an unknown token, on a new connection (so that either worker may take it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Authorization": "Bearer " + "x" * 43, "X-Forwarded-For": forwarded_for, "Connection": "close"}
        conn.request("GET", "/api/v1/assessment", headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def stall(port):
    """Open a connection and send half a request: the worker that takes it waits for the rest."""
    conn = socket.create_connection(("127.0.0.1", port))
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.5)
    return conn


def test_two_workers_share_one_throttle(tmp_path):
    port = free_port()
    env = {
        "READINESS_DATABASE": str(tmp_path / "throttle.sqlite"),
        "READINESS_SECRET_KEY": "throttle-test",
        # gunicorn's own socket peer is always 127.0.0.1 here: the clients are told apart as behind one proxy.
        "READINESS_PROXY_HOPS": "1",
    }
    server = start_gunicorn(port, env)
    try:
        first = stall(port)  # one worker reads this; the other answers the first half
        assert [guess(port, "192.0.2.1") for _ in range(LIMIT // 2)] == [401] * (LIMIT // 2)
        second = stall(port)  # the worker that answered reads this
        time.sleep(0.5)
        first.close()  # and the other, free again, answers the second half
        assert [guess(port, "192.0.2.1") for _ in range(LIMIT // 2)] == [401] * (LIMIT // 2)
        second.close()
        # Each worker would have let through twice as many if each counted its own.
        assert [guess(port, "192.0.2.1") for _ in range(6)] == [429] * 6
        assert guess(port, "192.0.2.2") == 401
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(15)
