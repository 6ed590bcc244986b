"""quality feedback: a volunteer's rating (and comment) of a shift they attended

Revision ID: 0005_i12quality
Revises: 0004_i9fix
Create Date: 2026-12-02 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0005_i12quality"
down_revision: str | None = "0004_i9fix"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shift_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attendance_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", UTCDateTime(), nullable=False),
        sa.Column("commented_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["attendance_id"], ["attendance.id"]),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"]),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunity.id"]),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attendance_id", name="uq_shift_rating_attendance"),
    )
    op.create_index("ix_shift_rating_center_rated", "shift_rating", ["center_id", "rated_at", "opportunity_id", "score"], unique=False)
    op.create_index("ix_shift_rating_rated", "shift_rating", ["rated_at", "center_id", "opportunity_id", "score"], unique=False)
    op.create_index("ix_shift_rating_opportunity_rated", "shift_rating", ["opportunity_id", "rated_at"], unique=False)
    commented = sa.text("comment IS NOT NULL")
    op.create_index("ix_shift_rating_commented_center", "shift_rating", ["center_id", "rated_at"], unique=False,
                    sqlite_where=commented, postgresql_where=commented)
    op.create_index("ix_shift_rating_commented", "shift_rating", ["rated_at"], unique=False,
                    sqlite_where=commented, postgresql_where=commented)


def downgrade() -> None:
    op.drop_index("ix_shift_rating_commented", table_name="shift_rating")
    op.drop_index("ix_shift_rating_commented_center", table_name="shift_rating")
    op.drop_index("ix_shift_rating_rated", table_name="shift_rating")
    op.drop_index("ix_shift_rating_opportunity_rated", table_name="shift_rating")
    op.drop_index("ix_shift_rating_center_rated", table_name="shift_rating")
    op.drop_table("shift_rating")
