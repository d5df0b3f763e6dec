"""Fuzzing the extractor and the import page with generated and deliberately nasty documents.

Hypothesis profiles, chosen with ``HYPOTHESIS_PROFILE`` and used by these tests only: ``ci``, the
default, runs about 2,000 examples, derandomized (the same ones each run, so a failure comes back
without saved state); ``fuzz`` (``make fuzz``) thirty times as many, new each run, failures kept
in ``.hypothesis/`` and replayed first. No deadlines: they would be timing assertions.
"""

from __future__ import annotations

import io
import math
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, event, find, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from studyapp.db import session_factory
from studyapp.extract import Extraction, Format, extract_text
from studyapp.extract.documents import DocumentError, decode_document, normalize_text
from studyapp.extract.markdown import inline_text
from studyapp.extract.names import MAX_NAME
from studyapp.identity import (
    PAPER_KINDS,
    CardKind,
    fold_title,
    normalize_arxiv_id,
    paper_identity,
)
from studyapp.models import Card, CardText, Deck, Paper, PaperText, ReviewState
from tests.conftest import BACKENDS, AuthActions, csrf_token, html

_COMMON: dict[str, Any] = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=100, derandomize=True, database=None, **_COMMON)
settings.register_profile("fuzz", max_examples=3000, **_COMMON)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def budget(share: float, *checks: HealthCheck, **kwargs: Any) -> settings:
    """A test's settings: ``share`` times the profile's base number of examples."""
    skip, examples = [*PROFILE.suppress_health_check, *checks], round(PROFILE.max_examples * share)
    return settings(PROFILE, max_examples=examples, suppress_health_check=skip, **kwargs)


FORMATS: list[Format | None] = [None, *Format]
Post = Callable[..., Any]  # (url, fields, htmx=False) -> response

# ---- Strategies: arbitrary text, and documents built from the pieces summaries are made of ----
SPECIAL = [*"#-*[]()!.:%~`|<>\"'“”\n\t 0123456789xX×배가", "\n\n", "\x00", "\r", "\x1b[0m"]
SPECIAL += ["\x0c", "\u2028", "\ufeff", "\u200d", "\u202e", "\ud800", "\udfff", "０", "٣", "..."]
SPECIAL += ["](", "https://arxiv.org/abs/", "arXiv:", "### ", "## Daily Papers", "e.g. "]
any_char = st.characters(exclude_categories=())  # surrogates (Cs) and controls (Cc) included
texts = st.lists(st.one_of(any_char, st.sampled_from(SPECIAL)), max_size=150).map("".join)
names = st.sampled_from("PetalNet X-2.5 BiLLM EVA-02 한글넷 a".split() + ["Stable Audio"])
numbers = st.one_of(
    st.integers(0, 10**7).map(str),
    st.floats(0, 999, allow_nan=False).map("{:.1f}".format),
    st.sampled_from("1,100 1.6조 두 1e308 NaN ∞ 10^999 ０１２ ٣٤ 2~4 50-60 1.2.3 %%%% 3/4".split()),
    st.sampled_from(["2억 7천만", "9" * 40]),
)
units = st.sampled_from(["", "%", "%p", "배", "x", "×", " times", "B", "K", " tokens", "개"])
TEMPLATES = [
    "{m} achieves {f} faster inference than the baseline.",
    "We propose {m}, which replaces attention by using {f} sparse heads.",
    "It improves accuracy by up to {f} over prior work, e.g. on GSM8K.",
    "Trained on {f} tokens, {m} reaches {f} on MMLU.",
    "{m}은 기존 방법 대비 {f} 향상을 달성했다.",
    "{m}를 제안하며, 어텐션을 {f} 줄이는 방식으로 동작한다.",
    "이 방법은 최대 {f} 빠르다. 하지만 {f}의 데이터로 학습시켰다.",
]
sentences = st.builds(
    lambda t, m, n, u: t.format(m=m, f=n + u), st.sampled_from(TEMPLATES), names, numbers, units
)
arxiv_ids = st.from_regex(r"[0-9]{2}(0[1-9]|1[0-2])\.[0-9]{5}(v[0-9])?", fullmatch=True)
arxiv_ids |= st.sampled_from("cs.LG/0601001 2401.123456 2413.12345 ２４０１.１２３４５".split())
links = st.builds("https://arxiv.org/{}/{}".format, st.sampled_from(["abs", "pdf"]), arxiv_ids)
titles = st.one_of(names, st.builds("{}: {}".format, names, sentences), texts.map(str.strip))
bullets = st.sampled_from(["- ", "* ", "1. ", "• ", "\t- ", "> ", ""])
LINES = ["## Daily Papers (2024-02-08)", "Vote: 21", "Authors: Kim, Lee, +, Park", "", "```"]
LINES += ["| a | 1.5x |", "<script>alert(1)</script>", "<!--", "저자: 김", "..", "Date: x"]
LINES += ["<img src=x onerror=alert(1)>", "[demo](javascript:alert(1))", "<iframe src=x>"]
PAGE_END = "{}\nby Kim, Lee 외 arxiv.org 03/11/2024\nhttps://arxiv.org/pdf/{}\n{}"
lines = st.one_of(
    st.builds(lambda level, title: f"{'#' * level} {title}", st.integers(1, 7), titles),
    st.builds("### [{}]({})".format, titles, links),
    st.builds(str.__add__, bullets, sentences),
    st.sampled_from(LINES),
    links,
    texts,
    # A blog post and the end of an insight page, whole, so that those formats come up often.
    st.builds("{} (ABC) 짧은 평 [Github] [arXiv](v3) Abstract {} ..".format, titles, sentences),
    st.builds(PAGE_END.format, sentences, arxiv_ids, titles),
)
documents = st.lists(lines, min_size=1, max_size=25).map("\n".join)

