"""The built-in library: deck files under ``decks/``, checked and loaded into the shared library.

The files are written by hand (see ``decks/README.md``), in TOML: every paper in Korean and
English with its method, key idea and headline number. Reading a file checks it completely and
reports every problem with where it is; loading goes through the importer, so loading again is
idempotent and an edited file updates its cards in place, keeping their GUIDs and history.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from studyapp.extract.cards import PROMPTS, card_name, cloze
from studyapp.extract.drafts import CardDraft, NumberDraft, PaperDraft, PaperTranslation
from studyapp.extract.numbers import NumberMention, find_numbers, parse_number
from studyapp.extract.topics import TAXONOMY
from studyapp.identity import CardKind, paper_identity
from studyapp.services.importing import DeckImport

__all__ = ["FORMAT", "LANGS", "DeckFile", "DeckFileError", "read_decks"]

FORMAT = 1
LANGS = ("ko", "en")
_TOPICS = frozenset(topic.slug for topic in TAXONOMY)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>")
# A headline number is a result the paper reports; these units say it describes the set-up.
_BIT_WIDTH_UNITS = frozenset({"비트", "bit"})
_COUNT_UNITS = frozenset({"개", "가지", "편", "명", "번", "단계", "층", "종"})


class DeckFileError(ValueError):
    """One or more deck files are invalid; ``problems`` says where and what, one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class DeckFile:
    path: Path
    deck: DeckImport


@dataclass(slots=True)
class _Reader:
    """Reads one file's values, collecting every problem instead of stopping at the first."""

    where: str
    problems: list[str] = field(default_factory=list)

    def problem(self, at: str, message: str) -> None:
        self.problems.append(f"{self.where}: {at}: {message}" if at else f"{self.where}: {message}")

    def text(self, table: Mapping[str, Any], key: str, at: str, *, required: bool = True) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.problem(at, f"'{key}' is missing")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(at, f"'{key}' must be a non-empty string")
            return ""
        self._inert(value, f"{at}.{key}" if at else key)
        return value.strip()

    def texts(self, table: Mapping[str, Any], key: str, at: str) -> list[str]:
        value = table.get(key)
        if not isinstance(value, list) or not value:
            self.problem(at, f"'{key}' must be a non-empty list of strings")
            return []
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(at, f"'{key}[{i}]' must be a non-empty string")
                continue
            self._inert(item, f"{at}.{key}[{i}]")
            out.append(item.strip())
        return out

    def _inert(self, value: str, at: str) -> None:
        if _CONTROL.search(value):
            self.problem(at, "contains a control character")
        if _TAG.search(value):
            self.problem(at, "contains an HTML tag; write plain text")


def read_decks(folder: Path) -> list[DeckFile]:
    """Every ``*.toml`` deck in ``folder``, checked. Raises :class:`DeckFileError` listing every
    problem of every file (so one run shows everything to fix)."""
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise DeckFileError([f"{folder}: no deck files (*.toml)"])
    problems: list[str] = []
    files: list[DeckFile] = []
    for path in paths:
        reader = _Reader(where=str(path))
        deck = _read_file(path, reader)
        problems += reader.problems
        if deck is not None and not reader.problems:
            files.append(DeckFile(path, deck))
    problems += _duplicates(paths, files)
    if problems:
        raise DeckFileError(problems)
    return files


def _duplicates(paths: Sequence[Path], files: Sequence[DeckFile]) -> list[str]:
    problems = []
    slugs: dict[str, Path] = {}
    identities: dict[str, Path] = {}
    for deck_file in files:
        deck = deck_file.deck
        assert deck.slug is not None
        if deck.slug in slugs:
            problems.append(f"{deck_file.path}: slug '{deck.slug}' is also {slugs[deck.slug]}'s")
        slugs.setdefault(deck.slug, deck_file.path)
        for paper in deck.papers:
            identity = paper_identity(arxiv_id=paper.arxiv_id, title=paper.title)
            if identity in identities:
                problems.append(
                    f"{deck_file.path}: paper '{paper.title}' is also in {identities[identity]}"
                )
            identities.setdefault(identity, deck_file.path)
    return problems


def _read_file(path: Path, reader: _Reader) -> DeckImport | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        reader.problem("", "is not UTF-8 text")
        return None
    except tomllib.TOMLDecodeError as error:
        reader.problem("", f"is not valid TOML ({error})")
        return None
    if data.get("format") != FORMAT:
        reader.problem("", f"'format' must be {FORMAT}")
    slug = reader.text(data, "slug", "")
    if slug and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        reader.problem("", "'slug' must be lowercase letters, digits and hyphens")
    name = reader.text(data, "name", "")
    lang = data.get("lang")
    if lang not in LANGS:
        reader.problem("", f"'lang' must be one of {', '.join(LANGS)}")
        lang = "ko"
    papers = data.get("papers")
    if not isinstance(papers, list) or not papers:
        reader.problem("", "needs at least one [[papers]] entry")
        papers = []
    drafts = [_read_paper(entry, i, lang, reader) for i, entry in enumerate(papers)]
    description = reader.text(data, "description", "", required=False)
    return DeckImport(
        name=name,
        slug=slug,
        description=description,
        papers=[d for d in drafts if d is not None],
    )


