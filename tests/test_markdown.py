"""Markdown as the parsers read it: blocks from markdown-it-py, inline marks read as text."""

from __future__ import annotations

import pytest

from studyapp.extract.markdown import BlockKind, inline_text, read_blocks, tex_to_text


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("***What's New***: 새 모델", "What's New: 새 모델"),
        ("**굵게** 그리고 *기울임* 과 __밑줄__", "굵게 그리고 기울임 과 밑줄"),
        # Korean particles right after a closing mark (CommonMark would keep these marks).
        ("**영역(Region)**을 나눈다", "영역(Region)을 나눈다"),
        ("[code](https://github.com/x/y)와 ![그림](fig.png) 참고", "code와 참고"),
        ("`top_k` 값과 <sup>2</sup> 표기", "top_k 값과 2 표기"),
        # Unpaired marks and intraword underscores are words, not emphasis.
        ("AtP* 는 5 * 3 을 쓴다", "AtP* 는 5 * 3 을 쓴다"),
        ("snake_case 와 π_refine", "snake_case 와 π_refine"),
        (r"별표 \*그대로\* 둔다", "별표 *그대로* 둔다"),
        ("**AtP***: 설명", "AtP*: 설명"),
        # TeX in titles; dollars that are money stay.
        ("M$^{2}$UGen: Music", "M²UGen: Music"),
        ("$λ$-ECLIPSE와 $\\textit{Trans-LoRA}$", "λ-ECLIPSE와 Trans-LoRA"),
        ("in $\\sim$20 Seconds", "in ~20 Seconds"),
        ("A Simple $L_2$ Norm", "A Simple L₂ Norm"),
        ("비용은 $5와 $10 사이", "비용은 $5와 $10 사이"),
        ("  여러   칸의\n줄바꿈  ", "여러 칸의 줄바꿈"),
    ],
)
def test_inline_marks_become_the_words_a_reader_sees(source: str, text: str) -> None:
    assert inline_text(source) == text


@pytest.mark.parametrize(
    ("tex", "text"),
    [("^{2}", "²"), ("x_{10}", "x₁₀"), ("\\Delta", "Δ"), ("\\mathbf{W}^{T}", "W^T"), ("{a}", "a")],
)
def test_tex_to_text(tex: str, text: str) -> None:
    assert tex_to_text(tex) == text


def test_blocks_keep_headings_items_and_their_depth() -> None:
    blocks = read_blocks(
        "## Daily Papers (2025-03-20)\n\n### [A](https://arxiv.org/abs/2503.00001)\n\n"
        "<div><video src='v.mp4'></video></div>\n\n<video src='v.mp4'></video>\n\n"
        "Vote: 3\nAuthors: Kim\n\n"
        "- **Technical Details**: 두 단계입니다:\n  - 첫째 단계\n  - 둘째 단계\n\n"
        "  이어지는 문단\n- 다음 항목\n"
    )
    kinds = [(b.kind, b.level, b.opens_item) for b in blocks]
    assert kinds == [
        (BlockKind.HEADING, 2, False),
        (BlockKind.HEADING, 3, False),
        (BlockKind.HTML, 0, False),
        (BlockKind.PARAGRAPH, 0, False),  # inline HTML only: no words in it
        (BlockKind.PARAGRAPH, 0, False),
        (BlockKind.ITEM, 1, True),
        (BlockKind.ITEM, 2, True),
        (BlockKind.ITEM, 2, True),
        (BlockKind.ITEM, 1, False),  # a second paragraph of the same item
        (BlockKind.ITEM, 1, True),
    ]
    assert inline_text(blocks[3].source) == ""
    assert blocks[4].source == "Vote: 3\nAuthors: Kim"


def test_four_spaces_do_not_make_a_code_block() -> None:
    (block,) = read_blocks("    들여쓴 문장도 요약이다.")
    assert block.kind is BlockKind.PARAGRAPH
