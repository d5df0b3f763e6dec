"""Following a series in the browser: the list of one's follows with their record, the form
to subscribe, "Fetch now", pause and resume, delete (after a confirmation), and a backfill of
a date range with its progress bar (htmx polls a partial every second until the job ends;
without JavaScript a "Check again" link)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.series import PRESETS
from studyapp.services import follows, my_decks
from studyapp.services.fetch_errors import fetch_problem
from studyapp.services.follow_views import FollowView, follow_view, follow_views
from studyapp.services.jobs import JobNotFound, job_view
from studyapp.web.auth import current_account, login_required
from studyapp.web.follow_forms import BackfillForm, FollowForm, error_advice
from studyapp.web.htmx import wants_partial
from studyapp.web.ids import form_id

# A topic's name in the page's language, as the import preview shows it.
from studyapp.web.import_messages import topic_name

__all__ = ["bp"]

bp = Blueprint("follows", __name__)

_BAD_RANGE = {
    "order": lambda: _("The first day comes after the last one. Swap them."),
    "future": lambda: _("The last day is after today. Choose today or an earlier day."),
    "too_long": lambda: _(
        "A backfill takes at most %(num)d days. Choose a shorter range.",
        num=follows.MAX_BACKFILL_DAYS,
    ),
}


def _form() -> FollowForm:
    form = FollowForm()
    decks = my_decks.own_decks(get_session(), current_account().id)
    form.deck_id.choices = [("", _("A new deck (name below)"))] + [
        (str(deck.id), deck.name) for deck in decks
    ]
    return form


def _page(form: FollowForm, status: int = 200) -> ResponseReturnValue:
    views = follow_views(get_session(), current_account().id)
    return render_template("follows/index.html", form=form, follows=views), status


@bp.get("/follows")
@login_required
def index() -> ResponseReturnValue:
    return _page(_form())


@bp.post("/follows")
@login_required
def create() -> ResponseReturnValue:
    form = _form()
    if not form.validate_on_submit() or not _complete(form):
        return _page(form, 422)
    source = str(form.url.data) if form.source.data == "url" else "daily_papers_ko"
    new = follows.NewFollow(
        source=source,
        run_at=form.run_at.data,
        deck_id=form_id(form.deck_id.data) if form.deck_id.data else None,
        deck_name=form.deck_name.data or "",
        min_votes=form.min_votes.data,
        topics=tuple(form.topics.data or ()),
        max_new=form.max_new.data,
        start_on=form.start_on.data,
    )
    try:
        follows.subscribe(
            get_session(),
            user_id=current_account().id,
            new=new,
            now=utcnow(),
            config=current_app.config,
        )
    except follows.SourceRefused as refused:
        form.url.errors.append(_source_problem(refused))
        return _page(form, 422)
    except follows.BadRange:
        form.start_on.errors.append(
            _(
                "A follow starts at most %(num)d days before today. Choose a later day.",
                num=follows.MAX_BACKFILL_DAYS,
            )
        )
        return _page(form, 422)
    flash(_("Subscribed. New papers arrive in the deck at the time you chose."), "ok")
    return redirect(url_for("follows.index"), code=303)


def _complete(form: FollowForm) -> bool:
    """What the fields cannot check alone: a URL when "another address" is chosen, a deck."""
    ok = True
    if form.source.data == "url" and not form.url.data:
        form.url.errors.append(_("Enter the address, with {date} (or {yyyy}, {mm} and {dd})."))
        ok = False
    if not form.deck_id.data and not (form.deck_name.data or "").strip():
        form.deck_name.errors.append(_("Choose one of your decks, or name a new one."))
        ok = False
    return ok


def _source_problem(refused: follows.SourceRefused) -> str:
    if refused.error is None:
        return str(
            _(
                "The address must say which day: put {date} (2024-05-13) or {yyyy}, {mm} and "
                "{dd} where the date goes."
            )
        )
    return fetch_problem(refused.error)


@bp.post("/follows/<int:follow_id>/run")
@login_required
def run_now(follow_id: int) -> ResponseReturnValue:
    try:
        follows.start_run(get_session(), follow_id, now=utcnow(), user_id=current_account().id)
    except follows.FollowBusy:
        flash(_("It is fetching already. The page shows the outcome when it is done."), "info")
    else:
        flash(_("Fetching now. Reload the page in a moment to see what arrived."), "ok")
    return redirect(url_for("follows.index"), code=303)


@bp.post("/follows/<int:follow_id>/pause")
@login_required
def pause(follow_id: int) -> ResponseReturnValue:
    paused = request.form.get("paused") == "1"
    follows.set_paused(get_session(), current_account().id, follow_id, paused=paused, now=utcnow())
    flash(_("Paused: nothing is fetched until you resume.") if paused else _("Resumed."), "ok")
    return redirect(url_for("follows.index"), code=303)


@bp.route("/follows/<int:follow_id>/delete", methods=["GET", "POST"])
@login_required
def delete(follow_id: int) -> ResponseReturnValue:
    session, user_id = get_session(), current_account().id
    if request.method == "GET":
        view = follow_view(session, user_id, follow_id)
        return render_template("follows/delete.html", follow=view)
    try:
        follows.delete_follow(session, user_id, follow_id)
    except follows.FollowNotFound:
        flash(_("That follow is not among yours (any more): nothing was deleted."), "info")
    else:
        flash(_("Unsubscribed. The deck and its cards stay."), "ok")
    return redirect(url_for("follows.index"), code=303)


@bp.route("/follows/<int:follow_id>/backfill", methods=["GET", "POST"])
@login_required
def backfill(follow_id: int) -> ResponseReturnValue:
    session, user_id = get_session(), current_account().id
    view = follow_view(session, user_id, follow_id)
    form = BackfillForm()
    if form.validate_on_submit():
        try:
            job_id = follows.start_backfill(
                session,
                user_id,
                follow_id,
                first=form.first.data,
                last=form.last.data,
                now=utcnow(),
            )
        except follows.BadRange as bad:
            form.first.errors.append(_BAD_RANGE[bad.reason]())
        except follows.FollowBusy:
            form.first.errors.append(_("It is fetching already. Try again when it is done."))
        else:
            return redirect(
                url_for("follows.progress", follow_id=follow_id, backfill_id=job_id), 303
            )
    status = 200 if request.method == "GET" else 422
    return render_template("follows/backfill.html", follow=view, form=form), status


@bp.get("/follows/<int:follow_id>/backfill/<int:backfill_id>")
@login_required
def progress(follow_id: int, backfill_id: int) -> ResponseReturnValue:
    session, user_id = get_session(), current_account().id
    view = follow_view(session, user_id, follow_id)
    try:
        job = job_view(session, backfill_id, user_id=user_id)
    except JobNotFound:
        abort(404)
    if job.kind != "follow.backfill" or job.payload.get("follow_id") != follow_id:
        abort(404)
    template = "follows/_progress.html" if wants_partial() else "follows/progress.html"
    return render_template(template, follow=view, job=job)


@bp.app_template_global()
def follow_source(view: FollowView) -> str:
    return _("Korean Daily Papers") if view.source in PRESETS else view.source


@bp.app_template_global()
def follow_time(moment: datetime | None, view: FollowView) -> str:
    """A moment of a follow's record, in its owner's zone and the page's language."""
    if moment is None:
        return "—"
    return format_datetime(
        moment, format="short", tzinfo=ZoneInfo(view.timezone), locale=str(get_locale())
    )


@bp.app_template_global()
def follow_filters(view: FollowView) -> str:
    """The follow's filters in a few words, or that it has none."""
    parts = []
    if view.min_votes is not None:
        parts.append(ngettext("at least %(num)d vote", "at least %(num)d votes", view.min_votes))
    if view.topics:
        names = ", ".join(topic_name(slug) for slug in view.topics)
        parts.append(_("topics: %(names)s", names=names))
    if view.max_new is not None:
        parts.append(
            ngettext("at most %(num)d paper a day", "at most %(num)d papers a day", view.max_new)
        )
    return "; ".join(parts) if parts else _("none: every paper")


@bp.app_template_global()
def follow_error(code: str | None) -> str:
    return error_advice(code)
