"""Failed token look-ups (resume links, invite links, API tokens) and operator sign-ins counted per client, so
that a client that keeps guessing is slowed down. Tokens have 256 bits, so guessing cannot succeed anyway; the
throttle keeps the guessing from costing the service.

The failures are counted in the database (``store.lookups``), so that every worker counts the same ones. A
client is named by a keyed hash of its address: the key is derived from the app's secret key, the same in every
worker, and no address is stored. The address is ``request.remote_addr``: the socket's peer, or behind
READINESS_PROXY_HOPS proxies the address the nearest of them forwarded (werkzeug's ProxyFix), which the client
cannot choose as long as the app is reachable only through the proxy.
"""

import hashlib
import hmac
import time

from readiness.store import lookups


class FailedLookups:
    """At most ``limit`` failed look-ups per client within ``window`` seconds; then the client waits."""

    def __init__(self, limit=20, window=60.0):
        self.limit = limit
        self.window = window
        self._keys = {}

    def client(self, address, secret_key):
        """Return the name under which a client's failures are counted: a keyed hash of its address."""
        secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
        key = self._keys.get(secret)
        if key is None:
            key = self._keys[secret] = hmac.new(secret, b"readiness: failed look-ups", hashlib.sha256).digest()
        return hmac.new(key, (address or "").encode(), hashlib.sha256).hexdigest()[:32]

    def retry_after(self, db, client, now=None):
        """Return how many seconds the client must wait before its next look-up, or 0 if it may look up now."""
        return lookups.retry_after(db, client, self.limit, self.window, time.time() if now is None else now)

    def record(self, db, client, now=None):
        """Count one failed look-up of the client."""
        lookups.record(db, client, self.window, time.time() if now is None else now)
