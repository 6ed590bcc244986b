"""Load the real bot process with simulated volunteers, and the echo bot with the same load shape.

    .venv/bin/python -m bench.updates [--database /tmp/bench/full.sqlite3] [--volunteers 50] [--seconds 20]

The stand-in (sandbox/) runs in this process with its rate limits off. Without --database a small
database is made with `volunteer-bot seed-demo`. The simulated volunteers are registered directly
in the database, each already holding a seat on a shift that is open now at a known site (so
check-in by location and by code succeed), then:

1. closed loop, real bot: every volunteer repeats browse, open a detail, sign up, check in by
   location, /hours, /my, /checkout, check in by code, each action waiting for the bot's reply;
2. the same against bench/echo_bot.py (text messages): the framework's floor;
3. open loop, real bot: a fixed --rate of updates per second (default 50), whatever the replies.

Latency is from the moment the update is queued in the stand-in to the moment the bot's reply (a
new message or an edit) is stored there. The database is written to: pass a copy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import psutil  # type: ignore[import-untyped]
from sqlalchemy import select, update
from sqlmodel import col

from infra.database import create_engine, create_session_factory, migrate
from models.base import utcnow
from models.checkin_codes import link_code, window_of
from models.milestones import queue_milestone_thanks
from models.reminders import close_forgotten_checkouts, mark_no_shows
from models.tables import Center, Opportunity, OutboxMessage, Shift, Signup, Volunteer
from sandbox import ChatMessage, SimulatedUser, TelegramStandIn

ROOT = Path(__file__).resolve().parents[1]
# A bot id of its own per run: the stand-in numbers updates from 1 again, and the bot's exactly-once
# claim (processed_update, keyed by bot id and update id) would take a rerun's updates for duplicates.
TOKEN = f"{int(time.time())}:" + "BenchSandboxTokenForTheVolunteerBot"
FIRST_TELEGRAM_ID = 6_100_000_000
SITE = (21.3891, 39.8579)
STARTUP_TIMEOUT = 60.0
REPLY_TIMEOUT = 10.0

Predicate = Callable[[ChatMessage], bool]


# -- the database ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchSite:
    shift_id: int
    checkin_code: str  # the shift's secret

    def code_now(self) -> str:
        """The check-in code the coordinator's card shows now (it renews every few minutes)."""
        return link_code(Shift(id=self.shift_id, checkin_code=self.checkin_code), window_of(utcnow()))  # type: ignore[call-arg]


