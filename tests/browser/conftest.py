"""Browser tests: the app served on loopback, driven by the Debian chromium through Playwright, checked by axe."""

import hashlib
import os
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from readiness import create_app
from readiness.core import exports
from readiness.core.questionnaire import load
from readiness.store import database
from tests.conftest import STUB_PDF
from tests.conftest import release
from tests.conftest import submit_assessment

CHROMIUM = os.environ.get("READINESS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Axe()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app of the browser tests, with its own database, for the whole test session."""
    database = tmp_path_factory.mktemp("browser") / "browser.sqlite"
    return create_app({"DATABASE": str(database), "SECRET_KEY": "browser-tests"})


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app on a free loopback port."""
    app = live_app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module", autouse=True)
def _pdf_renderer(request):
    """Every results page shown renders the report's PDF ahead, in the background (PDF_RENDER_AHEAD, on as in
    production): WeasyPrint competing with Chromium for the CPU. Only the modules that open the PDF (they set
    ``REAL_PDF_RENDERER = True``) get the real renderer; the others a stub, for the whole module."""
    if getattr(request.module, "REAL_PDF_RENDERER", False):
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exports, "pdf_from_html", lambda html, base_url=None: STUB_PDF)
        yield


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, live_server):
    """A fresh browser profile (no cookies) that may talk to the app and nothing else."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(10_000)
    external = []

    def refuse_external(route):
        external.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(live_server), refuse_external)
    yield context
    context.close()
    assert external == [], f"pages asked for outside resources: {external}"


@pytest.fixture
def page(context):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def submitted(live_app, request):
    """The resume token of an organisation that has submitted, with five peers beside it, released (so that
    the peers' figures and charts are shown)."""
    tokens = [hashlib.sha256(f"{request.node.name}-{i}".encode()).hexdigest()[:43] for i in range(6)]
    db = database.connect(live_app.config["DATABASE"])
    for token in tokens:
        submit_assessment(db, load(), token)
    release(db)
    db.conn.close()
    return tokens[0]


def open_section(page, heading_id):
    """Open a results page section (its content sits in a disclosure under its heading), as a reader would."""
    page.locator(f"section.results-section:has(> h2#{heading_id}) > details > summary").click()


def assert_accessible(page):
    """Run axe-core on the page as it is now: zero violations, or the report says which."""
    results = AXE.run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def pytest_collection_modifyitems(items):
    """The live server is werkzeug's development server in a thread: when Chromium drops a request half-way
    (a page closed while a stylesheet streams), the server leaves that file to the garbage collector, and the
    warning lands in whichever test runs then. It is the test server's, not the service's: browser tests let
    it pass; every other test still fails on any warning."""
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
