"""Load without loss: 50 concurrent clients run complete journeys against gunicorn on loopback for 2 minutes.

Run from the repository root:  .venv/bin/python benchmarks/load.py
Each client, over and over: the start page, every section (page, then save), the check page, submit, the
results page and the HTML report download. A scratch database (never the service's own) starts with 20
submitted organisations, so that results have peers. Afterwards every acknowledged save is compared with the
database, and every failed request is counted. Figures go to benchmarks/results-load.md.
"""

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from survey import CSRF  # noqa: E402
from survey import Client  # noqa: E402
from survey import expected_choices  # noqa: E402
from survey import free_port  # noqa: E402
from survey import percentile  # noqa: E402
from survey import section_answers  # noqa: E402
from survey import start_server  # noqa: E402
from survey import write_report  # noqa: E402

from readiness.core.questionnaire import load  # noqa: E402
from readiness.store import database  # noqa: E402
from readiness.store import records  # noqa: E402
from tests.conftest import submit_assessment  # noqa: E402

STEPS = ("start", "section page", "section save", "check", "submit", "results", "report download")


class Journeys:
    """What the clients did: latencies per step, failures, and every acknowledged save."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {step: [] for step in STEPS}
        self.failures = []
        self.saves = []  # (resume token, section id, expected choices)
        self.submitted = []  # resume tokens
        self.completed = 0

    def timed(self, step, client, method, path, body=None, expected=(200,)):
        status, text, elapsed = client.request(method, path, body)
        with self.lock:
            self.latencies[step].append(elapsed)
            if status not in expected:
                self.failures.append((step, path, status))
        return status, text


def journey(port, questionnaire, record, variant):
    """One respondent's whole journey; returns when done or when a step failed."""
    client = Client(port)
    record.timed("start", client, "GET", "/fi/")
    token = None
    for section in questionnaire.sections:
        status, page = record.timed("section page", client, "GET", f"/fi/section/{section.id}")
        csrf = CSRF.search(page).group(1)
        data = section_answers(section, variant)
        status, _ = record.timed(
            "section save", client, "POST", f"/fi/section/{section.id}", {**data, "csrf_token": csrf}, (302,)
        )
        if status != 302:
            return
        if token is None:
            saved = client.request("GET", "/fi/saved")[1]
            token = saved.split("/resume#", 1)[1][:43]
        with record.lock:
            record.saves.append((token, section.id, expected_choices(section, data)))
    status, page = record.timed("check", client, "GET", "/fi/check")
    csrf = CSRF.search(page).group(1)
    status, _ = record.timed("submit", client, "POST", "/fi/submit", {"csrf_token": csrf}, (302,))
    if status != 302:
        return
    with record.lock:
        record.submitted.append(token)
    record.timed("results", client, "GET", "/fi/results")
    record.timed("report download", client, "GET", "/fi/download/report.html")
    with record.lock:
        record.completed += 1


def verify(path, record, questionnaire):
    """Return the acknowledged saves and submissions that the database does not hold as acknowledged."""
    db = database.connect(str(path))
    missing = []
    try:
        for token, section_id, choices in record.saves:
            assessment = records.find_assessment(db, database.hash_token(token))
            if assessment is None:
                missing.append((token, section_id, "no assessment"))
                continue
            stored = records.load_answers(db, assessment.id)
            keys = [key for q in questionnaire.section(section_id).questions for key in q.answer_keys()]
            if (
                section_id not in stored.saved_sections
                or {k: stored.choices.get(k) for k in keys if k in choices} != choices
            ):
                missing.append((token, section_id, "answers differ"))
        for token in record.submitted:
            if not records.find_assessment(db, database.hash_token(token)).submitted:
                missing.append((token, None, "not submitted"))
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.conn.close()
    return missing, integrity


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results-load.md"))
    args = parser.parse_args()

    questionnaire = load()
    record = Journeys()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "load.sqlite"
        db = database.connect(str(path))
        database.migrate(db)
        for number in range(20):
            submit_assessment(db, questionnaire, f"load-peer-{number}")
        db.conn.close()
        port = free_port()
        server = start_server(path, port, args.workers)
        started = time.perf_counter()
        deadline = started + args.seconds

        def client_loop(number):
            variant = number
            while time.perf_counter() < deadline:
                try:
                    journey(port, questionnaire, record, variant)
                except Exception as error:  # noqa: BLE001 - any failure is a finding of this benchmark
                    with record.lock:
                        record.failures.append(("exception", type(error).__name__, str(error)[:100]))
                variant += args.clients

        try:
            threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
        missing, integrity = verify(path, record, questionnaire)

    requests = sum(len(values) for values in record.latencies.values())
    met = not record.failures and not missing and integrity == "ok"
    lines = [
        "# Load benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/load.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; gunicorn with {args.workers} sync workers on "
        f"127.0.0.1; {args.clients} concurrent clients (threads of one process on the same machine) running "
        f"complete journeys for {elapsed:.0f} s against a scratch database with 20 peer organisations.",
        "",
        f"{record.completed} journeys completed ({len(record.submitted)} submitted), {requests:,} timed requests "
        f"({requests / elapsed:.0f} a second), {len(record.failures)} failed; {len(record.saves):,} acknowledged "
        f"saves, {len(missing)} of them missing or different in the database afterwards; integrity check: "
        f"{integrity}.",
        "",
        "| step | requests | p50 ms | p99 ms |",
        "|---|---|---|---|",
    ]
    for step in STEPS:
        values = record.latencies[step]
        if values:
            lines.append(
                f"| {step} | {len(values):,} | {percentile(values, 50) * 1000:.0f} | {percentile(values, 99) * 1000:.0f} |"
            )
    lines += [
        "",
        f"Target: no failed request, every acknowledged save in the database: **{'met' if met else 'NOT met'}**.",
        "",
    ]
    if record.failures:
        lines += ["First failures:", "", *[f"- {failure}" for failure in record.failures[:10]], ""]
    figures = [
        (
            f"under load ({args.clients} clients): {step} (p99 {percentile(values, 99) * 1000:.0f} ms)",
            percentile(values, 50) * 1000,
            None,
            "",
        )
        for step, values in record.latencies.items()
        if values
    ]
    return write_report(lines, args.output, met, figures)


if __name__ == "__main__":
    sys.exit(main())
