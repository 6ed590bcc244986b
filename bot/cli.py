"""The `volunteer-bot` command: run, doctor, backup, restore, migrate, import-opportunities, seed-demo, demo."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError


def _settings():  # type: ignore[no-untyped-def]
    from infra.settings import Settings, settings_problems

    try:
        return Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        for problem in settings_problems(exc):
            print(f"volunteer-bot: {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_run(args: argparse.Namespace) -> int:
    from bot.startup import run

    settings = _settings()
    if args.webhook:
        from bot.webhook import WebhookSetupError, check_webhook_settings

        try:
            check_webhook_settings(settings)
        except WebhookSetupError as error:
            print(f"volunteer-bot: {error}", file=sys.stderr)
            return 2
    return run(settings, args.log_filter, webhook=args.webhook)


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.doctor import run_doctor

    return run_doctor(_database_url(), _timezone())


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.backups import backup_command

    return backup_command(_database_url(), args.file, backup_dir=_setting("BACKUP_DIR"))


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.backups import restore_command

    return restore_command(_database_url(), args.file, assume_yes=args.yes)


def cmd_migrate(args: argparse.Namespace) -> int:
    from infra.database import migrate_sync

    migrate_sync(_database_url())
    print("database is up to date")
    return 0


def _setting(name: str) -> str | None:
    """One setting without validating the others (commands that need no token)."""
    import os

    from dotenv import dotenv_values  # pydantic-settings depends on python-dotenv

    return os.environ.get(name) or dotenv_values(".env").get(name) or None


def _database_url() -> str:
    return _setting("DATABASE_URL") or "sqlite+aiosqlite:///./data/volunteer-bot.sqlite3"


def cmd_import(args: argparse.Namespace) -> int:
    from bot.importer import import_file

    return asyncio.run(import_file(Path(args.file), database_url=_database_url(), timezone=_timezone()))


def _timezone() -> str:
    return _setting("TIMEZONE") or "Asia/Riyadh"


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from bot.importer import seed_demo

    return asyncio.run(seed_demo(database_url=_database_url(), timezone=_timezone()))


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="volunteer-bot", description="The volunteer program's Telegram bot.")
    parser.add_argument("-v", "--verbose", action="store_true", help="more detail in the log (never tokens or personal data)")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true", help="receive updates on TELEGRAM_WEBHOOK_URL (several instances can run)")
    run.set_defaults(func=cmd_run)
    commands.add_parser("doctor", help="check the settings, Telegram, the database and the fonts").set_defaults(func=cmd_doctor)
    backup = commands.add_parser("backup", help="copy the SQLite database, safely while the bot runs")
    backup.add_argument("file", nargs="?", help="where to write it (default: BACKUP_DIR, or data/backups/)")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help="put a backup in place of the SQLite database (the bot stopped)")
    restore.add_argument("file")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(func=cmd_restore)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    importer = commands.add_parser("import-opportunities", help="import opportunities from a CSV file")
    importer.add_argument("file")
    importer.set_defaults(func=cmd_import)
    commands.add_parser("seed-demo", help="load the bilingual demo data set").set_defaults(func=cmd_seed_demo)
    demo = commands.add_parser("demo", help="the bot and a chat page on http://127.0.0.1:8080, no token needed")
    demo.add_argument("--port", type=int, default=8080, help="chat page port")
    demo.add_argument("--api-port", type=int, default=8081, help="the local Bot API stand-in's port")
    demo.add_argument("--database", default="./data/demo.sqlite3", help="SQLite file for the demo")
    demo.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    from bot.logs import configure_logging

    args.log_filter = configure_logging(args.verbose)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
