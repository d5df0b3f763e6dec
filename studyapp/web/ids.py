"""Numbers from requests — ids, positions, pages, sizes, grades, times — read one way everywhere
(and topic slugs, the other key a request names rows by).

A number a request carries is text anyone can craft: ``²`` and ``١٢`` are digits to
``str.isdigit`` but not to ``int``, a 5,000-digit number is more than ``int`` will parse, and an
id past 2**31 does not fit a PostgreSQL integer (past 2**63, not even SQLite's driver). Every
view reads its numbers with :func:`read_int` (or :func:`form_id`), which gives ``None`` for
anything but a short run of ASCII digits within the bounds asked for; the view then treats it
as a number that was not sent, or answers 4xx. ``<int:…>`` parts of a URL are checked by
:func:`ids_in_range` before any view runs.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort

__all__ = ["MAX_ID", "form_id", "ids_in_range", "read_int", "read_slug"]

#: The largest id a URL or form may name: every id column is at least a 32-bit integer, and a
#: larger number would not even reach the database (SQLite's driver overflows at 2**63).
MAX_ID = 2**31 - 1


def read_int(raw: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """``raw`` as a whole number from ``low`` to ``high`` (both non-negative), or None when it
    is not one: ASCII digits only, no sign, no spaces, no longer than ``high`` is written."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(high)):
        return None
    value = int(raw)
    return value if low <= value <= high else None


#: What a topic's slug looks like (``quantization``, ``3d-vision``).
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def read_slug(raw: str | None) -> str | None:
    """A topic's slug sent in a query string or a form, or None when the text cannot be one
    (NUL, which PostgreSQL cannot even compare, included)."""
    return raw if raw is not None and _SLUG.fullmatch(raw) else None


def form_id(raw: str | None) -> int | None:
    """An id (or position) sent in a query string or a form, or None when the text cannot be
    one (see :func:`read_int`)."""
    return read_int(raw)


def ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A URL whose ``<int:…>`` part no row can have is a page that does not exist (registered
    for every route, before any view runs)."""
    if any(isinstance(value, int) and value > MAX_ID for value in (values or {}).values()):
        abort(404)
