"""Benchmark of page weight: the bytes a browser with an empty cache moves to show a page, on a phone (390 px).

Run from the repository root:  .venv/bin/python benchmarks/weight.py
The app is served by gunicorn on 127.0.0.1 against a scratch database holding six synthetic submitted
assessments (so that the results page has its peer chart); the Debian chromium, through Playwright, opens each
page in a new browser context (nothing cached) and sums what every response put on the wire (headers and body,
as transferred, compressed or not). Figures go to benchmarks/results-weight.md.

Besides what it measured, the report sets the plotly.js bundles that could be served beside each other: each
one's bytes as they would travel (compressed as the app compresses them: Brotli, which Chromium asks for),
added to the measured rest of the results page. Target: a cold-cache results page moves at most 600 KB.
"""

import os
import platform
import secrets
import sys
import tempfile
from datetime import UTC
from datetime import datetime
from pathlib import Path

import brotli
import plotly
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from survey import free_port  # noqa: E402
from survey import start_server  # noqa: E402
from survey import write_report  # noqa: E402

from readiness.core.questionnaire import load  # noqa: E402
from readiness.store import database  # noqa: E402
from tests.browser.conftest import CHROMIUM  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.conftest import submit_assessment  # noqa: E402

TARGET_KB = 600
PHONE = {"width": 390, "height": 844}
FULL_PLOTLY = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
BASIC_PLOTLY = ROOT / "static" / "vendor" / "plotly-basic.min.js"


def transferred(browser, base, path, cookies=()):
    """Open ``path`` in a new context and return {url: bytes on the wire} of every response it loaded."""
    context = browser.new_context(base_url=base, viewport=PHONE)
    context.add_cookies(list(cookies))
    page = context.new_page()
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(path, wait_until="networkidle")
    sizes = {}
    for request in responses:
        size = request.sizes()
        sizes[request.url.removeprefix(base)] = size["responseHeadersSize"] + size["responseBodySize"]
    context.close()
    return sizes


def resume_cookies(browser, base, token):
    """Open an assessment as its resume link does and return the context's cookies."""
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto(f"/fi/resume#{token}")
    page.wait_for_url("**/fi/results")
    cookies = context.cookies()
    context.close()
    return cookies


def main():
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "weight.sqlite"
        db = database.connect(path)
        database.migrate(db)
        tokens = [secrets.token_urlsafe(32) for _ in range(6)]
        for token in tokens:
            submit_assessment(db, load(), token)
        db.conn.close()
        port = free_port()
        server = start_server(path, port, 1)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                cookies = resume_cookies(browser, base, tokens[0])
                pages = {
                    "start page": transferred(browser, base, "/fi/"),
                    "first question page": transferred(browser, base, "/fi/section/profile"),
                    "results page": transferred(browser, base, "/fi/results", cookies),
                }
                browser.close()
        finally:
            server.terminate()
            server.wait()

    results = pages["results page"]
    total_kb = sum(results.values()) / 1000
    plotly_sent = sum(size for url, size in results.items() if "plotly" in url)
    rest = sum(results.values()) - plotly_sent
    lines = [
        "# Page weight",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores) by "
        "`benchmarks/weight.py`: Debian chromium at 390 × 844 px, a new browser context (empty cache) for each "
        "page, gunicorn with one worker on loopback. Bytes are as transferred: headers plus body, compressed where "
        "the app compresses (every response but the private no-store pages, whose compressed size could leak a "
        "secret on them).",
        "",
        "| page | responses | KB moved |",
        "|---|---:|---:|",
    ]
    for name, sizes in pages.items():
        lines.append(f"| {name} | {len(sizes)} | {sum(sizes.values()) / 1000:.1f} |")
    lines += ["", "The results page, response by response:", "", "| response | KB moved |", "|---|---:|"]
    for url, size in sorted(results.items(), key=lambda item: -item[1]):
        lines.append(f"| `{url.split('?')[0]}` | {size / 1000:.1f} |")
    lines += [
        "",
        "## The plotly.js bundles, side by side",
        "",
        "The rest of the results page as measured above, plus each bundle as it would travel (Brotli at the app's "
        "level 4; the full bundle is what the page loaded before, uncompressed). The server draws every chart as SVG "
        "first, so the page shows its charts before plotly.js arrives, and without it.",
        "",
        "| charts drawn by | plotly.js KB | results page KB | target |",
        "|---|---:|---:|---|",
    ]
    full = FULL_PLOTLY.read_bytes()
    basic = BASIC_PLOTLY.read_bytes()
    for name, size in [
        ("full plotly.js, uncompressed (before)", len(full)),
        ("full plotly.js, Brotli", len(brotli.compress(full, quality=4))),
        ("basic plotly.js, Brotli (served now)", len(brotli.compress(basic, quality=4))),
        ("the server's SVG only, no plotly.js", 0),
    ]:
        page_kb = (rest + size) / 1000
        lines.append(f"| {name} | {size / 1000:.0f} | {page_kb:.0f} | {'met' if page_kb <= TARGET_KB else 'missed'} |")
    met = total_kb <= TARGET_KB
    lines += [
        "",
        f"Measured results page: {total_kb:.0f} KB against the target of {TARGET_KB} KB: {'met' if met else 'missed'}.",
    ]
    return write_report(lines, ROOT / "benchmarks" / "results-weight.md", met)


if __name__ == "__main__":
    sys.exit(main())
