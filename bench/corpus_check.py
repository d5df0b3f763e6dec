"""CI only: the extractor over the real Daily Papers digests beside the repository.

``../shared``, which CI keeps beside the clone, holds the corpus of real days
(``corpus/daily_papers_ko/YYYY/MM/DD.md``), the sample summaries (``seeds/``), six labelled real
days (``realworld/``) and the tools that judge the extractor (``tools/``). The corpus's licence
forbids copies: it is read from there at check time, never written into the repository.
``make corpus`` runs this script when ``../shared/corpus`` exists (and says it skipped when not).
It checks, in one process, and names every check that fails:

- ``headings``: every line starting with ``### [`` in a corpus file became a paper (the counts
  are compared per file; the files that differ are named);
- ``card lint``: ``../shared/tools/card_lint.py`` finds no problem in the cards of the corpus,
  of the samples, of the labelled real days, or of our own documents in ``tests/data`` (not
  ``tests/data/nasty``, which is broken on purpose); each set is written as the JSON of
  ``studyapp extract --json`` and linted on its own;
- ``extract time``: reading and extracting the whole corpus takes at most 10 s;
- ``import time``: importing every corpus paper into a fresh SQLite database (one deck per day)
  takes at most 20 s;
- ``library``: each built-in paper's headline number (``decks/``) is one the sample states for
  that paper, and a paper whose sample states a headline result has one (the samples' labels,
  ``seeds/gold.json``).

It ends with one summary line of the figures, then ``ok`` or what failed; exit status 1 when
anything failed. It is not one of the benchmarks of ``make bench``: it needs ``../shared``, and
its time limits are checks, not reports.

    .venv/bin/python bench/corpus_check.py [--shared ../shared] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.extract.documents import DocumentError, read_document
from studyapp.extract.drafts import PaperDraft
from studyapp.services import builtin
from studyapp.services.importing import DeckImport, import_decks

ROOT = Path(__file__).resolve().parent.parent
#: Limits in seconds (issue 17).
LIMIT_EXTRACT_S = 10
LIMIT_IMPORT_S = 20
HEADING = "### ["
#: The extensions of summaries among the other files of a folder (labels, READMEs).
_SUMMARIES = (".md", ".txt")
_LINT_SUMMARY = re.compile(r"card lint: (\d+)/(\d+) cards")


@dataclass(frozen=True, slots=True)
class Extracted:
    """One document's papers, or why it gave none."""

    path: Path
    text: str
    papers: tuple[PaperDraft, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Lint:
    """What card_lint.py said about one set of documents."""

    name: str
    summary: str
    problems: int
    cards: int


def extract(paths: Iterable[Path]) -> list[Extracted]:
    """Every document read and extracted as ``studyapp extract`` does, errors kept per file."""
    out = []
    for path in paths:
        try:
            text = read_document(path)
        except DocumentError as error:
            out.append(Extracted(path, "", error=str(error)))
            continue
        try:
            out.append(Extracted(path, text, extract_text(text, source=str(path)).papers))
        except DocumentError as error:
            out.append(Extracted(path, text, error=str(error)))
    return out


def summaries(*folders: Path) -> list[Path]:
    """The summary files directly in ``folders``, without their READMEs and labels."""
    return sorted(
        path
        for folder in folders
        for path in folder.iterdir()
        if path.is_file() and path.suffix in _SUMMARIES and not path.name.startswith("README")
    )


def heading_mismatches(documents: Sequence[Extracted]) -> list[str]:
    """The files in which the ``### [`` headings and the papers found differ in number."""
    out = []
    for document in documents:
        headings = sum(line.startswith(HEADING) for line in document.text.splitlines())
        if headings != len(document.papers):
            out.append(f"{document.path}: {headings} headings, {len(document.papers)} papers")
    return out


def lint(
    name: str, documents: Sequence[Extracted], card_lint: Path, *, verbose: bool
) -> tuple[Lint | None, str | None]:
    """Run card_lint.py on the papers of ``documents``, written as ``studyapp extract --json``
    prints them: its verdict, or why it could not give one."""
    papers = [
        {**paper.to_json(), "source": str(document.path)}
        for document in documents
        for paper in document.papers
    ]
    with tempfile.TemporaryDirectory(prefix="corpus-lint-") as folder:
        path = Path(folder) / f"{re.sub(r'[^a-z0-9]+', '-', name)}.json"
        path.write_text(json.dumps(papers, ensure_ascii=False), encoding="utf-8")
        command = [sys.executable, str(card_lint), str(path), *(["-v"] if verbose else [])]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if verbose:
        print(result.stdout, end="")
    found = [m for line in result.stdout.splitlines() if (m := _LINT_SUMMARY.match(line))]
    # card_lint.py exits 1 when it finds problems, and anything else when it breaks.
    if result.returncode not in (0, 1) or not found:
        return None, (
            f"card lint, {name}: {card_lint.name} exited {result.returncode} without its summary "
            f"line: {result.stderr.strip()[-500:]}"
        )
    summary = found[-1]
    return Lint(name, summary.string, int(summary[1]), int(summary[2])), None


def import_days(documents: Sequence[Extracted]) -> tuple[float, int]:
    """Import every document's papers into a fresh SQLite database, one deck per corpus day:
    the seconds it took and the new cards."""
    decks = [
        DeckImport(name=f"Daily Papers (ko) {_day(document.path)}", papers=document.papers)
        for document in documents
        if document.papers
    ]
    with tempfile.TemporaryDirectory(prefix="corpus-db-") as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/corpus.db", "SECRET_KEY": "corpus"})
        factory = session_factory(app)
        engine = factory.kw["bind"]
        migrate.upgrade(engine)
        with factory() as session:
            started = time.perf_counter()
            reports = import_decks(session, decks)
            seconds = time.perf_counter() - started
        # Before the folder goes.
        engine.dispose()
    return seconds, sum(report.cards_new for report in reports)


def _day(path: Path) -> str:
    """``…/2024/01/29.md`` → ``2024-01-29``."""
    return "-".join((path.parent.parent.name, path.parent.name, path.stem))


def library_problems(gold_path: Path) -> list[str]:
    """Where the built-in library disagrees with the samples' labels: a headline number the
    sample does not state for that paper, a stated headline result without a card, a paper
    count different from the labelled one."""
    try:
        files = builtin.read_decks(ROOT / "decks")
    except builtin.DeckFileError as error:
        return [f"library: decks/ does not check: {problem}" for problem in error.problems]
    gold: dict[str, Any] = json.loads(gold_path.read_text(encoding="utf-8"))
    labelled = [paper for doc in gold["docs"] for paper in doc["papers"]]
    papers = [paper for deck_file in files for paper in deck_file.deck.papers]
    problems = []
    if len(papers) != len(labelled):
        problems.append(
            f"library: decks/ holds {len(papers)} papers, the samples {len(labelled)} labelled"
        )
    by_arxiv = {label["arxiv_id"]: label for label in labelled if label["arxiv_id"]}
    for paper in papers:
        label = by_arxiv.get(paper.arxiv_id or "")
        if label is None:
            continue
        number = next((card.number for card in paper.cards if card.number), None)
        stated = [float(n) for n in label["numbers"]]
        if number is not None and not any(math.isclose(number.value, n) for n in stated):
            problems.append(
                f"library: {paper.title}: headline {number.text!r} is not one the sample states "
                f"for it ({', '.join(map(str, label['numbers'])) or 'none'})"
            )
        elif number is None and label["required"]:
            problems.append(f"library: {paper.title}: the sample states a headline result")
    return problems


def check(shared: Path, *, verbose: bool) -> int:
    corpus_dir = shared / "corpus" / "daily_papers_ko"
    card_lint = shared / "tools" / "card_lint.py"
    needed = [corpus_dir, card_lint, shared / "seeds", shared / "realworld"]
    missing = [str(path) for path in needed if not path.exists()]
    if missing:
        print(f"corpus check: cannot run, missing {', '.join(missing)}", file=sys.stderr)
        return 2
    files = sorted(corpus_dir.glob("*/*/*.md"))
    if not files:
        print(f"corpus check: cannot run, no digests in {corpus_dir}/*/*/*.md", file=sys.stderr)
        return 2

    # One process, as a user's `studyapp extract` of the whole series would be.
    started = time.perf_counter()
    corpus = extract(files)
    extract_s = time.perf_counter() - started
    papers = sum(len(document.papers) for document in corpus)

    failures: list[str] = []
    mismatches = heading_mismatches(corpus)
    if mismatches:
        failures.append(
            f"headings: in {len(mismatches)} of {len(files)} corpus files not every "
            f"'{HEADING}' heading became a paper: " + "; ".join(mismatches)
        )
    if extract_s > LIMIT_EXTRACT_S:
        failures.append(
            f"extract time: extracting the corpus took {extract_s:.2f} s "
            f"(limit {LIMIT_EXTRACT_S} s)"
        )

    ours = ROOT / "tests" / "data"
    sets = [
        ("corpus", corpus),
        ("samples", extract(summaries(shared / "seeds"))),
        ("realworld", extract(summaries(shared / "realworld"))),
        ("tests/data", extract(summaries(ours, ours / "holdout", ours / "eras"))),
    ]
    lints: list[Lint] = []
    for name, documents in sets:
        failures += [
            f"extract, {name}: {document.error}" for document in documents if document.error
        ]
        verdict, error = lint(name, documents, card_lint, verbose=verbose)
        if error is not None:
            failures.append(error)
        if verdict is None:
            continue
        print(f"{name} ({len(documents)} files): {verdict.summary}")
        lints.append(verdict)
        if verdict.problems:
            failures.append(
                f"card lint, {name}: {verdict.problems} of {verdict.cards} cards have a problem "
                f"(list them: bench/corpus_check.py --verbose)"
            )

    import_s, cards_new = import_days(corpus)
    if import_s > LIMIT_IMPORT_S:
        failures.append(
            f"import time: importing the corpus into SQLite took {import_s:.2f} s "
            f"(limit {LIMIT_IMPORT_S} s)"
        )
    failures += library_problems(shared / "seeds" / "gold.json")

    linted = ", ".join(f"{v.name} {v.problems}/{v.cards}" for v in lints)
    print(
        f"corpus: {papers} papers in {len(files)} files; extract {extract_s:.2f} s "
        f"(≤ {LIMIT_EXTRACT_S} s); import into SQLite {import_s:.2f} s, {cards_new} cards "
        f"(≤ {LIMIT_IMPORT_S} s); cards with a lint problem: {linted}"
    )
    if failures:
        print("corpus check FAILED:", file=sys.stderr)
        for failure in failures:
            print(f"- {failure}", file=sys.stderr)
        return 1
    print("corpus check: ok")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=ROOT.parent / "shared",
        help="The folder beside the repository with corpus/, seeds/, realworld/ and tools/.",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="Print every card card_lint.py finds a problem in."
    )
    args = parser.parse_args()
    raise SystemExit(check(args.shared.resolve(), verbose=args.verbose))


if __name__ == "__main__":
    main()
