"""How a quiz writes and reads numbers: another value written the way a headline writes its
own (``48.9배`` → ``3.0배``, ``두 배`` → ``세 배``), and whether a typed number is the one shown."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from studyapp.extract.numbers import find_numbers, parse_number

__all__ = ["number_matches", "renderer", "shape", "written"]

_LITERAL = re.compile(r"\d[\d,]*(?:\.\d+)?")
_KOREAN_MAGNITUDE = re.compile("[만억조]")
_KOREAN_DIGIT_WORDS = re.compile("[천백십]")
_NATIVE = ("한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉", "열")
_NATIVE_TEXT = re.compile(rf"^(?P<n>{'|'.join(_NATIVE)})(?P<rest>\s*배.*)$")


def shape(text: str) -> str:
    """A number's text with its digits left out: how it is written."""
    return _LITERAL.sub("0", text)


def renderer(
    text: str, value: float | None, unit: str | None
) -> Callable[[float], str | None] | None:
    """A function writing another value the way ``text`` writes ``value`` (``48.9배`` → 3 is
    ``3.0배``; ``두 배`` → 3 is ``세 배``; ``2~3배`` → 6 is ``4~6배``), or ``None`` when the
    way it is written cannot be followed (``2억 7천만``)."""
    if value is None or value <= 0:
        return None
    native = _NATIVE_TEXT.match(text)
    if native:
        rest = native["rest"]

        def in_words(other: float) -> str | None:
            whole = round(other)
            return f"{_NATIVE[whole - 1]}{rest}" if 2 <= whole <= 10 else None

        return in_words
    literals = list(_LITERAL.finditer(text))
    if not literals or len(literals) > 2 or _KOREAN_DIGIT_WORDS.search(text):
        return None
    if len(literals) > 1 and _KOREAN_MAGNITUDE.search(text):
        return None

    def render(other: float) -> str | None:
        if unit == "%" and value <= 100 < other:
            return None  # no share above the whole when the right one is a share
        out, last = [], 0
        for literal in literals:
            scaled = written(literal.group(), other / value)
            if scaled is None:
                return None
            out += [text[last : literal.start()], scaled]
            last = literal.end()
        return "".join(out) + text[last:]

    return render


def written(literal: str, factor: float) -> str | None:
    """``literal`` times ``factor``, with as many decimals (and thousands commas) as it has."""
    plain = literal.replace(",", "")
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    value = float(plain) * factor
    if not math.isfinite(value) or round(value, decimals) <= 0:
        return None
    return f"{value:,.{decimals}f}" if "," in literal else f"{value:.{decimals}f}"


def number_matches(typed: str, shown: str, value: float, unit: str | None) -> bool:
    """Whether a typed number is the shown one, at the precision shown, with or without its
    unit: for ``48.9배``, ``48.9``, ``48.9x``, ``48.9 배`` and ``48.90`` are right; ``49`` and
    ``48.9%`` are not. Korean numerals are read (``1만`` is 10000)."""
    typed = typed.strip()
    number = parse_number(typed)
    if number is None:
        return False
    mentions_ = find_numbers(typed)
    typed_unit = mentions_[0].unit if mentions_ else None
    if typed_unit is not None and unit is not None and typed_unit != unit:
        return False
    # The precision shown: its significant digits (all of a Korean "2억 7천만"'s digits).
    literal = _LITERAL.search(shown)
    digits = shown if _KOREAN_MAGNITUDE.search(shown) else literal.group() if literal else ""
    significant = max(1, len(re.sub(r"\D", "", digits).lstrip("0")))
    return f"{number:.{significant - 1}e}" == f"{value:.{significant - 1}e}"
