"""Topics of a paper, guessed from its title and summary sentences.

Summaries are Korean, English, or Korean sentences full of English terms, so every topic has cues
in both languages. Where a cue begins or ends with an ASCII letter or digit, a word must begin or
end there: "bit" is not found in "orbit" but is in "1-bit" and in "bit를". Korean cues match
anywhere, because Korean attaches particles to its words. Case does not matter, a space or hyphen
in a cue also matches the other or nothing ("text-to-image" matches "text to image"), and an
English cue matches its plural. A cue ending in ``*`` is an English stem that matches any word it
begins: "quantiz*" matches "quantized" and "quantization".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["GENERAL", "TAXONOMY", "Topic", "classify", "topic_by_slug"]


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic a paper can be filed under; ``keywords`` are its lower-case cues, strongest first."""

    slug: str
    name_en: str
    name_ko: str
    keywords: tuple[str, ...]


# A cue's weight says how sure one mention makes us: "quantization" names the topic, "bit" only
# hints at it. A title says what the paper is about, so a cue there counts three times.
_STRONG = 4
_CUE = 2
_WEAK = 1
_TITLE_FACTOR = 3
# One strong mention in the body, two ordinary ones, or an ordinary cue in the title.
_MIN_SCORE = 4
# A runner-up needs at least a third of the best score: a paper has one main subject.
_RUNNER_UP_DIVISOR = 3
# Summaries repeat their subject; the tenth "비디오" says no more than the third.
_REPEAT_CAP = 3


def _define(
    slug: str, name_en: str, name_ko: str, *, strong: str = "", cues: str = "", weak: str = ""
) -> tuple[Topic, dict[str, int]]:
    # Cues are written as comma-separated lists so that a topic's table reads at a glance.
    weights: dict[str, int] = {}
    for listed, weight in ((strong, _STRONG), (cues, _CUE), (weak, _WEAK)):
        weights.update({cue.strip(): weight for cue in listed.split(",") if cue.strip()})
    return Topic(slug, name_en, name_ko, tuple(weights)), weights


