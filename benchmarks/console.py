"""Benchmark of the operator console with 100,000 submitted assessments: the dashboard against the framework
floor, and the full CSV export's time and the peak memory of the worker that streams it.

Run from the repository root:  .venv/bin/python benchmarks/console.py
A scratch database (in a temporary folder, never the service's own) gets 100,000 synthetic submitted
assessments and an operator account; gunicorn serves it on 127.0.0.1 with one worker, so that the worker's
peak resident memory (VmHWM in /proc) is the export's. Figures go to benchmarks/results-console.md.
"""

import argparse
import http.client
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

from results import populate  # noqa: E402
from survey import Client  # noqa: E402
from survey import free_port  # noqa: E402
from survey import percentile  # noqa: E402
from survey import start_server  # noqa: E402
from survey import write_report  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from readiness.core.questionnaire import load  # noqa: E402
from readiness.store import database  # noqa: E402
from readiness.store import operators  # noqa: E402

PASSWORD = "benchmark-password"


def worker_pids(server):
    """Return the pids of gunicorn's workers (the children of its master)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def peak_memory_mb(pid):
    """Return a process's peak resident memory (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def export(port, cookie, path):
    """Stream the CSV export to a file; return (seconds, bytes, data rows)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    assert response.status == 200, response.status
    size = lines = 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
        lines += chunk.count(b"\n")
    conn.close()
    return time.perf_counter() - started, size, lines - 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results-console.md"))
    args = parser.parse_args()

    questionnaire = load()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "console.sqlite"
        populate(path, args.assessments, questionnaire)
        db = database.connect(str(path))
        operators.create_operator(db, "benchmark", generate_password_hash(PASSWORD))
        db.conn.close()
        port = free_port()
        server = start_server(path, port, 1)
        try:
            client = Client(port)
            token = client.csrf_token("/fi/console/sign-in")
            status, _, _ = client.request(
                "POST", "/fi/console/sign-in", {"csrf_token": token, "username": "benchmark", "password": PASSWORD}
            )
            assert status == 302, status
            (worker,) = worker_pids(server)
            memory_before = peak_memory_mb(worker)
            seconds, size, rows = export(port, client.cookie, "/fi/console/exports/answers.csv")
            memory_after = peak_memory_mb(worker)
            assert rows == args.assessments + 1, rows  # the synthetic ones and the probe
            timings = {"floor": [], "dashboard": []}
            for _ in range(args.requests):
                timings["floor"].append(client.request("GET", "/_floor")[2])
                status, _, elapsed = client.request("GET", "/fi/console/")
                assert status == 200, status
                timings["dashboard"].append(elapsed)
        finally:
            server.terminate()
            server.wait(timeout=30)

    p50 = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    ratio = p50["dashboard"] / p50["floor"]
    met = seconds < 30 and memory_after < 300 and ratio <= 5
    lines = [
        "# Operator console benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/console.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; gunicorn with one sync worker on 127.0.0.1, "
        f"client on the same machine; {args.assessments:,} synthetic submitted assessments in a scratch database.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| CSV export of every submitted assessment | {seconds:.1f} s, {size / 1e6:.0f} MB, {rows:,} rows |",
        f"| peak resident memory of the worker, before → after the export | {memory_before:.0f} MB → {memory_after:.0f} MB |",
        f"| framework floor p50 | {p50['floor']:.2f} ms |",
        f"| dashboard p50 | {p50['dashboard']:.2f} ms = {ratio:.2f}× the floor |",
        f"| dashboard p99, slowest | {percentile(timings['dashboard'], 99) * 1000:.0f} ms, {max(timings['dashboard']) * 1000:.0f} ms |",
        "",
        f"Targets: the export under 30 s ({seconds:.1f} s) with peak memory under 300 MB ({memory_after:.0f} MB), the "
        f"dashboard within 5× the floor at p50 ({ratio:.2f}×): **{'met' if met else 'NOT met'}**.",
        "",
        "The export streams chunks of 2,000 assessments from one read transaction. The dashboard's figures are "
        "recomputed at most once a minute per worker; the slowest request is the one that recomputed them.",
        "",
    ]
    figures = [
        ("console dashboard", p50["dashboard"], ratio, "≤ 5× floor"),
        (
            f"CSV export of {args.assessments:,} (ms in all; peak {memory_after:.0f} MB)",
            seconds * 1000,
            None,
            "< 30 s, < 300 MB",
        ),
    ]
    return write_report(lines, args.output, met, figures)


if __name__ == "__main__":
    sys.exit(main())
