"""Topics come from cues in the title and sentences, Korean or English, and never vary by run."""

from __future__ import annotations

import re

import pytest

from studyapp.extract.topics import GENERAL, TAXONOMY, Topic, classify, topic_by_slug

# Invented papers, one per topic in each language: (expected first topic, title, sentences).
ENGLISH = [
    (
        "quantization",
        "Squeezing every weight into three bits",
        ["We quantize each linear layer to 3-bit integers after training, with no gradients."],
    ),
    (
        "pruning",
        "One-shot pruning of large networks",
        ["Removing 60% of the weights gives high unstructured sparsity without retraining."],
    ),
    (
        "attention",
        "A sub-quadratic token mixer",
        ["We swap softmax attention for linear attention so that cost grows with length."],
    ),
    (
        "inference",
        "Drafting ahead for chat models",
        ["A small draft model enables speculative decoding.", "Latency drops by half."],
    ),
    (
        "alignment",
        "Learning from pairwise preferences",
        ["We compare DPO against RLHF with a learned reward model on helpfulness."],
    ),
    (
        "image-generation",
        "Sharper text-to-image synthesis in four steps",
        ["Our diffusion model paints 1024-pixel pictures in four denoising steps."],
    ),
    (
        "video",
        "Animating still photos",
        [
            "Given one image and a prompt, the model performs image-to-video generation.",
            "Temporal consistency across frames beats earlier video diffusion baselines.",
        ],
    ),
    (
        "audio",
        "Singing from sheet music",
        ["The system turns lyrics into speech and music at 48 kHz with a neural vocoder."],
    ),
    (
        "3d",
        "Rebuilding rooms from a few photos",
        ["We fit a 3D Gaussian splatting scene from a handful of multi-view images."],
    ),
    (
        "vision",
        "Reading screenshots with one vision-language model",
        ["The model answers questions about infographics and finds UI elements on screen."],
    ),
    (
        "agents",
        "A language agent that plans with tools",
        ["The agent calls a calculator and solves math problems with chain-of-thought."],
    ),
    (
        "training",
        "Small students, big teachers",
        ["We study scaling laws for knowledge distillation and tune students with LoRA."],
    ),
    (
        "moe",
        "Routing tokens to specialists",
        ["A mixture of experts layer sends each token to two of its 64 experts."],
    ),
    (
        "robotics",
        "Teaching an arm to fold laundry",
        ["The policy moves from simulation to a real robot for dexterous manipulation."],
    ),
    (
        "science",
        "Predicting protein structure from sequence",
        ["The model also proposes new molecules for drug discovery."],
    ),
    (
        "evaluation",
        "A survey of open chat assistants",
        ["We benchmark twelve systems and compare them side by side."],
    ),
    (
        "llm",
        "A better tokenizer for pretraining",
        ["We train a decoder-only transformer language model on web text."],
    ),
]

KOREAN = [
    (
        "quantization",
        "가중치 양자화의 새 방법",
        ["모든 층을 4비트로 줄이고 이진화 오차를 보정한다."],
    ),
    ("pruning", "한 번에 끝내는 가지치기", ["가중치의 절반을 없애 높은 희소성을 달성한다."]),
    ("attention", "긴 문맥을 위한 선형 어텐션", ["어텐션의 이차 복잡도를 선형으로 낮춘다."]),
    (
        "inference",
        "추측 디코딩으로 응답 빠르게 하기",
        [
            "작은 모델이 토큰을 먼저 제안해 추론 지연을 줄인다.",
            "캐시를 재사용해 처리량이 늘어난다.",
        ],
    ),
    (
        "alignment",
        "사람의 선호로 모델 정렬하기",
        ["인간 피드백 없이 선호도 최적화만으로 정렬을 수행한다."],
    ),
    (
        "image-generation",
        "텍스트로 그리는 이미지 생성",
        ["확산 모델이 네 단계 만에 그림을 만든다."],
    ),
    (
        "video",
        "사진 한 장으로 만드는 동영상",
        ["첫 프레임과 문장으로 비디오를 만든다.", "프레임 사이의 시간적 일관성을 높인다."],
    ),
    ("audio", "가사로 노래하는 음성 합성", ["텍스트로부터 자연스러운 음악과 음성을 만든다."]),
    ("3d", "사진 몇 장으로 3차원 장면 복원", ["다중 시점 사진으로 가우시안 스플래팅을 학습한다."]),
    (
        "vision",
        "화면을 이해하는 시각-언어 모델",
        ["사진 속 객체를 분할하고 질문에 답하는 멀티모달 능력을 보인다."],
    ),
    (
        "agents",
        "도구를 쓰는 에이전트",
        ["도구 사용으로 수학 문제를 푼다.", "체스 같은 게임에서도 추론 능력을 보인다."],
    ),
    ("training", "작은 모델로의 지식 증류", ["큰 교사 모델을 증류하고 합성 데이터로 학습한다."]),
    ("moe", "전문가 혼합으로 키운 모델", ["각 토큰은 라우터가 고른 두 전문가에게만 간다."]),
    ("robotics", "빨래를 개는 로봇 팔", ["시뮬레이션에서 배운 정책을 실제 로봇에 옮긴다."]),
    (
        "science",
        "새로운 물질을 찾는 모델",
        ["원자 배치와 결정 구조를 글로 적어 안정한 후보를 만든다."],
    ),
    (
        "evaluation",
        "공개 챗봇들의 벤치마크 비교",
        ["열두 모델을 종합적으로 분석하고 평가 기준을 제시한다."],
    ),
    ("llm", "언어 모델 사전 학습용 토크나이저", ["웹 문서로 트랜스포머를 사전 학습한다."]),
]

