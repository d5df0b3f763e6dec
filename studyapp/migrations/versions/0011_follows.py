"""Followed series: subscriptions to a daily source, and what became of each day.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("run_at", sa.Time(), nullable=False),
        sa.Column("min_votes", sa.Integer(), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("max_new", sa.Integer(), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_imported_on", sa.Date(), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("papers_added", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=60), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error_detail", sa.Text(), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("busy_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deck_id"], ["decks.id"], name=op.f("fk_follows_deck_id_decks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_follows_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follows_deck_id"), ["deck_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follows_next_run_at"), ["next_run_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_follows_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "follow_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follow_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "imported",
                "missing",
                "failed",
                name="day_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("papers", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["follow_id"],
            ["follows.id"],
            name=op.f("fk_follow_days_follow_id_follows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_days")),
        sa.UniqueConstraint("follow_id", "day", name=op.f("uq_follow_days_follow_id_day")),
    )


def downgrade() -> None:
    op.drop_table("follow_days")
    op.drop_table("follows")
