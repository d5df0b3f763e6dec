"""Method names: from the title, naming phrases, proposals and defined acronyms; never generic."""

from __future__ import annotations

import pytest

from studyapp.extract.methods import find_method
from studyapp.extract.names import title_name


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("QuillNet: Writing Code with Diffusion", "QuillNet"),
        ("Mosaic-3B: A Small Model for Tables", "Mosaic-3B"),
        ("Stable Voice 2: Expressive Speech at Scale", "Stable Voice 2"),
        ("Direct Reward Matching: Your Policy Is a Critic", "Direct Reward Matching"),
        ("Sparse Routers for Long Documents (SRLD)", "SRLD"),
        ("Learning to Compress Prompts", None),
        ("The Fox & the Hound: Teaching Models to Hunt Bugs", None),
        ("From Pixels to Words and Back: A Study of Captioning", None),
        ("Robust N:M Sparsity Training for Vision Transformers", None),
        ("Survey: Efficient Inference", None),
    ],
)
def test_title_names(title: str, name: str | None) -> None:
    assert title_name(title) == name


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        # Korean naming phrases and proposals
        (
            "우리는 이미지를 조각으로 나누어 처리하는 'TileFormer'라는 이름의 모델을 만들었다.",
            "TileFormer",
        ),
        ("GraftLM이라는 새로운 사전 학습 방식을 제시한다.", "GraftLM"),
        ("본 논문에서는 데이터를 압축하는 ZipTune을 제안한다.", "ZipTune"),
        ("작은 초안 모델을 여러 개 이어 붙이는 StackDraft를 소개합니다.", "StackDraft"),
        ("확산 기반 편집기인 Brushy-2가 소개되었습니다.", "Brushy-2"),
        ("우리의 방법인 반복 자기 검증(ISV)을 제시합니다.", "ISV"),
        (
            "PRISM(Progressive Rank-Increasing Sparse Merging)이라는 간단한 방법을 제안하여 "
            "병합 오류를 줄인다.",
            "PRISM",
        ),
        ("가벼운 라우터로 어댑터를 고르는 MoA 제안", "MoA"),
        ("계층별 학습률을 자동으로 맞추는 기법인 AutoLR-v2 출시.", "AutoLR-v2"),
        ("FlashSort는 정렬 대신 해시로 토큰을 묶는 방법이다.", "FlashSort"),
        # English proposals and naming
        (
            "We propose PaperCrane, a retrieval model that folds citations into its index.",
            "PaperCrane",
        ),
        ("In this work we introduce a new framework, OrbitQA, for multi-hop questions.", "OrbitQA"),
        ("The resulting system, called Lantern, explains its answers step by step.", "Lantern"),
        ("A simple recipe named Fig-Tune closes the gap with full fine-tuning.", "Fig-Tune"),
        ("Ember is proposed to calibrate confidence on unseen tasks.", "Ember"),
        ("Cobalt is a framework that schedules GPU kernels across requests.", "Cobalt"),
        ("We present Gradient Echo Sampling (GES), which reuses past gradients.", "GES"),
    ],
)
def test_names_from_the_summary(sentence: str, name: str) -> None:
    assert find_method("Untitled Study of Something", [sentence]) == name


@pytest.mark.parametrize(
    "sentence",
    [
        # Generic nouns, tools the paper only uses, and existing work are not its method.
        "본 논문에서는 새로운 방법을 제안한다.",
        "우리는 효율적인 접근법을 제시합니다.",
        "기존 GPT-4를 사용하여 데이터를 만들었다.",
        "이 연구는 LLM을 제안된 방식으로 평가한다.",
        "We propose a simple method that works well in practice.",
        "We use GPT-4 to label the data.",
        "Existing methods such as LoRA struggle with long inputs.",
        "솔로몬오프 유도(Solomonoff Induction, SI)를 신경망에 통합하는 가능성을 탐구한다.",
        "We study the Transformer on arithmetic.",
    ],
)
def test_generic_words_and_borrowed_tools_are_no_method(sentence: str) -> None:
    assert find_method("Learning to Count with Attention", [sentence]) is None


def test_the_title_itself_is_not_a_method_name() -> None:
    title = "Slow Thinking for Fast Models"
    sentence = "'Slow Thinking for Fast Models'을 제시합니다."
    assert find_method(title, [sentence]) is None


def test_title_beats_the_summary_and_a_hint_beats_the_title() -> None:
    sentences = ["We propose OtherName for this task."]
    assert find_method("Sprout: Growing Small Models", sentences) == "Sprout"
    assert find_method("Sprout: Growing Small Models", sentences, name_hint="SPR") == "SPR"


def test_a_naming_phrase_beats_a_proposal_of_the_title() -> None:
    sentences = [
        "텍스트로 음악을 만드는 연구인 'Latent Songs for Everyone'을 제시합니다.",
        "'TuneSmith'라는 이름의 생성 모델은 가사와 박자를 함께 조건으로 받는다.",
    ]
    assert find_method("Latent Songs for Everyone", sentences) == "TuneSmith"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("m1: Unleash Reasoning in Small Models", "m1"),
        ("Command A: An Enterprise-Ready Model", "Command A"),
        ("Any2Caption:Interpreting Any Condition", "Any2Caption"),
        ("HuatuoGPT-Vision, Towards Medical Vision", "HuatuoGPT-Vision"),
        ("Can One Model Do Both? CALM: A Unified Agent", "CALM"),
        ("The Well: A Collection of Physics Simulations", "The Well"),
        ("CODE: Confident Ordinary Differential Editing", "CODE"),
        ("Single-Layer Activation for Implicit Representation (SL²A-INR)", "SL²A-INR"),
        ("OWSM v3.1: Better Speech Models", "OWSM v3.1"),
        ("gsplat: An Open-Source Library for Splatting", "gsplat"),
        ("towards: A Title Head That Is a Word", None),
        ("Predicting Rewards Alongside Tokens: Parameter Insertion", None),
        ("Scaling Laws for Everything", None),
    ],
)
def test_more_title_names(title: str, name: str | None) -> None:
    assert title_name(title) == name


