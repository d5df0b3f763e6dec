"""The paper's own name for its method, model, benchmark or dataset, or ``None``.

Every name-like phrase the title and the summary offer is a candidate, and each earns points
for the ways a summary names what a paper brings:

* the title's head before a colon, dash or comma (``BiLLM: Pushing …``, ``HuatuoGPT-Vision,
  Towards …``) or an acronym closing it (``… Models (BPT)``);
* a naming phrase (``X라는 새로운 …``, ``called X``), a proposal (``X를 제안``, ``we propose X``),
  a definition (``X는 … 프레임워크입니다``, ``X is a model that …``) or the short form of a
  defined term in a sentence that proposes (``확률적 오류 상승(Stochastic Error Ascent; SEA)``);
* being what the summary's sentences are about: their subject (``X는 …``, ``X achieves …``),
  above all in the sections that say what is new and how it works.

It loses points where the summary treats it as someone else's: compared against (``X보다``,
``than X``), built on or used (``X를 기반으로``, ``using X``), introduced as existing (``기존 X``,
a background definition) or as one of a list; and it is no name at all when it is a measure the
paper defines (``CD라는 지표``), a translated established term only used (``직접 선호 최적화
(…; DPO)``), a plain word that is only a subject, or what the title studies (``Probing LLaMA``).
A gloss in parentheses (``자기 인과(Self-causal)``) and the paper's whole title are never
names, nor generic words (LLM, Transformer, benchmark). A name heading the title wins outright,
unless it is a slogan of plain words the summary never uses while it proposes a coined name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from studyapp.extract.drafts import Role
from studyapp.extract.names import (
    is_name,
    looks_coined,
    mentions,
    name_key,
    title_head,
)
from studyapp.extract.text import detect_lang
from studyapp.identity import fold_title

__all__ = ["find_method"]

# ---- Sentence cues ----------------------------------------------------------------------

_CREATION_VERBS = (
    r"제안|소개|제시|개발|설계|구축|고안|선보|발표|출시|도입|만들었|"
    r"\b(?:propos\w*|introduc\w*|present\w*|develop\w*|design\w*|buil[dt]\w*|releas\w*)\b"
)
_KO_NAMING_AFTER = re.compile(
    r"^['’\"”]?\s*(?:이라는|라는|이라고\s*하는|라고\s*하는|이라\s*불리는|라\s*불리는|로\s*명명|"
    r"이라고\s*명명|라고\s*명명|이라\s*이름|라\s*이름)"
)
_EN_NAMING_BEFORE = re.compile(r"\b(?:called|named|dubbed|termed|coined)\s*$", re.IGNORECASE)
_EN_PROPOSAL_BEFORE = re.compile(
    r"\b(?:propose|proposes|proposed|introduce|introduces|introduced|present|presents|"
    r"presented|release|releases|unveil|unveils|develop|develops|developed|build|builds|"
    r"built)\s+(?:(?:a|an|the|our)\s+)?(?:(?:new|novel|simple|general|unified|scalable|"
    r"efficient|open|first)[\s,]+)*(?:(?:\w+-)?(?:method|model|framework|approach|technique|"
    r"architecture|algorithm|system|benchmark|dataset|agent|suite|family|library|tool)"
    r"s?,?\s+)?(?:called\s+|named\s+)?$",
    re.IGNORECASE,
)
_EN_PASSIVE_AFTER = re.compile(
    r"^,?\s+(?:is|was|are)\s+(?:proposed|introduced|presented|developed|designed)", re.IGNORECASE
)
_DEFINITION_NOUNS = (
    r"(?:방법론?|모델|기법|프레임워크|알고리즘|아키텍처|방식|시스템|벤치마크|데이터셋|"
    r"데이터세트|에이전트|도구|라이브러리|플랫폼|파이프라인|접근법|전략|기술|패밀리|시리즈|"
    r"샘플러|인코더|디코더|토크나이저|옵티마이저|스케줄러|어댑터|모듈|손실 함수|"
    r"model|framework|method|technique|algorithm|architecture|approach|system|benchmark|"
    r"dataset|agent|suite|family|library|tool)"
)
# Made by the paper: a creating verb, or "a new model" / "새로운 … 프레임워크".
_CREATION = re.compile(
    rf"{_CREATION_VERBS}|(?:새로운|새롭게|\bnew\b|\bnovel\b|\bour\b)\s+(?:\S+\s+){{0,2}}?"
    rf"{_DEFINITION_NOUNS}",
    re.IGNORECASE,
)
_KO_DEFINITION_AFTER = re.compile(
    rf"^\s*(?:은|는)\s.{{0,200}}?{_DEFINITION_NOUNS}\s*(?:이다|입니다|이며|으로|로|임|이자)"
)
_EN_DEFINITION_AFTER = re.compile(
    rf"^\s+(?:is|are)\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,5}}?{_DEFINITION_NOUNS}\b", re.IGNORECASE
)
# "X를 제안", "X(Full Name)을 소개", "X) 기법을 제안" (the name closing a parenthesis).
_KO_PROPOSAL_AFTER = re.compile(
    rf"^['’\"”)]?\s*(?:\([^()]{{1,120}}\)\s*)?(?:{_DEFINITION_NOUNS}\s*)?(?:을|를|이|가|은|는)?\s*"
    r"(?:제안|소개|제시|발표|출시|선보|개발|구축|고안|도입|만들|"
    r"공개(?=했|하였|합니|한다|함|하며|하고))"
)
# What makes a name the sentence's subject: a particle after it (with a generic noun between,
# "X 모델은"), or, in English, a verb.
_KO_SUBJECT_AFTER = re.compile(rf"^\s*(?:{_DEFINITION_NOUNS}\s*)?(?:은|는|이|가)(?=[\s,])")
_EN_SUBJECT_AFTER = re.compile(r"^\s+(?!of\b|and\b|or\b|to\b|in\b)[a-z]{2,}s?\b")
# A sentence opener that may come before its subject: "제안된 X는", "새로운 X는", "본 논문의 X는".
_SUBJECT_OPENER = re.compile(
    r"^(?:[^,]{1,20},\s+)?(?:(?:이|본|이번)\s*(?:논문|연구)(?:에서|의|에서는)?\s*(?:제안(?:된|한|하는))?\s*|"
    r"제안(?:된|한|하는)\s+|새로운\s+|새롭게\s+|우리의\s+|저자들의\s+|연구진의\s+|또한,?\s+|"
    r"특히,?\s+|한편,?\s+|(?:the\s+)?(?:proposed|resulting|new|our)\s+|(?:the|our)\s+)*",
    re.IGNORECASE,
)
# Someone else's: compared against, or existing ("기존 X", "X보다", "than X") ...
_COMPARED_BEFORE = re.compile(
    r"(?:기존(?:의)?[^,.]{0,20}?(?:인|인\s)?|이전(?:의)?|such as|including|e\.g\.,?|like|than|"
    r"over|vs\.?|versus|outperforms?|beats?|surpass(?:es)?|예:|예를 들어|예컨대)\s*$",
    re.IGNORECASE,
)
_COMPARED_AFTER = re.compile(
    r"^['’\"”]?\s*(?:\([^()]{1,80}\)\s*)?(?:모델|방법|기법)?\s*(?:보다|대비|에 비해|"
    r"(?:과|와)\s*(?:같은|비교|유사|동등|견줄|달리)|(?:을|를)\s*(?:능가|뛰어넘|앞서|포함|비롯)|"
    r"등(?:의|을|과|이)?\s|\s+(?:and|or)\s+(?:other|similar))",
)
# ... or built on and used: weaker, since a summary also says it uses its own method.
_USED_BEFORE = re.compile(r"\b(?:using|with|based on|via|on top of)\s*$", re.IGNORECASE)
_USED_AFTER = re.compile(
    r"^['’\"”]?\s*(?:\([^()]{1,80}\)\s*)?(?:모델|방법|기법)?\s*(?:(?:을|를)\s*(?:기반|바탕|사용|활용|"
    r"이용|평가|분석|조사|미세 조정|파인튜닝|개선|확장)|기반(?:의|으로)|-based\b)",
)
_EXISTING = re.compile(
    r"사용되|사용된|사용돼|쓰이|쓰인|널리|일반적|흔히|전통적|기존|최근|"
    r"\b(?:(?:is|are)\s+(?:widely\s+|commonly\s+)?used|widely|commonly|traditional\w*|popular)\b",
    re.IGNORECASE,
)
_MEASURE_AFTER = re.compile(
    r"^['’\"”)]?\s*(?:\([^()]{1,80}\)\s*)?(?:이라는|라는)?\s*(?:새로운\s*)?"
    r"(?:지표|메트릭|척도|측정 지표|평가 지표|점수|metric|score|measure)",
    re.IGNORECASE,
)
_MEASURE_BEFORE = re.compile(r"\b(?:metric|score|measure)\s+(?:called|named)?\s*$", re.I)
_COMPARED = re.compile(
    r"비교|대비|보다|능가|뛰어넘|앞서|우수|\b(?:outperform\w*|than|surpass\w*|beats?)\b",
    re.IGNORECASE,
)
_NAMED = r"[A-Z0-9][A-Za-z0-9\-]+"  # a capitalised word, as list items are
_LIST_BEFORE = re.compile(rf"{_NAMED}['’\"”]?\s*(?:,|와|과|및|\band\b|\bor\b)\s*['‘\"“]?$")
_LIST_AFTER = re.compile(rf"^['’\"”]?\s*(?:,|와|과|및|and\b|or\b)\s*['‘\"“]?{_NAMED}")


_SHOUTED = re.compile(r"[A-Z]{6}")


@dataclass
class _Evidence:
    score: float = 0.0
    #: How many sentences mention it.
    mentions: int = 0
    subject: int = 0
    created: bool = False
    compared: int = 0
    used: int = 0
    #: The long form a short form was defined with: "Open Language Data Initiative (OLDI)".
    long_key: str | None = None
    #: Introduced as a translated term, "직접 선호 최적화(Direct Preference Optimization; DPO)".
    glossed: bool = False
    #: Introduced as a measure ("CD라는 지표", "a metric called X"): what results are read
    #: with, not what the paper makes.
    measure: bool = False
    spellings: dict[str, int] | None = None
    title_spelling: str | None = None


def find_method(
    title: str,
    sentences: Sequence[str],
    *,
    name_hint: str | None = None,
    roles: Sequence[Role] = (),
    lang: str | None = None,
) -> str | None:
    """The method, model, benchmark or dataset the paper names as its own, or ``None``.
    ``lang`` is the summary's language ("ko" or "en"), found from the sentences if not given.
    """
    if name_hint and is_name(name_hint):
        return name_hint
    lang = lang or detect_lang(list(sentences) or [title])
    folded_title = fold_title(title)
    evidence: dict[str, _Evidence] = defaultdict(_Evidence)
    head, strength = title_head(title)
    for index, sentence in enumerate(sentences):
        role = roles[index] if index < len(roles) else Role.PLAIN
        if role is not Role.ASIDE:
            _read_sentence(sentence, role, evidence, korean=lang == "ko")
    if head:
        _merge_short_forms(evidence, name_key(head))
    if head and strength >= 10.0:
        # A name heading the title ("BiLLM: …") is the paper's own; the summary only decides
        # how to spell it when the title shouts it ("DREAMWALTZ"). A head of plain words the
        # summary never uses ("Quiet Tokens: …") is a slogan when the summary proposes a
        # coined name of its own.
        found = evidence.get(name_key(head)) or _Evidence()
        coined = _coined_proposal(evidence, folded_title)
        plain = len(head.split()) > 1 and not any(looks_coined(w) for w in head.split())
        if coined and plain and not found.mentions:
            return coined
        return _spelling(replace(found, title_spelling=head), name_key(head))
    if head:
        evidence[name_key(head)].score = max(evidence[name_key(head)].score, strength)
        evidence[name_key(head)].title_spelling = head
    best: tuple[float, str] | None = None
    for key, found in evidence.items():
        spelled = _spelling(found, key)
        if spelled is None or _is_whole_title(spelled, folded_title):
            continue
        score = _score(found, spelled, folded_title)
        if best is None or score > best[0]:
            best = (score, spelled)
    if best is None or best[0] < 6.0:
        return None
    return best[1]


def _score(found: _Evidence, name: str, folded_title: str) -> float:
    score = found.score
    if found.subject:
        score += min(found.subject, 3) * 1.5
    if found.created:
        score += 2.0
    if found.score >= 6.0:
        score += 0.5 * min(max(found.mentions - 1, 0), 4)
    if found.measure:
        return min(score, 5.0)
    score -= 2.5 * min(found.compared, 2)
    # A name the summary uses that the title also holds ("… Insights from SEED-Bench-R1") or
    # spells out ("UGround" in "Universal Visual Grounding"), unless the title studies it
    # ("Probing LLaMA Across Scales").
    folded = fold_title(name)
    in_title = folded in folded_title.split() or (len(folded) > 3 and folded in folded_title)
    spelled_out = _abbreviates(name, folded_title) or bool(
        found.long_key and fold_title(found.long_key) in folded_title
    )
    if in_title and any(
        (after + " ").startswith(folded + " ") for after in _STUDIED.split(folded_title)[1:]
    ):
        score -= 3.0
    elif found.mentions and (in_title or spelled_out):
        score += 3.0
    if found.score < 7.0 and not spelled_out:
        # Used ("X를 활용하여"), a name is someone else's more often than not; the summary
        # also uses its own method, so only a name it never proposed loses for it.
        score -= 1.0 * min(found.used, 2)
    if found.score < 5.0 and not found.title_spelling:
        # A plain word ("Sampling", "Karakalpak") or a translated term ("직접 선호 최적화
        # (… ; DPO)") is the paper's own only where the summary names, proposes or defines it:
        # being the subject of its sentences is not enough.
        if found.glossed or not looks_coined(name.replace(" ", "")):
            return min(score, 5.0)
    return score


# Title words that make what follows them the object of study, not the paper's own.
_STUDIED = re.compile(
    r"\b(?:probing|evaluating|understanding|analy[sz]ing|exploring|investigating|benchmarking|"
    r"revisiting|rethinking|examining|assessing|testing|interpreting|explaining|dissecting|"
    r"auditing|measuring|characterizing|demystifying|unveiling|attacking|jailbreaking)\s+"
)
_PIECE = re.compile(r"[A-Z][a-z]*|[a-z]+")


def _abbreviates(name: str, folded_title: str) -> bool:
    """Whether a coined name is built from the title's words, in order: each of its pieces
    (``U``, ``Ground``) begins a title word (Universal, Grounding)."""
    pieces = [p.lower() for p in _PIECE.findall(name)]
    if len(pieces) < 2:
        return False
    words = iter(folded_title.split())
    return all(any(word.startswith(piece) for word in words) for piece in pieces)


def _merge_short_forms(evidence: dict[str, _Evidence], key: str) -> None:
    """Count a short form the summary defines for ``key`` as mentions of ``key`` itself."""
    found = evidence[key]
    for other in list(evidence.values()):
        if other.long_key == key and other is not found:
            found.score = max(found.score, other.score)
            found.mentions += other.mentions
            found.subject += other.subject
            found.created = found.created or other.created


def _coined_proposal(evidence: dict[str, _Evidence], folded_title: str) -> str | None:
    """A coined name (HushPrune, SEA) the summary proposes or names and never treats as
    someone else's, when there is exactly one."""
    coined = [
        name
        for key, found in evidence.items()
        if found.score >= 7.0 and not found.compared and fold_title(key) not in folded_title
        and (name := _spelling(found, key)) and looks_coined(name.replace(" ", ""))
    ]  # fmt: skip
    return coined[0] if len(coined) == 1 else None


