"""Pieces the format parsers share: links, arXiv ids, authors, dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from studyapp.extract.drafts import RawPaper
from studyapp.identity import normalize_arxiv_id

__all__ = [
    "ARXIV_URL",
    "ParsedDocument",
    "arxiv_from_url",
    "parse_iso_date",
    "split_authors",
]

# An arXiv id, new style (YYMM.NNNNN) or old (archive/YYMMNNN), with ASCII digits only and
# never the start of a longer number: "2401.123456" is no id, not 2401.12345 (another paper).
# Old-style archive names are short ("cond-mat", "math.AG"); a longer one is no id.
_ARXIV_ID = (
    r"(?P<id>[0-9]{2}(?:0[1-9]|1[0-2])\.[0-9]{4,5}(?:v[0-9]+)?"
    r"|[a-z\-]{1,16}(?:\.[A-Z]{2})?/[0-9]{7}(?:v[0-9]+)?)(?![0-9])"
)
# arxiv.org/abs/ID, /pdf/ID(.pdf), /html/ID, and the Hugging Face paper pages that mirror them.
ARXIV_URL = re.compile(
    r"https?://(?:www\.)?(?:arxiv\.org/(?:abs|pdf|html)|huggingface\.co/papers)/"
    + _ARXIV_ID
    + r"(?:\.pdf)?",
    re.IGNORECASE,
)
_ARXIV_TEXT = re.compile(r"\barXiv\s*:\s*" + _ARXIV_ID, re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A document's own title and date (when it has them) and the papers in it."""

    papers: tuple[RawPaper, ...]
    title: str | None = None
    published_on: date | None = None


def arxiv_from_url(text: str) -> tuple[str | None, str | None]:
    """The first arXiv id in ``text`` (from a link or an ``arXiv:ID`` mention) and its URL."""
    match = ARXIV_URL.search(text)
    if match:
        arxiv_id = normalize_arxiv_id(match.group("id"))
        if arxiv_id:
            return arxiv_id, f"https://arxiv.org/abs/{arxiv_id}"
    match = _ARXIV_TEXT.search(text)
    if match:
        arxiv_id = normalize_arxiv_id(match.group("id"))
        if arxiv_id:
            return arxiv_id, f"https://arxiv.org/abs/{arxiv_id}"
    return None, None


def split_authors(text: str) -> tuple[str, ...]:
    """``"A, B, +, C"`` → ``("A", "B", "C")``; drops placeholders and cut-off names (``Be...``)."""
    names = []
    for part in re.split(r",|;|\band\b|·", text):
        name = part.strip().strip(".").strip()
        if not name or name in {"+", "…"} or part.strip().endswith(("...", "…")):
            continue
        if len(name) > 80 or not re.search(r"\w", name):
            continue
        names.append(name)
    return tuple(names)


def parse_iso_date(text: str) -> date | None:
    match = _ISO_DATE.search(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
