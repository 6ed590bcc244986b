"""`volunteer-bot demo`: the stand-in, its chat page and the bot in one process, no token, no internet."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path

log = logging.getLogger("volunteer_bot.demo")

DEMO_TOKEN = "424242:DemoTokenForTheOfflineSandboxChat01"  # shaped like a real token, valid nowhere
COORDINATOR_ID = 9001
PERSONAS = [
    {"user_id": 1001, "name": "سارة", "language_code": "ar"},
    {"user_id": 1002, "name": "Omar", "language_code": "en"},
    {"user_id": COORDINATOR_ID, "name": "Coordinator", "language_code": "ar"},
    # Minors and guardians (issue 13): onboard ريم with a birth year such as 2011, then send her
    # guardian link from "Reem's mother" (the link from her chat, typed as /start g-…).
    {"user_id": 1003, "name": "ريم (15)", "language_code": "ar"},
    {"user_id": 1004, "name": "Reem's mother", "language_code": "en"},
]
FAR_AWAY = {"label": "Far away", "lat": 24.7136, "lon": 46.6753}  # Riyadh, 700 km from Makkah
SITES_SHOWN = ("haram", "kudai")


def demo_locations() -> list[dict[str, object]]:
    """"At the site" presets for a couple of the demo data set's sites, and one far away."""
    from models.demo_data import DEMO_SITES

    presets: list[dict[str, object]] = [
        {"label": f"At the site ({name})", "lat": DEMO_SITES[name].latitude, "lon": DEMO_SITES[name].longitude}
        for name in SITES_SHOWN
        if name in DEMO_SITES
    ]
    return [*presets, FAR_AWAY]


def run_demo(args: argparse.Namespace) -> int:
    """Seed the demo database, start everything, run until Ctrl-C."""
    try:
        asyncio.run(_serve(port=args.port, api_port=args.api_port, database=Path(args.database)))
    except KeyboardInterrupt:
        pass
    return 0


async def _serve(*, port: int, api_port: int, database: Path) -> None:
    from telegram import Update

    from bot.app import build_application
    from bot.importer import seed_demo
    from infra.settings import Settings
    from sandbox import TelegramStandIn

    database.parent.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite+aiosqlite:///{database.resolve()}"
    timezone = os.environ.get("TIMEZONE", "Asia/Riyadh")
    if await seed_demo(database_url=database_url, timezone=timezone) != 0:
        raise SystemExit("volunteer-bot demo: the demo data set could not be loaded")

    standin = TelegramStandIn(
        bot_username="volunteer_demo_bot", bot_name="Volunteer Bot", personas=PERSONAS, locations=demo_locations()
    )
    await standin.start("127.0.0.1", api_port, web_port=port)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_bot_token=DEMO_TOKEN,
        telegram_api_base_url=standin.base_url,
        database_url=database_url,
        coordinator_ids=frozenset({COORDINATOR_ID}),
        timezone=timezone,
    )
    app = build_application(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        # run_polling() would call the post_init/post_shutdown hooks; by hand, we call them.
        async with app:
            if app.post_init is not None:
                await app.post_init(app)
            await app.start()
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)  # type: ignore[union-attr]
            print(f"Volunteer bot demo: open http://127.0.0.1:{standin.web_port}/ (Ctrl-C to stop)", flush=True)
            await stop.wait()
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
    finally:
        await standin.stop()
