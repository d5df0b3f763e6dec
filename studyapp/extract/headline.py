"""The headline number: the one result a paper is known for, or none.

Every quantity :func:`studyapp.extract.numbers.find_numbers` reads is a candidate. A candidate
earns points for a result-like unit (``×``, ``%``, scores, throughput), for result verbs in its
sentence (achieves, faster, 달성, 향상), for "up to"/"최대" right before it and for a comparison
("than", "대비"); it loses points in sentences about motivation or set-up, for being approximate
or spelled out in words, and it is out entirely when it is a count ("6개", "14가지") or a model or
data size ("70B parameters"). Below a threshold there is no headline: an invented number is
worse than no card.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.extract.numbers import NumberMention, find_numbers

__all__ = ["MIN_SCORE", "Headline", "choose_headline"]

#: Candidates scoring below this make no card.
MIN_SCORE = 3.0

_UNIT_SCORES: dict[str, float] = {
    "×": 3.0,
    "%": 2.0,
    # An explicit gap ("62%p 격차") already states the comparison.
    "%p": 2.5,
    "점": 2.0,
    "point": 2.0,
    "포인트": 2.0,
    "perplexity": 2.0,
    "BLEU": 2.0,
    "Elo": 2.0,
    "tokens/s": 2.0,
    "토큰/초": 2.0,
    "FPS": 2.0,
    "초": 1.0,
    "분": 1.0,
    "시간": 1.0,
    "s": 1.0,
    "ms": 1.0,
    "h": 1.0,
    "비트": 0.5,
    "bit": 0.5,
}
# Counts of things (papers, models, steps) are set-up, never a result.
_COUNT_UNITS = {"개", "가지", "편", "명", "번", "단계", "층", "종"}
# Signal specifications (sample rates, memory) describe the set-up.
_SPEC_UNITS = {"kHz", "Hz", "GB", "MB", "TB", "dB"}

_RESULT_VERBS = re.compile(
    r"달성|향상|가속|능가|뛰어넘|앞서|기록|개선|감소|줄이|줄였|줄일|단축|절감|제거|빠른|빠르|빨라|"
    r"높은|높습|높였|높아|높여|낮은|낮춰|회복|늘리|늘려|늘어|증가|도달|해결|최고|우수|"
    r"끌어올|올렸|올려|올라|상승|개선|단축|"
    r"\b(?:achiev\w*|improv\w*|outperform\w*|surpass\w*|faster|speed-?ups?|reduc\w*|boost\w*|"
    r"gains?|higher|lower|better|beats?|recover\w*|cuts?|accelerat\w*|increas\w*|reach\w*|"
    r"solv\w*|sets?|record\w*|fewer|less|rais\w*|lift\w*|jump\w*|climb\w*|extend\w*|"
    r"expand\w*|falls?|fell|drops?|dropped|decreas\w*|shrink\w*)\b|확장",
    re.IGNORECASE,
)
_WEAK_RESULT = re.compile(
    r"보여|보였|입증|나타났|확인|이상|\b(?:shows?|demonstrat\w*|over)\b", re.IGNORECASE
)
_COMPARISON = re.compile(
    r"대비|보다|비해|기존|\b(?:than|vs\.?|versus|compared|over|relative|existing|prior|previous)\b",
    re.IGNORECASE,
)
_UP_TO = re.compile(r"(?:최대|최고|무려|up to|as much as|by)\s*$", re.IGNORECASE)
_APPROXIMATE = re.compile(
    r"(?:약|대략|거의|about|around|roughly|approximately|nearly|~)\s*\(?$", re.IGNORECASE
)
# "from 48.2% to 61.5%", "48.2%에서 61.5%로": the figure reached is the result.
_FROM_AFTER = re.compile(r"^\s*(?:에서|부터)|^\s*(?:to|→|->)\s", re.IGNORECASE)
_TO_AFTER = re.compile(r"^\s*(?:으로|로)(?![가-힣])|^\s*(?:으로|로)\s")
_TO_BEFORE = re.compile(r"(?:\bto|→|->)\s*$", re.IGNORECASE)
# "크기를 10배 키울 때마다", "for every 10x": the multiplier is a condition, not a result.
_CONDITION_AFTER = re.compile(r"^\S*(?:\s+\S+){0,2}?\s*(?:키울|늘릴|늘어날|증가할|할)\s*때마다")
_CONDITION_BEFORE = re.compile(r"\b(?:for every|for each|every|each)\s*$", re.IGNORECASE)
# "A 대 B", "A vs B": A is the paper's figure, B what it is compared against.
_VERSUS_AFTER = re.compile(r"^\s*(?:대|vs\.?|versus|against)\s", re.IGNORECASE)
_VERSUS_BEFORE = re.compile(r"(?:\s대|\bvs\.?|\bversus|\bagainst)\s*$", re.IGNORECASE)
# A metric named shortly before a bare number: "perplexity on PG-19 stays at 6.1".
_METRIC_BEFORE = re.compile(
    r"(?:perplexity|accuracy|bleu|rouge[\w-]*|f1|elo|score|miou|map|pass@\d+|exact match|"
    r"win rate|success rate|정확도|점수|정답률|성공률|승률|성능)[^.;:]{0,40}$",
    re.IGNORECASE,
)
# "15 corruption types", "12 tasks": a bare integer before an ordinary noun counts things.
_COUNTED_NOUN = re.compile(
    r"^\s+(?!(?:of|out|on|in|at|and|or|to|from|than|vs|with|for|over|"
    r"higher|lower|better|worse|more|less|fewer|faster|slower|times|"
    r"points?|percent)\b)[a-z][a-z-]+"
)
# A size reached by a change ("extends the context from 4K to 40K tokens") is the result.
_GROWTH = re.compile(
    r"확장|늘리|늘려|늘렸|\b(?:extend\w*|expand\w*|stretch\w*|scal\w*|grow\w*)\b", re.I
)
_SETUP = re.compile(
    r"그러나|하지만|지만|한계|문제|데이터셋으로|학습시켰|훈련시켰|수집|구성된|"
    r"\b(?:however|but|dataset of|trained on|consists? of|collected)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Headline:
    mention: NumberMention
    sentence: str
    score: float


@dataclass(frozen=True, slots=True)
class _Cues:
    """What a whole sentence says, read once however many numbers it holds (a sentence of
    thousands of numbers would otherwise be searched thousands of times)."""

    result: float
    comparison: bool
    setup: bool
    growth: bool

    @classmethod
    def of(cls, sentence: str) -> _Cues:
        if _RESULT_VERBS.search(sentence):
            result = 2.0
        elif _WEAK_RESULT.search(sentence):
            result = 1.0
        else:
            result = 0.0
        return cls(
            result=result,
            comparison=_COMPARISON.search(sentence) is not None,
            setup=_SETUP.search(sentence) is not None,
            growth=_GROWTH.search(sentence) is not None,
        )


def choose_headline(sentences: Sequence[str], *, evidence: Sequence[str] = ()) -> Headline | None:
    """The paper's headline result among its sentences and evidence lines, or ``None``.

    ``evidence`` holds lines that state results without being prose (a translated title,
    statistics); the first of them, a title, gets a small bonus because titles announce the
    headline.
    """
    best: Headline | None = None
    lines = [(s, 0.0) for s in sentences] + [
        (line, 1.0 if index == 0 else 0.0) for index, line in enumerate(evidence)
    ]
    for sentence, bonus in lines:
        mentions = find_numbers(sentence)
        if not mentions:
            continue
        cues = _Cues.of(sentence)
        for mention in mentions:
            score = _score(mention, sentence, cues)
            if score is None:
                continue
            score += bonus
            if best is None or score > best.score:
                best = Headline(mention=mention, sentence=sentence, score=score)
    if best is None or best.score < MIN_SCORE:
        return None
    return best


def _score(mention: NumberMention, sentence: str, cues: _Cues) -> float | None:
    unit = mention.unit or ""
    before = sentence[max(0, mention.start - 40) : mention.start]
    after = sentence[mention.end : mention.end + 24]
    reached = bool(_TO_BEFORE.search(before) or _TO_AFTER.search(after))
    if mention.size_like and not (reached and cues.growth):
        return None
    if unit in _COUNT_UNITS:
        return None
    bare_integer = not unit and mention.text.isdigit()
    if bare_integer and _COUNTED_NOUN.match(after) and not mention.size_like:
        return None
    if _CONDITION_AFTER.match(after) or _CONDITION_BEFORE.search(before):
        return None
    score = _UNIT_SCORES.get(unit, 0.0)
    if not unit and _METRIC_BEFORE.search(before):
        score += 2.0
    if unit in _SPEC_UNITS:
        score -= 1.0
    score += cues.result
    if cues.comparison:
        score += 1.0
    if _UP_TO.search(before[-12:]):
        score += 2.0
    if _APPROXIMATE.search(before[-12:]):
        score -= 1.0
    if _VERSUS_AFTER.match(after):
        score += 1.0
    elif _VERSUS_BEFORE.search(before):
        score -= 1.0
    elif _FROM_AFTER.search(after):
        score -= 1.5
    elif reached:
        score += 1.0
    if not mention.text[:1].isdigit():
        # Spelled-out numbers ("두 배") are loose paraphrase rather than the measured figure.
        score -= 1.5
    if cues.setup:
        score -= 2.0
    return score
