import re
from functools import partial
from pathlib import Path

import pytest

from readiness import create_app
from readiness.core.questionnaire import load
from readiness.store import assessments
from readiness.store import database

# The repository (the folder that holds readiness/ and tests/), and the tests' own copies of outside facts.
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
# Tests by layer, marked by the folder they live in: ``-m "not system and not browser"`` is the fast loop.
MARKED_FOLDERS = {"system": ROOT / "tests" / "system", "browser": ROOT / "tests" / "browser"}


def pytest_collection_modifyitems(items):
    """Mark every test under tests/system and tests/browser with its folder's marker (registered in pyproject)."""
    for item in items:
        path = Path(item.path).resolve()
        for marker, folder in MARKED_FOLDERS.items():
            if path.is_relative_to(folder):
                item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    """Keep the operator's settings out of the tests."""
    for name in (
        "READINESS_DATABASE",
        "READINESS_SECRET_KEY",
        "READINESS_CONTACT_EMAIL",
        "READINESS_CONTROLLER",
        "READINESS_LEGAL_BASIS",
        "READINESS_BACKUP_DAYS",
        "READINESS_PEER_MINIMUM",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def app(tmp_path):
    """An app with its own database and instance folder; CSRF stays on, as in production."""
    app = create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "test.sqlite"), "SECRET_KEY": "test", "PDF_RENDER_AHEAD": False}
    )
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A connection to the app's database, for asserting what was stored."""
    conn = database.connect(app.config["DATABASE"])
    yield conn
    conn.conn.close()


@pytest.fixture
def fresh_db():
    """A migrated in-memory database, for storage tests that need no app."""
    db = database.connect(":memory:")
    database.migrate(db)
    yield db
    db.conn.close()


@pytest.fixture
def questionnaire():
    return load()


STUB_PDF = b"%PDF-1.7 stub"


@pytest.fixture
def stub_pdf(monkeypatch):
    """WeasyPrint replaced by a stub, for tests that check only a PDF download's status, headers or file name: a
    real rendering takes a second or more. The app looks its renderer up at each call (web/report.py, init_app)."""
    from readiness.core import exports

    monkeypatch.setattr(exports, "pdf_from_html", lambda html, base_url=None: STUB_PDF)
    return STUB_PDF


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, url):
    """GET a page and return the CSRF token of its form."""
    response = client.get(url)
    match = CSRF.search(response.get_data(as_text=True))
    assert match, f"no form on {url}"
    return match.group(1)


def post_form(client, url, data):
    """Post a form as a browser would: with the CSRF token of the page it came from."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def valid_answers(questionnaire):
    """Answers for every section that pass validation: the first option, or two for multiple choice."""
    answers = {}
    for section in questionnaire.sections:
        data = {}
        for question in section.questions:
            if question.type == "text":
                data[question.id] = f"Vapaa vastaus: {question.id}"
            elif question.type == "matrix":
                for row in question.rows:
                    data[f"{question.id}__{row.id}"] = question.options[0].id
            elif question.type == "multiple":
                data[question.id] = [question.options[0].id, question.options[1].id]
            else:
                data[question.id] = question.options[0].id
        answers[section.id] = data
    return answers


@pytest.fixture
def answers(questionnaire):
    return valid_answers(questionnaire)


@pytest.fixture
def answered(client, questionnaire, answers):
    """A client that has saved every section (but not submitted)."""
    for section in questionnaire.sections:
        response = post_form(client, f"/fi/section/{section.id}", answers[section.id])
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client


def peer_rule():
    """The peer rule the service applies: ``core.peers.round_contribution`` with the packaged questionnaire and
    model."""
    from readiness.core import peers
    from readiness.core import scoring
    from readiness.core.questionnaire import load

    return partial(peers.round_contribution, load(), scoring.load(load()))


def earlier_model_rule(questionnaire, version):
    """The peer rule with the packaged model as it was before its ceilings, under another ``version``: regular
    own use then scored 100, not 89. For tests of scores stored by an earlier model."""
    import tomllib

    from readiness.core import peers
    from readiness.core import scoring

    with open(scoring.DATA_FILE, "rb") as f:
        data = tomllib.load(f)
    data["version"] = version
    data["changelog"][0]["version"] = version
    for dimension in data["dimensions"]:
        if dimension.pop("ceiling", None) is not None:
            dimension.pop("ceiling_reason")
            dimension["meaning"]["leading"] = dimension["meaning"]["established"]
    return partial(peers.round_contribution, questionnaire, scoring.parse(data, questionnaire))


def release(db, minimum=5):
    """Publish a peer release of the store's members with the packaged cells, as `flask peers release` does."""
    from readiness.core.questionnaire import load
    from readiness.core.releases import load_cells
    from readiness.store import releases

    return releases.publish_release(db, load_cells(load()), minimum)


