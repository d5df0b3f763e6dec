"""One parser per source format, and the detection that picks one.

Every parser takes the document's text and returns a :class:`ParsedDocument`; none of them
decides about cards. Detection looks at structure (headings, link shapes, separators), never at
the words of one particular site's interface.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from studyapp.extract.formats import blog_listing, daily_papers, insight_page, plain_notes
from studyapp.extract.formats.common import ParsedDocument

__all__ = ["Format", "ParsedDocument", "detect_format", "parse_document"]


class Format(enum.StrEnum):
    DAILY_PAPERS = "daily-papers"
    INSIGHT_PAGE = "insight-page"
    BLOG_LISTING = "blog-listing"
    PLAIN_NOTES = "notes"


_PARSERS: dict[Format, Callable[[str], ParsedDocument]] = {
    Format.DAILY_PAPERS: daily_papers.parse,
    Format.INSIGHT_PAGE: insight_page.parse,
    Format.BLOG_LISTING: blog_listing.parse,
    Format.PLAIN_NOTES: plain_notes.parse,
}


def detect_format(text: str) -> Format:
    """The format ``text`` is written in; plain notes when nothing more specific fits."""
    if daily_papers.looks_like(text):
        return Format.DAILY_PAPERS
    if insight_page.looks_like(text):
        return Format.INSIGHT_PAGE
    if blog_listing.looks_like(text):
        return Format.BLOG_LISTING
    return Format.PLAIN_NOTES


def parse_document(text: str, fmt: Format | None = None) -> tuple[Format, ParsedDocument]:
    """Parse ``text`` as ``fmt`` (detected when not given)."""
    chosen = fmt or detect_format(text)
    return chosen, _PARSERS[chosen](text)
