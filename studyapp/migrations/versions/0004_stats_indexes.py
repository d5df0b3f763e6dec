"""Indexes for the stats page: the review log's day index also holds the grade and the
interval before (answers per day, true retention), and a covering index on review states holds
what mastery by topic and the ease and interval histograms count. Each is read alone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 08:02:58.404690
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_review_log_user_day", table_name="review_log")
    op.create_index(
        "ix_review_log_user_day",
        "review_log",
        ["user_id", "reviewed_on", "interval_before", "grade"],
        unique=False,
    )
    op.create_index(
        "ix_review_states_stats",
        "review_states",
        ["user_id", "suspended", "card_id", "last_reviewed_at", "interval_days", "ease"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_review_states_stats", table_name="review_states")
    op.drop_index("ix_review_log_user_day", table_name="review_log")
    op.create_index(
        "ix_review_log_user_day", "review_log", ["user_id", "reviewed_on"], unique=False
    )
