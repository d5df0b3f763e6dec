"""Anki's HTML (card templates and note fields) as plain text, with the stdlib's HTML parser.

Scripts, styles and hidden elements are dropped, block elements and <br> become line breaks,
list items get a bullet, pictures and sounds leave no text, entities are decoded, and runs of
spaces and blank lines are collapsed. The text is plain: whoever shows it escapes it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote

# Elements whose content is never shown.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
        "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
# Elements without an end tag: they never open a hidden region.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
# Where Anki keeps a media file's name: <img src>, <audio src>, <source src>, <object data>.
_MEDIA_ATTRIBUTE = {"img": "src", "audio": "src", "source": "src", "video": "src", "object": "data"}
_SOUND = re.compile(r"\[sound:[^\]]*\]", re.IGNORECASE)
# Anki's own markers: text to speak, and the play buttons its rendered cards hold.
_TTS = re.compile(r"\[anki:tts[^\]]*\].*?\[/anki:tts\]|\[anki:play:[^\]]*\]", re.I | re.S)
_SPACES = re.compile(r"[ \t\r\f\v\n\xa0\u200b]+")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """The words `html` shows, one block per line, without blank lines."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = _TTS.sub("", _SOUND.sub("", "".join(parser.out)))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def is_blank(html: str) -> bool:
    """Anki's test for an empty field: no words and no pictures or sounds."""
    return not html_to_text(html) and not media_in_html(html) and not _SOUND.search(html)


def media_in_html(html: str) -> set[str]:
    """The local files that `html`'s media elements point at (percent-decoded)."""
    parser = _MediaParser()
    parser.feed(html)
    parser.close()
    return parser.names


def answer_marker_end(html: str) -> int:
    """The offset just past Anki's `<hr id=answer>` in `html`, or 0 when it has none."""
    parser = _MarkerParser()
    parser.feed(html)
    parser.close()
    if parser.end_at is None:
        return 0
    line, column, length = parser.end_at
    starts = [0]
    for found in re.finditer("\n", html):
        starts.append(found.end())
    return starts[line - 1] + column + length


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._hidden: list[str] = []  # the tag that opened each hidden region, innermost last
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden:
            if tag == self._hidden[-1] and tag not in _VOID:
                self._hidden.append(tag)
            return
        if tag not in _VOID and (tag in _HIDDEN or _hidden_by_style(attrs)):
            self._hidden.append(tag)
            return
        if tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n• ")
        elif tag in _BLOCKS:
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append(" ")
        if tag == "pre":
            self._pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self._hidden:
            self.out.append("\n")
        elif tag in _BLOCKS and not self._hidden:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            if tag == self._hidden[-1]:
                self._hidden.pop()
                if not self._hidden and tag in _BLOCKS:
                    self.out.append("\n")
            return
        if tag in _BLOCKS:
            self.out.append("\n")
        if tag == "pre" and self._pre:
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._pre:
            # Inside <pre> a line break is a line break; elsewhere it is a space.
            self.out.append(data)
        else:
            self.out.append(_SPACES.sub(" ", data))


def _hidden_by_style(attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        if name == "hidden":
            return True
        if name == "style" and value and "display:none" in value.replace(" ", "").lower():
            return True
    return False


class _MediaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = _MEDIA_ATTRIBUTE.get(tag)
        if wanted is None:
            return
        for name, value in attrs:
            if name == wanted and value and value.strip():
                reference = value.strip()
                if not _REMOTE.match(reference):
                    self.names.add(unquote(reference))


class _MarkerParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.end_at: tuple[int, int, int] | None = None  # line, column, tag length

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.end_at is not None or tag != "hr":
            return
        if any(name == "id" and (value or "").strip().lower() == "answer" for name, value in attrs):
            line, column = self.getpos()
            self.end_at = (line, column, len(self.get_starttag_text() or ""))
