"""Section labels in summaries and the roles they give the sentences under them."""

from __future__ import annotations

import pytest

from studyapp.extract.drafts import Role
from studyapp.extract.sections import role_of_label, split_label


@pytest.mark.parametrize(
    ("source", "label", "role", "rest"),
    [
        ("***What's New***: 새 모델을 제안", "What's New", Role.NEW, "새 모델을 제안"),
        ("**Technical Details**: 두 단계", "Technical Details", Role.HOW, "두 단계"),
        ("*Performance Highlights*: 3배", "Performance Highlights", Role.RESULT, "3배"),
        ("**What's New:** 밖의 콜론", "What's New", Role.NEW, "밖의 콜론"),
        ("**Methodology**: 방법", "Methodology", Role.HOW, "방법"),
        ("**Limitations**: 한계", "Limitations", Role.ASIDE, "한계"),
        ("**What's New - Related Work**: 관련", "What's New - Related Work", Role.ASIDE, "관련"),
        ("Key Findings: 결과", "Key Findings", Role.RESULT, "결과"),
        ("실험 결과: 좋다", "실험 결과", Role.RESULT, "좋다"),
        # An emphasised phrase of no known role is a label whose words the caller keeps.
        ("**비전 인코더 (Vision Encoder)**: CLIP", "비전 인코더 (Vision Encoder)", None, "CLIP"),
    ],
)
def test_labels_and_their_roles(source: str, label: str, role: Role | None, rest: str) -> None:
    found, after = split_label(source)
    assert found is not None
    assert (found.text, found.role, after) == (label, role, rest)


@pytest.mark.parametrize(
    "source",
    ["Note: 참고", "The new method: works", "예: 3배", "GPT-4는 좋다: 정말", "결과적으로 새롭다"],
)
def test_sentences_that_only_look_like_labels_stay_sentences(source: str) -> None:
    assert split_label(source) == (None, source)


def test_role_words() -> None:
    assert role_of_label("Implementation details") is Role.HOW
    assert role_of_label("Scaling Up the Image Number") is None
