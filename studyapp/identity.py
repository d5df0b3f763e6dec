"""Who a paper is, and the GUIDs of its cards.

A paper is identified by its arXiv id when it has one (versions folded together), otherwise by
its title folded to a canonical form. A card's GUID comes from that identity and the card's
kind only, never from its text: editing a card, reloading a deck or exporting again gives the
same GUID, so Anki updates the note instead of adding a duplicate.
"""

from __future__ import annotations

import enum
import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

import genanki

__all__ = [
    "PAPER_KINDS",
    "CardKind",
    "card_guid",
    "fold_title",
    "normalize_arxiv_id",
    "paper_identity",
    "web_link",
]


class CardKind(enum.StrEnum):
    """The two cards every paper can give, and a note brought from Anki."""

    METHOD_IDEA = "method_idea"
    HEADLINE_NUMBER = "headline_number"
    # One card of a note imported from Anki (Basic, reversed, Cloze, ...): its front and back
    # as Anki showed them, as plain text. Never made by the extractor, never in a quiz.
    NOTE = "note"


#: The kinds the extractor makes from a paper's summary (and a quiz asks about).
PAPER_KINDS = (CardKind.METHOD_IDEA, CardKind.HEADLINE_NUMBER)


_IDENTITY_MAX = 300
# New-style ids (2402.04291, 2402.04291v3) and old-style ones (cs.LG/0601001v2).
_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(?:v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE)


def normalize_arxiv_id(raw: str) -> str | None:
    """``2402.04291v2`` → ``2402.04291``; ``None`` when ``raw`` is not an arXiv id."""
    candidate = raw.strip()
    candidate = re.sub(r"^arxiv:\s*", "", candidate, flags=re.IGNORECASE)
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        match = pattern.match(candidate)
        if match:
            return match.group(1)
    return None


def web_link(url: str | None) -> str | None:
    """``url`` when it is a web address (http or https, with a host), else ``None``.

    A paper's link is shown on pages and in Anki notes: it must never run script
    (``javascript:``), carry a document (``data:``) or hide anything in spaces or controls.
    """
    if not url:
        return None
    candidate = url.strip()
    if any(ord(char) <= 32 or ord(char) == 127 for char in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:  # a malformed IPv6 host, for one
        return None
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return candidate
    return None


def fold_title(title: str) -> str:
    """A title reduced to lower-case words: punctuation, width and case do not matter."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.findall(r"\w+", folded))


def paper_identity(*, arxiv_id: str | None, title: str) -> str:
    """The key that makes two imports of one paper the same paper."""
    if arxiv_id:
        normalized = normalize_arxiv_id(arxiv_id)
        if normalized is None:
            raise ValueError(f"not an arXiv id: {arxiv_id!r}")
        return f"arxiv:{normalized}"
    folded = fold_title(title)
    if not folded:
        raise ValueError("a paper needs an arXiv id or a title with at least one word")
    identity = f"title:{folded}"
    if len(identity) > _IDENTITY_MAX:
        identity = "title-sha256:" + hashlib.sha256(folded.encode("utf-8")).hexdigest()
    return identity


def card_guid(identity: str, kind: str) -> str:
    """The GUID of the card of ``kind`` for the paper with ``identity`` (Anki's format)."""
    guid: str = genanki.guid_for(identity, kind)
    return guid
