"""Benchmark: extract a 1,000-paper Daily Papers digest, import it into SQLite and PostgreSQL.

The digest repeats the paper blocks of real digests with distinct arXiv ids, so every paper is
new to the database. At full size the blocks come from the sample digests beside the repository
(``../shared/seeds``, as in every earlier full run; on a clone without them, from our own in
``tests/data``), at smoke size always from our own, so that ``make test`` needs nothing outside
the repository. Targets (issue 3): extraction ≤ 2 s, import into SQLite and into PostgreSQL
≤ 5 s each. Each database also times a second, unchanged import of the same papers. PostgreSQL
gets a scratch database on the server ``bench/common.py`` names; when no server answers, its
figures are reported as skipped. (The whole corpus of real days is extracted and imported by
``bench/corpus_check.py``: ``make corpus``, on CI.)

    .venv/bin/python bench/extract_import.py [--papers 1000] [--digests {samples,own}]
                                             [--source DIGEST.md ...]
                                             [--database {sqlite,postgresql} ...]
                                             [--json FIGURES.json]

It is also driven by ``make bench`` (``bench/run.py``) through the interface described in
``bench/common.py``: ``NAME``, ``FULL``, ``SMOKE``, ``measure()`` and ``rows()``.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from common import Row, postgres_database, print_table

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.extract.drafts import PaperDraft
from studyapp.services.importing import DeckImport, import_decks

ROOT = Path(__file__).resolve().parent.parent
#: Our own example digests, in the repository.
OWN_DIGESTS = tuple(sorted((ROOT / "tests" / "data").glob("digest_*.md")))
#: The sample digests beside the repository; our own on a clone without them.
SAMPLE_DIGESTS = (
    tuple(sorted((ROOT.parent / "shared" / "seeds").glob("daily_papers_*.md"))) or OWN_DIGESTS
)
Digests = Literal["samples", "own"]
_DIGESTS: dict[Digests, tuple[Path, ...]] = {"samples": SAMPLE_DIGESTS, "own": OWN_DIGESTS}
DATABASES = ("sqlite", "postgresql")
_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

NAME = "extract_import"
FULL: dict[str, Any] = {"papers": 1000, "digests": "samples"}
SMOKE: dict[str, Any] = {"papers": 30, "digests": "own"}
#: Targets in seconds.
TARGET_EXTRACT_S = 2
TARGET_IMPORT_S = 5


def build_digest(sources: Sequence[Path], papers: int) -> str:
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


def _import_into(url: str, papers: Sequence[PaperDraft]) -> tuple[float, float, int, int]:
    """Import ``papers`` into the empty database at ``url``, then again unchanged: the two
    times in seconds, the new cards of the first and the unchanged cards of the second."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    factory = session_factory(app)
    engine = factory.kw["bind"]
    migrate.upgrade(engine)
    with factory() as session:
        started = time.perf_counter()
        reports = import_decks(session, [DeckImport(name="Bench", papers=papers)])
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        again = import_decks(session, [DeckImport(name="Bench", papers=papers)])
        reimport_s = time.perf_counter() - started
    # Before the caller drops the database (PostgreSQL) or removes its folder (SQLite).
    engine.dispose()
    return import_s, reimport_s, reports[0].cards_new, again[0].cards_unchanged


def measure(
    papers: int = 1000,
    sources: Sequence[Path] | None = None,
    databases: Sequence[str] = DATABASES,
    digests: Digests = "samples",
) -> dict[str, Any]:
    """Extract a digest of ``papers`` papers built from ``sources`` (real digests; by default
    those ``digests`` names), then import it into each of ``databases`` ("sqlite",
    "postgresql")."""
    unknown = set(databases) - set(DATABASES)
    if unknown:
        raise ValueError(f"unknown databases: {sorted(unknown)}; choose from {DATABASES}")
    chosen = sources or _DIGESTS[digests]
    digest = build_digest(chosen, papers)
    started = time.perf_counter()
    extraction = extract_text(digest, source="bench digest")
    extract_s = time.perf_counter() - started
    cards = sum(len(p.cards) for p in extraction.papers)

    figures: dict[str, Any] = {
        "papers": len(extraction.papers),
        "sources": [path.name for path in chosen],
        "cards": cards,
        "digest_bytes": len(digest.encode("utf-8")),
        "extract_s": round(extract_s, 3),
    }

    def record(database: str, result: tuple[float, float, int, int]) -> None:
        import_s, reimport_s, cards_new, cards_unchanged = result
        figures[f"import_{database}_s"] = round(import_s, 3)
        figures[f"reimport_unchanged_{database}_s"] = round(reimport_s, 3)
        # The counts are the same on every database; the first one to run gives them.
        figures.setdefault("cards_new", cards_new)
        figures.setdefault("cards_unchanged_on_reimport", cards_unchanged)

    for database in DATABASES:
        if database not in databases:
            continue
        if database == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                record(database, _import_into(f"sqlite:///{folder}/bench.db", extraction.papers))
        else:
            with postgres_database("import") as url:
                if url is None:
                    figures[database] = "skipped: not reachable"
                else:
                    record(database, _import_into(url, extraction.papers))
    return figures


def rows(figures: dict[str, Any]) -> list[Row]:
    papers = figures["papers"]
    result = [
        Row(
            "extract digest",
            f"{papers} papers → {figures['cards']} cards",
            f"{figures['extract_s']:.2f} s",
            f"≤ {TARGET_EXTRACT_S} s",
            figures["extract_s"] <= TARGET_EXTRACT_S,
        )
    ]
    for database in DATABASES:
        label = _LABELS[database]
        if database in figures:  # skipped, with the reason
            result.append(
                Row(
                    f"import into {label}",
                    f"{papers} papers",
                    figures[database],
                    f"≤ {TARGET_IMPORT_S} s",
                    None,
                )
            )
            continue
        if f"import_{database}_s" not in figures:  # not asked for
            continue
        import_s = figures[f"import_{database}_s"]
        result += [
            Row(
                f"import into {label}",
                f"{papers} papers, {figures['cards_new']} new cards",
                f"{import_s:.2f} s",
                f"≤ {TARGET_IMPORT_S} s",
                import_s <= TARGET_IMPORT_S,
            ),
            Row(
                f"re-import into {label}",
                f"{papers} papers, {figures['cards_unchanged_on_reimport']} cards unchanged",
                f"{figures[f'reimport_unchanged_{database}_s']:.2f} s",
            ),
        ]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=FULL["papers"])
    parser.add_argument(
        "--digests",
        choices=list(_DIGESTS),
        default=FULL["digests"],
        help="Build the digest from the sample digests in ../shared/seeds (our own without "
        "them) or from our own in tests/data.",
    )
    parser.add_argument("--source", type=Path, action="append", help="Or from these digests.")
    parser.add_argument(
        "--database",
        choices=DATABASES,
        action="append",
        help="Import into this database (repeatable); both by default.",
    )
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    figures = measure(
        papers=args.papers,
        sources=args.source,
        databases=args.database or DATABASES,
        digests=args.digests,
    )
    print_table(rows(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