# ---- What every extraction must satisfy ----------------------------------------------------------
DIGIT_RUN, CONTROL = re.compile(r"[0-9]+"), re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def as_read(source: str) -> tuple[str, str]:
    """The normalised source, whitespace runs made one space; as written, and rendered."""
    text = normalize_text(source, source="fuzz")
    rendered = "\n".join(inline_text(line) for line in text.splitlines())
    return " ".join(text.split()), " ".join(rendered.split())


def assert_storable(value: str) -> None:
    value.encode("utf-8")  # fails on a lone surrogate
    assert not CONTROL.search(value), repr(value)  # no NUL, escape or other control character


def check_extraction(source: str, extraction: Extraction) -> None:
    views = as_read(source)

    def in_source(piece: str) -> bool:
        return any(" ".join(piece.split()) in view for view in views)

    assert extraction.papers
    for paper in extraction.papers:
        assert paper.title == paper.title.strip() and fold_title(paper.title)
        paper_identity(arxiv_id=paper.arxiv_id, title=paper.title)  # can be stored
        if paper.arxiv_id is not None:  # as written, and not the start of a longer number
            assert normalize_arxiv_id(paper.arxiv_id) == paper.arxiv_id
            assert paper.arxiv_id.isascii() and len(paper.arxiv_id) <= 32
            assert re.search(rf"(?<![0-9]){re.escape(paper.arxiv_id)}(?![0-9])", views[0])
        assert paper.method is None or 0 < len(paper.method) <= MAX_NAME
        assert paper.url is None or re.fullmatch(r"https?://\S+", paper.url)
        for value in (paper.title, paper.method or "", *paper.sentences, *paper.authors):
            assert_storable(value)
        for card in paper.cards:
            for value in (card.front, card.back, card.source_sentence or ""):
                assert_storable(value)
            # Numbers are never invented: every run of digits on a card is in the source.
            for run in DIGIT_RUN.findall(f"{card.front} {card.back}"):
                assert in_source(run), (run, card)
            if card.kind is CardKind.HEADLINE_NUMBER:
                assert card.number is not None and card.back == card.number.text
                assert card.number.text in (card.source_sentence or "")
                assert in_source(card.number.text) and math.isfinite(card.number.value)
            else:
                assert card.number is None


def extract_or_refuse(text: str, fmt: Format | None) -> None:
    try:
        extraction = extract_text(text, source="fuzz", fmt=fmt)
    except DocumentError as error:
        assert error.code in {"empty", "binary", "no_paper"}
        outcome = f"refused ({error.code})"
    else:
        check_extraction(text, extraction)
        kinds = sorted({card.kind.value for paper in extraction.papers for card in paper.cards})
        outcome = f"read as {extraction.format.value}, cards {kinds}"
    if currently_in_test_context():
        event(f"{fmt}: {outcome}")


