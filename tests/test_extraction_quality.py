"""Extraction quality on labelled documents of our own (tests/data/holdout, gold.json).

The same measures as ../shared/tools/score_extraction.py: every paper found, the method name
right, the headline number right when one is made (precision) and made when the summary states
a result (recall). The thresholds are the project's targets.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from studyapp.extract import extract_text
from studyapp.extract.drafts import PaperDraft
from studyapp.identity import CardKind, fold_title

HOLDOUT = Path(__file__).parent / "data" / "holdout"


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


def test_holdout_documents_meet_the_targets() -> None:
    gold = json.loads((HOLDOUT / "gold.json").read_text(encoding="utf-8"))
    total = found = methods = produced = correct = required = recalled = 0
    for doc in gold["docs"]:
        text = (HOLDOUT / doc["file"]).read_text(encoding="utf-8")
        papers = extract_text(text, source=doc["file"]).papers
        for labels in doc["papers"]:
            total += 1
            required += bool(labels["required"])
            paper = _find(labels, papers)
            if paper is None:
                continue
            found += 1
            methods += _method_ok(labels, paper)
            card = next((c for c in paper.cards if c.kind is CardKind.HEADLINE_NUMBER), None)
            if card is None or card.number is None:
                continue
            produced += 1
            good = any(math.isclose(card.number.value, v, rel_tol=1e-6) for v in labels["numbers"])
            correct += good
            recalled += good and bool(labels["required"])
    assert found == total
    assert methods / total >= 0.9
    assert correct / produced >= 0.9
    assert recalled / required >= 0.85
