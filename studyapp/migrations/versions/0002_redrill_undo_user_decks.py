"""Same-day re-drill, an undo snapshot in the review log, and library decks in "my cards".

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 05:36:33.809795
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_decks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deck_id"], ["decks.id"], name=op.f("fk_user_decks_deck_id_decks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_decks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "deck_id", name=op.f("pk_user_decks")),
    )
    with op.batch_alter_table("user_decks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_decks_deck_id"), ["deck_id"], unique=False)

    with op.batch_alter_table("review_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lapses_before", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("last_reviewed_before", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("redrill_before", sa.Date(), nullable=True))

    with op.batch_alter_table("review_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redrill_on", sa.Date(), nullable=True))
        batch_op.create_index(
            "ix_review_states_redrill",
            ["user_id", "redrill_on"],
            unique=False,
            sqlite_where=sa.text("redrill_on IS NOT NULL"),
            postgresql_where=sa.text("redrill_on IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("review_states", schema=None) as batch_op:
        batch_op.drop_index("ix_review_states_redrill")
        batch_op.drop_column("redrill_on")

    with op.batch_alter_table("review_log", schema=None) as batch_op:
        batch_op.drop_column("redrill_before")
        batch_op.drop_column("last_reviewed_before")
        batch_op.drop_column("lapses_before")

    with op.batch_alter_table("user_decks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_decks_deck_id"))

    op.drop_table("user_decks")
