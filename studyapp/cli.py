"""The ``studyapp`` command: Flask's CLI (``run``, ``shell``, ``routes``) plus our groups."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import Engine

from studyapp import backup as backups
from studyapp import migrate
from studyapp.db import get_session, session_factory
from studyapp.extract import Extraction, Format, extract_text
from studyapp.extract.documents import DocumentError, read_document
from studyapp.models import utcnow
from studyapp.services import builtin, importing

__all__ = ["FORMAT_CHOICE", "extract_files", "init_app", "main", "needs_schema", "print_reports"]

_PACKAGE = Path(__file__).resolve().parent
_TRANSLATIONS = _PACKAGE / "translations"
_POT = _TRANSLATIONS / "messages.pot"
_ROOT = _PACKAGE.parent
_BABEL_CFG = _ROOT / "babel.cfg"


def _engine() -> Engine:
    bind = session_factory(current_app).kw["bind"]
    assert isinstance(bind, Engine)
    return bind


_P = ParamSpec("_P")
_R = TypeVar("_R")


def needs_schema(command: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``command`` only on a database at the newest schema revision; else say so in one
    line, with what to run, and exit 2 (a usage error), instead of the traceback of the first
    query that finds a table or a column missing. Goes under ``@with_appcontext``."""

    @functools.wraps(command)
    def checked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        problem = migrate.schema_problem(_engine())
        if problem is not None:
            click.echo(f"error: {problem}; run `studyapp db upgrade` first.", err=True)
            raise SystemExit(2)
        return command(*args, **kwargs)

    return checked


db = AppGroup("db", help="Create, migrate and inspect the database schema.")
translate = AppGroup("translate", help="Maintain the Korean and English message catalogs.")
decks = AppGroup("decks", help="Check and load the built-in library's deck files.")


