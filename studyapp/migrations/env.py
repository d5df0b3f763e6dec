"""Alembic's environment: runs revisions on the connection studyapp.migrate hands it."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from studyapp.models import Base, UTCDateTime
from studyapp.queue import QUEUE_TABLE_PREFIX

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Revisions must not import the app: our column types are written as the plain SQL type.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import sqlalchemy as sa")
        return "sa.DateTime(timezone=True)"
    return False


def _ours(name: str | None, type_: str, _parents: Any) -> bool:
    # The job queue's tables (huey's, made by huey itself in a PostgreSQL database) are not
    # the app's schema: autogenerate neither drops nor adds them.
    return not (type_ == "table" and (name or "").startswith(QUEUE_TABLE_PREFIX))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters tables by rebuilding them; batch mode does that for us.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        include_name=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; use `studyapp db upgrade`")

_connection = config.attributes.get("connection")
if _connection is None:
    raise SystemExit("run migrations through `studyapp db upgrade`, which supplies the database")
_run(_connection)
