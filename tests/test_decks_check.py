"""`studyapp decks check`: a headline number is a result the paper reports, never its set-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

DECK = """\
format = 1
slug = "tiny"
name = "Tiny deck"
source = "none"
lang = "ko"

[[papers]]
arxiv_id = "2501.00001"
title = "FoldNet: Folding Layers for Faster Inference"
topics = ["inference", "llm"]
method = "FoldNet"

[papers.ko]
summary = ["FoldNet은 인접한 두 층을 하나로 합친다."]
key_idea = "인접한 층의 가중치를 하나의 행렬로 미리 곱해 둔다."
number = {{ text = "{ko}", value = {value},{unit} sentence = "{ko_sentence}" }}

[papers.en]
summary = ["FoldNet merges pairs of adjacent layers."]
key_idea = "It multiplies adjacent layers' weights into one matrix ahead of time."
number = {{ text = "{en}", value = {value}, sentence = "{en_sentence}" }}
"""
# A paper is named by the first 40 characters of its title.
PAPER = "papers[0] (FoldNet: Folding Layers for Faster Infer)"
RESULT = (
    "not a result; a headline number must be a result the paper reports"
    " (a speed-up, a score, a gain)"
)


def check(
    runner: FlaskCliRunner, folder: Path, numbers: tuple[str, str, str, str, float], unit: str = ""
) -> tuple[int, str, Path]:
    ko, ko_sentence, en, en_sentence, value = numbers
    folder.mkdir()
    path = folder / "tiny.toml"
    path.write_text(
        DECK.format(
            ko=ko,
            ko_sentence=ko_sentence,
            en=en,
            en_sentence=en_sentence,
            value=value,
            unit=f' unit = "{unit}",' if unit else "",
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["decks", "check", "--dir", str(folder)])
    return result.exit_code, result.output, path


@pytest.mark.parametrize(
    ("numbers", "unit", "messages"),
    [
        (
            ("5B", "5B 파라미터 규모로 최고 기록을 냈다.", "5B", "At 5B parameters it leads.", 5e9),
            "",
            ["ko.number: '5B' is a model or data size", "en.number: '5B' is a model or data size"],
        ),
        (
            (
                "10억 개",
                "10억 개 파라미터로 학습했다.",
                "1 billion",
                "It has 1 billion weights.",
                1e9,
            ),
            "",
            [
                "ko.number: '10억 개' is a model or data size",
                "en.number: '1 billion' is a model or data size",
            ],
        ),
        (
            ("8비트", "모두 8비트로 양자화한다.", "8-bit", "Both are quantized to 8-bit.", 8),
            "",
            ["ko.number: '8비트' is a bit width (비트)", "en.number: '8-bit' is a bit width (bit)"],
        ),
        (
            ("230개", "모두 230개의 사례를 분석했다.", "230", "It analyses 230 cases.", 230),
            "",
            ["ko.number: '230개' is a count (개)"],
        ),
        (
            ("14가지", "14가지 발견을 내놓는다.", "14", "It reports 14 findings.", 14),
            "",
            ["ko.number: '14가지' is a count (가지)"],
        ),
        (
            ("6", "오픈소스 모델 6종을 평가했다.", "6", "It evaluates 6 models.", 6),
            "종",
            ["ko.number: '6' is a count (종)"],
        ),
    ],
)
def test_a_set_up_size_is_refused_as_a_headline_number(
    runner: FlaskCliRunner,
    tmp_path: Path,
    numbers: tuple[str, str, str, str, float],
    unit: str,
    messages: list[str],
) -> None:
    exit_code, output, path = check(runner, tmp_path / "decks", numbers, unit)
    assert exit_code == 2
    problems = [line for line in output.splitlines() if RESULT in line]
    assert problems == [f"error: {path}: {PAPER}.{message}, {RESULT}" for message in messages]
    # Only the set-up is reported, not a number "missing" in the other language.
    assert "in both languages or in neither" not in output
    assert "Nothing was loaded" in output


@pytest.mark.parametrize(
    "numbers",
    [
        ("3.5배", "추론이 3.5배 빨라진다.", "3.5x", "Inference runs 3.5x faster.", 3.5),
        (
            "8.41 perplexity",
            "1.08비트로 8.41 perplexity를 냈다.",
            "8.41 perplexity",
            "With 1.08-bit weights it reaches 8.41 perplexity.",
            8.41,
        ),
        (
            "8초",
            "95초 길이의 오디오를 8초면 만든다.",
            "8 seconds",
            "It renders 95 seconds of audio in 8 seconds.",
            8,
        ),
        ("두 배", "처리량이 두 배 가까이 는다.", "2x", "It gives nearly 2x the throughput.", 2),
    ],
)
def test_a_result_passes(
    runner: FlaskCliRunner, tmp_path: Path, numbers: tuple[str, str, str, str, float]
) -> None:
    exit_code, output, _ = check(runner, tmp_path / "decks", numbers)
    assert exit_code == 0, output
    assert "1 deck files, 1 papers, 2 cards: ok" in output
