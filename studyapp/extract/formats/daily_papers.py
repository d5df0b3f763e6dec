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

from studyapp.extract.drafts import RawPaper
from studyapp.extract.formats.common import (
    ParsedDocument,
    arxiv_from_url,
    parse_iso_date,
    split_authors,
    strip_markdown,
)
from studyapp.extract.text import clean, split_sentences

__all__ = ["looks_like", "parse"]

_DIGEST_HEADING = re.compile(r"^#{1,2}\s*Daily Papers\b.*$", re.IGNORECASE | re.MULTILINE)
# A level-3 heading, one line, without the spaces around its text.
_PAPER_HEADING = re.compile(r"^###[^\S\n]+(?P<heading>.*\S)[^\S\n]*$", re.MULTILINE)
# "[Title](url)": the title runs to the last "](" that a target closes, so a title may hold
# brackets ("[A](b](c)" is titled "A](b"). Searched backwards, in the reversed heading, so that
# each ")" is tried once and the time stays linear in the heading's length.
_LINK_END_REVERSED = re.compile(r"\)(?P<url>[^)\s]+?)\(\]")
_META = re.compile(r"^(?P<key>vote|votes|upvotes|authors?)\s*:\s*(?P<value>.*)$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_MEDIA = re.compile(r"^\s*(?:!\[[^\]]*\]\([^)]*\)|\[[^\]]*\]\([^)]*\.(?:mp4|webm|gif|png|jpe?g)\))")
_HTML = re.compile(r"^\s*<")


def looks_like(text: str) -> bool:
    if _DIGEST_HEADING.search(text):
        return True
    headings = _PAPER_HEADING.findall(text)
    linked = [h for h in headings if _linked_title(h)]
    return len(linked) >= 1 and bool(re.search(r"^(Vote|Authors)\s*:", text, re.MULTILINE))


def parse(text: str) -> ParsedDocument:
    heading = _DIGEST_HEADING.search(text)
    digest_date = parse_iso_date(heading.group(0)) if heading else None
    title = clean(heading.group(0).lstrip("#")) if heading else None

    matches = list(_PAPER_HEADING.finditer(text))
    papers = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        body = text[match.end() : end]
        # A new level-2 heading (another day's digest) ends this paper's block.
        next_section = re.search(r"^##\s", body, re.MULTILINE)
        if next_section:
            body = body[: next_section.start()]
        paper = _paper(match.group("heading"), body, digest_date)
        if paper is not None:
            papers.append(paper)
    return ParsedDocument(papers=tuple(papers), title=title, published_on=digest_date)


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


def _paper(heading: str, body: str, digest_date: date | None) -> RawPaper | None:
    linked = _linked_title(heading)
    if linked:
        title = clean(strip_markdown(linked[0]))
        arxiv_id, url = arxiv_from_url(linked[1])
        url = url or linked[1]
    else:
        title = clean(strip_markdown(heading))
        arxiv_id, url = arxiv_from_url(heading)

    authors: tuple[str, ...] = ()
    sentences: list[str] = []
    for raw_line in body.splitlines():
        line = raw_line.strip()
        if not line or _MEDIA.match(line) or _HTML.match(line):
            continue
        meta = _META.match(line)
        if meta:
            if meta.group("key").lower().startswith("author"):
                authors = split_authors(meta.group("value"))
            continue
        if arxiv_id is None:
            arxiv_id, found_url = arxiv_from_url(line)
            url = url or found_url
        sentences.extend(split_sentences(strip_markdown(_BULLET.sub("", line))))
    if not title:
        return None
    return RawPaper(
        title=title,
        sentences=tuple(sentences),
        arxiv_id=arxiv_id,
        url=url if url and url.startswith(("http://", "https://")) else None,
        authors=authors,
        published_on=digest_date,
    )
