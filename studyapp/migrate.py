"""Schema migrations with Alembic, driven from code (``studyapp db ...``) and from tests.

The app never creates tables itself: the schema comes from the revisions in
``studyapp/migrations/versions``, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

__all__ = [
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "make_revision",
    "schema_problem",
    "stamp",
    "upgrade",
]

_SCRIPTS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A table rebuild on SQLite drops the old table; with foreign keys on, that drop
            # would cascade into every child row. Switch them off around the migration (it
            # only takes effect outside a transaction) and check the result afterwards.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            yield connection
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                connection.rollback()
                if broken:
                    raise RuntimeError(f"migration left rows with broken references: {broken}")
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest)."""
    with _migration_connection(engine) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (``base`` removes every table)."""
    with _migration_connection(engine) as connection:
        command.downgrade(alembic_config(connection), revision)


def stamp(engine: Engine, revision: str = "head") -> None:
    """Record that the schema is at ``revision`` without running anything (for tables made
    from the models, which are the newest revision's)."""
    with _migration_connection(engine) as connection:
        command.stamp(alembic_config(connection), revision)
        connection.commit()


def make_revision(engine: Engine, message: str, *, autogenerate: bool = True) -> None:
    """Write a new revision file, comparing the models with the database when asked."""
    config = alembic_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    if len(heads) > 1:
        raise RuntimeError(
            f"the migrations have several heads ({', '.join(heads)}); merge them first"
        )
    # Revisions are numbered 0001, 0002, ... so their files sort in the order they apply.
    rev_id = f"{int(heads[0]) + 1:04d}" if heads else "0001"
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=autogenerate, rev_id=rev_id)


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; ``None`` for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_problem(engine: Engine) -> str | None:
    """What keeps this version of the app from using the database, said in one line, or None
    when its schema is at the newest revision."""
    with engine.connect() as connection:
        current = current_revision(connection)
    head = head_revision()
    if current == head:
        return None
    if current is None:
        return "the database is not set up (it has no schema revision)"
    return f"the database is at schema revision {current}, not {head} as this version needs"
