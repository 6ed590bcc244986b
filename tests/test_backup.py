"""Backups of the embedded database: consistent while the bot writes, restorable, rotated, locked.

These tests use SQLite files of their own whatever TEST_DATABASE_URL says: the backup commands
exist for the embedded database (PostgreSQL has pg_dump).
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_application
from bot.backups import (
    CATCH_UP_JOB,
    DAILY_JOB,
    backup_command,
    backup_job,
    restore_command,
    schedule_backups,
)
from infra.backup import (
    BackupError,
    DatabaseBusy,
    DatabaseLock,
    backup_name,
    backup_sqlite,
    restore_sqlite,
    rotate_backup,
)
from infra.database import create_engine, migrate
from infra.schema import head_revision
from infra.settings import Settings
from tests.telegram_double import TOKEN, TelegramDouble

PADDING = "x" * 200  # rows big enough that the copy takes a while


@pytest.fixture
async def live_database(tmp_path: Path) -> AsyncEngine:
    """The bot's kind of database (WAL, migrated), with a table for the test's writes."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    await migrate(engine)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE tick (id INTEGER PRIMARY KEY, padding TEXT NOT NULL)"))
    yield engine
    await engine.dispose()


def ids(path: Path) -> list[int]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM tick ORDER BY id")]


class Writer:
    """Commits one row after another on one connection, like the bot; never checkpoints, so the
    rows stay in the -wal file (where a copy of the main file alone would not find them)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.committed = 0
        self.running = True

    async def write(self) -> None:
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            await connection.commit()
            while self.running:
                await connection.execute(text("INSERT INTO tick (id, padding) VALUES (:id, :p)"), {"id": self.committed + 1, "p": PADDING})
                await connection.commit()
                self.committed += 1
                if self.committed % 50 == 0:
                    await asyncio.sleep(0)  # let the test's own steps in


async def test_backup_taken_while_the_bot_writes_restores_with_every_row(live_database: AsyncEngine, tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    writer = Writer(live_database)
    writing = asyncio.create_task(writer.write())
    while writer.committed < 3000:
        await asyncio.sleep(0.01)

    before = writer.committed
    shutil.copy(database, tmp_path / "plain-copy.sqlite3")  # what `cp` would give
    copy = await asyncio.to_thread(backup_sqlite, database, tmp_path / "backup.sqlite3")
    after = writer.committed
    await asyncio.sleep(0.2)  # more writes after the backup: the restore must take them away
    writer.running = False
    await writing
    await live_database.dispose()
    total = writer.committed

    backed_up = ids(copy.path)
    print(f"rows committed: {before} before the backup, {after} after it ({copy.seconds * 1000:.0f} ms, {copy.size} bytes); in the copy: {len(backed_up)}")
    assert before <= len(backed_up) <= after  # every row committed before it started, and ...
    assert backed_up == list(range(1, len(backed_up) + 1))  # ... a whole prefix: nothing torn
    assert copy.revision == head_revision() and not Path(f"{copy.path}-wal").exists()  # one self-contained file
    with sqlite3.connect(tmp_path / "plain-copy.sqlite3") as plain:  # the file alone misses the WAL
        assert plain.execute("SELECT count(*) FROM sqlite_master WHERE name = 'tick'").fetchone()[0] == 0 or len(
            ids(tmp_path / "plain-copy.sqlite3")
        ) < before

    kept = restore_sqlite(copy.path, database)

    assert ids(database) == backed_up  # every backed-up row, and only those
    assert kept is not None and ids(kept) == list(range(1, total + 1))  # what it replaced is kept whole
    with sqlite3.connect(database) as restored:
        assert restored.execute("PRAGMA quick_check").fetchone()[0] == "ok"


async def test_restore_is_refused_while_a_bot_runs_on_the_database(live_database: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "bot.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    assert backup_command(url, str(tmp_path / "b.sqlite3"), backup_dir=None) == 0
    running_bot = DatabaseLock(database.resolve())
    running_bot.hold_shared()
    try:
        assert restore_command(url, str(tmp_path / "b.sqlite3"), assume_yes=True) == 1
        assert "a volunteer-bot is running on" in capsys.readouterr().err
    finally:
        running_bot.release()
    await live_database.dispose()  # the bot has stopped
    assert restore_command(url, str(tmp_path / "b.sqlite3"), assume_yes=True) == 0
    assert "restored" in capsys.readouterr().out


def test_a_bot_cannot_start_during_a_restore(tmp_path: Path) -> None:
    restore = DatabaseLock(tmp_path / "bot.sqlite3")
    restore.hold_exclusive()
    try:
        with pytest.raises(DatabaseBusy, match="a restore of .* is under way"):
            DatabaseLock(tmp_path / "bot.sqlite3").hold_shared()
    finally:
        restore.release()
    first, second = DatabaseLock(tmp_path / "bot.sqlite3"), DatabaseLock(tmp_path / "bot.sqlite3")
    first.hold_shared()
    second.hold_shared()  # two bots on one file are the operator's business, not the lock's
    first.release()
    second.release()


async def test_restore_asks_first_and_changes_nothing_without_a_yes(
    live_database: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "bot.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    assert backup_command(url, str(tmp_path / "b.sqlite3"), backup_dir=None) == 0
    monkeypatch.setattr("sys.stdin", SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr("builtins.input", lambda question: "n")
    assert restore_command(url, str(tmp_path / "b.sqlite3"), assume_yes=False) == 1
    assert "nothing was changed" in capsys.readouterr().out
    assert not list(tmp_path.glob("bot.before-restore-*"))
    monkeypatch.setattr("sys.stdin", SimpleNamespace(isatty=lambda: False))
    assert restore_command(url, str(tmp_path / "b.sqlite3"), assume_yes=False) == 2
    assert "add --yes" in capsys.readouterr().err


def test_restore_refuses_what_is_not_a_volunteer_bot_database(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database")
    with pytest.raises(BackupError, match="is not a SQLite database"):
        restore_sqlite(tmp_path / "notes.txt", tmp_path / "bot.sqlite3")
    sqlite3.connect(tmp_path / "other.sqlite3").execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(BackupError, match="not one of volunteer-bot"):
        restore_sqlite(tmp_path / "other.sqlite3", tmp_path / "bot.sqlite3")
    assert not (tmp_path / "bot.sqlite3").exists()


async def test_backup_never_overwrites_and_postgresql_gets_the_pg_dump_line(
    live_database: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    assert backup_command(url, None, backup_dir=str(tmp_path / "daily")) == 0
    [made] = (tmp_path / "daily").iterdir()
    assert backup_command(url, str(made), backup_dir=None) == 1
    assert "already exists" in capsys.readouterr().err

    assert backup_command("postgresql://volunteer:s3cret@db:5432/program", None, backup_dir=None) == 2
    said = capsys.readouterr().err
    assert 'pg_dump --format=custom --file=program-$(date +%F).dump "postgresql://volunteer@db:5432/program"' in said
    assert "s3cret" not in said


async def test_daily_backups_keep_the_last_ones_and_touch_nothing_else(live_database: AsyncEngine, tmp_path: Path) -> None:
    database, folder = tmp_path / "bot.sqlite3", tmp_path / "daily"
    folder.mkdir()
    (folder / "notes.txt").write_text("the operator's own file")
    start = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    for day in range(4):
        rotate_backup(database, folder, keep=2, now=start + timedelta(days=day))

    names = sorted(path.name for path in folder.iterdir())
    assert names == [backup_name(database, start + timedelta(days=2)), backup_name(database, start + timedelta(days=3)), "notes.txt"]

    job = SimpleNamespace(data=(database, folder, 2))
    await backup_job(SimpleNamespace(job=job))  # type: ignore[arg-type]
    assert len(list(folder.glob("bot-*.sqlite3"))) == 2


async def test_the_bot_schedules_its_daily_backup_and_catches_up_at_start(live_database: AsyncEngine, tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        backup_dir=tmp_path / "daily",
        backup_keep=3,
    )
    app = build_application(settings, engine=live_database, request=TelegramDouble(), run_migrations=False, start_background_work=False)
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    try:
        schedule_backups(app)
        assert app.job_queue is not None
        jobs = {job.name: job for job in app.job_queue.jobs()}
        assert DAILY_JOB in jobs and CATCH_UP_JOB in jobs  # no backup yet: one soon after start-up
        assert jobs[DAILY_JOB].data == (tmp_path.resolve() / "bot.sqlite3", tmp_path / "daily", 3)
    finally:
        await app.shutdown()
