"""One throttle of failed token look-ups for every worker: failures are counted in the database, per client
(a keyed hash of its address, the key derived from the app's secret key), so that two workers (two app
instances on one database) count them together, one client's guessing never throttles another, and a client
behind the configured proxies cannot pose as another with an X-Forwarded-For header of its own."""

import hashlib
import hmac

import pytest
from werkzeug.security import generate_password_hash

from readiness import create_app
from readiness.store import database
from readiness.store import operators
from tests.conftest import csrf_token

UNKNOWN = "Bearer " + "x" * 43
LIMIT = 20


def make_app(tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "test.sqlite"),
            "SECRET_KEY": "shared-secret",
            "PDF_RENDER_AHEAD": False,
            **config,
        }
    )


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def guess(client, headers=None):
    """One API look-up with an unknown token: 401 while allowed, 429 once the client has failed too often."""
    return client.get("/api/v1/assessment", headers={"Authorization": UNKNOWN, **(headers or {})})


def failures(app):
    db = database.connect(app.config["DATABASE"])
    try:
        return [row[0] for row in db.execute("select client from failed_lookups")]
    finally:
        db.conn.close()


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


def test_the_21st_failure_waits_and_another_client_does_not(app):
    guesser, other = client_at(app, "192.0.2.1"), client_at(app, "192.0.2.2")
    for _ in range(LIMIT):
        assert guess(guesser).status_code == 401
    refused = guess(guesser)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # The same client's resume link and invite link wait too; another client's look-ups are answered.
    assert client_at(app, "192.0.2.1").get(f"/fi/invite/{'y' * 43}").status_code == 429
    assert guess(other).status_code == 401
    assert other.get(f"/fi/invite/{'y' * 43}").status_code != 429


def test_the_operator_signs_in_while_another_client_is_throttled(app):
    with app.app_context():
        db = database.connect(app.config["DATABASE"])
        operators.create_operator(db, "ylläpitäjä", generate_password_hash("oikea-salasana"))
        db.conn.close()
    guesser = client_at(app, "192.0.2.1")
    for _ in range(LIMIT):
        guess(guesser)
    url = "/fi/console/sign-in"
    form = {"csrf_token": csrf_token(guesser, url), "username": "ylläpitäjä", "password": "oikea-salasana"}
    assert guesser.post(url, data=form).status_code == 429
    operator = client_at(app, "192.0.2.2")
    form = {"csrf_token": csrf_token(operator, url), "username": "ylläpitäjä", "password": "oikea-salasana"}
    assert operator.post(url, data=form).status_code == 302


def test_two_workers_count_failures_together(tmp_path):
    # Two app instances on one database stand for two gunicorn workers.
    first, second = make_app(tmp_path), make_app(tmp_path)
    for n in range(LIMIT):
        worker = first if n % 2 else second
        assert guess(client_at(worker, "192.0.2.1")).status_code == 401
    assert guess(client_at(first, "192.0.2.1")).status_code == 429
    assert guess(client_at(second, "192.0.2.1")).status_code == 429
    assert guess(client_at(second, "192.0.2.9")).status_code == 401


def test_no_address_is_stored_and_the_key_comes_from_the_secret_key(app, tmp_path):
    guess(client_at(app, "192.0.2.1"))
    (client,) = failures(app)
    assert "192.0.2.1" not in client
    key = hmac.new(b"shared-secret", b"readiness: failed look-ups", hashlib.sha256).digest()
    assert client == hmac.new(key, b"192.0.2.1", hashlib.sha256).hexdigest()[:32]


def test_a_successful_look_up_writes_nothing(app, questionnaire):
    from tests.conftest import submit_assessment

    db = database.connect(app.config["DATABASE"])
    token = "t" * 43
    submit_assessment(db, questionnaire, token)
    version = db.execute("pragma data_version").fetchone()[0]
    response = client_at(app, "192.0.2.1").get("/api/v1/assessment", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert db.execute("pragma data_version").fetchone()[0] == version
    db.conn.close()


@pytest.mark.parametrize("hops", [0, 1])
def test_a_client_cannot_escape_with_its_own_forwarded_for(tmp_path, hops):
    """Behind one proxy (hops 1), the client's address is the right-most of X-Forwarded-For, the one the proxy
    added; a value the client sent itself comes before it and changes nothing. Without a proxy (hops 0) the
    header is ignored: the address is the socket's peer."""
    app = make_app(tmp_path, PROXY_HOPS=hops)
    # Through the proxy: its own address is the peer, the client's is appended to whatever the client sent.
    proxy = client_at(app, "127.0.0.1" if hops else "203.0.113.5")
    for n in range(LIMIT):
        assert guess(proxy, {"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.5"}).status_code == 401
    assert guess(proxy, {"X-Forwarded-For": "198.51.100.99, 203.0.113.5"}).status_code == 429
    assert guess(proxy, {"X-Forwarded-For": "203.0.113.5"}).status_code == 429
    key = hmac.new(b"shared-secret", b"readiness: failed look-ups", hashlib.sha256).digest()
    assert set(failures(app)) == {hmac.new(key, b"203.0.113.5", hashlib.sha256).hexdigest()[:32]}
    if hops:
        # Another client behind the same proxy is another client.
        assert guess(proxy, {"X-Forwarded-For": "203.0.113.6"}).status_code == 401
