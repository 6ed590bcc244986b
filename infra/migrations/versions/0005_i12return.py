"""what keeps volunteers coming back: interests, the daily digest, the leaderboard (opt-in, and its kept sums)

Revision ID: 0005_i12return
Revises: 0005_i12teams
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "0005_i12return"
down_revision: str | None = "0005_i12teams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("volunteer", sa.Column("digest_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("volunteer", sa.Column("digest_since", UTCDateTime(), nullable=True))
    op.add_column("volunteer", sa.Column("leaderboard_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(
        "ix_volunteer_leaderboard", "volunteer", ["center_id", "id"], unique=False,
        sqlite_where=sa.text("leaderboard_opt_in = 1"), postgresql_where=sa.text("leaderboard_opt_in = true"),
    )
    op.create_index(
        "ix_volunteer_digest", "volunteer", ["id"], unique=False,
        sqlite_where=sa.text("digest_opt_in = 1"), postgresql_where=sa.text("digest_opt_in = true"),
    )
    op.create_table(
        "interest_category",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("volunteer_id", "category"),
    )
    op.create_table(
        "interest_center",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("volunteer_id", "center_id"),
    )
    op.create_table(
        "leaderboard_entry",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("period", "volunteer_id"),
    )
    op.create_index(
        "ix_leaderboard_entry_board", "leaderboard_entry", ["center_id", "period", "minutes", "volunteer_id"], unique=False
    )
    op.create_table(
        "digest_run",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("ran_at", UTCDateTime(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade() -> None:
    op.drop_table("digest_run")
    op.drop_index("ix_leaderboard_entry_board", table_name="leaderboard_entry")
    op.drop_table("leaderboard_entry")
    op.drop_table("interest_center")
    op.drop_table("interest_category")
    op.drop_index("ix_volunteer_digest", table_name="volunteer")
    op.drop_index("ix_volunteer_leaderboard", table_name="volunteer")
    with op.batch_alter_table("volunteer") as batch:
        batch.drop_column("leaderboard_opt_in")
        batch.drop_column("digest_since")
        batch.drop_column("digest_opt_in")
