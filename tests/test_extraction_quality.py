"""Extraction quality on labelled documents of our own (tests/data/holdout and tests/data/eras,
each with its gold.json).

The same measures as ../shared/tools/score_extraction.py: every paper found, the method name
right, the headline number right when one is made (precision) and made when the summary states
a result (recall). The thresholds are the project's targets.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from studyapp.extract import extract_text
from studyapp.extract.drafts import PaperDraft
from studyapp.identity import CardKind, fold_title

DATA = Path(__file__).parent / "data"
HOLDOUT = DATA / "holdout"
ERAS = DATA / "eras"


def _find(gold: dict[str, object], papers: tuple[PaperDraft, ...]) -> PaperDraft | None:
    for paper in papers:
        if gold["arxiv_id"] and paper.arxiv_id == gold["arxiv_id"]:
            return paper
    wanted = fold_title(str(gold["title"]))
    return next((p for p in papers if wanted in fold_title(p.title)), None)


def _method_ok(gold: dict[str, object], paper: PaperDraft) -> bool:
    accepted = {fold_title(m) for m in gold["methods"]}  # type: ignore[attr-defined]
    if not accepted:
        return paper.method is None or fold_title(paper.method) in fold_title(paper.title)
    return paper.method is not None and fold_title(paper.method) in accepted


@dataclass
class Score:
    total: int = 0
    found: int = 0
    methods: int = 0
    produced: int = 0
    correct: int = 0
    required: int = 0
    recalled: int = 0


def score(folder: Path) -> Score:
    """Every labelled document of ``folder`` extracted and scored against ``gold.json``."""
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    tally = Score()
    for doc in gold["docs"]:
        text = (folder / doc["file"]).read_text(encoding="utf-8")
        papers = extract_text(text, source=doc["file"]).papers
        for labels in doc["papers"]:
            tally.total += 1
            tally.required += bool(labels["required"])
            paper = _find(labels, papers)
            if paper is None:
                continue
            tally.found += 1
            tally.methods += _method_ok(labels, paper)
            card = next((c for c in paper.cards if c.kind is CardKind.HEADLINE_NUMBER), None)
            if card is None or card.number is None:
                continue
            tally.produced += 1
            value = card.number.value
            good = any(math.isclose(value, v, rel_tol=1e-6) for v in labels["numbers"])
            tally.correct += good
            tally.recalled += good and bool(labels["required"])
    return tally


@pytest.mark.parametrize(
    ("folder", "method", "precision", "recall"),
    [
        # Summaries of every format, in both languages.
        (HOLDOUT, 0.9, 0.9, 0.85),
        # Digests of every era of the Korean Daily Papers series: the targets of issue 17.
        (ERAS, 0.95, 0.97, 0.92),
    ],
)
def test_labelled_documents_meet_the_targets(
    folder: Path, method: float, precision: float, recall: float
) -> None:
    tally = score(folder)
    assert tally.found == tally.total
    assert tally.methods / tally.total >= method
    assert tally.correct / tally.produced >= precision
    assert tally.recalled / tally.required >= recall
