"""a partial index for /review: flagged attendance records, oldest first

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_attendance_flagged", "attendance", ["flagged", "checked_in_at"], unique=False,
                    sqlite_where=sa.text("flagged = 1"), postgresql_where=sa.text("flagged = true"))


def downgrade() -> None:
    op.drop_index("ix_attendance_flagged", table_name="attendance")
