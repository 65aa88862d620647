"""Benchmark of the results page with 1,000 and 100,000 submitted assessments in scratch databases.

Run from the repository root:  .venv/bin/python benchmarks/results.py
Synthetic assessments are generated into databases in a temporary folder (never the service's own), the
app is served by gunicorn on 127.0.0.1, and the results page of one assessment is timed against the
framework floor, alternating request by request: as a first view (a new organisation submits, then opens
its results), as reused (the page of an unchanged assessment) and as
rebuilt (every request preceded by a change of the results revision, as a peer release makes, so nothing can be reused). Figures go
to benchmarks/results-results.md; compare ratios within one run.
"""

import argparse
import os
import platform
import random
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
from survey import percentile  # noqa: E402
from survey import section_answers  # noqa: E402
from survey import start_server  # noqa: E402
from survey import write_report  # noqa: E402

from readiness.core import peers  # noqa: E402
from readiness.core import scoring  # noqa: E402
from readiness.core.questionnaire import load  # noqa: E402
from readiness.core.releases import load_cells  # noqa: E402
from readiness.store import assessments  # noqa: E402
from readiness.store import database  # noqa: E402
from readiness.store import releases  # noqa: E402
from tests.conftest import peer_rule  # noqa: E402

ORG_TYPES = (
    ("kunta", 70),
    ("kuntayhtyma", 12),
    ("hyvinvointialue", 8),
    ("maakuntaliitto", 5),
    ("yritys", 3),
    ("muu", 2),
)
PROBE_TOKEN = "b" * 43


def random_choices(questionnaire, rng):
    """Return one synthetic assessment's choices: valid answers picked at random, as stored."""
    choices = {}
    org_type = rng.choices([t for t, _ in ORG_TYPES], [w for _, w in ORG_TYPES])[0]
    for question in questionnaire.questions():
        if question.type == "text":
            continue
        if question.id == "org_type":
            choices["org_type"] = [org_type]
            continue
        if question.required_if and org_type not in question.required_if.options:
            continue
        options = [o.id for o in question.options]
        if question.type == "multiple":
            ordinary = [o for o in options if o not in question.exclusive]
            limit = min(question.max_choices or 3, 3)
            choices[question.id] = rng.sample(ordinary, rng.randint(1, limit))
        else:
            for key in question.answer_keys():
                choices[key] = [rng.choice(options)]
    return choices


