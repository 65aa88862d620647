"""Benchmark of the survey under gunicorn on 127.0.0.1: page and save latency against the framework floor,
and concurrent saves that must lose nothing.

Run from the repository root:  .venv/bin/python benchmarks/survey.py
It uses a scratch database in a temporary folder (never the service's own) and writes the figures to
benchmarks/results-survey.md. Figures are ratios measured in one run; absolute times vary between machines.
"""

import argparse
import http.client
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from readiness.core.questionnaire import load  # noqa: E402
from readiness.store import database  # noqa: E402
from readiness.store import records  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RESUME_LINK = re.compile(r'id="resume-link"[^>]*value="[^"]*/resume#([A-Za-z0-9_-]{43})"')
PAGE_SECTION = "org_use"  # the heaviest page: ten rows of six radios


class Client:
    """One browser: its own cookie, one new connection per request (gunicorn's sync workers close them)."""

    def __init__(self, port):
        self.port = port
        self.cookie = ""

    def request(self, method, path, body=None, binary=False):
        """Send a request and return (status, text, or bytes if ``binary``, seconds)."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            body = urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        text = data if binary else data.decode()
        elapsed = time.perf_counter() - started
        conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            if "session" in cookie:
                self.cookie = f"session={cookie['session'].value}"
        return response.status, text, elapsed

    def csrf_token(self, path):
        status, text, _ = self.request("GET", path)
        assert status == 200, (path, status)
        return CSRF.search(text).group(1)

    def open_assessment(self, token):
        """Open an assessment as its resume link does (the page posts the token after #); return the status."""
        body = {"csrf_token": self.csrf_token("/fi/resume"), "link": token}
        return self.request("POST", "/fi/resume", body)[0]


def section_answers(section, variant):
    """A valid answer set for a section; ``variant`` picks different options so that saves differ."""
    data = {}
    for question in section.questions:
        options = question.options
        if question.type == "text":
            data[question.id] = f"vastaus {variant}"
        elif question.type == "matrix":
            for row in question.rows:
                data[f"{question.id}__{row.id}"] = options[variant % len(options)].id
        elif question.type == "multiple":
            data[question.id] = [o.id for o in options if o.id not in question.exclusive][: 1 + variant % 2]
        elif question.id == "org_type":
            data[question.id] = "kunta"
        else:
            data[question.id] = options[variant % len(options)].id
    return data


def expected_choices(section, data):
    """What a save of ``data`` stores: answer key -> options."""
    choices = {}
    for question in section.questions:
        if question.type == "text":
            continue
        for key in question.answer_keys():
            value = data.get(key.replace(".", "__"))
            if value:
                choices[key] = value if isinstance(value, list) else [value]
    return choices


def write_report(lines, output, met, figures=()):
    """Write a benchmark's report to its results file (and its main figures beside it as JSON, for
    benchmarks/run_all.py) and print it; return the exit code (1 if a target is missed).

    ``figures`` are (measure, p50 in ms, ratio to the floor of the same run or None, target or "").
    """
    report = "\n".join(lines)
    Path(output).write_text(report)
    rows = [{"measure": m, "p50_ms": p50, "x_floor": ratio, "target": target} for m, p50, ratio, target in figures]
    Path(output).with_suffix(".json").write_text(json.dumps({"met": met, "figures": rows}, indent=1) + "\n")
    print(report)
    return 0 if met else 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database, port, workers):
    env = {**os.environ, "READINESS_DATABASE": str(database), "READINESS_SECRET_KEY": "benchmark"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT / "benchmarks"),
            "--pythonpath",
            str(ROOT),
            "--access-logfile",
            "/dev/null",
            "bench_app:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if Client(port).request("GET", "/_floor")[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(server.stderr.read().decode())


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure_latency(port, questionnaire, rounds, per_round):
    """Alternate floor, section page and section save request by request, so that noise hits all three alike."""
    section = questionnaire.section(PAGE_SECTION)
    client = Client(port)
    token = client.csrf_token("/fi/section/profile")
    status, _, _ = client.request(
        "POST", "/fi/section/profile", {**section_answers(questionnaire.sections[0], 0), "csrf_token": token}
    )
    assert status == 302, status
    timings = {"floor": [], "page": [], "save": []}
    for i in range(rounds * per_round):
        status, _, elapsed = client.request("GET", "/_floor")
        assert status == 200
        timings["floor"].append(elapsed)
        status, _, elapsed = client.request("GET", f"/fi/section/{PAGE_SECTION}")
        assert status == 200
        timings["page"].append(elapsed)
        body = {**section_answers(section, i), "csrf_token": token}
        status, _, elapsed = client.request("POST", f"/fi/section/{PAGE_SECTION}", body)
        assert status == 302, status
        timings["save"].append(elapsed)
    return timings