def submit_assessment(db, questionnaire, token, changes=None, verified=True, submit=True):
    """Store and submit a whole assessment directly through storage, as the survey would; return its id. Its
    organisation is ``verified`` by the operator, as a register entry of its profile's group, so that it counts
    for peers as the service counts them (only verified organisations). With ``submit`` false it stays a draft
    with every section saved."""

    answers = valid_answers(questionnaire)
    for section_id, fields in (changes or {}).items():
        answers[section_id] = {**answers[section_id], **fields}
    assessment_id = None
    for section in questionnaire.sections:
        keys = [key for q in section.questions for key in q.answer_keys()]
        data = answers[section.id]
        choices, texts = {}, {}
        for question in section.questions:
            if question.type == "text":
                texts[question.id] = data.get(question.id, "")
                continue
            for key in question.answer_keys():
                value = data.get(key.replace(".", "__"))
                if value:
                    choices[key] = value if isinstance(value, list) else [value]
        if assessment_id is None:
            assessment_id = assessments.create_assessment(
                db, database.hash_token(token), questionnaire.version, section.id, keys, choices, texts
            )
        else:
            assessments.save_section(db, assessment_id, section.id, keys, choices, texts)
    if not submit:
        return assessment_id
    assessments.submit(db, assessment_id, [s.id for s in questionnaire.sections], peer_rule())
    if verified:
        verify_organisation(db, questionnaire, assessment_id)
    return assessment_id


def verify_organisation(db, questionnaire, assessment_id):
    """Verify the assessment's organisation as the operator does, as a test register entry of its own whose type
    and size band are the profile's (the packaged register holds no joint authorities, councils or companies)."""
    from readiness.core import peers
    from readiness.core.register import Entry
    from readiness.core.register import size_kind
    from readiness.store import records
    from readiness.store import register

    organisation_id = db.execute("select organisation_id from assessments where id = ?", [assessment_id]).fetchone()[0]
    org_type, size_band = peers.group_key(questionnaire, records.load_answers(db, assessment_id).choices)
    entry = Entry(
        id=f"TEST{organisation_id}",
        org_type=org_type,
        name_fi=f"Testiorganisaatio {organisation_id}",
        name_sv=f"Testorganisation {organisation_id}",
        size_band="" if size_band == peers.ANY else size_band,
        size_kind=size_kind(questionnaire, org_type),
        region="",
        language="",
        email_domains=(),
    )
    register.load_register_entries(db, [entry], "tests")
    claim = register.make_claim(db, organisation_id, entry.id, "Testi", "testi@example.fi", "", "operator", None)
    register.decide_claim(db, claim["id"], True, "tests")


def dont_know_everywhere(questionnaire):
    """Choices answering "don't know" to every question that offers it."""
    choices = {}
    for question in questionnaire.questions():
        dont_know = [o.id for o in question.options if o.dont_know]
        for key in question.answer_keys():
            if dont_know:
                choices[key] = dont_know
    return choices
