"""training courses and qualifications (issue 12)

qualification (a named skill with an optional validity), course_qualification (the one
qualification a training opportunity grants), required_qualification (what an opportunity asks of
its volunteers) and volunteer_qualification (who holds which, until when; revoked rows stay).

Revision ID: 0005_i12courses
Revises: 0005_i12return
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0005_i12courses"
down_revision: str | None = "0005_i12return"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qualification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name_ar", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("validity_months", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "course_qualification",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("qualification_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunity.id"]),
        sa.ForeignKeyConstraint(["qualification_id"], ["qualification.id"]),
        sa.PrimaryKeyConstraint("opportunity_id"),
    )
    op.create_index("ix_course_qualification_qualification_id", "course_qualification", ["qualification_id"])
    op.create_table(
        "required_qualification",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("qualification_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunity.id"]),
        sa.ForeignKeyConstraint(["qualification_id"], ["qualification.id"]),
        sa.PrimaryKeyConstraint("opportunity_id", "qualification_id"),
    )
    op.create_table(
        "volunteer_qualification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("qualification_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attendance_id", sa.Integer(), nullable=True),
        sa.Column("granted_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("revoked_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["attendance_id"], ["attendance.id"]),
        sa.ForeignKeyConstraint(["qualification_id"], ["qualification.id"]),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("volunteer_id", "qualification_id", name="uq_volunteer_qualification"),
    )
    op.create_index("ix_volunteer_qualification_qualification_id", "volunteer_qualification", ["qualification_id"])


def downgrade() -> None:
    op.drop_index("ix_volunteer_qualification_qualification_id", table_name="volunteer_qualification")
    op.drop_table("volunteer_qualification")
    op.drop_table("required_qualification")
    op.drop_index("ix_course_qualification_qualification_id", table_name="course_qualification")
    op.drop_table("course_qualification")
    op.drop_table("qualification")
