"""``studyapp follow``: followed series from the command line — list them, subscribe an
account, run the due ones now (at a time given, in this process), and backfill a date range
with a progress bar."""

from __future__ import annotations

import threading
import time as clock
from datetime import UTC, datetime, time

import click
from flask import current_app
from flask.cli import AppGroup

from studyapp.cli import needs_schema
from studyapp.db import get_session, session_factory
from studyapp.extract.topics import TAXONOMY
from studyapp.models import utcnow
from studyapp.series import PRESETS
from studyapp.services import accounts, follow_views, follows, jobs

__all__ = ["follow"]

follow = AppGroup("follow", help="Follow a series: a daily digest imported into a deck.")

_TOPICS = click.Choice([topic.slug for topic in TAXONOMY])


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(2)


def _account(email: str) -> int:
    user_id = accounts.user_id_by_email(get_session(), email)
    if user_id is None:
        _fail(f"no account with the email address {email}")
    assert user_id is not None
    return user_id


def _moment(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@follow.command("list")
@click.option("--user", "email", help="Only this account's follows.")
@needs_schema
def follow_list(email: str | None) -> None:
    """Show follows with their deck, source, time, filters and record."""
    session = get_session()
    owners = [_account(email)] if email else follow_views.follow_owners(session)
    found = False
    for owner_id in owners:
        for view in follow_views.follow_views(session, owner_id):
            found = True
            filters = [
                f"min votes {view.min_votes}" if view.min_votes is not None else "",
                f"topics {','.join(view.topics)}" if view.topics else "",
                f"max {view.max_new}/day" if view.max_new is not None else "",
            ]
            state = "paused" if view.paused else f"next run {_moment(view.next_run_at)}"
            click.echo(
                f"#{view.id} deck “{view.deck_name}” ← {view.source}\n"
                f"    at {view.run_at:%H:%M} {view.timezone}; filters: "
                f"{'; '.join(f for f in filters if f) or 'none'}\n"
                f"    last fetch {_moment(view.last_fetched_at)}; {state}; "
                f"{view.papers_added} papers added"
            )
            if view.last_error:
                click.echo(
                    f"    last error {_moment(view.last_error_at)}: {view.last_error_detail}"
                )
    if not found:
        click.echo("No follows.")


@follow.command("add")
@click.option("--user", "email", required=True, help="The account that follows.")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), help="A known series.")
@click.option("--url", "template", help="A URL template with {yyyy} {mm} {dd} or {date}.")
@click.option("--deck", "deck_name", required=True, help="The account's deck (made if missing).")
@click.option("--at", "run_at", default="09:00", show_default=True, help="HH:MM, their zone.")
@click.option("--min-votes", type=click.IntRange(0), help="Keep papers with this many votes.")
@click.option("--topic", "topics", multiple=True, type=_TOPICS, help="Keep papers on a topic.")
@click.option("--max-new", type=click.IntRange(1), help="At most this many papers a day.")
@click.option("--from", "start_on", type=click.DateTime(["%Y-%m-%d"]), help="First day.")
@needs_schema
def follow_add(
    email: str,
    preset: str | None,
    template: str | None,
    deck_name: str,
    run_at: str,
    min_votes: int | None,
    topics: tuple[str, ...],
    max_new: int | None,
    start_on: datetime | None,
) -> None:
    """Subscribe an account to a series."""
    if (preset is None) == (template is None):
        _fail("give either --preset or --url")
    try:
        at = time.fromisoformat(run_at)
    except ValueError:
        _fail(f"--at {run_at!r}: give a time of day as HH:MM")
    new = follows.NewFollow(
        source=preset or template or "",
        run_at=at.replace(second=0, microsecond=0, tzinfo=None),
        deck_name=deck_name,
        min_votes=min_votes,
        topics=topics,
        max_new=max_new,
        start_on=start_on.date() if start_on else None,
    )
    try:
        follow_id = follows.subscribe(
            get_session(), user_id=_account(email), new=new, now=utcnow(), config=current_app.config
        )
    except follows.SourceRefused as refused:
        reason = str(refused.error) if refused.error else "the template names no day"
        _fail(f"cannot follow {new.source}: {reason}")
    except follows.BadRange:
        _fail(f"--from: at most {follows.MAX_BACKFILL_DAYS} days before today")
    click.echo(f"Following #{follow_id}: {new.source} into “{deck_name}” at {at:%H:%M}.")