async def prepare_database(
    url: str, volunteers: int, *, drop_pending_outbox: bool = False
) -> BenchSite:
    """A shift open now at SITE, and `volunteers` registered volunteers holding a seat on it."""
    engine = create_engine(url)
    try:
        await migrate(engine)
        factory = create_session_factory(engine)
        now = utcnow()
        async with factory() as session, session.begin():
            if drop_pending_outbox:
                # The bot's first (catch-up) sweep would queue the fixture's thousands of milestone
                # thanks and share the run's sending rate with them; run it here, then drop them.
                await close_forgotten_checkouts(session, now=now, grace_minutes=30)
                await mark_no_shows(session, now=now)
                await queue_milestone_thanks(session, now=now, milestones_hours=(10, 25, 50, 100, 250, 500, 1000))
                dropped = await session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.status).in_(["pending", "sending"]))
                    .values(status="dropped")
                )  # type: ignore[attr-defined]
                print(f"outbox: {dropped.rowcount} pending messages marked dropped")  # type: ignore[attr-defined]
            center = (
                await session.execute(select(Center).where(col(Center.code) == "bench-site"))
            ).scalar_one_or_none()
            if center is None:
                center = Center(
                    code="bench-site",
                    name_ar="موقع القياس",
                    name_en="Bench site",
                    latitude=SITE[0],
                    longitude=SITE[1],
                )
                session.add(center)
                await session.flush()
            opportunity = Opportunity(
                ref=f"BENCHRUN-{int(time.time())}",
                center_id=center.id,  # type: ignore[arg-type]
                category="pilgrims",  # type: ignore[arg-type]
                title_ar="قياس الأداء",
                title_en="Bench run",
                published_at=now,
                status="published",
            )
            session.add(opportunity)
            await session.flush()
            shift = Shift(
                opportunity_id=opportunity.id,  # type: ignore[arg-type]
                starts_at=now + timedelta(minutes=10),  # type: ignore[arg-type]
                ends_at=now + timedelta(hours=6),
                capacity=volunteers + 1000,
                seats_taken=volunteers,
                latitude=SITE[0],
                longitude=SITE[1],
                radius_m=300,
                checkin_code=f"bench{int(time.time())}-{random.getrandbits(64):x}",
            )
            session.add(shift)
            await session.flush()
            wanted = [FIRST_TELEGRAM_ID + i for i in range(volunteers)]
            existing = {
                v.telegram_id: v
                for v in (
                    await session.execute(
                        select(Volunteer).where(col(Volunteer.telegram_id).in_(wanted))
                    )
                ).scalars()
            }  # type: ignore[attr-defined]
            for i, telegram_id in enumerate(wanted):
                volunteer = existing.get(telegram_id)
                if volunteer is None:
                    volunteer = Volunteer(
                        telegram_id=telegram_id,
                        language="en",
                        display_name=f"Bench {i}",
                        center_id=center.id,  # type: ignore[arg-type]
                        gender="male" if i % 2 else "female",
                        onboarding_step=None,
                        registered_at=now,
                    )
                    session.add(volunteer)
                    await session.flush()
                session.add(
                    Signup(
                        shift_id=shift.id,  # type: ignore[arg-type]
                        volunteer_id=volunteer.id,  # type: ignore[arg-type]
                        status="confirmed",
                        signed_up_at=now,
                    )
                )  # type: ignore[arg-type]
            # Explicitly: the ORM would put the column default (the first onboarding step) for None.
            await session.execute(
                update(Volunteer)
                .where(col(Volunteer.telegram_id).in_(wanted))  # type: ignore[attr-defined]
                .values(onboarding_step=None, registered_at=now, language="en")
            )
            return BenchSite(shift_id=shift.id, checkin_code=shift.checkin_code)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


def seed_small_database(directory: Path) -> str:
    url = f"sqlite+aiosqlite:///{directory / 'bench.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "TIMEZONE": "Asia/Riyadh"}
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "seed-demo"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=120,
        capture_output=True,
    )
    return url


# -- processes ------------------------------------------------------------------------------------


class Child:
    """A bot process, its log, and its peak RSS sampled every 100 ms."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.peak_rss = 0
        self._sampler: asyncio.Task[None] | None = None

    def log_tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]

    async def wait_until_polling(self, standin: TelegramStandIn, calls_before: int) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            if len(standin.calls("getUpdates")) > calls_before:
                self._sampler = asyncio.create_task(self._sample())
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(
            f"{self.name} did not start polling within {STARTUP_TIMEOUT}s:\n{self.log_tail()}"
        )

    async def _sample(self) -> None:
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(self.process.pid)
            while True:
                self.peak_rss = max(self.peak_rss, process.memory_info().rss)
                await asyncio.sleep(0.1)

    def cpu_seconds(self) -> float:
        try:
            times = psutil.Process(self.process.pid).cpu_times()
        except psutil.Error:
            return 0.0
        return times.user + times.system

    def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


# -- waiting for replies --------------------------------------------------------------------------


class ReplyWatch:
    """Wakes the volunteer whose reply has arrived, checking only the chats that wait.

    SimulatedUser.wait_for_message copies the whole chat on every change anywhere; with 50 busy
    chats that costs more than the bot does, so the bench looks at the last few messages only.
    """

    def __init__(self, standin: TelegramStandIn) -> None:
        self._state = standin.state
        self._waiting: dict[int, tuple[int, Predicate, asyncio.Future[float]]] = {}
        self._changed = asyncio.Event()
        original_touch = self._state.touch

        def touch() -> int:
            revision = original_touch()
            self._changed.set()
            return revision

        self._state.touch = touch  # type: ignore[method-assign]
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            await asyncio.sleep(0)  # let the stand-in finish storing the message it touched for
            now = time.perf_counter()
            for chat_id, (since, predicate, future) in list(self._waiting.items()):
                for message in self._state.chats.get(chat_id, [])[-4:]:
                    if message.from_bot and message.revision > since and predicate(message):
                        if not future.done():
                            future.set_result(now)
                        del self._waiting[chat_id]
                        break

    async def act(
        self, user: SimulatedUser, action: Callable[[], object], predicate: Predicate
    ) -> float:
        """Do the action; seconds until a bot message matching the predicate appears."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[user.user_id] = (self._state.revision, predicate, future)
        started = time.perf_counter()
        action()
        try:
            return await asyncio.wait_for(future, REPLY_TIMEOUT) - started
        finally:
            self._waiting.pop(user.user_id, None)

    def close(self) -> None:
        self._task.cancel()


