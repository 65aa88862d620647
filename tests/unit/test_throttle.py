"""The throttle of failed token look-ups, on its own: counted per client within a window, oldest clients forgotten
first. (Through the app, in tests/views/test_security.py.)"""

from readiness.web.throttle import FailedLookups


def test_the_throttle_counts_failures_within_the_window():
    throttle = FailedLookups(limit=3, window=60)
    client = throttle.client("192.0.2.1")
    assert "192.0.2.1" not in client and client != throttle.client("192.0.2.2")
    for second in range(3):
        assert throttle.retry_after(client, now=second) == 0
        throttle.record(client, now=second)
    assert throttle.retry_after(client, now=10) == 51
    assert throttle.retry_after(throttle.client("192.0.2.2"), now=10) == 0
    assert throttle.retry_after(client, now=60.5) == 0  # the first failure has left the window


def test_the_throttle_forgets_the_oldest_clients_first():
    throttle = FailedLookups(limit=1, window=60, clients=2)
    for address in ("a", "b", "c"):
        throttle.record(throttle.client(address), now=0)
    assert throttle.retry_after(throttle.client("a"), now=1) == 0
    assert throttle.retry_after(throttle.client("c"), now=1) > 0