def populate(path, count, questionnaire, seed=2024, release=True):
    """Write ``count`` submitted synthetic assessments into a new database, with their organisations'
    contributions to peers, and publish a first peer release (unless ``release`` is false)."""
    db = database.connect(str(path))
    database.migrate(db)
    model = scoring.load(questionnaire)
    rng = random.Random(seed)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows, answers, saved, scores = [], [], [], []
    contributions = []
    for number in range(1, count + 1):
        choices = random_choices(questionnaire, rng)
        org_type, size_band = peers.group_key(questionnaire, choices)
        # A lone respondent's contribution to peers is its own answers (core.peers.contribution).
        contributions.append((number, 1, [number], peers.contribution(questionnaire, model, choices)))
        rows.append(
            (number, f"synthetic-{number}", questionnaire.version, "submitted", now, now, now, org_type, size_band)
            + (number, 1, 1, 1)
        )
        answers.extend((number, key, option) for key, options in choices.items() for option in options)
        saved.extend((number, section.id, now) for section in questionnaire.sections)
        for result in scoring.score(model, questionnaire, choices):
            if result.value is not None:
                scores.append((number, result.dimension.id, result.value, org_type, size_band))
    with database.write_transaction(db):
        # One organisation per synthetic assessment, counted for peers, as a lone respondent's would be.
        db.conn.executemany(
            "insert into organisations (id, created_at, revision) values (?, ?, 0)", [(a[0], now) for a in rows]
        )
        db.conn.executemany(
            "insert into assessments (id, token_hash, questionnaire_version, status, created_at, updated_at, submitted_at, "
            "org_type, size_band, organisation_id, round, lead, counted) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.conn.executemany("insert into answers (assessment_id, question_id, option_id) values (?, ?, ?)", answers)
        db.conn.executemany("insert into saved_sections (assessment_id, section_id, saved_at) values (?, ?, ?)", saved)
        db.conn.executemany(
            "insert into assessment_scores (assessment_id, dimension, value, org_type, size_band) values (?, ?, ?, ?, ?)",
            scores,
        )
        releases.store_contributions(db, contributions)
    if release:
        releases.publish_release(db, load_cells(questionnaire), 5)
    # The assessment whose page is timed goes through the real submission, like any respondent's.
    probe = random_choices(questionnaire, random.Random(seed + 1))
    probe["org_type"], probe["population"] = ["kunta"], ["10000_19999"]
    probe_id = None
    for section in questionnaire.sections:
        keys = [key for q in section.questions for key in q.answer_keys()]
        section_choices = {k: v for k, v in probe.items() if k in keys}
        if probe_id is None:
            probe_id = assessments.create_assessment(
                db, database.hash_token(PROBE_TOKEN), questionnaire.version, section.id, keys, section_choices, {}
            )
        else:
            assessments.save_section(db, probe_id, section.id, keys, section_choices, {})
    assessments.submit(db, probe_id, [s.id for s in questionnaire.sections], peer_rule())
    if release:
        releases.publish_release(db, load_cells(questionnaire), 5)
    db.conn.close()
    return len(answers)


def submit_new(port, questionnaire, variant):
    """Answer every section as a new browser and submit; return the browser and the submission's seconds."""
    client = Client(port)
    token = client.csrf_token("/fi/section/profile")
    for section in questionnaire.sections:
        status = client.request(
            "POST", f"/fi/section/{section.id}", {**section_answers(section, variant), "csrf_token": token}
        )[0]
        assert status == 302, (section.id, status)
    status, _, elapsed = client.request("POST", "/fi/submit", {"csrf_token": client.csrf_token("/fi/check")})
    assert status == 302, status
    return client, elapsed


def measure(paths, workers, requests, questionnaire):
    """Time the floor and the results page, reused and rebuilt, on every database at once.

    One server per database; requests alternate between the servers and kinds one by one, so that the
    machine's noise falls on every size alike and the sizes can be compared within the run.
    """
    servers, clients, dbs = {}, {}, {}
    try:
        for size, path in paths.items():
            port = free_port()
            servers[size] = start_server(path, port, workers)
            clients[size] = Client(port)
            dbs[size] = database.connect(str(path))
            status = clients[size].open_assessment(PROBE_TOKEN)
            assert status == 302, status
        timings = {size: {"floor": [], "reused": [], "rebuilt": [], "submit": [], "first": []} for size in paths}
        for kind in ("reused", "rebuilt", "first"):
            for number in range(requests):
                for size, client in clients.items():
                    timings[size]["floor"].append(client.request("GET", "/_floor")[2])
                    if kind == "first":
                        # A new organisation submits; its first view of the results is what is timed.
                        newcomer, submitted_in = submit_new(client.port, questionnaire, number)
                        timings[size]["submit"].append(submitted_in)
                        status, _, elapsed = newcomer.request("GET", "/fi/results")
                        assert status == 200, status
                        timings[size]["first"].append(elapsed)
                        continue
                    if kind == "rebuilt":
                        with database.write_transaction(dbs[size]):
                            dbs[size].execute("update revisions set value = value + 1 where name = 'results'")
                    status, _, elapsed = client.request("GET", "/fi/results")
                    assert status == 200, status
                    timings[size][kind].append(elapsed)
        return timings
    finally:
        for size in servers:
            servers[size].terminate()
            servers[size].wait(timeout=30)
        for db in dbs.values():
            db.conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results-results.md"))
    args = parser.parse_args()

    questionnaire = load()
    rows = {}
    with tempfile.TemporaryDirectory() as scratch:
        paths = {size: Path(scratch) / f"results-{size}.sqlite" for size in args.sizes}
        generated = {}
        for size, path in paths.items():
            started = time.perf_counter()
            generated[size] = populate(path, size, questionnaire)
            print(f"{size} assessments generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        timings = measure(paths, args.workers, args.requests, questionnaire)
        for size, path in paths.items():
            rows[size] = (timings[size], generated[size], None, path.stat().st_size)

    smallest, largest = min(rows), max(rows)
    p50 = {size: {k: statistics.median(v) * 1000 for k, v in timings.items()} for size, (timings, *_) in rows.items()}
    lines = [
        "# Results page benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/results.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; gunicorn with {args.workers} sync workers on "
        f"127.0.0.1 (one server per database), client on the same machine, {args.requests} requests of each kind per "
        "database, alternating request by request between the databases and with the floor. Synthetic assessments in "
        "scratch databases.",
        "",
        "| submitted assessments | answer rows | database MB | floor p50 ms | first view p50 ms (× floor) | reused p50 ms (× floor) | rebuilt p50 ms (× floor) | rebuilt p99 ms | submission p50 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size, (timings, answer_rows, _, db_bytes) in sorted(rows.items()):
        q = p50[size]
        lines.append(
            f"| {size:,} | {answer_rows:,} | {db_bytes / 1e6:.0f} | {q['floor']:.2f} | {q['first']:.2f} ({q['first'] / q['floor']:.2f}×) | "
            f"{q['reused']:.2f} ({q['reused'] / q['floor']:.2f}×) | "
            f"{q['rebuilt']:.2f} ({q['rebuilt'] / q['floor']:.2f}×) | {percentile(timings['rebuilt'], 99) * 1000:.2f} | "
            f"{q['submit']:.2f} |"
        )
    reused_ratio = p50[largest]["reused"] / p50[largest]["floor"]
    growth_reused = p50[largest]["reused"] / p50[smallest]["reused"]
    growth_rebuilt = p50[largest]["rebuilt"] / p50[smallest]["rebuilt"]
    first_ratio = p50[largest]["first"] / p50[largest]["floor"]
    met = reused_ratio <= 3 and first_ratio <= 5 and growth_reused <= 1.5 and growth_rebuilt <= 1.5
    lines += [
        "",
        f"At {largest:,} assessments the first view of a results page, right after its submission, is "
        f"{first_ratio:.2f}× the floor (target: within 5×); a page seen before is "
        f"{reused_ratio:.2f}× the floor (target: within 3×); "
        f"its p50 is {growth_reused:.2f}× its own at {smallest:,} as reused and {growth_rebuilt:.2f}× as rebuilt "
        f"(target: within 1.5×): **{'met' if met else 'NOT met'}**.",
        "",
        "First view: a new organisation answers every section and submits (the submission's time is in the last "
        "column; it builds the page for every worker), then opens its results, on whichever worker answers. "
        "Reused: the page of an assessment whose peer aggregates and reference figures have not changed since it was "
        "last shown (the common case; the page shell, with the browser's own form token, is still rendered per "
        "request). Rebuilt: every request preceded by a change to the aggregates, so scores, peer comparisons, "
        "charts and tables are all computed again; no request reads raw answers of other organisations.",
        "",
    ]
    figures = [
        (f"results page at {size:,} assessments, {kind}", p50[size][kind], p50[size][kind] / p50[size]["floor"], target)
        for size in sorted(p50)
        for kind, target in (
            ("first", "≤ 5× floor" if size == largest else ""),
            ("reused", "≤ 3× floor" if size == largest else ""),
            ("rebuilt", ""),
            ("submit", ""),
        )
    ] + [(f"results page growth {smallest:,} → {largest:,}, reused", None, growth_reused, "≤ 1.5×")]
    return write_report(lines, args.output, met, figures)


if __name__ == "__main__":
    sys.exit(main())