# ---- The extractor and the decoder ---------------------------------------------------------------


@budget(11)
@given(text=texts | documents)
def test_any_text_gives_sound_papers_or_a_document_error_in_every_format(text: str) -> None:
    for fmt in FORMATS:
        extract_or_refuse(text, fmt)


@pytest.mark.parametrize("kind", PAPER_KINDS)
@pytest.mark.parametrize("fmt", Format)
def test_built_documents_reach_every_format_and_card(fmt: Format, kind: CardKind) -> None:
    """The document strategy gets past "no paper", to each detected format and kind of card."""

    def reaches(document: str) -> bool:
        try:
            extraction = extract_text(document, source="fuzz")
        except DocumentError:
            return False
        cards = [card.kind for paper in extraction.papers for card in paper.cards]
        return extraction.format is fmt and kind in cards

    find(documents, reaches, settings=budget(50, phases=[Phase.generate], database=None))


def encode(text: str, codec: str) -> bytes:
    return text.encode(codec, "surrogatepass" if codec.startswith("utf") else "replace")


codec_names = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp949"])
boms = st.sampled_from([b"", b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])
encoded = st.builds(lambda t, c, bom: bom + encode(t, c), documents | texts, codec_names, boms)


@budget(5)
@given(data=st.binary(max_size=300) | encoded, codec=st.sampled_from(["utf-8", "utf-16"]))
def test_any_bytes_decode_to_clean_text_or_a_known_problem(data: bytes, codec: str) -> None:
    try:
        text = decode_document(data, source="fuzz.md", max_bytes=2048)
    except DocumentError as error:
        assert error.code in {"too_large", "empty", "binary", "encoding"}
        return event(f"refused ({error.code})")
    assert_storable(text.replace("\n", " ").replace("\t", " "))
    assert text.strip() and "\r" not in text and unicodedata.is_normalized("NFC", text)
    # A preview sends the decoded text back to be saved: it must read the same a second time,
    # and a file saved from it in any Unicode encoding too.
    assert decode_document(encode(text, codec), source="again", max_bytes=10**7) == text


# ---- The import page -----------------------------------------------------------------------------
TABLES = (Deck, Paper, PaperText, Card, CardText, ReviewState)
#: How the page tells each document problem (in English pages), by the library's codes.
PROBLEM_WORDS = {"too_large": "the limit is", "empty": "is empty", "encoding": "is not UTF-8"}
PROBLEM_WORDS |= {"binary": "looks like a binary file", "no_paper": "No paper was recognised"}


def counts(app: Flask) -> dict[str, int]:
    with session_factory(app)() as session, session.begin():
        count = select(func.count())
        return {t.__tablename__: session.scalar(count.select_from(t)) or 0 for t in TABLES}


@pytest.fixture
def post(client: FlaskClient, auth: AuthActions) -> Post:
    """Posts forms as a signed-in user: bytes as they are, a ``(name, bytes)`` pair as a file."""
    auth.register()
    token = csrf_token(client)

    def send(url: str, fields: dict[str, Any], *, htmx: bool = False) -> Any:
        values: dict[str, Any] = {}
        for name, value in fields.items():
            if isinstance(value, tuple):
                value = FileStorage(io.BytesIO(value[1]), filename=value[0])
            values[name] = FileStorage(io.BytesIO(value)) if isinstance(value, bytes) else value
        boundary, body = encode_multipart({**values, "csrf_token": token})
        kind, headers = f"multipart/form-data; boundary={boundary}", {"HX-Request": "true"}
        return client.post(url, data=body, content_type=kind, headers=headers if htmx else {})

    return send


def library_verdict(data: bytes, fmt: str, source: str) -> str | int:
    """What the command line makes of a document: a problem's code, or how many papers."""
    try:
        text = decode_document(data, source=source)
        return len(extract_text(text, source=source, fmt=Format(fmt) if fmt else None).papers)
    except DocumentError as error:
        return error.code


def assert_no_injected_markup(page: BeautifulSoup) -> None:
    """Nothing from a document runs: no handlers, script links, frames or inline scripts."""
    for tag in page.find_all(True):
        assert tag.name not in ("iframe", "svg", "object", "embed", "style"), tag
        assert not [attr for attr in tag.attrs if attr.lower().startswith("on")], tag
        link = str(tag.get("href") or tag.get("src") or "").strip().lower()
        assert not link.startswith(("javascript:", "data:")), tag
        if tag.name == "script":
            assert str(tag.get("src", "")).startswith("/static/") and not tag.string, tag


