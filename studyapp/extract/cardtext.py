"""Card text is study material: what a sentence becomes before it goes on a card.

A summary sentence is written to be read after the one before it. On a card it stands alone,
so it loses what only made sense in the summary: section labels, citation brackets, links and
Markdown marks; openers that point back (``또한``, ``이를 통해``, ``Moreover``); a subject that
names the method by pointing (``이 방법은``, ``This model``), which becomes the method's name.
A sentence whose subject points at something the card does not show (``이는``, ``These``)
cannot stand alone; :func:`stand_alone` says so, and the card builders choose another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from studyapp.extract.markdown import inline_text
from studyapp.extract.sections import split_label

__all__ = ["MAX_BACK", "as_context", "shorten", "stand_alone", "study_text", "topic_particle"]

#: Longest card back, in characters: more is a paragraph, not a card.
MAX_BACK = 300

_HANGUL = re.compile(r"[가-힣]")
# A list marker opening a text: "(1)", "1)", "2." (a number followed by a space, not "2.5").
_LIST_MARKER = re.compile(r"^\s*(?:\(\s*[0-9]{1,2}\s*\)|[0-9]{1,2}[.)](?=\s))\s*")
_CITATION = re.compile(r"\s*\[(?:\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)\]")
_URL = re.compile(r"\(?\s*(?:https?://|www\.)[^\s)<>\]]+\)?")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?)])")
_EMPTY_PARENS = re.compile(r"\(\s*[,;]?\s*\)")


def study_text(text: str) -> str:
    """``text`` without what a reader would clean by hand: a section label opening it,
    citation brackets, links and Markdown marks left in it."""
    _label, rest = split_label(text)
    if _label is not None and _label.role is not None:
        text = rest
    text = _LIST_MARKER.sub("", _CITATION.sub("", inline_text(text)))
    text = _URL.sub("", text)
    text = _EMPTY_PARENS.sub("", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return " ".join(text.split())


# ---- Standing alone -------------------------------------------------------------------------

# Openers that link to the sentence before and can simply go: the rest says the same alone.
_CONNECTIVES = re.compile(
    r"^(?:(?:또한|그리고|따라서|그러나|하지만|게다가|특히|한편|나아가|더불어|아울러|반면(?:에)?|즉|"
    r"결과적으로|마지막으로|최종적으로|먼저|우선|다음으로|이어서|구체적으로|요약하면|여기서|기술적으로|"
    r"이후|그 다음|그다음|(?:첫|두|세|네) ?번째로|첫째|둘째|셋째|넷째|"
    r"이 외에도|이외에도|이를 통해(?:서)?|이를 위해(?:서)?|이에 따라|이로써|이로 인해|그 결과|"
    r"이와 함께|이와 더불어|이 과정에서|이를 바탕으로|이를 기반으로|예를 들어|예컨대)\s*,?\s+|"
    r"(?:moreover|furthermore|additionally|in addition|also|thus|therefore|hence|however|"
    r"as a result|consequently|to this end|for example|for instance|specifically|notably|"
    r"in particular|finally|first|second|third|then|meanwhile|instead|overall|in summary|"
    r"in this (?:paper|work|study)|here)\s*,?\s+)",
    re.IGNORECASE,
)
# Openers that only say who is speaking: "본 논문에서는", "연구진은", "The authors show that",
# "This survey" before its verb ("This survey reviews …" → "Reviews …": the front names it).
_SPEAKERS = re.compile(
    r"^(?:(?:이|본|이번|해당)?\s*(?:연구|논문|작업)(?:에서는|에서|은|는|의\s+저자들은)|저자들은|연구진은|"
    r"연구팀은|연구자들은|우리는|저희는|"
    r"(?:the authors|the paper|the researchers|we|they|this (?:work|paper|study))\s+"
    r"(?:show|shows|find|finds|demonstrate|demonstrates|argue|argues|report|reports)\s+that|"
    r"(?:this|the) (?:paper|survey|work|study|article|report|review|position paper)"
    r"(?=\s+[a-z]+s\b))"
    r"\s*,?\s*",
    re.IGNORECASE,
)
# "이는 …", "It …": the subject the sentence before was about.
_BARE_SUBJECT = re.compile(r"^(?:이것(?P<particle>은|이)|이(?P<short>는|가)|it)\s+", re.IGNORECASE)
# A subject that points at the method: it becomes the method's name.
_POINTING_SUBJECT = re.compile(
    r"^(?:이|본|해당|제안된|제안한|이러한|이런|이 새로운)\s*"
    r"(?:방법론?|접근법|접근 방식|방식|기법|모델|프레임워크|시스템|아키텍처|알고리즘|기술|"
    r"파이프라인|전략|모듈|벤치마크|데이터셋|도구|에이전트)\s*(?P<particle>은|는|이|가|을|를|의)\s+|"
    r"^(?:this|the proposed|our|the new)\s+(?:method|approach|model|framework|system|"
    r"architecture|algorithm|technique|pipeline|strategy|benchmark|dataset|tool|agent)"
    r"(?P<en>\s+)",
    re.IGNORECASE,
)
# The pointing word itself, which a question's context can do without.
_POINTER_WORD = re.compile(
    r"^(?:이는|이것은|이러한 \S+(?:은|는|이|가)|this|these|it)\s+", re.IGNORECASE
)
# A subject or clause that points at what the card does not show: "이는", "These", "해당
# 정책은", "이 데이터는" (a pointed-at thing that is not the method).
_POINTING = re.compile(
    r"^(?:이는|이것은|이것이|이를|이에|이와|이러한|이런|그러한|이\s*같은|이와\s*같은|그것은|그|"
    r"this|these|those|that|it|its|such|they)\b|^(?:이는|이를|이러한|이에)|"
    r"^(?:이|해당|그|위의?|앞의?|상기)\s+[가-힣A-Za-z]+(?:은|는|이|가|을|를|의)\s",
    re.IGNORECASE,
)
# "이러한 문제를 해결하기 위해, X를 제안": the clause points back, the rest stands alone. So
# does a clause of reasons ahead of the point: "…가 비용이 많이 들므로, …".
_POINTING_CLAUSE = re.compile(
    r"^(?:이러한|이런|이와 같은|이|그)\s[^,]{1,60}?(?:위해|위하여|통해|바탕으로|기반으로|따라|"
    r"넘어|극복하고자|해결하고자)(?:서)?\s*,\s+|"
    r"^[^,]{5,80}?(?:므로|때문에|고려하여|고려해|감안하여|감안해)\s*,\s+(?=\S{2,}\s\S+\s)|"
    r"^(?:to (?:address|solve|tackle|overcome) (?:this|these|such)[^,]{0,50}|"
    r"building on (?:this|these)[^,]{0,40}),\s+",
    re.IGNORECASE,
)


def stand_alone(
    sentence: str,
    *,
    method: str | None,
    antecedent: str | None = None,
    usage: Sequence[str] = (),
) -> str | None:
    """``sentence`` as it reads alone on a card, or ``None`` when it cannot: openers that
    link it to its neighbours are dropped, and a subject pointing at the method ("이 방법은",
    "This model") becomes the method's name (or goes, when the paper names none). A bare
    "이는"/"It" becomes ``antecedent``, the name the sentence before was about, when known.
    ``usage``, the summary's sentences, tells which particle the summary puts after a name."""
    text = _without_openers(study_text(sentence))
    bare = _BARE_SUBJECT.match(text)
    if bare and antecedent and antecedent.lower() not in text.lower():
        particle = bare.group("particle") or bare.group("short")
        named = antecedent
        if particle:
            named += topic_particle(antecedent, particle, usage=usage)
        text = f"{named} {text[bare.end() :]}"
    pointing = _POINTING_SUBJECT.match(text)
    if pointing:
        rest = text[pointing.end() :]
        if pointing.group("en") is not None:
            text = f"{method} {rest}" if method else ""
        elif method and method.lower() not in rest.lower():
            particle = topic_particle(method, pointing.group("particle"), usage=usage)
            text = f"{method}{particle} {rest}"
        elif pointing.group("particle") in ("은", "는", "이", "가"):
            # Korean needs no subject (the card's front names the paper); what followed the
            # subject may be an opener of its own: "이 모델은 또한 …".
            text = _without_openers(rest)
        else:
            return None
    if not text or _POINTING.match(text):
        return None
    if text[:1].islower() and text[:1].isascii() and not _HANGUL.search(text):
        # An English sentence starts with a capital; a Korean one may start with a name
        # written in lower case ("gsplat은", "f-발산"), which keeps its spelling.
        text = text[0].upper() + text[1:]
    return text


