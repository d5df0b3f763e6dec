"""Summaries into paper and card drafts.

``extract_text(text)`` detects the format, parses the papers and builds their cards. It is
pure: the same text always gives the same drafts, and nothing is read or written.
"""

from __future__ import annotations

from dataclasses import dataclass

from studyapp.extract.cards import build_paper
from studyapp.extract.documents import DocumentError, normalize_text
from studyapp.extract.drafts import PaperDraft
from studyapp.extract.formats import Format, ParsedDocument, parse_document
from studyapp.identity import fold_title

__all__ = ["Extraction", "Format", "extract_text"]


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one document gave: its format, its own title and date, and its papers."""

    format: Format
    document: ParsedDocument
    papers: tuple[PaperDraft, ...]


def extract_text(text: str, *, source: str, fmt: Format | None = None) -> Extraction:
    """Parse ``text`` (from ``source``, a name for messages) into papers with cards.

    The text is checked and normalised first as :func:`normalize_text` does for a read or
    pasted document (so a caller cannot hand NUL or lone surrogates on to the cards). Raises
    :class:`DocumentError` when the text is empty or binary, or when no paper can be
    recognised; a paper needs a title with at least one letter or digit, which is what makes
    it a paper that can be stored (:func:`studyapp.identity.paper_identity`).
    """
    text = normalize_text(text, source=source)
    chosen, document = parse_document(text, fmt)
    papers = tuple(build_paper(raw) for raw in document.papers if fold_title(raw.title))
    if not papers:
        raise DocumentError(source, "no_paper", format=chosen.value)
    return Extraction(format=chosen, document=document, papers=papers)
