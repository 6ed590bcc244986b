"""yearly targets per center (/settarget), for the center's own /stats

Revision ID: 0005_i11art
Revises: 0005_i12quality
Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0005_i11art"
down_revision: str | None = "0005_i12quality"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "center_target",
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("opportunities", sa.Integer(), nullable=False),
        sa.Column("set_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.PrimaryKeyConstraint("center_id", "year"),
    )


def downgrade() -> None:
    op.drop_table("center_target")
