"""Benchmark of the downloads: the HTML report against the results page, the PDF report, and the HTML's size.

Run from the repository root:  .venv/bin/python benchmarks/downloads.py
A scratch database (in a temporary folder, never the service's own) holds one submitted assessment and a
peer group; gunicorn serves it on 127.0.0.1. Requests alternate one by one. "Reused" is a repeat request
for unchanged data; "rebuilt" follows a change to the peer aggregates, so everything is computed again
(for the PDF: the HTML report and its rendering by WeasyPrint, once while the user waits and once ahead,
started by the results page a reading time before the download). Figures go to
benchmarks/results-downloads.md; compare ratios within one run.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from survey import Client  # noqa: E402
from survey import free_port  # noqa: E402
from survey import start_server  # noqa: E402
from survey import write_report  # noqa: E402

from readiness.core.questionnaire import load  # noqa: E402
from readiness.store import database  # noqa: E402
from tests.conftest import submit_assessment  # noqa: E402

TOKEN = "c" * 43


def bump(db):
    """Change the results revision, as another organisation's submission would."""
    with database.write_transaction(db):
        db.execute("update revisions set value = value + 1 where name = 'results'")


def forget_pdfs(folder):
    """Remove the rendered PDFs, as a change to what the report says would make them stale."""
    for path in folder.glob("*.pdf"):
        path.unlink()


def scratch_with_peers(scratch, name, token):
    """Return (path, connection) of a scratch database in ``scratch`` holding the benchmarked assessment (its
    resume ``token``) and nine peers, all submitted."""
    path = Path(scratch) / name
    db = database.connect(str(path))
    database.migrate(db)
    questionnaire = load()
    submit_assessment(db, questionnaire, token, {"profile": {"org_name": "Esimerkkilän kunta"}})
    for i in range(9):
        submit_assessment(db, questionnaire, f"peer-{i}")
    return path, db


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pdfs", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reading-time", type=float, default=3.0, help="seconds between results page and PDF")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results-downloads.md"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        path, db = scratch_with_peers(scratch, "downloads.sqlite", TOKEN)
        port = free_port()
        server = start_server(path, port, args.workers)
        try:
            client = Client(port)
            assert client.open_assessment(TOKEN) == 302
            timings = {
                name: []
                for name in ("floor", "results", "html", "results_rebuilt", "html_rebuilt")
                + ("pdf_cold", "pdf_after_results", "pdf_reused")
            }
            html_bytes = pdf_bytes = 0
            for _ in range(args.requests):
                timings["floor"].append(client.request("GET", "/_floor")[2])
                timings["results"].append(client.request("GET", "/fi/results")[2])
                status, text, elapsed = client.request("GET", "/fi/download/report.html")
                assert status == 200
                timings["html"].append(elapsed)
                html_bytes = len(text.encode())
            for _ in range(args.requests // 4):
                bump(db)
                timings["results_rebuilt"].append(client.request("GET", "/fi/results")[2])
                bump(db)
                timings["html_rebuilt"].append(client.request("GET", "/fi/download/report.html")[2])
            reports = Path(scratch) / "reports"
            for _ in range(args.pdfs):
                # Cold: nothing rendered before, WeasyPrint renders while the user waits.
                bump(db)
                forget_pdfs(reports)
                status, text, elapsed = client.request("GET", "/fi/download/report.pdf", binary=True)
                assert status == 200 and text.startswith(b"%PDF")
                timings["pdf_cold"].append(elapsed)
                pdf_bytes = len(text)
                # As a user meets it: the results page, read for a moment, then the download.
                bump(db)
                forget_pdfs(reports)
                assert client.request("GET", "/fi/results")[0] == 200
                time.sleep(args.reading_time)
                timings["pdf_after_results"].append(client.request("GET", "/fi/download/report.pdf", binary=True)[2])
                timings["pdf_reused"].append(client.request("GET", "/fi/download/report.pdf", binary=True)[2])
        finally:
            server.terminate()
            server.wait(timeout=30)
            db.conn.close()

    p50 = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    html_ratio = p50["html"] / p50["results"]
    html_rebuilt_ratio = p50["html_rebuilt"] / p50["results_rebuilt"]
    met = html_bytes <= 1_000_000 and html_ratio <= 5 and html_rebuilt_ratio <= 5 and p50["pdf_after_results"] <= 1000
    lines = [
        "# Downloads benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/downloads.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; gunicorn with {args.workers} sync workers on "
        "127.0.0.1, client on the same machine, requests alternating one by one; one assessment beside 9 peers "
        "in a scratch database.",
        "",
        "| request | p50 ms | × results page (same mode) | samples |",
        "|---|---|---|---|",
        f"| framework floor | {p50['floor']:.2f} | – | {len(timings['floor'])} |",
        f"| results page, reused | {p50['results']:.2f} | 1.00× | {len(timings['results'])} |",
        f"| HTML report, reused | {p50['html']:.2f} | {html_ratio:.2f}× | {len(timings['html'])} |",
        f"| results page, rebuilt | {p50['results_rebuilt']:.2f} | 1.00× | {len(timings['results_rebuilt'])} |",
        f"| HTML report, rebuilt | {p50['html_rebuilt']:.2f} | {html_rebuilt_ratio:.2f}× | {len(timings['html_rebuilt'])} |",
        *(
            f"| PDF report, {label} | {p50[name]:.1f} | {p50[name] / p50['results_rebuilt']:.1f}× | {len(timings[name])} |"
            for name, label in (
                ("pdf_cold", "rendered while the user waits"),
                ("pdf_after_results", f"{args.reading_time:g} s after the results page (rendered ahead)"),
                ("pdf_reused", "unchanged, from disk"),
            )
        ),
        "",
        f"HTML report: {html_bytes / 1000:.0f} kB with its two charts (target: at most 1 MB). PDF: {pdf_bytes / 1000:.0f} kB.",
        "",
        "The PDF is rendered in the background when the results page is first shown and kept on disk, named by "
        "what it says; PDF ratios are to the rebuilt results page. Every PDF row starts from a report whose PDF "
        "is not on disk, except the last.",
        "",
        f"Targets: the HTML report within 5× the results page ({html_ratio:.2f}× reused, {html_rebuilt_ratio:.2f}× "
        f"rebuilt) and the PDF within 1 s at p50 ({p50['pdf_after_results']:.1f} ms as users meet it; "
        f"{p50['pdf_cold']:.0f} ms when rendered while the user waits): **{'met' if met else 'NOT met'}**.",
        "",
    ]
    floor = p50["floor"]
    figures = [
        ("HTML report, reused", p50["html"], p50["html"] / floor, "≤ 5× results page"),
        ("HTML report, rebuilt", p50["html_rebuilt"], p50["html_rebuilt"] / floor, ""),
        ("PDF report, rendered while the user waits", p50["pdf_cold"], p50["pdf_cold"] / floor, ""),
        ("PDF report, after the results page", p50["pdf_after_results"], p50["pdf_after_results"] / floor, "≤ 1 s"),
    ]
    return write_report(lines, args.output, met, figures)


if __name__ == "__main__":
    sys.exit(main())
