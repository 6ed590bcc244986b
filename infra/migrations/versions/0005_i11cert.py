"""issued certificates and experience letters (serial, verification code, snapshot, versions)

Revision ID: 0005_i11cert
Revises: 0005_i12courses
Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0005_i11cert"
down_revision: str | None = "0005_i12courses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issued_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("document", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("holder_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("shifts", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issued_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("revoked_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by", sa.BigInteger(), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("serial"),
    )
    op.create_index("ix_issued_certificate_scope", "issued_certificate", ["volunteer_id", "document", "scope"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_issued_certificate_scope", table_name="issued_certificate")
    op.drop_table("issued_certificate")
