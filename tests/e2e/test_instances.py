"""Two real `volunteer-bot run --webhook` processes on one PostgreSQL, behind a load balancer that
the stand-in's webhook delivery posts to: both answer volunteers, one runs the sweeps, and the
other takes the sweeps over when the first is killed with -9.

Skipped without TEST_DATABASE_URL: several instances need PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from infra.database import normalize_url
from sandbox import RoundRobinBalancer, TelegramStandIn
from tests.e2e.conftest import (
    COORDINATOR_ID,
    ROOT,
    STARTUP_TIMEOUT,
    TOKEN,
    BotProcess,
    _seed,
    bot_command,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="several instances need PostgreSQL"),
]

SECRET = "e2e-instances_secret-Zq8v3nWp0LkT7yXc2RbH9sJm"
WAIT = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def postgres_database() -> AsyncIterator[str]:
    """A database of this module's own on the TEST_DATABASE_URL server, seeded like the e2e one."""
    base = make_url(normalize_url(os.environ["TEST_DATABASE_URL"]))
    name = f"{base.database}_instances_{os.getpid()}"
    server = base.render_as_string(hide_password=False)
    await admin(server, f'DROP DATABASE IF EXISTS "{name}"')
    await admin(server, f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "TIMEZONE": "Asia/Riyadh"}
    await asyncio.to_thread(
        subprocess.run, [*bot_command(), "seed-demo"], env=env, cwd=ROOT, check=True, timeout=120, capture_output=True
    )
    await _seed(url)
    yield url
    await admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Instance(BotProcess):
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def health(self, http: aiohttp.ClientSession) -> dict | None:  # type: ignore[type-arg]
        try:
            async with http.get(self.base + "/healthz") as answer:
                return await answer.json() if answer.status == 200 else None
        except aiohttp.ClientError:
            return None

    async def metric(self, http: aiohttp.ClientSession, name: str) -> float:
        """The sum of a metric's samples (over every label)."""
        async with http.get(self.base + "/metrics") as answer:
            body = await answer.text()
        return sum(float(value) for value in re.findall(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+-]+)$", body, re.M))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def instances(
    standin: TelegramStandIn, postgres_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[Instance]]:
    """Two instances behind a round-robin balancer; the stand-in posts updates to the balancer."""
    ports = [free_port(), free_port()]
    balancer = RoundRobinBalancer([f"http://127.0.0.1:{port}" for port in ports])
    await balancer.start()
    logs = tmp_path_factory.mktemp("e2e-instances")
    started: list[Instance] = []
    for number, port in enumerate(ports):
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": standin.base_url,
            "DATABASE_URL": postgres_database,
            "COORDINATOR_IDS": str(COORDINATOR_ID),
            "TELEGRAM_WEBHOOK_URL": balancer.url + "/telegram",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "WEBHOOK_LISTEN": f"127.0.0.1:{port}",
            "PYTHONUNBUFFERED": "1",
        }
        log_path = Path(logs) / f"bot{number}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [*bot_command(), "run", "--webhook"], env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT
            )
        instance = Instance(process, log_path)
        instance.port = port
        started.append(instance)
    try:
        async with aiohttp.ClientSession() as http:
            deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT
            for instance in started:
                while await instance.health(http) is None:
                    if instance.process.poll() is not None or asyncio.get_running_loop().time() > deadline:
                        raise RuntimeError(f"an instance did not start:\n{instance.log()[-3000:]}")
                    await asyncio.sleep(0.2)
        yield started
    finally:
        for instance in started:
            if instance.process.poll() is None:
                instance.process.terminate()
        for instance in started:
            try:
                instance.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait(timeout=5)
            print(instance.log()[-3000:])
        await balancer.stop()


async def greeted(standin: TelegramStandIn, first_user: int, count: int) -> None:
    """`count` new volunteers send /start; each sees the language picker."""
    users = [standin.user(first_user + n, f"V{n}", "ar") for n in range(count)]
    for user in users:
        user.send_command("/start")
    for user in users:
        picker = await user.wait_for_message(lambda m: "English" in m.button_labels, timeout=WAIT)
        assert "العربية" in picker.button_labels


async def test_both_instances_answer_volunteers_and_exactly_one_runs_the_sweeps(
    standin: TelegramStandIn, instances: list[Instance]
) -> None:
    await greeted(standin, 8_100_000_000, 8)
    async with aiohttp.ClientSession() as http:
        handled = [await i.metric(http, "volunteer_bot_updates_handled_total") for i in instances]
        assert all(count >= 1 for count in handled) and sum(handled) == 8
        leaders = [(await i.health(http) or {}).get("sweeps_leader") for i in instances]
        assert sorted(leaders) == [False, True]
        async with asyncio.timeout(30):  # the first sweep comes 5 s after start-up on both
            while sum([await i.metric(http, "volunteer_bot_sweeps_total") for i in instances]) < 1:
                await asyncio.sleep(0.5)
        await asyncio.sleep(2)
        sweeps = [await i.metric(http, "volunteer_bot_sweeps_total") for i in instances]
        assert sweeps[leaders.index(True)] >= 1 and sweeps[leaders.index(False)] == 0


async def test_when_the_leader_is_killed_the_other_takes_the_sweeps_and_volunteers_are_still_answered(
    standin: TelegramStandIn, instances: list[Instance]
) -> None:
    async with aiohttp.ClientSession() as http:
        leaders = [(await i.health(http) or {}).get("sweeps_leader") for i in instances]
        leader, follower = instances[leaders.index(True)], instances[leaders.index(False)]
        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(timeout=10)
        async with asyncio.timeout(60):  # "taken over within a minute"
            while not (await follower.health(http) or {}).get("sweeps_leader"):
                await asyncio.sleep(0.5)
        await greeted(standin, 8_200_000_000, 4)  # the balancer skips the dead instance
