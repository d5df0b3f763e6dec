"""The review session: show a card, reveal it, grade it, undo the last answer.

One partial, ``review/_card.html``, is both the middle of the full page and what htmx swaps in
after every step; without JavaScript each step is a link or a form with a 303 back to
``/review``.
"""

from __future__ import annotations

import time

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.services import progress, review
from studyapp.web.auth import Account, current_account, login_required
from studyapp.web.htmx import wants_partial

bp = Blueprint("review", __name__, url_prefix="/review")


def limits_for(account: Account) -> review.StudyLimits:
    """Who studies and how much per day, from the signed-in account."""
    return review.StudyLimits(
        user_id=account.id,
        timezone=account.timezone,
        new_per_day=account.new_cards_per_day,
        reviews_per_day=account.reviews_per_day,
    )


def _limits() -> review.StudyLimits:
    return limits_for(current_account())


def _render(item: review.QueueItem | None, *, revealed: bool, shown_at: int) -> ResponseReturnValue:
    summary = (
        progress.session_summary(get_session(), _limits(), now=utcnow()) if item is None else None
    )
    context = {"item": item, "revealed": revealed, "shown_at": shown_at, "summary": summary}
    if wants_partial():
        return render_template("review/_card.html", **context)
    return render_template("review/session.html", **context)


def _shown_at() -> int:
    raw = request.values.get("shown_at", "")
    return int(raw) if raw.isdigit() else int(time.time() * 1000)


@bp.get("")
@login_required
def session() -> ResponseReturnValue:
    """The next card, or the one asked for (``?card=``, after undo or to reveal without JS)."""
    card = request.args.get("card", "")
    item = review.next_card(
        get_session(), _limits(), now=utcnow(), prefer=int(card) if card.isdigit() else None
    )
    revealed = request.args.get("reveal") == "1" and item is not None
    return _render(item, revealed=revealed, shown_at=_shown_at())


@bp.get("/<int:state_id>/reveal")
@login_required
def reveal(state_id: int) -> ResponseReturnValue:
    item = review.queue_item(get_session(), _limits(), state_id, now=utcnow())
    if item is None:
        abort(404)
    return _render(item, revealed=True, shown_at=_shown_at())


@bp.post("/<int:state_id>/answer")
@login_required
def answer(state_id: int) -> ResponseReturnValue:
    grade, version = request.form.get("grade", ""), request.form.get("version", "")
    if not (grade.isdigit() and version.isdigit()):
        abort(400)
    duration = int(time.time() * 1000) - _shown_at()
    try:
        review.answer(
            get_session(),
            _limits(),
            state_id=state_id,
            version=int(version),
            grade=int(grade),
            now=utcnow(),
            duration_ms=duration,
        )
    except LookupError:
        abort(404)
    except ValueError:
        abort(400)
    return _after_change(prefer=None)


@bp.post("/undo")
@login_required
def undo() -> ResponseReturnValue:
    state_id = review.undo_last(get_session(), _limits(), now=utcnow())
    return _after_change(prefer=state_id)


def _after_change(*, prefer: int | None) -> ResponseReturnValue:
    if wants_partial():
        item = review.next_card(get_session(), _limits(), now=utcnow(), prefer=prefer)
        return _render(item, revealed=False, shown_at=int(time.time() * 1000))
    target = url_for("review.session", card=prefer) if prefer else url_for("review.session")
    return redirect(target, code=303)
