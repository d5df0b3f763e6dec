"""Every benchmark in one run: a JSON report and a Markdown table (``make bench``).

    .venv/bin/python bench/run.py [--smoke] [--only NAME ...] [--output DIR]

Each module in ``MODULES`` measures at its ``FULL`` sizes (``--smoke``: its tiny ``SMOKE``
sizes, which ``make test`` runs so that no benchmark rots) and returns figures; its ``rows()``
turn them into lines of the table, with target and verdict. The report goes to
``bench/report.json`` and ``bench/report.md`` (``--smoke``: a temporary folder, so that the
last real report stays). A full run takes about ten minutes on two cores, half of it the
worker memory run's 20,000 requests.

A smoke run fails when a benchmark raises or when its figures break a correctness check
(``check()``: in the HTTP load test, every acknowledged answer must be in the review log).
Speed targets are reported, never enforced: timings belong in benchmarks, not in tests.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import table

HERE = Path(__file__).resolve().parent
#: In the order of the report.
MODULES = (
    "review_vs_anki",
    "due_queue",
    "http_load",
    "import_during_reviews",
    "extract_import",
    "import_jobs",
    "export_apkg",
    "review_step",
    "switch_scheduler",
    "anki_round_trip",
    "stats_page",
    "memory",
)


def run(names: tuple[str, ...], *, smoke: bool) -> tuple[dict[str, Any], list[Any], list[str]]:
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "smoke": smoke,
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
        "benchmarks": {},
    }
    rows: list[Any] = []
    problems: list[str] = []
    for name in names:
        module = importlib.import_module(name)
        sizes = module.SMOKE if smoke else module.FULL
        print(f"… {name} {sizes}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        figures = module.measure(**sizes)
        report["benchmarks"][module.NAME] = {
            "sizes": {k: list(v) if isinstance(v, tuple) else v for k, v in sizes.items()},
            "seconds": round(time.perf_counter() - started, 1),
            "figures": figures,
        }
        rows += module.rows(figures)
        problems += [f"{name}: {problem}" for problem in getattr(module, "check", _none)(figures)]
    return report, rows, problems


def _none(_figures: dict[str, Any]) -> list[str]:
    return []


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="Tiny sizes: does it all run?")
    parser.add_argument("--only", nargs="+", choices=MODULES, help="Just these benchmarks.")
    parser.add_argument("--output", type=Path, help="Folder for report.json and report.md.")
    args = parser.parse_args()
    output = args.output or (Path(tempfile.mkdtemp(prefix="bench-")) if args.smoke else HERE)
    output.mkdir(parents=True, exist_ok=True)

    report, rows, problems = run(tuple(args.only or MODULES), smoke=args.smoke)
    markdown = table(rows)
    (output / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (output / "report.md").write_text(
        f"Benchmarks of {report['started']} (`make bench`; Python "
        f"{report['machine']['python']}, {report['machine']['cpus']} CPUs)\n\n{markdown}\n",
        encoding="utf-8",
    )
    print(markdown)
    print(f"\nReport: {output / 'report.json'} and {output / 'report.md'}")
    if problems:
        print("\n".join(["", "Broken:", *problems]), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
