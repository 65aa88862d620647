"""The operator console in a real browser, in Finnish and English, with axe on every page."""

import re

import pytest
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from readiness.store import database
from readiness.store import operators
from tests.browser.conftest import assert_accessible

PASSWORD = "selaintestin-salasana"
WORDS = {
    "fi": {
        "sign_in": "Kirjaudu sisään",
        "user": "Käyttäjätunnus",
        "password": "Salasana",
        "sign_out": "Kirjaudu ulos",
        "publish": "Julkaise nyt",
    },
    "en": {
        "sign_in": "Sign in",
        "user": "User name",
        "password": "Password",
        "sign_out": "Sign out",
        "publish": "Publish a release now",
    },
}


@pytest.fixture(scope="module")
def operator(live_app):
    db = database.connect(live_app.config["DATABASE"])
    if operators.find_operator(db, username="selain") is None:
        operators.create_operator(db, "selain", generate_password_hash(PASSWORD))
    db.conn.close()
    return "selain"


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_the_console(page, operator, lang):
    words = WORDS[lang]
    page.goto(f"/{lang}/console/results")
    expect(page).to_have_url(re.compile(f"/{lang}/console/sign-in"))
    assert_accessible(page)
    page.get_by_label(words["user"]).fill(operator)
    page.get_by_label(words["password"]).fill("väärin")
    page.get_by_role("button", name=words["sign_in"]).click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(words["password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    # Back where the operator was going.
    expect(page).to_have_url(re.compile(f"/{lang}/console/results$"))
    assert_accessible(page)
    for link in page.locator(".console-nav a").all():
        href = link.get_attribute("href")
        link.click()
        expect(page).to_have_url(re.compile(re.escape(href) + "$"))
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)
    # Two releases in a row: the second repeats the first's figures, and the page says from which and why.
    page.goto(f"/{lang}/console/releases")
    for _ in range(2):
        page.get_by_role("button", name=words["publish"]).click()
        expect(page.locator(".panel--confirmation")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=words["sign_out"]).click()
    expect(page).to_have_url(re.compile(f"/{lang}/console/sign-in"))
    page.goto(f"/{lang}/console/")
    expect(page).to_have_url(re.compile(f"/{lang}/console/sign-in"))
