"""Card drafts: prompts in the summary's language, the cloze front, and the JSON shape."""

from __future__ import annotations

from datetime import date

from studyapp.extract import extract_text
from studyapp.extract.cards import build_paper, card_name, cloze
from studyapp.extract.drafts import RawPaper
from studyapp.identity import CardKind


def test_korean_paper_gets_korean_prompts_and_a_cloze() -> None:
    paper = build_paper(
        RawPaper(
            title="FoldKV: Folding Caches for Long Chats",
            sentences=(
                "FoldKV는 오래된 대화의 KV 캐시를 요약 토큰으로 접어 메모리를 아낀다.",
                "128K 토큰 대화에서 기존 방법 대비 메모리를 최대 4.5배 줄였다.",
            ),
            arxiv_id="2506.00001",
            published_on=date(2025, 6, 2),
        )
    )
    assert paper.lang == "ko"
    assert paper.method == "FoldKV"
    method_card, number_card = paper.cards
    assert method_card.kind is CardKind.METHOD_IDEA
    assert method_card.front == "FoldKV — 핵심 아이디어는?"
    assert method_card.back.startswith("FoldKV는 오래된 대화의 KV 캐시를")
    assert number_card.kind is CardKind.HEADLINE_NUMBER
    assert number_card.front == (
        "FoldKV — 핵심 수치는?\n128K 토큰 대화에서 기존 방법 대비 메모리를 최대 ＿＿ 줄였다."
    )
    assert number_card.back == "4.5배"
    assert number_card.number is not None and number_card.number.value == 4.5
    assert (
        number_card.source_sentence
        == "128K 토큰 대화에서 기존 방법 대비 메모리를 최대 4.5배 줄였다."
    )


def test_english_paper_without_a_method_is_named_by_its_title() -> None:
    paper = build_paper(
        RawPaper(
            title="Do Reward Models Prefer Longer Answers?",
            sentences=(
                "We compare twelve reward models on pairs of answers that differ in length.",
            ),
        )
    )
    assert paper.method is None
    assert [c.front for c in paper.cards] == ["Do Reward Models Prefer Longer Answers? — key idea?"]


def test_long_titles_are_shortened_for_the_card() -> None:
    title = "A Very Long Title About Many Things: " + "with a subtitle that goes on " * 5
    assert card_name(title, None) == "A Very Long Title About Many Things"
    assert card_name(title, "Short") == "Short"


def test_a_long_title_is_never_cut_mid_thought() -> None:
    # A question title keeps its question; a title with no head stays whole up to 160
    # characters rather than ending in "…" halfway through a phrase.
    question = "Why Do Aligned Language Models Forget Safety? An Analysis of Fine-Tuning Drift"
    assert card_name(question + " in Many Settings", None) == (
        "Why Do Aligned Language Models Forget Safety?"
    )
    headless = (
        "Learning Calibrated Abstention Policies for Adaptive Risk Management"
        " in Large Language and Vision Models"
    )
    assert len(headless) > 90
    assert card_name(headless, None) == headless
    endless = " ".join(["Word"] * 60)
    assert card_name(endless, None).endswith(" …")
    assert len(card_name(endless, None)) <= 162


def test_a_long_headline_sentence_stays_whole_up_to_a_backs_length() -> None:
    sentence = (
        "On the long-document benchmark the model reaches 71.3% accuracy with a quarter of the"
        " memory, while the strongest open baseline stays at 64.0% and the closed models we"
        " could test stay between 58% and 69% on the same split and prompts."
    )
    assert 200 < len(sentence) <= 300
    at = sentence.index("71.3%")
    front = cloze(sentence, at, at + 5, blank="___")
    assert "…" not in front
    assert front == sentence.replace("71.3%", "___")


def test_json_has_the_contract_fields() -> None:
    text = "# Notes\n\n## TinyJudge\n\n- TinyJudge를 제안한다.\n- 정확도를 7.5%p 높였다.\n"
    (paper,) = extract_text(text, source="notes").papers
    data = paper.to_json()
    assert data["method"] == "TinyJudge"
    assert data["cards"][1]["number"] == {"text": "7.5%p", "value": 7.5, "unit": "%p"}
    assert set(data) >= {"title", "arxiv_id", "url", "authors", "lang", "method", "topics", "cards"}


def test_a_method_card_keeps_its_sentence_as_written() -> None:
    sentence = "또한, 본 논문에서는 문단마다 점수를 매겨 상위 문단만 넘기는 SkimSum을 제안한다."
    paper = build_paper(RawPaper(title="SkimSum: Reading Less", sentences=(sentence,)))
    (card,) = paper.cards
    assert card.back == "문단마다 점수를 매겨 상위 문단만 넘기는 SkimSum을 제안한다."
    assert card.source_sentence == sentence


def test_a_cloze_that_cannot_stand_alone_loses_only_its_pointer() -> None:
    assert (
        cloze("이는 정확도를 12% 향상시켰다.", 8, 11, blank="＿＿") == "정확도를 ＿＿ 향상시켰다."
    )
