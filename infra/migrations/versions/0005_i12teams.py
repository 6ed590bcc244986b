"""neighborhood teams: teams, their members (one team per center and volunteer), seat bookings,
the leader's messages, and seats swapped between teammates

Revision ID: 0005_i12teams
Revises: 0005_i13minors
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0005_i12teams"
down_revision: str | None = "0005_i13minors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _string(length: int) -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("name", _string(64), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("invite_code", _string(16), nullable=False),
        sa.Column("status", _string(16), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("decided_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["leader_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invite_code"),
    )
    op.create_index("ix_team_center_status", "team", ["center_id", "status"], unique=False)
    op.create_table(
        "team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["volunteer_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("center_id", "volunteer_id", name="uq_team_member_center_volunteer"),
    )
    op.create_index("ix_team_member_team", "team_member", ["team_id", "volunteer_id"], unique=False)
    op.create_index("ix_team_member_volunteer", "team_member", ["volunteer_id"], unique=False)
    op.create_table(
        "team_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("deadline", models.base.UTCDateTime(), nullable=False),
        sa.Column("booked_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("released_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["shift_id"], ["shift.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "shift_id", name="uq_team_booking_team_shift"),
    )
    op.create_index(
        "ix_team_booking_held", "team_booking", ["deadline"], unique=False,
        sqlite_where=sa.text("held > 0"), postgresql_where=sa.text("held > 0"),
    )
    op.create_table(
        "team_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("sent_by", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sent_by"], ["volunteer.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_team_message_team_sent", "team_message", ["team_id", "sent_at"], unique=False)
    op.create_table(
        "seat_swap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signup_id", sa.Integer(), nullable=False),
        sa.Column("from_volunteer_id", sa.Integer(), nullable=False),
        sa.Column("to_volunteer_id", sa.Integer(), nullable=False),
        sa.Column("status", _string(16), nullable=False),
        sa.Column("offered_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("answered_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("taken_signup_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["from_volunteer_id"], ["volunteer.id"]),
        sa.ForeignKeyConstraint(["signup_id"], ["signup.id"]),
        sa.ForeignKeyConstraint(["taken_signup_id"], ["signup.id"]),
        sa.ForeignKeyConstraint(["to_volunteer_id"], ["volunteer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_seat_swap_signup", "seat_swap", ["signup_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_seat_swap_signup", table_name="seat_swap")
    op.drop_table("seat_swap")
    op.drop_index("ix_team_message_team_sent", table_name="team_message")
    op.drop_table("team_message")
    op.drop_index("ix_team_booking_held", table_name="team_booking")
    op.drop_table("team_booking")
    op.drop_index("ix_team_member_volunteer", table_name="team_member")
    op.drop_index("ix_team_member_team", table_name="team_member")
    op.drop_table("team_member")
    op.drop_index("ix_team_center_status", table_name="team")
    op.drop_table("team")
