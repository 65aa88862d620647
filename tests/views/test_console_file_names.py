"""The console's exports are named for the day in Helsinki, as its pages' times are: an export made at 00.30 Finnish
time on 2 December is named for the 2nd, though the UTC date is still the 1st."""

import re
from datetime import UTC
from datetime import datetime

from werkzeug.security import generate_password_hash

from readiness.store import operators
from readiness.web import helpers
from tests.conftest import submit_assessment
from tests.views.test_console import PASSWORD
from tests.views.test_console import sign_in


def test_export_file_names_carry_the_day_in_helsinki(client, db, questionnaire, monkeypatch):
    operators.create_operator(db, "operaattori", generate_password_hash(PASSWORD))
    assert sign_in(client).status_code == 302
    submit_assessment(db, questionnaire, "org-1")
    monkeypatch.setattr(helpers, "now", lambda: datetime(2026, 12, 1, 22, 30, tzinfo=UTC))
    names = []
    for path, query in (
        ("answers", {}),
        ("answers", {"format": "xlsx", "names": "1"}),
        ("codebook.csv", {}),
        ("open-data.csv", {"dialect": "excel-fi"}),
    ):
        response = client.get(f"/fi/console/exports/{path}", query_string=query)
        assert response.status_code == 200
        names.append(response.headers["Content-Disposition"])
        response.close()
    for name in names:
        assert re.search(r"-2026-12-02\.(csv|xlsx)$", name), name
