"""Daily Papers digests (Markdown).

```
## Daily Papers (2024-02-08)
### [Title](https://arxiv.org/abs/2402.04291)
![](image url)            or a video link, or raw HTML such as <div><video ...></video></div>
Vote: 21
Authors: A, B, +, C
- summary sentence
- summary sentence
```
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
from studyapp.extract.markdown import Block, BlockKind, inline_text, read_blocks
from studyapp.extract.sections import role_of_label, split_label
from studyapp.extract.text import clean, split_sentences

__all__ = ["looks_like", "parse"]

_DIGEST_HEADING = re.compile(r"^#{1,2}\s*Daily Papers\b.*$", re.IGNORECASE | re.MULTILINE)
# A level-3 heading, one line, without the spaces around its text.
_PAPER_HEADING = re.compile(r"^###[^\S\n]+(?P<heading>.*\S)[^\S\n]*$", re.MULTILINE)
# "[Title](url)": the title runs to the last "](" that a target closes, so a title may hold
# brackets ("[A](b](c)" is titled "A](b"). Searched backwards, in the reversed heading, so that
# each ")" is tried once and the time stays linear in the heading's length.
_LINK_END_REVERSED = re.compile(r"\)(?P<url>[^)\s]+?)\(\]")
# A line that is only a link to media ("[Watch Video](…mp4)", "[Watch Video]https://…") or a
# bare address: not part of the summary.
_LINK_ONLY = re.compile(r"^\s*(?:!?\[[^\]]*\]\s*)?\(?\s*<?https?://\S+?>?\s*\)?\s*$")
_COUNT = re.compile(r"[0-9][0-9,]{0,12}(?![0-9])")
_META = re.compile(r"^(?P<key>vote|votes|upvotes|authors?)\s*:\s*(?P<value>.*)$", re.IGNORECASE)


def looks_like(text: str) -> bool:
    if _DIGEST_HEADING.search(text):
        return True
    headings = _PAPER_HEADING.findall(text)
    linked = [h for h in headings if _linked_title(h)]
    return len(linked) >= 1 and bool(re.search(r"^(Vote|Authors)\s*:", text, re.MULTILINE))


def parse(text: str) -> ParsedDocument:
    heading = _DIGEST_HEADING.search(text)
    first_date = parse_iso_date(heading.group(0)) if heading else None
    title = clean(inline_text(heading.group(0).lstrip("#"))) if heading else None

    papers: list[RawPaper] = []
    current: _Paper | None = None
    digest_date = first_date
    for block in read_blocks(text):
        if block.kind is BlockKind.HEADING and block.level <= 3:
            if current is not None:
                papers.append(current.finish())
                current = None
            if block.level == 3:
                current = _Paper(block.source, digest_date)
            elif _DIGEST_HEADING.match("#" * block.level + " " + block.source):
                # Several days' digests in one file: each paper keeps its own day.
                digest_date = parse_iso_date(block.source) or digest_date
        elif current is not None:
            current.read(block)
    if current is not None:
        papers.append(current.finish())
    kept = tuple(paper for paper in papers if paper.title)
    return ParsedDocument(papers=kept, title=title, published_on=first_date)


def _linked_title(heading: str) -> tuple[str, str] | None:
    """``(title, url)`` of a ``[Title](url)`` heading (anything may follow), else ``None``."""
    if not heading.startswith("[") or "\n" in heading:
        return None
    end = _LINK_END_REVERSED.search(heading[::-1])
    if end is None:
        return None
    bracket = len(heading) - end.end()  # where "](" starts
    if bracket < 2:
        return None
    return heading[1:bracket], end.group("url")[::-1]


class _Paper:
    """One paper's block as it is read: the heading, then meta lines, media and bullets."""

    def __init__(self, heading: str, digest_date: date | None) -> None:
        linked = _linked_title(heading.strip())
        if linked:
            self.title = clean(inline_text(linked[0]))
            self.arxiv_id, url = arxiv_from_url(linked[1])
            self.url: str | None = url or linked[1]
        else:
            self.title = clean(inline_text(heading))
            self.arxiv_id, self.url = arxiv_from_url(heading)
        self.digest_date = digest_date
        self.authors: tuple[str, ...] = ()
        self.votes: int | None = None
        self.sentences: list[str] = []
        self.roles: list[Role] = []
        # The role of the open list item at each depth, and of the section a sub-heading
        # ("#### Technical Details") opened.
        self.item_roles: dict[int, Role] = {}
        self.section = Role.PLAIN
        # The role of the text that last announced a list ("…다음과 같습니다:"): a list after
        # it belongs to that section even when it is a list of its own, until a new label.
        self.announced: Role | None = None

    def read(self, block: Block) -> None:
        if block.kind is BlockKind.HEADING:
            label = role_of_label(inline_text(block.source))
            self.section = label or self.section
        elif block.kind is BlockKind.PARAGRAPH:
            self._paragraph(block.source)
        elif block.kind is BlockKind.ITEM:
            self._item(block)

    def _paragraph(self, source: str) -> None:
        prose: list[str] = []
        for line in source.splitlines():
            meta = _META.match(line.strip())
            if meta is None and not _LINK_ONLY.match(line) and inline_text(line):
                prose.append(line)
                continue
            self._add(self.section, "\n".join(prose))
            prose.clear()
            if meta and meta.group("key").lower().startswith("author"):
                self.authors = split_authors(meta.group("value"))
            elif meta and _votes(meta.group("value")) is not None:
                self.votes = _votes(meta.group("value"))
        self._add(self.section, "\n".join(prose))

    def _item(self, block: Block) -> None:
        depth, source = block.level, block.source
        if block.opens_item:
            label, source = split_label(source)
            inherited = self.item_roles.get(depth - 1, self.section)
            if depth == 1 and self.announced is not None:
                # "- **Technical Details**: 구성 요소는 다음과 같습니다:" then a list of its own.
                inherited = self.announced
            role = label.role if label and label.role else inherited
            if label and label.role:
                self.announced = None  # a new section: what was announced is over
            if label and label.role is None:
                source = f"{label.text}: {source}"  # a label of no known role stays as words
            self.item_roles = {d: r for d, r in self.item_roles.items() if d < depth}
            self.item_roles[depth] = role
        self._add(self.item_roles.get(depth, self.section), source)

    def _add(self, role: Role, source: str) -> None:
        if not source.strip():
            return
        if self.arxiv_id is None:
            self.arxiv_id, found_url = arxiv_from_url(source)
            self.url = self.url or found_url
        for sentence in split_sentences(inline_text(source)):
            self.sentences.append(sentence)
            self.roles.append(role)
        if self.sentences[-1:] and self.sentences[-1].endswith(":"):
            self.announced = role

    def finish(self) -> RawPaper:
        url = self.url if self.url and self.url.startswith(("http://", "https://")) else None
        return RawPaper(
            title=self.title,
            sentences=tuple(self.sentences),
            arxiv_id=self.arxiv_id,
            url=url,
            authors=self.authors,
            published_on=self.digest_date,
            roles=tuple(self.roles),
            votes=self.votes,
        )


def _votes(value: str) -> int | None:
    """The count of a ``Vote:`` line (``21``, ``1,204``), or None when it holds no number."""
    found = _COUNT.match(value.strip())
    return int(found.group(0).replace(",", "")) if found else None
