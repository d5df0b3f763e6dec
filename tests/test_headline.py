"""The headline number: the result a paper is known for, never a set-up figure or a name."""

from __future__ import annotations

import pytest

from studyapp.extract.drafts import Role
from studyapp.extract.headline import choose_headline


def headline(*sentences: str) -> tuple[float, str | None] | None:
    found = choose_headline(list(sentences))
    return None if found is None else (found.mention.value, found.mention.unit)


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        # Korean results
        (["ZipTune은 A100에서 기존 방법 대비 최대 3.7배 빠른 추론을 달성한다."], (3.7, "×")),
        (["벤치마크에서 정확도를 12.5% 향상시켰다."], (12.5, "%")),
        (["체스 퍼즐 평가에서 2710점을 기록했다."], (2710.0, "점")),
        (
            ["이 모델은 단일 GPU에서 초당 210 토큰/초의 속도로 응답을 생성하여 기존보다 빠르다."],
            (210.0, "토큰/초"),
        ),
        # The bit width is the set-up; the figure it is held to is the result.
        (["4비트 양자화 후 perplexity 상승을 0.15로 억제하며 기존 방법을 능가했다."], (0.15, None)),
        # English results
        (["LoomKV raises throughput by up to 3.4x compared with a paged baseline."], (3.4, "×")),
        (["The model outperforms the baseline by 4.2 BLEU on WMT."], (4.2, "BLEU")),
        (["It reaches 91.3% accuracy, 6 points higher than the previous best."], (91.3, "%")),
    ],
)
def test_results_are_chosen(sentences: list[str], expected: tuple[float, str | None]) -> None:
    found = headline(*sentences)
    assert found is not None
    assert found[0] == pytest.approx(expected[0])
    assert found[1] == expected[1]


def test_a_result_beats_set_up_numbers_in_other_sentences() -> None:
    found = headline(
        "우리는 70억 개의 파라미터를 가진 모델을 1천만 개의 예제로 학습시켰다.",
        "2024년에 공개된 GPT-4와 비교했다.",
        "그 결과 기존 방법 대비 메모리를 최대 5.2배 줄였다.",
    )
    assert found == (5.2, "×")


def test_up_to_and_comparisons_beat_plain_mentions() -> None:
    found = headline(
        "Across 12 tasks it keeps 97% of the teacher's quality.",
        "It is up to 2.5x faster than the teacher on long inputs.",
    )
    assert found == (2.5, "×")


def test_a_measured_figure_beats_a_spelled_out_paraphrase() -> None:
    found = headline(
        "경쟁 모델보다 대략 두 배 높은 비율(38% 대 19%)로 안정한 구조를 생성함을 보여준다."
    )
    assert found == (38.0, "%")


@pytest.mark.parametrize(
    "sentences",
    [
        # Only set-up, names, counts, dates and links: no headline at all.
        ["A 7B model is trained on 2 trillion tokens collected in 2023."],
        ["Mamba-3B와 LLaMA2-70B, SA-1B 데이터셋, VTAB-1k 벤치마크를 사용했다."],
        ["6개 오픈 소스 모델을 평가하여 230개의 사례를 분석하고 14가지 발견을 정리했다."],
        ["Code is at https://github.com/example/model-2 and the paper is arXiv:2401.12345."],
        ["3D 장면을 2D 이미지로부터 재구성한다."],
        ["Self-attention costs O(n^2) memory for a sequence of length n."],
        ["그러나 기존 방법은 고희소성 영역(>80%)에서 성능이 저하되는 문제가 있다."],
        ["The paper describes the method and its motivation."],
    ],
)
def test_no_headline_without_a_result(sentences: list[str]) -> None:
    assert headline(*sentences) is None


def test_evidence_lines_count_and_a_title_leads() -> None:
    found = choose_headline(
        ["제안 방법을 설명한다."],
        evidence=[
            "라벨 없이 40% 적은 연산으로 학습한 분할 모델",
            "COCO mIoU: 41.7 (제안), 35.2 (기존)",
        ],
    )
    assert found is not None and found.mention.value == 40.0


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # A condition is not a result: the figure that follows from it is.
        ("배치 크기를 4배 키울 때마다 처리량이 약 1.6배 늘어나는 경향이 관찰되었다.", 1.6),
        ("For every 10x more data, error falls by about 2.3x.", 2.3),
        # In "A 대 B" the paper's own figure comes first, even when "로" follows the pair.
        ("FastNet은 벤치마크에서 72.4점 대 68.0점으로 기존 모델을 앞섰다.", 72.4),
        # A metric named before a bare number makes it a score.
        ("Perplexity on the held-out set drops to 5.4 after the change.", 5.4),
        # A context length reached by extension is the result, not a set-up size.
        ("The method extends the context window from 8K to 64K tokens without retraining.", 64000),
    ],
)
def test_conditions_comparisons_metrics_and_extensions(sentence: str, expected: float) -> None:
    found = choose_headline([sentence])
    assert found is not None
    assert found.mention.value == pytest.approx(expected)


@pytest.mark.parametrize(
    "sentence",
    [
        "Experiments cover 15 corruption types and three benchmarks, with steady improvements.",
        "We evaluate 12 models on 9 tasks and find that all of them improve with scale.",
    ],
)
def test_english_counts_are_not_results(sentence: str) -> None:
    assert choose_headline([sentence]) is None


def shown(*sentences: str, roles: list[Role] | None = None) -> str | None:
    """The headline sentence as the card shows it, its number in [brackets]."""
    found = choose_headline(list(sentences), roles=roles or [])
    if found is None:
        return None
    return (
        f"{found.shown[: found.start]}[{found.shown[found.start : found.end]}]"
        + (found.shown[found.end :])
    )


