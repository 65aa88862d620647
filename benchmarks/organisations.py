"""Benchmark of the organisation page (20 respondents) and the peers page, with 100,000 assessments.

Run from the repository root:  .venv/bin/python benchmarks/organisations.py
A scratch database (in a temporary folder, never the service's own) gets 100,000 synthetic submitted
assessments, one organisation each, and one organisation with 20 respondents who joined through invite
links and submitted through the real storage functions. gunicorn serves it on 127.0.0.1; requests
alternate one by one between the framework floor and the pages. "Reused" is a repeat request for
unchanged data; "rebuilt" follows a change to the published aggregates, so the page is computed again.
Figures go to benchmarks/results-organisations.md; compare ratios within one run.
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

from results import PROBE_TOKEN  # noqa: E402
from results import populate  # noqa: E402
from results import random_choices  # noqa: E402
from survey import Client  # noqa: E402
from survey import free_port  # noqa: E402
from survey import percentile  # noqa: E402
from survey import start_server  # noqa: E402
from survey import write_report  # noqa: E402

from readiness.core.questionnaire import load  # noqa: E402
from readiness.store import assessments  # noqa: E402
from readiness.store import database  # noqa: E402
from readiness.store import organisations  # noqa: E402
from readiness.store import records  # noqa: E402
from tests.conftest import peer_rule  # noqa: E402

PAGES = {"organisation": "/fi/organisation", "peers": "/fi/peers"}


def add_respondents(path, questionnaire, count, seed=7):
    """Invite ``count - 1`` respondents to the probe's organisation; each answers at random and submits."""
    db = database.connect(str(path))
    rng = random.Random(seed)
    lead = records.find_assessment(db, database.hash_token(PROBE_TOKEN))
    for number in range(1, count):
        invite = f"invite-{number}"
        organisations.create_invite(db, lead.id, database.hash_token(invite), "other")
        assessment_id = organisations.join_by_invite(
            db,
            database.hash_token(invite),
            database.hash_token(f"respondent-{number}"),
            questionnaire.version,
            "profile",
            [],
            "role",
        )
        choices = random_choices(questionnaire, rng)
        choices["org_type"], choices["population"] = ["kunta"], ["10000_19999"]
        for section in questionnaire.sections:
            keys = [key for q in section.questions for key in q.answer_keys()]
            section_choices = {k: v for k, v in choices.items() if k in keys}
            assessments.save_section(db, assessment_id, section.id, keys, section_choices, {})
        assessments.submit(db, assessment_id, [s.id for s in questionnaire.sections], peer_rule())
    respondents = db.execute(
        "select count(*) from assessments where organisation_id = ?", [lead.organisation_id]
    ).fetchone()[0]
    db.conn.close()
    return respondents


def measure(path, workers, requests):
    """Time the floor and each page, reused and rebuilt, alternating request by request."""
    port = free_port()
    server = start_server(path, port, workers)
    db = database.connect(str(path))
    try:
        client = Client(port)
        assert client.open_assessment(PROBE_TOKEN) == 302
        timings = {"floor": []} | {f"{page} {kind}": [] for page in PAGES for kind in ("reused", "rebuilt")}
        for kind in ("reused", "rebuilt"):
            for _ in range(requests):
                timings["floor"].append(client.request("GET", "/_floor")[2])
                for page, url in PAGES.items():
                    if kind == "rebuilt":
                        with database.write_transaction(db):
                            db.execute("update revisions set value = value + 1 where name = 'results'")
                    status, text, elapsed = client.request("GET", url)
                    assert status == 200, (url, status)
                    timings[f"{page} {kind}"].append(elapsed)
        # What the pages showed, so that the figures are known to be of full pages.
        organisation = client.request("GET", PAGES["organisation"])[1]
        peers = client.request("GET", PAGES["peers"])[1]
        compared = organisation.split('class="data-table data-table--compare"', 2)[1].split("</thead>", 1)[0]
        # Columns: the question, one per respondent, the combined answer, the agreement.
        return timings, compared.count('scope="col"') - 3, "data-table__number" in peers
    finally:
        server.terminate()
        server.wait(timeout=30)
        db.conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=100_000)
    parser.add_argument("--respondents", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results-organisations.md"))
    args = parser.parse_args()

    questionnaire = load()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "organisations.sqlite"
        started = time.perf_counter()
        populate(path, args.assessments, questionnaire)
        respondents = add_respondents(path, questionnaire, args.respondents)
        print(f"database generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        timings, respondent_columns, ranked = measure(path, args.workers, args.requests)

    p50 = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    floor = p50["floor"]
    lines = [
        "# Organisation and peers pages benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/organisations.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; gunicorn with {args.workers} sync workers on "
        f"127.0.0.1, client on the same machine, {args.requests} requests of each kind, alternating one by one with "
        f"the floor. Scratch database: {args.assessments:,} synthetic submitted assessments (one organisation each) "
        f"and one organisation with {respondents} respondents, all submitted; the organisation page showed "
        f"{respondent_columns} respondent columns{' and the peers page a ranking' if ranked else ''}.",
        "",
        "| request | p50 ms | × floor | p99 ms |",
        "|---|---|---|---|",
        f"| framework floor | {floor:.2f} | 1.00× | {percentile(timings['floor'], 99) * 1000:.2f} |",
    ]
    for name, values in timings.items():
        if name != "floor":
            lines.append(
                f"| {name} | {p50[name]:.2f} | {p50[name] / floor:.2f}× | {percentile(values, 99) * 1000:.2f} |"
            )
    ratios = {page: p50[f"{page} reused"] / floor for page in PAGES}
    met = all(ratio <= 3 for ratio in ratios.values())
    lines += [
        "",
        f"Targets: the organisation page ({respondents} respondents) and the peers page with {args.assessments:,} "
        f"assessments within 3× the floor at p50: {ratios['organisation']:.2f}× and {ratios['peers']:.2f}× "
        f"(reused): **{'met' if met else 'NOT met'}**.",
        "",
        "Reused: the page's content is rendered once per change of the published peer aggregates, the reference "
        "figures or the organisation's submitted answers, then reused (the page shell, with the viewer's own "
        "links and form tokens, is rendered per request). Rebuilt: every request preceded by such a change, so "
        "every respondent's answers are read, combined, scored and laid out again.",
        "",
    ]
    figures = [
        (f"{page} page at {args.assessments:,}, {kind}", p50[f"{page} {kind}"], p50[f"{page} {kind}"] / floor, target)
        for page in PAGES
        for kind, target in (("reused", "≤ 3× floor"), ("rebuilt", ""))
    ]
    return write_report(lines, args.output, met, figures)


if __name__ == "__main__":
    sys.exit(main())
