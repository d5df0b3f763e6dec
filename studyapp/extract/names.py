"""What a name looks like: the tokens names are made of, the words that are never names, the
name heading a title, and the name-like phrases of a sentence (with the short forms defined
beside them). :mod:`studyapp.extract.methods` weighs these candidates; this module only finds
them.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "FUNCTION_WORDS",
    "GENERIC",
    "JOINING",
    "MAX_NAME",
    "Mention",
    "capitalised",
    "is_name",
    "looks_coined",
    "mentions",
    "name_key",
    "title_head",
    "title_name",
]

#: Longest method name: real ones are a word or a few ("Large Multi-View Gaussian Model");
#: a longer run of letters is not a name, and would not fit where papers are stored.
MAX_NAME = 80

# A name-like token: starts with a letter or digit, may hold digits, hyphens, dots and the
# marks names carry (AtP*, VILA², Δ-iris, λ-ECLIPSE, M²UGen).
_LETTER = r"A-Za-zΑ-Ωα-ω"
_MARKS = r"²³¹⁰⁴⁵⁶⁷⁸⁹⁺ⁿ₀₁₂₃₄₅₆₇₈₉*+′"
_TOKEN = (
    rf"(?:[{_LETTER}0-9][{_LETTER}0-9{_MARKS}]*(?:[-.&][{_LETTER}0-9][{_LETTER}0-9{_MARKS}]*)*)"
)
_NAME = re.compile(rf"^{_TOKEN}$")
# An acronym: two capitals or a capital and a digit somewhere (SEA, MTA, GPT4o, o1-X).
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z0-9]|.*[0-9].*[A-Z])[A-Za-z0-9][A-Za-z0-9\-.²*]*$")
_WORD_START = rf"(?<![{_LETTER}0-9\-.&])"
# Up to four words of a multi-word name, each capitalised or a short joining word between
# them: "Stable Audio", "Command A", "Landscape of Thoughts".
_CAP_TOKEN = rf"(?:[A-Z0-9Α-Ω]{_TOKEN[3:]}"
_PHRASE = rf"{_WORD_START}{_TOKEN}(?:\s(?:(?:of|for|on|in|and|the|a|to)\s)?{_CAP_TOKEN}){{0,3}}"
_PHRASE_RE = re.compile(rf"['‘\"“]?(?P<name>{_PHRASE})")
_LONG_FORM = re.compile(r"[A-Z][A-Za-z0-9-]*(?:\s+[A-Za-z][A-Za-z0-9-]*){1,6}")
_PAREN_AFTER = re.compile(r"\s*\((?P<inner>[^()]{1,120})\)")

# Words that are never a paper's own method, however they are capitalised.
GENERIC = frozenset(
    """ai llm llms mllm mllms vlm vlms lmm lmms lm lms slm slms gpt transformer transformers model
    models method methods framework frameworks approach network networks algorithm benchmark
    benchmarks dataset datasets data paper study survey review position tutorial overview
    introduction abstract cnn cnns rnn gan gans vae mlp nlp rl rlhf sft sota api gpu gpus cpu
    ui qa we this our the a an new novel it its they in on of for and agent agents system
    systems tool tools task tasks module architecture pipeline technique strategy policy
    encoder decoder attention diffusion code github arxiv table figure section appendix
    experiment experiments results evaluation baseline baselines vs etc ie eg ms""".split()
)
JOINING = frozenset({"of", "for", "on", "in", "and", "the", "a", "to", "&", "with", "via"})
FUNCTION_WORDS = JOINING | {"an", "or", "from", "at", "by", "is", "are", "be", "as"}
FUNCTION_WORDS |= {"does", "do", "not", "beyond", "towards", "toward", "how", "when", "why"}
FUNCTION_WORDS |= {"what", "can", "your", "you", "all", "need", "we", "our"}


# "자기 인과(Self-causal)": an English gloss after a Korean term is a translation.
_GLOSS_BEFORE = re.compile(r"[가-힣]\s*\($")
_TITLE_SENTENCE = re.compile(r"[?!]\s+(?=\S)")
_TRAILING_ACRONYM = re.compile(r"\((?P<acronym>[^()]{2,20})\)\s*$")
_HEAD_COLON = re.compile(r"^(?P<head>[^:]{1,80}?)\s*(?::\s|\s[-–—]\s)")
_HEAD_GLUED = re.compile(r"^(?P<head>[^\s:]{2,40}):(?=[A-Z])")
_REPORT = re.compile(
    r"^(?P<head>.+?)\s+(?:Technical Report|Tech Report|Model Card|System Card|Report)$",
    re.IGNORECASE,
)
_HEAD_COMMA = re.compile(r"^(?P<head>[^\s,]{2,40}),\s")
_COINED_INSIDE = re.compile(rf"[A-Z0-9{_MARKS}]")
_PARTS = re.compile(r"[;,]\s*")
_LOWER_NAME = re.compile(r"[a-z][a-z0-9]{2,20}")
_HAS_LETTER = re.compile(rf"[{_LETTER}]")


def title_name(title: str) -> str | None:
    """The name in a title: ``BiLLM`` in "BiLLM: Pushing …", ``BPT`` in "… Models (BPT)"."""
    name, _strength = title_head(title)
    return name


def title_head(title: str) -> tuple[str | None, float]:
    """The name heading a title, and how sure that is: 10 for a name that heads it outright
    ("BiLLM: …"), 4 or 5 for a phrase the summary must confirm ("Landscape of Thoughts: …"),
    ``(None, 0)`` for none."""
    # "Can a Single Model …? CALM: A Unified …": the name heads the title's last sentence.
    title = _TITLE_SENTENCE.split(title)[-1]
    trailing = _TRAILING_ACRONYM.search(title)
    if trailing and _ACRONYM.match(trailing.group("acronym")) and is_name(trailing["acronym"]):
        return trailing.group("acronym"), 10.0
    report = _REPORT.match(title)
    if report and is_name(report.group("head")) and len(report.group("head").split()) <= 4:
        return report.group("head"), 10.0  # "EXAONE 3.0 Technical Report"
    # ": " (and ":" glued to a capital, "Any2Caption:Interpreting"), a dash between spaces,
    # or a comma after a single name ("HuatuoGPT-Vision, Towards …"). The colon of
    # "N:M sparsity" does not split a title.
    colon = _HEAD_COLON.match(title) or _HEAD_GLUED.match(title)
    comma = None if colon else _HEAD_COMMA.match(title)
    split = colon or comma
    if split is None:
        return None, 0.0
    head = split.group("head").strip()
    words = head.split()
    if len(words) == 1 and _LOWER_NAME.fullmatch(head) and head not in FUNCTION_WORDS | GENERIC:
        return head, 10.0  # "gsplat: An Open-Source Library …": a name in lower case
    if len(words) == 1:
        coined = looks_coined(head) or comma is None
        # In capitals, even a word is a coined name ("CODE: Confident Ordinary …").
        shouted = head.isupper() and len(head) >= 4 and bool(_NAME.match(head))
        return (head, 10.0) if coined and (is_name(head) or shouted) else (None, 0.0)
    if comma or len(words) > 4 or len(head) > MAX_NAME:
        return None, 0.0
    if words[0] == "The" and len(words) <= 3 and all(capitalised(w) for w in words[1:]):
        return head, 10.0  # "The Well", "The Pile"
    if words[0].lower() in FUNCTION_WORDS or words[-1].lower() in FUNCTION_WORDS - {"a"}:
        return None, 0.0
    if words[0].endswith("ing") and not any(looks_coined(w) for w in words):
        return None, 0.0  # "Predicting Rewards Alongside Tokens" describes, it does not name
    inner = words[1:-1]
    if any(w.lower() in FUNCTION_WORDS and w != "A" for w in words):
        # "Landscape of Thoughts": a name only if the summary says so (see find_method).
        if not all(w[:1].isupper() or w.lower() in JOINING for w in words):
            return None, 0.0
        if any(w.lower() not in JOINING for w in inner if not w[:1].isupper()):
            return None, 0.0
        return head, 4.0
    if not all(capitalised(w) for w in words):
        return None, 0.0
    if all(w.lower() in GENERIC for w in words):
        return None, 0.0
    return head, 10.0 if len(words) <= 3 else 5.0


def capitalised(word: str) -> bool:
    """A word that can be part of a name: capitalised, a number or coined ("v3.1", "o1")."""
    return word[:1].isupper() or word[:1].isdigit() or looks_coined(word)


def looks_coined(token: str) -> bool:
    """A coined name rather than an English word: inner capitals, digits or marks."""
    return bool(_COINED_INSIDE.search(token, 1)) or token.isupper()


class Mention(NamedTuple):
    name: str
    start: int
    #: Past a parenthesis that follows the name.
    end: int
    #: The long form a short form stands for: "Multi-Token Attention" for MTA.
    long_form: str | None = None
    #: Defined inside a Korean term's parenthesis: "직접 선호 최적화(… ; DPO)".
    glossed: bool = False


def mentions(sentence: str) -> list[Mention]:
    """The name-like phrases of a sentence. A defined short form stands for its long form
    (``Multi-Token Attention(MTA)`` and ``멀티 토큰 어텐션(Multi-Token Attention; MTA)`` are
    MTA); a gloss after a Korean term (``자기 인과(Self-causal)``) is no name."""
    out: list[Mention] = []
    consumed = 0
    for match in _PHRASE_RE.finditer(sentence):
        if match.start() < consumed:
            continue
        opening = sentence.rfind("(", 0, match.start())
        if opening >= 0 and _GLOSS_BEFORE.search(sentence, 0, opening + 1):
            closing = sentence.find(")", match.start())
            if closing >= 0 and sentence.rfind(")", opening, match.start()) < 0:
                # Inside "한국어 용어(English Term; ACR)": only an acronym there is a name.
                consumed = closing + 1
                inner = sentence[opening + 1 : closing]
                short = _short_form(inner)
                if short:
                    long_form = _PARTS.split(inner)[0]
                    out.append(Mention(short, opening, closing + 1, long_form, glossed=True))
                continue
        name, start, end = _trimmed(match)
        paren = _PAREN_AFTER.match(sentence, end) if name else None
        if paren and len(paren.group("inner").strip()) <= 3 and not _short_form(paren["inner"]):
            consumed = paren.end()  # a formula's function, "Jrobust(θ)"
            continue
        if paren:
            consumed = paren.end()
            short = _short_form(paren.group("inner"))
            if short and name_key(short) != name_key(name or ""):
                out.append(Mention(short, start, paren.end(), name))  # "Long Name(ACR)" is ACR
                continue
            end = paren.end()
            if name and _LONG_FORM.fullmatch(paren.group("inner").strip()):
                # "DCE(Descriptive Caption Enhancement)": the long form is what it stands for.
                out.append(Mention(name, start, end, paren.group("inner").strip()))
                continue
        if name:
            out.append(Mention(name, start, end))
    return out


def _short_form(inner: str) -> str | None:
    """The acronym that ends a parenthesis: "(Stochastic Error Ascent; SEA)" → SEA."""
    short = _PARTS.split(inner)[-1].strip()
    if _ACRONYM.match(short) and is_name(short) and len(short) <= 20:
        return short
    return None


def _trimmed(match: re.Match[str]) -> tuple[str | None, int, int]:
    """A phrase without the generic and function words at its ends ("the new EfficientViT")."""
    start, end = match.start("name"), match.end("name")
    words = match.group("name").split()

    def dropped(word: str) -> bool:
        # A capitalised generic word stays inside a longer name ("LLM Comparator").
        return word.lower() in FUNCTION_WORDS or (
            word.lower() in GENERIC and (word.islower() or len(words) == 1)
        )

    while words and (dropped(words[0]) or (len(words) > 1 and not capitalised(words[0]))):
        start += len(words[0]) + 1
        words = words[1:]
    while words and dropped(words[-1]):
        end -= len(words[-1]) + 1
        words = words[:-1]
    if len(words) > 1 and not all(capitalised(w) or w in JOINING for w in words):
        # Not a multi-word name: only its last word can be one ("the SEA는").
        start = end - len(words[-1])
        words = words[-1:]
    name = " ".join(words)
    return (name if words and is_name(name) else None), start, end


def name_key(name: str) -> str:
    return name.casefold()


def is_name(token: str) -> bool:
    """A proper name rather than a word: capitalised, an acronym, or mixed-case/digits."""
    parts = token.split()
    if (
        not parts
        or len(token) < 2
        or len(token) > MAX_NAME
        or not _HAS_LETTER.search(token)
        or not _NAME.match(parts[0])
        or not _NAME.match(parts[-1])
    ):
        return False
    if token.lower() in GENERIC or all(p.lower() in GENERIC | FUNCTION_WORDS for p in parts):
        return False
    first = parts[0]
    return (
        first[:1].isupper()
        or any(c.isupper() for c in first[1:])
        or any(c.isdigit() for c in first)
        or not first[:1].isascii()
    )
