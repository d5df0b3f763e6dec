"""Reading the numbers of Korean and English summary sentences, over sentences written for it."""

from __future__ import annotations

from typing import Any

import pytest

from studyapp.extract.numbers import UNITS, NumberMention, find_numbers, parse_number


def q(
    text: str,
    value: float,
    unit: str | None = None,
    *,
    low: float | None = None,
    size: bool = False,
) -> tuple[Any, ...]:
    """One expected mention: text, value, unit, low end, size_like."""
    return (text, pytest.approx(value), unit, None if low is None else pytest.approx(low), size)


def rows(sentence: str) -> list[tuple[Any, ...]]:
    mentions = find_numbers(sentence)
    for mention in mentions:
        assert sentence[mention.start : mention.end] == mention.text
    return [(m.text, m.value, m.unit, m.low, m.size_like) for m in mentions]


# Each value form, unit, particle, range and comparison, in sentences about made-up methods.
FOUND = [
    # Plain decimals, separators and multipliers.
    ("제안한 희소 어텐션은 기준선 대비 48.9배의 처리량 향상을 보인다.", [q("48.9배", 48.9, "×")]),
    (
        "지연 시간은 3.2x 줄었고 메모리 사용량은 2.5X 절약되었다.",
        [q("3.2x", 3.2, "×"), q("2.5X", 2.5, "×")],
    ),
    ("With the new cache, decoding runs 3 x faster.", [q("3 x", 3, "×")]),
    ("The sparse kernel is 3.2× faster than the dense one.", [q("3.2×", 3.2, "×")]),
    ("Pruning the heads made it 4 times cheaper to serve.", [q("4 times", 4, "×")]),
    ("Routing cuts the compute bill 10-fold.", [q("10-fold", 10, "×")]),
    ("The adapter trains in a 12 fold shorter schedule.", [q("12 fold", 12, "×")]),
    ("학습 예산 1,100 GPU 시간 중 0.5를 썼다.", [q("1,100", 1100), q("0.5", 0.5)]),
    # Korean magnitudes.
    ("학습 단계를 1만 번으로 늘렸다.", [q("1만 번", 10_000, "번")]),
    ("이 과제의 총 예산은 2억 7천만 원이었다.", [q("2억 7천만", 270_000_000)]),
    ("총 예산은 2억7천만 원으로 줄었다.", [q("2억7천만", 270_000_000)]),
    ("이 코퍼스는 650억 개의 토큰으로 이루어진다.", [q("650억 개", 65e9, "개", size=True)]),
    ("사전 학습에 1.6조 토큰을 썼다.", [q("1.6조 토큰", 1.6e12, "토큰", size=True)]),
    ("웹에서 1,100만 장의 이미지를 모았다.", [q("1,100만", 11_000_000, size=True)]),
    ("상담 기록 1천만 건을 정리했다.", [q("1천만", 10_000_000)]),
    (
        "인프라에 150억 원, 인건비에 7억 원, 홍보에 10억 원을 썼다.",
        [q("150억", 15e9), q("7억", 7e8), q("10억", 1e9)],
    ),
    ("10억 개의 가중치를 양자화한다.", [q("10억 개", 1e9, "개", size=True)]),
    ("검증에 10억 개가 넘는 쿼리가 쓰였다.", [q("10억 개", 1e9, "개")]),
    (
        "설문에는 3천 명이 참여했고 5백 번의 대화를 기록했다.",
        [q("3천 명", 3000, "명"), q("5백 번", 500, "번")],
    ),
    ("후보를 1천 2백만 개로 늘렸다.", [q("1천 2백만 개", 12_000_000, "개")]),
    ("어휘를 1만 5천으로 줄였다.", [q("1만 5천", 15_000)]),
    ("오류를 3분의 1로 줄였다.", [q("3분의 1", 1 / 3)]),
    # Native Korean numerals before 배.
    (
        "새 스케줄러는 두 배 빠르고 캐시는 세 배 작으며 "
        "비용은 네 배, 지연은 다섯 배, 오류는 열 배 줄었다.",
        [
            q("두 배", 2, "×"),
            q("세 배", 3, "×"),
            q("네 배", 4, "×"),
            q("다섯 배", 5, "×"),
            q("열 배", 10, "×"),
        ],
    ),
    ("배치 크기를 두배로 늘렸다.", [q("두배", 2, "×")]),
    # English magnitudes, words and attached letters.
    ("The corpus holds 7 billion tokens.", [q("7 billion tokens", 7e9, "token", size=True)]),
    ("The lab spent 7 billion won on compute.", [q("7 billion", 7e9)]),
    ("We filter 1.5 million images by caption.", [q("1.5 million", 1.5e6, size=True)]),
    (
        "About 3 thousand raters and 2 trillion tokens were involved.",
        [q("3 thousand", 3000), q("2 trillion tokens", 2e12, "token", size=True)],
    ),
    (
        "We release 5B and 125M checkpoints with 16K and 16k windows on a 1.5T token corpus.",
        [
            q("5B", 5e9, size=True),
            q("125M", 1.25e8, size=True),
            q("16K", 16_000, size=True),
            q("16k", 16_000, size=True),
            q("1.5T token", 1.5e12, "token", size=True),
        ],
    ),
    # Percent and percentage points.
    (
        "정확도가 25%를 넘었고 오류율은 1.5%p, 재현율은 3%포인트 달라졌다.",
        [q("25%", 25, "%"), q("1.5%p", 1.5, "%p"), q("3%포인트", 3, "%p")],
    ),
    ("Recall moved by 25 % and then by 2.1 pp.", [q("25 %", 25, "%"), q("2.1 pp", 2.1, "%p")]),
    (
        "Win rate rose 4 percentage points, to 61 percent.",
        [q("4 percentage points", 4, "%p"), q("61 percent", 61, "%")],
    ),
    # Ranges share their unit; the value is the upper end.
    (
        "속도는 2~4배, 메모리는 3~4비트, 비용은 50-60%, 규모는 1~2억 수준이다.",
        [
            q("2~4배", 4, "×", low=2),
            q("3~4비트", 4, "비트", low=3),
            q("50-60%", 60, "%", low=50),
            q("1~2억", 2e8, low=1e8),
        ],
    ),
    (
        "Speedups of 2-4x, 2X-3X and 2–3× hold, or 2 to 4 times on small batches.",
        [
            q("2-4x", 4, "×", low=2),
            q("2X-3X", 3, "×", low=2),
            q("2–3×", 3, "×", low=2),
            q("2 to 4 times", 4, "×", low=2),
        ],
    ),
    ("지연은 3 ~ 5배 줄었다.", [q("3 ~ 5배", 5, "×", low=3)]),
    ("We scale from 5-10B parameters.", [q("5-10B", 1e10, low=5e9, size=True)]),
    # Two values that are not a range.
    (
        "문맥 길이를 1K에서 16K 토큰으로 늘렸다.",
        [q("1K", 1000, size=True), q("16K 토큰", 16_000, "토큰", size=True)],
    ),
    ("Precision goes from 16 to 8 bits.", [q("16", 16), q("8 bits", 8, "bit")]),
    ("성공률은 49% 대 28%였다.", [q("49%", 49, "%"), q("28%", 28, "%")]),
    ("Win rate was 49% vs 28% for the baseline.", [q("49%", 49, "%"), q("28%", 28, "%")]),
    ("속도 향상은 3~2배로 보고되었다.", [q("3", 3), q("2배", 2, "×")]),
    # Korean units, kept as written.
    (
        "평가에서 1520점, 4비트, 3초, 20분, 2시간, 5개, 3편, "
        "4번, 3단계, 24층, 10명, 14가지, 6개월이다.",
        [
            q("1520점", 1520, "점"),
            q("4비트", 4, "비트"),
            q("3초", 3, "초"),
            q("20분", 20, "분"),
            q("2시간", 2, "시간"),
            q("5개", 5, "개"),
            q("3편", 3, "편"),
            q("4번", 4, "번"),
            q("3단계", 3, "단계"),
            q("24층", 24, "층"),
            q("10명", 10, "명"),
            q("14가지", 14, "가지"),
            q("6개월", 6, "개월"),
        ],
    ),
    (
        "생성 속도는 90 토큰/초이고 문맥은 512 토큰, 개선 폭은 2.4 포인트다.",
        [
            q("90 토큰/초", 90, "토큰/초"),
            q("512 토큰", 512, "토큰", size=True),
            q("2.4 포인트", 2.4, "포인트"),
        ],
    ),
    (
        "평균 5.8 점수와 8.7 GLUE 점수를 얻었다.",
        [q("5.8 점수", 5.8, "점"), q("8.7 GLUE 점수", 8.7, "점")],
    ),
    # English units, canonicalised.
    (
        "It uses 4 bits, 8-bit activations and 5.5 bits-per-weight.",
        [q("4 bits", 4, "bit"), q("8-bit", 8, "bit"), q("5.5 bits", 5.5, "bit")],
    ),
    (
        "It gains 3 points, then 3.1 pts, then 1 point.",
        [q("3 points", 3, "point"), q("3.1 pts", 3.1, "point"), q("1 point", 1, "point")],
    ),
    (
        "Decoding reaches 120 tokens/s, or 130 tokens per second with batching.",
        [q("120 tokens/s", 120, "tokens/s"), q("130 tokens per second", 130, "tokens/s")],
    ),
    (
        "A step takes 2.5 seconds, 0.8s, 1.2 sec, 35ms or 35 ms; training takes 6 hours or 3h.",
        [
            q("2.5 seconds", 2.5, "s"),
            q("0.8s", 0.8, "s"),
            q("1.2 sec", 1.2, "s"),
            q("35ms", 35, "ms"),
            q("35 ms", 35, "ms"),
            q("6 hours", 6, "h"),
            q("3h", 3, "h"),
        ],
    ),
    (
        "It scores 31.4 BLEU and 5.8 perplexity (5.9 PPL) for 12 GFLOPs, 3.1 TFLOPs or 7 GFlops.",
        [
            q("31.4 BLEU", 31.4, "BLEU"),
            q("5.8 perplexity", 5.8, "perplexity"),
            q("5.9 PPL", 5.9, "perplexity"),
            q("12 GFLOPs", 12, "GFLOPs"),
            q("3.1 TFLOPs", 3.1, "TFLOPs"),
            q("7 GFlops", 7, "GFLOPs"),
        ],
    ),
    (
        "The agent gains 120 Elo at 60 FPS (30fps on 24GB, 512MB, 3dB and 44.1kHz or 16 kHz).",
        [
            q("120 Elo", 120, "Elo"),
            q("60 FPS", 60, "FPS"),
            q("30fps", 30, "FPS"),
            q("24GB", 24, "GB"),
            q("512MB", 512, "MB"),
            q("3dB", 3, "dB"),
            q("44.1kHz", 44.1, "kHz"),
            q("16 kHz", 16, "kHz"),
        ],
    ),
    ("The agent reaches Elo 2480 against the engine.", [q("2480", 2480)]),
    # Korean particles and punctuation stay outside the mention.
    (
        "가속은 최대32배에 이르며 25%를 줄이고 3배, 5배 순으로 늘었다.",
        [q("32배", 32, "×"), q("25%", 25, "%"), q("3배", 3, "×"), q("5배", 5, "×")],
    ),
    # Sizes: set-up numbers the caller can tell from results.
    (
        "LLaMA-2 70B, Llama2 7B, OPT 66B와 LLaMA2-Chat 13B를 비교했다.",
        [q("70B", 7e10, size=True), q("7B", 7e9, size=True), q("66B", 6.6e10, size=True)]
        + [q("13B", 1.3e10, size=True)],
    ),
    (
        "5B 매개변수 모델과 125M 디코더를 쓴다.",
        [q("5B", 5e9, size=True), q("125M", 1.25e8, size=True)],
    ),
    ("3억 2천만 개의 파라미터를 가진 인코더다.", [q("3억 2천만 개", 3.2e8, "개", size=True)]),
    ("A 7B-parameter model is distilled.", [q("7B", 7e9, size=True)]),
    ("Llama 3 8B is the student.", [q("8B", 8e9, size=True)]),
    ("We sample 64 images per prompt.", [q("64", 64, size=True)]),
    ("230개의 사례를 분석했다.", [q("230개", 230, "개")]),
    # Names and real quantities side by side.
    ("The method keeps 5.63 (WikiText2) perplexity on a single RTX 3090.", [q("5.63", 5.63)]),
    ("ImageNet-1K에서 top-1 정확도 85.2%를 얻었다.", [q("85.2%", 85.2, "%")]),
    ("GPT-4보다 1.8배 빠르다.", [q("1.8배", 1.8, "×")]),
    ("Only 3 layers are tuned.", [q("3", 3)]),
    ("It reaches 85.3 Top-1 accuracy.", [q("85.3", 85.3)]),
    ("(예: 3) 그리고 (약 50%)", [q("3", 3), q("50%", 50, "%")]),
    ("1. 첫 항목은 3배 빠르다.", [q("3배", 3, "×")]),
    ("CodeBot은 1) 샘플링과 2) 재생을 번갈아 하며 12% 개선된다.", [q("12%", 12, "%")]),
]


