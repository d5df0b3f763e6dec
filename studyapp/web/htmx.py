"""How a view tells an htmx swap from a page load."""

from __future__ import annotations

from flask import request

__all__ = ["wants_partial"]


def wants_partial() -> bool:
    """True when htmx asks for a fragment to swap in; False for a full page: a plain request,
    a boosted link or form (htmx swaps the whole body), or a history restore."""
    headers = request.headers
    return bool(headers.get("HX-Request")) and not (
        headers.get("HX-Boosted") or headers.get("HX-History-Restore-Request")
    )
