"""Benchmark of peer releases: does the release model keep showing peers, and is a release fast?

Run from the repository root:  .venv/bin/python benchmarks/peers.py
Everything runs through the real store on scratch databases in a temporary folder (never the service's own):

1. A realistic year: 300 organisations in the sector's proportions (200 municipalities, 21 wellbeing services
   counties, 50 joint municipal authorities, 18 regional councils, 11 municipal companies) arrive on random
   days; 5 % of them answer a new round and 2 % delete their data later in the year; a release every week.
   Per group: the share of weeks it is shown (of the weeks since it first held the threshold), the median
   staleness of its figures (weeks since they were computed) and the share of its organisations they hold.
2. The 60-organisation case of the issue (30 municipalities, 8 wellbeing services counties, 10 joint
   authorities, 5 regional councils, 7 companies): the first release over all of them (as after the upgrade,
   `flask peers release` or the service's start), and the last of weekly releases with five arriving a week.
3. A release over 100,000 submitted assessments (synthetic, as in results.py): the first, every cell
   recomputed, and the next after 1,000 more organisations.
4. Design (b), differential privacy on counts, measured on the same group sizes: the error of one answer's
   share under the Laplace noise a yearly budget allows per weekly release.

Figures go to benchmarks/results-peers.md (and results-peers.json). Exits non-zero when a target is missed.
"""

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from results import populate  # noqa: E402
from results import random_choices  # noqa: E402

from readiness.core import peers  # noqa: E402
from readiness.core import scoring  # noqa: E402
from readiness.core.peers import ANY  # noqa: E402
from readiness.core.questionnaire import load  # noqa: E402
from readiness.core.releases import load_cells  # noqa: E402
from readiness.store import assessments  # noqa: E402
from readiness.store import database  # noqa: E402
from readiness.store import organisations  # noqa: E402
from readiness.store import releases  # noqa: E402

QUESTIONNAIRE = load()
MODEL = scoring.load(QUESTIONNAIRE)
RULE = partial(peers.round_contribution, QUESTIONNAIRE, MODEL)
CELLS = load_cells(QUESTIONNAIRE)
SECTIONS = [s.id for s in QUESTIONNAIRE.sections]
START = datetime(2027, 1, 4, 6, tzinfo=UTC)  # a Monday; a release is published each Monday morning

# Population bands of Finland's municipalities (Statistics Finland, 2024: about 107 under 5,000, 118 of
# 5,000–19,999 and 83 of 20,000 or more), as shares of 200; staff bands of joint authorities, assumed.
MUNICIPALITY_BANDS = [("under_5000", 35), ("5000_9999", 20), ("10000_19999", 18), ("20000_49999", 15)]
MUNICIPALITY_BANDS += [("50000_99999", 6), ("100000_199999", 4), ("200000_plus", 2)]
COUNTY_BANDS = [("100000_199999", 10), ("200000_plus", 6), ("50000_99999", 5)]
STAFF_BANDS = [("under_50", 20), ("50_249", 40), ("250_999", 25), ("1000_4999", 15)]
YEAR = {"kunta": 200, "hyvinvointialue": 21, "kuntayhtyma": 50, "maakuntaliitto": 18, "yritys": 11}
ISSUE_CASE = {"kunta": 30, "hyvinvointialue": 8, "kuntayhtyma": 10, "maakuntaliitto": 5, "yritys": 7}


def profile_of(org_type, rng):
    """A profile answer of this type, with a size band drawn in the sector's proportions."""
    if org_type in ("kunta", "hyvinvointialue"):
        bands = MUNICIPALITY_BANDS if org_type == "kunta" else COUNTY_BANDS
        return {"org_type": [org_type], "population": [rng.choices(*zip(*bands, strict=True))[0]]}
    return {"org_type": [org_type], "staff": [rng.choices(*zip(*STAFF_BANDS, strict=True))[0]]}


