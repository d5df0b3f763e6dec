"""The ``studyapp`` command: Flask's CLI (``run``, ``shell``, ``routes``) plus our groups."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup
from sqlalchemy import Engine

from studyapp import migrate
from studyapp.db import session_factory

__all__ = ["init_app", "main"]

_PACKAGE = Path(__file__).resolve().parent
_TRANSLATIONS = _PACKAGE / "translations"
_POT = _TRANSLATIONS / "messages.pot"
_ROOT = _PACKAGE.parent
_BABEL_CFG = _ROOT / "babel.cfg"


def _engine() -> Engine:
    bind = session_factory(current_app).kw["bind"]
    assert isinstance(bind, Engine)
    return bind


db = AppGroup("db", help="Create, migrate and inspect the database schema.")
translate = AppGroup("translate", help="Maintain the Korean and English message catalogs.")


def init_app(app: Flask) -> None:
    """Attach the command groups to ``app.cli`` (and so to ``studyapp``)."""
    app.cli.add_command(db)
    app.cli.add_command(translate)


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
        "update", "-i", str(_POT), "-d", str(_TRANSLATIONS), "--no-wrap", "--no-fuzzy-matching"
    )


@translate.command("compile")
def translate_compile() -> None:
    """Compile the catalogs into the .mo files the app reads."""
    _pybabel("compile", "-d", str(_TRANSLATIONS), "--statistics")


def main() -> None:
    """The ``studyapp`` console script: Flask's CLI for this app plus the groups above."""
    from studyapp import create_app

    FlaskGroup(create_app=create_app, help="Paper flashcards: paper summaries into SM-2 cards.")()