@pytest.mark.parametrize(
    ("sentences", "name"),
    [
        # A short form defined for a Korean term, proposed: its acronym.
        (["문서 오류를 찾는 확률적 오류 상승(Stochastic Error Ascent; SEA)을 제안합니다."], "SEA"),
        (["멀티 토큰 어텐션(Multi-Token Attention; MTA) 기법을 제안합니다."], "MTA"),
        # What the summary is about, made here and set against others.
        (
            [
                "PatchRoute는 비전 토큰을 라우터로 골라 언어 모델에 넘깁니다.",
                "PatchRoute는 기존 방법보다 2배 빠릅니다.",
            ],
            "PatchRoute",
        ),
        (["새로운 벤치마크인 'NeedleBank'를 도입하여 긴 문맥을 평가합니다."], "NeedleBank"),
        (["저자들은 장면 생성기 'TallyGen'을 만들었습니다."], "TallyGen"),
        # A "Long Name (ACR)" is named by its acronym.
        (["We present Sparse Gate Routing (SGR), which drops idle experts."], "SGR"),
    ],
)
def test_names_from_the_summary_in_context(sentences: list[str], name: str) -> None:
    assert find_method("An Untitled Study of Something", sentences) == name


@pytest.mark.parametrize(
    "sentences",
    [
        # An established term translated into Korean, only used and studied.
        [
            "직접 선호 최적화(Direct Preference Optimization; DPO)를 통해 독성을 줄이는 연구를 "
            "다룹니다.",
            "DPO는 일부 뉴런만 억제합니다.",
            "DPO는 누적 효과로 독성을 낮춥니다.",
        ],
        # A plain word as a subject is not a name.
        ["Karakalpak은 저자원 언어입니다.", "Karakalpak은 약 90만 명이 사용합니다."],
        # One of a list of environments, named with "라는".
        ["Touchdown, ScienceWorld, ALFWorld라는 세 가지 환경에서 평가했습니다."],
        # A formula's function and a number are no names.
        ["새로운 목표 Jrobust(θ)을 도입합니다.", "상관은 0.9085를 기록했습니다."],
        # A background definition of existing work.
        ["Neural Radiance Field (NeRF)는 3D 재구성을 위한 표현 방법으로 사용된다."],
    ],
)
def test_objects_of_study_lists_formulas_and_background_are_no_method(sentences: list[str]) -> None:
    assert find_method("An Untitled Study of Something", sentences) is None


def test_a_title_name_keeps_the_title_spelling_unless_it_shouts() -> None:
    assert find_method("JPEG-LM: Images as Codes", ["Jpeg-LM은 코덱을 쓴다."]) == "JPEG-LM"
    sentences = ["DreamWaltz는 춤을 만든다.", "DreamWaltz는 빠르다."]
    assert find_method("DREAMWALTZ: Make a Scene", sentences) == "DreamWaltz"


def test_a_slogan_title_gives_way_to_the_name_the_summary_proposes() -> None:
    sentences = ["이 논문은 주목받지 못한 토큰을 제거하는 HushPrune을 제안한다."]
    assert find_method("Quiet Tokens: Pruning Vision Tokens", sentences) == "HushPrune"
    # A coined title name stays, whatever the summary proposes besides.
    assert find_method("FoldKV: Folding Caches", sentences) == "FoldKV"


def test_what_a_title_studies_is_not_its_method() -> None:
    sentences = ["LLaMA는 층마다 다른 정보를 담습니다.", "LLaMA는 기존 모델보다 낫습니다."]
    assert find_method("Beyond Surface: Probing LLaMA Across Scales", sentences) is None


def test_a_technical_report_is_named_by_what_it_reports() -> None:
    assert title_name("EXAONE 3.0 Technical Report") == "EXAONE 3.0"
    assert title_name("A Report") is None


def test_a_measure_the_paper_defines_is_not_its_method() -> None:
    sentences = [
        "개념 해독 가능성(Concept Decodability; CD)이라는 새로운 지표를 도입하였습니다.",
        "CD는 중간 층에서 높게 나타납니다.",
    ]
    assert find_method("Emergence of Abstractions in Context", sentences) is None


def test_a_name_spelled_from_the_title_words_wins_a_close_call() -> None:
    # Both proposed alike; UGround is made of the title's words (Universal … Grounding).
    sentences = ["SeeAct-V를 제안합니다.", "UGround를 제안합니다."]
    assert find_method("Universal Visual Grounding for GUI Agents", sentences) == "UGround"


def test_a_title_head_whose_short_form_the_summary_uses_is_no_slogan() -> None:
    # The summary defines SMR as the head's short form, so it uses the head: it stays.
    sentences = [
        "스파스 혼합 라우팅(Sparse Mixture Routing; SMR)을 제안합니다.",
        "SMR은 전문가를 고릅니다.",
    ]
    assert find_method("Sparse Mixture Routing: Cheap Experts at Scale", sentences) == (
        "Sparse Mixture Routing"
    )
