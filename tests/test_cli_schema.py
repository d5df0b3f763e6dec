"""A command that needs the database, run before `studyapp db upgrade`, says what to run.

Every command that reads or writes the schema checks its revision first: on a database with no
tables, or one at an older revision, it prints one line naming the problem and the command to
run, and exits 2, without a traceback and without touching the database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect

from studyapp import migrate
from tests.conftest import engine_of

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


def _commands(tmp_path: Path) -> list[list[str]]:
    return [
        ["import", str(DATA / "digest_ko.md")],
        ["decks", "load", "--dir", str(REPO / "decks")],
        ["export", "--deck", "blog-reviews", "-o", str(tmp_path / "out.apkg")],
        ["backup", str(tmp_path / "backup.json")],
    ]


def _assert_told_to_upgrade(app: Flask, args: list[str], problem: str) -> None:
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2, (args, result.output)
    assert isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, (args, result.output)
    assert problem in lines[0] and "run `studyapp db upgrade` first" in lines[0], lines[0]
    assert "Traceback" not in result.output


def test_commands_on_an_unmigrated_database_say_to_upgrade(
    empty_app: Flask, tmp_path: Path
) -> None:
    for args in _commands(tmp_path):
        _assert_told_to_upgrade(empty_app, args, "the database is not set up")
    # Nothing was created or written, not even the backup file.
    assert inspect(engine_of(empty_app)).get_table_names() == []
    assert not (tmp_path / "backup.json").exists()
    assert not (tmp_path / "out.apkg").exists()


def test_commands_on_an_older_schema_say_to_upgrade(empty_app: Flask, tmp_path: Path) -> None:
    migrate.upgrade(engine_of(empty_app), "0005")
    for args in _commands(tmp_path):
        _assert_told_to_upgrade(empty_app, args, "at schema revision 0005, not")


@pytest.mark.parametrize("args", [["extract", str(DATA / "digest_ko.md")], ["decks", "check"]])
def test_commands_without_the_database_still_run_before_upgrade(
    empty_app: Flask, args: list[str]
) -> None:
    assert empty_app.test_cli_runner().invoke(args=args).exit_code == 0


def test_after_upgrade_the_same_commands_run(empty_app: Flask, tmp_path: Path) -> None:
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    for args in _commands(tmp_path):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
