"""The command line's `import-opportunities FILE.csv` and `seed-demo`: a file or the demo set, one transaction."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from infra.database import create_engine, create_session_factory, migrate, transaction
from models.base import utcnow
from models.demo_data import seed_demo_data
from models.imports import ImportResult, import_rows
from models.opportunity_csv import ImportErrors, parse_csv

EXIT_INVALID = 1  # the file was read but has errors: nothing imported
EXIT_UNUSABLE = 2  # the file or the settings could not be used at all


async def import_file(path: Path, *, database_url: str, timezone: str) -> int:
    """Import one CSV file; print a summary, or every error with its line number; an exit code."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _refuse(f"no such file: {path}")
    except UnicodeDecodeError:
        return _refuse(f"{path} is not UTF-8 text; save it as “CSV UTF-8” and try again")
    except OSError as exc:
        return _refuse(f"cannot read {path}: {exc.strerror}")
    zone = _zone(timezone)
    if zone is None:
        return _refuse(f"TIMEZONE {timezone!r} is not a known time zone")
    try:
        rows = parse_csv(text, zone=zone)  # before touching the database: a bad file changes nothing
    except ImportErrors as exc:
        return _report_errors(path.name, exc)
    return await _run(database_url, lambda session: import_rows(session, rows, now=utcnow()), path.name)


async def seed_demo(*, database_url: str, timezone: str) -> int:
    """Load the demo centers and opportunities (repeatable); print a summary; an exit code."""
    zone = _zone(timezone)
    if zone is None:
        return _refuse(f"TIMEZONE {timezone!r} is not a known time zone")
    return await _run(database_url, lambda session: seed_demo_data(session, now=utcnow(), zone=zone), "demo data")


async def _run(database_url: str, work: Callable[[AsyncSession], Awaitable[ImportResult]], source: str) -> int:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        try:
            async with transaction(create_session_factory(engine)) as session:
                result = await work(session)
        except ImportErrors as exc:
            return _report_errors(source, exc)
    finally:
        await engine.dispose()
    print(f"{source}: {summary(result)}")
    return 0


def summary(result: ImportResult) -> str:
    """One line for the operator: what was created, updated and left as it was."""
    line = (
        f"imported {result.opportunities} opportunities ({result.opportunities_created} new, "
        f"{result.opportunities_updated} updated, {result.opportunities_unchanged} unchanged) "
        f"and {result.shifts} shifts ({result.shifts_created} new, {result.shifts_updated} updated, "
        f"{result.shifts_unchanged} unchanged)"
    )
    if result.centers_created:
        line += f"; created {len(result.centers_created)} centers: {', '.join(result.centers_created)}"
    return line


def _report_errors(source: str, exc: ImportErrors) -> int:
    count = len(exc.errors)
    print(f"{source}: {count} error{'s' if count != 1 else ''}, nothing was imported:", file=sys.stderr)
    for error in exc.errors:
        print(f"  {error}", file=sys.stderr)
    return EXIT_INVALID


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _refuse(message: str) -> int:
    print(f"volunteer-bot: {message}", file=sys.stderr)
    return EXIT_UNUSABLE
