"""`volunteer-bot doctor`: everything the bot needs, checked once, with the fix for what is wrong.

✔ passed, ✗ failed (with the fix on the next line), – not checked or nothing to check. The exit
status is 0 only when nothing failed. The checks change nothing: no migration, no file created
(a SQLite database that does not exist yet is reported, not made), one getMe to Telegram. They
never print the token: Telegram's answers are described by bot.telegram_health, which names the
URL from the settings, never PTB's (which contains the token).
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from bot.logs import mask_tokens
from infra.settings import Settings, settings_problems

PASSED, FAILED, SKIPPED = "ok", "failed", "skipped"
TELEGRAM_TIMEOUT_S = 10.0
ARABIC_ALEF = 0x0627


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    outcome: str
    detail: str
    fix: str = ""


def _settings_checks() -> tuple[Settings | None, list[Check]]:
    where = f"{Path('.env').resolve()} and the environment" if Path(".env").exists() else "the environment (no .env here)"
    try:
        settings = Settings()
    except ValidationError as error:
        return None, [Check("settings", FAILED, problem) for problem in settings_problems(error)]
    return settings, [Check("settings", PASSED, f"read from {where}")]


async def _telegram_checks(settings: Settings | None) -> list[Check]:
    if settings is None:
        return [Check("Telegram", SKIPPED, "not checked: correct the settings first")]
    from telegram import Bot
    from telegram.error import TelegramError

    from bot.aiohttp_request import AiohttpRequest
    from bot.telegram_health import api_url, describe_telegram_error

    url = api_url(settings)
    token = settings.telegram_bot_token.get_secret_value()
    request = AiohttpRequest(connection_pool_size=1, connect_timeout=TELEGRAM_TIMEOUT_S, read_timeout=TELEGRAM_TIMEOUT_S)
    bot = Bot(token, base_url=url, request=request, get_updates_request=AiohttpRequest(connection_pool_size=1))
    try:
        async with bot:
            me = bot.bot
    except TelegramError as error:
        problem = describe_telegram_error(error, url)
        if problem.retryable:  # nothing answered
            return [Check("Bot API", FAILED, problem.what, problem.fix), Check("token", SKIPPED, "not checked: the Bot API did not answer")]
        return [Check("Bot API", PASSED, f"{url} answers"), Check("token", FAILED, problem.what, problem.fix)]
    return [Check("Bot API", PASSED, f"{url} answers"), Check("token", PASSED, f"accepted: the bot is @{me.username} ({me.first_name})")]


async def _database_checks(database_url: str) -> list[Check]:
    from infra.backup import human_size
    from infra.database import create_engine
    from infra.database_health import describe_database_error, display_url, ping, sqlite_file
    from infra.schema import MigrationFailed, schema_state

    try:
        path = sqlite_file(database_url)
    except Exception as error:
        problem = describe_database_error(error, database_url)
        return [Check("database", FAILED, problem.what, problem.fix), Check("migrations", SKIPPED, "not checked")]
    if path is not None and not path.is_file():
        return [
            Check("database", FAILED, f"no SQLite database at {path.resolve()} yet", "volunteer-bot migrate creates it (volunteer-bot run does too)"),
            Check("migrations", SKIPPED, "not checked: no database"),
        ]
    label = f"SQLite {path.resolve()} ({human_size(path.stat().st_size)})" if path else f"PostgreSQL {display_url(database_url)}"
    engine = create_engine(database_url)
    try:
        try:
            await ping(engine)
        except Exception as error:
            problem = describe_database_error(error, database_url)
            return [Check("database", FAILED, problem.what, problem.fix), Check("migrations", SKIPPED, "not checked: no connection")]
        checks = [Check("database", PASSED, label)]
        state = await schema_state(engine)
    finally:
        await engine.dispose()
    if not state.known:
        checks.append(Check("migrations", FAILED, str(MigrationFailed.too_new(str(state.current)))))
    elif state.pending:
        checks.append(
            Check(
                "migrations",
                FAILED,
                f"{len(state.pending)} to apply ({state.current or 'empty'} → {state.head})",
                "volunteer-bot migrate (volunteer-bot run applies them too)",
            )
        )
    else:
        checks.append(Check("migrations", PASSED, f"up to date ({state.head})"))
    return checks


def _zone_check(timezone: str) -> Check:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return Check("time zone", FAILED, f"unknown TIMEZONE {timezone!r}", "use a name such as Asia/Riyadh (pip install tzdata if none is known)")
    now = datetime.now(zone)
    offset = now.strftime("%z")
    return Check("time zone", PASSED, f"{timezone}: {now:%Y-%m-%d %H:%M} there now (UTC{offset[:3]}:{offset[3:]})")


def _catalog_check() -> Check:
    from infra.i18n import LANGUAGES, LOCALES_DIR, load_catalog

    counts = {language: len(getattr(load_catalog(language), "_catalog", {})) for language in LANGUAGES}
    missing = [language for language, count in counts.items() if count == 0]
    if missing:
        return Check(
            "translations",
            FAILED,
            f"no catalog for {', '.join(missing)} in {LOCALES_DIR}",
            "install from a clone of the repository (pip install -e .), which has locales/",
        )
    return Check("translations", PASSED, ", ".join(f"{language}: {count} messages" for language, count in counts.items()))


def _font_check() -> Check:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from infra.drawing import FONT_FAMILIES, register_fonts

    register_fonts()  # the shipped Amiri first
    for family in FONT_FAMILIES:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        if FT2Font(path).get_char_index(ARABIC_ALEF):
            return Check("chart fonts", PASSED, f"{family} has the Arabic letters ({Path(path).name})")
    return Check(
        "chart fonts",
        FAILED,
        f"none of {', '.join(FONT_FAMILIES)} with Arabic letters: /stats charts would show boxes",
        "install one, e.g. apt-get install fonts-dejavu-core (or fonts-noto-core)",
    )


def _backup_check(settings: Settings | None, database_url: str) -> Check:
    from infra.backup import newest_backup_time
    from infra.database_health import sqlite_file

    if settings is None:
        return Check("backups", SKIPPED, "not checked: correct the settings first")
    database = sqlite_file(database_url)
    if settings.backup_dir is None:
        return Check("backups", SKIPPED, "no daily backup: set BACKUP_DIR (e.g. ./data/backups) to have one")
    if database is None:
        return Check("backups", FAILED, "BACKUP_DIR is set, but PostgreSQL is backed up with pg_dump", "unset BACKUP_DIR; see the README for pg_dump")
    folder = settings.backup_dir
    probe = folder if folder.exists() else next((p for p in folder.resolve().parents if p.exists()), Path("/"))
    if not os.access(probe, os.W_OK):
        return Check("backups", FAILED, f"cannot write to {folder.resolve()}", "create it, or give this user write access to it")
    newest = newest_backup_time(folder, database)
    seen = f"newest {newest:%Y-%m-%d %H:%M} UTC" if newest else "none yet"
    return Check("backups", PASSED, f"daily into {folder.resolve()}, keeping {settings.backup_keep} ({seen})")


async def collect(database_url: str, timezone: str) -> list[Check]:
    """Every check, in the order the report shows them."""
    settings, checks = _settings_checks()
    if settings is not None:
        database_url, timezone = settings.database_url, settings.timezone
    checks += await _telegram_checks(settings)
    checks += await _database_checks(database_url)
    checks.append(_zone_check(timezone))
    checks.append(_catalog_check())
    checks.append(_font_check())
    checks.append(_backup_check(settings, database_url))
    return checks


def _marks() -> dict[str, str]:
    fancy = {PASSED: "✔", FAILED: "✗", SKIPPED: "–"}
    try:
        "".join(fancy.values()).encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return {PASSED: "ok", FAILED: "XX", SKIPPED: "--"}
    return fancy


def report(checks: list[Check]) -> str:
    marks = _marks()
    width = max(len(check.name) for check in checks) + 2
    lines = []
    for check in checks:
        lines.append(f"{marks[check.outcome]} {check.name.ljust(width)}{check.detail}")
        if check.fix:
            lines.append(f"  {' ' * width}fix: {check.fix}")
    failed = sum(check.outcome == FAILED for check in checks)
    summary = f"{failed} check{'s' if failed > 1 else ''} failed: fix, then run volunteer-bot doctor again"
    lines.append(summary if failed else "all checks passed")
    return mask_tokens("\n".join(lines))


def run_doctor(database_url: str, timezone: str) -> int:
    """Print the report; 0 when every check passed, 1 otherwise."""
    checks = asyncio.run(collect(database_url, timezone))
    print(report(checks))
    return 0 if all(check.outcome != FAILED for check in checks) else 1
