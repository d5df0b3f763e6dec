"""Saved "insight" pages: one paper, summarised in Korean or English on a page whose interface
speaks another language.

The shape, from top to bottom: navigation noise, a breadcrumb (``insight - … - # topic``), the
title translated into the summary's language, a one-line gist and summary bullets, icon
labels, a statistics line, quotes, then ``by <authors> <word> arxiv.org <date>``, the arXiv PDF
link, the original English title, and follow-up questions with answers, which are not part of
the summary. Interface words (section names) differ by language and are never relied on.
"""

from __future__ import annotations

import re
from datetime import date

from studyapp.extract.drafts import RawPaper
from studyapp.extract.formats.common import ParsedDocument, arxiv_from_url, split_authors
from studyapp.extract.text import clean, detect_lang, has_hangul, split_sentences

__all__ = ["looks_like", "parse"]

# Both are line patterns: their spaces ([^\S\n]) stay on one line, so that a page of blank
# lines is not rescanned from each of them.
_PDF_LINE = re.compile(
    r"^[^\S\n]*https?://(?:www\.)?arxiv\.org/(?:pdf|abs)/\S+[^\S\n]*$", re.MULTILINE
)
_BY_LINE = re.compile(
    r"^[^\S\n]*by[^\S\n]+(?P<authors>.*?\S)[^\S\n]+\S+[^\S\n]+arxiv\.org\b"
    r"(?:[^\S\n]+(?P<date>[\d./-]+))?[^\S\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
_BULLET = re.compile(r"^\s*[•·▪●◦\-*]\s+(?P<text>.+)$")
_ICON = re.compile(r"_icon\s*$")
_BREADCRUMB = re.compile(r"\s-\s#\s")
# A quotation holds no other opening quote: each one is then tried up to the next quote only.
_QUOTED = re.compile(r"[\"“](?P<quote>[^\"“”]{3,})[\"”]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def looks_like(text: str) -> bool:
    return bool(_PDF_LINE.search(text)) and bool(_BY_LINE.search(text))


def parse(text: str) -> ParsedDocument:
    lines = [clean(line) for line in text.splitlines()]
    pdf_index = next((i for i, line in enumerate(lines) if _PDF_LINE.match(line)), None)
    if pdf_index is None:
        # Chosen by hand for a text that has no arXiv link line: nothing to anchor a paper to.
        return ParsedDocument(papers=())
    arxiv_id, url = arxiv_from_url(lines[pdf_index])

    english_title = _title_after(lines, pdf_index)
    by_match = None
    for line in reversed(lines[:pdf_index]):
        by_match = _BY_LINE.match(line)
        if by_match:
            break
    authors = split_authors(by_match.group("authors")) if by_match else ()
    saved_on = _page_date(by_match.group("date")) if by_match and by_match.group("date") else None

    head = lines[:pdf_index]
    bullets = [m.group("text") for line in head if (m := _BULLET.match(line))]
    lang = detect_lang(bullets or head)
    prose: list[str] = []
    evidence: list[str] = []
    translated_title: str | None = None
    for line in head:
        if not line or _ICON.search(line) or _BREADCRUMB.search(line) or _BY_LINE.match(line):
            continue
        if _BULLET.match(line):
            continue
        quotes = _QUOTED.findall(line)
        if quotes and len("".join(quotes)) > len(line) / 2:
            evidence.extend(clean(q) for q in quotes)
        elif len(_NUMBER.findall(line)) >= 2 and ":" in line:
            evidence.append(line)
        elif translated_title is None and _could_be_title(line, lang):
            translated_title = line
        elif translated_title is not None and _in_summary_language(line, lang):
            prose.append(line)

    sentences = [s for text_ in [*prose, *bullets] for s in split_sentences(text_)]
    title = english_title or translated_title or ""
    if not title:
        return ParsedDocument(papers=())
    paper = RawPaper(
        title=title,
        sentences=tuple(sentences),
        arxiv_id=arxiv_id,
        url=url,
        authors=authors,
        published_on=None,
        translated_title=translated_title if translated_title != title else None,
        # The translated title often states the headline result ("50% sparsity in one shot").
        evidence=tuple(([translated_title] if translated_title else []) + evidence),
    )
    return ParsedDocument(papers=(paper,), title=title, published_on=saved_on)


def _title_after(lines: list[str], pdf_index: int) -> str:
    """The original title: the lines right after the PDF link, up to a blank line."""
    parts: list[str] = []
    for line in lines[pdf_index + 1 :]:
        if not line:
            if parts:
                break
            continue
        parts.append(line)
        if len(parts) == 3:
            break
    return clean(" ".join(parts))


def _could_be_title(line: str, lang: str) -> bool:
    if lang == "ko":
        return has_hangul(line)
    return len(line.split()) >= 4 and line.isascii()


def _in_summary_language(line: str, lang: str) -> bool:
    """Whether a line is part of the summary rather than the interface around it.

    Interface labels are short and in another language than the summary; summary lines are
    written in its language (Korean) or are full English sentences.
    """
    if lang == "ko":
        return has_hangul(line)
    return line.isascii() and (len(line.split()) >= 6 or line[-1:] in ".!?")


def _page_date(text: str) -> date | None:
    """The page's date when it is unambiguous; ``03-11-2024`` could be either day order."""
    pieces = re.split(r"[./-]", text)
    if len(pieces) != 3 or not all(piece.isdigit() for piece in pieces):
        return None
    a, b, year = (int(piece) for piece in pieces)
    if year < 1900:
        return None
    if a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a:
        day, month = b, a
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
