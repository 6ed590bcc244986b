"""personal passes, walk-ins and who granted a role

volunteer.pass_token (the secret behind /pass), signup.walk_in, volunteer.role_granted_by and
role_granted_at. Roles given with /role before this revision are credited to their granter from
the audit log, so that no explicit grant is mistaken for an admin from COORDINATOR_IDS (those
lose the role at the next start once removed from the setting).

Revision ID: 0004_i9pass
Revises: 0004_i9loc
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "0004_i9pass"
down_revision: str | None = "0004_i9loc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LATEST_GRANT = """
    SELECT a.{column} FROM audit_log a
    WHERE a.action = 'role.assign' AND a.allowed AND a.target = 'volunteer:' || volunteer.telegram_id
    ORDER BY a.id DESC LIMIT 1
"""


def upgrade() -> None:
    op.add_column("volunteer", sa.Column("role_granted_by", sa.BigInteger(), nullable=True))
    op.add_column("volunteer", sa.Column("role_granted_at", models.base.UTCDateTime(), nullable=True))
    op.add_column("volunteer", sa.Column("pass_token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    op.create_index("ix_volunteer_pass_token", "volunteer", ["pass_token"], unique=True)
    op.add_column("signup", sa.Column("walk_in", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE volunteer SET role_granted_by = ({by}), role_granted_at = ({at}) WHERE role IN ('coordinator', 'admin')".format(
            by=_LATEST_GRANT.format(column="actor_telegram_id"), at=_LATEST_GRANT.format(column="at")
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("signup") as batch_op:
        batch_op.drop_column("walk_in")
    op.drop_index("ix_volunteer_pass_token", table_name="volunteer")
    with op.batch_alter_table("volunteer") as batch_op:
        batch_op.drop_column("pass_token")
        batch_op.drop_column("role_granted_at")
        batch_op.drop_column("role_granted_by")
