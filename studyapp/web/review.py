"""The review session: show a card, reveal it, grade it, undo the last answer.

One partial, ``review/_card.html``, is both the middle of the full page and what htmx swaps in
after every step. It carries the card's answer and grade buttons hidden, so that revealing is
instant (``static/js/review.js``) and each card costs one request: the grade, answered with the
next card. Without JavaScript each step is a link or a form with a 303 back to ``/review``.

``?deck=<id>`` limits the session to one deck the user studies; every link and form of the
page carries it on. A grade for a card that was answered meanwhile (a second tab, a double
click) changes nothing and says so above the next card; so does suspending the card from here.
Undo names the answer it takes back, as a grade names the card's version: pressed twice, it
takes back that one answer, not the one before it.
"""

from __future__ import annotations

import time
from datetime import timedelta
from functools import lru_cache

from babel.dates import format_timedelta
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.services import cards, progress, review
from studyapp.services.undo import undo_last
from studyapp.srs.fsrs import Rating
from studyapp.srs.schedule import SchedulerName
from studyapp.web.auth import Account, current_account, login_required
from studyapp.web.htmx import wants_partial
from studyapp.web.ids import form_id, read_int

bp = Blueprint("review", __name__, url_prefix="/review")

#: One grade button: (grade, key, label, description).
Button = tuple[int, int, str, str]

_AGAIN, _HARD, _GOOD, _EASY = _l("Again"), _l("Hard"), _l("Good"), _l("Easy")

#: The grade buttons of each scheduler and layout ("six" or "four"): SM-2's six grades, SM-2's
#: grades behind Anki's four buttons, and FSRS's four ratings (which have no six).
_BUTTONS: dict[tuple[SchedulerName, str], tuple[tuple[int, int, object, object], ...]] = {
    (SchedulerName.SM2, "six"): (
        (0, 0, "0", _l("Blank")),
        (1, 1, "1", _l("Wrong; the answer looked familiar")),
        (2, 2, "2", _l("Wrong; easy once shown")),
        (3, 3, "3", _l("Right, with effort")),
        (4, 4, "4", _l("Right, after a pause")),
        (5, 5, "5", _l("Right at once")),
    ),
    (SchedulerName.SM2, "four"): (
        (1, 1, _AGAIN, _l("Forgot it")),
        (3, 2, _HARD, _l("Remembered with effort")),
        (4, 3, _GOOD, _l("Remembered after a pause")),
        (5, 4, _EASY, _l("Knew it at once")),
    ),
    (SchedulerName.FSRS, "four"): (
        (int(Rating.AGAIN), 1, _AGAIN, _l("Forgot it")),
        (int(Rating.HARD), 2, _HARD, _l("Remembered with effort")),
        (int(Rating.GOOD), 3, _GOOD, _l("Remembered after a pause")),
        (int(Rating.EASY), 4, _EASY, _l("Knew it at once")),
    ),
}


def layout_of(scheduler: SchedulerName, four: bool) -> str:
    """The button layout a card gets: FSRS always has four, SM-2 as the user chose."""
    return "four" if four or scheduler is SchedulerName.FSRS else "six"


def grade_buttons(item: review.QueueItem, four: bool) -> tuple[Button, ...]:
    """The grade buttons for the card shown, in the page's language (a template global). By the
    card's own scheduler, not the user's setting: a card shown just before a switch keeps the
    buttons its answer will be read with."""
    scheduler = item.state.scheduler
    return _buttons_in(scheduler, layout_of(scheduler, bool(four)), str(get_locale()))


def next_labels(item: review.QueueItem) -> dict[int, tuple[str, bool]]:
    """What each grade will do to the card, in the page's language (a template global), and
    whether the card comes back today: "again today", else "in 6 days". Read from the
    scheduler's own answer for that grade (:meth:`~review.QueueItem.outcomes`)."""
    locale = str(get_locale())
    labels = {}
    for grade, outcome in item.outcomes().items():
        again = outcome.again_today or outcome.days_until_due == 0
        text = _again_today(locale) if again else _next_in(outcome.days_until_due, locale)
        labels[grade] = (text, again)
    return labels


@lru_cache(maxsize=16)
def _again_today(locale: str) -> str:
    return str(_("again today"))


@lru_cache(maxsize=4096)
def _next_in(days: int, locale: str) -> str:
    # Babel's relative time ("in 6 days" / "6일 후"), exact up to the next whole unit; made
    # once per language and number of days, since every card shown labels six buttons.
    when = format_timedelta(timedelta(days=days), threshold=1, add_direction=True, locale=locale)
    return str(when)


@lru_cache(maxsize=32)
def _buttons_in(scheduler: SchedulerName, layout: str, locale: str) -> tuple[Button, ...]:
    # Translated once per language and kept: every card shown renders these.
    buttons = _BUTTONS[scheduler, layout]
    return tuple((grade, key, str(label), str(text)) for grade, key, label, text in buttons)


def limits_for(account: Account) -> review.StudyLimits:
    """Who studies and how much per day, from the signed-in account."""
    return review.StudyLimits(
        user_id=account.id,
        timezone=account.timezone,
        new_per_day=account.new_cards_per_day,
        reviews_per_day=account.reviews_per_day,
        scheduling=account.scheduling,
    )


def _limits() -> review.StudyLimits:
    return limits_for(current_account())


