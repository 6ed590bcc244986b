"""confirmed hours and waitlist offers: attendance.reviewed_at, signup.offer_expires_at, partial indexes

Revision ID: 0004_i9hours
Revises: 0004_outbox_retention
Create Date: 2026-12-01 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0004_i9hours"
down_revision: str | None = "0004_outbox_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("attendance", sa.Column("reviewed_at", models.base.UTCDateTime(), nullable=True))
    op.add_column("signup", sa.Column("offer_expires_at", models.base.UTCDateTime(), nullable=True))
    # All partial (a few rows among millions; creating each reads the table once). Confirmed minutes
    # are all minutes (the covering indexes) minus the pending ones, which these two answer alone.
    op.drop_index("ix_attendance_flagged", table_name="attendance")
    op.create_index("ix_attendance_flagged", "attendance", ["flagged", "checked_in_at", "volunteer_id", "credited_minutes"],
                    unique=False, sqlite_where=sa.text("flagged = 1"), postgresql_where=sa.text("flagged = true"))
    op.create_index("ix_attendance_pending", "attendance", ["volunteer_id", "flagged", "checked_in_at", "credited_minutes"],
                    unique=False, sqlite_where=sa.text("flagged = 1"), postgresql_where=sa.text("flagged = true"))
    op.create_index("ix_attendance_reviewed", "attendance", ["reviewed_at"], unique=False,
                    sqlite_where=sa.text("reviewed_at IS NOT NULL"), postgresql_where=sa.text("reviewed_at IS NOT NULL"))
    op.create_index("ix_signup_offered", "signup", ["offer_expires_at"], unique=False,
                    sqlite_where=sa.text("status = 'offered'"), postgresql_where=sa.text("status = 'offered'"))


def downgrade() -> None:
    op.drop_index("ix_signup_offered", table_name="signup")
    op.drop_index("ix_attendance_reviewed", table_name="attendance")
    op.drop_index("ix_attendance_pending", table_name="attendance")
    op.drop_index("ix_attendance_flagged", table_name="attendance")
    op.create_index("ix_attendance_flagged", "attendance", ["flagged", "checked_in_at"], unique=False,
                    sqlite_where=sa.text("flagged = 1"), postgresql_where=sa.text("flagged = true"))
    with op.batch_alter_table("signup") as batch_op:
        batch_op.drop_column("offer_expires_at")
    with op.batch_alter_table("attendance") as batch_op:
        batch_op.drop_column("reviewed_at")