class Sector:
    """Organisations joining, answering new rounds and deleting, through the store, with releases on
    given dates."""

    def __init__(self, path, threshold, seed):
        self.db = database.connect(str(path))
        database.migrate(self.db)
        self.threshold, self.rng = threshold, random.Random(seed)
        self.lead, self.kind = {}, {}

    def _submit(self, assessment_id, choices):
        for section in QUESTIONNAIRE.sections[1:]:
            keys = [key for q in section.questions for key in q.answer_keys()]
            assessments.save_section(
                self.db, assessment_id, section.id, keys, {k: v for k, v in choices.items() if k in keys}, {}
            )
        assessments.submit(self.db, assessment_id, SECTIONS, RULE)

    def join(self, org_type):
        """A new organisation of this type answers everything at random and submits; return its id."""
        choices = random_choices(QUESTIONNAIRE, self.rng)
        # The random answers' own type and size give way to this type and a size of it.
        for key in ("population", "staff"):
            choices.pop(key, None)
        choices |= profile_of(org_type, self.rng)
        profile_keys = [key for q in QUESTIONNAIRE.section("profile").questions for key in q.answer_keys()]
        profile = {k: v for k, v in choices.items() if k in profile_keys}
        assessment_id = assessments.create_assessment(
            self.db,
            database.hash_token(secrets.token_urlsafe(32)),
            QUESTIONNAIRE.version,
            "profile",
            profile_keys,
            profile,
            {},
        )
        self._submit(assessment_id, choices)
        organisation = self.db.execute(
            "select organisation_id from assessments where id = ?", [assessment_id]
        ).fetchone()[0]
        self.lead[organisation], self.kind[organisation] = assessment_id, org_type
        return organisation

    def new_round(self, organisation):
        """The organisation's lead starts a new round and submits new answers (same profile)."""
        profile_keys = [key for q in QUESTIONNAIRE.section("profile").questions for key in q.answer_keys()]
        new_id = organisations.start_round(
            self.db,
            self.lead[organisation],
            database.hash_token(secrets.token_urlsafe(32)),
            QUESTIONNAIRE.version,
            "profile",
            profile_keys,
        )
        self._submit(new_id, random_choices(QUESTIONNAIRE, self.rng))
        self.lead[organisation] = new_id

    def delete(self, organisation):
        assessments.delete_organisation(self.db, organisation, RULE)
        del self.lead[organisation], self.kind[organisation]

    def release(self, when):
        return releases.publish_release(self.db, CELLS, self.threshold, now=when.isoformat(timespec="seconds"))

    def members(self):
        """{group key: organisations that count now} for every cell, type and everyone."""
        found = {}
        for member in releases.release_members(self.db):
            cell = CELLS.cell_of(member.group)
            if cell is None:
                continue
            for key in dict.fromkeys((cell, (cell[0], ANY), (ANY, ANY))):
                found[key] = found.get(key, 0) + 1
        return found

    def shown(self):
        """{group key: (organisations, date its figures were computed for)} of the latest release."""
        return {
            (g.org_type, g.size_band): (g.organisations, g.as_of_published_at)
            for g in releases.latest_group_sources(self.db)
        }


def year(path, threshold, seed):
    """Simulate a year with weekly releases; return per-group weekly observations and the events done."""
    rng = random.Random(seed)
    sector = Sector(path, threshold, seed)
    arrivals = sorted((rng.uniform(0, 52 * 7), org_type) for org_type, n in YEAR.items() for _ in range(n))
    total = len(arrivals)
    # 5 % new rounds and 2 % deletions, each on a random later day of the year.
    rounds = sorted(rng.uniform(14, 52 * 7) for _ in range(round(0.05 * total)))
    deletions = sorted(rng.uniform(14, 52 * 7) for _ in range(round(0.02 * total)))
    events = sorted([(day, "join", t) for day, t in arrivals] + [(d, "round", None) for d in rounds])
    events = sorted(events + [(d, "delete", None) for d in deletions], key=lambda e: e[0])
    observed, done = [], {"join": 0, "round": 0, "delete": 0}
    position = 0
    for week in range(1, 53):
        while position < len(events) and events[position][0] < week * 7:
            _, kind, org_type = events[position]
            position += 1
            if kind == "join":
                sector.join(org_type)
            elif sector.lead:
                organisation = rng.choice(sorted(sector.lead))
                sector.new_round(organisation) if kind == "round" else sector.delete(organisation)
            else:
                continue
            done[kind] += 1
        when = START + timedelta(weeks=week - 1)
        sector.release(when)
        observed.append((week, when, sector.members(), sector.shown()))
    sector.db.conn.close()
    return observed, done


