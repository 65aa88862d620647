"""Resume and invite tokens never reach the access log: gunicorn runs with the access log of the deployment
guide (``--access-logfile -``), a client opens resume and invite links as a browser does (the part after # is
never sent), and the log is searched for every token the service handed out."""

import http.client
import os
import re
import signal
from http.cookies import SimpleCookie
from urllib.parse import urlencode
from urllib.parse import urlsplit

from tests.conftest import valid_answers
from tests.system.gunicorn import free_port
from tests.system.gunicorn import start_gunicorn

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RESUME = re.compile(r'id="resume-link"[^>]*value="(http://[^"]+/resume#([A-Za-z0-9_-]{43}))"')
INVITE = re.compile(r'id="invite-link"[^>]*value="(http://[^"]+/invite#([A-Za-z0-9_-]{43}))"')


class Browser:
    """Just enough of a browser: one session cookie, and links opened without their fragment."""

    def __init__(self, port):
        self.port, self.cookie = port, ""

    def request(self, method, url, body=None):
        path = urlsplit(url)._replace(scheme="", netloc="", fragment="").geturl()  # a browser never sends #…
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            body = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                parsed = SimpleCookie(header)
                if "session" in parsed:
                    self.cookie = f"session={parsed['session'].value}"
            return response.status, text, response.headers.get("Location")
        finally:
            conn.close()

    def get(self, url):
        return self.request("GET", url)

    def post(self, url, page_url, fields):
        """Post the form of the page at ``page_url`` (fetched for its CSRF token), as the page would."""
        page = self.get(page_url)[1]
        return self.request("POST", url, {**fields, "csrf_token": CSRF.search(page).group(1)})

    def open_link(self, link):
        """What static/js/app.js does: load the page (the token stays behind #), then post the token."""
        page_url = urlsplit(link)._replace(fragment="").geturl()
        status, page, _ = self.get(page_url)
        assert status == 200 and "data-fragment-token" in page
        return self.post(page_url, page_url, {"link": urlsplit(link).fragment})


def test_tokens_never_reach_the_access_log(tmp_path, questionnaire):
    port = free_port()
    log = tmp_path / "access.log"
    env = {"READINESS_DATABASE": str(tmp_path / "log.sqlite"), "READINESS_SECRET_KEY": "log-test"}
    with log.open("w") as out:
        server = start_gunicorn(port, env, stdout=out, options=("--access-logfile", "-"))
    try:
        lead = Browser(port)
        tokens = {}
        answers = valid_answers(questionnaire)
        for section in questionnaire.sections:
            url = f"/fi/section/{section.id}"
            assert lead.post(url, url, answers[section.id])[0] == 302
            if section is questionnaire.sections[0]:
                link, tokens["lead resume"] = RESUME.search(lead.get("/fi/saved")[1]).groups()
        assert lead.post("/fi/submit", "/fi/check", {})[2] == "/fi/results"
        assert lead.post("/fi/organisation/invites", "/fi/organisation", {"role": "other"})[0] == 302
        invite, tokens["invite"] = INVITE.search(lead.get("/fi/organisation")[1]).groups()

        # The resume link, opened the new way in another browser.
        other = Browser(port)
        status, _, location = other.open_link(link)
        assert status == 302 and location == "/fi/results"
        assert other.get("/fi/results")[0] == 200

        # The invite link: its page, then the button.
        respondent = Browser(port)
        status, page, _ = respondent.open_link(invite)
        assert status == 200 and 'value="accept"' in page
        assert respondent.post("/fi/invite", "/fi/invite", {"link": tokens["invite"], "choice": "accept"})[0] == 302
        tokens["respondent resume"] = RESUME.search(respondent.get("/fi/saved")[1]).group(2)

        # An old-form link (token in the path): the path is logged, so the link is replaced when it is used.
        old = tokens.pop("lead resume")
        late = Browser(port)
        status, page, _ = late.get(f"/fi/resume/{old}")
        assert status == 200 and 'name="renew"' in page
        assert late.post("/fi/resume", f"/fi/resume/{old}", {"link": old, "renew": "1"})[2] == "/fi/saved"
        tokens["replacing resume"] = RESUME.search(late.get("/fi/saved")[1]).group(2)
        assert late.get("/fi/results")[0] == 200
        # The old token, which the log holds, opens nothing any more.
        assert Browser(port).open_link(f"http://127.0.0.1:{port}/fi/resume#{old}")[0] == 404
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)

    logged = log.read_text()
    assert "POST /fi/resume HTTP" in logged and "POST /fi/invite HTTP" in logged  # the log is the real one
    for name, token in tokens.items():
        assert token not in logged, name
    # An old-form link is logged as it was requested (nginx's $uri would hold it too); it was replaced above.
    assert f"GET /fi/resume/{old}" in logged
