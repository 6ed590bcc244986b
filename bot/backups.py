"""`volunteer-bot backup` and `restore`, and the daily backup inside a running bot (BACKUP_DIR).

The copying itself is infra.backup's (SQLite's online backup API); this module is what the
operator sees: where a backup goes by default, the confirmation before a restore, and the job.
PostgreSQL has its own tools: both commands print the pg_dump / pg_restore line instead.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from telegram.ext import Application, ContextTypes

from infra.backup import (
    BackupError,
    DatabaseLock,
    backup_name,
    backup_sqlite,
    human_size,
    inspect_backup,
    newest_backup_time,
    restore_sqlite,
    rotate_backup,
)
from infra.database import normalize_url
from infra.database_health import sqlite_file

log = logging.getLogger(__name__)

DAILY_JOB = "backup:daily"
CATCH_UP_JOB = "backup:catch-up"
DAILY_AT = time(3, 0)  # a quiet hour, in TIMEZONE
CATCH_UP_AFTER = timedelta(days=1)
CATCH_UP_DELAY_S = 2.0


def _postgres_hint(database_url: str, tool: str) -> str:
    given = make_url(normalize_url(database_url))
    plain = URL.create("postgresql", username=given.username, host=given.host, port=given.port, database=given.database)
    name = given.database or "volunteer"
    if tool == "pg_dump":
        command = f'pg_dump --format=custom --file={name}-$(date +%F).dump "{plain.render_as_string()}"'
    else:
        command = f'pg_restore --clean --if-exists --no-owner --dbname="{plain.render_as_string()}" FILE.dump'
    return (
        f"DATABASE_URL is PostgreSQL: {tool} does this for it (the password from PGPASSWORD or ~/.pgpass), "
        f"e.g. {command}"
    )


def _fail(message: str, status: int = 1) -> int:
    print(f"volunteer-bot: {message}", file=sys.stderr)
    return status


def backup_command(database_url: str, file: str | None, *, backup_dir: str | None) -> int:
    """Write a backup of the SQLite database to FILE (or a timestamped file); the exit status."""
    database = sqlite_file(database_url)
    if database is None:
        return _fail(_postgres_hint(database_url, "pg_dump"), 2)
    if file:
        target = Path(file)
    else:
        folder = Path(backup_dir) if backup_dir else database.parent / "backups"
        target = folder / backup_name(database, datetime.now(UTC))
    try:
        copy = backup_sqlite(database, target)
    except BackupError as error:
        return _fail(str(error))
    print(f"backed up {database} to {copy.path} ({human_size(copy.size)}, schema {copy.revision or 'none'}, {copy.seconds:.1f} s)")
    return 0


def _describe(path: Path) -> str:
    stat = path.stat()
    changed = datetime.fromtimestamp(stat.st_mtime).strftime("%Y-%m-%d %H:%M")
    return f"{human_size(stat.st_size)}, last changed {changed}"


def restore_command(database_url: str, file: str, *, assume_yes: bool) -> int:
    """Put the backup FILE in place of the SQLite database, after a confirmation; the exit status."""
    from infra.schema import head_revision

    database = sqlite_file(database_url)
    if database is None:
        return _fail(_postgres_hint(database_url, "pg_restore"), 2)
    backup = Path(file)
    if backup.exists() and database.exists() and backup.resolve() == database.resolve():
        return _fail(f"{backup} is the database itself: name a backup file")
    try:
        found = inspect_backup(backup)
    except BackupError as error:
        return _fail(str(error))
    lock = DatabaseLock(database.resolve())
    try:
        lock.hold_exclusive()
    except BackupError as error:
        return _fail(str(error))
    try:
        if not assume_yes:
            if not sys.stdin.isatty():
                return _fail("restore replaces the database: add --yes to confirm when not at a terminal", 2)
            current = f"{database} ({_describe(database)})" if database.exists() else str(database)
            question = (
                f"Replace {current}\nwith {backup} ({_describe(backup)}, schema {found.revision})?\n"
                "The current database is kept beside it. [y/N] "
            )
            if input(question).strip().lower() not in ("y", "yes"):
                print("nothing was changed")
                return 1
        kept = restore_sqlite(backup, database)
    except BackupError as error:
        return _fail(str(error))
    finally:
        lock.release()
    print(f"restored {backup} into {database}" + (f"; the previous database is kept as {kept}" if kept else ""))
    head = head_revision()
    if found.revision != head:
        print(f"the backup's schema is {found.revision}: `volunteer-bot run` migrates it to {head}")
    return 0


# -- the daily backup in a running bot --------------------------------------------------------


def schedule_backups(app: Application) -> None:
    """With BACKUP_DIR set: a backup every day at 03:00 (TIMEZONE), and one soon after start-up
    when the newest is more than a day old (a bot that was down at 03:00 still gets its backup)."""
    settings = app.bot_data.services.settings
    if settings.backup_dir is None:
        return
    database = sqlite_file(settings.database_url)
    if database is None:
        log.warning("BACKUP_DIR is set but the database is PostgreSQL: back it up with pg_dump (see the README)")
        return
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is required"
    data = (database.resolve(), settings.backup_dir, settings.backup_keep)
    app.job_queue.run_daily(backup_job, time=DAILY_AT.replace(tzinfo=settings.zone), name=DAILY_JOB, data=data)
    newest = newest_backup_time(settings.backup_dir, database)
    if newest is None or datetime.now(UTC) - newest > CATCH_UP_AFTER:
        app.job_queue.run_once(backup_job, when=CATCH_UP_DELAY_S, name=CATCH_UP_JOB, data=data)
    log.info("daily backup at %s into %s, keeping the last %d", DAILY_AT.strftime("%H:%M"), settings.backup_dir, settings.backup_keep)


async def backup_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback: copy in a thread (a read transaction: the bot's writers go on)."""
    database, directory, keep = context.job.data  # type: ignore[union-attr,misc]
    try:
        made, removed = await asyncio.to_thread(rotate_backup, database, directory, keep=keep, now=datetime.now(UTC))
    except (BackupError, OSError) as error:
        log.error("backup failed: %s", error)
        return
    old = f"; {len(removed)} older removed" if removed else ""
    log.info("backup written: %s (%s, %.1f s)%s", made.path, human_size(made.size), made.seconds, old)
