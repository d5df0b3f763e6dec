"""What extraction produces: papers and cards as plain frozen data, ready to store or print."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from studyapp.identity import CardKind

__all__ = ["CardDraft", "NumberDraft", "PaperDraft", "PaperTranslation", "RawPaper", "Role"]


class Role(enum.StrEnum):
    """What a summary sentence is for, as its section says (``What's New``, ``Technical
    Details``, ``Performance Highlights``): card builders choose by role where a summary has
    sections, and guess from the words where it has none (``PLAIN``)."""

    NEW = "new"  # what the paper brings
    HOW = "how"  # how it works
    RESULT = "result"  # what it achieved
    ASIDE = "aside"  # limitations, related work, resources: never a card
    PLAIN = "plain"  # no section says


@dataclass(frozen=True, slots=True)
class RawPaper:
    """One paper as a format parser found it, before any card is made."""

    title: str
    #: The summary sentences, in order: what key ideas, method names and numbers come from.
    #: Plain text: no Markdown marks or section labels.
    sentences: tuple[str, ...]
    arxiv_id: str | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    published_on: date | None = None
    #: The title in the summary's language, when the source gives one.
    translated_title: str | None = None
    #: Lines that carry results but are not prose (statistics, quotes): read for numbers only.
    evidence: tuple[str, ...] = ()
    #: A short name the source attaches to the title, such as a blog's "(BPT)".
    name_hint: str | None = None
    #: Each sentence's role, in the order of ``sentences``; empty when no section says.
    roles: tuple[Role, ...] = ()
    #: Readers' votes, where the source counts them (a digest's ``Vote: 21``); None elsewhere.
    votes: int | None = None

    def role_of(self, index: int) -> Role:
        return self.roles[index] if index < len(self.roles) else Role.PLAIN


@dataclass(frozen=True, slots=True)
class NumberDraft:
    text: str
    value: float
    unit: str | None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "unit": self.unit}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NumberDraft:
        return cls(text=data["text"], value=float(data["value"]), unit=data["unit"])


@dataclass(frozen=True, slots=True)
class CardDraft:
    kind: CardKind
    front: str
    back: str
    #: The summary sentence the card was made from.
    source_sentence: str | None = None
    number: NumberDraft | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind.value,
            "front": self.front,
            "back": self.back,
            "source_sentence": self.source_sentence,
        }
        if self.number is not None:
            data["number"] = self.number.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CardDraft:
        number = data.get("number")
        return cls(
            kind=CardKind(data["kind"]),
            front=data["front"],
            back=data["back"],
            source_sentence=data.get("source_sentence"),
            number=NumberDraft.from_json(number) if number is not None else None,
        )


@dataclass(frozen=True, slots=True)
class PaperTranslation:
    """A paper's summary and card wording in a language other than its own: the built-in
    library carries every paper in Korean and English. Cards are matched by kind."""

    lang: str
    sentences: tuple[str, ...]
    cards: tuple[CardDraft, ...]
    #: The title in this language, when it has one of its own.
    title: str | None = None


@dataclass(frozen=True, slots=True)
class PaperDraft:
    """A paper with its cards: the unit the importer stores and `extract --json` prints."""

    title: str
    lang: str
    sentences: tuple[str, ...]
    method: str | None
    topics: tuple[str, ...]
    cards: tuple[CardDraft, ...]
    arxiv_id: str | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    published_on: date | None = None
    translated_title: str | None = None
    translations: tuple[PaperTranslation, ...] = ()
    #: Each sentence's role, as in :class:`RawPaper`; empty when no section says.
    roles: tuple[Role, ...] = ()
    #: Readers' votes, as in :class:`RawPaper`.
    votes: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "arxiv_id": self.arxiv_id,
            "url": self.url,
            "authors": list(self.authors),
            "date": self.published_on.isoformat() if self.published_on else None,
            "lang": self.lang,
            "method": self.method,
            "topics": list(self.topics),
            "translated_title": self.translated_title,
            "sentences": list(self.sentences),
            "roles": [role.value for role in self.roles],
            "votes": self.votes,
            "cards": [card.to_json() for card in self.cards],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PaperDraft:
        """The draft :meth:`to_json` gave (translations are not part of it)."""
        published = data.get("date")
        return cls(
            title=data["title"],
            lang=data["lang"],
            sentences=tuple(data["sentences"]),
            method=data["method"],
            topics=tuple(data["topics"]),
            cards=tuple(CardDraft.from_json(card) for card in data["cards"]),
            arxiv_id=data["arxiv_id"],
            url=data["url"],
            authors=tuple(data["authors"]),
            published_on=date.fromisoformat(published) if published else None,
            translated_title=data["translated_title"],
            roles=tuple(Role(role) for role in data["roles"]),
            votes=data.get("votes"),
        )