# "추론" is both "inference" and "reasoning" in Korean, so it is no cue on its own: the phrases
# around it ("추론 속도", "추론 능력") tell the two apart. "주목" and "주의" mean "attention" but
# also "notice" and "caution", and "정렬" is also "sorting", so those only hint.
_DEFINITIONS: tuple[tuple[Topic, dict[str, int]], ...] = (
    _define(
        "quantization",
        "Quantization",
        "양자화",
        strong="quantiz*, dequantiz*, binariz*, low-bit, 1-bit, 2-bit, 3-bit, 4-bit, 8-bit, int4, "
        "int8, fp8, ptq, qat, 양자화, 역양자화, 이진화, 비너리제이션, 바이너리제이션, 저비트, "
        "1비트, 2비트, 4비트",
        cues="bit-width, low-precision, mixed-precision, binary weights, 비트 폭, 저정밀",
        weak="bit, precision, compression, 비트, 정밀도, 압축",
    ),
    _define(
        "pruning",
        "Pruning & Sparsity",
        "가지치기·희소성",
        strong="prun*, sparsity, sparsif*, lottery ticket, n:m, 2:4, 가지치기, 프루닝, 희소성, "
        "희소화, 스파시티, 스파시피케이션, 스파시파이, 스파스 훈련, 희소 훈련",
        cues="sparse, 스파스, 희소",
        weak="compress*, structured, unstructured, 압축",
    ),
    _define(
        "attention",
        "Efficient Attention & Long Context",
        "효율적 어텐션·긴 문맥",
        strong="linear attention, sparse attention, efficient attention, flash attention, "
        "long context, long-range, context length, context window, sub-quadratic, "
        "quadratic complexity, state space model, length extrapolation, 선형 어텐션, 선형 주의, "
        "희소 어텐션, 긴 문맥, 긴 컨텍스트, 장문맥, 컨텍스트 길이, 컨텍스트 윈도우, 문맥 길이, "
        "이차 복잡도, 이차적 복잡성, 서브쿼드라틱, 상태 공간 모델",
        cues="self-attention, softmax attention, quadratic, long sequence, 어텐션, 셀프 어텐션, "
        "자기 주의, 선형 복잡, 긴 시퀀스, 장거리",
        weak="attention, 주의, 주목, 컨텍스트, 문맥",
    ),
    _define(
        "inference",
        "Inference Acceleration",
        "추론 가속",
        strong="speculative decoding, speculative sampling, kv cache, key-value cache, "
        "efficient inference, inference acceleration, faster inference, inference speed, "
        "early exit, 추측 샘플링, 추측 디코딩, 투기적 디코딩, kv 캐시, 키-값 캐시, 추론 속도, "
        "추론 가속, 추론 지연",
        cues="latency, throughput, serving, speed-up, kernel, tensorrt, accelerat*, draft model, "
        "autoregressive decoding, 캐시, 처리량, 지연 시간, 가속, 속도 향상, 추론 시간, "
        "추론 비용, 서빙, 커널, 드래프트, 드래프팅",
        weak="inference, decoding, memory bandwidth, 디코딩, 배포, 지연",
    ),
    _define(
        "alignment",
        "Alignment & RLHF",
        "정렬·RLHF",
        strong="rlhf, rlaif, dpo, preference optimization, direct preference, reward model, "
        "human feedback, ai feedback, preference data, reward hacking, 인간 피드백, ai 피드백, "
        "보상 모델, 선호도 최적화, 선호 최적화, 선호도 데이터",
        cues="alignment, preference, feedback, ppo, jailbreak, red teaming, harmlessness, "
        "instruction tuning, 정렬, 선호, 피드백, 탈옥, 레드팀",
        weak="reward, safety, 보상, 안전성",
    ),
    _define(
        "image-generation",
        "Image Generation",
        "이미지 생성",
        strong="text-to-image, image generation, image synthesis, image editing, "
        "stable diffusion, inpainting, 텍스트-이미지, 텍스트-투-이미지, 이미지 생성, "
        "이미지 합성, 이미지 편집, 인페인팅",
        cues="diffusion model, gan, super-resolution, image generator, 확산 모델, 디퓨전, 초해상도",
        weak="diffusion, generative, 확산, 생성 모델",
    ),
    _define(
        "video",
        "Video Generation & Understanding",
        "비디오 생성·이해",
        strong="video generation, text-to-video, image-to-video, video diffusion, "
        "video synthesis, video editing, 비디오 생성, 영상 생성, 동영상 생성, 텍스트-비디오, "
        "이미지-비디오, 비디오 확산, 비디오 편집",
        cues="video, temporal consistency, 비디오, 동영상, 시간적 일관성",
        weak="frame, motion, 프레임, 모션, 영상",
    ),
    _define(
        "audio",
        "Audio, Speech & Music",
        "오디오·음성·음악",
        strong="audio, speech, music, text-to-speech, tts, asr, vocoder, waveform, 오디오, "
        "음성, 음악, 보코더, 텍스트-음성, 텍스트-투-뮤직",
        cues="voice, spoken, khz, 사운드, 음향, 뮤직, 스테레오, 화자",
        weak="sound, 발화",
    ),
    _define(
        "3d",
        "3D Generation & Reconstruction",
        "3D 생성·복원",
        strong="3d, 4d, 3차원, gaussian splatting, nerf, radiance field, neural radiance, "
        "novel view synthesis, point cloud, 가우시안 스플래팅, 가우시안 스플레팅, 신경 방사장, "
        "포인트 클라우드, 점군, 새로운 시점 합성",
        cues="multi-view, mesh, avatar, 다중 시점, 다시점, 가우시안, 렌더링, 메쉬",
        weak="gaussian, rendering, reconstruction, 가우스, 재구성, 복원",
    ),
    _define(
        "vision",
        "Vision & Multimodal",
        "비전·멀티모달",
        strong="vision-language, vlm, mllm, lmm, multi-modal, segmentation, "
        "segment anything, object detection, vqa, visual question answering, image captioning, "
        "vision encoder, visual encoder, vision transformer, vit, 비전-언어, 시각-언어, "
        "멀티모달, 다중 모달, 세그멘테이션, 객체 탐지, 객체 검출, 이미지 인코더, 비전 인코더, "
        "시각 인코더, 이미지 캡션, 캡셔닝, 인포그래픽",
        cues="image classification, ocr, ui, gui, screen, infographic, chart, grounding, vision, "
        "이미지 분류, 스크린, 사용자 인터페이스, 모달리티, 비전",
        # "clip" is also the word in "video clips".
        weak="clip, image, visual, 이미지, 시각적, 분할",
    ),
    _define(
        "agents",
        "Agents & Reasoning",
        "에이전트·추론",
        strong="agent, agentic, tool use, program synthesis, code generation, chain-of-thought, "
        "mathematical reasoning, math reasoning, theorem proving, chess, 에이전트, 도구 사용, "
        "프로그램 합성, 코드 생성, 사고의 연쇄, 수학적 추론, 정리 증명, 체스",
        cues="reasoning, planning, game, puzzle, programming, coding, mcts, "
        "monte carlo tree search, 추론 능력, 인과 추론, 논리적 추론, 게임, 퍼즐, 프로그래밍, "
        "플래닝, 수학, math, arithmetic, word problem, 산수, 검산, 수학 문제",
        weak="search, reinforcement learning, 탐색, 강화 학습, 계획",
    ),
    _define(
        "training",
        "Training Efficiency & Scaling",
        "학습 효율·스케일링",
        strong="distillation, scaling law, meta-learning, lora, low-rank adaptation, "
        "parameter-efficient, peft, synthetic data, training efficiency, compute-optimal, 증류, "
        "스케일링 법칙, 메타 러닝, 메타 학습, 메타 훈련, 저차 적응, 합성 데이터, 학습 효율, "
        "훈련 효율",
        cues="scaling, data generation, data augmentation, curriculum, self-improv*, optimizer, "
        "learning rate, continual learning, 스케일링, 스케일, 데이터 생성, 데이터 증강, "
        "데이터 확장, 자기 개선, 커리큘럼, 옵티마이저, 학습률",
        weak="fine-tuning, scale, 미세 조정, 파인튜닝",
    ),
    _define(
        "moe",
        "Mixture of Experts",
        "전문가 혼합(MoE)",
        strong="mixture of experts, moe, expert routing, 전문가 혼합, 전문가 믹스처, 전문가 라우팅",
        cues="router, routing, gating, experts, 라우터, 라우팅, 게이팅",
        weak="expert, 전문가",
    ),
    _define(
        "robotics",
        "Robotics",
        "로보틱스",
        strong="robot*, embodied, locomotion, humanoid, autonomous driving, self-driving, "
        "sim-to-real, 로봇, 로보틱스, 휴머노이드, 자율 주행, 임바디드",
        cues="manipulation, grasp*, 매니퓰레이션, 파지, 보행",
        weak="navigation, 조작",
    ),
    _define(
        "science",
        "Science Applications",
        "과학 응용",
        strong="materials science, inorganic, molecul*, protein*, chemistry, chemical, "
        "drug discovery, crystal*, genom*, dna, biology, biological, 물질, 분자, 단백질, 화학, "
        "결정 구조, 원자, 신약, 유전체, 생물학",
        cues="material, atom*, physics, medical, weather, climate, 소재, 크리스탈, 의료, 의학, "
        "기상, 기후",
        weak="physical, 물리",
    ),
    _define(
        "evaluation",
        "Evaluation & Benchmarks",
        "평가·벤치마크",
        strong="survey, empirical study, comparative study, systematic evaluation, "
        "comprehensive evaluation, evaluation suite, 서베이, 종합적 평가, 포괄적인 평가, "
        "체계적 평가, 비교 분석, 실증적 발견",
        cues="benchmark*, leaderboard, assess*, trustworthiness, 벤치마크, 평가 기준, 리더보드, "
        "신뢰성, 종합적으로 분석",
        weak="evaluation, evaluate, landscape, hallucination, 평가, 환각, 조사",
    ),
    _define(
        "llm",
        "Language Models",
        "언어 모델",
        cues="retrieval-augmented, rag, 검색 증강",
        # Nearly every summary mentions language models, so these cues only decide papers
        # that no more specific topic claims.
        weak="language model, llm, gpt, transformer, pre-training, tokeniz*, "
        "next-token prediction, in-context learning, prompting, chatbot, 언어 모델, 트랜스포머, "
        "사전 학습, 사전 훈련, 토크나이저, 토큰화, 인컨텍스트, 프롬프트",
    ),
)

