"""a volunteer's own data: emergency contact, a gender change pending confirmation, erasure time,
and the index that finds the records a person closed for others

Revision ID: 0005_i13profile
Revises: 0005_i11art
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0005_i13profile"
down_revision: str | None = "0005_i11art"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("volunteer") as batch:
        batch.add_column(sa.Column("emergency_name", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("emergency_phone", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("pending_gender", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("pending_gender_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))
    op.create_index("ix_attendance_checked_out_by", "attendance", ["checked_out_by"], unique=False)
    op.create_index("ix_volunteer_role_granted_by", "volunteer", ["role_granted_by"], unique=False,
                    sqlite_where=sa.text("role_granted_by IS NOT NULL"), postgresql_where=sa.text("role_granted_by IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_volunteer_role_granted_by", table_name="volunteer")
    op.drop_index("ix_attendance_checked_out_by", table_name="attendance")
    with op.batch_alter_table("volunteer") as batch:
        for name in ("erased_at", "pending_gender_at", "pending_gender", "emergency_phone", "emergency_name"):
            batch.drop_column(name)
