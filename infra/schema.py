"""Which migration the database is at, which ones this version has, and applying them with a report.

`infra.database.migrate` does the work; this module says what happened, for the start-up log,
`doctor` and `restore`. A failed upgrade runs in one transaction (see `migrate`): SQLite and
PostgreSQL both undo DDL on rollback, so the database stays at the revision it had.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from infra.database import alembic_config, migrate


@dataclass(frozen=True)
class SchemaState:
    """Where the database is against this version's migrations."""

    current: str | None  # None: an empty database (no alembic_version yet)
    head: str
    pending: tuple[str, ...]  # oldest first
    known: bool  # False: migrated by a newer version of the bot (a revision this one lacks)

    @property
    def up_to_date(self) -> bool:
        return self.known and not self.pending


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade` did."""

    before: str | None
    after: str
    applied: tuple[str, ...]


class MigrationFailed(Exception):
    """The schema cannot be brought to this version's head; the message says why and what to do."""

    @classmethod
    def raised(cls, at: str | None, target: str, error: BaseException) -> MigrationFailed:
        """A migration raised; the database is still at `at`."""
        lines = str(error).strip().splitlines()
        reason = lines[0][:300] if lines else ""
        return cls(
            f"the database migration from {at or 'an empty database'} to {target} failed "
            f"({type(error).__name__}: {reason}); the database was left at {at or 'empty'}: "
            "restore a backup (volunteer-bot restore) or report this error"
        )

    @classmethod
    def too_new(cls, at: str) -> MigrationFailed:
        return cls(
            f"the database is at migration {at}, which this version of volunteer-bot does not have: "
            "it was upgraded by a newer version; run that version, or restore a backup made with this one"
        )


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def all_revisions() -> tuple[str, ...]:
    """Every migration this version has, oldest first."""
    return tuple(reversed([script.revision for script in _scripts().walk_revisions()]))


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None, "no migrations found"
    return head


def _state(connection: Connection) -> SchemaState:
    scripts = _scripts()
    head = head_revision()
    current = MigrationContext.configure(connection).get_current_revision()
    known = _exists(scripts, current)
    pending: tuple[str, ...] = ()
    if known:
        steps = scripts.iterate_revisions(head, current)  # newest first
        pending = tuple(reversed([step.revision for step in steps]))
    return SchemaState(current=current, head=head, pending=pending, known=known)


def _exists(scripts: ScriptDirectory, revision: str | None) -> bool:
    if revision is None:
        return True
    try:
        return scripts.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for an unknown revision
        return False


async def schema_state(engine: AsyncEngine) -> SchemaState:
    """Read the database's revision (changes nothing)."""
    async with engine.connect() as connection:
        return await connection.run_sync(_state)


async def upgrade(engine: AsyncEngine) -> Upgrade:
    """Apply every pending migration; MigrationFailed (database unchanged) when one raises."""
    before = await schema_state(engine)
    if not before.known:
        raise MigrationFailed.too_new(str(before.current))
    if not before.pending:
        return Upgrade(before.current, before.head, ())
    try:
        started_at = await migrate(engine)
    except Exception as error:
        at = (await schema_state(engine)).current
        raise MigrationFailed.raised(at, before.head, error) from error
    if started_at != before.current:  # another instance migrated while this one waited for the lock
        applied = tuple(r for r in before.pending if r not in _scripts_up_to(started_at))
        return Upgrade(started_at, before.head, applied)
    return Upgrade(before.current, before.head, before.pending)


def _scripts_up_to(revision: str | None) -> set[str]:
    """`revision` and every migration before it."""
    if revision is None:
        return set()
    return {step.revision for step in _scripts().iterate_revisions(revision, "base")}