def as_context(sentence: str, *, method: str | None, usage: Sequence[str] = ()) -> str:
    """``sentence`` as the context of a question on a card: as it reads alone (see
    :func:`stand_alone`), else cleaned and without the word that points back ("이는 ＿＿
    향상되었다" reads "＿＿ 향상되었다"), since a question keeps its sentence either way."""
    alone = stand_alone(sentence, method=method, usage=usage)
    if alone is not None:
        return alone
    return _POINTER_WORD.sub("", _without_openers(study_text(sentence)), count=1)


def _without_openers(text: str) -> str:
    for _ in range(4):  # "또한, 본 논문에서는 이를 위해 …": openers come stacked
        shorter = _CONNECTIVES.sub("", text, count=1)
        shorter = _SPEAKERS.sub("", shorter, count=1)
        shorter = _POINTING_CLAUSE.sub("", shorter, count=1)
        if shorter == text:
            break
        text = shorter
    return text


# ---- Korean particles after a name ---------------------------------------------------------

# Whether a Latin name, read aloud in Korean, ends on a consonant (받침): capitals by their
# Korean names (L 엘, M 엠, N 엔, R 알), digits by theirs (1 일, 3 삼, 6 육, 7 칠, 8 팔, 0 영).
_CLOSED_LETTERS = set("LMNR")
_CLOSED_DIGITS = set("013678")
_PAIRS = {"은": "는", "는": "은", "이": "가", "가": "이", "을": "를", "를": "을", "의": "의"}
_CLOSED_FORM = {"은": "은", "는": "은", "이": "이", "가": "이", "을": "을", "를": "을", "의": "의"}


