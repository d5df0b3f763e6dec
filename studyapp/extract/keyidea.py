"""The key idea: what the method is and how it works, in a sentence or two a card can hold.

Where the summary has sections, the idea comes from the sentences that say how the method
works (``Technical Details``) and what is new (``What's New``); results and asides never. Where
it has none, every sentence is a candidate. Each is scored on cues of mechanism (by, using,
replaces, 통해, 결합, and operations such as 재사용, 추출, mask, retrieve) against cues of what a
key idea is not: motivation and background, results, the evaluation set-up, the training
schedule and recipe, benefit claims and savings, framing and purpose ("…을 위한 새로운 접근법을
제시합니다"), lists of parts, dataset figures, glossary definitions, formulas and housekeeping.
Cues are read in the summary's language only. A sentence must stand alone on the card
(:func:`stand_alone`); one announcing a list takes its items along. When the best one only
says what the method is, the best sentence on how it works follows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.extract import sentence_cues as cues
from studyapp.extract.cardtext import MAX_BACK, shorten, stand_alone, study_text
from studyapp.extract.drafts import Role

__all__ = ["KeyIdea", "choose_key_idea"]


_ROLE_BONUS = {Role.HOW: 1.5, Role.NEW: 1.0, Role.PLAIN: 0.0}
_JOINED_LIMIT = 260
_SINGLE_LIMIT = 240


@dataclass(frozen=True, slots=True)
class KeyIdea:
    """A key idea's card text, and the summary sentences it was made from."""

    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Candidate:
    index: int
    sentence: str
    text: str  # as it stands alone
    score: float
    mechanism: int
    defines: bool


def choose_key_idea(
    sentences: Sequence[str],
    *,
    method: str | None,
    lang: str,
    roles: Sequence[Role] = (),
    title: str = "",
) -> KeyIdea | None:
    """The key idea of a summary in ``lang`` ("ko" or "en"), or ``None`` when no sentence
    can say it. ``title``, the paper's, tells which sentences are about its own idea."""
    candidates = _candidates(sentences, method=method, lang=lang, roles=roles, title=title)
    if not candidates:
        return None
    best = max(candidates, key=lambda c: (c.score, -c.index))
    if best.defines and best.mechanism <= 1 and len(best.text) < 150:
        # "X는 … 프레임워크입니다" says what it is; the best other sentence says how.
        how = [c for c in candidates if c is not best and c.mechanism >= 2 and c.score >= 3.0]
        if how:
            second = max(how, key=lambda c: (c.score, -c.index))
            joined = _join(best.text, second.text)
            if len(joined) <= _JOINED_LIMIT:
                first, then = sorted((best, second), key=lambda c: c.index)
                return KeyIdea(_join(first.text, then.text), (first.sentence, then.sentence))
    return KeyIdea(shorten(best.text, limit=_SINGLE_LIMIT), (best.sentence,))


def _candidates(
    sentences: Sequence[str], *, method: str | None, lang: str, roles: Sequence[Role], title: str
) -> list[_Candidate]:
    title_words = frozenset(
        word.lower()
        for word in cues.TITLE_WORD.findall(title)
        if word.lower() not in cues.PLAIN_TITLE_WORDS and (not method or word not in method)
    )
    role_of = [roles[i] if i < len(roles) else Role.PLAIN for i in range(len(sentences))]
    allowed = {Role.HOW, Role.NEW, Role.PLAIN}
    if not any(role in allowed for role in role_of):
        allowed = {Role.RESULT}  # a summary that only reports results: still one idea
    # "이 방법은" becomes the method's name only where the summary itself uses the name: a
    # summary about something else (it happens) must not have the name put into it.
    pointed = method if method and any(method.lower() in s.lower() for s in sentences) else None
    first_of_section: set[int] = set()
    for index, role in enumerate(role_of):
        if index == 0 or role_of[index - 1] is not role:
            first_of_section.add(index)
    out = []
    for index, sentence in enumerate(sentences):
        role = role_of[index]
        if role not in allowed or len(sentence.strip()) < 12:
            continue
        # "X는 …. 이는 …": the "이는" of the next sentence is X when X is the method.
        before = sentences[index - 1] if index else ""
        antecedent = pointed if pointed and pointed.lower() in before.lower() else None
        text = stand_alone(sentence, method=pointed, antecedent=antecedent, usage=sentences)
        if text is not None and text.endswith((":", "：")):
            text = _with_list(text, sentences[index + 1 :], role_of[index + 1 :], role)
        if text is None or len(text) < 15:
            continue
        mechanism = min(cues.HOW.count(text, lang), 3)
        score = _score(
            sentence,
            text,
            method=method,
            role=role,
            lang=lang,
            mechanism=mechanism,
            title_words=title_words,
        )
        if index in first_of_section and role is Role.HOW:
            score += 1.0
        if role is Role.PLAIN and index == 0:
            score -= 0.5  # the first line of an unlabelled summary is often context
        defines = cues.WHAT_IT_IS.found(text, lang) or cues.PROPOSE.found(text, lang)
        out.append(_Candidate(index, sentence, text, score, mechanism, defines))
    return out


