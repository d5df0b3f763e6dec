"""Summaries into paper and card drafts.

``extract_text(text)`` detects the format, parses the papers and builds their cards. It is
pure: the same text always gives the same drafts, and nothing is read or written.
"""

from __future__ import annotations

from dataclasses import dataclass

from studyapp.extract.cards import build_paper
from studyapp.extract.documents import DocumentError
from studyapp.extract.drafts import PaperDraft
from studyapp.extract.formats import Format, ParsedDocument, parse_document

__all__ = ["Extraction", "Format", "extract_text"]


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one document gave: its format, its own title and date, and its papers."""

    format: Format
    document: ParsedDocument
    papers: tuple[PaperDraft, ...]


def extract_text(text: str, *, source: str, fmt: Format | None = None) -> Extraction:
    """Parse ``text`` (from ``source``, a name for messages) into papers with cards.

    Raises :class:`DocumentError` when no paper can be recognised.
    """
    chosen, document = parse_document(text, fmt)
    papers = tuple(build_paper(raw) for raw in document.papers if raw.title)
    if not papers:
        raise DocumentError(source, "no_paper", format=chosen.value)
    return Extraction(format=chosen, document=document, papers=papers)
