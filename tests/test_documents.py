"""Reading documents: encodings, and a clear message for every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.extract.documents import (
    DocumentError,
    decode_document,
    normalize_text,
    read_document,
)

KOREAN = "## 메모\n\n- 양자화 방법을 정리했다.\n"


@pytest.mark.parametrize(
    "data",
    [
        KOREAN.encode("utf-8"),
        b"\xef\xbb\xbf" + KOREAN.encode("utf-8"),
        KOREAN.encode("cp949"),
        KOREAN.encode("euc-kr"),
        KOREAN.encode("utf-16"),
        KOREAN.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "cp949", "euc-kr", "utf-16", "crlf"],
)
def test_encodings_korean_files_come_in(data: bytes) -> None:
    assert decode_document(data, source="memo.txt") == KOREAN


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "memo.txt: is empty"),
        (b"  \n\t\n", "memo.txt: is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "memo.txt: looks like a binary file"),
        (b"\x80\x81\xfe\xff" * 10, "memo.txt: is not UTF-8 or CP949/EUC-KR text"),
        (b"\xed\xa0\x80 lone surrogate", "memo.txt: is not UTF-8 or CP949/EUC-KR text"),
        (("\x01\x02\x03 text " * 40).encode(), "memo.txt: looks like a binary file"),
    ],
)
def test_bad_documents_get_one_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(DocumentError) as caught:
        decode_document(data, source="memo.txt")
    assert str(caught.value).startswith(message)


def test_oversized_documents_name_the_size_and_the_limit() -> None:
    with pytest.raises(DocumentError) as caught:
        decode_document(b"a" * (3 * 1024 * 1024 // 2), source="big.md", max_bytes=1024 * 1024)
    assert str(caught.value) == (
        "big.md: is 1.5 MB; the limit is 1 MB. Split it into smaller files."
    )


def test_lone_surrogates_in_pasted_text_are_replaced() -> None:
    text = normalize_text("제목\n\n- 문장 \ud800 끝", source="pasted text")
    assert "\ud800" not in text
    text.encode("utf-8")


def test_reading_files(tmp_path: Path) -> None:
    good = tmp_path / "notes.md"
    good.write_text(KOREAN, encoding="utf-8")
    assert read_document(good) == KOREAN
    with pytest.raises(DocumentError, match="no such file"):
        read_document(tmp_path / "missing.md")
    with pytest.raises(DocumentError, match="is a folder"):
        read_document(tmp_path)
    with pytest.raises(DocumentError, match="the limit is"):
        read_document(good, max_bytes=10)
