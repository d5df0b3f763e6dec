"""The Alembic revisions build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import inspect

from studyapp import migrate
from studyapp.models import Base
from tests.conftest import engine_of

TABLES = {
    "users",
    "decks",
    "topics",
    "papers",
    "paper_topics",
    "paper_texts",
    "cards",
    "card_texts",
    "review_states",
    "review_log",
}


def test_migrations_match_the_models(empty_app: Flask) -> None:
    engine = engine_of(empty_app)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_downgrade_upgrade(empty_app: Flask) -> None:
    engine = engine_of(empty_app)
    migrate.upgrade(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()


def test_the_due_queue_is_indexed(empty_app: Flask) -> None:
    engine = engine_of(empty_app)
    migrate.upgrade(engine)
    indexes = {
        ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("review_states")
    }
    # Everything the review queue reads, in the order it picks cards.
    assert indexes["ix_review_states_due_queue"] == [
        "user_id",
        "due_on",
        "card_id",
        "suspended",
        "redrill_on",
    ]
    assert indexes["ix_review_states_redrill"] == ["user_id", "redrill_on", "suspended"]


def test_cli_db_upgrade_creates_the_schema(empty_app: Flask) -> None:
    runner: FlaskCliRunner = empty_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "is at head" in result.output
    assert TABLES <= set(inspect(engine_of(empty_app)).get_table_names())

    result = runner.invoke(args=["db", "current"])
    assert result.exit_code == 0
    assert f"current: {migrate.head_revision()}" in result.output


def test_revisions_form_one_numbered_line() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = list(scripts.walk_revisions())
    assert len(scripts.get_heads()) == 1
    numbers = sorted(int(r.revision) for r in revisions)
    assert numbers == list(range(1, len(revisions) + 1))
