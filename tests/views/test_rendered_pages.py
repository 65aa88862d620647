"""The results page built at submission and shared by every worker: what the first view reads, and when it
may no longer be read."""

import pytest

from readiness import create_app
from readiness.web import report
from tests.conftest import csrf_token
from tests.conftest import release
from tests.conftest import submit_assessment


@pytest.fixture
def submitted(answered):
    answered.post("/fi/submit", data={"csrf_token": csrf_token(answered, "/fi/check")})
    return answered


def rows(db):
    return db.execute("select assessment_id, lang from rendered_pages").fetchall()


def other_worker(app):
    """A second app on the same database: another gunicorn worker, with its own memory and nothing cached."""
    return create_app({**app.config, "DATABASE": app.config["DATABASE"]})


def test_submission_builds_the_page_and_another_worker_serves_it_without_computing(app, submitted, db, monkeypatch):
    assert [lang for _, lang in rows(db)] == ["fi"]
    shown_here = submitted.get("/fi/results").get_data(as_text=True)

    def never(*args, **kwargs):
        raise AssertionError("the first view computed the page again")

    monkeypatch.setattr(report, "context", never)
    worker = other_worker(app)
    browser = worker.test_client()
    with submitted.session_transaction() as session:
        cookie = dict(session)
    with browser.session_transaction() as session:
        session.update(cookie)
    shown_there = browser.get("/fi/results")
    assert shown_there.status_code == 200
    body = shown_here.split("<main", 1)[1].split("</main>", 1)[0]
    assert (
        body.split("csrf_token", 1)[0]
        == shown_there.get_data(as_text=True).split("<main", 1)[1].split("csrf_token", 1)[0]
    )


def test_a_page_in_another_language_is_built_on_its_first_view(submitted, db):
    assert submitted.get("/sv/results").status_code == 200
    assert sorted(lang for _, lang in rows(db)) == ["fi", "sv"]


def test_a_release_drops_every_stored_page_and_the_next_view_shows_the_release(submitted, db, questionnaire):
    before = submitted.get("/en/results").get_data(as_text=True)
    assert "no group of organisations like yours" in before
    for number in range(5):
        submit_assessment(
            db, questionnaire, f"peer-{number}", {"profile": {"org_type": "kunta", "population": "under_5000"}}
        )
    release(db)
    assert rows(db) == []
    after = submitted.get("/en/results").get_data(as_text=True)
    assert "no group of organisations like yours" not in after
    assert "You are compared with" in after


def test_a_colleagues_submission_makes_the_stored_page_stale(app, submitted, db, questionnaire):
    ((assessment_id, _),) = rows(db)
    stored = db.execute("select revision from rendered_pages").fetchone()[0]
    db.execute("update organisations set revision = revision + 1")
    worker = other_worker(app).test_client()
    with submitted.session_transaction() as session:
        cookie = dict(session)
    with worker.session_transaction() as session:
        session.update(cookie)
    assert worker.get("/fi/results").status_code == 200
    assert db.execute("select revision from rendered_pages where lang = 'fi'").fetchone()[0] != stored


def test_deleting_the_answers_deletes_the_stored_page(submitted, db):
    assert rows(db)
    data = {"csrf_token": csrf_token(submitted, "/fi/delete"), "target": "own", "confirm": "yes"}
    submitted.post("/fi/delete", data=data)
    assert db.execute("select count(*) from assessments").fetchone()[0] == 0
    assert rows(db) == []