@follow.command("run")
@click.option(
    "--at",
    "when",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M"]),
    help="The time to run at (ISO; UTC without an offset). Default: now.",
)
@needs_schema
def follow_run(when: datetime | None) -> None:
    """Run the follows due at that time now, in this process, and say what each brought."""
    now = utcnow() if when is None else when if when.tzinfo else when.replace(tzinfo=UTC)
    session, sessions = get_session(), session_factory()
    due = follows.due_follows(session, now)
    if not due:
        click.echo(f"No follow is due at {_moment(now)}.")
    for follow_id in due:
        try:
            job_id = follows.start_run(session, follow_id, now=now, enqueue=False)
        except follows.FollowBusy:
            click.echo(f"#{follow_id}: already running elsewhere.")
            continue
        view = jobs.run(sessions, job_id)
        result = (view.result if view else None) or {}
        line = (
            f"#{follow_id}: {result.get('papers', 0)} papers added; days imported "
            f"{result.get('imported', 0)}, missing {result.get('missing', 0)}, "
            f"unusable {result.get('failed', 0)}"
        )
        if view is not None and view.error:
            line += f"; failed: {view.detail}"
        elif result.get("error"):
            line += f"; stopped ({result['error']}), tried again later"
        click.echo(line)


@follow.command("backfill")
@click.argument("follow_id", type=click.IntRange(1))
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]))
@needs_schema
def follow_backfill(follow_id: int, first: datetime, last: datetime) -> None:
    """Fetch every day from --from to --to into the follow's deck, showing progress."""
    session = get_session()
    owner_id = follow_views.owner_of(session, follow_id)
    if owner_id is None:
        _fail(f"no follow #{follow_id}")
    assert owner_id is not None
    try:
        job_id = follows.start_backfill(
            session,
            owner_id,
            follow_id,
            first=first.date(),
            last=last.date(),
            now=utcnow(),
            enqueue=False,
        )
    except follows.BadRange as bad:
        _fail(f"--from/--to: {_RANGE_PROBLEMS[bad.reason]}")
    except follows.FollowBusy:
        _fail(f"follow #{follow_id} is fetching already; try again when it is done")
    sessions = session_factory()
    # The job runs here, in a thread of this command, not on a worker: a consumer started here
    # would take other queued jobs too (other users'), and no worker takes this one.
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def backfill() -> None:
        with app.app_context():
            jobs.run(sessions, job_id)

    running = threading.Thread(target=backfill, name=f"backfill-{job_id}", daemon=True)
    running.start()
    with click.progressbar(length=1, label="Days") as bar:
        while True:
            ended = not running.is_alive()
            with sessions() as watching:
                view = jobs.job_view(watching, job_id, user_id=owner_id)
            bar.length = max(view.total, 1)
            bar.update(view.done - bar.pos)
            if view.finished or ended:
                break
            clock.sleep(0.2)  # how often the bar moves; the job runs in its thread
    running.join()
    result = view.result or {}
    if view.status == "failed":
        _fail(f"the backfill stopped ({view.detail}); the days before it stay imported")
    click.echo(
        f"{result.get('papers', 0)} papers added: {result.get('imported', 0)} days imported, "
        f"{result.get('unchanged', 0)} unchanged, {result.get('missing', 0)} without a "
        f"document, {result.get('failed', 0)} unusable."
    )


_RANGE_PROBLEMS = {
    "order": "the first day comes after the last",
    "future": "the last day is after today (in the account's time zone)",
    "too_long": f"at most {follows.MAX_BACKFILL_DAYS} days at once",
}
