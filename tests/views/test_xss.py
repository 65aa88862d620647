"""A list of cross-site scripting payloads, each typed into every free-text field, and then looked for in
every page, download and export that shows free text: always as the text that was typed, never as markup,
and never as a spreadsheet formula."""

import io
import json
import re
import subprocess

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from werkzeug.security import generate_password_hash

from readiness.store import operators
from tests.conftest import csrf_token
from tests.conftest import post_form

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "{{ 7*7 }} {% raw %}",
    '<a href="javascript:alert(1)">x</a>',
    '=HYPERLINK("http://evil.example","x")',
    "<style>*{display:none}</style>",
]
TEXT_FIELDS = {
    "org_name": "profile",
    "support_other": "support",
    "competence_needs": "competence",
    "education_other": "education",
    "future": "outlook",
}


def assert_inert(html, payload):
    """The page shows the payload as text, and nothing in it came from the payload as markup."""
    page = BeautifulSoup(html, "html.parser")
    assert payload in page.get_text(), payload
    for script in page.find_all("script"):
        assert script.get("src", "").startswith(("/static/", "/vendor/")) or script.get("type") == "application/json", (
            script
        )
        assert "alert" not in script.get_text()
    for element in page.find_all(True):
        assert not any(name.startswith("on") for name in element.attrs), element
        assert not element.get("href", "").startswith("javascript:"), element
    assert page.find("iframe") is None and page.find("svg", onload=True) is None
    assert not any("display:none" in style.get_text() for style in page.find_all("style"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_in_every_free_text_field_stays_text_everywhere(
    app, client, questionnaire, answers, db, payload, tmp_path
):
    for section in questionnaire.sections:
        data = dict(answers[section.id])
        data.update({field: payload for field, section_id in TEXT_FIELDS.items() if section_id == section.id})
        assert post_form(client, f"/fi/section/{section.id}", data).status_code == 302
    assert_inert(client.get("/fi/check").get_data(as_text=True), payload)
    client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
    for path in ("/fi/results", "/sv/organisation", "/fi/download/report.html"):
        assert_inert(client.get(path).get_data(as_text=True), payload)

    expected_cell = "'" + payload if payload.startswith("=") else payload
    frame = pd.read_csv(io.BytesIO(client.get("/fi/download/answers.csv").data), encoding="utf-8-sig", dtype=str)
    assert (frame["answer"] == expected_cell).sum() == len(TEXT_FIELDS)
    document = json.loads(client.get("/fi/download/answers.json").data)
    assert sum(1 for row in document["answers"] if row["answer"] == payload) == len(TEXT_FIELDS)

    operators.create_operator(db, "xss", generate_password_hash("tarkastaja-salasana"))
    operator = app.test_client()
    operator.post(
        "/fi/console/sign-in",
        data={
            "csrf_token": csrf_token(operator, "/fi/console/sign-in"),
            "username": "xss",
            "password": "tarkastaja-salasana",
        },
    )
    export = pd.read_csv(
        io.BytesIO(operator.get("/fi/console/exports/answers?names=1").data), encoding="utf-8-sig", dtype=str
    )
    for field in ["organisation_name", *[f for f in TEXT_FIELDS if f != "org_name"]]:
        assert export[field].iloc[0] == expected_cell, field


def test_payloads_in_the_pdf_are_text(client, questionnaire, answers, tmp_path):
    """Every payload, in one report (a rendering takes seconds): the first in every field, the others shared out
    among the longer fields after it."""
    payload = PAYLOADS[1]
    others = [p for p in PAYLOADS if p != payload]
    long_fields = [field for field in TEXT_FIELDS if field != "org_name"]  # the name holds 200 characters
    texts = {field: payload for field in TEXT_FIELDS}
    for number, other in enumerate(others):
        field = long_fields[number % len(long_fields)]
        texts[field] += " " + other
    for section in questionnaire.sections:
        data = dict(answers[section.id])
        data.update({field: texts[field] for field, section_id in TEXT_FIELDS.items() if section_id == section.id})
        post_form(client, f"/fi/section/{section.id}", data)
    client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
    path = tmp_path / "report.pdf"
    path.write_bytes(client.get("/fi/download/report.pdf").data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert payload in " ".join(text.split())
    # The others may be wrapped anywhere across lines and pages: compared without any white space or the page
    # numbers ("14 / 15") a page break puts between the two halves.
    unwrapped = "".join(re.sub(r"^\d+ / \d+$", "", text, flags=re.MULTILINE).split())
    for other in others:
        assert "".join(other.split()) in unwrapped, other
