"""Drain a queued outbox into the local Telegram stand-in and print rate, lost and duplicated.

    PYTHONPATH=. .venv/bin/python bench/outbox.py            # the four runs below (~8 minutes)
    PYTHONPATH=. .venv/bin/python bench/outbox.py --quick    # smaller runs, to try it out

Runs: 100,000 messages with the stand-in's limit at 1,000/s; a shorter run at 30/s (Telegram's);
then both again with 5% of answers turned into 429s or 5xx and the sender killed with SIGKILL
half-way and started again. The sender runs in a subprocess (the real Application, its
PriorityRateLimiter and bot/sender.py, on a SQLite file), the stand-in in this process; messages
go to 20,000 simulated chats, each text carrying its outbox key, so the stand-in's chats tell
what arrived: lost = queued but never seen, duplicated = seen more than once. The rate is what
the stand-in saw, as a fraction of its limit. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.database import create_engine, create_session_factory, migrate, transaction  # noqa: E402
from models.base import utcnow  # noqa: E402
from models.outbox import PRIORITY_BROADCAST, enqueue_many, outbox_row, status_counts  # noqa: E402

TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw-bench"
CHATS = 20_000
FIRST_CHAT = 9_000_000_000
PROBE_CHATS = [FIRST_CHAT - 1 - n for n in range(10)]  # each gets a reply every 2 s
LEASE_S = 5.0  # short, so a restarted sender takes back the killed one's rows quickly


# -- the sender subprocess ---------------------------------------------------------------------
async def render_bench(session: Any, t: Any, message: Any) -> Any:
    """The bench's messages carry their text in the payload (the sender takes any renderer)."""
    from handlers.notices import Rendered

    return Rendered(json.loads(message.payload)["text"])