def _deck() -> review.StudyDeck | None:
    """The deck this session is limited to (``deck`` in the query or the form), if any; 404 for
    anything but a deck the user studies."""
    raw = request.values.get("deck", "")
    if not raw:
        return None
    deck_id = form_id(raw)
    if deck_id is None:
        abort(404)
    return review.studied_deck(get_session(), _limits(), deck_id)


def _deck_id(deck: review.StudyDeck | None) -> int | None:
    return None if deck is None else deck.id


def _render(
    item: review.QueueItem | None,
    *,
    revealed: bool,
    shown_at: int,
    deck: review.StudyDeck | None,
    notice: str | None = None,
) -> ResponseReturnValue:
    summary = (
        progress.session_summary(get_session(), _limits(), now=utcnow()) if item is None else None
    )
    context = {
        "item": item,
        "revealed": revealed,
        "shown_at": shown_at,
        "summary": summary,
        "deck": deck,
        "notice": notice,
    }
    if wants_partial():
        return render_template("review/_card.html", **context)
    return render_template("review/session.html", **context)


#: The latest time a card can say it was shown (milliseconds since 1970; the year 33658).
_MAX_SHOWN_AT = 10**15 - 1


def _shown_at() -> int:
    shown_at = read_int(request.values.get("shown_at"), high=_MAX_SHOWN_AT)
    return _now_ms() if shown_at is None else shown_at


def _now_ms() -> int:
    return int(time.time() * 1000)


@bp.get("")
@login_required
def session() -> ResponseReturnValue:
    """The next card, or the one asked for (``?card=``, after undo or to reveal without JS)."""
    deck = _deck()
    item = review.next_card(
        get_session(),
        _limits(),
        now=utcnow(),
        prefer=form_id(request.args.get("card", "")),
        deck_id=_deck_id(deck),
    )
    revealed = request.args.get("reveal") == "1" and item is not None
    return _render(item, revealed=revealed, shown_at=_shown_at(), deck=deck)


def _stale_notice() -> str:
    return str(_("This card was already answered in another tab; here is the next one."))


@bp.post("/<int:state_id>/answer")
@login_required
def answer(state_id: int) -> ResponseReturnValue:
    # A grade past 5 is the service's to refuse (InvalidGrade, 400 like these).
    grade, version = read_int(request.form.get("grade")), read_int(request.form.get("version"))
    if grade is None or version is None:
        abort(400)
    deck = _deck()
    duration = _now_ms() - _shown_at()
    session, limits, now = get_session(), _limits(), utcnow()
    if wants_partial():
        # The answer and the next card in one transaction: the step every minute of study takes.
        answered, item = review.answer_and_next(
            session,
            limits,
            state_id=state_id,
            version=version,
            grade=grade,
            now=now,
            duration_ms=duration,
            deck_id=_deck_id(deck),
        )
        notice = None if answered.applied else _stale_notice()
        return _render(item, revealed=False, shown_at=_now_ms(), deck=deck, notice=notice)
    answered = review.answer(
        session,
        limits,
        state_id=state_id,
        version=version,
        grade=grade,
        now=now,
        duration_ms=duration,
    )
    if not answered.applied:
        flash(_stale_notice(), "info")
    return redirect(_session_url(deck), code=303)


@bp.post("/cards/<int:card_id>/suspend")
@login_required
def suspend(card_id: int) -> ResponseReturnValue:
    """Take the card being reviewed out of the reviews, and go on to the next one."""
    deck = _deck()
    cards.set_suspended(get_session(), current_account().id, card_id, suspended=True)
    notice = str(_("Card suspended: it stays out of your reviews until you resume it."))
    if wants_partial():
        item = review.next_card(get_session(), _limits(), now=utcnow(), deck_id=_deck_id(deck))
        return _render(item, revealed=False, shown_at=_now_ms(), deck=deck, notice=notice)
    flash(notice, "info")
    return redirect(_session_url(deck), code=303)


def _undone_notice() -> str:
    return str(
        _(
            "Nothing was undone: that answer is no longer your last one (it was already "
            "undone, perhaps in another tab)."
        )
    )


@bp.post("/undo")
@login_required
def undo() -> ResponseReturnValue:
    """Take back the answer the button names (``answer``, its log row), if it is still the
    user's latest of today; a second press of the same button changes nothing and says so."""
    answer_id = form_id(request.form.get("answer"))
    if answer_id is None:
        abort(400)
    deck = _deck()
    undone = undo_last(get_session(), _limits(), answer_id=answer_id, now=utcnow())
    notice = None
    if undone.switched:
        notice = str(
            _(
                "Nothing was undone: you changed the scheduler since that answer, and the "
                "switch rebuilt your cards' memory with it."
            )
        )
    elif undone.stale:
        notice = _undone_notice()
    if wants_partial():
        item = review.next_card(
            get_session(), _limits(), now=utcnow(), prefer=undone.state_id, deck_id=_deck_id(deck)
        )
        return _render(item, revealed=False, shown_at=_now_ms(), deck=deck, notice=notice)
    if notice is not None:
        flash(notice, "info")
    return redirect(_session_url(deck, card=undone.state_id), code=303)


def _session_url(deck: review.StudyDeck | None, *, card: int | None = None) -> str:
    return url_for("review.session", card=card, deck=_deck_id(deck))