def has_data(*prefixes: str) -> Predicate:
    return lambda m: any(data and data.startswith(prefixes) for _, data in m.buttons)


def any_message(m: ChatMessage) -> bool:
    return True


# -- the volunteers' mix --------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    timeouts: int = 0
    skipped: int = 0

    def all(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]


class SimulatedVolunteer:
    """One simulated volunteer cycling through the commands a volunteer uses."""

    def __init__(
        self, user: SimulatedUser, watch: ReplyWatch, site: BenchSite, rng: random.Random
    ) -> None:
        self.user, self.watch, self.site, self.rng = user, watch, site, rng
        self.listing: ChatMessage | None = None
        self.detail: ChatMessage | None = None
        self.steps: Iterator[str] = itertools.cycle(
            (
                "browse",
                "detail",
                "sign_up",
                "check_in_location",
                "hours",
                "my",
                "check_out",
                "check_in_code",
            )
        )
        self.busy = False

    def _last(self, predicate: Predicate) -> ChatMessage | None:
        for message in reversed(self.user.messages()[-4:]):
            if predicate(message):
                return message
        return None

    async def step(self, results: Results) -> None:
        kind = next(self.steps)
        user = self.user
        action: Callable[[], object]
        if kind == "browse":
            action, predicate = (lambda: user.send_command("/opportunities")), has_data("op:")
        elif kind == "detail":
            listing = self._last(has_data("op:"))
            choices = (
                [data for _, data in listing.buttons if data and data.startswith("op:")]
                if listing
                else []
            )
            if listing is None or not choices:
                results.skipped += 1
                return
            data = self.rng.choice(choices)
            action, predicate = (
                (lambda: user.send_callback(data, listing)),
                has_data("su:", "wl:", "br:"),
            )
        elif kind == "sign_up":
            detail = self._last(has_data("su:", "wl:"))
            choices = (
                [data for _, data in detail.buttons if data and data.startswith("su:")]
                if detail
                else []
            )
            if detail is None or not choices:
                results.skipped += 1
                return
            data = choices[0]
            action, predicate = (lambda: user.send_callback(data, detail)), any_message
        elif kind == "check_in_location":
            action, predicate = (lambda: user.send_location(*SITE)), any_message
        elif kind == "hours":
            action, predicate = (
                (lambda: user.send_command("/hours")),
                (lambda m: "⏱" in (m.text or "")),
            )
        elif kind == "my":
            action, predicate = (lambda: user.send_command("/my")), any_message
        elif kind == "check_out":
            action, predicate = (lambda: user.send_command("/checkout")), any_message
        else:
            action, predicate = (
                (lambda: user.send_command("/start", f"ci-{self.site.code_now()}")),
                any_message,
            )
        try:
            results.latencies[kind].append(await self.watch.act(user, action, predicate))
        except TimeoutError:
            results.timeouts += 1


class Echoer:
    """The echo bot's volunteer: a text, then the same text back."""

    def __init__(self, user: SimulatedUser, watch: ReplyWatch) -> None:
        self.user, self.watch = user, watch
        self.counter = itertools.count()
        self.busy = False

    async def step(self, results: Results) -> None:
        text = f"echo {self.user.user_id} {next(self.counter)}"
        try:
            results.latencies["text"].append(
                await self.watch.act(
                    self.user, lambda: self.user.send_text(text), lambda m: m.text == text
                )
            )
        except TimeoutError:
            results.timeouts += 1