async def run_sender(database_url: str, api_url: str, rate: float) -> None:
    """The bot's sender, alone: drain until nothing is pending or sending, then exit."""
    from bot.app import build_application
    from bot.sender import OutboxSender
    from infra.settings import Settings

    settings = Settings(
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        telegram_api_base_url=api_url,
        database_url=database_url,
        send_rate_per_second=rate,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = build_application(settings, run_migrations=False, register_menu=False, start_background_work=False)
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    sender = OutboxSender(app, render_bench, lease=timedelta(seconds=LEASE_S))
    sessions = app.bot_data.services.sessions
    latencies: list[float] = []
    probe = asyncio.create_task(probe_replies(app, latencies))
    while True:
        await sender.drain()
        async with sessions() as session:
            counts = await status_counts(session)
        if not counts.get("pending") and not counts.get("sending"):
            break
        await asyncio.sleep(0.2)  # retries and leases not due yet
    probe.cancel()
    await sender.close()
    if latencies:
        latencies.sort()
        print(f"REPLIES {len(latencies)} {latencies[len(latencies) // 2]:.3f} {latencies[int(len(latencies) * 0.95)]:.3f}", flush=True)
    await app.shutdown()


async def probe_replies(app: Any, latencies: list[float]) -> None:
    """A volunteer's reply every 0.2 s (PTB's path, interactive priority), timed while bulk drains."""
    n = 0
    while True:
        await asyncio.sleep(0.2)
        n += 1
        asked = time.monotonic()
        try:
            await app.bot.send_message(PROBE_CHATS[n % len(PROBE_CHATS)], f"reply {n}")
        except Exception:  # a reply lost to an injected fault: not a latency
            continue
        latencies.append(time.monotonic() - asked)


# -- the bench ---------------------------------------------------------------------------------
async def queue_messages(database_url: str, count: int) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = create_session_factory(engine)
    now = utcnow()
    rows = [
        outbox_row(
            key=f"bench:{n}",
            chat_id=FIRST_CHAT + n % CHATS,
            kind="bench",
            payload={"text": f"bench message {n}"},
            now=now,
            priority=PRIORITY_BROADCAST,
        )
        for n in range(count)
    ]
    for start in range(0, count, 20_000):
        async with transaction(sessions) as session:
            await enqueue_many(session, rows[start : start + 20_000])
    await engine.dispose()


async def final_counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        counts = await status_counts(session)
    await engine.dispose()
    return counts


def spawn_sender(database_url: str, api_url: str, rate: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--sender", database_url, api_url, str(rate)],
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
    )


async def wait_for(process: subprocess.Popen[bytes], until: Any = None) -> None:
    while process.poll() is None:
        if until is not None and until():
            return
        await asyncio.sleep(0.05)


async def bench(name: str, *, count: int, rate: float, faults: bool, kill: bool) -> dict[str, Any]:
    from sandbox import TelegramStandIn

    folder = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
    database_url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    await queue_messages(database_url, count)
    standin = TelegramStandIn(personas=[], global_per_second=rate, chat_burst=3, chat_per_second=1.0)
    for n in range(min(count, CHATS)):
        standin.user(FIRST_CHAT + n, f"V{n}", "ar")
    for chat in PROBE_CHATS:
        standin.user(chat, "Probe", "ar")
    await standin.start()
    if faults:  # 5% of answers: half flood waits, half server errors
        standin.faults.fail_ratio(0.025, status=429, method="sendMessage", retry_after=1)
        standin.faults.fail_ratio(0.0256, status=502, method="sendMessage")
    api_url = standin.base_url
    started = time.monotonic()
    process = spawn_sender(database_url, api_url, rate)
    killed_at = None
    if kill:
        await wait_for(process, until=lambda: standin.stats.messages_sent >= count // 2)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed_at = standin.stats.messages_sent
            process = spawn_sender(database_url, api_url, rate)
    await wait_for(process)
    elapsed = time.monotonic() - started
    replies = [line.split() for line in process.stdout.read().decode().splitlines() if line.startswith("REPLIES")]  # type: ignore[union-attr]
    seen: Counter[str] = Counter()
    for user in standin.users:
        if user.profile.user_id in PROBE_CHATS:
            continue
        for message in user.messages():
            seen[message.text or ""] += 1
    # The rate counts every message the stand-in took (the outbox's and the timed replies, which
    # share the limit); lost and duplicated count the outbox's.
    times = sorted(t for chat_times in standin.stats.sent_at.values() for t in chat_times)
    span = (times[-1] - times[0]) if len(times) > 1 else 0.0
    delivered = sum(seen.values())
    achieved = (len(times) - 1) / span if span else 0.0
    # With a kill, the longest silence is the restart (a new process, then the killed sender's
    # leases running out): the rate while a sender was alive leaves it out.
    gap = max((later - earlier for earlier, later in zip(times, times[1:], strict=False)), default=0.0) if kill else 0.0
    alive = (len(times) - 1) / (span - gap) if span > gap else 0.0
    result = {
        "run": name,
        "queued": count,
        "limit/s": rate,
        "achieved/s": round(achieved, 1),
        "fraction": round(achieved / rate, 3),
        "fraction while alive": round(alive / rate, 3) if kill else None,
        "restart gap s": round(gap, 1) if kill else None,
        "lost": count - len(seen),
        "duplicated": delivered - len(seen),
        "replies timed": replies[-1][1] if replies else 0,
        "reply p50 s": float(replies[-1][2]) if replies else None,
        "reply p95 s": float(replies[-1][3]) if replies else None,
        "busiest second": standin.stats.busiest_window(),
        "429 given": standin.stats.too_many_requests,
        "5xx given": standin.stats.server_errors,
        "killed after": killed_at,
        "wall s": round(elapsed, 1),
        "outbox": await final_counts(database_url),
        "sender exit": process.returncode,
    }
    await standin.stop()
    return result


async def main(quick: bool) -> None:
    big, small = (10_000, 600) if quick else (100_000, 1_800)
    runs = [
        ("1,000/s", dict(count=big, rate=1000.0, faults=False, kill=False)),
        ("30/s", dict(count=small, rate=30.0, faults=False, kill=False)),
        ("1,000/s, 5% 429/5xx, kill -9", dict(count=big, rate=1000.0, faults=True, kill=True)),
        ("30/s, 5% 429/5xx, kill -9", dict(count=small, rate=30.0, faults=True, kill=True)),
    ]
    for name, options in runs:
        result = await bench(name, **options)  # type: ignore[arg-type]
        print(" | ".join(f"{k}: {v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--sender":
        asyncio.run(run_sender(sys.argv[2], sys.argv[3], float(sys.argv[4])))
    else:
        parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--quick", action="store_true", help="10,000 and 600 messages instead")
        asyncio.run(main(parser.parse_args().quick))
