"""Ids from URLs and forms: what a row's id can be, read one way everywhere."""

from __future__ import annotations

from typing import Any

from flask import abort

__all__ = ["MAX_ID", "form_id", "ids_in_range"]

#: The largest id a URL or form may name: every id column is at least a 32-bit integer, and a
#: larger number would not even reach the database (SQLite's driver overflows at 2**63).
MAX_ID = 2**31 - 1


def form_id(raw: str | None) -> int | None:
    """A non-negative id (or position) sent in a query string or a form, or None when the text
    cannot be one: ASCII digits only ('²' and '１' are digits to Python, not to us), and no
    larger than :data:`MAX_ID`."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_ID)):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


def ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A URL whose ``<int:…>`` part no row can have is a page that does not exist (registered
    for every route, before any view runs)."""
    if any(isinstance(value, int) and value > MAX_ID for value in (values or {}).values()):
        abort(404)