@pytest.mark.parametrize(("sentence", "expected"), FOUND)
def test_find_numbers(sentence: str, expected: list[tuple[Any, ...]]) -> None:
    assert rows(sentence) == expected


# Digits that belong to a name, identifier, reference, date or layout, and vague words.
NOT_QUANTITIES = [
    "Mamba-3B와 SA-1B, VTAB-1k에서 평가했다.",
    "GPT-2, GPT-3.5, GPT-4와 LLaMA2-70B, Llama-2, Phi-2를 비교했다.",
    "EVA-02, Show-1, DINOv2 backbones were compared by ROUGE-1 on WikiText-103.",
    "I2V 생성에서 W8A8, INT8, FP16, FP32 형식을 A100과 H100에서 비교했다.",
    "We train on a single RTX 3090 against Stockfish 16.",
    "3D 장면과 2D 이미지를 함께 다룬다.",
    "Attention costs O(n^2) memory, or O(n2), or O(1) per query.",
    "N:M 희소성과 2:4 희소성 패턴을 지원한다.",
    "Code is at https://github.com/example/model2 and www.example.org/v3/42.",
    "See arXiv:2402.04291v2, also listed as 2402.04291.",
    "This is version 2 of the recipe, v3 of the code, see Table 3, Fig. 2 and Section 4.2.",
    "자세한 내용은 그림 4와 표 2에 있다.",
    "The benchmark appeared in 2023.",
    "2024년 2월 8일에 공개되었다.",
    "Posted 2024-02-08 and updated 03-11-2024, on Feb 8, 2024.",
    "1) 데이터를 모으고 2) 모델을 학습한다.",
    "(1) 데이터 수집 (2) 모델 학습",
    "2. Related work covers this.",
    "Prior work [3] and [4, 7] studied this.",
    "수백 만 개의 샘플과 수십 배의 연산, 한 배 차이가 있다.",
    "두 배치로 나누어 학습한다.",
    "The 3rd stage and the 2nd run; 3번째 단계.",
    "A 3-layer MLP in the 5-shot setting with top-5 accuracy.",
    "512x512 images with a 3×3 kernel and a 7 x 7 patch.",
    "Versions 1.2.3 and 2.0.1 are supported; a 3/4 split and a lr of 1e-4.",
    "Claude 3.5 Sonnet and Gemini 1.5 Pro are strong.",
    "The runs from 2019-2023 were kept.",
    "",
    "숫자가 없는 문장이다.",
]