GENERAL = Topic(
    "general",
    "General ML",
    "일반",
    # Never scored: a paper is filed here only when no other topic claims it.
    ("machine learning", "deep learning", "neural network", "머신러닝", "딥러닝", "신경망"),
)
TAXONOMY: tuple[Topic, ...] = (*(topic for topic, _ in _DEFINITIONS), GENERAL)

_BY_SLUG = {topic.slug: topic for topic in TAXONOMY}
_ASCII_WORD_CHAR = re.compile(r"[a-z0-9]")


def _rest_of(cue: str) -> str:
    """The pattern of ``cue`` after its first character, as one capturing group."""
    words = re.split(r"[\s\-]+", cue.rstrip("*"))
    rest = r"[-\s]?".join(re.escape(word) for word in words)[len(re.escape(cue[0])) :]
    if _ASCII_WORD_CHAR.fullmatch(cue[0]):
        # Read after the first character, so the character before that is two back.
        rest = r"(?<![a-z0-9].)" + rest
    if cue.endswith("*"):
        rest += r"[a-z0-9]*"
    elif cue[-1].isascii() and cue[-1].isalpha():
        rest += r"(?:e?s)?(?![a-z0-9])"
    elif _ASCII_WORD_CHAR.fullmatch(cue[-1]):
        rest += r"(?![a-z0-9])"
    return f"({rest})"