def week_of(iso):
    return (datetime.fromisoformat(iso) - START).days // 7 + 1


def group_name(key):
    org_type, cell = key
    if org_type == ANY:
        return "everyone"
    return org_type if cell == ANY else f"{org_type} · {cell}"


def summarise(observed, threshold):
    """Per group: weeks since it first held the threshold, the share of them shown, median staleness and
    the median share of its organisations the shown figures hold."""
    keys = sorted({key for _, _, members, _ in observed for key in members}, key=lambda k: (k[0] != ANY, k))
    rows = []
    for key in keys:
        eligible = [(week, members, shown) for week, _, members, shown in observed if members.get(key, 0) >= threshold]
        shown = [(week, members[key], shown[key]) for week, members, shown in eligible if key in shown]
        staleness = [week - week_of(as_of) for week, _, (_, as_of) in shown]
        coverage = [n / present for _, present, (n, _) in shown]
        rows.append(
            {
                "group": group_name(key),
                "final": observed[-1][2].get(key, 0),
                "eligible_weeks": len(eligible),
                "shown_share": len(shown) / len(eligible) if eligible else None,
                "median_staleness_weeks": statistics.median(staleness) if staleness else None,
                "median_coverage": statistics.median(coverage) if coverage else None,
                "shown_final": observed[-1][3].get(key, (0, None))[0],
            }
        )
    return rows


def types_shown_after_2k(observed, threshold):
    """Whether every type is shown in every release after it first holds 2 × threshold organisations."""
    failures = []
    for org_type in YEAR:
        reached = False
        for week, _, members, shown in observed:
            reached = reached or members.get((org_type, ANY), 0) >= 2 * threshold
            if reached and (org_type, ANY) not in shown:
                failures.append((org_type, week))
    return failures


def issue_case(path, threshold, seed, spread):
    """The 60 organisations of the issue: all before the first release, or five arriving a week."""
    rng = random.Random(seed)
    sector = Sector(path, threshold, seed)
    arrivals = [org_type for org_type, n in ISSUE_CASE.items() for _ in range(n)]
    rng.shuffle(arrivals)
    week = 0
    for number, org_type in enumerate(arrivals, start=1):
        sector.join(org_type)
        if spread and number % 5 == 0:
            week += 1
            sector.release(START + timedelta(weeks=week))
    if not spread:
        sector.release(START)
    shown = sector.shown()
    sector.db.conn.close()
    return {group_name(key): n for key, (n, _) in shown.items()}


def release_speed(folder, count):
    """Time the first release over ``count`` synthetic assessments and the next after 1,000 more: wall time
    and the process's CPU time (the machine may be shared)."""
    path = folder / f"peers-{count}.sqlite"
    populate(path, count, QUESTIONNAIRE, release=False)
    db = database.connect(str(path))
    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    first = releases.publish_release(db, CELLS, 5)
    first_seconds, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    sector = Sector(path, 5, 7)
    for org_type in random.Random(7).choices(list(YEAR), list(YEAR.values()), k=1000):
        sector.join(org_type)
    started, cpu = time.perf_counter(), time.process_time()
    releases.publish_release(db, CELLS, 5)
    next_seconds, next_cpu = time.perf_counter() - started, time.process_time() - cpu
    members = len(releases.release_members(db))
    db.conn.close()
    sector.db.conn.close()
    return {
        "assessments": count,
        "first_s": first_seconds,
        "next_s": next_seconds,
        "first_cpu_s": first_cpu,
        "next_cpu_s": next_cpu,
        "load": load_before,
        "members": members,
        "organisations_in_first": first.release.organisations,
    }