def _with_list(
    text: str, following: Sequence[str], roles: Sequence[Role], role: Role
) -> str | None:
    """A sentence that announces a list ("… 두 가지를 도입했습니다:") with the items that
    follow it in its section, when they fit on a card; else ``None``."""
    items: list[str] = []
    for sentence, its_role in zip(following, roles, strict=False):
        if its_role is not role:
            break
        items.append(study_text(sentence))
        if len(" ".join([text, *items])) >= _SINGLE_LIMIT:
            break
    joined = " ".join([text, *items])
    return joined if items and len(joined) <= MAX_BACK else None


def _score(
    sentence: str,
    text: str,
    *,
    method: str | None,
    role: Role,
    lang: str,
    mechanism: int,
    title_words: frozenset[str],
) -> float:
    score = _ROLE_BONUS.get(role, -2.0) + 2.0 * mechanism
    names_method = bool(method) and method.lower() in text.lower()  # type: ignore[union-attr]
    if names_method:
        score += 2.0
    if cues.IDENTITY_END.found(text, lang):
        # Said as what it is: an opening at best. Said as what it is for ("…을 개선하기 위한
        # 새로운 접근법을 제시합니다"), nothing of how at all; "블록으로 묶어 계산하는 X를
        # 제안한다" keeps the how in its clause.
        if cues.PURPOSE.found(text, lang):
            score -= 3.5 if mechanism >= 2 else 4.0
        else:
            score -= 1.0 if mechanism >= 2 else 1.5
    elif cues.WHAT_IT_IS.found(text, lang) or cues.PROPOSE.found(text, lang):
        score -= 0.0 if mechanism >= 2 else 1.5
    if cues.CONTRAST.found(text, lang):
        score -= 2.0
    if cues.RECIPE.found(text, lang) and not names_method:
        score -= 1.0
    if cues.EFFICIENCY.found(text, lang):
        score -= 2.0
    if cues.GLOSSARY.found(text, lang) and not names_method:
        score -= 2.0
    if cues.UNNAMED_PARTS.search(text) and ":" not in text:
        score -= 1.0
    if cues.ADDED.match(sentence.strip()):
        score -= 1.0
    if cues.KEY_CUE.found(text, lang):
        score += 3.0
    if cues.COMPOSITION.found(text, lang):
        score -= 2.0
    if cues.BASED.found(text, lang):
        score -= 1.5
    if cues.POINTING_INSIDE.found(text, lang):
        score -= 1.5
    if cues.FRAMING.found(text, lang):
        score -= 1.5
    if cues.MATH.search(text) or cues.INLINE_LIST.search(text):
        score -= 2.0
    if mechanism >= 2:
        # About the title's own idea, and saying how: the main mechanism, not a side one. (A
        # sentence that only restates the title gets nothing for it.)
        overlap = sum(1 for word in title_words if word in text.lower())
        score += 0.75 * min(overlap, 3)
    # "Unlike existing methods, X …" is mechanism, not motivation, when X is the subject.
    score -= (1.0 if names_method else 2.5) * min(cues.MOTIVATION.count(text, lang), 2)
    score -= 3.0 * min(cues.RESULT.count(text, lang), 2)
    if cues.EVALUATION.found(text, lang):
        score -= 2.5
    if cues.SCHEDULE.found(text, lang) and cues.DIGIT.search(text):
        score -= 3.0
    if cues.BENEFIT.found(text, lang):
        score -= 2.0
    if cues.HOUSEKEEPING.found(text, lang):
        score -= 6.0
    if cues.STEP.search(sentence):
        score -= 1.5
    score -= 0.75 * min(len(cues.FIGURE.findall(text)), 3)
    if text != sentence.strip():
        score -= 0.3  # rewritten to stand alone: a little less sure of it
    length = len(text)
    if length < 30:
        score -= 3.0
    elif length > MAX_BACK:
        score -= 2.0
    elif length > _SINGLE_LIMIT:
        score -= 1.0
    return score


def _join(first: str, second: str) -> str:
    first = first.rstrip()
    if not first.endswith((".", "!", "?", "다", "요")):
        first += "."
    return f"{first} {second}"
