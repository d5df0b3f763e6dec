"""The headline number: the one result a paper is known for, or none.

Every quantity :func:`studyapp.extract.numbers.find_numbers` reads is a candidate. A candidate
earns points for a result-like unit (``×``, ``%``, scores, throughput), for result verbs in its
sentence (achieves, faster, 달성, 향상), for "up to"/"최대" right before it and for a comparison
("than", "대비"), for a margin ("보다 30% 더") and for the results section; it loses points in
sentences about motivation or set-up, in an example ("예를 들어"), for being approximate, a
range, a correlation or spelled out in words, and for being a baseline's figure ("81.0%보다").
It is out entirely when it is a count ("6개", "14가지"), a model or data size ("70B
parameters"), a condition ("75%로 두었을 때"), a rank ("상위 2위"), a length ("30초 길이의"),
or one item of a list of numbers that cannot be told with its own item. Below a threshold there
is no headline: an invented number is worse than no card.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from studyapp.extract.drafts import Role
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
    r"달성|향상|가속|능가|뛰어넘|앞서|기록|개선|감소|줄이|줄였|줄일|단축|절감|제거|빠른|빠르|빠릅|빨라|"
    r"높은|높습|높였|높아|높여|높이|낮은|낮춰|회복|유지|충족|늘리|늘려|늘어|증가|도달|해결|최고|우수|"
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
# "단순 병합의 81.0%보다 높다", "than 81.0%": the figure the result is compared against.
_BASELINE_AFTER = re.compile(r"^\s*(?:보다|에 비해|에 비하여|대비)")
_BASELINE_BEFORE = re.compile(r"\b(?:than|compared (?:to|with))\s*$", re.IGNORECASE)
# "30초 길이의 오디오", "1024 해상도의": what the output measures, a set-up.
_MEASURE_AFTER = re.compile(r"^\s*(?:길이|분량|해상도|크기|규모)의?(?=\s|$)")
# A correlation says how two measures agree, not what the method achieved.
_CORRELATION_BEFORE = re.compile(
    r"(?:\br\s*=|상관(?:계수|관계)?[^.,]{0,15}|correlation[^.,]{0,15})\s*$", re.IGNORECASE
)
_THAN_BEFORE = re.compile(r"보다\s*$")
_MORE_AFTER = re.compile(r"^\s*(?:더|높|낮|빠르|빠른|적|많)")
_RANGE_JOINER = re.compile(r"\s*(?:에서|부터)\s*(?:최대|약|대략)?\s*")
_SPEED = re.compile(r"속도|지연|레이턴시|\b(?:speed|latency|fast|per second|throughput)\b", re.I)
_PEOPLE_BEFORE = re.compile(
    r"(?:인간|사람|전문가|주석자)(?:은|는|이|가|의)[^,.]{0,20}$|\b(?:humans?|annotators?)\b[^,.]{0,20}$",
    re.IGNORECASE,
)
_TIME_UNITS = {"초", "분", "시간", "s", "ms", "min", "h"}
_WITHIN_AFTER = re.compile(r"^\s*(?:만에|만으로|이내|안에|내에)")
# A rank ("상위 2위", "top 3") says where, not how much.
_RANK_BEFORE = re.compile(r"(?:상위|하위|\btop|\brank(?:ed)?|\bno\.)\s*$", re.IGNORECASE)
# "크기를 10배 키울 때마다", "for every 10x": the multiplier is a condition, not a result.
_CONDITION_AFTER = re.compile(r"^\S*(?:\s+\S+){0,2}?\s*(?:키울|늘릴|늘어날|증가할|할)\s*때마다")
# "상한을 75%로 두었을 때", "5%로 제한한 조건에서": the number sets the condition.
_SETTING_AFTER = re.compile(
    r"[^,.;]{0,24}?(?:때(?:에도|에|도)?|경우(?:에도|에)?|조건(?:에서|하에서|으로)|설정에서|상황에서)"
    r"(?=[\s,]|$)"
)
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
    r"그러나|하지만|지만|한계|문제점|데이터셋으로|학습시켰|훈련시켰|수집|구성된|"
    r"\b(?:however|but|dataset of|trained on|consists? of|collected)\b",
    re.IGNORECASE,
)


# Numbers in a list ("각각 3.6%와 10.1%", "12%, 15% and 18%") each belong to an item the
# sentence pairs them with: blanked alone, one of them makes a question with no single answer.
# An example is a secondary result: "예를 들어 GPT-4는 …".
_EXAMPLE = re.compile(r"^(?:예를 들어|예컨대|for example|for instance|e\.g\.)", re.IGNORECASE)
_SHARED_METRIC = re.compile(
    r"\s+(?P<metric>[A-Za-z][\w@%-]*)\s*(?:,|와|과|및|and|or|/)\s*", re.IGNORECASE
)
_LIST_JOINER = re.compile(r"^\s*(?:,|와|과|및|,?\s*and|,?\s*or|/)\s*$", re.IGNORECASE)
# A sentence's role moves its numbers: results are where headlines are; how a method works
# is where set-up figures are.
_ROLE_BONUS = {Role.RESULT: 1.0, Role.NEW: 0.0, Role.PLAIN: 0.0, Role.HOW: -1.0}


@dataclass(frozen=True, slots=True)
class Headline:
    mention: NumberMention
    #: The summary's sentence the number is in.
    sentence: str
    score: float
    #: The sentence as a card shows it, with the number at ``[start:end]``: the summary's
    #: sentence, or for a number of a "각각" list, the sentence told of its own item only.
    shown: str = ""
    start: int = 0
    end: int = 0


@dataclass(frozen=True, slots=True)
class _Cues:
    """What a whole sentence says, read once however many numbers it holds (a sentence of
    thousands of numbers would otherwise be searched thousands of times)."""

    result: float
    comparison: bool
    setup: bool
    growth: bool
    speed: bool

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
            speed=_SPEED.search(sentence) is not None,
        )


def choose_headline(
    sentences: Sequence[str], *, evidence: Sequence[str] = (), roles: Sequence[Role] = ()
) -> Headline | None:
    """The paper's headline result among its sentences and evidence lines, or ``None``.

    ``evidence`` holds lines that state results without being prose (a translated title,
    statistics); the first of them, a title, gets a small bonus because titles announce the
    headline. ``roles`` are the sentences' roles (asides are never read); a number that is one
    item of a list of numbers is never the headline.
    """
    best: Headline | None = None
    role_of = [roles[i] if i < len(roles) else Role.PLAIN for i in range(len(sentences))]
    lines = []
    for index, (sentence, role) in enumerate(zip(sentences, role_of, strict=True)):
        if role is Role.ASIDE:
            continue
        bonus = _ROLE_BONUS.get(role, 0.0)
        if role is Role.RESULT and (index == 0 or role_of[index - 1] is not Role.RESULT):
            bonus += 0.5  # a results section opens on its main result
        if _EXAMPLE.match(sentence):
            bonus -= 1.0
        lines.append((sentence, bonus))
    lines += [(line, 1.0 if index == 0 else 0.0) for index, line in enumerate(evidence)]
    for sentence, bonus in lines:
        mentions = _with_ranges(sentence, find_numbers(sentence))
        if not mentions:
            continue
        cues = _Cues.of(sentence)
        lists = _lists(sentence, mentions)
        listed = {index: run for run in lists for index in run}
        for index, mention in enumerate(mentions):
            shown = (sentence, mention.start, mention.end)
            if index in listed:
                if index != listed[index][0]:
                    continue
                one = _one_item(sentence, [mentions[i] for i in listed[index]])
                if one is None:
                    continue
                shown = one
            score = _score(mention, sentence, cues)
            if score is None:
                continue
            score += bonus
            if best is None or score > best.score:
                best = Headline(mention, sentence, score, *shown)
    if best is None or best.score < MIN_SCORE:
        return None
    return best


def _with_ranges(sentence: str, mentions: list[NumberMention]) -> list[NumberMention]:
    """``mentions`` with each Korean range ("40%에서 50%", "1.7배부터 2배까지") made one
    mention, as "40~50%" is: each end alone is half a fact. "48.2%에서 61.5%로" is a change,
    not a range, and stays two mentions (the second is where it got to)."""
    out: list[NumberMention] = []
    index = 0
    while index < len(mentions):
        low = mentions[index]
        high = mentions[index + 1] if index + 1 < len(mentions) else None
        if (
            high is not None
            and low.unit in (high.unit, None)
            and _RANGE_JOINER.fullmatch(sentence[low.end : high.start])
            and not _TO_AFTER.search(sentence[high.end : high.end + 4])
        ):
            text = sentence[low.start : high.end]
            out.append(replace(high, text=text, start=low.start, low=low.value))
            index += 2
        else:
            out.append(low)
            index += 1
    return out


def _lists(sentence: str, mentions: Sequence[NumberMention]) -> list[list[int]]:
    """Runs of positions, among ``mentions``, of numbers that make a list: neighbours of the
    same unit with nothing but a comma or "and" between them."""
    runs: list[list[int]] = []
    for index in range(len(mentions) - 1):
        left, right = mentions[index], mentions[index + 1]
        # "15 및 50단계": the first shares the unit the last one carries; "68.2 mIoU와
        # 71.9 mIoU": both carry the metric they share.
        same = left.unit == right.unit or left.unit is None
        between = _SHARED_METRIC.match(sentence, left.end, right.start)
        if between and not sentence.startswith(between.group("metric"), right.end + 1):
            between = None
        if same and (_LIST_JOINER.match(sentence[left.end : right.start]) or between):
            if runs and runs[-1][-1] == index:
                runs[-1].append(index + 1)
            else:
                runs.append([index, index + 1])
    return runs


_EACH = "각각"
# What joins the items a "각각" list of numbers belongs to: "A와 B", "A, B 및 C".
_WORD = re.compile(r"\S+")
_NUMBER_WITH_UNIT = re.compile(r"[0-9.]+([^\W\d_]+)")
_NAME_WORD = re.compile(r"[A-Za-z0-9][\w.+%-]*")
_ITEM_AND_PARTICLE = re.compile(
    r"[A-Za-z0-9][\w.+%-]*?(?P<particle>에서|으로|로|을|를|이|가|은|는|의|에|)"
)
_PARTICLE = re.compile(r"(?:에서|에게|으로|로|에|의|은|는|이|가|을|를)$")
_ITEM_JOINER = re.compile(r"(?<=\S)(?:와|과)\s+|\s*,\s+|\s+(?:및|그리고|and)\s+")


def _one_item(sentence: str, run: Sequence[NumberMention]) -> tuple[str, int, int] | None:
    """The sentence told of the first item of a "각각" list only, with the position of its
    number: "A와 B에서 각각 3.6%와 10.1% 향상" → ("A에서 3.6% 향상", start, end). ``None``
    when the sentence does not pair its numbers with as many items."""
    first, last = run[0], run[-1]
    each = sentence.rfind(_EACH, 0, first.start)
    if each < 0 or len(sentence[each + len(_EACH) : first.start]) > 12:
        return None
    # The items are the last words joined before "각각": "BLEU, chrF++, METEOR 점수가".
    before = sentence[:each]
    joiners = list(_ITEM_JOINER.finditer(before))[-(len(run) - 1) :]
    if len(joiners) != len(run) - 1:
        return None
    for left, right in zip(joiners, joiners[1:], strict=False):
        if " " in before[left.end() : right.start()].strip():
            return None  # not one list: an item of one word between each joiner
    first_item = before[: joiners[0].start()].rsplit(" ", 1)[-1]
    last_item = _WORD.match(before, joiners[-1].end())
    if not first_item or last_item is None:
        return None
    # "15 및 50단계 평가에서": the first item borrows the unit the last one carries, and the
    # words after the items are shared. "SciAssess와 SciRIFF 벤치마크에서": one-word names,
    # and the words after them shared too. "긴 문맥 검색 과제와 다중 문서 질의응답에서": phrases;
    # the first keeps only the particle that closes the last one.
    unit = _NUMBER_WITH_UNIT.fullmatch(last_item.group())
    own = _ITEM_AND_PARTICLE.fullmatch(last_item.group())
    if unit and first_item.replace(".", "").isdigit():
        tail = unit.group(1) + before[last_item.end() :]
    elif _NAME_WORD.fullmatch(first_item) and own:
        # "80%와 65%를 사용할 때", "SciAssess와 SciRIFF 벤치마크에서": the first item takes
        # the particle of the last one and the words after it.
        tail = own.group("particle") + before[last_item.end() :]
    else:
        particle = _PARTICLE.search(before.rstrip())
        tail = (particle.group() if particle else "") + " "
    head = before[: joiners[0].start()] + tail
    head += sentence[each + len(_EACH) : first.start].lstrip()
    return head + first.text + sentence[last.end :], len(head), len(head) + len(first.text)


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
    if _SETTING_AFTER.match(sentence, mention.end) or _MEASURE_AFTER.match(after):
        return None
    if _RANK_BEFORE.search(before):
        return None
    score = _UNIT_SCORES.get(unit, 0.0)
    if not unit and _METRIC_BEFORE.search(before):
        score += 2.0
    elif bare_integer:
        score -= 1.5  # a bare integer with no metric before it is a count more often
    elif not unit and "." in mention.text:
        score += 1.0  # a bare decimal in a result sentence is a measured score
    if _CORRELATION_BEFORE.search(before):
        score -= 2.0
    if _PEOPLE_BEFORE.search(before):
        score -= 1.5  # "인간은 72.4% …": people's reference figure, not the paper's result
    if mention.low is not None:
        score -= 1.0  # a range is harder to recall than one figure; the card asks for both
    if _THAN_BEFORE.search(before) and _MORE_AFTER.match(after):
        score += 1.0  # "기존보다 30% 더 나은": the margin over the others
    if unit in _TIME_UNITS and (_WITHIN_AFTER.match(after) or cues.speed):
        score += 2.0  # "0.82초 만에 생성", "약 0.6초라는 속도": a speed
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
    elif _BASELINE_AFTER.match(after) or _BASELINE_BEFORE.search(before):
        score -= 3.0
    elif reached:
        score += 1.0
    if not mention.text[:1].isdigit():
        # Spelled-out numbers ("두 배") are loose paraphrase rather than the measured figure.
        score -= 1.5
    if cues.setup:
        score -= 2.0
    return score