def topic_particle(name: str, particle: str, *, usage: Sequence[str] = ()) -> str:
    """The particle ``particle`` (은/는, 이/가, 을/를) in the form that follows ``name``: the
    form the summary itself uses after the name (``usage``, its sentences), else the form the
    name's Korean reading calls for."""
    closed = _CLOSED_FORM[particle]
    open_ = _PAIRS[closed] if closed != "의" else "의"
    heard = _heard_closed(name, usage)
    return closed if (_ends_closed(name) if heard is None else heard) else open_


def _heard_closed(name: str, usage: Sequence[str]) -> bool | None:
    """Whether the summary writes a closed-syllable particle after ``name`` ("HashVocab은"),
    an open one ("DriveBench는"), or ``None`` when it puts none right after it."""
    closed = opened = 0
    for sentence in usage:
        for match in re.finditer(re.escape(name) + "(은|는|이|가|을|를)(?=[\\s,])", sentence):
            if match.group(1) in ("은", "이", "을"):
                closed += 1
            else:
                opened += 1
    return None if closed == opened else closed > opened


def _ends_closed(name: str) -> bool:
    last = name.rstrip(" )]*+²³'’\"")[-1:] or "a"
    if "가" <= last <= "힣":
        return (ord(last) - ord("가")) % 28 != 0
    if last.isdigit():
        return last in _CLOSED_DIGITS
    if last.isupper():
        return last in _CLOSED_LETTERS
    # A word, as Korean writes it: a final m, n, ng or l closes it (Griffin 그리핀, Llama-Mem
    # 멤); most other final consonants get a vowel of their own (Bench 벤치, Bard 바드,
    # Mix 믹스), and so does a vowel (Mamba, Transformer 트랜스포머).
    return name.rstrip(" )]*+²³'’\"").lower().endswith(("m", "n", "l"))


# ---- Fitting on a card -----------------------------------------------------------------------

_CLAUSE_BREAK = re.compile(r"(?<=[,;])\s+|(?<=며|고|서|여|해)\s+(?=[가-힣A-Za-z])")


def shorten(text: str, *, limit: int) -> str:
    """``text`` cut at its last clause boundary before ``limit`` characters (with " …"), or
    left whole when it fits."""
    if len(text) <= limit:
        return text
    cut = 0
    for match in _CLAUSE_BREAK.finditer(text):
        if match.start() > limit - 2:
            break
        if match.start() >= limit // 2:
            cut = match.start()
    if cut:
        return text[:cut].rstrip(" ,;:") + " …"
    return text[: limit - 2].rsplit(" ", 1)[0].rstrip(" ,;:") + " …"
