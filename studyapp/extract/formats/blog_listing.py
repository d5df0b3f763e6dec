"""Blog listing pages: several paper reviews run together, each cut off with ``..``.

```
<navigation> Title of Paper (ACR) <one-line remark> [Github] [arXiv](Current version v3)
[Related] Abstract <sentences> Introduction <sentences> .. Next Title [arXiv] Abstract … ..
<pagination>
```
Titles are English; the remark and the review are usually Korean. The listing gives no
arXiv ids, authors or dates.
"""

from __future__ import annotations

import re

from studyapp.extract.drafts import RawPaper
from studyapp.extract.formats.common import ParsedDocument, arxiv_from_url
from studyapp.extract.text import clean, has_hangul, split_sentences

__all__ = ["looks_like", "parse"]

_MARKER = re.compile(
    r"\[(?:github|arxiv|project page|paper|code|website|blog|demo|hugging ?face)\]"
    r"(?:\([^()]*\))?",
    re.IGNORECASE,
)
# Two dots on their own (not an ellipsis) end a post's excerpt.
_CUT = re.compile(r"(?<![.…])\.\.(?![.…])")
_REFERENCES = re.compile(r"^\s*(?:\[[^\]]{1,60}\]\s*)+")
_SECTION = re.compile(r"(?:^|\s)(?:Abstract|Introduction|Conclusions?)(?=\s|:|$)")
# Korean reviews often end a sentence with a bare noun-verb ("…를 제안", "…함") and no period;
# a capitalised English word after one starts the next sentence or a sub-heading.
_BARE_END = re.compile(
    r"(?:(?<=제안)|(?<=소개)|(?<=출시)|(?<=제시)|(?<=함)|(?<=음)|(?<=됨)|(?<=임))\s+(?=[A-Z])"
)
_TRAILING_ACRONYM = re.compile(r"\((?P<name>[A-Za-z][\w\-]*)\)\s*+$")
_TITLE_START = re.compile(r"[A-Z0-9]")


def looks_like(text: str) -> bool:
    return len(_MARKER.findall(text)) >= 2 and len(_CUT.findall(text)) >= 1


def parse(text: str) -> ParsedDocument:
    flat = clean(" ".join(text.splitlines()))
    chunks = _CUT.split(flat)
    papers = []
    for chunk in chunks:
        paper = _post(chunk)
        if paper is not None:
            papers.append(paper)
    return ParsedDocument(papers=tuple(papers))


def _post(chunk: str) -> RawPaper | None:
    marker = _MARKER.search(chunk)
    if marker is None:
        # Navigation, pagination, or a post whose markers were cut: nothing to study.
        return None
    head = chunk[: marker.start()]
    title, remark = _title_and_remark(head)
    if not title:
        return None
    name_hint = None
    acronym = _TRAILING_ACRONYM.search(title)
    if acronym:
        name_hint = acronym.group("name")
        title = title[: acronym.start()].strip()

    markers = list(_MARKER.finditer(chunk))
    arxiv_id, url = arxiv_from_url(" ".join(m.group(0) for m in markers))
    body = chunk[markers[-1].end() :]
    body = _REFERENCES.sub("", body)
    sentences = [remark] if remark else []
    for section in _SECTION.split(body):
        for piece in _BARE_END.split(section):
            sentences.extend(split_sentences(piece))
    return RawPaper(
        title=title,
        sentences=tuple(s for s in sentences if s),
        arxiv_id=arxiv_id,
        url=url,
        name_hint=name_hint,
    )


def _title_and_remark(head: str) -> tuple[str, str]:
    """Split what precedes a post's markers into its English title and the Korean remark.

    The title is the first run of two or more words without Hangul that starts like a title;
    anything before it is navigation, anything after it the blogger's remark.
    """
    tokens = head.split()
    runs: list[tuple[int, int]] = []
    start = None
    for index, token in enumerate(tokens + ["가"]):
        if has_hangul(token):
            if start is not None:
                runs.append((start, index))
                start = None
        elif start is None:
            start = index
    for first, last in runs:
        words = tokens[first:last]
        if _TITLE_START.match(words[0]) and (len(words) >= 2 or "-" in words[0]):
            return " ".join(words), " ".join(tokens[last:])
    return "", ""
