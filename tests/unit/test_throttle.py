"""The throttle of failed token look-ups, on its own: counted per client within a window, in the database that
every worker shares, old failures pruned. (Through the app, in tests/views/test_shared_throttle.py and
tests/views/test_security.py.)"""

from readiness.web.throttle import FailedLookups


def test_the_throttle_counts_failures_within_the_window(fresh_db):
    throttle = FailedLookups(limit=3, window=60)
    client = throttle.client("192.0.2.1", "secret")
    assert "192.0.2.1" not in client and client != throttle.client("192.0.2.2", "secret")
    for second in range(3):
        assert throttle.retry_after(fresh_db, client, now=second) == 0
        throttle.record(fresh_db, client, now=second)
    assert throttle.retry_after(fresh_db, client, now=10) == 51
    assert throttle.retry_after(fresh_db, throttle.client("192.0.2.2", "secret"), now=10) == 0
    assert throttle.retry_after(fresh_db, client, now=60.5) == 0  # the first failure has left the window


def test_every_worker_names_a_client_alike_and_counts_its_failures_together(fresh_db):
    # Two throttles stand for two workers: the key comes from the secret key, not from the process.
    one, other = FailedLookups(limit=2, window=60), FailedLookups(limit=2, window=60)
    assert one.client("192.0.2.1", "secret") == other.client("192.0.2.1", b"secret")
    assert one.client("192.0.2.1", "secret") != one.client("192.0.2.1", "another secret")
    one.record(fresh_db, one.client("192.0.2.1", "secret"), now=0)
    other.record(fresh_db, other.client("192.0.2.1", "secret"), now=1)
    assert one.retry_after(fresh_db, one.client("192.0.2.1", "secret"), now=2) == 59


def test_failures_that_left_the_window_are_pruned(fresh_db):
    throttle = FailedLookups(limit=1, window=60)
    for address in ("a", "b", "c"):
        throttle.record(fresh_db, throttle.client(address, "secret"), now=0)
    assert fresh_db.execute("select count(*) from failed_lookups").fetchone() == (3,)
    throttle.record(fresh_db, throttle.client("d", "secret"), now=61)
    assert fresh_db.execute("select count(*) from failed_lookups").fetchone() == (1,)
    assert throttle.retry_after(fresh_db, throttle.client("a", "secret"), now=61) == 0
    assert throttle.retry_after(fresh_db, throttle.client("d", "secret"), now=61) == 61
