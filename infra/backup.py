"""Backups of the embedded SQLite database, and the lock that keeps a restore away from a running bot.

A copy of the database file alone can miss recent writes: the bot runs SQLite in WAL mode, and
until a checkpoint they live in the `-wal` file. SQLite's online backup API reads through SQLite
itself, WAL included. We copy in one step (`pages=-1`), that is inside one read transaction: in
WAL mode it does not block the bot's writers, and a transaction they commit meanwhile is either
wholly in the copy or not at all. The copy is written beside its target, checked with
`PRAGMA quick_check`, turned into a single self-contained file (rollback-journal mode, no -wal)
and only then renamed into place: a backup that exists is a whole one.

A restore writes the backup into the live file through the same API (so the database's own -wal
is dealt with by SQLite, not by deleting files), after keeping a copy of what it replaces.

A running bot holds a shared lock (flock) on `<database>.lock`; restore takes it exclusively. So
a restore is refused while any bot runs on that file, and a bot refuses to start during a
restore; the lock dies with its process, even after kill -9. Where flock does not exist (Windows)
the lock is not taken.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]  # no fcntl on Windows

BUSY_TIMEOUT_MS = 30_000
STAMP = "%Y-%m-%dT%H%M%SZ"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in one sentence."""


class DatabaseBusy(BackupError):
    """Someone else holds the database's lock."""


@dataclass(frozen=True)
class Copy:
    """A finished copy of a database."""

    path: Path
    size: int
    seconds: float
    revision: str | None  # the schema's migration (None: not a volunteer-bot database)


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class DatabaseLock:
    """flock on `<database>.lock`: shared while a bot runs, exclusive during a restore."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self._file: IO[bytes] | None = None

    def _take(self, mode: int, busy: str) -> None:
        if fcntl is None:
            return
        path = lock_path(self.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("ab")
        try:
            fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DatabaseBusy(busy) from None
        self._file = handle

    def hold_shared(self) -> None:
        """For `volunteer-bot run`: any number of bots, but no restore, at a time."""
        self._take(fcntl.LOCK_SH if fcntl else 0, f"a restore of {self.database} is under way: start the bot once it has finished")

    def hold_exclusive(self) -> None:
        """For `volunteer-bot restore`: no bot may be running on the file."""
        self._take(
            fcntl.LOCK_EX if fcntl else 0,
            f"a volunteer-bot is running on {self.database}: stop it first (Ctrl-C, or systemctl stop …), then restore",
        )

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file releases the flock
            self._file = None


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        yield connection


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _check(connection: sqlite3.Connection, what: Path) -> None:
    try:
        verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{what} is not a SQLite database ({error})") from None
    if verdict != "ok":
        raise BackupError(f"{what} is damaged (quick_check: {verdict})")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_sqlite(database: Path, target: Path) -> Copy:
    """A consistent copy of `database` (WAL included) at `target`, while the bot may be writing."""
    if not database.is_file():
        raise BackupError(f"there is no database at {database} (yet): nothing to back up")
    if target.exists():
        raise BackupError(f"{target} already exists: choose another file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        with _connect(database) as source, _connect(partial) as copy:
            source.backup(copy, pages=-1)  # one step: one read transaction, one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # a single file, whatever the source used
            _check(copy, target)
            revision = _revision(copy)
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except sqlite3.Error as error:
        raise BackupError(f"could not back up {database} to {target} ({error})") from None
    finally:
        partial.unlink(missing_ok=True)
    return Copy(target, target.stat().st_size, time.monotonic() - started, revision)


def inspect_backup(backup: Path) -> Copy:
    """A backup as restore sees it, refused when it is not a whole volunteer-bot database."""
    if not backup.is_file():
        raise BackupError(f"there is no file {backup}")
    with closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        _check(connection, backup)
        revision = _revision(connection)
    if revision is None:
        raise BackupError(f"{backup} is a SQLite database, but not one of volunteer-bot (it has no alembic_version)")
    return Copy(backup, backup.stat().st_size, 0.0, revision)


def restore_sqlite(backup: Path, database: Path, *, now: datetime | None = None) -> Path | None:
    """Put `backup` in place of `database` (hold the exclusive lock); the copy kept of the old one."""
    inspect_backup(backup)
    kept = None
    if database.is_file():
        stamp = (now or datetime.now(UTC)).strftime(STAMP)
        kept = backup_sqlite(database, database.with_name(f"{database.stem}.before-restore-{stamp}{database.suffix}")).path
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _connect(backup) as source, _connect(database) as live:
            # Leaving WAL mode checkpoints and removes the old -wal: nothing of it can come back.
            live.execute("PRAGMA journal_mode=DELETE")
            source.backup(live, pages=-1)
            _check(live, database)
            live.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as error:
        hint = ": another program has it open (a sqlite3 shell, a bot not started with `run`); close it" if "locked" in str(error) else ""
        raise BackupError(f"could not restore {backup} into {database} ({error}{hint}); nothing was changed") from None
    return kept


def backup_name(database: Path, when: datetime) -> str:
    return f"{database.stem}-{when.astimezone(UTC).strftime(STAMP)}.sqlite3"


def _rotation(directory: Path, database: Path) -> list[Path]:
    """The daily backups of `database` in `directory`, oldest first (other files are never touched)."""
    pattern = re.compile(re.escape(database.stem) + r"-\d{4}-\d\d-\d\dT\d{6}Z\.sqlite3")
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if pattern.fullmatch(path.name))


def newest_backup_time(directory: Path, database: Path) -> datetime | None:
    """When the newest backup in `directory` was taken (from its name), if there is one."""
    found = _rotation(directory, database)
    if not found:
        return None
    stamp = found[-1].name[len(database.stem) + 1 : -len(".sqlite3")]
    return datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)


def rotate_backup(database: Path, directory: Path, *, keep: int, now: datetime) -> tuple[Copy, list[Path]]:
    """Today's backup into `directory`, then the oldest removed so that `keep` remain."""
    made = backup_sqlite(database, directory / backup_name(database, now))
    removed = _rotation(directory, database)[:-keep]
    for path in removed:
        path.unlink(missing_ok=True)
    return made, removed


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"