@pytest.mark.parametrize("sentence", NOT_QUANTITIES)
def test_not_a_quantity(sentence: str) -> None:
    assert find_numbers(sentence) == []


def test_mentions_are_in_order_and_do_not_overlap() -> None:
    sentence = "Hydra-7B는 2~4배 빠르고, 49% 대 28%로 이기며 1K에서 16K 토큰까지 다룬다."
    mentions = find_numbers(sentence)
    assert [m.text for m in mentions] == ["2~4배", "49%", "28%", "1K", "16K 토큰"]
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False))


def test_mention_fields() -> None:
    [mention] = find_numbers("처리량이 2~4배 늘었다.")
    assert mention == NumberMention(
        text="2~4배", value=4.0, unit="×", start=5, end=9, low=2.0, size_like=False
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("48.9", 48.9),
        ("48.9x", 48.9),
        ("48.9배", 48.9),
        ("48.9 배", 48.9),
        ("1만", 10_000),
        ("2억 7천만", 270_000_000),
        ("2억7천만", 270_000_000),
        ("650억", 65e9),
        ("1.6조", 1.6e12),
        ("1,100만", 11_000_000),
        ("1천만", 10_000_000),
        ("3천", 3000),
        ("5백", 500),
        ("7 billion", 7e9),
        ("1.5 million", 1.5e6),
        ("5B", 5e9),
        ("125M", 1.25e8),
        ("16k", 16_000),
        ("25%", 25),
        ("  25 % ", 25),
        ("3.5%p", 3.5),
        ("두 배", 2),
        ("2895점", 2895),
        ("1,100", 1100),
        ("2024", 2024),
        ("-3.5", -3.5),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    ["abc", "", "   ", "1.2.3", "2~4배", "1 2", "48.9배의", "GPT-4", "3D", "%", "배", "수십 배"],
)
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


