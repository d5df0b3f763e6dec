"""Cards brought from Anki: a card's kind may be ``note`` (a Basic, reversed or Cloze note's
card, as written in Anki), beside the two kinds the extractor makes; and an uploaded Anki
package waits in ``anki_uploads`` for the user's go-ahead.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _kinds(*kinds: str) -> None:
    with op.batch_alter_table("cards") as batch:
        batch.drop_constraint(op.f("ck_cards_card_kind"), type_="check")
        listed = ", ".join(f"'{kind}'" for kind in kinds)
        batch.create_check_constraint(op.f("ck_cards_card_kind"), f"kind IN ({listed})")


def upgrade() -> None:
    _kinds("method_idea", "headline_number", "note")
    op.create_table(
        "anki_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_anki_uploads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anki_uploads")),
    )
    op.create_index(op.f("ix_anki_uploads_user_id"), "anki_uploads", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_anki_uploads_user_id"), table_name="anki_uploads")
    op.drop_table("anki_uploads")
    # Cards brought from Anki have no kind to fall back to: downgrading removes them, and the
    # papers that held them.
    op.execute("DELETE FROM papers WHERE id IN (SELECT paper_id FROM cards WHERE kind = 'note')")
    op.execute("DELETE FROM cards WHERE kind = 'note'")
    _kinds("method_idea", "headline_number")