async def closed_loop(
    actors: list[SimulatedVolunteer] | list[Echoer], seconds: float, child: Child | None = None
) -> tuple[Results, float]:
    results = Results()
    me = psutil.Process()
    cpu_before = (child.cpu_seconds() if child else 0.0, sum(me.cpu_times()[:2]))
    deadline = time.perf_counter() + seconds

    async def run(actor: SimulatedVolunteer | Echoer) -> None:
        while time.perf_counter() < deadline:
            await actor.step(results)

    started = time.perf_counter()
    await asyncio.gather(*(run(actor) for actor in actors))
    elapsed = time.perf_counter() - started
    if (
        child is not None
    ):  # who is busy: on a small machine the stand-in competes for the same cores
        print(
            f"CPU use during the run: {child.name} {(child.cpu_seconds() - cpu_before[0]) / elapsed:.0%},"
            f" stand-in and volunteers {(sum(me.cpu_times()[:2]) - cpu_before[1]) / elapsed:.0%} of one core"
        )
    return results, elapsed


async def open_loop(
    actors: list[SimulatedVolunteer] | list[Echoer], rate: float, seconds: float
) -> tuple[Results, float]:
    """One update every 1/rate s, from the volunteers in turn; one that still waits is passed over."""
    results = Results()
    tasks: set[asyncio.Task[None]] = set()
    started = time.perf_counter()
    turn: Iterator[SimulatedVolunteer | Echoer] = itertools.cycle(actors)

    async def one(actor: SimulatedVolunteer | Echoer) -> None:
        actor.busy = True
        try:
            await actor.step(results)
        finally:
            actor.busy = False

    for tick in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + tick / rate - time.perf_counter()))
        for _ in range(len(actors)):
            actor = next(turn)
            if not actor.busy:
                task = asyncio.create_task(one(actor))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                break
        else:
            results.skipped += 1
    if tasks:
        await asyncio.wait(tasks, timeout=REPLY_TIMEOUT + 1)
    return results, time.perf_counter() - started


# -- reporting ------------------------------------------------------------------------------------


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000
        if ordered
        else float("nan")
    )


def summary(title: str, results: Results, elapsed: float) -> float:
    values = results.all()
    throughput = len(values) / elapsed if elapsed else 0.0
    print(
        f"{title}: {len(values)} updates in {elapsed:.1f} s = {throughput:.1f} updates/s;"
        f" latency p50 {pct(values, 0.5):.1f} p95 {pct(values, 0.95):.1f} p99 {pct(values, 0.99):.1f}"
        f" max {pct(values, 1):.1f} ms; timeouts {results.timeouts}, skipped {results.skipped}"
    )
    for kind, samples in sorted(results.latencies.items()):
        if samples and len(results.latencies) > 1:
            print(
                f"    {kind:<18} n={len(samples):>5}  p50 {statistics.median(samples) * 1000:7.1f}"
                f"  p95 {pct(samples, 0.95):7.1f}  p99 {pct(samples, 0.99):7.1f} ms"
            )
    return throughput


# -- the run --------------------------------------------------------------------------------------


def bot_env(standin: TelegramStandIn, database_url: str, send_rate: float | None) -> dict[str, str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": standin.base_url,
        "DATABASE_URL": database_url,
        "TIMEZONE": "Asia/Riyadh",
        "DEFAULT_LANGUAGE": "en",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
    }
    if send_rate is not None:
        env["SEND_RATE_PER_SECOND"] = str(send_rate)
    return env


