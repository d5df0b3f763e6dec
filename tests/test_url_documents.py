"""The service over the fetcher: a URL's document as text with a deck name, remembering what
each URL sent (per user, and for the shared library) so that a repeat is conditional."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.extract.documents import DocumentError
from studyapp.models import FetchedDocument
from studyapp.services import url_documents
from studyapp.services.fetching import FetchSettings
from tests.factories import make_user
from tests.http_fixtures import DigestServer

DIGEST = (Path(__file__).parent / "data" / "digest_en.md").read_bytes()
KOREAN = (Path(__file__).parent / "data" / "digest_ko.md").read_bytes()
MARKDOWN = {"Content-Type": "text/markdown; charset=utf-8"}


def settings(server: DigestServer) -> FetchSettings:
    """Fetching allowed from the test ``server`` (its host at its port)."""
    return FetchSettings(
        allowed_hosts=frozenset({f"127.0.0.1:{server.port}"}), max_bytes=1024 * 1024, timeout=5
    )


def stored(session: Session) -> list[FetchedDocument]:
    with session.begin():
        return list(session.scalars(select(FetchedDocument).order_by(FetchedDocument.id)))


def test_a_url_document_is_named_by_its_date_and_not_fetched_whole_twice(
    session: Session, digest_server: DigestServer
) -> None:
    path = "/paper_logs/2025/03/14.md"
    digest_server.routes[path] = (200, {**MARKDOWN, "ETag": '"v1"'}, DIGEST)
    url = digest_server.url(path)

    first = url_documents.fetch_document(
        session, user_id=None, url=url, settings=settings(digest_server)
    )
    assert first.name == "2025-03-14" and not first.unchanged
    assert first.text.startswith("## Daily Papers (2025-03-14)")
    [row] = stored(session)
    assert (row.user_id, row.url, row.etag) == (None, url, '"v1"')

    again = url_documents.fetch_document(
        session, user_id=None, url=url, settings=settings(digest_server)
    )
    assert again.unchanged and again.text == ""
    assert digest_server.requests[-1].headers["if-none-match"] == '"v1"'

    # The series fixed a typo: a new ETag, the new text, the new validators.
    digest_server.routes[path] = (200, {**MARKDOWN, "ETag": '"v2"'}, KOREAN)
    changed = url_documents.fetch_document(
        session, user_id=None, url=url, settings=settings(digest_server)
    )
    assert not changed.unchanged and changed.text == KOREAN.decode("utf-8")
    [row] = stored(session)
    assert row.etag == '"v2"'


def test_each_user_and_the_library_have_their_own_memory(
    session: Session, digest_server: DigestServer
) -> None:
    digest_server.routes["/d.md"] = (200, {**MARKDOWN, "ETag": '"v1"'}, DIGEST)
    url = digest_server.url("/d.md")
    with session.begin():
        reader = make_user(session).id
    for user_id in (None, reader, None, reader):
        url_documents.fetch_document(
            session, user_id=user_id, url=url, settings=settings(digest_server)
        )
    with session.begin():
        counted = session.execute(
            select(FetchedDocument.user_id, func.count()).group_by(FetchedDocument.user_id)
        ).all()
    assert sorted(counted, key=str) == sorted([(None, 1), (reader, 1)], key=str)
    # Without remembering, nothing is conditional and nothing is stored.
    digest_server.requests.clear()
    with session.begin():
        other = make_user(session, "other@example.com").id
    fresh = url_documents.fetch_document(
        session, user_id=other, url=url, settings=settings(digest_server), remember=False
    )
    assert not fresh.unchanged and fresh.text
    assert "if-none-match" not in digest_server.requests[0].headers
    assert len(stored(session)) == 2


def test_a_body_that_is_no_text_raises_and_stores_nothing(
    session: Session, digest_server: DigestServer
) -> None:
    digest_server.routes["/d.md"] = (200, {"ETag": '"x"'}, b"\x00\x01PK\x03\x04" * 100)
    with pytest.raises(DocumentError) as refused:
        url_documents.fetch_document(
            session, user_id=None, url=digest_server.url("/d.md"), settings=settings(digest_server)
        )
    assert refused.value.code == "binary"
    assert stored(session) == []


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://raw.githubusercontent.com/o/r/main/paper_logs/2024/05/13.md", "2024-05-13"),
        ("https://example.org/notes/2024-5-3.md", "2024-05-03"),
        ("https://example.org/daily/20240513.txt", "2024-05-13"),
        ("https://example.org/2024/05/13", "2024-05-13"),
        ("https://example.org/2024/13/45.md", "45"),
        ("https://example.org/reading%20notes.md", "reading notes"),
        ("https://example.org/", "example.org"),
    ],
)
def test_a_url_names_its_deck(url: str, name: str) -> None:
    assert url_documents.document_name(url) == name
