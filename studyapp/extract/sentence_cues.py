"""What a summary sentence is doing, told by its words: saying how a method works, what it
is, why it is needed, what it achieved, how it was set up or trained, what it is good for.

Each cue is read in the summary's language only (a Korean summary's English words are names
and terms), which keeps the patterns precise and halves the work. The key-idea chooser
(:mod:`studyapp.extract.keyidea`) weighs them; they are vocabulary, not decisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cue:
    """Words that signal one kind of sentence, in each summary language: a Korean summary is
    read for Korean cues only (its English is names and terms), which also halves the work."""

    ko: re.Pattern[str]
    en: re.Pattern[str]

    def count(self, text: str, lang: str) -> int:
        return len((self.ko if lang == "ko" else self.en).findall(text))

    def found(self, text: str, lang: str) -> bool:
        return (self.ko if lang == "ko" else self.en).search(text) is not None


def cue(*, ko: str, en: str, both: str = "") -> Cue:
    shared = f"|{both}" if both else ""
    return Cue(re.compile(ko + shared), re.compile(rf"\b(?:{en})\b{shared}", re.IGNORECASE))


# How it works: means ("통해", "함으로써", "by", "using") and operations (재사용, 추출, 투영,
# mask, retrieve): verbs, not the names of parts ("모듈", "encoder"), which lists of parts
# are full of.
HOW = cue(
    ko=r"통해|통하여|통한|함으로써|으로써|이용하여|이용해|사용하여|사용해|활용하여|활용해|기반으로|"
    r"바탕으로|대신|대체|결합|융합|분해|분할|병합|예측하|계산하여|"
    r"변환|압축|선별|모방|근사|증류|추출|재구성|조건화|정렬하|공유|캐시|재사용|투영|매핑|할당|삽입|"
    r"마스킹|샘플링|가중|필터링|정제|검색하|주입|교체|정규화|클리핑|양자화|가지치기|보간|증강|"
    r"조절|조정|수정하|선택하|세분화|재파라미터화|복원|라우팅|역전|시뮬레이션|분리하|재배치|갱신|"
    r"전파|재정의|제거하|방식으로|단계로",
    en=r"by|using|via|through|instead of|based on|relies on|replac\w*|combin\w*|decompos\w*|"
    r"normali[sz]\w*|distill\w*|leverag\w*|fus\w*|split\w*|partition\w*|mimic\w*|"
    r"approximat\w*|maps?|mapping|encod\w*|predict\w*|reus\w*|shar\w*|project\w*|inject\w*|"
    r"mask\w*|retriev\w*|compress\w*|quantiz\w*|prun\w*|merg\w*|interpolat\w*|sampl\w*|"
    r"filter\w*|align\w*|condition\w*|cach\w*|freez\w*|re-?weight\w*|re-?rank\w*",
)
PROPOSE = cue(ko=r"제안|소개|제시|선보|개발|고안", en=r"propos\w*|introduc\w*|present\w*")
MOTIVATION = cue(
    ko=r"그러나|하지만|한계|제한이 있|어려움|문제점|문제가|도전|과제|기존의|기존\s|최근|"
    r"필요하|필요성|요구하|일반적으로|일반적인|통상적|흔히|전통적|중요한 (?:기술|역할|요소|문제)|"
    r"중요합니다|"
    r"부족|비효율|병목|어렵|취약",
    en=r"however|challeng\w*|limitation\w*|struggle\w*|existing|prior work|recent\w*|"
    r"bottleneck\w*|suffer\w*|remains?|costly|expensive|common|commonly|usually|often|"
    r"typically|widely|poorly understood|little is known|^but|^yet",
)
# A figure is tried only where its digits begin, and digits are never given back: a long run
# of digits must not be rescanned from each of its positions.
RESULT = cue(
    ko=r"달성|능가|향상|우수|뛰어|최고|최첨단|입증|나타났|확인|기록|시사|결과는|결과,|성능을 보",
    en=r"achiev\w*|outperform\w*|surpass\w*|improv\w*|state-of-the-art|sota|matches|results?",
    both=r"(?<!\d)\d++(?:\.\d++)?+\s*+(?:%|배|x|×|점|포인트|points?)",
)
EVALUATION = cue(
    ko=r"평가(?:했|하였|합니|한다|되었|를 수행|에서|하기 위해|하여|를 진행)|"
    r"실험(?:을|에서|했|하였|결과)|검증(?:했|하였|합니)|벤치마크(?:에서|를 통해)|"
    r"테스트(?:했|하였|를)|시험을|평가됩니다|평가되었|검토하였|검토했|평가 방법론",
    en=r"evaluat\w*|experiment\w*|benchmarked|we (?:verify|validate|test)|tested on",
)
# The training schedule, told in figures ("8개의 A100으로 3일", "3 epochs at 1e-4"): set-up.
SCHEDULE = cue(
    ko=r"에폭|에포크|학습률|배치 크기|스텝 동안|시간 동안|일 동안",
    en=r"epochs?|learning rate|batch size|warm-?up|steps? of training|gpu hours?",
    both=r"GPU|A100|H100|TPU",
)
DIGIT = re.compile(r"[0-9]")
BENEFIT = cue(
    ko=r"가능하게|가능케|수 있(?:습니다|다|음|게|으며)|기대|잠재력|유망|중요한 역할|기여할|"
    r"도움이 될|장점|이점|보여 ?줍|보여 ?준다|보여 ?주며|선보입|선보이|사용자는|사용자가|"
    r"지원합니다|지원하며|믿습니다|것이라고|기대됩니다|"
    r"효과적으로 처리|필요성을 제거",
    en=r"enables?|allows?|can be|promising|potential|paves? the way|opens? up|advantages?|"
    r"benefits?",
)
# Framing: what the paper is about or aims at, not how its method works.
FRAMING = cue(
    ko=r"초점을 맞|주요 초점|특징으로 합니다|특징으로 하|목표로 합니다|목표로 하는|목적으로 합니다|"
    r"영감을 받아|영감을 얻어|연구를 수행|분석을 수행|조사를 수행|"
    r"을 다룹니다|를 다룹니다|에 대해 다루|훈련되었|학습되었|사전 학습되었|비교되었|에서 사용되며|"
    r"의 경우|를 위해서는|방어 용도",
    en=r"focus(?:es)? on|aims? to|is trained on|was trained on|were trained on|is designed for|"
    r"inspired by",
)
# The sentence's main predicate says what it is or that it is proposed ("…새로운 접근법을
# 제시합니다", "…프레임워크입니다"): an identity, however much of the how its clauses hold.
IDENTITY_END = cue(
    ko=r"(?:제안|소개|제시|도입|발표|공개)"
    r"(?:합니다|한다|했습니다|하였습니다|하고 있습니다|했다|하였다|되었습니다|되었다|됩니다|된다)"
    r"\.?$|"
    r"(?:프레임워크|모델|방법론?|접근법|접근 방식|벤치마크|데이터셋|시스템|도구|기법|아키텍처|"
    r"솔루션)"
    r"(?:입니다|이다|예요)\.?$",
    en=r"(?:propose|proposes|introduce|introduces|present|presents)\b[^.]*\.?$",
)
# What something is for: "…을 개선하기 위한", "…할 수 있도록", "to improve".
PURPOSE = cue(
    ko=r"위한|위해|위하여|도록|목표로|목적으로",
    en=r"to (?:improve|enhance|address|enable|support|tackle)|aim\w*|for improving",
)
# Background told as a contrast: "X가 도입되었으나 … 제한이 있었다".
CONTRAST = cue(
    ko=r"(?:었|였|았)으나|되었으나|했지만|였지만|었지만|에도 불구하고",
    en=r"although|while [a-z]+ (?:has|have)|despite",
)
# The standard training recipe ("SFT와 DPO로 미세 조정"): how any model is made, not this one.
RECIPE = cue(
    ko=r"지도 미세 조정|미세 조정을 수행|파인튜닝을 수행|강화 학습을 통해 정렬|인간 피드백",
    en=r"supervised fine-tuning|instruction tuning|preference optimi[sz]ation",
    both=r"\b(?:SFT|DPO|RLHF|PPO)\b",
)
# Savings told as the point ("메모리 사용량을 줄이고"): a benefit of the idea, not the idea.
EFFICIENCY = cue(
    ko=r"메모리 사용량을 줄|오버헤드를 줄|계산 비용을 줄|계산량을 줄|효율성을 높|효율적으로",
    en=r"reduc\w* (?:the )?(?:memory|overhead|compute|cost)|more efficient",
)
# A definition of a term ("콘텐츠 필터링은 …하는 과정이다"): a glossary, not the paper.
GLOSSARY = cue(
    ko=r"(?:과정|것|작업|기법)(?:이다|입니다)\.?$|(?:을|를) (?:말합니다|의미합니다|뜻합니다)\.?$",
    en=r"refers to|is defined as|is the process of",
)
# "두 가지 학습 방식을 결합": which two, the card cannot say unless it lists them.
UNNAMED_PARTS = re.compile(r"(?:두|세|네|여러) ?(?:가지|개의|종류의)")
# A sentence added to another ("또한 …", "In addition, …") holds a secondary point.
ADDED = re.compile(r"^(?:또한|아울러|추가로|더불어|게다가|also|in addition|additionally)\b", re.I)
# Symbols of a formula ("Top1(𝒛)", "λ=0.5"): a card is read, not derived.
MATH = re.compile(r"[=∑∏∫√≤≥∈θσμ]|[\U0001D400-\U0001D7FF]")
# "(1) … (2) …": a numbered list inside one sentence, on a card a fragment.
INLINE_LIST = re.compile(r"\(\s*[1-9]\s*\).*\(\s*[2-9]\s*\)")
# Words of the title the summary repeats say the sentence is about the paper's own idea.
TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{3,}")
PLAIN_TITLE_WORDS = frozenset(
    """with from that this their into over under using based large language models model
    learning towards toward through beyond neural deep via for and are can does data efficient
    better scaling framework approach method methods study benchmark dataset generation""".split()
)
# "X는 A와 B로 구성됩니다": the parts named, not what they do.
COMPOSITION = cue(
    ko=r"구성(?:됩니다|되어 있|된다|되며|돼)|이루어져|이뤄져|포함(?:합니다|하며|하고 있|한다)|"
    r"갖추고 있",
    en=r"consists? of|comprises?|contains?|is made up of",
)
# Built on something existing, said as the main predicate: the base, not the new part.
BASED = cue(
    ko=r"기반으로\s*(?:하며|합니다|한다|하고|하는|구축)|기반(?:입니다|이다|이며)",
    en=r"is built (?:on|upon)|builds on|is based on",
)
# The summary saying which part is the idea.
KEY_CUE = cue(
    ko=r"주된 혁신|주요 혁신|핵심 아이디어|핵심은|핵심 기술|핵심 요소는|핵심적인 아이디어",
    en=r"main idea|key idea|key insight|core idea|main innovation|key innovation",
)
# Pointing back inside the sentence: "이 문제를 완화합니다" needs the sentence before.
POINTING_INSIDE = cue(
    ko=r"이 문제|이러한 문제|이 한계|이러한 한계|이 과정|이러한 과정|이를 |이에 |그 결과|"
    r"(?<![가-힣])(?:이|해당)\s[가-힣]{2,6}(?:은|는|을|를|에서|의|에)\s",
    en=r"this problem|this issue|these issues|this limitation|this process",
)
# Figures of the set-up ("1,150개의 샘플", "8개의 범주"): a sentence full of them describes
# the data, not the idea.
FIGURE = re.compile(r"(?<![A-Za-z0-9.\-_])[0-9][0-9,.]*(?![0-9A-Za-z])")
HOUSEKEEPING = cue(
    ko=r"코드|공개|데모|추가\s*자료|프로젝트 페이지",
    en=r"code|available|released|demo|project page",
    both=r"https?://|[Gg]it[Hh]ub",
)
# One step of a procedure ("첫 번째 단계에서는", "Second, …") is not the whole idea.
STEP = re.compile(
    r"^(?:첫 ?번째|두 ?번째|세 ?번째|마지막|[0-9]단계|첫째|둘째|셋째|먼저|다음으로|"
    r"first|second|third|then|finally)\b",
    re.IGNORECASE,
)
# A definition that says what the method is: "X는 … 프레임워크입니다", "a framework that …".
WHAT_IT_IS = cue(
    ko=r"(?:방법론?|모델|기법|프레임워크|알고리즘|아키텍처|방식|시스템|벤치마크|데이터셋|에이전트|도구)"
    r"(?:이다|입니다|을 제안|를 제안|을 소개|를 소개|을 제시|를 제시)",
    en=r"(?:is|as) an? (?:\w+ ){0,4}(?:method|model|framework|approach|system|benchmark|dataset)",
)
