"""The `volunteer-bot` command: run, migrate, import-opportunities, seed-demo, demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

log = logging.getLogger("volunteer_bot")


def _settings():  # type: ignore[no-untyped-def]
    from infra.settings import Settings

    try:
        return Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            message = "is required (set it in the environment or in .env)" if error["type"] == "missing" else error["msg"]
            print(f"volunteer-bot: {field} {message}", file=sys.stderr)
        raise SystemExit(2) from None


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def cmd_run(args: argparse.Namespace) -> int:
    from telegram import Update

    from bot.app import build_application

    settings = _settings()
    app = build_application(settings)
    log.info("starting long polling (database: %s)", settings.database_url.split("@")[-1])
    app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from infra.database import migrate_sync

    migrate_sync(_database_url())
    print("database is up to date")
    return 0


def _database_url() -> str:
    import os

    from dotenv import dotenv_values  # pydantic-settings depends on python-dotenv

    return os.environ.get("DATABASE_URL") or dotenv_values(".env").get("DATABASE_URL") or (
        "sqlite+aiosqlite:///./data/volunteer-bot.sqlite3"
    )


def cmd_import(args: argparse.Namespace) -> int:
    from bot.importer import import_file

    return asyncio.run(import_file(Path(args.file), database_url=_database_url(), timezone=_timezone()))


def _timezone() -> str:
    import os

    from dotenv import dotenv_values

    return os.environ.get("TIMEZONE") or dotenv_values(".env").get("TIMEZONE") or "Asia/Riyadh"


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from bot.importer import seed_demo

    return asyncio.run(seed_demo(database_url=_database_url(), timezone=_timezone()))


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="volunteer-bot", description="The volunteer program's Telegram bot.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot (long polling)").set_defaults(func=cmd_run)
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
    _configure_logging(args.verbose)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
