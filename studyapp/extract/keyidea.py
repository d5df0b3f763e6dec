"""The key idea: the sentence that says *how* a method works, trimmed to fit on a card.

Summaries mix motivation ("existing methods struggle …"), mechanism ("X replaces the encoder
with …"), results ("achieves 48.9× …") and housekeeping ("code is at …"). Each sentence is
scored on cues of mechanism against cues of the other three; the best one is the key idea.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["MAX_KEY_IDEA", "choose_key_idea", "key_idea_sentence", "trim_sentence"]

#: Longest key idea a card shows; longer sentences are cut at a clause boundary.
MAX_KEY_IDEA = 240

_HOW = re.compile(
    r"통해|통하여|통한|함으로써|으로써|이용하여|이용해|사용하여|사용해|활용하여|활용해|기반으로|기반한|바탕으로|결합|융합|"
    r"대체|분해|분할|병합|도입|적용하여|학습하여|학습시켜|생성하여|예측하여|계산하여|계산하고|"
    r"변환|압축|선별|모방|근사|증류|추출|재구성|조건화|정렬하|공유|캐시|구조|메커니즘|방식으로|"
    r"\b(?:by|using|via|through|replac\w*|combin\w*|decompos\w*|normali[sz]\w*|distill\w*|"
    r"leverag\w*|fus\w*|split\w*|partition\w*|mimic\w*|approximat\w*|maps?|encod\w*|"
    r"predict\w*|reus\w*|shar\w*|instead of|based on|relies on|consists of)\b",
    re.IGNORECASE,
)
_PROPOSE = re.compile(r"제안|소개|제시|\b(?:propos\w*|introduc\w*|present\w*)\b", re.IGNORECASE)
_MOTIVATION = re.compile(
    r"그러나|하지만|한계|어려움|문제|도전|기존의|기존\s|최근|필요하|요구하|부족|비효율|병목|"
    r"^(?:but|yet)\b|"
    r"\b(?:however|challeng\w*|limitation\w*|struggle\w*|existing|prior work|recent\w*|"
    r"bottleneck\w*|suffer\w*|remains?|costly|expensive|common|commonly|usually|often|"
    r"typically|widely|poorly understood|little is known)\b",
    re.IGNORECASE,
)
# A figure is tried only where its digits begin, and digits are never given back: a long run
# of digits must not be rescanned from each of its positions.
_RESULT = re.compile(
    r"달성|능가|향상|우수|뛰어|최고|최첨단|입증|나타났|확인|기록|시사|결과는|"
    r"\b(?:achiev\w*|outperform\w*|surpass\w*|improv\w*|state-of-the-art|sota|matches|"
    r"results?)\b|(?<!\d)\d++(?:\.\d++)?+\s*+(?:%|배|x|×)",
    re.IGNORECASE,
)
_HOUSEKEEPING = re.compile(
    r"https?://|github|코드|공개|데모|추가\s*자료|"
    r"\b(?:code|available|released|demo|project page)\b",
    re.IGNORECASE,
)
# Openers that carry no content on a card: "In this paper, we …", "또한,", "본 논문에서는".
_OPENERS = re.compile(
    r"^(?:(?:또한|특히|마지막으로|최종적으로|이를\s*위해|이에|결과적으로|요약하면)\s*,?\s*|"
    r"(?:(?:이|본|이번)\s*(?:연구|논문)(?:에서는|에서|은|는)|저자들은|연구진은|연구팀은|우리는)"
    r"\s*,?\s*|"
    r"(?:in this (?:paper|work|study)|here|finally|moreover|additionally|specifically|in addition)"
    r",?\s+(?=\S)|"
    r"(?:the authors|the paper|we|they|this work)\s+"
    r"(?:show|shows|find|finds|demonstrate|demonstrates)\s+that\s+)",
    re.IGNORECASE,
)
# Sentences that lean on an earlier one ("this approach lets …") say little on their own.
_ANAPHORA = re.compile(
    r"^(?:이러한|이런|이를|이와|그|this|these|such|it)\b|^(?:이러한|이를)", re.IGNORECASE
)
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+|(?<=며|고|서)\s+(?=[가-힣A-Za-z])")


def _score(sentence: str, *, index: int, method: str | None) -> float:
    score = 0.0
    score += 2.0 * min(len(_HOW.findall(sentence)), 3)
    if method and method.lower() in sentence.lower():
        score += 2.5
    if _PROPOSE.search(sentence):
        score += 1.5
    names_method = bool(method) and method.lower() in sentence.lower()  # type: ignore[union-attr]
    # "Unlike existing methods, X …" is mechanism, not motivation, when X is the subject.
    motivation_weight = 1.0 if names_method else 2.5
    score -= motivation_weight * min(len(_MOTIVATION.findall(sentence)), 2)
    if _ANAPHORA.search(sentence):
        score -= 2.0
    score -= 2.0 * min(len(_RESULT.findall(sentence)), 2)
    if _HOUSEKEEPING.search(sentence):
        score -= 6.0
    length = len(sentence)
    if length < 25:
        score -= 4.0
    elif length > 320:
        score -= 1.5
    # Mechanism usually follows the problem statement; the very first line is often context.
    if index == 0:
        score -= 0.5
    return score


def key_idea_sentence(sentences: Sequence[str], *, method: str | None) -> str | None:
    """The summary sentence that best says how the method works, as written."""
    candidates = [(i, s) for i, s in enumerate(sentences) if len(s.strip()) >= 12]
    if not candidates:
        return None
    _, best = max(
        candidates, key=lambda pair: (_score(pair[1], index=pair[0], method=method), -pair[0])
    )
    return best


def choose_key_idea(sentences: Sequence[str], *, method: str | None) -> str | None:
    """The key idea for a card: :func:`key_idea_sentence`, trimmed; ``None`` with none."""
    sentence = key_idea_sentence(sentences, method=method)
    return trim_sentence(sentence) if sentence else None


def trim_sentence(sentence: str, *, limit: int = MAX_KEY_IDEA) -> str:
    """Drop empty openers and, past ``limit`` characters, cut at the last clause boundary."""
    text = sentence.strip()
    # "또한, 본 논문에서는 우리는 …": openers come stacked.
    for _ in range(3):
        shorter = _OPENERS.sub("", text, count=1).strip()
        if shorter == text:
            break
        text = shorter
    if text[:1].islower() and text[:1].isascii():
        text = text[0].upper() + text[1:]
    if len(text) <= limit:
        return text
    cut = 0
    for match in _CLAUSE_BREAK.finditer(text):
        if match.start() > limit:
            break
        if match.start() >= limit // 2:
            cut = match.start()
    if cut:
        return text[:cut].rstrip(" ,;:") + " …"
    return text[:limit].rsplit(" ", 1)[0] + " …"
