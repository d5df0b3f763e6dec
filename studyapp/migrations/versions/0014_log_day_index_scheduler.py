"""The review log's day index holds each answer's scheduler too: whether an answer recalled the
card depends on its scheduler's grade scale, and the stats page counts that per day from the
index alone.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _log_day_index(columns: list[str]) -> None:
    op.drop_index("ix_review_log_user_day", table_name="review_log")
    op.create_index("ix_review_log_user_day", "review_log", columns, unique=False)


def upgrade() -> None:
    _log_day_index(["user_id", "reviewed_on", "kind", "interval_before", "grade", "scheduler"])


def downgrade() -> None:
    _log_day_index(["user_id", "reviewed_on", "kind", "interval_before", "grade"])
