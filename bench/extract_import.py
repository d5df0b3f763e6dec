"""Benchmark: extract a 1,000-paper Daily Papers digest, then import it into SQLite.

The digest repeats the paper blocks of real digests with distinct arXiv ids, so every paper is
new to the database. Targets (issue 3): extraction ≤ 2 s, import into SQLite ≤ 5 s.

    .venv/bin/python bench/extract_import.py [--papers 1000] [--source DIGEST.md ...]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.services.library import DeckImport, import_decks

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
DEFAULT_SOURCES = sorted(SEEDS.glob("daily_papers_*.md")) or sorted(
    (ROOT / "tests" / "data").glob("digest_*.md")
)


def build_digest(sources: list[Path], papers: int) -> str:
    blocks = []
    for source in sources:
        text = source.read_text(encoding="utf-8")
        blocks += ["### " + b for b in re.split(r"^### ", text, flags=re.MULTILINE)[1:]]
    out = ["## Daily Papers (2025-01-01)", ""]
    for index in range(papers):
        block = blocks[index % len(blocks)]
        # A distinct arXiv id per copy: 2501.00000, 2501.00001, …
        block = re.sub(r"arxiv\.org/abs/[\d.]+(?:v\d+)?", f"arxiv.org/abs/2501.{index:05d}", block)
        out.append(block)
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--source", type=Path, action="append")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()

    digest = build_digest(args.source or DEFAULT_SOURCES, args.papers)
    started = time.perf_counter()
    extraction = extract_text(digest, source="bench digest")
    extract_s = time.perf_counter() - started
    cards = sum(len(p.cards) for p in extraction.papers)

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench"})
        factory = session_factory(app)
        engine = factory.kw["bind"]
        migrate.upgrade(engine)
        with factory() as session:
            started = time.perf_counter()
            reports = import_decks(session, [DeckImport(name="Bench", papers=extraction.papers)])
            import_s = time.perf_counter() - started
            started = time.perf_counter()
            again = import_decks(session, [DeckImport(name="Bench", papers=extraction.papers)])
            reimport_s = time.perf_counter() - started
        engine.dispose()

    figures = {
        "papers": len(extraction.papers),
        "cards": cards,
        "digest_bytes": len(digest.encode("utf-8")),
        "extract_s": round(extract_s, 3),
        "import_sqlite_s": round(import_s, 3),
        "reimport_unchanged_sqlite_s": round(reimport_s, 3),
        "cards_new": reports[0].cards_new,
        "cards_unchanged_on_reimport": again[0].cards_unchanged,
    }
    print("| step | papers | cards | seconds | target |")
    print("| --- | ---: | ---: | ---: | ---: |")
    rows = [
        ("extract", cards, extract_s, "≤ 2"),
        ("import into SQLite", reports[0].cards_new, import_s, "≤ 5"),
        ("re-import, unchanged", again[0].cards_unchanged, reimport_s, "—"),
    ]
    for step, count, seconds, target in rows:
        print(f"| {step} | {figures['papers']} | {count} | {seconds:.2f} | {target} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
