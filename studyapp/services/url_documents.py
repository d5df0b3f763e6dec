"""A summary document from a URL, as text, remembering what each URL sent last time so that
fetching it again is a conditional request and an unchanged document is not imported twice."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from studyapp.db import run_write_unit, write_unit
from studyapp.extract.documents import decode_document
from studyapp.models import FetchedDocument, utcnow
from studyapp.services.fetching import Fetched, FetchSettings, fetch

__all__ = ["UrlDocument", "document_name", "fetch_document", "forget_document"]


@dataclass(frozen=True, slots=True)
class UrlDocument:
    """A fetched document's text and a deck name for it, or (``unchanged``, with no text)
    word that it is the same as when it was last fetched."""

    url: str  # the URL as asked for
    text: str  # empty when unchanged
    name: str  # a deck name from the URL: "2024-05-13" for .../2024/05/13.md
    unchanged: bool


# A date at the end of a path, in one segment or across three: 2024/05/13, 2024-05-13,
# 2024_5_13, 20240513.
_DATE_AT_END = re.compile(
    r"(?:^|\D)(?P<y>\d{4})(?:[-_/.](?P<m>\d{1,2})[-_/.](?P<d>\d{1,2})"
    r"|(?P<m2>\d{2})(?P<d2>\d{2}))$"
)


def document_name(url: str) -> str:
    """A deck name for the document at ``url``: the date its last path segments spell, as
    YYYY-MM-DD, else the last segment without its extension, else the host."""
    parts = urlsplit(url)
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if not segments:
        return parts.hostname or url
    stem = PurePosixPath(segments[-1]).stem or segments[-1]
    found = _DATE_AT_END.search("/".join([*segments[-3:-1], stem]))
    if found:
        month, day = found["m"] or found["m2"], found["d"] or found["d2"]
        try:
            return date(int(found["y"]), int(month), int(day)).isoformat()
        except ValueError:
            pass  # 2024/13/45 is no date: fall back to the file's name
    return stem


def _url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _owned_by(user_id: int | None) -> ColumnElement[bool]:
    column = FetchedDocument.user_id
    return column.is_(None) if user_id is None else column == user_id


def _stored(session: Session, user_id: int | None, url: str) -> FetchedDocument | None:
    query = select(FetchedDocument).where(
        _owned_by(user_id), FetchedDocument.url_hash == _url_hash(url)
    )
    return session.scalars(query).one_or_none()


def fetch_document(
    session: Session,
    *,
    user_id: int | None,
    url: str,
    settings: FetchSettings,
    remember: bool = True,
) -> UrlDocument:
    """Fetch and decode the document at ``url`` for ``user_id`` (None: the shared library).

    With ``remember``, the validators stored for this user and URL make the request
    conditional, and the new ones (with the body's SHA-256) are stored in one short write.
    ``unchanged`` is True only when the server answered 304 to validators stored here.
    Raises :class:`~studyapp.services.fetching.FetchError` subclasses, and
    :class:`~studyapp.extract.documents.DocumentError` for a body that is no text document;
    nothing is stored then.
    """
    known: tuple[str | None, str | None, str] | None = None
    if remember:
        with session.begin():
            row = _stored(session, user_id, url)
            if row is not None:
                known = (row.etag, row.last_modified, row.content_sha256)
    etag, last_modified, content_sha256 = known or (None, None, "")
    fetched = fetch(url, settings=settings, etag=etag, last_modified=last_modified)
    name = document_name(url)
    if fetched.not_modified:
        if known is not None:
            _store(session, user_id, url, fetched, content_sha256)
            return UrlDocument(url=url, text="", name=name, unchanged=True)
        # Validators of our own were not sent, so this 304 is no answer: ask again in full.
        fetched = fetch(url, settings=settings)
    assert fetched.body is not None
    text = decode_document(fetched.body, source=url, max_bytes=settings.max_bytes)
    if remember:
        _store(session, user_id, url, fetched, hashlib.sha256(fetched.body).hexdigest())
    return UrlDocument(url=url, text=text, name=name, unchanged=False)


def _store(
    session: Session, user_id: int | None, url: str, fetched: Fetched, content_sha256: str
) -> None:
    def work() -> None:
        row = _stored(session, user_id, url)
        if row is None:
            row = FetchedDocument(user_id=user_id, url=url, url_hash=_url_hash(url))
            session.add(row)
        row.etag = fetched.etag
        row.last_modified = fetched.last_modified
        row.content_sha256 = content_sha256
        row.fetched_at = utcnow()

    run_write_unit(session, work)


def forget_document(session: Session, *, user_id: int | None, url: str) -> None:
    """Forget what ``url`` sent last time for ``user_id``, so that the next fetch asks for
    the whole document again (call it when importing what was fetched failed)."""
    with write_unit(session):
        session.execute(
            delete(FetchedDocument)
            .where(_owned_by(user_id), FetchedDocument.url_hash == _url_hash(url))
            .execution_options(synchronize_session=False)
        )
