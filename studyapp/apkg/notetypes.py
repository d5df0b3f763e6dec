"""The four Anki note types: method → key idea and paper → headline number, in Korean and
English. Their ids are fixed here once and never reused for other fields: Anki recognises a
note type by its id, so changing one would split every user's notes in two.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import genanki

from studyapp.identity import CardKind

__all__ = ["MODEL_IDS", "Labels", "LABELS", "note_type"]

MODEL_IDS: dict[tuple[CardKind, str], int] = {
    (CardKind.METHOD_IDEA, "en"): 1384613829,
    (CardKind.METHOD_IDEA, "ko"): 1925746311,
    (CardKind.HEADLINE_NUMBER, "en"): 1492038571,
    (CardKind.HEADLINE_NUMBER, "ko"): 1760293847,
}

_METHOD_FIELDS = ["Question", "Answer", "Source", "Paper", "Link", "Topics"]
_NUMBER_FIELDS = ["Question", "Context", "Number", "Source", "Paper", "Link", "Topics"]


@dataclass(frozen=True, slots=True)
class Labels:
    method_type: str
    number_type: str
    method_card: str
    number_card: str
    source: str
    paper: str


LABELS: dict[str, Labels] = {
    "en": Labels(
        method_type="Paper flashcards: method → key idea",
        number_type="Paper flashcards: paper → headline number",
        method_card="Key idea",
        number_card="Headline number",
        source="From the summary",
        paper="Paper",
    ),
    "ko": Labels(
        method_type="논문 플래시카드: 방법 → 핵심 아이디어",
        number_type="논문 플래시카드: 논문 → 핵심 수치",
        method_card="핵심 아이디어",
        number_card="핵심 수치",
        source="요약 원문",
        paper="논문",
    ),
}

# Korean-capable fonts on every platform Anki runs on, and Anki's night mode.
CSS = """
.card {
  font-family: -apple-system, "Segoe UI", "Apple SD Gothic Neo", "Noto Sans KR",
    "Noto Sans CJK KR", "Malgun Gothic", "NanumGothic", Roboto, "Helvetica Neue", Arial,
    sans-serif;
  font-size: 20px; line-height: 1.55; color: #1c1d27; background: #ffffff;
  text-align: left; max-width: 40em; margin: 0 auto; padding: 0 .5em;
  word-break: keep-all; overflow-wrap: anywhere;
}
.kind { font-size: 13px; letter-spacing: .04em; text-transform: uppercase; color: #5d6072; }
.question { font-weight: 650; font-size: 1.15em; margin-top: .3em; }
.context { color: #5d6072; margin-top: .6em; }
.answer { margin-top: .2em; }
.number { font-size: 1.6em; font-weight: 700; color: #4f46e5; margin-top: .1em; }
.source {
  margin-top: 1em; font-size: .85em; color: #5d6072;
  border-left: 3px solid #dfe1ea; padding-left: .7em;
}
.label { font-weight: 600; margin-right: .4em; }
.paper { margin-top: .9em; font-size: .85em; color: #5d6072; }
.paper a { color: #4f46e5; }
.topics { margin-top: .3em; font-size: .8em; color: #5d6072; }
hr#answer { border: 0; border-top: 1px dashed #dfe1ea; margin: 1em 0; }
.nightMode.card, .night_mode .card { color: #e8e9f0; background: #1b1d27; }
.nightMode .kind, .nightMode .context, .nightMode .source, .nightMode .paper, .nightMode .topics,
.night_mode .kind, .night_mode .context, .night_mode .source, .night_mode .paper,
.night_mode .topics { color: #a2a5b9; }
.nightMode .number, .nightMode .paper a,
.night_mode .number, .night_mode .paper a { color: #8b85ff; }
.nightMode .source, .night_mode .source { border-left-color: #2e3142; }
"""


def _answer_tail(labels: Labels) -> str:
    return (
        f'{{{{#Source}}}}<div class="source"><span class="label">{labels.source}</span>'
        "{{Source}}</div>{{/Source}}"
        f'<div class="paper"><span class="label">{labels.paper}</span>'
        '{{#Link}}<a href="{{Link}}">{{Paper}}</a>{{/Link}}{{^Link}}{{Paper}}{{/Link}}</div>'
        '{{#Topics}}<div class="topics">{{Topics}}</div>{{/Topics}}'
    )


@cache
def note_type(kind: CardKind, lang: str) -> genanki.Model:
    """The note type for cards of ``kind`` written in ``lang`` (``ko`` or ``en``)."""
    labels = LABELS[lang]
    tail = _answer_tail(labels)
    if kind is CardKind.METHOD_IDEA:
        name, fields, card_name = labels.method_type, _METHOD_FIELDS, labels.method_card
        front = (
            f'<div class="kind">{labels.method_card}</div>'
            '<div class="question">{{Question}}</div>'
        )
        back = '{{FrontSide}}<hr id="answer"><div class="answer">{{Answer}}</div>' + tail
    else:
        name, fields, card_name = labels.number_type, _NUMBER_FIELDS, labels.number_card
        front = (
            f'<div class="kind">{labels.number_card}</div>'
            '<div class="question">{{Question}}</div>'
            '{{#Context}}<div class="context">{{Context}}</div>{{/Context}}'
        )
        back = '{{FrontSide}}<hr id="answer"><div class="number">{{Number}}</div>' + tail
    return genanki.Model(
        MODEL_IDS[(kind, lang)],
        name,
        fields=[{"name": field} for field in fields],
        templates=[{"name": card_name, "qfmt": front, "afmt": back}],
        css=CSS,
        sort_field_index=0,
    )