def test_canonical_units() -> None:
    assert set(UNITS.values()) == {
        *("×", "%", "%p"),
        *("초", "분", "시간", "개", "개월", "가지", "편", "번", "점", "비트", "토큰", "토큰/초"),
        *("단계", "포인트", "층", "명"),
        *("bit", "point", "token", "tokens/s", "s", "ms", "min", "h", "perplexity"),
        *("GFLOPs", "TFLOPs", "FPS", "BLEU", "Elo", "GB", "MB", "TB", "dB", "kHz"),
    }


@pytest.mark.parametrize("sentence", ["9" * 100_000, "a1" * 50_000, "1x" * 50_000, "1)" * 50_000])
def test_long_lines_without_spaces_finish(sentence: str) -> None:
    # Would take minutes if a pattern backtracked: every position is scanned once.
    assert find_numbers(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "texts"),
    [
        ("Stable Diffusion 3.5에서 스타일을 학습합니다.", []),
        ("Claude Sonnet 3.5 모델의 정렬이 73.2% 향상", ["73.2%"]),
        ("MMLU 65.3점을 기록", ["65.3점"]),
        ("1-샷과 5-샷 설정", []),
        ("AlpacaEval 2.0에서 승률 55.9%", ["55.9%"]),
        ("6차 과제와 3차원 공간", []),
    ],
)
def test_versions_after_a_two_word_name_and_hyphened_configurations(
    sentence: str, texts: list[str]
) -> None:
    assert [m.text for m in find_numbers(sentence)] == texts