SCORED = [topic for topic in TAXONOMY if topic is not GENERAL]


def test_every_topic_has_an_example_in_each_language() -> None:
    scored = {topic.slug for topic in SCORED}
    assert {slug for slug, _, _ in ENGLISH} == scored
    assert {slug for slug, _, _ in KOREAN} == scored


@pytest.mark.parametrize(("slug", "title", "sentences"), ENGLISH)
def test_english_summaries_reach_their_topic(slug: str, title: str, sentences: list[str]) -> None:
    assert not re.search("[가-힣]", title + "".join(sentences))
    assert classify(title, sentences)[0] == slug


@pytest.mark.parametrize(("slug", "title", "sentences"), KOREAN)
def test_korean_summaries_reach_their_topic(slug: str, title: str, sentences: list[str]) -> None:
    assert not re.search("[A-Za-z]", title + "".join(sentences))
    assert classify(title, sentences)[0] == slug


@pytest.mark.parametrize(
    ("title", "sentences", "expected"),
    [
        (
            "FoldQ: LLM을 위한 4-bit weight quantization",
            ["FoldQ는 LLM의 weight를 4-bit로 quantize하여 GPU memory를 줄인다."],
            "quantization",
        ),
        (
            "긴 context를 위한 linear attention",
            ["Softmax attention의 quadratic 비용을 선형으로 줄인다."],
            "attention",
        ),
        (
            "Hare 모델의 speculative decoding",
            ["Draft model이 만든 토큰을 검증하여 latency를 절반으로 줄인다."],
            "inference",
        ),
        (
            "ReelMaker: text-to-video 생성",
            ["ReelMaker는 video diffusion 모델로 긴 동영상을 만든다."],
            "video",
        ),
        (
            "DPO를 넘어서는 online feedback",
            ["주석자 LLM이 매 반복마다 선호하는 응답을 골라 정렬을 돕는다."],
            "alignment",
        ),
    ],
)
def test_mixed_korean_and_english(title: str, sentences: list[str], expected: str) -> None:
    assert classify(title, sentences)[0] == expected


@pytest.mark.parametrize(
    ("title", "passing", "expected"),
    [
        (
            "Speculative decoding for assistants",
            "Unlike quantization, weights stay as they are.",
            "inference",
        ),
        (
            "Quantization for assistants",
            "Unlike speculative decoding, it needs no draft.",
            "quantization",
        ),
        ("로봇 팔을 위한 정책 학습", "양자화는 다루지 않는다.", "robotics"),
        ("양자화를 위한 정책 학습", "로봇 실험은 다루지 않는다.", "quantization"),
    ],
)
def test_the_title_outweighs_a_passing_mention(title: str, passing: str, expected: str) -> None:
    assert classify(title, ["We report results.", passing])[0] == expected


# Five strong cues of equal weight, in the opposite of taxonomy order.
FIVE_WAY_TIE = ["로봇 실험.", "추측 디코딩.", "선형 어텐션.", "가지치기.", "양자화."]