def save_fields(page: BeautifulSoup) -> dict[str, Any]:
    """What the preview's save button sends, as a browser sends it: every field, the corrections
    of each paper included (a tick box only when ticked)."""
    form = page.select_one("form.save-form")
    fields = {
        str(e["name"]): str(e.get("value", ""))
        for e in form.select("input[name]")
        if e.get("type") != "checkbox" or e.has_attr("checked")
    }
    for area in form.select("textarea[name]"):
        text = area.get_text()  # the line break after the tag
        text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")  # is not sent
        fields[str(area["name"])] = text
    return fields


def attempt(
    app: Flask, post: Post, fields: dict[str, Any], expected: str | int, **how: Any
) -> None:
    """Posts a preview (a save if ``saving``): the page must agree with the library (``0``: the
    form is refused), only a save may write, and what a preview accepts is then saved."""
    before, htmx = counts(app), how.get("htmx", False)
    response = post("/import" if how.get("saving") else "/import/preview", fields, htmx=htmx)
    assert response.status_code < 500
    page, after = html(response.data), counts(app)
    assert_no_injected_markup(page)
    if isinstance(expected, str) or expected == 0:
        assert response.status_code == 422, response.status_code
        where = ".preview-errors p" if htmx else "form#import-form .error"
        messages = [p.get_text(strip=True) for p in page.select(where)]
        if isinstance(expected, str):
            assert len(messages) == 1 and PROBLEM_WORDS[expected] in messages[0], messages
            assert f"“{how['source']}”" in messages[0], (how, messages)
        assert messages and (htmx or page.select_one("form#import-form textarea"))
        assert after == before
    elif how.get("saving"):
        assert response.status_code == 303, (response.status_code, page.select(".error"))
        assert all(after[table] >= count for table, count in before.items())
        assert after["decks"] - before["decks"] <= 1
    else:
        assert response.status_code == 200
        assert len(page.select("#import-preview .preview-papers > li")) == min(expected, 100)
        assert after == before
        attempt(app, post, save_fields(page), expected, saving=True, htmx=htmx)


FILE_NAMES = ["notes.md", "요약 모음.txt", "digest.markdown", "a" * 240 + ".txt"]
FILE_NAMES += ["<img src=x onerror=alert(1)>.md"]  # shown escaped, or it runs
requests = st.fixed_dictionaries(
    {
        "document": documents | texts,
        "upload": st.none() | st.tuples(st.sampled_from(FILE_NAMES), codec_names),
        "format": st.sampled_from(["", *Format, "bogus"]),
        "target": st.sampled_from(["new"] * 4 + ["existing", "elsewhere"]),
        "deck_id": st.sampled_from(["", "", "", "abc", "999999"]),
        "deck_name": st.sampled_from(["", "  ", "Reading", "<i>덱</i>", "덱 " * 101]),
        "saving": st.booleans(),
        "htmx": st.booleans(),
    }
)


# One user and one database serve all the examples of a test (a deliberate function-scoped
# fixture): each example compares the rows before and after its own requests.
@budget(2.5 / len(BACKENDS), HealthCheck.function_scoped_fixture)
@given(ask=requests)
def test_the_import_page_answers_as_the_library_does(
    app: Flask, post: Post, ask: dict[str, Any]
) -> None:
    fields = dict(ask)
    document, upload, htmx = fields.pop("document"), fields.pop("upload"), fields.pop("htmx")
    if upload is not None:
        source, data = upload[0], encode(document, upload[1])
        fields |= {"text": "", "file": (source, data)}
    else:  # typed, broken UTF-8 included: the server reads it as a browser would send it
        source, fields["text"] = "pasted text", encode(document, "utf-8")
        data = fields["text"].decode("utf-8", "replace").encode("utf-8")
    form_ok = fields["format"] in ["", *Format] and len(fields["deck_name"]) <= 200
    form_ok &= fields["deck_id"] != "abc" and fields["target"] == "new"  # none of theirs named
    expected = library_verdict(data, fields["format"], source) if form_ok else 0
    event(f"{'save' if fields['saving'] else 'preview'}: {expected or 'form refused'}")
    attempt(app, post, fields, expected, saving=fields.pop("saving"), htmx=htmx, source=source)


