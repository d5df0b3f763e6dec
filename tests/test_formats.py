"""Format detection and parsing, over documents of our own in every supported shape."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from studyapp.extract import extract_text
from studyapp.extract.drafts import Role
from studyapp.extract.formats import Format, ParsedDocument, detect_format, parse_document

DATA = Path(__file__).parent / "data"


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("digest_en.md", Format.DAILY_PAPERS),
        ("digest_ko.md", Format.DAILY_PAPERS),
        ("insight_ko.txt", Format.INSIGHT_PAGE),
        ("insight_en.txt", Format.INSIGHT_PAGE),
        ("blog_ko.txt", Format.BLOG_LISTING),
        ("notes_en.md", Format.PLAIN_NOTES),
        ("notes_ko.txt", Format.PLAIN_NOTES),
    ],
)
def test_formats_are_detected(name: str, fmt: Format) -> None:
    assert detect_format(read(name)) is fmt


def test_daily_papers_digest() -> None:
    _, doc = parse_document(read("digest_en.md"))
    assert doc.title == "Daily Papers (2025-03-14)"
    assert doc.published_on == date(2025, 3, 14)
    first, second, third = doc.papers
    assert first.title == "LoomKV: Weaving Key-Value Caches Across Requests"
    assert (first.arxiv_id, first.url) == ("2503.01234", "https://arxiv.org/abs/2503.01234")
    assert first.authors == ("Mina Park", "Oliver Grant", "Sara Lind")
    assert first.published_on == date(2025, 3, 14)
    assert first.sentences[0].startswith("Serving many chat sessions")
    assert len(first.sentences) == 4
    # The video line and its raw HTML are not summary sentences; the version is folded away.
    assert second.arxiv_id == "2503.04567"
    assert all("video" not in s for s in second.sentences)
    assert third.authors == ("Priya Raman",)


def test_insight_page_in_korean_with_spanish_interface() -> None:
    _, doc = parse_document(read("insight_ko.txt"))
    (paper,) = doc.papers
    assert paper.title == "Label-Free Segmentation at Scale with Self-Refined Pseudo Masks"
    assert paper.arxiv_id == "2409.05555"
    assert paper.authors == ("Lena Hoffmann", "Tomás Ortega")
    assert paper.translated_title == "라벨 없이 2천만 장의 이미지로 학습한 범용 분할 모델"
    assert doc.published_on == date(2024, 9, 17)
    # Bullets are the summary; interface labels and follow-up answers are not.
    assert any(s.startswith("특징 지도의 유사도로") for s in paper.sentences)
    assert not any("Personalizar" in s or "의료 영상" in s for s in paper.sentences)
    assert any(line.startswith("COCO mIoU") for line in paper.evidence)


def test_insight_page_in_english_with_german_interface() -> None:
    _, doc = parse_document(read("insight_en.txt"))
    (paper,) = doc.papers
    assert paper.title == "Critique-Guided Preference Tuning with Frozen Judges"
    assert paper.authors == ("Ada Novak", "Ravi Menon")
    assert doc.published_on == date(2024, 5, 23)
    assert (
        paper.sentences[0]
        == "A frozen judge writes critiques that steer preference pairs for alignment."
    )
    assert not any("Zusammenfassung" in s or "smaller judge" in s for s in paper.sentences)


def test_blog_listing_splits_posts_and_drops_navigation() -> None:
    _, doc = parse_document(read("blog_ko.txt"))
    titles = [p.title for p in doc.papers]
    assert titles == [
        "Ripple Attention: Linear-Time Attention with Wave Kernels",
        "Sparse Mixture of Adapters for Multilingual Translation",
        "Notes on Tokenizer Drift",
    ]
    ripple, adapters, _ = doc.papers
    assert ripple.sentences[0] == "파동 모양 커널로 어텐션을 근사하는 아이디어가 재밌음"
    assert adapters.name_hint == "SMA"
    assert not any("이전" in s for p in doc.papers for s in p.sentences)


def test_plain_notes_with_several_papers() -> None:
    _, doc = parse_document(read("notes_en.md"))
    assert doc.title == "Reading notes, week 12"
    cascade, reward = doc.papers
    assert cascade.title == "Cascade Draft Decoding"
    assert cascade.arxiv_id == "2503.44444"
    assert cascade.authors == ("Hugo Blanc", "Mei Sato")
    assert cascade.published_on == date(2025, 3, 20)
    assert reward.title == "Why do reward models disagree?"
    assert reward.arxiv_id is None
    assert len(reward.sentences) == 2


def test_plain_notes_about_one_paper() -> None:
    _, doc = parse_document(read("notes_ko.txt"))
    (paper,) = doc.papers
    assert paper.title == "MeltQuant 논문 정리"
    assert len(paper.sentences) == 3


def test_format_can_be_forced() -> None:
    fmt, doc = parse_document(read("digest_en.md"), Format.PLAIN_NOTES)
    assert fmt is Format.PLAIN_NOTES
    assert doc.papers  # the notes parser reads the headings as papers


def eras(name: str) -> ParsedDocument:
    fmt, doc = parse_document(read(f"eras/{name}"))
    assert fmt is Format.DAILY_PAPERS
    return doc


def test_labelled_digests_keep_each_sentence_role_and_drop_the_labels() -> None:
    doc = eras("dp_2024_labels3.md")
    assert len(doc.papers) == 10
    for paper in doc.papers:
        assert len(paper.roles) == len(paper.sentences)
        assert not any(
            s.lstrip("*").startswith(("What", "Technical", "Perf")) for s in paper.sentences
        )
        assert not any("**" in s or "](" in s for s in paper.sentences)
    helix = doc.papers[0]
    assert [r.value for r in helix.roles] == ["new", "new", "how", "how", "result", "result"]
    # Nested bullets and a list of its own after "…다음과 같습니다:" belong to the section.
    orchard = next(p for p in doc.papers if p.title.startswith("OrchardRL"))
    assert orchard.roles.count(Role.HOW) == 4
    kestrel = next(p for p in doc.papers if p.title.startswith("Kestrel-VL"))
    assert Role.PLAIN not in kestrel.roles
    # Other labels by their words: a methodology is how it works, limitations an aside.
    consensus = next(p for p in doc.papers if p.title.startswith("Ground Truth"))
    assert Role.HOW in consensus.roles
    tamarind = next(p for p in doc.papers if p.title.startswith("Tamarind"))
    assert tamarind.roles[-2:] == (Role.ASIDE, Role.ASIDE)
    # "***Technical Details*:" (marks that do not match) is a label all the same.
    fathom = next(p for p in doc.papers if p.title.startswith("Fathom"))
    assert fathom.roles[2] is Role.HOW and fathom.sentences[2].startswith("Fathom은")


def test_several_digests_in_one_file_and_every_label_style() -> None:
    doc = eras("dp_2025_labels2.md")
    assert len(doc.papers) == 9
    assert {p.published_on for p in doc.papers} == {date(2025, 3, 20)}
    titles = [p.title for p in doc.papers]
    # TeX becomes text; a dollar amount stays money.
    assert "κ-Merge: Curvature-Aware Model Merging for Multi-Task Language Models" in titles
    assert "Training a Competitive Reasoning Model for Under $450" in titles
    # Single asterisks and a typographic apostrophe are labels too.
    assert all(Role.NEW in p.roles for p in doc.papers)


def test_the_first_era_reads_plain_bullets_and_skips_media() -> None:
    doc = eras("dp_2023_plain.md")
    assert doc.published_on == date(2023, 11, 24)
    assert len(doc.papers) == 8
    assert any(p.title.startswith("M³Loom:") for p in doc.papers)
    for paper in doc.papers:
        assert set(paper.roles) == {Role.PLAIN}
        assert paper.authors
        assert not any("Watch Video" in s or "<video" in s or "mp4" in s for s in paper.sentences)


def test_vote_lines_and_authors_are_meta_not_summary() -> None:
    doc = eras("dp_2024_vote.md")
    for paper in doc.papers:
        assert not any(s.startswith(("Vote", "Authors")) for s in paper.sentences)
    assert doc.papers[0].authors[-1] != "+"


def test_plain_notes_sections_and_labels_give_roles() -> None:
    notes = (
        "# Notes\n\n## FoldKV: Folding Caches\n\n### Method\n- FoldKV folds old caches.\n\n"
        "### Results\n- Memory drops 4.5x.\n\n## SkimSum\n\n"
        "- **Key idea**: score paragraphs, keep the best.\n- **Limitations**: tables hurt.\n"
    )
    _, doc = parse_document(notes, Format.PLAIN_NOTES)
    fold, skim = doc.papers  # "### Method" is a section of its paper, not a paper
    assert (fold.title, fold.roles) == ("FoldKV: Folding Caches", (Role.HOW, Role.RESULT))
    assert skim.roles == (Role.NEW, Role.ASIDE)
    assert skim.sentences[0] == "score paragraphs, keep the best."


@pytest.mark.parametrize(
    ("line", "votes"),
    [("Vote: 21", 21), ("Votes: 1,204", 1204), ("Upvotes: 0", 0), ("Vote: -", None), ("", None)],
)
def test_a_digest_s_vote_line_gives_the_paper_s_votes(line: str, votes: int | None) -> None:
    heading = "## Daily Papers (2024-05-13)\n\n### [A Paper](https://arxiv.org/abs/2405.00001)"
    digest = f"{heading}\n\n{line}\n\n- It works.\n"
    [paper] = extract_text(digest, source="d").papers
    assert paper.votes == votes
    assert paper.to_json()["votes"] == votes
