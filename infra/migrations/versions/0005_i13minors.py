"""minors and guardians: a volunteer's year of birth, an opportunity's minimum age, guardian consent

Revision ID: 0005_i13minors
Revises: 0005_i13profile
Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0005_i13minors"
down_revision: str | None = "0005_i13profile"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("volunteer") as batch:
        batch.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))
    with op.batch_alter_table("opportunity") as batch:
        batch.add_column(sa.Column("min_age", sa.Integer(), nullable=True))
    op.create_table(
        "guardian_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("guardian_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("recorded_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("granted_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("volunteer_id"),
    )


def downgrade() -> None:
    op.drop_table("guardian_consent")
    with op.batch_alter_table("opportunity") as batch:
        batch.drop_column("min_age")
    with op.batch_alter_table("volunteer") as batch:
        batch.drop_column("birth_year")
