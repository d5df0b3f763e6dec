"""An uploaded Anki package, kept between the report shown and the user's go-ahead.

Kept in the database, not on a worker's disk: the go-ahead may reach another worker or machine.
Only the collection is kept; media files, which are never imported, are dropped first. A user
has at most one package waiting: a new upload replaces it.
"""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from studyapp.apkg.reading import MAX_PACKAGE_BYTES
from studyapp.db import write_unit
from studyapp.models import AnkiUpload
from studyapp.services.errors import NotFound

__all__ = ["UploadGone", "discard", "keep", "load"]


class UploadGone(NotFound):
    """No such package waiting: imported already, replaced by a newer upload, or never this
    user's."""


#: The entries of a package the reader reads; media files and anything else are not kept.
_READ = frozenset({"collection.anki21b", "collection.anki21", "collection.anki2", "meta", "media"})


def _without_media(data: bytes) -> bytes:
    """The package with only what the reader reads (its collection, version and media index),
    each entry no larger than the reader takes; bytes that are no archive as they are (the
    reader refuses them at the go-ahead)."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return data
    with source:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                if info.filename in _READ and info.file_size <= MAX_PACKAGE_BYTES:
                    # zipfile stops reading an entry at its stated size.
                    target.writestr(info.filename, source.read(info))
        return buffer.getvalue()


def keep(session: Session, user_id: int, name: str, data: bytes) -> int:
    """Keep ``data``, a package the reader has read, for the user (replacing any package
    waiting); its id."""
    with write_unit(session):
        session.execute(delete(AnkiUpload).where(AnkiUpload.user_id == user_id))
        upload = AnkiUpload(user_id=user_id, name=name[:255], data=_without_media(data))
        session.add(upload)
        session.flush()
        return upload.id


def load(session: Session, user_id: int, upload_id: int) -> tuple[str, bytes]:
    """The name and bytes of the user's package ``upload_id``; :class:`UploadGone` if none."""
    with session.begin():
        row = session.execute(
            select(AnkiUpload.name, AnkiUpload.data).where(
                AnkiUpload.id == upload_id, AnkiUpload.user_id == user_id
            )
        ).one_or_none()
    if row is None:
        raise UploadGone(str(upload_id))
    return row.name, row.data


def discard(session: Session, user_id: int, upload_id: int) -> None:
    with write_unit(session):
        session.execute(
            delete(AnkiUpload).where(AnkiUpload.id == upload_id, AnkiUpload.user_id == user_id)
        )
