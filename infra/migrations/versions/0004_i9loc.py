"""Proof of presence: wrong check-in codes counted, live locations followed, new shift secrets

Revision ID: 0004_i9loc
Revises: 0004_outbox_retention
Create Date: 2026-12-01 23:00:00

Until now the deep link behind a shift's QR code carried `shift.checkin_code` itself; from now on
that column is the secret the rotating codes are derived from. Every shift that has not ended gets
a new secret, so a link photographed before this version is not a way to compute the new codes.
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0004_i9loc"
down_revision: str | None = "0004_i9hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wrong_checkin_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wrong_checkin_code_volunteer_at", "wrong_checkin_code", ["volunteer_id", "at"], unique=False)
    op.add_column("attendance", sa.Column("live_seen_at", models.base.UTCDateTime(), nullable=True))
    op.add_column("attendance", sa.Column("live_distance_m", sa.Integer(), nullable=True))
    op.add_column("attendance", sa.Column("left_site_at", models.base.UTCDateTime(), nullable=True))

    connection = op.get_bind()
    shift = sa.table("shift", sa.column("id", sa.Integer()), sa.column("ends_at", models.base.UTCDateTime()),
                     sa.column("checkin_code", sa.String()))
    ids = connection.execute(sa.select(shift.c.id).where(shift.c.ends_at > datetime.now(UTC))).scalars().all()
    for shift_id in ids:
        connection.execute(sa.update(shift).where(shift.c.id == shift_id).values(checkin_code=secrets.token_urlsafe(16)))


def downgrade() -> None:
    with op.batch_alter_table("attendance") as batch_op:
        batch_op.drop_column("left_site_at")
        batch_op.drop_column("live_distance_m")
        batch_op.drop_column("live_seen_at")
    op.drop_index("ix_wrong_checkin_code_volunteer_at", table_name="wrong_checkin_code")
    op.drop_table("wrong_checkin_code")