def test_results_stop_at_the_limit_and_ties_keep_taxonomy_order() -> None:
    assert classify("", FIVE_WAY_TIE) == ["quantization", "pruning", "attention"]
    assert classify("", FIVE_WAY_TIE, limit=1) == ["quantization"]
    assert classify("", FIVE_WAY_TIE, limit=5) == [
        "quantization",
        "pruning",
        "attention",
        "inference",
        "robotics",
    ]


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_below_one_is_refused(limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        classify("Quantization", [], limit=limit)


def test_a_clear_runner_up_is_kept_and_a_faint_one_is_not() -> None:
    sentences = ["We quantize weights to 4-bit.", "We also prune half of the channels."]
    assert classify("Quantization and pruning", sentences) == ["quantization", "pruning"]
    # Pruning scores a strong cue's worth, above the floor but far below a third of the best.
    sentences = ["We quantize to 4-bit.", "Low-bit weights fit.", "No pruning is used."]
    assert classify("Quantization of 4-bit weights", sentences) == ["quantization"]


@pytest.mark.parametrize(
    ("title", "sentences"),
    [
        ("", []),
        ("A new loss for tabular regression", ["We test it on ten datasets of house prices."]),
        ("표 데이터를 위한 새 손실 함수", ["집값 데이터셋 열 개에서 실험한다."]),
        # A weak hint alone is not enough to name a topic.
        ("Bits and pieces", ["A note on tables."]),
    ],
)
def test_general_when_nothing_matches(title: str, sentences: list[str]) -> None:
    assert classify(title, sentences) == [GENERAL.slug]


@pytest.mark.parametrize(("slug", "title", "sentences"), ENGLISH + KOREAN)
def test_general_never_joins_a_real_topic(slug: str, title: str, sentences: list[str]) -> None:
    assert GENERAL.slug not in classify(title, sentences, limit=len(TAXONOMY))


@pytest.mark.parametrize(
    ("title", "sentences"),
    [
        # "bit" inside "orbit" and "habits" would lift the weak "bits" in the title to a topic.
        ("Bits of history", ["In orbit, old habits change.", "Orbit after orbit."]),
        # "rag" inside "average" and "storage", "frame" inside "framework".
        ("Averages of storage", ["We average and drag.", "A framework, a framework, a framework."]),
        ("Clipping, agentless and unclear", ["Orbital drags."]),
    ],
)
def test_english_cues_match_whole_words_only(title: str, sentences: list[str]) -> None:
    assert classify(title, sentences) == [GENERAL.slug]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Text to image in one step", "image-generation"),
        ("Quantized transformers", "quantization"),
        ("Agents everywhere", "agents"),
        ("KV-cache eviction", "inference"),
        ("ＤＰＯ, again", "alignment"),
        ("긴문맥 모델", "attention"),
        ("RAG를 위한 검색기", "llm"),
        ("3D를 보는 눈", "3d"),
    ],
)
def test_case_width_spacing_plurals_stems_and_particles(title: str, expected: str) -> None:
    assert classify(title, []) == [expected]


def test_slugs_are_unique_and_url_safe() -> None:
    slugs = [topic.slug for topic in TAXONOMY]
    assert len(set(slugs)) == len(slugs)
    for slug in slugs:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug), slug


@pytest.mark.parametrize("topic", TAXONOMY, ids=lambda topic: topic.slug)
def test_every_topic_is_named_in_both_languages_and_has_cues(topic: Topic) -> None:
    assert topic.name_en.strip() and topic.name_ko.strip()
    assert re.search("[가-힣]", topic.name_ko)
    assert topic.keywords
    assert len(set(topic.keywords)) == len(topic.keywords)
    for keyword in topic.keywords:
        assert keyword == keyword.strip().lower() and keyword, keyword
    assert any(re.search("[가-힣]", keyword) for keyword in topic.keywords)
    assert any(re.search("[a-z]", keyword) for keyword in topic.keywords)


def test_general_is_the_last_topic() -> None:
    assert TAXONOMY[-1] is GENERAL
    assert (GENERAL.slug, GENERAL.name_en, GENERAL.name_ko) == ("general", "General ML", "일반")


@pytest.mark.parametrize("topic", TAXONOMY, ids=lambda topic: topic.slug)
def test_topic_by_slug_round_trips(topic: Topic) -> None:
    assert topic_by_slug(topic.slug) is topic


@pytest.mark.parametrize("slug", ["", "nope", "Quantization", "quantization "])
def test_unknown_slugs_raise_key_error(slug: str) -> None:
    with pytest.raises(KeyError):
        topic_by_slug(slug)


@pytest.mark.parametrize(("slug", "title", "sentences"), ENGLISH + KOREAN)
def test_the_same_input_gives_the_same_slugs(slug: str, title: str, sentences: list[str]) -> None:
    first = classify(title, sentences)
    assert classify(title, list(sentences)) == first
    assert classify(title, tuple(sentences)) == first
    assert all(topic_by_slug(found).slug == found for found in first)