@dataclass(frozen=True, slots=True)
class _Matcher:
    index: int
    slug: str
    pattern: re.Pattern[str]
    weights: tuple[int, ...]  # by capturing group, less one


def _matcher(index: int, topic: Topic, weights: dict[str, int]) -> _Matcher:
    # Python's ``re`` skips quickly to where a match may start only when every alternative
    # begins with a plain character: each branch is one first character, then the cues that
    # share it. Longest first, so that "bit-width" is read as itself and not as "bit".
    by_first: dict[str, list[str]] = {}
    for cue in sorted(weights, key=lambda cue: (-len(cue), cue)):
        by_first.setdefault(cue[0], []).append(cue)
    branches = [
        re.escape(first) + "(?:" + "|".join(_rest_of(cue) for cue in cues) + ")"
        for first, cues in by_first.items()
    ]
    cue_weights = tuple(weights[cue] for cues in by_first.values() for cue in cues)
    return _Matcher(index, topic.slug, re.compile("|".join(branches)), cue_weights)


_MATCHERS = tuple(
    _matcher(index, topic, weights) for index, (topic, weights) in enumerate(_DEFINITIONS)
)


def topic_by_slug(slug: str) -> Topic:
    """The topic whose slug is ``slug``; ``KeyError`` when there is none."""
    return _BY_SLUG[slug]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _score(matcher: _Matcher, text: str, title_end: int) -> int:
    in_title: set[int] = set()
    in_body: Counter[int] = Counter()
    for match in matcher.pattern.finditer(text):
        cue = (match.lastindex or 0) - 1
        if match.start() < title_end:
            in_title.add(cue)
        else:
            in_body[cue] += 1
    weights = matcher.weights
    score = _TITLE_FACTOR * sum(weights[cue] for cue in in_title)
    return score + sum(weights[cue] * min(n, _REPEAT_CAP) for cue, n in in_body.items())


def classify(title: str, sentences: Sequence[str], *, limit: int = 3) -> list[str]:
    """Slugs of the 1..limit best-matching topics, best first; [GENERAL.slug] when nothing matches.

    A topic is kept when its score reaches a floor and at least a third of the best score.
    Equal scores keep the order of ``TAXONOMY``, so the same input always gives the same list.
    ``ValueError`` when ``limit`` is less than 1.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    folded_title = _fold(title)
    # One scan per topic over title and sentences together; the blank lines between them keep
    # a cue from spanning two of them.
    text = folded_title + "\n\n" + _fold("\n\n".join(sentences))
    scored = [(_score(matcher, text, len(folded_title)), matcher) for matcher in _MATCHERS]
    kept = sorted(
        ((score, matcher) for score, matcher in scored if score >= _MIN_SCORE),
        key=lambda item: (-item[0], item[1].index),
    )
    if not kept:
        return [GENERAL.slug]
    best = kept[0][0]
    return [matcher.slug for score, matcher in kept if score * _RUNNER_UP_DIVISOR >= best][:limit]