def init_app(app: Flask) -> None:
    """Attach the command groups to ``app.cli`` (and so to ``studyapp``)."""
    # Here, not at the top: the import command builds on this module's helpers.
    from studyapp.cli_import import import_command

    app.cli.add_command(db)
    app.cli.add_command(translate)
    app.cli.add_command(decks)
    app.cli.add_command(extract_command)
    app.cli.add_command(import_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

    from studyapp.worker import worker_command

    app.cli.add_command(worker_command)

    from studyapp.cli_anki import anki_import_command, export_command
    from studyapp.cli_follow import follow

    app.cli.add_command(follow)
    app.cli.add_command(export_command)
    app.cli.add_command(anki_import_command)


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Create the database or migrate it to REVISION (default: the newest)."""
    engine = _engine()
    migrate.upgrade(engine, revision)
    click.echo(f"Database {engine.url.render_as_string(hide_password=True)} is at {revision}.")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION (`base` drops every table)."""
    migrate.downgrade(_engine(), revision)
    click.echo(f"Database is at {revision}.")


@db.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one."""
    with _engine().connect() as connection:
        current = migrate.current_revision(connection)
    click.echo(f"current: {current or '(empty database)'}")
    click.echo(f"head:    {migrate.head_revision()}")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes.")
@click.option("--empty", is_flag=True, help="Write an empty revision instead of comparing.")
def db_revision(message: str, empty: bool) -> None:
    """Write a new migration by comparing the models with the (migrated) database."""
    migrate.make_revision(_engine(), message, autogenerate=not empty)


def _pybabel(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *args], cwd=_ROOT, check=False
    )
    if result.returncode != 0:
        raise click.ClickException(f"pybabel {args[0]} failed (exit {result.returncode})")


@translate.command("extract")
def translate_extract() -> None:
    """Collect every translatable string into messages.pot."""
    _pybabel(
        "extract",
        "-F",
        str(_BABEL_CFG),
        "-k",
        "_l",
        "--sort-by-file",
        "--no-wrap",
        "--add-location=file",
        "--project=studyapp",
        "-o",
        str(_POT),
        ".",
    )


@translate.command("update")
def translate_update() -> None:
    """Extract, then merge new strings into the ko and en catalogs."""
    translate_extract.callback()  # type: ignore[misc]
    _pybabel(
        "update",
        "-i",
        str(_POT),
        "-d",
        str(_TRANSLATIONS),
        "--no-wrap",
        "--no-fuzzy-matching",
        "--ignore-obsolete",
    )


@translate.command("compile")
def translate_compile() -> None:
    """Compile the catalogs into the .mo files the app reads."""
    _pybabel("compile", "-d", str(_TRANSLATIONS), "--statistics")


FORMAT_CHOICE = click.Choice([f.value for f in Format])


def extract_files(
    paths: tuple[Path, ...], fmt: str | None
) -> tuple[list[tuple[Path, Extraction]], int]:
    """Extract every file; report each bad one on stderr and count them."""
    results = []
    failures = 0
    for path in paths:
        try:
            text = read_document(path, max_bytes=current_app.config["MAX_DOCUMENT_BYTES"])
            results.append(
                (path, extract_text(text, source=str(path), fmt=Format(fmt) if fmt else None))
            )
        except DocumentError as error:
            click.echo(f"error: {error}", err=True)
            failures += 1
    return results, failures


@click.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per paper.")
@click.option("--format", "fmt", type=FORMAT_CHOICE, help="Read the files as this format.")
@with_appcontext
def extract_command(paths: tuple[Path, ...], as_json: bool, fmt: str | None) -> None:
    """Show the papers and cards found in summary files, without touching the database."""
    results, failures = extract_files(paths, fmt)
    if as_json:
        papers = [
            {**paper.to_json(), "source": str(path)}
            for path, extraction in results
            for paper in extraction.papers
        ]
        click.echo(json.dumps(papers, ensure_ascii=False, indent=2))
    else:
        for path, extraction in results:
            _print_listing(path, extraction)
    if failures:
        raise SystemExit(2)


def _print_listing(path: Path, extraction: Extraction) -> None:
    count = len(extraction.papers)
    click.secho(f"{path} — {extraction.format.value}, {count} paper{'s' * (count != 1)}", bold=True)
    for number, paper in enumerate(extraction.papers, start=1):
        ids = f" [arXiv {paper.arxiv_id}]" if paper.arxiv_id else ""
        click.echo(f"\n{number:>3}. {paper.title}{ids} ({paper.lang}; {', '.join(paper.topics)})")
        click.echo(f"     method: {paper.method or '—'}")
        for card in paper.cards:
            front = card.front.replace("\n", " / ")
            click.echo(f"     ▸ {front}\n       → {card.back}")


_DECKS_DIR = click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path, file_okay=False),
    help="The folder of deck files (default: the DECKS_DIR setting, the repository's decks/).",
)


def _read_decks(folder: Path | None) -> list[builtin.DeckFile]:
    try:
        return builtin.read_decks(folder or Path(current_app.config["DECKS_DIR"]))
    except builtin.DeckFileError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo("Nothing was loaded. Fix the deck files above (see decks/README.md).", err=True)
        raise SystemExit(2) from None


@decks.command("check")
@_DECKS_DIR
@with_appcontext
def decks_check(folder: Path | None) -> None:
    """Validate every deck file: schema, both languages, numbers, unique ids."""
    files = _read_decks(folder)
    papers = sum(len(f.deck.papers) for f in files)
    cards = sum(len(p.cards) for f in files for p in f.deck.papers)
    click.echo(f"{len(files)} deck files, {papers} papers, {cards} cards: ok")


@decks.command("load")
@_DECKS_DIR
@with_appcontext
@needs_schema
def decks_load(folder: Path | None) -> None:
    """Load the deck files into the shared library (again: updates in place, keeps history)."""
    files = _read_decks(folder)
    print_reports(importing.import_decks(get_session(), [f.deck for f in files]))


def print_reports(reports: list[importing.ImportReport]) -> None:
    for report in reports:
        papers = f"{report.papers} paper{'' if report.papers == 1 else 's'}"
        cards = f"{report.cards} card{'' if report.cards == 1 else 's'}"
        click.echo(
            f"{report.deck_name}: {papers}, {cards} ({report.cards_new} new, "
            f"{report.cards_updated} updated, {report.cards_unchanged} unchanged)"
        )


def _backed_up(summary: backups.Summary) -> str:
    tables = sum(1 for count in summary.rows.values() if count)
    return (
        f"{sum(summary.rows.values())} rows in {tables} tables, "
        f"schema revision {summary.revision or '(none)'}"
    )


@click.command("backup")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in backups.BackupFormat]),
    help="json or sqlite (default: chosen by FILE's name, see above).",
)
@with_appcontext
@needs_schema
def backup_command(file: Path, fmt: str | None) -> None:
    """Back up the whole database to FILE while the app keeps serving.

    FILE ending in .json gets a JSON dump, which restores into SQLite or PostgreSQL (.json.gz
    or .gz: the same, gzipped). On SQLite any other name gets a consistent copy of the
    database file, checked with PRAGMA integrity_check. On PostgreSQL other names get a JSON
    dump too, but .db, .sqlite and .sqlite3 are refused, as --format sqlite is. FILE is
    replaced only by a complete backup.
    """
    engine = _engine()
    try:
        chosen = backups.choose_format(
            file, backups.BackupFormat(fmt) if fmt else None, dialect=engine.dialect.name
        )
        summary = backups.backup(engine, file, fmt=chosen, now=utcnow())
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{file}: {chosen.value} backup, {_backed_up(summary)}")


@click.command("restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--replace", is_flag=True, help="Replace every row of a database that already holds data."
)
@with_appcontext
def restore_command(file: Path, replace: bool) -> None:
    """Load FILE, a backup made by `studyapp backup`, into the database.

    FILE may be a JSON dump or a SQLite copy, from SQLite or PostgreSQL alike; it is read and
    checked whole before anything is written. A database with no tables at all is first
    created by running the migrations to the newest revision, as `studyapp db upgrade` does.
    The backup's schema revision must be the database's (else run `studyapp db upgrade`
    first). A database holding any rows is left alone unless --replace is given; then its rows
    are deleted and the backup's loaded in one transaction, so a failure changes nothing.
    Backups hold no login sessions: whoever was signed in to the database logs in again.
    """
    try:
        summary = backups.restore(_engine(), file, replace=replace)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {file}: {_backed_up(summary)}")
    # Backups hold no login sessions: whoever was signed in to this database logs in again,
    # with no new secret key (which another instance on the same folder may be using).
    click.echo("Every login session of this database ended: everyone logs in again.")


def main() -> None:
    """The ``studyapp`` console script: Flask's CLI for this app plus the groups above."""
    from studyapp import create_app

    FlaskGroup(create_app=create_app, help="Paper flashcards: paper summaries into SM-2 cards.")()