# ---- The nasty corpus ----------------------------------------------------------------------------
NASTY = Path(__file__).resolve().parent / "data" / "nasty"
#: Documents too large to keep, or impossible in a file (lone surrogates), made here.
GENERATED: dict[str, Callable[[], str]] = {
    "1mb-line": lambda: "# Line\n\n- LineNet improves recall by 4.5% by using " + "long, " * 2**18,
    "200k-lines": lambda: "# Lines\n\n## LineNet: Short\n\n" + "- 2x\n" * 10**5 + "\n" * 10**5,
    "1mb-digits": lambda: "# Digits\n\n- " + "7" * 2**20,
    "1mb-brackets": lambda: "### [" + "[a](" * 2**18 + "\n- 3x faster\n",
    "1mb-spaces": lambda: "# A" + " \u2002" * 2**18 + "B\n\n- called X" + "\u2002" * 2**18 + "x",
    "1mb-names": lambda: "# Names\n\n- " + "Ab1-" * 2**18 + "를 제안 " + "e.g. A " * 2**14,
    "lone-surrogates": lambda: "# Lone\ud800 surrogates\n\n- SurNet\udfff is 2x faster.\n",
}
CASES = sorted(p.name for p in NASTY.iterdir() if p.name != "README.md") + sorted(GENERATED)
#: What each document gives (format detected): how many papers (1 if not listed), or a problem.
EXPECTED: dict[str, str | int] = {
    **dict.fromkeys(["control_nul.txt", "control_flood.txt", "utf16_odd_length.md"], "binary"),
    **dict.fromkeys(["cesu8.md", "latin1.txt"], "encoding"),
    **{"symbols_only_titles.md": "no_paper", "almost_arxiv.md": 8, "bom_middle.md": 2},
    **{"many_headings.md": 251, "mixed_scripts.md": 2, "unclosed_fence.md": 2},
    **{"daily_papers_nasty.md": 3, "blog_listing_nasty.txt": 2},
}


@pytest.mark.parametrize("case", CASES)
def test_nasty_documents_through_the_extractor(case: str) -> None:
    raw = GENERATED[case]() if case in GENERATED else (NASTY / case).read_bytes()
    try:
        text = decode_document(raw, source=case) if isinstance(raw, bytes) else raw
        extraction = extract_text(text, source=case)
    except DocumentError as error:
        assert error.code == EXPECTED.get(case)
        return
    assert len(extraction.papers) == EXPECTED.get(case, 1)
    check_extraction(text, extraction)
    for fmt in [] if case in GENERATED else Format:  # huge ones: as detected only, for time
        extract_or_refuse(text, fmt)


@pytest.mark.parametrize("case", CASES)
def test_nasty_documents_through_the_upload(app: Flask, post: Post, case: str) -> None:
    raw = GENERATED[case]() if case in GENERATED else (NASTY / case).read_bytes()
    data = raw if isinstance(raw, bytes) else encode(raw, "utf-8")
    name = case if "." in case else f"{case}.md"
    # The test above holds EXPECTED to the library's verdict; lone surrogates, sent as bytes
    # (CESU-like), are not UTF-8 text.
    expected = {**EXPECTED, "lone-surrogates": "encoding"}.get(case, 1)
    # Read and previewed by the web process whatever their size: the job worker reads large
    # documents with the same code (test_import_jobs.py checks that path).
    app.config["INLINE_IMPORT_BYTES"] = app.config["MAX_DOCUMENT_BYTES"]
    attempt(app, post, {"file": (name, data)}, expected, source=name)


def test_a_cp949_file_within_the_limit_can_be_saved(app: Flask, post: Post) -> None:
    """CP949 grows by half as UTF-8, as the preview sends it back: it stays within the limit."""
    app.config["MAX_DOCUMENT_BYTES"] = 64 * 1024
    document = "# 메모\n\n## 한글넷: 요약\n\n" + "- 한글넷은 처리 속도를 2.5배 향상시켰다.\n" * 1500
    assert len(document.encode("cp949")) < 64 * 1024 < len(document.encode("utf-8"))
    attempt(app, post, {"file": ("메모.txt", document.encode("cp949"))}, 1, source="메모.txt")