def differential_privacy(sizes, epsilons_per_year, releases_per_year=52, seed=2024):
    """Design (b): the error of one answer's share (percentage points) in a group of each size, with Laplace
    noise on the counts at the budget a yearly epsilon leaves each weekly release (basic composition). One
    organisation changes a release's counts by its number of chosen options plus its six dimension scores
    and its own count (L1 sensitivity), measured on synthetic answers."""
    rng = random.Random(seed)
    sensitivity = statistics.mean(
        sum(
            len(v)
            for v in peers.contribution(QUESTIONNAIRE, MODEL, random_choices(QUESTIONNAIRE, rng)).choices.values()
        )
        + len(MODEL.dimensions)
        + 1
        for _ in range(200)
    )
    noise = np.random.default_rng(seed)
    rows = []
    for epsilon_year in epsilons_per_year:
        scale = sensitivity / (epsilon_year / releases_per_year)
        draws = np.abs(noise.laplace(0, scale, 20000))
        for size in sizes:
            rows.append(
                {
                    "epsilon_per_year": epsilon_year,
                    "group": size,
                    "median_error_pp": float(np.median(draws) / size * 100),
                }
            )
    return sensitivity, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minimum", type=int, default=5, help="READINESS_PEER_MINIMUM (k)")
    parser.add_argument("--assessments", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    k = args.minimum
    results = {}
    with tempfile.TemporaryDirectory(prefix="readiness-peers-") as folder:
        folder = Path(folder)
        started = time.perf_counter()
        for coalition in (0, 2):
            observed, done = year(folder / f"year-{coalition}.sqlite", k + coalition, args.seed)
            results[f"year_c{coalition}"] = {
                "rows": summarise(observed, k + coalition),
                "done": done,
                "type_failures": types_shown_after_2k(observed, k + coalition),
            }
        for coalition in (0, 2):
            for spread in (False, True):
                name = f"issue_c{coalition}_{'weekly' if spread else 'first'}"
                results[name] = issue_case(folder / f"{name}.sqlite", k + coalition, args.seed, spread)
        simulation_seconds = time.perf_counter() - started
        results["speed"] = release_speed(folder, args.assessments)
    sensitivity, dp_rows = differential_privacy([5, 8, 10, 30, 60, 200], [1, 10])
    results["dp"] = {"sensitivity": sensitivity, "rows": dp_rows}

    first = results["issue_c0_first"]
    municipalities = first.get("kunta", 0)
    targets = {
        "types shown after 2k (year, k)": not results["year_c0"]["type_failures"],
        "60 case: ≥ 24 municipalities": municipalities >= 24,
        "60 case: wellbeing services counties shown": "hyvinvointialue" in first,
        "60 case: ≥ 48 in everyone": first.get("everyone", 0) >= 48,
        "release of 100,000 < 2 s, CPU time (the release's own work)": results["speed"]["first_cpu_s"] < 2,
        "release of 100,000 < 2 s, wall time (on this shared machine)": results["speed"]["first_s"] < 2,
    }
    write(results, targets, k, simulation_seconds)
    return 0 if all(targets.values()) else 1


def fmt(value, pattern="{:.0%}"):
    return "–" if value is None else pattern.format(value)


def write(results, targets, k, simulation_seconds):
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Peer releases: alive, and fast",
        "",
        f"Measured {stamp} by `benchmarks/peers.py` on {platform.machine()}, Python {platform.python_version()}; "
        f"READINESS_PEER_MINIMUM k = {k}; every step through the real store on scratch SQLite databases "
        f"(the simulations took {simulation_seconds:.0f} s).",
        "",
        "## Targets",
        "",
        "| target | met |",
        "|---|---|",
        *[f"| {name} | {'yes' if met else '**no**'} |" for name, met in targets.items()],
        "",
    ]
    for coalition in (0, 2):
        year = results[f"year_c{coalition}"]
        threshold = k + coalition
        lines += [
            f"## A year, threshold {threshold} (k = {k}, coalition {coalition})",
            "",
            f"300 organisations arriving on random days; {year['done']['round']} new rounds and "
            f"{year['done']['delete']} deletions on random later days; 52 weekly releases. Shown share: of the weeks "
            f"since the group first held {threshold} organisations. Staleness: weeks since the shown figures were "
            "computed (0 = this week's; a type's or everyone's is that of its oldest class). Coverage: the share of "
            "the group's organisations the shown figures hold.",
            "",
            "| group | organisations at the end | weeks with ≥ threshold | shown share | median staleness (weeks) | median coverage | shown at the end |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in year["rows"]:
            lines.append(
                f"| {row['group']} | {row['final']} | {row['eligible_weeks']} | {fmt(row['shown_share'])} | "
                f"{fmt(row['median_staleness_weeks'], '{:g}')} | {fmt(row['median_coverage'])} | {row['shown_final']} |"
            )
        failures = year["type_failures"]
        lines += [
            "",
            "Every type shown in every release after it first held 2 × threshold organisations: "
            + ("**yes**." if not failures else f"**no**: {failures[:5]}"),
            "",
        ]
    lines += ["## The 60-organisation case of the issue", ""]
    lines += ["| release | threshold | " + " | ".join(["everyone", *ISSUE_CASE]) + " |", "|---|---|" + "---|" * 6]
    for coalition in (0, 2):
        for spread, label in (
            (False, "first release over all 60"),
            (True, "last of 12 weekly releases, 5 arriving a week"),
        ):
            shown = results[f"issue_c{coalition}_{'weekly' if spread else 'first'}"]
            cells = [str(shown.get(name, "withheld")) for name in ["everyone", *ISSUE_CASE]]
            lines.append(f"| {label} | {k + coalition} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Of 30 municipalities, 8 wellbeing services counties, 10 joint authorities, 5 regional councils and 7 "
        'companies. A type\'s figure is the sum of its size classes shown; "withheld" means no class of it is '
        "shown. With arrivals spread over weeks a class shows the last version the auditor allowed: up to k − 1 "
        "newer members of each class wait for more.",
        "",
        "## Speed",
        "",
    ]
    speed = results["speed"]
    lines += [
        f"A release over {speed['assessments']:,} synthetic submitted assessments (one organisation each): "
        f"**{speed['first_s']:.2f} s** wall, {speed['first_cpu_s']:.2f} s CPU for the first (every class "
        f"recomputed; {speed['organisations_in_first']:,} organisations in its figures); {speed['next_s']:.2f} s "
        f"wall, {speed['next_cpu_s']:.2f} s CPU for the next, after 1,000 more organisations "
        f"({speed['members']:,} members; every class recomputed again). Target: under 2 s. The machine's load "
        f"average was {speed['load']:.1f} on {os.cpu_count()} cores when the release began (other jobs were "
        "running): wall time includes waiting for a core, CPU time is the release's own work.",
        "",
        "## Design (b), differential privacy on counts, on the same groups",
        "",
        f"One organisation changes a release's counts by {results['dp']['sensitivity']:.0f} on average (its chosen "
        "options, its six scores, its own count: the L1 sensitivity). With Laplace noise at the budget a yearly "
        "ε leaves each of 52 weekly releases (basic composition), the median error of one answer's share:",
        "",
        "| ε per year | group of 5 | 8 | 10 | 30 | 60 | 200 |",
        "|---|---|---|---|---|---|---|",
    ]
    for epsilon in sorted({row["epsilon_per_year"] for row in results["dp"]["rows"]}):
        errors = [row["median_error_pp"] for row in results["dp"]["rows"] if row["epsilon_per_year"] == epsilon]
        lines.append(f"| {epsilon} | " + " | ".join(f"{e:,.0f} pp" for e in errors) + " |")
    lines += [
        "",
        "A share is 0–100 percentage points: noise this large shows nothing, while design (a) shows exact figures "
        "(see docs/privacy.md for the choice).",
        "",
    ]
    (ROOT / "benchmarks" / "results-peers.md").write_text("\n".join(lines))
    (ROOT / "benchmarks" / "results-peers.json").write_text(
        json.dumps({"targets": targets, **results}, indent=1, default=str)
    )
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
