"""From a parsed paper to its cards: method → key idea, and paper → headline number.

Card text is in the summary's language, with prompts in that language too, so a Korean digest
gives Korean cards whatever language the interface speaks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from studyapp.extract.cardtext import as_context
from studyapp.extract.drafts import CardDraft, NumberDraft, PaperDraft, RawPaper
from studyapp.extract.headline import Headline, choose_headline
from studyapp.extract.keyidea import choose_key_idea
from studyapp.extract.methods import find_method
from studyapp.extract.text import detect_lang
from studyapp.extract.topics import classify
from studyapp.identity import CardKind

__all__ = ["PROMPTS", "build_paper", "card_name", "cloze"]

#: The questions on the cards' fronts, per card language. Whole phrases with a named
#: placeholder, because word order differs.
PROMPTS: dict[str, dict[str, str]] = {
    "ko": {
        CardKind.METHOD_IDEA: "{name} — 핵심 아이디어는?",
        CardKind.HEADLINE_NUMBER: "{name} — 핵심 수치는?",
        "blank": "＿＿",
    },
    "en": {
        CardKind.METHOD_IDEA: "{name} — key idea?",
        CardKind.HEADLINE_NUMBER: "{name} — headline result?",
        "blank": "___",
    },
}
_MAX_NAME = 90
# A title is cut only past this length (no title in the series comes near it): a whole title
# reads better on a front than one cut mid-thought.
_MAX_TITLE = 160
_HOLE = "\ufffc"
# As long as a back (cardtext.MAX_BACK): a headline's sentence is cut only when even a back
# could not hold it.
_MAX_CONTEXT = 300
# Where a long title divides into a head that stands alone: "Name: subtitle", "Question? …".
_TITLE_HEAD = re.compile(r"^(.{12,}?(?::|\?)) ")


def card_name(title: str, method: str | None) -> str:
    """What a card calls the paper: its method's name, else its title — its head when a long
    title has one ("Why Do X Fail?"), whole when it fits, cut between words only past
    ``_MAX_TITLE``."""
    if method:
        return method
    if len(title) <= _MAX_NAME:
        return title
    head = _TITLE_HEAD.match(title)
    if head and len(head.group(1)) <= _MAX_NAME:
        return head.group(1).removesuffix(":")
    if len(title) <= _MAX_TITLE:
        return title
    return title[:_MAX_TITLE].rsplit(" ", 1)[0] + " …"


def build_paper(raw: RawPaper) -> PaperDraft:
    """The paper's cards, method, topics and language, from what a parser found."""
    lang = detect_lang(list(raw.sentences) or [raw.title])
    prompts = PROMPTS.get(lang, PROMPTS["en"])
    method = find_method(
        raw.title, raw.sentences, name_hint=raw.name_hint, roles=raw.roles, lang=lang
    )
    name = card_name(raw.title, method)
    topics = tuple(classify(raw.title, list(raw.sentences) + list(raw.evidence)))

    cards: list[CardDraft] = []
    idea = choose_key_idea(
        raw.sentences, method=method, lang=lang, roles=raw.roles, title=raw.title
    )
    if idea:
        cards.append(
            CardDraft(
                kind=CardKind.METHOD_IDEA,
                front=prompts[CardKind.METHOD_IDEA].format(name=name),
                back=idea.text,
                source_sentence=" ".join(idea.sources),
            )
        )
    headline = choose_headline(raw.sentences, evidence=raw.evidence, roles=raw.roles)
    if headline is not None:
        number = NumberDraft(
            text=headline.mention.text, value=headline.mention.value, unit=headline.mention.unit
        )
        cards.append(
            CardDraft(
                kind=CardKind.HEADLINE_NUMBER,
                front=prompts[CardKind.HEADLINE_NUMBER].format(name=name)
                + "\n"
                + _cloze(headline, blank=prompts["blank"], method=method, usage=raw.sentences),
                back=headline.mention.text,
                source_sentence=headline.sentence,
                number=number,
            )
        )
    return PaperDraft(
        title=raw.title,
        lang=lang,
        sentences=raw.sentences,
        method=method,
        topics=topics,
        cards=tuple(cards),
        arxiv_id=raw.arxiv_id,
        url=raw.url,
        authors=raw.authors,
        published_on=raw.published_on,
        translated_title=raw.translated_title,
        roles=raw.roles,
        votes=raw.votes,
    )


def _cloze(headline: Headline, *, blank: str, method: str | None, usage: tuple[str, ...]) -> str:
    """The headline's sentence with the number blanked: what was measured, in context."""
    # "이 방법은" becomes the method's name only where the summary itself uses the name: a
    # summary about something else (it happens) must not have the name put into it.
    named = method if method and any(method.lower() in s.lower() for s in usage) else None
    shown, start, end = headline.shown, headline.start, headline.end
    return cloze(shown, start, end, blank=blank, method=named, usage=usage)


def cloze(
    sentence: str,
    start: int,
    end: int,
    *,
    blank: str,
    method: str | None = None,
    usage: Sequence[str] = (),
) -> str:
    """``sentence`` with ``[start:end]`` blanked, as it reads alone on a card (see
    :func:`stand_alone`), cut to a window around the blank if long."""
    # The blank waits as one character no cleaning touches ("___" reads as Markdown).
    text = sentence[:start] + _HOLE + sentence[end:]
    text = as_context(text, method=method, usage=usage).replace(_HOLE, blank)
    if len(text) <= _MAX_CONTEXT:
        return text
    # Keep a window around the blank so the question stays answerable.
    at = text.find(blank)
    start = max(0, at - _MAX_CONTEXT // 2)
    window = text[start : start + _MAX_CONTEXT]
    if start > 0:
        window = "… " + re.sub(r"^\S*\s", "", window)
    if start + _MAX_CONTEXT < len(text):
        window = re.sub(r"\s\S*$", "", window) + " …"
    return window
