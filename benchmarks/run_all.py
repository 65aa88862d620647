"""Run every benchmark of the project, one after another, and write one table of their main figures.

Run from the repository root:  .venv/bin/python benchmarks/run_all.py   (about 20 minutes)
Each script measures its own framework floor in the same run as its pages, so every ratio compares
requests measured together; the table says which script measured what. Figures go to benchmarks/results.md,
and each script's full report to its own results-*.md.
"""

import json
import platform
import subprocess
import sys
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("survey", "results", "downloads", "report", "organisations", "console", "load")


def main():
    rows, outcomes = [], []
    for name in SCRIPTS:
        started = time.perf_counter()
        finished = subprocess.run([sys.executable, str(HERE / f"{name}.py")], cwd=HERE.parent, check=False)
        seconds = time.perf_counter() - started
        report = HERE / f"results-{name}.json"
        figures = json.loads(report.read_text()) if report.exists() else {"met": False, "figures": []}
        outcomes.append((name, finished.returncode == 0 and figures["met"], seconds))
        rows += [(name, figure) for figure in figures["figures"]]

    lines = [
        "# All benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/run_all.py` on {platform.machine()}, "
        f"Python {platform.python_version()}. Each ratio is to the framework floor measured by the same script "
        "in the same run; the full reports are in the results-*.md files beside this one.",
        "",
        "| script | measure | p50 ms | × floor | target |",
        "|---|---|---|---|---|",
    ]
    for name, figure in rows:
        p50 = "–" if figure["p50_ms"] is None else f"{figure['p50_ms']:.2f}"
        ratio = "–" if figure["x_floor"] is None else f"{figure['x_floor']:.2f}×"
        lines.append(f"| {name} | {figure['measure']} | {p50} | {ratio} | {figure['target']} |")
    lines += ["", "| script | targets | seconds |", "|---|---|---|"]
    lines += [f"| {name} | {'met' if met else '**NOT met**'} | {seconds:.0f} |" for name, met, seconds in outcomes]
    lines.append("")
    (HERE / "results.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0 if all(met for _, met, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