@pytest.mark.parametrize(
    ("sentence", "card"),
    [
        # "각각": the number keeps the item it belongs to, and the others go.
        (
            "FoldKV는 QuAC와 NarrQA 벤치마크에서 각각 평균 3.6%와 10.1%의 향상을 기록했습니다.",
            "FoldKV는 QuAC 벤치마크에서 평균 [3.6%]의 향상을 기록했습니다.",
        ),
        (
            "FoldKV는 15 및 50단계 평가에서 각각 18.9%, 32.7%의 개선을 기록했습니다.",
            "FoldKV는 15단계 평가에서 [18.9%]의 개선을 기록했습니다.",
        ),
        (
            "FoldKV는 긴 문서 검색 과제와 다중 문서 질의응답에서 각각 94.1%와 87.3%의 정확도를 "
            "달성했습니다.",
            "FoldKV는 긴 문서 검색 과제에서 [94.1%]의 정확도를 달성했습니다.",
        ),
    ],
)
def test_a_number_of_a_respectively_list_is_told_with_its_item(sentence: str, card: str) -> None:
    assert shown(sentence) == card


def test_a_list_it_cannot_pair_is_never_the_headline() -> None:
    only_list = "세 벤치마크에서 10%, 12%, 15% 향상되었다."
    assert shown(only_list) is None
    assert shown(only_list, "지연 시간을 2.5배 줄였다.") == "지연 시간을 [2.5배] 줄였다."


@pytest.mark.parametrize(
    ("sentences", "value"),
    [
        # A condition, a baseline's figure, a rank, a configuration, a length: not the result.
        (["상한을 75%로 두었을 때에도 성능은 원래의 98.6%로 유지되었다."], 98.6),
        (["캐시를 5%로 제한한 조건에서 정확도 91.2%를 달성했다."], 91.2),
        (["FoldKV는 92.0%를 기록해 단순 평균의 81.0%보다 크게 높았다."], 92.0),
        (["이 방법은 상위 2위를 기록했고 정확도를 7.5% 높였다."], 7.5),
        (["1-샷 설정에서 정확도를 4.2% 향상시켰다."], 4.2),
        (["최대 30초 길이의 음성을 0.8초 만에 생성한다."], 0.8),
        (["상관계수 0.95로 일치하며, 정렬 점수를 6% 향상시켰다."], 6.0),
        (["인간은 72.4%를 달성한 반면, FoldKV는 정확도를 35.1%로 높였다."], 35.1),
    ],
)
def test_set_ups_baselines_and_ranks_lose(sentences: list[str], value: float) -> None:
    found = choose_headline(sentences)
    assert found is not None and found.mention.value == pytest.approx(value)


def test_results_section_leads_and_how_it_works_holds_set_up_figures() -> None:
    sentences = ["입력을 4배 압축한 잠재 공간에서 학습한다.", "생성 속도가 3배 빨라졌다."]
    found = choose_headline(sentences, roles=[Role.HOW, Role.RESULT])
    assert found is not None and found.sentence == sentences[1]
    # An aside (limitations, related work) is never read.
    assert choose_headline(["다른 연구는 속도를 5배 높였다."], roles=[Role.ASIDE]) is None


@pytest.mark.parametrize(
    ("sentence", "card"),
    [
        (
            "지연 예산의 80%와 65%를 사용할 때 각각 99.0%와 98.2%의 성능을 유지했습니다.",
            "지연 예산의 80%를 사용할 때 [99.0%]의 성능을 유지했습니다.",
        ),
        (
            "단일 A100 GPU에서 약 0.6초라는 속도를 달성하였습니다.",
            "단일 A100 GPU에서 약 [0.6초]라는 속도를 달성하였습니다.",
        ),
        # A range is blanked whole ("40%에서 50%" is one answer), and loses to one figure.
        (
            "40%에서 50%의 시각 특징만 쓰고도 원래 성능을 유지했다.",
            "[40%에서 50%]의 시각 특징만 쓰고도 원래 성능을 유지했다.",
        ),
        (
            "작업 속도를 2배에서 4배까지 높이고 기존 에이전트보다 30% 더 나은 성능을 보였다.",
            "작업 속도를 2배에서 4배까지 높이고 기존 에이전트보다 [30%] 더 나은 성능을 보였다.",
        ),
        # Items whose numbers share a metric word.
        (
            "MFuser는 synthetic-to-real 및 real-to-real 벤치마크에서 각각 68.20 mIoU와 "
            "71.87 mIoU를 달성했습니다.",
            "MFuser는 synthetic-to-real 벤치마크에서 [68.20] mIoU를 달성했습니다.",
        ),
        ("정확도를 40%에서 최대 50%까지 높였다.", "정확도를 [40%에서 최대 50%]까지 높였다."),
        # "A에서 B로" is a change, and B where it got to.
        ("정확도를 48.2%에서 61.5%로 높였다.", "정확도를 48.2%에서 [61.5%]로 높였다."),
        # Items of a list joined by commas, before "각각".
        (
            "베이스라인 대비 BLEU, chrF++, METEOR 점수가 각각 230%, 88%, 130% 증가했습니다.",
            "베이스라인 대비 BLEU 점수가 [230%] 증가했습니다.",
        ),
    ],
)
def test_items_that_are_numbers_speeds_and_range_ends(sentence: str, card: str) -> None:
    assert shown(sentence) == card
