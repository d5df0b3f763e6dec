"""Every card made from our own documents is study material, as a reader would keep it.

The documents in tests/data (and the era digests in tests/data/eras, which carry every trap the
real series has: labels in two and three asterisks, citations, links, "각각" lists, openers that
point back) are extracted, and every card is held to the rules: no Markdown marks, section
labels, citation brackets or links; a back that stands alone (it never opens on a word pointing
at a sentence the card does not show) and is not a fragment; at most 300 characters; a headline
blank that is not one item of a list of numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from studyapp.extract import extract_text
from studyapp.extract.cardtext import MAX_BACK
from studyapp.extract.documents import read_document
from studyapp.extract.drafts import CardDraft
from studyapp.identity import CardKind

DATA = Path(__file__).parent / "data"
DOCUMENTS = sorted(
    path
    for folder in (DATA, DATA / "holdout", DATA / "eras")
    for path in folder.iterdir()
    if path.suffix in (".md", ".txt") and path.name != "README.md"
)

# "___" is the English cards' blank, not Markdown.
MARKUP = re.compile(
    r"\*\*|(?<!_)__(?!_)|`|\]\(|!\[|(?<![\w*])\*(?=\S)[^*\n]{1,60}(?<=\S)\*(?![\w*])"
)
LABEL = re.compile(
    r"(?:What.?s New|Technical Details|Performance Highlights|Key Findings|Methodology|"
    r"Limitations|Conclusion)\s*[*_]*\s*:",
    re.IGNORECASE,
)
CITATION = re.compile(r"\[\d{1,3}(?:\s*[,–-]\s*\d{1,3})*\]")
LINK = re.compile(r"https?://|www\.")
POINTING = re.compile(
    r"^(?:이는|이를|이에|이러한|이런|이와|그러나|하지만|또한|따라서|게다가|예를 들어|그 결과|"
    r"this|these|thus|therefore|however|moreover|furthermore|additionally|it)(?![\w])",
    re.IGNORECASE,
)
# A blank beside another number, with only "," or "and" between: one item of a list.
LISTED = [
    re.compile(rf"{b}\s*(?:,|와|과|및|and)\s*[0-9]|[0-9][%배x×]?\s*(?:,|와|과|및|and)\s*{b}")
    for b in ("＿＿", "___")
]


def problems(card: CardDraft) -> list[str]:
    text = f"{card.front}\n{card.back}"
    found = [name for name, rule in (("markup", MARKUP), ("label", LABEL)) if rule.search(text)]
    found += [name for name, rule in (("citation", CITATION), ("link", LINK)) if rule.search(text)]
    if POINTING.match(card.back):
        found.append("points back")
    if card.back.rstrip().endswith((":", "：")):
        found.append("fragment")
    if card.kind is CardKind.METHOD_IDEA and len(card.back) < 15:
        found.append("too short")
    if len(card.back) > MAX_BACK:
        found.append("too long")
    if card.kind is CardKind.HEADLINE_NUMBER and any(r.search(card.front) for r in LISTED):
        found.append("list blank")
    return found


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_every_card_is_study_material(path: Path) -> None:
    papers = extract_text(read_document(path), source=path.name).papers
    bad = [
        (paper.title, card.kind.value, card.back, found)
        for paper in papers
        for card in paper.cards
        if (found := problems(card))
    ]
    assert not bad


@pytest.mark.parametrize(
    ("card", "problem"),
    [
        (
            CardDraft(
                CardKind.METHOD_IDEA, "X — 핵심 아이디어는?", "**Technical Details**: 두 단계"
            ),
            "markup",
        ),
        (
            CardDraft(
                CardKind.METHOD_IDEA, "X — 핵심 아이디어는?", "What's New: 새 모델을 소개한다"
            ),
            "label",
        ),
        (
            CardDraft(
                CardKind.METHOD_IDEA, "X — 핵심 아이디어는?", "기존 연구 [12]와 달리 캐시를 쓴다"
            ),
            "citation",
        ),
        (
            CardDraft(
                CardKind.METHOD_IDEA, "X — 핵심 아이디어는?", "이를 통해 캐시를 두 번 접는다."
            ),
            "points back",
        ),
        (
            CardDraft(CardKind.METHOD_IDEA, "X — 핵심 아이디어는?", "두 가지를 도입했습니다:"),
            "fragment",
        ),
        (
            CardDraft(CardKind.HEADLINE_NUMBER, "X — 핵심 수치는?\n각각 ＿＿와 10.1% 향상", "3.6%"),
            "list blank",
        ),
    ],
)
def test_the_rules_catch_what_they_are_for(card: CardDraft, problem: str) -> None:
    assert problem in problems(card)