def concurrent_saves(port, questionnaire, clients, total):
    """``clients`` browsers save sections at once until ``total`` saves; return what was acknowledged."""
    acknowledged = []  # (resume token, section, data) for every save answered with a redirect
    failures = []
    lock = threading.Lock()
    sections = questionnaire.sections

    def run(number):
        client = Client(port)
        token = client.csrf_token("/fi/section/profile")
        resume_token = None
        for i in range(total // clients):
            section = sections[i % len(sections)]
            data = section_answers(section, number + i)
            try:
                status, _, _ = client.request("POST", f"/fi/section/{section.id}", {**data, "csrf_token": token})
            except OSError as error:
                status = repr(error)
            if status == 302 and resume_token is None:
                # The first save created the assessment; its private link names it.
                resume_token = RESUME_LINK.search(client.request("GET", "/fi/saved")[1]).group(1)
            with lock:
                if status == 302:
                    acknowledged.append((resume_token, section, data))
                else:
                    failures.append(status)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return acknowledged, failures, time.perf_counter() - started


def verify(path, acknowledged):
    """Compare the database with the acknowledged saves; return the number of differences found."""
    db = database.connect(str(path))
    last = {(token, section.id): (section, data) for token, section, data in acknowledged}
    differences = 0
    expected_rows = 0
    for (token, section_id), (section, data) in last.items():
        assessment = records.find_assessment(db, database.hash_token(token))
        answers = records.load_answers(db, assessment.id)
        keys = {key for q in section.questions for key in q.answer_keys()}
        stored = {k: v for k, v in answers.choices.items() if k in keys}
        expected = expected_choices(section, data)
        expected_rows += sum(len(v) for v in expected.values())
        differences += stored != expected or section_id not in answers.saved_sections
    # Nothing more than what was acknowledged: no stray assessment, section or answer row.
    tokens = {token for token, _ in last}
    differences += db["assessments"].count != len(tokens)
    differences += db["saved_sections"].count != len(last)
    differences += db["answers"].count != expected_rows
    return differences, len(last)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results-survey.md"))
    args = parser.parse_args()

    questionnaire = load()
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        server = start_server(Path(scratch) / "latency.sqlite", port, args.workers)
        try:
            timings = measure_latency(port, questionnaire, args.rounds, args.per_round)
        finally:
            server.terminate()
            server.wait(timeout=30)
        # A database of its own, so that its rows can be counted against the acknowledged saves.
        saves_path = Path(scratch) / "saves.sqlite"
        server = start_server(saves_path, port, args.workers)
        try:
            acknowledged, failures, seconds = concurrent_saves(port, questionnaire, args.clients, args.saves)
        finally:
            server.terminate()
            server.wait(timeout=30)
        mismatches, checked = verify(saves_path, acknowledged)

    p50 = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    lines = [
        "# Survey benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/survey.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; gunicorn with {args.workers} sync workers on "
        "127.0.0.1, client on the same machine, one new connection per request, scratch database.",
        "",
        f"## Latency ({args.rounds * args.per_round} requests of each kind, alternating one by one)",
        "",
        "| request | p50 ms | p90 ms | p99 ms | p50 / floor p50 |",
        "|---|---|---|---|---|",
    ]
    labels = {
        "floor": "framework floor (`GET /_floor`)",
        "page": f"section page (`GET /fi/section/{PAGE_SECTION}`)",
        "save": f"section save (`POST /fi/section/{PAGE_SECTION}`, CSRF token)",
    }
    for name, values in timings.items():
        lines.append(
            f"| {labels[name]} | {p50[name]:.2f} | {percentile(values, 90) * 1000:.2f} | "
            f"{percentile(values, 99) * 1000:.2f} | {p50[name] / p50['floor']:.2f}× |"
        )
    target = "met" if p50["page"] <= 3 * p50["floor"] else "NOT met"
    lines += [
        "",
        f"Target: section page p50 within 3× the floor: **{target}** ({p50['page'] / p50['floor']:.2f}×).",
        "",
        "## Concurrent saves",
        "",
        f"{args.clients} clients saved {args.saves} sections in total ({len(acknowledged)} acknowledged with a redirect, "
        f"{len(failures)} failed) in {seconds:.1f} s. The database was then compared with the last acknowledged save "
        f"of each of the {checked} (client, section) pairs, and its row counts with what those saves imply "
        f"(assessments, saved sections, answer rows): **{mismatches} differences**.",
        "",
        f"Target: no save lost and no errors: **{'met' if not failures and not mismatches and len(acknowledged) == args.saves else 'NOT met'}**.",
        "",
    ]
    if failures:
        lines.append(f"Failures: {sorted(set(map(str, failures)))}")
    figures = [
        ("framework floor", p50["floor"], 1.0, ""),
        ("section page", p50["page"], p50["page"] / p50["floor"], "≤ 3× floor"),
        ("section save", p50["save"], p50["save"] / p50["floor"], ""),
    ]
    return write_report(lines, args.output, target == "met" and not failures and not mismatches, figures)


if __name__ == "__main__":
    sys.exit(main())
