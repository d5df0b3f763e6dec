"""Key ideas: how the method works, from the right section, standing alone on the card."""

from __future__ import annotations

import pytest

from studyapp.extract.cardtext import MAX_BACK
from studyapp.extract.drafts import Role
from studyapp.extract.keyidea import choose_key_idea

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


def idea(sentences: list[str], method: str | None, lang: str = "ko", **kw: object) -> str:
    found = choose_key_idea(sentences, method=method, lang=lang, **kw)  # type: ignore[arg-type]
    assert found is not None
    return found.text


@pytest.mark.parametrize(
    ("sentences", "method", "lang", "expected"),
    [
        (
            KO,
            "SkimSum",
            "ko",
            "문단마다 중요도 점수를 매기고 상위 문단만 디코더에 넘기는 SkimSum을 제안한다.",
        ),
        (EN, "DiverseRAG", "en", EN[2]),
    ],
)
def test_the_mechanism_sentence_is_chosen(
    sentences: list[str], method: str, lang: str, expected: str
) -> None:
    assert idea(sentences, method, lang) == expected


def test_without_a_method_name_mechanism_cues_still_decide() -> None:
    sentences = [
        "Large models are expensive to fine-tune.",
        "The authors show that freezing all but the last four layers, and training them with "
        "a larger learning rate, matches full fine-tuning.",
        "This is an exciting result.",
    ]
    assert idea(sentences, None, "en") == (
        "Freezing all but the last four layers, and training them with a larger learning rate, "
        "matches full fine-tuning."
    )


def test_a_sentence_leaning_on_the_previous_one_loses() -> None:
    sentences = [
        "우리는 첫 토큰의 어텐션을 고정하고 나머지는 슬라이딩 윈도로 계산하는 방식을 소개한다.",
        "이는 긴 입력에서도 메모리를 일정하게 유지하게 해 준다.",
    ]
    assert idea(sentences, None) == sentences[0].replace("우리는 ", "")


# A labelled summary (What's New / Technical Details / Performance Highlights), in our words.
LABELLED = [
    "최근 영상 생성 모델은 긴 영상에서 인물의 외형이 흔들리는 한계가 있습니다.",
    "이 논문은 인물 외형을 고정하는 새로운 프레임워크인 AnchorCast를 소개합니다.",
    "AnchorCast는 첫 프레임에서 뽑은 외형 임베딩을 모든 프레임의 교차 어텐션 키로 재사용하여 "
    "인물 정체성을 유지합니다.",
    "학습에는 8개의 A100 GPU로 3일이 걸렸습니다.",
    "AnchorCast는 기존 방법보다 정체성 유사도를 12% 높였습니다.",
]
ROLES = [Role.NEW, Role.NEW, Role.HOW, Role.HOW, Role.RESULT]


def test_a_labelled_summary_gives_what_it_is_then_how_it_works() -> None:
    text = idea(LABELLED, "AnchorCast", roles=ROLES)
    # The introduction alone says nothing of how; the Technical Details sentence does, and
    # the training schedule and the result are never the idea.
    assert "교차 어텐션 키로 재사용" in text
    assert "GPU" not in text and "12%" not in text
    assert len(text) <= MAX_BACK


def test_results_and_asides_are_never_the_idea_when_a_summary_has_sections() -> None:
    roles = [Role.RESULT, Role.ASIDE, Role.HOW]
    sentences = [
        "AnchorCast는 영상의 외형 임베딩을 재사용하여 정체성 유사도를 크게 높였습니다.",
        "한계로, 급격한 조명 변화를 처리하기 위해 추가 모듈을 결합해야 합니다.",
        "AnchorCast는 첫 프레임의 외형 임베딩을 키로 재사용합니다.",
    ]
    assert idea(sentences, "AnchorCast", roles=roles) == sentences[2]


@pytest.mark.parametrize(
    "distractor",
    [
        # A component list, the evaluation set-up, a benefit claim, dataset statistics.
        "AnchorCast는 외형 인코더와 시간 모듈의 두 가지 모듈로 구성됩니다.",
        "AnchorCast를 5개의 벤치마크에서 평가하여 성능을 검증했습니다.",
        "AnchorCast는 다양한 응용에서 활용될 수 있는 잠재력을 보여줍니다.",
        "데이터셋은 1,200개의 영상과 35개의 인물로 구성되어 있습니다.",
    ],
)
def test_what_a_key_idea_is_not_loses_to_the_mechanism(distractor: str) -> None:
    mechanism = "AnchorCast는 첫 프레임에서 뽑은 외형 임베딩을 교차 어텐션 키로 재사용합니다."
    roles = [Role.HOW, Role.HOW]
    assert idea([distractor, mechanism], "AnchorCast", roles=roles) == mechanism


def test_a_sentence_announcing_a_list_takes_its_items_along() -> None:
    sentences = [
        "AnchorCast는 두 가지 설계를 도입했습니다:",
        "첫째, 외형 임베딩을 키로 재사용합니다.",
        "둘째, 프레임 사이의 잡음을 공유합니다.",
    ]
    text = idea(sentences, "AnchorCast", roles=[Role.HOW] * 3)
    assert text.startswith("AnchorCast는 두 가지 설계를 도입했습니다:")
    assert text.endswith("잡음을 공유합니다.")


