"""The vocabulary numbers are read with: units, magnitudes, and the words around numbers
that say what kind of figure they are. Tables only; the reading is in :mod:`.numbers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = [
    "ATTACHED_ONLY",
    "COUNT_UNITS",
    "KOREAN_NOT_BEFORE",
    "MAGNITUDES",
    "NATIVE_NUMERALS",
    "REFERENCE_WORDS",
    "SCORE_WORDS",
    "SIZE_WORDS",
    "UNITS",
]

#: Every unit spelling that is read, mapped to its canonical unit. Multipliers become ``×``,
#: English spellings are canonicalised, Korean units and counters are kept as written.
UNITS: Final[Mapping[str, str]] = MappingProxyType(
    {
        **dict.fromkeys(("배", "×", "x", "X", "times", "fold"), "×"),
        **dict.fromkeys(("%", "퍼센트", "percent"), "%"),
        **dict.fromkeys(("%p", "%포인트", "퍼센트포인트", "pp", "percentage points"), "%p"),
        **{u: u for u in ("초", "분", "시간", "개", "개월", "가지", "편", "번", "점", "비트")},
        **{u: u for u in ("토큰", "토큰/초", "단계", "포인트", "층", "명")},
        "점수": "점",
        **dict.fromkeys(("bit", "bits"), "bit"),
        **dict.fromkeys(("point", "points", "pts"), "point"),
        **dict.fromkeys(("token", "tokens"), "token"),
        **dict.fromkeys(("tokens/s", "tokens/sec", "tok/s", "tokens per second"), "tokens/s"),
        **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "s"),
        **dict.fromkeys(("ms", "milliseconds"), "ms"),
        **dict.fromkeys(("min", "mins", "minute", "minutes"), "min"),
        **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "h"),
        **dict.fromkeys(("perplexity", "PPL"), "perplexity"),
        **dict.fromkeys(("GFLOPs", "GFlops", "GFLOPS"), "GFLOPs"),
        **dict.fromkeys(("TFLOPs", "TFlops", "TFLOPS"), "TFLOPs"),
        **dict.fromkeys(("FPS", "fps"), "FPS"),
        **{u: u for u in ("BLEU", "Elo", "GB", "MB", "TB", "dB", "kHz")},
    }
)

# A Korean unit is also the first syllable of ordinary words (배경, 개선, 분석, 번역), so it is
# only a unit when the next character does not continue such a word.
KOREAN_NOT_BEFORE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "배": "경계관급달당려분선송수신심아양역열우정제척추출치타터포합",
        "초": "과기대록반보안월점",
        "분": "기량류리모배별산석야위자포할해",
        "시간": "대",
        "개": "념발방별선요인입체최편",
        "편": "견리집차향",
        "번": "역째호",
        "점": "검선유진차프",
        "비트": "맵",
        "토큰": "화",
        "층": "화",
        "명": "령사성시제칭확",
    }
)
# One letter after a space is more often a variable or an initial than a unit.
ATTACHED_ONLY: Final = frozenset({"s", "h"})
COUNT_UNITS: Final = frozenset({"개", "토큰", "token"})
#: Beginnings of the words that make a count a model or data size (see ``size_like``).
SIZE_WORDS: Final = tuple(
    "파라미터 피라미터 매개변수 가중치 토큰 이미지 샘플 데이터 예제 문서 "
    "동영상 비디오 단어 문장 param weight token image sample example data "
    "document video word sentence pair instance".split()
)
REFERENCE_WORDS: Final = frozenset(
    "table tab figure fig section sec eq eqn equation appendix chapter algorithm alg theorem "
    "lemma definition version ver 표 그림 식 수식 부록 버전 절".split()
)
# Words after which a bare integer is a score, not a model number ("Elo 2895").
SCORE_WORDS: Final = frozenset({u for u in UNITS if u.isascii()} | {"ELO", "FID"})

NATIVE_NUMERALS: Final[Mapping[str, int]] = MappingProxyType(
    {"두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10}
)
MAGNITUDES: Final[Mapping[str, int]] = MappingProxyType(
    {
        **{"십": 10, "백": 100, "천": 1000, "만": 10**4, "억": 10**8, "조": 10**12},
        **{"K": 10**3, "k": 10**3, "M": 10**6, "B": 10**9, "T": 10**12},
        **{"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12},
    }
)
