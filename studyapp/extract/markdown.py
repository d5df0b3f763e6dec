"""Markdown as the parsers read it: blocks from a real Markdown parser, inline marks as text.

Block structure (headings, paragraphs, list items at any depth, raw HTML) comes from
markdown-it-py. Its inline parser is not used: on crafted input (a megabyte of ``[a](``) it
takes seconds per line, and a summary needs much less from inline Markdown than a renderer
does. :func:`inline_text` turns a block's inline source into the words a reader sees, in time
linear in its length: link text without its target, no images, emphasis marks, code ticks or
HTML tags, and TeX math (``M$^{2}$UGen``, ``$λ$-ECLIPSE``) as plain characters.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt

__all__ = ["Block", "BlockKind", "inline_text", "read_blocks", "tex_to_text"]


class BlockKind(enum.Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    #: A paragraph inside a list item; ``depth`` is how deeply the list is nested (1: top).
    ITEM = "item"
    HTML = "html"
    CODE = "code"


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    #: The inline Markdown source, lines joined with "\n" (as written, marks and all).
    source: str
    #: The heading's level (1–6); the list depth of an item; 0 otherwise.
    level: int = 0
    #: For an item: whether this paragraph opens its list item (a label is read there).
    opens_item: bool = False
    #: The first line of the block in the document, counted from 0.
    line: int = 0


@cache
def _parser() -> MarkdownIt:
    # Indented code is off: a summary indents continuation lines and nested bullets freely,
    # and four spaces must not turn a bullet into a code listing.
    return MarkdownIt("commonmark").disable(["inline", "code"])


def read_blocks(text: str) -> list[Block]:
    """The document's blocks in order. Horizontal rules, quotes and list boundaries leave no
    block of their own; a quote's paragraphs read as paragraphs."""
    blocks: list[Block] = []
    depth = 0
    # Per open list item: whether its first paragraph has been seen yet.
    item_opened: list[bool] = []
    heading_level = 0
    for token in _parser().parse(text):
        kind = token.type
        line = token.map[0] if token.map else 0
        if kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif kind == "list_item_open":
            item_opened.append(False)
        elif kind == "list_item_close":
            item_opened.pop()
        elif kind == "heading_open":
            heading_level = int(token.tag[1:])
        elif kind == "heading_close":
            heading_level = 0
        elif kind == "inline":
            if heading_level:
                blocks.append(Block(BlockKind.HEADING, token.content, heading_level, line=line))
            elif depth and item_opened:
                opens = not item_opened[-1]
                item_opened[-1] = True
                blocks.append(Block(BlockKind.ITEM, token.content, depth, opens, line))
            else:
                blocks.append(Block(BlockKind.PARAGRAPH, token.content, line=line))
        elif kind == "html_block":
            blocks.append(Block(BlockKind.HTML, token.content, line=line))
        elif kind == "fence":
            blocks.append(Block(BlockKind.CODE, token.content, line=line))
        if kind in ("html_block", "fence") and item_opened:
            item_opened[-1] = True
    return blocks


# ---- Inline Markdown to text -------------------------------------------------------------------

# Each pattern stops at the next bracket or parenthesis, so every attempt ends within a bounded
# stretch and a line is read in linear time however many brackets it holds.
_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>\n]{0,300}>")
_CODE = re.compile(r"`+")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# TeX math between dollars, with no space inside them at either end (see _math).
_MATH = re.compile(r"\$([^$\n]{1,120}?)\$")
_EMPHASIS_RUN = re.compile(r"\*+|_+")
# Escaped characters wait in the private use area while marks are read, then come back.
_PRIVATE = 0xE000
_UNESCAPE = {_PRIVATE + code: code for code in range(128)}


def inline_text(source: str) -> str:
    """The words a reader sees in an inline Markdown ``source``, on one line."""
    if not any(ch in source for ch in "\\*_[]!`<$"):
        return " ".join(source.split())
    text = _ESCAPE.sub(lambda m: chr(_PRIVATE + ord(m.group(1))), source)
    text = _IMAGE.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _CODE.sub("", text)
    text = _MATH.sub(_math, text)
    text = _drop_emphasis(text)
    return " ".join(text.translate(_UNESCAPE).split())


def _math(match: re.Match[str]) -> str:
    tex = match.group(1)
    # "$5 and $10" is money: a space inside either dollar, or a number without any TeX
    # (``^``, ``_``, ``\``, braces) is not math.
    if tex != tex.strip() or (tex[0].isdigit() and not any(c in tex for c in "^_\\{")):
        return match.group()
    return tex_to_text(tex)