def test_the_name_goes_in_only_where_the_summary_uses_it() -> None:
    sentences = ["이 방법은 토큰 임베딩을 해시로 묶어 어휘 크기를 줄입니다."]
    assert idea(sentences, "HashVocab") == "토큰 임베딩을 해시로 묶어 어휘 크기를 줄입니다."
    named = [*sentences, "HashVocab은 추가 학습이 필요 없다."]
    assert idea(named, "HashVocab").startswith("HashVocab은 토큰 임베딩을")


def test_no_sentences_no_key_idea() -> None:
    assert choose_key_idea([], method="X", lang="ko") is None
    assert choose_key_idea(["짧다."], method="X", lang="ko") is None
    # Nothing stands alone: every sentence points at one the card cannot show.
    assert choose_key_idea(["이는 매우 중요한 결과를 보여준다."], method=None, lang="ko") is None


def test_a_long_sentence_is_cut_at_a_clause_boundary() -> None:
    clause = "each block is compressed with a learned codebook"
    sentence = "Codebooks compress blocks: " + ", ".join([clause] * 12) + "."
    text = idea([sentence], None, "en")
    assert len(text) <= MAX_BACK
    assert text.endswith(" …")


def test_it_in_the_sentence_after_the_method_is_the_method() -> None:
    sentences = [
        "WeaveFuse는 여러 원천 모델의 장점을 하나의 모델로 옮기는 방법입니다.",
        "이는 원천 모델의 응답을 선호 쌍으로 삼아 목표 모델을 점진적으로 정렬하여 지식을 옮깁니다.",
    ]
    text = idea(sentences, "WeaveFuse", roles=[Role.NEW, Role.NEW])
    assert "WeaveFuse는 원천 모델의 응답을 선호 쌍으로 삼아" in text


@pytest.mark.parametrize(
    "distractor",
    [
        "FoldKV는 긴 대화의 메모리 문제에 초점을 맞추며, 대규모 대화 데이터로 훈련되었습니다.",
        "여기서 Top1(𝒛)을 MaskedSoftmax(𝒛) 샘플링으로 근사하여 λ=0.5로 둡니다.",
        # Said as what it is and what it is for, with nothing of how.
        "FoldKV는 긴 대화에서 메모리 효율을 높이기 위한 새로운 접근법을 제시합니다.",
        # Background told as a contrast, and the standard recipe.
        "기존 캐시 압축이 도입되었으나 긴 대화에서는 제한이 있었다.",
        "FoldKV 모델은 SFT와 DPO로 미세 조정을 수행하여 완성되었습니다.",
        # The set-up, a belief, and a pointer into a sentence the card does not show.
        "FoldKV는 LongChat 벤치마크를 사용하여 평가됩니다.",
        "FoldKV가 대화형 시스템을 크게 발전시킬 것이라고 믿습니다.",
        "FoldKV는 이 환경에서 생성된 캐시를 다시 접어 저장합니다.",
        # Background said as what is usual.
        "긴 대화를 다루는 방법은 일반적으로 큰 메모리가 필요합니다.",
    ],
)
def test_framing_training_data_and_formulas_lose(distractor: str) -> None:
    mechanism = "FoldKV는 오래된 대화의 KV 캐시를 요약 토큰으로 압축하여 메모리를 아낍니다."
    assert idea([distractor, mechanism], "FoldKV", roles=[Role.HOW, Role.HOW]) == mechanism


MECHANISM = "FoldKV는 오래된 대화의 KV 캐시를 요약 토큰으로 압축합니다."


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        # Savings said as the point, a sentence added to another ("또한"), and "two kinds"
        # the card cannot name each lose to a mechanism that holds as much of the how.
        (
            ["FoldKV는 KV 캐시를 블록 단위로 병합하여 메모리 사용량을 줄입니다.", MECHANISM],
            MECHANISM,
        ),
        (["또한 FoldKV는 오래된 KV 캐시를 블록 단위로 병합합니다.", MECHANISM], MECHANISM),
        ([MECHANISM, "FoldKV는 두 가지 KV 캐시를 블록 단위로 병합하고 압축합니다."], MECHANISM),
        # A definition of a term is a glossary line, even with more of the how in it.
        (
            ["캐시 압축은 키와 값을 블록으로 분할하고 병합하여 작게 만드는 과정이다.", MECHANISM],
            MECHANISM,
        ),
        # The summary saying which part is the idea wins over more mechanism words.
        (
            [
                "FoldKV의 핵심은 요약 토큰으로 오래된 캐시를 압축하는 데 있습니다.",
                "FoldKV는 캐시를 블록으로 분할하고 병합하여 압축합니다.",
            ],
            "FoldKV의 핵심은 요약 토큰으로 오래된 캐시를 압축하는 데 있습니다.",
        ),
    ],
)
def test_close_calls_are_decided_by_what_the_sentence_is_doing(
    sentences: list[str], expected: str
) -> None:
    assert idea(sentences, "FoldKV", roles=[Role.HOW] * len(sentences)) == expected