def _read_sentence(
    sentence: str, role: Role, evidence: dict[str, _Evidence], *, korean: bool
) -> None:
    created = bool(_CREATION.search(sentence))
    subject_start = _SUBJECT_OPENER.match(sentence)
    start = subject_start.end() if subject_start else 0
    seen: set[str] = set()
    for name, span_start, span_end, long_form, glossed in mentions(sentence):
        before, after = sentence[max(0, span_start - 40) : span_start], sentence[span_end:]
        key = name_key(name)
        found = evidence[key]
        found.long_key = name_key(long_form) if long_form else found.long_key
        found.glossed = found.glossed or glossed
        found.measure = found.measure or bool(
            _MEASURE_AFTER.match(after) or _MEASURE_BEFORE.search(before)
        )
        _spell(found, name)
        if key not in seen:
            found.mentions += 1
        # One of a list ("Touchdown, ScienceWorld, ALFWorld라는 세 가지 환경"): named, not its own.
        listed = bool(_LIST_BEFORE.search(before) or _LIST_AFTER.match(after))
        points = 0.0
        # Korean names before its particles and verbs, English after its verbs.
        if korean:
            named = bool(_KO_NAMING_AFTER.match(after))
            proposed = bool(_KO_PROPOSAL_AFTER.match(after))
        else:
            named = bool(_EN_NAMING_BEFORE.search(before))
            proposed = bool(_EN_PROPOSAL_BEFORE.search(before))
            if _EN_PASSIVE_AFTER.match(after):
                points = 6.0
        if named and not listed:
            points = max(points, 8.0)
        if proposed and not listed:
            points = max(points, 7.0)
        at_start = span_start <= start + 1 and not listed
        definition = _KO_DEFINITION_AFTER if korean else _EN_DEFINITION_AFTER
        if at_start and definition.match(after):
            if not created and _EXISTING.search(sentence):
                found.compared += 1  # "NeRF는 … 표현 방법으로 사용된다": background
            else:
                points = max(points, 6.0 if created else 5.0)
        if points:
            found.score = max(found.score, points) + (0.5 if key in seen else 0.0)
        if at_start and key not in seen:
            if (_KO_SUBJECT_AFTER if korean else _EN_SUBJECT_AFTER).match(after):
                found.subject += 1 if role is Role.RESULT else 2
        if _USED_AFTER.match(after) if korean else _USED_BEFORE.search(before):
            found.used += 1
        if _COMPARED_BEFORE.search(before) or _COMPARED_AFTER.match(after):
            found.compared += 1
        elif (created or (role is not Role.NEW and _COMPARED.search(sentence))) and (
            points or at_start
        ):
            # Its own: created here, or the subject of results set against others.
            found.created = True
        seen.add(key)


def _spell(found: _Evidence, name: str) -> None:
    found.spellings = found.spellings or {}
    found.spellings[name] = found.spellings.get(name, 0) + 1


def _spelling(found: _Evidence, key: str) -> str | None:
    """How to write the name: as the title writes it, or as the summary does most often; a
    title name in capitals that is a word, not an acronym ("DREAMWALTZ", not "JPEG-LM"), in
    the summary's spelling when it has one."""
    title = found.title_spelling
    shouted = bool(title and title.isupper() and _SHOUTED.search(title))
    if title and (not shouted or not found.spellings):
        return title
    if not found.spellings:
        return None
    # The summary's most frequent spelling; mixed case before capitals on a tie.
    ranked = sorted(found.spellings.items(), key=lambda item: (-item[1], item[0].isupper()))
    name = ranked[0][0]
    return name if is_name(name) else None


def _is_whole_title(candidate: str, folded_title: str) -> bool:
    """Whether a candidate is just the paper's (descriptive) title restated.

    A one- or two-word title that is itself a name ("TinyJudge") is the method's name, so
    restating it is fine; a longer title is a description, not a name.
    """
    return fold_title(candidate) == folded_title and len(folded_title.split()) > 2