def _read_paper(entry: Any, index: int, lang: str, reader: _Reader) -> PaperDraft | None:
    at = f"papers[{index}]"
    if not isinstance(entry, dict):
        reader.problem(at, "must be a table")
        return None
    title = reader.text(entry, "title", at)
    if title:
        at = f"{at} ({title[:40]})"
    arxiv_id = reader.text(entry, "arxiv_id", at, required=False) or None
    if arxiv_id and not re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?", arxiv_id):
        reader.problem(at, f"'arxiv_id' {arxiv_id!r} is not an arXiv id like 2401.15024")
    url = reader.text(entry, "url", at, required=False) or None
    if url and not url.lower().startswith(("https://", "http://")):
        reader.problem(at, "'url' must be an http(s) link")
    authors = entry.get("authors", [])
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        reader.problem(at, "'authors' must be a list of names")
        authors = []
    published = entry.get("date")
    if published is not None and not isinstance(published, date):
        reader.problem(at, "'date' must be a TOML date such as 2024-01-29")
        published = None
    topics = entry.get("topics")
    if not isinstance(topics, list) or not topics:
        reader.problem(at, "'topics' must list at least one topic slug")
        topics = []
    unknown = [t for t in topics if t not in _TOPICS]
    if unknown:
        reader.problem(at, f"unknown topics {unknown}; choose from {', '.join(sorted(_TOPICS))}")
    method = reader.text(entry, "method", at, required=False) or None

    name = card_name(title, method)
    versions: dict[str, tuple[str | None, list[str], list[CardDraft]]] = {}
    for text_lang in LANGS:
        table = entry.get(text_lang)
        if not isinstance(table, dict):
            reader.problem(at, f"needs a [papers.{text_lang}] table")
            continue
        versions[text_lang] = _read_version(table, f"{at}.{text_lang}", text_lang, name, reader)
    if len(versions) < len(LANGS):
        return None
    numbers = [
        next((c.number for c in cards if c.number is not None), None)
        for _, _, cards in versions.values()
    ]
    if any(n is None for n in numbers) and any(n is not None for n in numbers):
        reader.problem(at, "'number' must be given in both languages or in neither")
    elif numbers[0] is not None and numbers[1] is not None and numbers[0].value != numbers[1].value:
        reader.problem(at, "'number' has different values in the two languages")

    own_title, sentences, cards = versions[lang]
    return PaperDraft(
        title=title,
        lang=lang,
        sentences=tuple(sentences),
        method=method,
        topics=tuple(dict.fromkeys(topics)),
        cards=tuple(cards),
        arxiv_id=arxiv_id,
        url=url,
        authors=tuple(authors),
        published_on=published,
        translated_title=own_title,
        translations=tuple(
            PaperTranslation(lang=other, sentences=tuple(s), cards=tuple(c), title=t)
            for other, (t, s, c) in versions.items()
            if other != lang
        ),
    )


def _read_version(
    table: Mapping[str, Any], at: str, lang: str, name: str, reader: _Reader
) -> tuple[str | None, list[str], list[CardDraft]]:
    prompts = PROMPTS[lang]
    title = reader.text(table, "title", at, required=False) or None
    sentences = reader.texts(table, "summary", at)
    cards = []
    key_idea = reader.text(table, "key_idea", at)
    if key_idea:
        cards.append(
            CardDraft(
                kind=CardKind.METHOD_IDEA,
                front=prompts[CardKind.METHOD_IDEA].format(name=name),
                back=key_idea,
            )
        )
    number = table.get("number")
    if number is not None:
        card = _number_card(number, f"{at}.number", prompts, name, reader)
        if card is not None:
            cards.append(card)
    return title, sentences, cards


def _number_card(
    number: Any, at: str, prompts: Mapping[str, str], name: str, reader: _Reader
) -> CardDraft | None:
    if not isinstance(number, dict):
        reader.problem(at, "must be a table: { text = …, value = …, sentence = … }")
        return None
    text = reader.text(number, "text", at)
    sentence = reader.text(number, "sentence", at)
    value = number.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        reader.problem(at, "'value' must be a number")
        return None
    if not text or not sentence:
        return None
    if sentence.count(text) != 1:
        reader.problem(at, f"'{text}' must appear exactly once in its sentence")
        return None
    read = parse_number(text)
    if read is None or abs(read - float(value)) > 1e-9 * max(1.0, abs(float(value))):
        reader.problem(at, f"'{text}' reads as {read}, not {value}")
        return None
    start = sentence.index(text)
    # Read in its sentence, so that the words after it ("parameters") count.
    mention = next(
        (m for m in find_numbers(sentence) if m.start == start and m.text == text),
        next((m for m in find_numbers(text) if m.text == text), None),
    )
    unit = number.get("unit")
    if unit is None:
        unit = mention.unit if mention else None
    elif not isinstance(unit, str):
        reader.problem(at, "'unit' must be a string")
        return None
    setup = _setup_size(text, unit, mention)
    if setup is not None:
        # The card is still returned: the file is refused anyway, and the other language's
        # number is then not reported as missing.
        reader.problem(at, setup)
    return CardDraft(
        kind=CardKind.HEADLINE_NUMBER,
        front=prompts[CardKind.HEADLINE_NUMBER].format(name=name)
        + "\n"
        + cloze(sentence, start, start + len(text), blank=prompts["blank"]),
        back=text,
        source_sentence=sentence,
        number=NumberDraft(text=text, value=float(value), unit=unit),
    )


def _setup_size(text: str, unit: str | None, mention: NumberMention | None) -> str | None:
    """Why ``text`` describes the paper's set-up (a size, a bit width, a count) rather than a
    result, or ``None``. ``unit`` is the one given or read; the one read is checked too."""
    result = "a headline number must be a result the paper reports (a speed-up, a score, a gain)"
    if mention is not None and mention.size_like:
        return f"'{text}' is a model or data size, not a result; {result}"
    units = {u for u in (unit, mention.unit if mention else None) if u is not None}
    if bit_width := sorted(units & _BIT_WIDTH_UNITS):
        return f"'{text}' is a bit width ({bit_width[0]}), not a result; {result}"
    if count := sorted(units & _COUNT_UNITS):
        return f"'{text}' is a count ({count[0]}), not a result; {result}"
    return None
