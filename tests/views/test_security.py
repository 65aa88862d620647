"""Security across the service: CSRF on every state-changing route, throttled token look-ups, long random
tokens, and the headers every response carries."""

import base64
import hashlib
import re

import pytest

from tests.conftest import ROOT
from tests.conftest import submit_assessment

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def post_link(client, path, link, headers=None):
    """Post a resume or invite link as its page does (``path`` is /<lang>/resume or /<lang>/invite)."""
    page = client.get(path, headers=headers).get_data(as_text=True)
    data = {"link": link, "csrf_token": CSRF.search(page).group(1)}
    return client.post(path, data=data, headers=headers)


def test_guessing_resume_links_is_throttled_per_client(app, db, questionnaire):
    token = "r" * 43
    submit_assessment(db, questionnaire, token)
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for guess in range(20):
        assert post_link(guesser, "/fi/resume", f"{'x' * 42}{guess % 10}").status_code == 404
    refused = post_link(guesser, "/en/resume", token)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many wrong links" in refused.get_data(as_text=True)
    # Invite links and the API count the same failures, for the same client only.
    assert post_link(guesser, "/fi/invite", "y" * 43).status_code == 429
    assert guesser.get(f"/fi/invite/{'y' * 43}").status_code == 429
    api = guesser.get("/api/v1/assessment", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 429 and api.json["error"]["code"] == "too_many_failures"
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.8"
    assert post_link(other, "/fi/resume", token).status_code == 302


def test_resume_and_invite_tokens_carry_256_bits(client, db, questionnaire, answers):
    """Every token a browser is given is 32 random bytes (43 URL-safe characters), new each time, and the database
    holds only its SHA-256: a copy of the database opens no assessment and no invite."""
    from tests.conftest import csrf_token
    from tests.conftest import post_form

    for section in questionnaire.sections:
        post_form(client, f"/fi/section/{section.id}", answers[section.id])
    resume = re.search(
        r'id="resume-link"[^>]*value="[^"]*/resume#([^"]+)"', client.get("/fi/saved").get_data(as_text=True)
    )
    client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
    invites = []
    for _ in range(2):
        client.post(
            "/fi/organisation/invites", data={"csrf_token": csrf_token(client, "/fi/organisation"), "role": "other"}
        )
        page = client.get("/fi/organisation").get_data(as_text=True)
        invites.append(re.search(r'id="invite-link"[^>]*value="[^"]*/invite#([^"]+)"', page).group(1))
    tokens = {"resume": resume.group(1), "first invite": invites[0], "second invite": invites[1]}
    assert len(set(tokens.values())) == 3, tokens
    dump = "\n".join(db.conn.iterdump())
    stored = {
        "resume": db.execute("select token_hash from assessments").fetchall(),
        "invites": db.execute("select token_hash from invites order by id").fetchall(),
    }
    assert stored["resume"] == [(hashlib.sha256(tokens["resume"].encode()).hexdigest(),)]
    assert stored["invites"] == [(hashlib.sha256(token.encode()).hexdigest(),) for token in invites]
    for name, token in tokens.items():
        assert TOKEN.fullmatch(token), name  # 43 URL-safe characters: secrets.token_urlsafe(32)
        assert len(base64.urlsafe_b64decode(token + "=")) == 32, name  # 256 bits
        assert token not in dump, name


def state_changing_routes(app):
    """Every URL rule that accepts POST, with sample values for its arguments."""
    samples = {"lang_code": "fi", "section_id": "profile", "token": "t" * 43, "invite_id": "1", "upload_id": "1"}
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            url = rule.rule
            for name in rule.arguments:
                url = re.sub(rf"<(?:\w+:)?{name}>", samples[name], url)
            routes.append(url)
    return routes


def test_every_state_changing_route_refuses_a_request_without_a_valid_csrf_token(app, client, db, questionnaire):
    routes = state_changing_routes(app)
    assert len(routes) >= 12, routes
    before = {
        table: db.execute(f"select count(*) from {table}").fetchone()[0]
        for table in ("assessments", "answers", "invites", "operators")
    }
    for url in routes:
        for token in (None, "forged"):
            data = {"org_type": "kunta"} if token is None else {"org_type": "kunta", "csrf_token": token}
            response = client.post(url, data=data)
            assert response.status_code == 400, (url, token, response.status_code)
    after = {table: db.execute(f"select count(*) from {table}").fetchone()[0] for table in before}
    assert after == before


@pytest.mark.parametrize(
    "path", ["/fi/", "/fi/section/profile", "/api/v1/reference", "/fi/console/sign-in", "/healthz"]
)
def test_security_headers_on_every_kind_of_response(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    script = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_secret_key_is_not_in_the_repository():
    import subprocess

    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert not any(name.endswith("secret_key") or name.startswith("instance/") for name in tracked)


@pytest.mark.parametrize("header", ["\x80", "Bearer \x80" * 3, "Bäärer " + "a" * 43, "Bearer"])
def test_odd_authorization_headers_get_a_clear_401(client, header):
    """Found by the fuzz test: a non-ASCII scheme once raised a 500."""
    response = client.get("/api/v1/assessment", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "missing_token"


def test_behind_a_proxy_each_client_is_throttled_on_its_own(tmp_path, db, questionnaire):
    from readiness import create_app

    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "test.sqlite"), "SECRET_KEY": "t", "PROXY_HOPS": 1})
    proxy = app.test_client()
    proxy.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    first, second = {"X-Forwarded-For": "203.0.113.5"}, {"X-Forwarded-For": "203.0.113.6"}
    for _ in range(20):
        post_link(proxy, "/fi/resume", "x" * 43, headers=first)
    assert post_link(proxy, "/fi/resume", "x" * 43, headers=first).status_code == 429
    assert post_link(proxy, "/fi/resume", "x" * 43, headers=second).status_code == 404


def test_odd_ids_and_dates_get_clear_answers_not_500s(app, client, db, questionnaire, answers):
    from werkzeug.security import generate_password_hash

    from readiness.store import operators
    from tests.conftest import csrf_token
    from tests.conftest import post_form

    for section in questionnaire.sections:
        post_form(client, f"/fi/section/{section.id}", answers[section.id])
    client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
    token = csrf_token(client, "/fi/organisation")
    for invite_id in ("²", "9" * 30, "-1"):
        response = client.post("/fi/organisation/invites/revoke", data={"csrf_token": token, "invite_id": invite_id})
        assert response.status_code == 302
    for target in ("²", "9" * 30):
        response = client.post("/fi/delete", data={"csrf_token": token, "target": target, "confirm": "yes"})
        assert response.status_code in (400, 404)
    operators.create_operator(db, "tarkastaja", generate_password_hash("tarkastajan-salasana"))
    operator = app.test_client()
    url = "/fi/console/sign-in?next=/fi/console/%0d%0aSet-Cookie:x=1"
    response = operator.post(
        url,
        data={"csrf_token": csrf_token(operator, url), "username": "tarkastaja", "password": "tarkastajan-salasana"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/fi/console/"
    for query in ("?until=9999-12-31", "?since=0001-01-01"):
        assert operator.get("/en/console/results" + query).status_code == 400
