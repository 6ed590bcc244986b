"""records coordinators can fix: who closed an attendance, where off-system work was done, phones
in one canonical form, and the indexes of the record lookup (phone; name and center)

Revision ID: 0004_i9fix
Revises: 0004_i9loc
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.phones import normalize_phone

revision: str = "0004_i9fix"
down_revision: str | None = "0004_i9pass"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 1_000


def upgrade() -> None:
    op.add_column("attendance", sa.Column("checked_out_by", sa.BigInteger(), nullable=True))
    op.create_table(
        "off_system_work",
        sa.Column("attendance_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["attendance_id"], ["attendance.id"]),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"]),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunity.id"]),
        sa.PrimaryKeyConstraint("attendance_id"),
    )
    op.create_index("ix_off_system_work_center_id", "off_system_work", ["center_id"], unique=False)
    _canonical_phones()
    op.create_index("ix_volunteer_phone", "volunteer", ["phone"], unique=False)
    op.create_index("ix_volunteer_display_name_center", "volunteer", ["display_name", "center_id"], unique=False)


def _canonical_phones() -> None:
    """Phones kept before this revision were `+<digits>` of what Telegram shared: bring every one to
    the canonical form the lookup compares with (unchanged when it already is, or is not a phone)."""
    connection = op.get_bind()
    volunteer = sa.table("volunteer", sa.column("id", sa.Integer()), sa.column("phone", sa.String()))
    rows = connection.execute(sa.select(volunteer.c.id, volunteer.c.phone).where(volunteer.c.phone.is_not(None))).all()
    changes = [
        {"row_id": row_id, "canonical": canonical}
        for row_id, phone in rows
        if (canonical := normalize_phone(phone, international=True)) is not None and canonical != phone
    ]
    update = sa.update(volunteer).where(volunteer.c.id == sa.bindparam("row_id")).values(phone=sa.bindparam("canonical"))
    for start in range(0, len(changes), CHUNK):
        connection.execute(update, changes[start : start + CHUNK])


def downgrade() -> None:
    op.drop_index("ix_volunteer_display_name_center", table_name="volunteer")
    op.drop_index("ix_volunteer_phone", table_name="volunteer")
    op.drop_index("ix_off_system_work_center_id", table_name="off_system_work")
    op.drop_table("off_system_work")
    with op.batch_alter_table("attendance") as batch_op:
        batch_op.drop_column("checked_out_by")
