"""The review queue's indexes hold everything the queue reads: the next card is the first
entry in (user, due date, card) order, and the cards left today, re-drills included, and the
answers given today by kind are counted from the indexes alone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 08:58:50.685168
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_review_states_due_queue", table_name="review_states")
    op.create_index(
        "ix_review_states_due_queue",
        "review_states",
        ["user_id", "due_on", "card_id", "suspended", "redrill_on"],
        unique=False,
    )
    _redrill_index(["user_id", "redrill_on", "suspended"])
    _log_day_index(["user_id", "reviewed_on", "kind", "interval_before", "grade"])


def downgrade() -> None:
    _log_day_index(["user_id", "reviewed_on", "interval_before", "grade"])
    _redrill_index(["user_id", "redrill_on"])
    op.drop_index("ix_review_states_due_queue", table_name="review_states")
    op.create_index(
        "ix_review_states_due_queue", "review_states", ["user_id", "due_on"], unique=False
    )


def _redrill_index(columns: list[str]) -> None:
    only_redrills = sa.text("redrill_on IS NOT NULL")
    op.drop_index("ix_review_states_redrill", table_name="review_states")
    op.create_index(
        "ix_review_states_redrill",
        "review_states",
        columns,
        unique=False,
        sqlite_where=only_redrills,
        postgresql_where=only_redrills,
    )


def _log_day_index(columns: list[str]) -> None:
    op.drop_index("ix_review_log_user_day", table_name="review_log")
    op.create_index("ix_review_log_user_day", "review_log", columns, unique=False)
