"""Section labels in summaries (``***What's New***:``, ``Technical Details:``) and the role
each one gives the sentences under it.

A label is an emphasised phrase closed by a colon at the start of a bullet or paragraph, or the
same phrase unemphasised when its words say which role it is. Roles are read from the label's
words, so that labels the series rarely uses (``Methodology``, ``Key Findings``,
``Limitations``) are understood as well as the three it uses every day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studyapp.extract.drafts import Role

__all__ = ["Label", "role_of_label", "split_label"]

# The closing marks need not match the opening ones: "***Technical Details*:" is in the wild.
_EMPHASISED = re.compile(
    r"^[^\S\n]*(?P<mark>\*{1,3}|_{1,3})(?P<label>[^*_\n:：]{1,60}?)[^\S\n]*"
    r"(?:[*_]{1,3}[^\S\n]*[:：]|[:：][^\S\n]*[*_]{1,3})[^\S\n]*"
)
# Unemphasised, an English label is in title case ("Key Findings"), a Korean one a word or two.
_PLAIN = re.compile(
    r"^[^\S\n]*(?P<label>[A-Z][A-Za-z'’/-]+(?:[^\S\n]+(?:[A-Z][A-Za-z'’/-]*|and|of|&)){0,3}"
    r"|[가-힣]{2,6}(?:[^\S\n][가-힣]{2,6})?)[^\S\n]*[:：][^\S\n]+"
)
# Checked in this order: "What's New - Related Work" is related work, "Performance Highlights"
# results. Words are matched at their start ("method" in "methodology").
_ROLE_WORDS: tuple[tuple[Role, re.Pattern[str]], ...] = tuple(
    (role, re.compile(r"(?:^|[\s(/&-])(?:" + words + ")", re.IGNORECASE))
    for role, words in (
        (
            Role.ASIDE,
            r"limitation|ethic|related work|future|conclusion|discussion|website|code\b|"
            r"resource|implication|broader|acknowledg|references|한계|결론|고찰|관련 연구|향후",
        ),
        (
            Role.RESULT,
            r"performance|result|evaluation|experiment|finding|benchmark|highlight|empirical|"
            r"성능|결과|실험|평가",
        ),
        (
            Role.HOW,
            r"technical|method|approach|architecture|implementation|design|framework|pipeline|"
            r"algorithm|mechanism|how it works|details|기술|방법|구조|설계|원리",
        ),
        (
            Role.NEW,
            r"what.s new|new\b|overview|summary|introduction|contribution|innovation|key idea|"
            r"tl;?dr|novelty|핵심|개요|요약|기여|새로운 점",
        ),
    )
)


@dataclass(frozen=True, slots=True)
class Label:
    text: str
    role: Role | None  # None: a label whose words say no role


def role_of_label(label: str) -> Role | None:
    """The role a section label's words give, or ``None``."""
    for role, words in _ROLE_WORDS:
        if words.search(label):
            return role
    return None


def split_label(source: str) -> tuple[Label | None, str]:
    """The label opening an inline Markdown ``source``, and the source after it.

    An emphasised label whose words say no role is still a label (its text is given back, for
    the caller to keep as words); an unemphasised phrase before a colon is a label only when
    its words say its role, so that "Note: …" or "예: …" stay sentences.
    """
    match = _EMPHASISED.match(source)
    if match:
        text = match.group("label").strip()
        return Label(text, role_of_label(text)), source[match.end() :]
    match = _PLAIN.match(source)
    if match:
        text = match.group("label").strip()
        role = role_of_label(text)
        if role is not None:
            return Label(text, role), source[match.end() :]
    return None, source
