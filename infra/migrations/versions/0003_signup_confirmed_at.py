"""signup.confirmed_at: when a volunteer said "I'll be there"

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("signup", sa.Column("confirmed_at", models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signup") as batch_op:
        batch_op.drop_column("confirmed_at")
