"""Paper identity and card GUIDs are stable and derived from identity, never from text."""

from __future__ import annotations

import pytest

from studyapp.identity import card_guid, fold_title, normalize_arxiv_id, paper_identity


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2402.04291", "2402.04291"),
        ("2402.04291v3", "2402.04291"),
        ("arXiv:2401.15024", "2401.15024"),
        (" 2312.00752 ", "2312.00752"),
        ("0704.0001", "0704.0001"),
        ("cs.LG/0601001v2", "cs.LG/0601001"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("2402.0429", "2402.0429"),
        ("not an id", None),
        ("2402.04291.pdf", None),
        ("", None),
    ],
)
def test_normalize_arxiv_id(raw: str, expected: str | None) -> None:
    assert normalize_arxiv_id(raw) == expected


def test_titles_fold_case_punctuation_and_width() -> None:
    assert fold_title("BiLLM: Pushing the Limit of Post-Training Quantization for LLMs") == (
        "billm pushing the limit of post training quantization for llms"
    )
    assert fold_title("ＢｉＬＬＭ —  pushing") == "billm pushing"
    assert fold_title("대규모 언어 모델의 양자화") == "대규모 언어 모델의 양자화"


def test_identity_prefers_the_arxiv_id_and_ignores_versions() -> None:
    assert paper_identity(arxiv_id="2402.04291v2", title="BiLLM") == "arxiv:2402.04291"
    assert paper_identity(arxiv_id="2402.04291", title="another title") == "arxiv:2402.04291"


def test_identity_falls_back_to_the_folded_title() -> None:
    assert paper_identity(arxiv_id=None, title="Notes: RLHF, again!") == "title:notes rlhf again"
    long_title = "word " * 200
    identity = paper_identity(arxiv_id=None, title=long_title)
    assert identity.startswith("title-sha256:") and len(identity) <= 300


@pytest.mark.parametrize(
    ("arxiv_id", "title", "message"),
    [("garbage", "x", "not an arXiv id"), (None, "  —  ", "at least one word")],
)
def test_identity_refuses_what_identifies_nothing(
    arxiv_id: str | None, title: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        paper_identity(arxiv_id=arxiv_id, title=title)


def test_card_guid_depends_on_identity_and_kind_only() -> None:
    method = card_guid("arxiv:2402.04291", "method_idea")
    assert method == card_guid("arxiv:2402.04291", "method_idea")
    assert method != card_guid("arxiv:2402.04291", "headline_number")
    assert method != card_guid("arxiv:2402.04292", "method_idea")
    # Pinned: a change here would make every user's Anki notes duplicate on the next export.
    assert method == "D9Ic4e`Ol/"
