"""The paper's own name for its method or model, or ``None`` when it names nothing.

Where a name comes from, strongest first:

1. the title before ``": "`` when that part is a name (``BiLLM: Pushing …``), or an acronym
   in parentheses at the end of the title (``… Models (BPT)``);
2. a naming phrase in the summary: ``'X'라는 이름의``, ``X라는 새로운 …``, ``called X``;
3. a proposal: ``X를 제안``, ``X을 소개``, ``X 제안``, ``we propose X``, ``introduce X``,
   ``X is introduced``, with ``X`` a name (Latin letters, an acronym, a quoted term), never a
   common noun such as "method" or "방법";
4. an acronym defined in parentheses in a sentence that proposes something
   (``Phased Consistency Model (PCM)을 제안``).

A candidate that is the paper's whole title, or a generic term (LLM, Transformer), is no name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from studyapp.identity import fold_title

__all__ = ["MAX_NAME", "find_method", "title_name"]

#: Longest method name: real ones are a word or a few ("Large Multi-View Gaussian Model");
#: a longer run of letters is not a name, and would not fit where papers are stored.
MAX_NAME = 80

# A name-like token: starts with a letter, may hold digits, hyphens and dots inside
# (EfficientViT-SAM, EVA-02, Show-1, Llama-2.5).
_NAME_TOKEN = r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
_NAME = re.compile(rf"^{_NAME_TOKEN}$")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9\-]*[A-Z0-9][A-Za-z0-9\-]*$")
# Words that are never a paper's own method, however they are capitalised.
_GENERIC = {
    "ai",
    "llm",
    "llms",
    "mllm",
    "mllms",
    "vlm",
    "vlms",
    "lm",
    "lms",
    "gpt",
    "transformer",
    "transformers",
    "model",
    "models",
    "method",
    "methods",
    "framework",
    "approach",
    "network",
    "networks",
    "algorithm",
    "benchmark",
    "dataset",
    "paper",
    "study",
    "survey",
    "review",
    "position",
    "tutorial",
    "overview",
    "introduction",
    "abstract",
    "cnn",
    "rnn",
    "gan",
    "vae",
    "mlp",
    "nlp",
    "rlhf",
    "sota",
    "api",
    "gpu",
    "gpus",
    "cpu",
    "ui",
    "qa",
    "we",
    "this",
    "our",
    "the",
    "a",
    "an",
    "new",
    "novel",
    "it",
    "its",
    "they",
    "in",
    "on",
    "of",
    "for",
    "and",
}
_FUNCTION_WORDS = {
    "the",
    "a",
    "an",
    "of",
    "for",
    "to",
    "from",
    "and",
    "or",
    "with",
    "in",
    "on",
    "at",
    "by",
    "via",
    "is",
    "are",
    "does",
    "do",
    "not",
    "be",
    "&",
    "beyond",
    "as",
}
_QUOTED = r"['‘\"“](?P<quoted>[^'’\"”]{2,60})['’\"”]"
_PAREN = r"(?:\s*+\((?P<paren>[^)]{1,120})\))?"
# A multi-word name continues only with capitalised words ("Stable Audio", not "Fig-Tune closes").
_CAPITAL_TOKEN = r"[A-Z0-9][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
# A name starts where a word starts, not inside one ("Net" in "PetalNet", "Bar" in "Foo-Bar"):
# tried from every letter of a long word, the patterns below would take quadratic time.
_WORD_START = r"(?<![A-Za-z0-9])(?<![A-Za-z0-9][-.])"
_CANDIDATE = (
    rf"(?:{_QUOTED}|{_WORD_START}(?P<name>{_NAME_TOKEN}(?:\s{_CAPITAL_TOKEN}){{0,3}})){_PAREN}"
)

# Whitespace is taken possessively (``\s*+``) where giving it back could never make a match:
# on a long run of spaces, backtracking would cost quadratic time.
# Korean: the candidate sits right before a particle and a naming or proposing verb.
_KO_NAMING = re.compile(
    rf"{_CANDIDATE}\s*+(?:이라는|라는|이라고\s*하는|라고\s*하는|이라\s*불리는|라\s*불리는)\s*+"
    r"(?:[가-힣]+\s+){0,2}?"
    r"(?:이름|새로운|새롭고|새|간단한|간단하고|단순한|효율적인|경량|통합|범용|방법|방식|모델|"
    r"프레임워크|기법|접근|알고리즘|시스템|아키텍처|구조|모듈|기술|도구|에이전트|파이프라인)"
)
_KO_PROPOSAL = re.compile(
    rf"{_CANDIDATE}\s*+(?:을|를|이|가|은|는)?+\s*+"
    r"(?:제안|소개|제시|발표|출시|공개(?=했|하였|합니|한다|함)|선보)"
)
# English: "we propose X", "introduce X, a …", "called X", "X is proposed".
_EN_NAMING = re.compile(rf"\b(?:called|named|dubbed|termed)\s+{_CANDIDATE}")
_EN_PROPOSAL = re.compile(
    rf"\b(?:propose|proposes|proposed|introduce|introduces|introduced|present|presents|"
    rf"presented|release|releases|unveil|unveils)\s+(?:(?:a|an|the)\s+)?"
    rf"(?:(?:new|novel|simple|general|unified|scalable)\s+)*"
    rf"(?:(?:method|model|framework|approach|technique|architecture|algorithm|system),?\s+)?"
    rf"{_CANDIDATE}"
)
# Definitions: "X는 … 방법이다", "X is a framework that …".
_KO_DEFINITION = re.compile(
    rf"^{_CANDIDATE}\s*(?:은|는)\s.*(?:방법|모델|기법|프레임워크|알고리즘|아키텍처|방식|시스템)"
    r"(?:이다|입니다|이며|임)"
)
_EN_DEFINITION = re.compile(
    rf"^{_CANDIDATE}\s+is\s+(?:a|an)\s+(?:\w+\s+){{0,3}}?"
    r"(?:method|model|framework|technique|algorithm|architecture|approach|system)\b"
)
_EN_PASSIVE = re.compile(
    rf"{_CANDIDATE}(?:\s*+,)?+\s++(?:is|was)\s+(?:proposed|introduced|presented)"
)
_DEFINED_ACRONYM = re.compile(
    r"(?P<long>[^\W\d_][\w\- ]{2,80}?)\s*\((?P<short>[A-Z][A-Za-z0-9\-]{1,15})\)"
)
_PROPOSES = re.compile(r"제안|소개|제시|propose|introduce|present", re.IGNORECASE)


def title_name(title: str) -> str | None:
    """The name in a title: ``BiLLM`` in "BiLLM: Pushing …", ``BPT`` in "… Models (BPT)"."""
    trailing = re.search(r"\((?P<acronym>[A-Z][A-Za-z0-9\-]{1,15})\)\s*$", title)
    if trailing and _is_name(trailing.group("acronym")):
        return trailing.group("acronym")
    # ": " only: the colon of "N:M sparsity" does not split a title.
    head, sep, _ = title.partition(": ")
    if not sep:
        return None
    head = head.strip()
    words = head.split()
    if not 1 <= len(words) <= 3 or len(head) > MAX_NAME:
        return None
    if any(w.lower() in _FUNCTION_WORDS for w in words):
        return None
    if not all(w[:1].isupper() or w[:1].isdigit() for w in words):
        return None
    if len(words) == 1 and not _is_name(words[0]):
        return None
    return head


def find_method(
    title: str, sentences: Sequence[str], *, name_hint: str | None = None
) -> str | None:
    """The method or model the paper names as its own, or ``None``."""
    if name_hint and _is_name(name_hint):
        return name_hint
    from_title = title_name(title)
    if from_title:
        return from_title
    folded_title = fold_title(title)
    for pattern in (
        _KO_NAMING,
        _EN_NAMING,
        _KO_PROPOSAL,
        _EN_PROPOSAL,
        _EN_PASSIVE,
        _KO_DEFINITION,
        _EN_DEFINITION,
    ):
        for sentence in sentences:
            for match in pattern.finditer(sentence):
                name = _candidate(match, folded_title)
                if name:
                    return name
    for sentence in sentences:
        if not _PROPOSES.search(sentence):
            continue
        for match in _DEFINED_ACRONYM.finditer(sentence):
            short = match.group("short")
            if _is_name(short) and short.lower() not in _GENERIC:
                return short
    return None


def _is_title(candidate: str, folded_title: str) -> bool:
    """Whether a candidate is just the paper's (descriptive) title restated.

    A one- or two-word title that is itself a name ("TinyJudge") is the method's name, so
    restating it is fine; a longer title is a description, not a name.
    """
    return fold_title(candidate) == folded_title and len(folded_title.split()) > 2


def _candidate(match: re.Match[str], folded_title: str) -> str | None:
    paren = match.group("paren")
    quoted = match.group("quoted")
    name = match.group("name")
    # "온라인 AI 피드백(OAIF)", "EAGLE(Extrapolation Algorithm …)": the short form is the name.
    if paren:
        short = paren.split(",")[-1].strip()
        if _ACRONYM.match(short) and short.lower() not in _GENERIC and len(short) <= 15:
            return short
    if quoted:
        quoted = quoted.strip()
        if _is_title(quoted, folded_title) or len(quoted.split()) > 5:
            return None
        return quoted
    if not name:
        return None
    # Drop articles and generic nouns around the name: "the new EfficientViT-SAM".
    words = [
        w for w in name.split() if w.lower() not in _GENERIC and w.lower() not in _FUNCTION_WORDS
    ]
    if not words:
        return None
    candidate = " ".join(words) if _looks_multiword_name(words) else words[0]
    if paren and _ACRONYM.match(candidate) is None and candidate.lower() in _GENERIC:
        return None
    if not _is_name(candidate) or _is_title(candidate, folded_title):
        return None
    return candidate


def _looks_multiword_name(words: list[str]) -> bool:
    """``Stable Audio``, ``Large Multi-View Gaussian Model``: every word capitalised."""
    return len(words) > 1 and all(w[:1].isupper() for w in words)


def _is_name(token: str) -> bool:
    """A proper name rather than a word: capitalised, an acronym, or mixed-case/digits."""
    parts = token.split()
    if not parts or len(token) > MAX_NAME or any(not _NAME.match(p) for p in parts):
        return False
    if token.lower() in _GENERIC:
        return False
    first = parts[0]
    return (
        first[:1].isupper()
        or any(c.isupper() for c in first[1:])
        or any(c.isdigit() for c in first)
    )
