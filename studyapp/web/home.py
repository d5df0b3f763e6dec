"""The home page (today's study for a signed-in user, a welcome otherwise) and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from studyapp import migrate
from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.services import library, progress, stats
from studyapp.web.auth import current_account
from studyapp.web.review import limits_for
from studyapp.web.stats import forecast_chart

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        counts = library.library_counts(get_session())
        return render_template("home.html", counts=counts)
    account = current_account()
    limits = limits_for(account)
    now = utcnow()
    overview = progress.overview(get_session(), limits, now=now)
    week = stats.forecast(get_session(), limits, now=now, days=7)
    return render_template(
        "today.html", overview=overview, account=account, forecast=forecast_chart(week, width=360)
    )


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """For load balancers: 200 when the database answers and its schema is current."""
    session = get_session()
    with session.begin():
        revision = migrate.current_revision(session.connection())
    head = migrate.head_revision()
    body = {"database": "ok", "revision": revision, "head": head}
    return jsonify(body), (200 if revision == head else 503)
