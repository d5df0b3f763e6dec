"""Plain notes: a Markdown or text file about one or more papers, in Korean or English.

The first line is the title. Headings below it (``#``, ``##`` or ``###``) each start a paper;
without such headings the whole file is one paper. Bullets and paragraphs are the summary; a
heading that names a section (``### Method``, ``## Results``) and a label opening a bullet or
paragraph (``**Key idea**:``) give the sentences under them their role.
``Authors:``/``저자:`` lines give authors; any arXiv link or ``arXiv:ID`` gives the paper's id.
"""

from __future__ import annotations

import re
from datetime import date

from studyapp.extract.drafts import RawPaper, Role
from studyapp.extract.formats.common import (
    ParsedDocument,
    arxiv_from_url,
    parse_iso_date,
    split_authors,
)
from studyapp.extract.markdown import inline_text
from studyapp.extract.sections import role_of_label, split_label
from studyapp.extract.text import clean, split_sentences

__all__ = ["looks_like", "parse"]

# A heading line; its text loses trailing closing hashes (``## Title ##``) in _heading_text.
_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.+)$")
# A link or arXiv mention in a title, with its brackets. No match is tried from inside a run
# of spaces (only where it starts), so that a long run is not rescanned from each space.
_TITLE_LINK = re.compile(
    r"(?:\(|(?<!\s)|(?!\s))\s*+(?:https?://\S++|arXiv\s*+:\s*+\S++)\s*+\)?",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_AUTHORS = re.compile(r"^\s*(?:authors?|by|저자)\s*[:：]\s*(?P<names>.+)$", re.IGNORECASE)
_DATE_LINE = re.compile(r"^\s*(?:date|날짜)\s*[:：]\s*(?P<date>.+)$", re.IGNORECASE)
_URL_ONLY = re.compile(r"^\s*<?https?://\S+>?\s*$")
_MEDIA = re.compile(r"^\s*(?:!\[[^\]]*\]\([^)]*\)|<[^>]+>)")


def looks_like(text: str) -> bool:
    return bool(text.strip())


def parse(text: str) -> ParsedDocument:
    lines = text.splitlines()
    headings = [(i, m) for i, line in enumerate(lines) if (m := _HEADING.match(line))]
    first_content = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first_content is None:
        return ParsedDocument(papers=())

    doc_title = clean(inline_text(_heading_text(lines[first_content])))
    # Headings after the title line split the notes into papers; a single top heading that
    # is the document's own title does not count as a paper of its own.
    # A heading that only names a section ("### Method", "## Results") is part of its paper.
    paper_starts = [
        i for i, _ in headings if i != first_content and not _section_role(_heading_text(lines[i]))
    ]
    if paper_starts and len(paper_starts) >= 1:
        blocks = [
            (lines[start], lines[start + 1 : end])
            for start, end in zip(paper_starts, [*paper_starts[1:], len(lines)], strict=True)
        ]
        intro = lines[first_content + 1 : paper_starts[0]]
        doc_date = _find_date(intro)
        papers = [_paper(_heading_text(h), body, doc_date) for h, body in blocks]
        return ParsedDocument(
            papers=tuple(p for p in papers if p is not None), title=doc_title, published_on=doc_date
        )
    body = lines[first_content + 1 :]
    doc_date = _find_date(body)
    paper = _paper(doc_title, body, doc_date)
    return ParsedDocument(papers=(paper,) if paper else (), title=doc_title, published_on=doc_date)


def _section_role(heading: str) -> Role | None:
    """The role a short heading names ("Method", "Key results", "한계"), else ``None``."""
    text = inline_text(heading)
    return role_of_label(text) if len(text.split()) <= 3 else None


def _heading_text(line: str) -> str:
    match = _HEADING.match(line)
    if not match:
        return line
    # What follows the hashes, without trailing spaces and closing hashes, but never empty.
    text = match.group("text")
    return text[: max(1, len(text.rstrip().rstrip("#").rstrip()))]


def _find_date(lines: list[str]) -> date | None:
    for line in lines:
        match = _DATE_LINE.match(line)
        if match:
            return parse_iso_date(match.group("date"))
    return None


def _paper(heading: str, body: list[str], doc_date: date | None) -> RawPaper | None:
    title_source = heading
    arxiv_id, url = arxiv_from_url(title_source)
    title = clean(inline_text(title_source))
    # A link inside a title leaves a space, not two words glued together.
    title = clean(_TITLE_LINK.sub(" ", title)).strip(" -—:")
    authors: tuple[str, ...] = ()
    sentences: list[str] = []
    roles: list[Role] = []
    paragraph: list[str] = []
    # The role a sub-heading ("### Method") gives what follows it, and the role of the
    # paragraph being read (its first line may carry a label of its own).
    section = Role.PLAIN
    current = section

    def flush() -> None:
        if paragraph:
            found = split_sentences(inline_text(" ".join(paragraph)))
            sentences.extend(found)
            roles.extend([current] * len(found))
            paragraph.clear()

    for raw in body:
        line = raw.strip()
        if not line:
            flush()
            continue
        if arxiv_id is None:
            arxiv_id, url = arxiv_from_url(line)
        if _HEADING.match(line):  # a section of the paper (see parse)
            flush()
            section = current = _section_role(_heading_text(line)) or section
            continue
        skipped = _MEDIA.match(line) or _URL_ONLY.match(line) or _DATE_LINE.match(line)
        author_match = None if skipped else _AUTHORS.match(line)
        if skipped or author_match:
            # A line left out ends the paragraph: the words on either side of it are not one
            # sentence, and "Vote: 21", an author line, then "X-2.5 …" must not read as "21 X".
            flush()
            if author_match:
                authors = split_authors(author_match.group("names"))
            continue
        bullet = _BULLET.match(line)
        if bullet or not paragraph:
            # A bullet, or the first line of a paragraph, may open on a label of its own.
            flush()
            label, line = split_label(_BULLET.sub("", line))
            current = label.role if label and label.role else section
            if label and label.role is None:
                line = f"{label.text}: {line}"
        paragraph.append(line)
        if bullet:
            flush()
    flush()
    if not title or not sentences:
        return None
    return RawPaper(
        title=title,
        sentences=tuple(sentences),
        arxiv_id=arxiv_id,
        url=url,
        authors=authors,
        published_on=doc_date,
        roles=tuple(roles),
    )