async def bench(args: argparse.Namespace, log_dir: Path) -> None:
    if args.database:
        database_url = f"sqlite+aiosqlite:///{Path(args.database).resolve()}"
    else:
        database_url = await asyncio.to_thread(seed_small_database, log_dir)
    site = await prepare_database(
        database_url, args.volunteers, drop_pending_outbox=args.drop_pending_outbox
    )
    print(
        f"database {database_url.split('///')[-1]}; {args.volunteers} volunteers, {args.seconds:.0f} s per run"
    )
    rng = random.Random(1446)
    children: list[Child] = []
    async with TelegramStandIn(
        personas=[],
        global_per_second=None,
        chat_burst=None,
        chat_per_second=None,
        max_recorded_calls=20_000,
    ) as standin:
        standin.disable_rate_limits()
        watch = ReplyWatch(standin)
        users = [
            standin.user(FIRST_TELEGRAM_ID + i, first_name=f"Bench {i}", language_code="en")
            for i in range(args.volunteers)
        ]
        try:
            profile = ["-m", "cProfile", "-o", str(log_dir / "bot.prof")] if args.profile else []
            bot = Child(
                "bot",
                [sys.executable, *profile, "-m", "bot.cli", "run"],
                bot_env(standin, database_url, args.send_rate),
                log_dir,
            )
            children.append(bot)
            await bot.wait_until_polling(standin, 0)
            volunteers = [SimulatedVolunteer(user, watch, site, rng) for user in users]
            await closed_loop(volunteers, min(3.0, args.seconds))  # warm-up: caches, connections
            results, elapsed = await closed_loop(volunteers, args.seconds, bot)
            bot_rate = summary("bot, closed loop", results, elapsed)
            open_results, open_elapsed = await open_loop(volunteers, args.rate, args.open_seconds)
            summary(f"bot, open loop at {args.rate:g}/s", open_results, open_elapsed)
            print(f"bot peak RSS {bot.peak_rss / 2**20:.1f} MiB")
            calls_before = len(standin.calls("getUpdates"))
            bot.stop()
            await asyncio.sleep(0.5)

            echo = Child(
                "echo",
                [sys.executable, str(ROOT / "bench" / "echo_bot.py")],
                bot_env(standin, "", None),
                log_dir,
            )
            children.append(echo)
            await echo.wait_until_polling(standin, calls_before)
            echoers = [Echoer(user, watch) for user in users]
            await closed_loop(echoers, min(3.0, args.seconds))
            echo_results, echo_elapsed = await closed_loop(echoers, args.seconds, echo)
            echo_rate = summary("echo, closed loop", echo_results, echo_elapsed)
            echo_open, echo_open_elapsed = await open_loop(echoers, args.rate, args.open_seconds)
            summary(f"echo, open loop at {args.rate:g}/s", echo_open, echo_open_elapsed)
            print(f"echo peak RSS {echo.peak_rss / 2**20:.1f} MiB")
            ratio = bot_rate / echo_rate if echo_rate else float("nan")
            print(
                f"throughput ratio bot/echo {ratio:.2f} (target >= 0.5);"
                f" bot p99 at {args.rate:g}/s {pct(open_results.all(), 0.99):.1f} ms (target < 100)"
            )
            print(
                f"stand-in: {standin.stats.messages_sent} messages sent, 429s {standin.stats.too_many_requests},"
                f" 5xx {standin.stats.server_errors}; logs in {log_dir}"
            )
        finally:
            for child in children:
                child.stop()
            watch.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", help="a SQLite file (bench/fixtures.py); written to, pass a copy"
    )
    parser.add_argument("--volunteers", type=int, default=50)
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="length of each closed-loop run"
    )
    parser.add_argument(
        "--rate", type=float, default=50.0, help="updates per second of the open-loop run"
    )
    parser.add_argument("--open-seconds", type=float, default=20.0)
    parser.add_argument(
        "--send-rate",
        type=float,
        default=None,
        help="SEND_RATE_PER_SECOND for the bot (its default paces sends at Telegram's 30/s)",
    )
    parser.add_argument(
        "--drop-pending-outbox",
        action="store_true",
        help="mark pending outbox rows dropped first: the fixture's first sweep queues thousands of"
        " milestone thank-yous, and sending them at 30/s would share the run",
    )
    parser.add_argument(
        "--profile", action="store_true", help="run the bot under cProfile (LOGDIR/bot.prof)"
    )
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-updates-"))
    try:
        asyncio.run(bench(args, log_dir))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
