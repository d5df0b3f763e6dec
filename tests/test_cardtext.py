"""Card text is study material: sentences as they read alone on a card."""

from __future__ import annotations

import pytest

from studyapp.extract.cardtext import (
    as_context,
    shorten,
    stand_alone,
    study_text,
    topic_particle,
)


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("**Technical Details**: 두 단계로 학습합니다.", "두 단계로 학습합니다."),
        ("Performance Highlights: 3배 빠르다.", "3배 빠르다."),
        ("기존 연구 [12, 14]와 달리 [3] 캐시를 쓴다.", "기존 연구와 달리 캐시를 쓴다."),
        ("코드는 (https://github.com/a/b) 에 있다.", "코드는 에 있다."),
        ("남은 **표시**와 [링크](https://x.y)", "남은 표시와 링크"),
    ],
)
def test_study_text_drops_what_a_reader_would_clean(text: str, clean: str) -> None:
    assert study_text(text) == clean


@pytest.mark.parametrize(
    ("sentence", "method", "alone"),
    [
        ("또한, 본 논문에서는 토큰을 병합한다.", None, "토큰을 병합한다."),
        ("이를 통해 FoldKV는 메모리를 아낀다.", "FoldKV", "FoldKV는 메모리를 아낀다."),
        ("특히, 연구진은 어댑터를 공유한다.", None, "어댑터를 공유한다."),
        ("이러한 문제를 해결하기 위해, 캐시를 접는다.", None, "캐시를 접는다."),
        ("비용이 많이 들므로, 우리는 캐시를 접어 재사용합니다.", None, "캐시를 접어 재사용합니다."),
        # A subject pointing at the method becomes its name, with the particle it needs.
        ("이 방법은 캐시를 접는다.", "FoldKV", "FoldKV는 캐시를 접는다."),
        ("제안된 모델은 캐시를 접는다.", "SciLitLLM", "SciLitLLM은 캐시를 접는다."),
        ("이 프레임워크를 5개 과제에 적용했다.", "Griffin", "Griffin을 5개 과제에 적용했다."),
        ("이 방법은 캐시를 접는다.", None, "캐시를 접는다."),
        ("이 모델은 또한 위치 임베딩을 더한다.", None, "위치 임베딩을 더한다."),
        ("In this paper, we merge tokens early.", None, "We merge tokens early."),
        ("Moreover, the router is trained jointly.", None, "The router is trained jointly."),
        ("This method folds the cache.", "FoldKV", "FoldKV folds the cache."),
        ("This survey groups benchmarks by task.", None, "Groups benchmarks by task."),
    ],
)
def test_openers_go_and_pointing_subjects_become_the_name(
    sentence: str, method: str | None, alone: str
) -> None:
    assert stand_alone(sentence, method=method) == alone


@pytest.mark.parametrize(
    "sentence",
    [
        "이는 메모리를 절반으로 줄인다.",
        "이러한 결과는 캐시가 중요함을 보여준다.",
        "해당 정책은 보상을 받는다.",
        "이 데이터는 공개되었다.",
        "These results hold across tasks.",
        "It also reduces latency.",
        "This method folds the cache.",  # no name to give it
    ],
)
def test_a_sentence_that_points_at_an_unseen_one_cannot_stand_alone(sentence: str) -> None:
    assert stand_alone(sentence, method=None) is None


@pytest.mark.parametrize(
    ("name", "particle", "expected"),
    [
        ("SciLitLLM", "는", "은"),  # 엠
        ("VQ4DiT", "은", "는"),  # 티
        ("Griffin", "는", "은"),
        ("Mamba", "은", "는"),
        ("Transformer", "은", "는"),
        ("EVA-02", "가", "가"),  # 이
        ("GPT-4", "을", "를"),  # 사
        ("Llama 3", "를", "을"),  # 삼
        ("알파넷", "는", "은"),
        ("하나", "을", "를"),
    ],
)
def test_korean_particles_follow_how_the_name_is_read(
    name: str, particle: str, expected: str
) -> None:
    assert topic_particle(name, particle) == expected


def test_shorten_cuts_at_a_clause_and_leaves_short_text_alone() -> None:
    assert shorten("짧다.", limit=10) == "짧다."
    text = "첫 절은 이렇게 길고, 둘째 절은 저렇게 길며, 셋째 절은 끝없이 이어진다."
    cut = shorten(text, limit=30)
    assert cut == "첫 절은 이렇게 길고, 둘째 절은 저렇게 길며 …"
    assert len(cut) <= 30


def test_a_bare_it_becomes_the_name_the_sentence_before_was_about() -> None:
    assert stand_alone("이는 캐시를 접는다.", method="FoldKV", antecedent="FoldKV") == (
        "FoldKV는 캐시를 접는다."
    )
    assert stand_alone("이것은 캐시를 접는다.", method=None, antecedent="SkimSum") == (
        "SkimSum은 캐시를 접는다."
    )
    assert stand_alone("It folds the cache.", method=None, antecedent="FoldKV") == (
        "FoldKV folds the cache."
    )
    assert stand_alone("여기서 캐시를 두 번 접는다.", method=None) == "캐시를 두 번 접는다."


def test_the_summary_tells_the_particle_and_a_name_is_never_put_in_twice() -> None:
    # The reading says 는 ("보캡"? "보카브"?); the summary writes 은, and is followed.
    assert topic_particle("HashVocab", "는", usage=["HashVocab은 빠르다."]) == "은"
    assert topic_particle("DriveBench", "은") == "는"  # 벤치
    assert stand_alone(
        "이 방법은 FIFO-Diffusion으로 명명되었으며 잡음을 대각선으로 제거한다.",
        method="FIFO-Diffusion",
    ) == ("FIFO-Diffusion으로 명명되었으며 잡음을 대각선으로 제거한다.")


def test_a_name_in_lower_case_keeps_its_spelling_and_list_markers_go() -> None:
    assert stand_alone("gsplat은 CUDA 커널로 래스터화한다.", method=None) == (
        "gsplat은 CUDA 커널로 래스터화한다."
    )
    assert stand_alone("we merge tokens early.", method=None) == "We merge tokens early."
    assert study_text("(1) 토큰을 묶는다.") == "토큰을 묶는다."
    assert study_text("2.5배 빨라졌다.") == "2.5배 빨라졌다."


def test_a_question_keeps_its_sentence_without_the_words_that_point_back() -> None:
    assert as_context("또한 이는 정확도를 12% 높였다.", method=None) == "정확도를 12% 높였다."
    # What can stand alone reads as it does alone.
    assert as_context("이 방법은 캐시를 접는다.", method="FoldKV") == "FoldKV는 캐시를 접는다."
