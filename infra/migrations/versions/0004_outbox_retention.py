"""Outbox retention: an index by age for the pruning sweep, and each broadcast's final counts

Revision ID: 0004_outbox_retention
Revises: 0003
Create Date: 2026-12-01 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_outbox_retention"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("broadcast", sa.Column("final_counts", sa.Text(), nullable=True))
    op.create_index("ix_outbox_created", "outbox_message", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_created", table_name="outbox_message")
    with op.batch_alter_table("broadcast") as batch_op:
        batch_op.drop_column("final_counts")
