"""Siblings can be buried until tomorrow (a per-user setting, on by default as in Anki), and a
card text the user edited says so, so that importing the same summary again keeps the edit.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("bury_siblings", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("card_texts") as batch:
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("card_texts") as batch:
        batch.drop_column("edited_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("bury_siblings")
