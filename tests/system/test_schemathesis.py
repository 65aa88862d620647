"""Schemathesis against the OpenAPI document: every operation, with generated valid and invalid requests,
answers as the document says (status codes, content types, bodies matching their schemas), never with a 500.

The schema is loaded lazily, from a fixture: the app (and its database of six assessments) is built when the
test runs, not when pytest collects the module, so a run that does not select this test never builds it."""

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from readiness import create_app
from readiness.core.questionnaire import load
from readiness.store import database
from tests.conftest import submit_assessment


def api_app(folder):
    """The app with one submitted assessment among five peers, so that every operation has something to return.
    Generated requests send many unknown tokens, so the look-up throttle (tested elsewhere) is set out of reach."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(folder / "api.sqlite"),
            "SECRET_KEY": "api",
            "PDF_RENDER_AHEAD": False,
            "FAILED_LOOKUPS_PER_MINUTE": 10**9,
        }
    )
    db = database.connect(app.config["DATABASE"])
    for number in range(6):
        submit_assessment(db, load(), f"schemathesis-{number}")
    db.conn.close()
    return app


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app(tmp_path_factory.mktemp("schemathesis")))


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_as_schemathesis_reads_it(request):
    """Schemathesis 4.32.5's lazy loader reads and rewrites ``item._nodeid`` (to name each operation in reports),
    an attribute pytest 9.2 no longer has (it keeps a NodeId in ``_id``): without it the test fails with an
    AttributeError before any request. Give the item the attribute; pytest's own node id is left alone."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@schema.parametrize()
def test_the_api_keeps_to_its_openapi_document(case):
    # Left out: the check that every schema-valid request is accepted. /peers refuses filters that are
    # well-formed but meaningless together (a size band without its type, a band of another type, an unknown
    # id) with 400, as its parameter descriptions say; OpenAPI cannot express that dependency as a schema.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
