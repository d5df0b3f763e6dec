"""Key ideas: the mechanism sentence, not motivation, results or housekeeping; trimmed."""

from __future__ import annotations

import pytest

from studyapp.extract.keyidea import MAX_KEY_IDEA, choose_key_idea, trim_sentence

KO = [
    "긴 문서를 요약하는 모델은 입력이 길어질수록 중요한 문장을 놓치는 문제가 있다.",
    "본 논문에서는 문단마다 중요도 점수를 매기고 상위 문단만 디코더에 넘기는 SkimSum을 제안한다.",
    "SkimSum은 기존 방법 대비 ROUGE-L을 3.1점 향상시켰다.",
    "코드는 https://github.com/example/skimsum 에서 공개되어 있다.",
]
EN = [
    "Retrieval-augmented models often retrieve passages that are relevant but redundant.",
    "Results show a 9% gain in exact match on three QA benchmarks.",
    "DiverseRAG re-ranks passages by combining relevance with a penalty on overlap with "
    "passages already chosen.",
    "The code and models are available online.",
]


@pytest.mark.parametrize(
    ("sentences", "method", "expected"),
    [
        (
            KO,
            "SkimSum",
            "문단마다 중요도 점수를 매기고 상위 문단만 디코더에 넘기는 SkimSum을 제안한다.",
        ),
        (EN, "DiverseRAG", EN[2]),
    ],
)
def test_the_mechanism_sentence_is_chosen(sentences: list[str], method: str, expected: str) -> None:
    assert choose_key_idea(sentences, method=method) == expected


def test_without_a_method_name_mechanism_cues_still_decide() -> None:
    sentences = [
        "Large models are expensive to fine-tune.",
        "The authors show that freezing all but the last four layers, and training them with "
        "a larger learning rate, matches full fine-tuning.",
        "This is an exciting result.",
    ]
    assert choose_key_idea(sentences, method=None) == (
        "Freezing all but the last four layers, and training them with a larger learning rate, "
        "matches full fine-tuning."
    )


def test_a_sentence_leaning_on_the_previous_one_loses() -> None:
    sentences = [
        "우리는 첫 토큰의 어텐션을 고정하고 나머지는 슬라이딩 윈도로 계산하는 방식을 소개한다.",
        "이러한 방식을 통해 모델은 긴 입력을 처리할 수 있다.",
    ]
    assert choose_key_idea(sentences, method=None) == sentences[0].replace("우리는 ", "")


def test_no_sentences_no_key_idea() -> None:
    assert choose_key_idea([], method="X") is None
    assert choose_key_idea(["짧다."], method="X") is None


@pytest.mark.parametrize(
    ("sentence", "trimmed"),
    [
        ("또한, 본 논문에서는 토큰을 병합한다.", "토큰을 병합한다."),
        ("특히, 연구진은 어댑터를 공유한다.", "어댑터를 공유한다."),
        ("In this paper, we merge tokens early.", "We merge tokens early."),
        ("Moreover, the router is trained jointly.", "The router is trained jointly."),
        ("이 연구를 통해 모델을 공개했다.", "이 연구를 통해 모델을 공개했다."),
    ],
)
def test_openers_are_trimmed(sentence: str, trimmed: str) -> None:
    assert trim_sentence(sentence) == trimmed


def test_long_sentences_are_cut_at_a_clause_boundary() -> None:
    clause = "each block is compressed with a learned codebook"
    sentence = ", ".join([clause] * 12) + "."
    trimmed = trim_sentence(sentence)
    assert len(trimmed) <= MAX_KEY_IDEA + 2
    assert trimmed.endswith(" …")
    assert trimmed.startswith("Each block is compressed")
