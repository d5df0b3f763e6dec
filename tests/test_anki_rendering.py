"""Rendering Anki cards as plain text: template features, clozes, HTML to text, media names.

Whole packages made by Anki, rendered and compared with Anki's own rendering, are in
test_anki_reading.py; here each rule is checked on its own."""

from __future__ import annotations

import pytest

from studyapp.apkg.reading import AnkiNote, NoteType, Template
from studyapp.apkg.rendering import html_to_text, media_references, render_card


def note(*fields: str, tags: tuple[str, ...] = ()) -> AnkiNote:
    return AnkiNote(id=1, guid="g", notetype_id=7, fields=fields, tags=tags, mod=0)


CUSTOM = NoteType(
    id=7,
    name="Vocabulary",
    cloze=False,
    fields=("Word", "Extra"),
    templates=(
        Template(
            0,
            "Reading",
            "{{furigana:Word}}{{#Extra}}<div>{{text:Extra}}</div>{{/Extra}}{{Missing}}",
            '{{FrontSide}}\n<HR ID="answer">{{kana:Word}} {{Tags}} {{Type}}/{{Card}}',
        ),
        Template(
            1,
            "Writing",
            "{{^Extra}}{{kanji:Word}}{{/Extra}}",
            "{{FrontSide}}<hr id=answer>{{type:Word}}",
        ),
        Template(2, "Typed", "Type: {{type:Word}}", "{{FrontSide}}<hr id='answer'>{{type:Word}}"),
    ),
)

CLOZE = NoteType(
    id=8,
    name="My cloze",
    cloze=True,
    fields=("Text", "Extra"),
    templates=(
        Template(
            0,
            "Cloze",
            "{{cloze:Text}}{{type:cloze:Text}}",
            "{{cloze:Text}}<br>{{Extra}}<br>{{type:cloze:Text}}",
        ),
    ),
)


def test_sections_filters_and_special_fields() -> None:
    word = " 漢字[かんじ]"
    full = note(word, "a<b>b</b>", tags=("jp", "n5"))
    assert render_card(CUSTOM, full, 0) == ("漢字(かんじ)\nab", "かんじ jp n5 Vocabulary/Reading")
    # Anki makes no "Writing" card when Extra is filled in: the front renders empty.
    assert render_card(CUSTOM, full, 1) is None
    bare = note(word, "  <br> ")
    assert render_card(CUSTOM, bare, 0) == ("漢字(かんじ)", "かんじ Vocabulary/Reading")
    # The answer box is dropped from the front; on the back it shows the expected answer.
    assert render_card(CUSTOM, bare, 1) == ("漢字", "漢字[かんじ]")
    assert render_card(CUSTOM, bare, 2) == ("Type:", "漢字[かんじ]")
    assert render_card(CUSTOM, bare, 3) is None


def test_a_picture_counts_as_content_in_sections() -> None:
    picture = note(" 漢字[かんじ]", '<img src="a.png">')
    assert render_card(CUSTOM, picture, 1) is None  # {{^Extra}} hides the word


def test_clozes_nested_shared_and_hinted() -> None:
    text = "{{c1::outer {{c2::inner::in}} end}}, {{c1,3::both}} and {{c4::open"
    card = note(text, "extra")
    assert render_card(CLOZE, card, 0) == (
        "[...], [...] and {{c4::open",
        "outer inner end, both and {{c4::open\nextra\nouter inner end, both",
    )
    assert render_card(CLOZE, card, 1) == (
        "outer [in] end, both and {{c4::open",
        "outer inner end, both and {{c4::open\nextra\ninner",
    )
    assert render_card(CLOZE, card, 2)[0] == "outer inner end, [...] and {{c4::open"  # type: ignore[index]
    # c4 is never closed, so it is text, not a cloze; c2 exists, c5 does not.
    assert render_card(CLOZE, card, 3) is None
    assert render_card(CLOZE, card, 4) is None
    assert render_card(CLOZE, note("no clozes here", ""), 0) is None


def test_a_stray_closing_brace_and_unknown_filters_are_text() -> None:
    basic = NoteType(
        1, "B", False, ("Front",), (Template(0, "C", "{{custom-filter:Front}} }}", "{{Front}}"),)
    )
    assert render_card(basic, note("x"), 0) == ("x }}", "x")
    speech = NoteType(1, "B", False, ("Front",), (Template(0, "C", "{{tts en_US:Front}}", ""),))
    assert render_card(speech, note("spoken"), 0) is None


def test_back_keeps_everything_without_front_side() -> None:
    plain = NoteType(1, "B", False, ("F",), (Template(0, "C", "{{F}}", "top<hr id=answer>{{F}}"),))
    assert render_card(plain, note("x"), 0) == ("x", "top\nx")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<b>Bold</b>&nbsp;&amp;&lt;tag&gt;", "Bold &<tag>"),
        ("a<br>b<br/>c", "a\nb\nc"),
        ("<div>one</div><div></div><p>two</p>", "one\ntwo"),
        ("<ul><li>x</li><li><i>y</i></li></ul>", "• x\n• y"),
        ("<head><title>t</title></head><script>if (a < b) {}</script>ok<style>p{}</style>", "ok"),
        ('<span style="display: none">secret</span>seen', "seen"),
        ("<div hidden><div>in</div></div>out", "out"),
        ('pic <img src="x.png"> [sound:s.mp3] <audio src="s.mp3"></audio>end', "pic end"),
        ("spaces   and\n\nnew   lines\t", "spaces and new lines"),
        ("<pre>a\n  b</pre>", "a\nb"),
        ("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>", "1 2\n3"),
        ("unclosed <b>bold", "unclosed bold"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_media_references() -> None:
    fields = (
        '<IMG SRC="my%20pic.png"> <img src=bare.jpg> <img src="https://example.com/a.png">',
        "[sound:voice &amp; music.mp3] [SOUND:b.ogg] <audio src='c.mp3'></audio>",
        '<object data="d.svg"></object><img src="data:image/png;base64,AAAA"><img>',
    )
    assert media_references(note(*fields)) == {
        "my pic.png",
        "bare.jpg",
        "voice & music.mp3",
        "b.ogg",
        "c.mp3",
        "d.svg",
    }
