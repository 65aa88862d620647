"""Failed token look-ups (resume links, invite links, API tokens) counted per client, so that a client that
keeps guessing is slowed down. Tokens have 256 bits, so guessing cannot succeed anyway; the throttle keeps
the guessing from costing the service.

Clients are told apart by a keyed hash of their address, with a key made when the process starts: no
address is kept, even in memory, and the hashes mean nothing after a restart. Nothing here is written
anywhere, and nothing here knows Flask.
"""

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections import deque


class FailedLookups:
    """At most ``limit`` failed look-ups per client within ``window`` seconds; then the client waits."""

    def __init__(self, limit=20, window=60.0, clients=10_000):
        self.limit = limit
        self.window = window
        self.clients = clients
        self._key = secrets.token_bytes(32)
        self._failures = OrderedDict()
        self._lock = threading.Lock()

    def client(self, address):
        """Return the name under which a client's failures are counted: a keyed hash of its address."""
        return hmac.new(self._key, (address or "").encode(), hashlib.sha256).hexdigest()[:32]

    def retry_after(self, client, now=None):
        """Return how many seconds the client must wait before its next look-up, or 0 if it may look up now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._failures.get(client)
            if failures is None:
                return 0
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if len(failures) < self.limit:
                return 0
            return max(1, int(failures[0] + self.window - now) + 1)

    def record(self, client, now=None):
        """Count one failed look-up of the client; the least recently failing clients are forgotten first."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._failures.setdefault(client, deque())
            failures.append(now)
            self._failures.move_to_end(client)
            while len(failures) > self.limit:
                failures.popleft()
            while len(self._failures) > self.clients:
                self._failures.popitem(last=False)
