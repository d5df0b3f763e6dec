"""Render an Anki card's two sides as plain text, the way Anki would show their words.

A small, generic template engine for Anki's card templates: fields (`{{Front}}`), sections
(`{{#Field}}..{{/Field}}`, `{{^Field}}..{{/Field}}`), `{{FrontSide}}`, the special fields
(`{{Tags}}`, `{{Type}}`, `{{Card}}`, `{{Deck}}`...), and the built-in filters (`text`, `cloze`,
`hint`, `type`, `furigana`, `kana`, `kanji`, `tts`). Note type names are never looked at: the
same rules serve every note type, Anki's stock ones or a user's own.

The result is plain text (see html_text.py); the app escapes it when it shows it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from studyapp.apkg.html_text import answer_marker_end, html_to_text, is_blank, media_in_html
from studyapp.apkg.reading import AnkiNote, NoteType

__all__ = ["html_to_text", "media_references", "render_card"]

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_SOUND = re.compile(r"\[sound:([^\]]+)\]", re.IGNORECASE)
_CLOZE_OPEN = re.compile(r"\{\{c(\d+(?:,\d+)*)::")
# Anki's furigana syntax: "漢字[かんじ]", the base starting after a space or a tag.
_FURIGANA = re.compile(r" ?([^ >]+?)\[(.+?)\]")
_SPECIAL_EMPTY = ("Deck", "Subdeck", "CardFlag", "FrontSide", "CardID")


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    filters: tuple[str, ...]  # as written, outermost first


@dataclass(frozen=True, slots=True)
class _Section:
    name: str
    negated: bool
    body: tuple[_Node, ...]


_Node = str | _Field | _Section


@dataclass(frozen=True, slots=True)
class _Context:
    values: dict[str, str]  # field and special names -> HTML
    back: bool
    cloze: int  # the card's cloze number (ord + 1)


def render_card(notetype: NoteType, note: AnkiNote, ord: int) -> tuple[str, str] | None:
    """(front, back) as plain text for the card `ord` of `note`; None when the front renders empty
    (Anki would not have made the card, or it holds only pictures/sounds).

    The back is only what the answer adds: when its template shows {{FrontSide}}, the part up to
    and including Anki's `<hr id=answer>` marker is left out.
    """
    if notetype.cloze:
        template = notetype.templates[0] if notetype.templates else None
    else:
        template = next((t for t in notetype.templates if t.ord == ord), None)
    if template is None or ord < 0:
        return None
    front_nodes = _parse(template.front)
    values = dict(zip(notetype.fields, note.fields, strict=False))
    values.update(
        {
            "Tags": html.escape(" ".join(note.tags)),
            "Type": html.escape(notetype.name),
            "Card": html.escape(template.name),
        }
    )
    for name in _SPECIAL_EMPTY:
        values[name] = ""
    if notetype.cloze and ord + 1 not in _cloze_numbers(front_nodes, values):
        return None
    front = html_to_text(_render(front_nodes, _Context(values, back=False, cloze=ord + 1)))
    if not front:
        return None
    back_nodes = _parse(template.back)
    back_html = _render(back_nodes, _Context(values, back=True, cloze=ord + 1))
    if _uses_front_side(back_nodes):
        back_html = back_html[answer_marker_end(back_html) :]
    return front, html_to_text(back_html)


def media_references(note: AnkiNote) -> set[str]:
    """The local media files a note's fields show or play: <img>/<audio>/<source> sources,
    <object> data and [sound:...] tags."""
    names: set[str] = set()
    for value in note.fields:
        names.update(media_in_html(value))
        names.update(html.unescape(match.group(1)).strip() for match in _SOUND.finditer(value))
    names.discard("")
    return names


# Templates: parsing into a tree.


def _parse(template: str) -> tuple[_Node, ...]:
    root: list[_Node] = []
    # The open sections: (name, negated, the list their section goes into once closed).
    stack: list[tuple[str, bool, list[_Node]]] = []
    current = root
    position = 0
    for match in _TAG.finditer(template):
        if match.start() > position:
            current.append(template[position : match.start()])
        position = match.end()
        inner = match.group(1).strip()
        if inner[:1] in ("#", "^"):
            stack.append((inner[1:].strip(), inner[0] == "^", current))
            current = []
        elif inner[:1] == "/":
            # A close without its open is ignored, as is one that closes the wrong section.
            if stack and stack[-1][0] == inner[1:].strip():
                name, negated, outer = stack.pop()
                outer.append(_Section(name, negated, tuple(current)))
                current = outer
        elif inner:
            parts = [part.strip() for part in inner.split(":")]
            current.append(_Field(parts[-1], tuple(parts[:-1])))
    if position < len(template):
        current.append(template[position:])
    # A section never closed runs to the end of the template.
    while stack:
        name, negated, outer = stack.pop()
        outer.append(_Section(name, negated, tuple(current)))
        current = outer
    return tuple(root)


def _fields_in(nodes: tuple[_Node, ...]) -> list[_Field]:
    found: list[_Field] = []
    for node in nodes:
        if isinstance(node, _Field):
            found.append(node)
        elif isinstance(node, _Section):
            found.extend(_fields_in(node.body))
    return found


def _uses_front_side(nodes: tuple[_Node, ...]) -> bool:
    return any(field.name == "FrontSide" for field in _fields_in(nodes))


def _cloze_numbers(nodes: tuple[_Node, ...], values: dict[str, str]) -> set[int]:
    """The cloze numbers in the fields that the template shows through the cloze filter."""
    numbers: set[int] = set()
    for field in _fields_in(nodes):
        if "cloze" in field.filters:
            numbers.update(_numbers_in(_parse_cloze(values.get(field.name, ""))))
    return numbers


# Templates: rendering to HTML.


def _render(nodes: tuple[_Node, ...], context: _Context) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Section):
            shown = not is_blank(context.values.get(node.name, ""))
            if shown != node.negated:
                out.append(_render(node.body, context))
        else:
            out.append(_field(node, context))
    return "".join(out)


def _field(field: _Field, context: _Context) -> str:
    value = context.values.get(field.name, "")
    names = [name.split()[0] if name.split() else "" for name in field.filters]
    if "type" in names:
        # The answer box: nothing on the front; the expected answer on the back.
        if not context.back:
            return ""
        if "cloze" in names:
            return ", ".join(_active_texts(_parse_cloze(value), context.cloze))
        return value
    for name in reversed(names):  # the filter nearest the field name runs first
        value = _apply(name, value, context)
    return value


def _apply(name: str, value: str, context: _Context) -> str:
    if name == "text":
        return html.escape(html_to_text(value))
    if name == "cloze":
        return _render_cloze(_parse_cloze(value), context.cloze, context.back)
    if name == "cloze-only":
        return ", ".join(_active_texts(_parse_cloze(value), context.cloze))
    if name == "tts":
        return ""  # spoken by Anki, never shown
    if name in ("furigana", "kana", "kanji"):
        return _FURIGANA.sub(lambda match: _ruby(name, match), value)
    return value  # hint shows its text; unknown (add-on) filters leave the value as it is


def _ruby(filter_name: str, match: re.Match[str]) -> str:
    base, reading = match.group(1), match.group(2)
    if reading.startswith("sound:"):
        return match.group(0)
    if filter_name == "kanji":
        return base
    if filter_name == "kana":
        return reading
    return f"{base}({reading})"


# Clozes: "{{c1::text}}", "{{c2::text::hint}}", "{{c1,2::text}}", nested.


@dataclass(frozen=True, slots=True)
class _Cloze:
    numbers: frozenset[int]
    body: tuple[str | _Cloze, ...]
    hint: str


def _parse_cloze(text: str) -> tuple[str | _Cloze, ...]:
    root: list[str | _Cloze] = []
    # Each open cloze: (its numbers, the opening text as written, its body so far).
    stack: list[tuple[frozenset[int], str, list[str | _Cloze]]] = []
    current = root
    position = 0
    while position < len(text):
        opening = _CLOZE_OPEN.match(text, position)
        if opening:
            numbers = frozenset(int(n) for n in opening.group(1).split(","))
            stack.append((numbers, opening.group(0), current))
            current = []
            position = opening.end()
        elif stack and text.startswith("}}", position):
            numbers, _, outer = stack.pop()
            body, hint = _split_hint(current)
            outer.append(_Cloze(numbers, body, hint))
            current = outer
            position += 2
        else:
            candidates = (text.find("{{c", position + 1), text.find("}}", position + 1))
            end = min((i for i in candidates if i != -1), default=len(text))
            current.append(text[position:end])
            position = end
    while stack:  # an opening never closed is plain text
        _, written, outer = stack.pop()
        current = [*outer, written, *current]
    return tuple(current)


def _split_hint(body: list[str | _Cloze]) -> tuple[tuple[str | _Cloze, ...], str]:
    if body and isinstance(body[-1], str) and "::" in body[-1]:
        text, hint = body[-1].split("::", 1)
        return (*body[:-1], text), hint
    return tuple(body), ""


def _numbers_in(nodes: tuple[str | _Cloze, ...]) -> set[int]:
    numbers: set[int] = set()
    for node in nodes:
        if isinstance(node, _Cloze):
            numbers |= node.numbers | _numbers_in(node.body)
    return numbers


def _render_cloze(nodes: tuple[str | _Cloze, ...], number: int, back: bool) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif number in node.numbers and not back:
            out.append(f"[{node.hint.strip() or '...'}]")
        else:
            out.append(_render_cloze(node.body, number, back))
    return "".join(out)


def _active_texts(nodes: tuple[str | _Cloze, ...], number: int) -> list[str]:
    texts: list[str] = []
    for node in nodes:
        if isinstance(node, _Cloze):
            if number in node.numbers:
                texts.append(_render_cloze(node.body, number, back=True))
            else:
                texts.extend(_active_texts(node.body, number))
    return texts
