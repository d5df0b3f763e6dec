"""The home page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from studyapp import migrate
from studyapp.db import get_session
from studyapp.services import library

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    counts = library.library_counts(get_session())
    return render_template("home.html", counts=counts)


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """For load balancers: 200 when the database answers and its schema is current."""
    session = get_session()
    with session.begin():
        revision = migrate.current_revision(session.connection())
    head = migrate.head_revision()
    body = {"database": "ok", "revision": revision, "head": head}
    return jsonify(body), (200 if revision == head else 503)
