"""FSRS beside SM-2: a user chooses the scheduler and FSRS's settings; a review state says which
scheduler keeps it and holds FSRS's memory; a log row says which scheduler answered and keeps
FSRS's memory before and after.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


_KNOWN = "scheduler IN ('sm2', 'fsrs')"


def _scheduler() -> sa.Column[str]:
    return sa.Column(
        "scheduler",
        sa.Enum(
            "sm2",
            "fsrs",
            name="scheduler_name",
            native_enum=False,
            create_constraint=False,
            length=32,
        ),
        nullable=False,
        server_default="sm2",
    )


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(_scheduler())
        batch.create_check_constraint(op.f("ck_users_scheduler_name"), _KNOWN)
        batch.add_column(
            sa.Column("desired_retention", sa.Float(), nullable=False, server_default="0.9")
        )
        batch.add_column(
            sa.Column("maximum_interval", sa.Integer(), nullable=False, server_default="36500")
        )
        batch.add_column(sa.Column("fsrs_parameters", sa.JSON(), nullable=True))
    with op.batch_alter_table("review_states") as batch:
        batch.add_column(_scheduler())
        batch.create_check_constraint(op.f("ck_review_states_scheduler_name"), _KNOWN)
        batch.add_column(sa.Column("stability", sa.Float(), nullable=True))
        batch.add_column(sa.Column("difficulty", sa.Float(), nullable=True))
        batch.add_column(sa.Column("phase", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("step", sa.SmallInteger(), nullable=True))
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("review_log") as batch:
        batch.add_column(_scheduler())
        batch.create_check_constraint(op.f("ck_review_log_scheduler_name"), _KNOWN)
        batch.add_column(sa.Column("memory_before", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("memory_after", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_log") as batch:
        batch.drop_constraint(op.f("ck_review_log_scheduler_name"), type_="check")
        for name in ("memory_after", "memory_before", "scheduler"):
            batch.drop_column(name)
    with op.batch_alter_table("review_states") as batch:
        batch.drop_constraint(op.f("ck_review_states_scheduler_name"), type_="check")
        for name in ("due_at", "step", "phase", "difficulty", "stability", "scheduler"):
            batch.drop_column(name)
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_scheduler_name"), type_="check")
        for name in ("fsrs_parameters", "maximum_interval", "desired_retention", "scheduler"):
            batch.drop_column(name)
