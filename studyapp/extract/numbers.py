"""The numbers in one sentence of a paper summary, read the way Korean and English summaries
of machine-learning papers write them.

``find_numbers(sentence)`` returns every standalone quantity with its normalised value, its
canonical unit (see :data:`UNITS`) and its exact span; ``parse_number(text)`` reads one number
as a quiz user would type it. Both are pure.

What counts as a quantity:

* digits with thousands separators and decimals (``1,100``, ``0.5``); Korean magnitudes
  (``2억 7천만``, ``1.6조``, ``1,100만``); attached magnitude letters (``5B``, ``125M``, ``16k``);
  English magnitude words (``7 billion``); native Korean numerals before 배 (``두 배``);
* a unit attached or after one space (``48.9배``, ``160 토큰/초``, ``8.41 perplexity``), or after
  a hyphen for ``bit``/``fold`` (``8-bit``); a metric name between the number and a score word
  is part of the text (``8.7 GLUE 점수``: unit ``점``). A Korean counter stays in the mention
  (``2억 7천만 개``: unit ``개``); particles after it do not (``48.9배의`` reads ``48.9배``);
* ranges ``2~4배``, ``2X-3X``, ``50-60%``, ``2 to 4 times``, ``1~2억``: ``low`` is the lower end
  and ``value`` the upper one. ``from 1K to 16K`` and ``1K에서 16K`` are two mentions.

What does not: digits attached to letters on either side or joined to a word by a hyphen
(``GPT-4``, ``A100``, ``3D``, ``Mamba-3B``, ``3-layer``), a bare integer after a product name
(``RTX 3090``, ``Stockfish 16``), after a reference word (``Table 2``, ``version 2``, ``그림 3``)
or that is a year (``in 2023``, ``2024년``); dates, URLs, arXiv ids, citations (``[3]``), list
markers (``1)``, ``(2)``), ``O(n^2)``, ratios (``2:4``), fractions (``3/4``), versions
(``1.2.3``), sizes (``512x512``), ordinals (``3번째``, ``2nd``) and vague words (``수십 배``).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from studyapp.extract.units import (
    ATTACHED_ONLY,
    COUNT_UNITS,
    KOREAN_NOT_BEFORE,
    MAGNITUDES,
    NATIVE_NUMERALS,
    REFERENCE_WORDS,
    SCORE_WORDS,
    SIZE_WORDS,
    UNITS,
)

__all__ = ["SIZE_WORDS", "UNITS", "NumberMention", "find_numbers", "parse_number"]

# Longer digit runs are identifiers or noise, and would only overflow a float.
_MAX_NUMERAL_LENGTH: Final = 30


def _unit_pattern(surfaces: list[str]) -> str:
    alternatives = []
    for surface in sorted(surfaces, key=len, reverse=True):  # "%p" before "%"
        if surface[-1].isascii() and surface[-1].isalpha():
            alternatives.append(re.escape(surface) + r"(?![A-Za-z0-9_])")
        else:
            deny = KOREAN_NOT_BEFORE.get(surface)
            alternatives.append(re.escape(surface) + (f"(?![{deny}])" if deny else ""))
    return "(?P<unit>" + "|".join(alternatives) + ")"


_NUMERAL: Final = r"(?:[0-9]{1,3}+(?:,[0-9]{3})++(?![0-9])|[0-9]++)(?:\.[0-9]++)?+"
_NATIVE: Final = (
    r"(?<![가-힣])(?P<native>다섯|여섯|일곱|여덟|아홉|두|세|네|열) ?배"
    + f"(?![{KOREAN_NOT_BEFORE['배']}])"
)
_START: Final = re.compile(rf"(?<![0-9])[0-9]|{_NATIVE}")
_NATIVE_RE: Final = re.compile(_NATIVE)
_GROUP: Final = re.compile(
    rf"(?P<num>{_NUMERAL})(?P<small>[십백천]?)(?P<big>만(?![큼족료들])|억|조(?![건합정사작절직])|)"
)
_UNIT_ATTACHED: Final = re.compile(_unit_pattern(list(UNITS)))
# After a space, a lone x that goes on with a hyphen starts a name ("21 X-2.5"), not a unit.
_UNIT_SPACED: Final = re.compile(
    " (?![xX]-[A-Za-z0-9])" + _unit_pattern([u for u in UNITS if u not in ATTACHED_ONLY])
)
_NAMED_SCORE: Final = re.compile(
    r" [A-Z][A-Za-z0-9-]{1,15} " + _unit_pattern(["점수", "점", "포인트", "points", "pts"])
)
_UNIT_HYPHENED: Final = re.compile(r"-(?P<unit>bits?|fold)(?![A-Za-z0-9_])")
_MAGNITUDE: Final = re.compile(
    r"(?:(?P<letter>[KkMBT])|(?i: (?P<word>thousand|million|billion|trillion)))(?![A-Za-z0-9_])"
)
_FRACTION: Final = re.compile(rf"분의 ?(?P<num>{_NUMERAL})")
# Right after the digits: a version, ratio, path or fraction, power, size or ordinal (3번째,
# 6차, 3차원).
_NOT_ALONE_AFTER: Final = re.compile(
    r"\.[0-9]|:[0-9]|/[A-Za-z0-9]|\^| ?[x×X] ?[0-9]| ?번 ?째|째|차(?![이별])"
)
_HYPHEN_WORD: Final = re.compile(r"-(?P<word>[A-Za-z]+)")
_HYPHEN_HANGUL: Final = re.compile(r"-[가-힣]")
_NAME_CHAR: Final = re.compile(r"[A-Za-z0-9_]")
_DIMENSION_BEFORE: Final = re.compile(r"[0-9] ?[x×X] ?$")
_RANGE_SEP: Final = re.compile(r" ?[~～〜–—] ?(?=[0-9])|-(?=[0-9])| to (?=[0-9])")
_PRODUCT_WORD: Final = re.compile(r"[A-Za-z][A-Za-z0-9.-]*")
# Two capitalised words right before a number: a product's name ("Stable Diffusion 3.5").
_TWO_WORD_NAME: Final = re.compile(r"(?<![A-Za-z])[A-Z][a-z]+ [A-Z][a-z]+ $")
_SMALL_VERSION: Final = re.compile(r"[0-9]\.[0-9]")
_VERSION_NEXT: Final = re.compile(r" (?:[A-Z][a-z]|[0-9]+(?:\.[0-9]+)?[KMBT](?![A-Za-z0-9_]))")
_WINDOW_STOP: Final = re.compile(r"[,.;:!?()\[\]0-9]")
_DIGIT: Final = re.compile(r"[0-9]")
_NUMERIC_RUN: Final = re.compile(r"[0-9.,]*")
_INLINE_MARKER: Final = re.compile(r"(?<![\w.(])[0-9]{1,2}\)")
_PAREN: Final = re.compile(r"[()]")
_MONTH: Final = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
# Spans whose digits are never quantities: URLs, arXiv ids, dates, big-O, citations, list markers.
_MASK: Final = re.compile(
    "|".join(
        (
            r"(?:https?://|www\.)[^\s<>\"')\]]+",
            r"\]\([^()\s]*\)",  # a markdown link target without a scheme
            r"(?<![0-9.])[0-2][0-9](?:0[1-9]|1[0-2])\.[0-9]{4,5}(?:v[0-9]+)?(?![0-9])",
            r"(?<![0-9])[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?![0-9])",
            r"(?<![0-9])[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}(?![0-9])",
            r"(?<![0-9])(?:19|20)[0-9]{2}년(?: ?[0-9]{1,2}월)?(?: ?[0-9]{1,2}일)?",
            r"(?<![0-9])[0-9]{1,2}월(?: ?[0-9]{1,2}일)?",
            rf"(?<![A-Za-z]){_MONTH}\.? [0-9]{{1,2}}(?:st|nd|rd|th)?(?![A-Za-z0-9])",
            r"(?<![A-Za-z0-9_])O\([^()]{0,40}\)",
            r"\[[0-9]{1,3}(?:[,–-] ?[0-9]{1,3})*\]",
            r"\([0-9]{1,2}\)",
            r"^[\s*•#>-]*[0-9]{1,2}[.)](?=\s)",
        )
    )
)


@dataclass(frozen=True, slots=True)
class NumberMention:
    """One quantity in a sentence: ``sentence[start:end] == text``.

    ``value`` is normalised (``2억 7천만`` is 270000000.0, ``25%`` is 25.0); for a range it is
    the upper end and ``low`` the lower one. ``unit`` is a value of :data:`UNITS` or ``None``.

    ``size_like`` marks a model, data or context size rather than a result. It is only ever
    set when ``unit`` is ``None``, 개, 토큰 or token, and then when the magnitude is an attached
    letter (``70B``, ``125M``, ``16K``), when the unit is 토큰 or token, when a size word is
    hyphen-joined (``7B-parameter``), or when one of the next four words, before punctuation or
    another number, is a size word (``2억 7천만 개의 파라미터``, ``7 billion parameters``). Size
    words are the words starting with one of :data:`SIZE_WORDS`.
    """

    text: str
    value: float
    unit: str | None
    start: int
    end: int
    low: float | None = None
    size_like: bool = False


@dataclass(frozen=True, slots=True)
class _Reading:
    value: Decimal
    unit: str | None
    end: int
    scale: Decimal | None = None  # the one magnitude the number was multiplied by
    suffixed: bool = False  # the magnitude is an attached letter: 5B, 16K
    plain: bool = False  # digits and at most a decimal point, nothing else
    size_word_joined: bool = False  # 7B-parameter


def find_numbers(sentence: str) -> list[NumberMention]:
    """Every standalone quantity in the sentence, in order of position."""
    starts, ends = _masked_spans(sentence)
    found: list[NumberMention] = []
    pos = 0
    while (match := _START.search(sentence, pos)) is not None:
        i = match.start()
        k = bisect_right(starts, i) - 1
        if k >= 0 and i < ends[k]:
            pos = ends[k]
            continue
        mention = _mention_at(sentence, i)
        if mention is not None:
            found.append(mention)
            pos = mention.end
        elif match["native"] is not None:
            pos = match.end()
        else:
            run = _NUMERIC_RUN.match(sentence, i)
            pos = max(i + 1, run.end() if run else i + 1)
    return found


def parse_number(text: str) -> float | None:
    """Read one number as a person would type it: '48.9', '48.9x', '48.9배', '48.9 배', '1만',
    '2억 7천만', '1,100만', '7 billion', '5B', '25%' -> float, or None if it isn't one number.

    A leading minus sign is kept; a range, two numbers or trailing words give ``None``.
    """
    stripped = text.strip()
    sign = -1.0 if stripped[:1] in ("-", "−") else 1.0
    body = stripped[1:].lstrip() if sign < 0 else stripped
    reading = _read(body, 0) if body else None
    if reading is None or reading.end != len(body):
        return None
    value = float(reading.value)
    return sign * value if math.isfinite(value) else None


def _masked_spans(s: str) -> tuple[list[int], list[int]]:
    if not _DIGIT.search(s):
        return [], []
    spans = [m.span() for m in _MASK.finditer(s)]
    markers = list(_INLINE_MARKER.finditer(s))
    if markers:
        # "1) ... 2) ..." enumerates; "(예: 3)" closes a parenthesis and keeps its number.
        parens = [(m.start(), m.group()) for m in _PAREN.finditer(s)]
        positions = [p for p, _ in parens]
        for m in markers:
            k = bisect_right(positions, m.start()) - 1
            if k < 0 or parens[k][1] == ")":
                spans.append(m.span())
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(spans):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _mention_at(s: str, i: int) -> NumberMention | None:
    native = not ("0" <= s[i] <= "9")
    if not native and _joined_on_left(s, i):
        return None
    first = _read(s, i)
    if first is None:
        return None
    span = None if native else _range(s, i, first)
    if span is not None:
        reading, low = span
    elif _is_year_or_name(s, i, first):
        return None
    else:
        reading, low = first, None
    value = float(reading.value)
    if not math.isfinite(value):
        return None
    return NumberMention(
        text=s[i : reading.end],
        value=value,
        unit=reading.unit,
        start=i,
        end=reading.end,
        low=None if low is None else float(low),
        size_like=_size_like(s, reading),
    )


def _read(s: str, i: int) -> _Reading | None:
    """The quantity starting at ``s[i]``, judged on what follows it only."""
    native = _NATIVE_RE.match(s, i)
    if native is not None:
        return _Reading(Decimal(NATIVE_NUMERALS[native["native"]]), "×", native.end())
    first = _GROUP.match(s, i)
    if first is None or len(first["num"]) > _MAX_NUMERAL_LENGTH:
        return None
    numeral = first["num"]
    pos = first.end("num")
    if _NOT_ALONE_AFTER.match(s, pos):
        return None
    value = Decimal(numeral.replace(",", ""))
    unit: str | None = None
    scale: Decimal | None = None
    suffixed = False
    fraction = _FRACTION.match(s, pos)
    if fraction is not None and numeral.isdigit() and value > 0:
        value = Decimal(fraction["num"].replace(",", "")) / value
        pos = fraction.end()
    elif first["small"] or first["big"]:
        value, scale, pos = _read_korean(s, first)
    elif (attached := _UNIT_ATTACHED.match(s, pos)) is not None:
        unit, pos = UNITS[attached["unit"]], attached.end()
    elif (magnitude := _MAGNITUDE.match(s, pos)) is not None:
        suffixed = magnitude["letter"] is not None
        scale = Decimal(MAGNITUDES[magnitude["letter"] or magnitude["word"].lower()])
        value, pos = value * scale, magnitude.end()
    if unit is None:
        for pattern in (_UNIT_ATTACHED, _UNIT_SPACED, _NAMED_SCORE, _UNIT_HYPHENED):
            if (found := pattern.match(s, pos)) is not None:
                unit, pos = UNITS[found["unit"]], found.end()
                break
    size_word_joined = False
    if unit is None and _HYPHEN_HANGUL.match(s, pos):
        return None  # "1-샷", "3-단계": a configuration's name, as "1-shot" is
    if unit is None and (hyphened := _HYPHEN_WORD.match(s, pos)) is not None:
        # "7B-parameter" is a size; "3-layer", "1-shot" name a configuration.
        if not hyphened["word"].lower().startswith(SIZE_WORDS):
            return None
        size_word_joined = True
    if pos < len(s) and _NAME_CHAR.match(s, pos):
        return None
    plain = unit is None and scale is None and "," not in numeral and pos == first.end("num")
    return _Reading(value, unit, pos, scale, suffixed, plain, size_word_joined)


def _read_korean(s: str, match: re.Match[str]) -> tuple[Decimal, Decimal | None, int]:
    """Korean groups such as ``2억 7천만``: 십/백/천 inside a group, 만/억/조 closing it."""
    total = part = Decimal(0)
    last_small = last_big = 10**13
    end, groups, scale = match.start(), 0, None
    current: re.Match[str] | None = match
    while current is not None and (current["small"] or current["big"]):
        small, big = MAGNITUDES.get(current["small"], 1), MAGNITUDES.get(current["big"], 0)
        too_long = len(current["num"]) > _MAX_NUMERAL_LENGTH
        if too_long or (current["small"] and small >= last_small) or (big and big >= last_big):
            break
        part += Decimal(current["num"].replace(",", "")) * small
        if big:
            total, part, last_big, last_small = total + part * big, Decimal(0), big, 10**13
        else:
            last_small = small
        if groups == 0:
            scale = Decimal(small * (big or 1))
        end, groups = current.end(), groups + 1
        current = _GROUP.match(s, end + 1 if s.startswith(" ", end) else end)
    return total + part, scale if groups == 1 else None, end


def _joined_on_left(s: str, i: int) -> bool:
    """Whether the digits at ``s[i]`` continue a name, identifier, power or size."""
    if i == 0:
        return False
    before = s[i - 1]
    if _NAME_CHAR.match(before) or before in ".^/#@±" or s[max(0, i - 2) : i] == "± ":
        return True
    if before in "-‐" and i >= 2 and (s[i - 2].isalnum() or s[i - 2] == "_"):
        return True
    if before == ":" and i >= 2 and _NAME_CHAR.match(s[i - 2]):
        return True
    return _DIMENSION_BEFORE.search(s, max(0, i - 4), i) is not None


def _range(s: str, i: int, low: _Reading) -> tuple[_Reading, Decimal] | None:
    sep = _RANGE_SEP.match(s, low.end)
    if sep is None or (sep.group() == " to " and _word_before(s, i).lower() == "from"):
        return None
    high = _read(s, sep.end())
    if high is None or (low.unit is not None and low.unit != high.unit):
        return None
    if low.scale is not None and high.scale is None:
        return None
    low_value = low.value * high.scale if low.scale is None and high.scale else low.value
    if sep.group() == "-" and high.unit is None and high.scale is None:
        return None  # "3-2" is a score or an id more often than a range
    return (high, low_value) if low_value < high.value else None


def _word_before(s: str, i: int) -> str:
    head = s[max(0, i - 40) : i]
    if not head.endswith(" "):
        return ""
    return head[:-1].rpartition(" ")[2].lstrip("([\"'")


def _is_year_or_name(s: str, i: int, reading: _Reading) -> bool:
    """A bare year, a model or version number after a product name, or a reference."""
    if not reading.plain:
        return False
    digits = s[i : reading.end]
    if len(digits) == 4 and digits[:2] in ("19", "20"):
        return True
    word = _word_before(s, i)
    if word.rstrip(".").lower() in REFERENCE_WORDS:
        return True
    if not _PRODUCT_WORD.fullmatch(word) or word in SCORE_WORDS or word.islower():
        return False
    if "." in digits:
        # "Gemini 1.5 Pro" and "Stable Diffusion 3.5" are versions; "MMLU 65.3" is a score.
        named = _TWO_WORD_NAME.search(s, max(0, i - 40), i) is not None
        # "AlpacaEval 2.0", "Qwen 2.5": a small number with one decimal after a name.
        small = _SMALL_VERSION.fullmatch(digits) is not None and word[:1].isupper()
        return named or small or _VERSION_NEXT.match(s, reading.end) is not None
    if word[1:] != word[1:].lower() or any(c.isdigit() for c in word):
        return True  # RTX 3090, LLaMA 2, Llama2 2
    # A capitalised word opening a sentence is just a word ("Only 3 layers"), unless a name
    # or a model size follows ("Llama 3 Instruct", "Llama 2 7B").
    head = s[max(0, i - 42) : i - len(word) - 1].rstrip()
    opens_sentence = head[-1:] in ("", ".", "!", "?", ":", "-", "*", "•", "#", ">")
    return not opens_sentence or _VERSION_NEXT.match(s, reading.end) is not None


def _size_like(s: str, reading: _Reading) -> bool:
    if reading.unit is not None and reading.unit not in COUNT_UNITS:
        return False
    if reading.suffixed or reading.size_word_joined or reading.unit in ("토큰", "token"):
        return True
    window = _WINDOW_STOP.split(s[reading.end : reading.end + 40], maxsplit=1)[0]
    return any(word.lower().startswith(SIZE_WORDS) for word in window.split()[:4])