def _drop_emphasis(text: str) -> str:
    """Text without the ``*`` and ``_`` runs that pair up as emphasis.

    A simplified form of CommonMark's delimiter algorithm. It is looser for ``*`` than the
    specification, which keeps ``**영역(Region)**을`` bold marks as text because a Korean
    particle follows a parenthesis; a ``*`` run pairs whenever it touches a word on the
    right side (opening) or the left side (closing). ``_`` stays strict, so that
    ``snake_case`` and ``π_refine`` keep their underscores. Unpaired runs stay as written:
    ``AtP*`` keeps its star.
    """
    runs = list(_EMPHASIS_RUN.finditer(text))
    if len(runs) < 2:
        return text
    kept = [len(run.group()) for run in runs]
    openers: list[int] = []  # indices of runs that may still open, innermost last
    for index, run in enumerate(runs):
        mark = run.group()[0]
        before = text[run.start() - 1] if run.start() else " "
        after = text[run.end()] if run.end() < len(text) else " "
        can_open, can_close = _flanks(mark, before, after)
        # Look back a few openers only: an unclosed run far back is text, and the bound
        # keeps a line of thousands of stars linear.
        searched = 0
        while can_close and kept[index] and openers and searched < 8:
            position = len(openers) - 1 - searched
            if position < 0:
                break
            opener = openers[position]
            if runs[opener].group()[0] != mark:
                searched += 1
                continue
            matched = min(kept[opener], kept[index])
            kept[opener] -= matched
            kept[index] -= matched
            # Runs opened inside the pair and never closed are text.
            del openers[position + (1 if kept[opener] else 0) :]
            searched = 0
        if can_open and kept[index]:
            openers.append(index)
    pieces: list[str] = []
    position = 0
    for index, run in enumerate(runs):
        pieces.append(text[position : run.start()])
        pieces.append(run.group()[0] * kept[index])
        position = run.end()
    pieces.append(text[position:])
    return "".join(pieces)


def _flanks(mark: str, before: str, after: str) -> tuple[bool, bool]:
    """Whether a run of ``mark`` between ``before`` and ``after`` can open and close."""
    if mark == "*":
        return not after.isspace(), not before.isspace()
    before_word, after_word = before.isalnum(), after.isalnum()
    return (
        not after.isspace() and not before_word,
        not before.isspace() and not after_word,
    )


# ---- TeX math to text ----------------------------------------------------------------------

_GREEK = (
    "alpha:α beta:β gamma:γ delta:δ epsilon:ε varepsilon:ε zeta:ζ eta:η theta:θ iota:ι "
    "kappa:κ lambda:λ mu:μ nu:ν xi:ξ pi:π rho:ρ sigma:σ tau:τ upsilon:υ phi:φ varphi:φ chi:χ "
    "psi:ψ omega:ω Gamma:Γ Delta:Δ Theta:Θ Lambda:Λ Xi:Ξ Pi:Π Sigma:Σ Phi:Φ Psi:Ψ Omega:Ω"
)
_SYMBOLS = {
    **dict(pair.split(":") for pair in _GREEK.split()),
    **{"times": "×", "cdot": "·", "sim": "~", "approx": "≈", "infty": "∞", "leq": "≤"},
    **{"le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "pm": "±", "to": "→", "star": "⋆"},
    **{"rightarrow": "→", "leftarrow": "←", "in": "∈", "prime": "′", "ast": "*", "%": "%"},
}
_SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SCRIPT_CHARS = {"^": set("0123456789+-=()n"), "_": set("0123456789+-=()")}
_TEX_COMMAND = re.compile(r"\\([A-Za-z]+|[%,;:! ])\s*")
_TEX_GROUP = re.compile(r"\{([^{}]*)\}")
_TEX_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|(\S))")


def tex_to_text(tex: str) -> str:
    """Inline TeX as plain characters: ``^{2}`` → ², ``L_2`` → L₂, ``\\lambda`` → λ,
    ``\\textit{Trans-LoRA}`` → Trans-LoRA. What has no plain form keeps its letters."""

    def script(match: re.Match[str]) -> str:
        mark, body = (
            match.group(1),
            match.group(2) if match.group(2) is not None else match.group(3),
        )
        if body and set(body) <= _SCRIPT_CHARS[mark]:
            return body.translate(_SUPERSCRIPT if mark == "^" else _SUBSCRIPT)
        return mark + body if len(body) == 1 else f"{mark}({body})"

    def command(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        return " " if name in ", ;:!" else ""  # \textit, \mathrm: only their argument stays

    text = _TEX_COMMAND.sub(command, tex)
    text = _TEX_SCRIPT.sub(script, text)
    for _ in range(3):  # nested groups, innermost first
        text = _TEX_GROUP.sub(r"\1", text)
    return text.replace("{", "").replace("}", "").strip()
