"""Property-based tests: random and hostile values posted to every field of every section, and sent to
every API endpoint. Never a 500; a rejected save writes nothing, an accepted one writes exactly the section."""

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from readiness import create_app
from readiness.core.questionnaire import load
from readiness.store import database
from readiness.web.forms import field_name
from tests.conftest import csrf_token
from tests.conftest import valid_answers

QUESTIONNAIRE = load()
HOSTILE = st.sampled_from(
    ["", " ", "\x00", "<script>alert(1)</script>", "=1+1", "' or 1=1 --", "dont_know", "../../etc/passwd", "🙂" * 50]
)
VALUE = st.one_of(
    HOSTILE, st.text(max_size=300), st.sampled_from([o.id for q in QUESTIONNAIRE.questions() for o in q.options])
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    return create_app(
        {"TESTING": True, "DATABASE": str(folder / "fuzz.sqlite"), "SECRET_KEY": "fuzz", "PDF_RENDER_AHEAD": False}
    )


def stored(app):
    """How many answers, free texts and saved sections the database holds."""
    db = database.connect(app.config["DATABASE"])
    try:
        return (
            db.execute("select count(*) from answers").fetchone()[0],
            db.execute("select count(*) from free_texts").fetchone()[0],
            db.execute("select count(*) from saved_sections").fetchone()[0],
        )
    finally:
        db.conn.close()


@pytest.mark.parametrize("section", QUESTIONNAIRE.sections, ids=lambda s: s.id)
@SETTINGS
@given(data=st.data())
def test_random_values_in_a_section_never_break_it(fuzz_app, section, data):
    client = fuzz_app.test_client()
    answers = valid_answers(QUESTIONNAIRE)
    url = f"/fi/section/{section.id}"
    token = csrf_token(client, url)
    fields = {}
    for question in section.questions:
        for key in question.answer_keys():
            name = field_name(key)
            choice = data.draw(st.sampled_from(["valid", "missing", "random", "many"]), label=name)
            if choice == "valid" and name in answers[section.id]:
                fields[name] = answers[section.id][name]
            elif choice == "random":
                fields[name] = data.draw(VALUE, label=f"{name} value")
            elif choice == "many":
                fields[name] = data.draw(st.lists(VALUE, max_size=5), label=f"{name} values")
    before = stored(fuzz_app)
    response = client.post(url, data={**fields, "csrf_token": token})
    assert response.status_code in (200, 302, 413), response.status_code
    after = stored(fuzz_app)
    if response.status_code != 302:
        assert after == before  # refused: nothing written
    else:
        assert after[2] == before[2] + 1  # accepted: this section saved, once


@SETTINGS
@given(
    path=st.sampled_from(["/api/v1/reference", "/api/v1/peers", "/api/v1/assessment", "/api/v1/openapi.json"]),
    query=st.dictionaries(st.sampled_from(["org_type", "size_band", "token", "x"]), VALUE, max_size=3),
    authorization=st.one_of(st.none(), st.text(max_size=80), st.just("Bearer " + "a" * 43)),
)
def test_random_requests_to_the_api_never_break_it(fuzz_app, path, query, authorization):
    client = fuzz_app.test_client()
    headers = {"Authorization": authorization} if authorization is not None else {}
    try:
        response = client.get(path, query_string=query, headers=headers)
    except ValueError:
        return  # the test client refuses header values that no HTTP client could send
    assert response.status_code < 500, (path, query, response.status_code)
    assert response.is_json
