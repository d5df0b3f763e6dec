"""The review session: show a card, reveal it, grade it, undo the last answer.

One partial, ``review/_card.html``, is both the middle of the full page and what htmx swaps in
after every step. It carries the card's answer and grade buttons hidden, so that revealing is
instant (``static/js/review.js``) and each card costs one request: the grade, answered with the
next card. Without JavaScript each step is a link or a form with a 303 back to ``/review``.
"""

from __future__ import annotations

import time
from datetime import timedelta
from functools import lru_cache

from babel.dates import format_timedelta
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.services import progress, review
from studyapp.web.auth import Account, current_account, login_required
from studyapp.web.htmx import wants_partial

bp = Blueprint("review", __name__, url_prefix="/review")

#: The grade buttons: (grade, key, label, description), SM-2's six or Anki-style four.
_BUTTONS = {
    False: (
        (0, 0, "0", _l("Blank")),
        (1, 1, "1", _l("Wrong; the answer looked familiar")),
        (2, 2, "2", _l("Wrong; easy once shown")),
        (3, 3, "3", _l("Right, with effort")),
        (4, 4, "4", _l("Right, after a pause")),
        (5, 5, "5", _l("Right at once")),
    ),
    True: (
        (1, 1, _l("Again"), _l("Forgot it")),
        (3, 2, _l("Hard"), _l("Remembered with effort")),
        (4, 3, _l("Good"), _l("Remembered after a pause")),
        (5, 4, _l("Easy"), _l("Knew it at once")),
    ),
}


def grade_buttons(four: bool) -> tuple[tuple[int, int, str, str], ...]:
    """The grade buttons in the page's language (a template global)."""
    return _buttons_in(bool(four), str(get_locale()))


def next_labels(intervals: dict[int, int]) -> dict[int, str]:
    """Each grade's "next: in 6 days" in the page's language (a template global)."""
    locale = str(get_locale())
    return {grade: _next_in(days, locale) for grade, days in intervals.items()}


@lru_cache(maxsize=4096)
def _next_in(days: int, locale: str) -> str:
    # Babel's relative time ("in 6 days" / "6일 후"), exact up to the next whole unit; made
    # once per language and number of days, since every card shown labels six buttons.
    when = format_timedelta(timedelta(days=days), threshold=1, add_direction=True, locale=locale)
    return str(_("next: %(when)s", when=when))


@lru_cache(maxsize=16)
def _buttons_in(four: bool, locale: str) -> tuple[tuple[int, int, str, str], ...]:
    # Translated once per language and kept: every card shown renders these.
    return tuple((grade, key, str(label), str(text)) for grade, key, label, text in _BUTTONS[four])


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


@bp.post("/<int:state_id>/answer")
@login_required
def answer(state_id: int) -> ResponseReturnValue:
    grade, version = request.form.get("grade", ""), request.form.get("version", "")
    if not (grade.isdigit() and version.isdigit()):
        abort(400)
    duration = int(time.time() * 1000) - _shown_at()
    session, limits, now = get_session(), _limits(), utcnow()
    try:
        if wants_partial():
            # The answer and the next card in one transaction: the step every minute of
            # study takes.
            _answered, item = review.answer_and_next(
                session,
                limits,
                state_id=state_id,
                version=int(version),
                grade=int(grade),
                now=now,
                duration_ms=duration,
            )
            return _render(item, revealed=False, shown_at=int(time.time() * 1000))
        review.answer(
            session,
            limits,
            state_id=state_id,
            version=int(version),
            grade=int(grade),
            now=now,
            duration_ms=duration,
        )
    except LookupError:
        abort(404)
    except ValueError:
        abort(400)
    return redirect(url_for("review.session"), code=303)


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
