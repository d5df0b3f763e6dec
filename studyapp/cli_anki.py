"""Anki both ways from the command line: ``studyapp export`` writes cards to a package (with a
user's progress), ``studyapp anki-import`` brings a package in for one account: the report
first, then (after a yes, or with ``--yes``) the import, all or nothing."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from studyapp.apkg.package import write_package
from studyapp.apkg.reading import AnkiPackageError, read_package
from studyapp.cli import needs_schema
from studyapp.db import get_session
from studyapp.services import accounts, anki_import, export
from studyapp.services.anki_import import AnkiImportReport, SkipReason

__all__ = ["anki_import_command", "export_command", "report_lines"]

_WHY = {
    SkipReason.NOT_STUDIED: "cards of ours that are not in this account's decks",
    SkipReason.NO_NOTE_TYPE: "cards whose note type is missing from the package",
    SkipReason.EMPTY: "cards with nothing but pictures or sounds",
    SkipReason.TOO_LONG: "cards whose text is too long for a card",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def report_lines(report: AnkiImportReport) -> list[str]:
    """The report in English, one line per count."""
    lines = [
        f"{_plural(report.reviews, 'review')} to merge into the review log",
        f"{_plural(report.cards_updated, 'card')} whose schedule follows Anki",
        f"{_plural(report.new_cards, 'new card')}"
        + (f" (new decks: {', '.join(report.new_decks)})" if report.new_decks else ""),
        f"{_plural(report.unchanged, 'card')} unchanged",
    ]
    for reason, count in sorted(report.skipped.items()):
        lines.append(f"{count} skipped: {_WHY[reason]}")
    if report.older_answers:
        lines.append(
            f"{_plural(report.older_answers, 'answer')} skipped: given in Anki before a later "
            "answer here"
        )
    if report.media_skipped:
        lines.append(
            f"{_plural(report.media_skipped, 'media file')} skipped: pictures and sounds are "
            "not kept"
        )
    return lines


@click.command("anki-import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--user", "email", required=True, help="The account to import into.")
@click.option("--yes", is_flag=True, help="Import without asking after the report.")
@click.option("--dry-run", is_flag=True, help="Only print the report.")
@with_appcontext
@needs_schema
def anki_import_command(file: Path, email: str, yes: bool, dry_run: bool) -> None:
    """Import an Anki package (.apkg or .colpkg): reviews of our cards, other notes as cards."""
    session = get_session()
    user_id = accounts.user_id_by_email(session, email)
    if user_id is None:
        click.echo(f"error: no account with the email address {email}", err=True)
        raise SystemExit(2)
    try:
        collection = read_package(file)
        report = anki_import.check_import(session, user_id, collection)
    except OSError as error:
        click.echo(f"error: cannot read {file}: {error.strerror or error}", err=True)
        raise SystemExit(2) from None
    except AnkiPackageError as error:
        click.echo(f"error: {file}: {error}", err=True)
        raise SystemExit(2) from None
    for line in report_lines(report):
        click.echo(line)
    if dry_run or not report.changes_anything:
        if not report.changes_anything:
            click.echo("nothing to import")
        return
    if not yes and not click.confirm("Import?", default=True):
        click.echo("nothing imported")
        return
    try:
        done = anki_import.run_import(session, user_id, collection)
    except anki_import.CardsChanged:
        click.echo("error: a card was answered meanwhile; nothing imported, run it again", err=True)
        raise SystemExit(2) from None
    click.echo(
        f"imported: {_plural(done.reviews, 'review')}, {_plural(done.new_cards, 'new card')}, "
        f"{_plural(done.cards_updated, 'card')} updated"
    )


@click.command("export")
@click.option("--deck", "decks", multiple=True, help="A deck's name or slug (repeatable).")
@click.option("--topic", help="Every card on this topic (its slug, e.g. quantization).")
@click.option("--lang", type=click.Choice(["ko", "en"]), default="en", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="FILE.apkg")
@click.option("--user", "email", help="Export the decks this user sees, with their progress.")
@click.option(
    "--with-schedule/--as-new",
    default=None,
    help="With --user: each card's due date, interval and review history (the default), or "
    "every card as new.",
)
@with_appcontext
@needs_schema
def export_command(
    decks: tuple[str, ...],
    topic: str | None,
    lang: str,
    output: Path,
    email: str | None,
    with_schedule: bool | None,
) -> None:
    """Write cards to an Anki package (.apkg), one deck or one topic: the library's, or with
    --user the decks that user sees, with their progress unless --as-new."""
    if bool(decks) == bool(topic):
        raise click.UsageError("give --deck NAME (one or more) or --topic SLUG, not both")
    if email is None and with_schedule:
        raise click.UsageError("schedules belong to a user: give --user EMAIL")
    try:
        user = None if email is None else export.export_user(get_session(), email)
        user_id = None if user is None else user.id
        if topic:
            notes = export.notes_for_topic(get_session(), topic, lang=lang, user_id=user_id)
        else:
            notes = export.notes_for_decks(get_session(), list(decks), lang=lang, user_id=user_id)
    except export.UnknownUser:
        click.echo(f"error: no account {email!r}", err=True)
        raise SystemExit(2) from None
    except export.UnknownSelection as unknown:
        kind = "topic" if topic else "library deck" if user is None else "deck"
        click.echo(f"error: no {kind} {str(unknown)!r} with cards to export", err=True)
        raise SystemExit(2) from None
    progress = None
    if user is not None and with_schedule is not False:
        progress = export.progress_for(get_session(), user.id, {note.guid for note in notes})
    timezone = "UTC" if user is None else user.timezone
    try:
        write_package(notes, output, progress=progress, timezone=timezone)
    except OSError as error:
        click.echo(f"error: cannot write {output}: {error.strerror or error}", err=True)
        raise SystemExit(2) from None
    click.echo(f"{output}: {len(notes)} cards")
