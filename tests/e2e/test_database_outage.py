"""A running bot loses PostgreSQL and gets it back: one line each way, no restart, no tracebacks.

The connection to the server goes through a TCP relay the test can cut (every open connection
dropped, new ones refused) and restore on the same port. PostgreSQL only: an embedded SQLite
file has no server to lose.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from sandbox import TelegramStandIn
from tests.e2e.conftest import TOKEN
from tests.e2e.first_run_support import RunningBot

pytestmark = pytest.mark.asyncio(loop_scope="module")
WAIT = 15.0


class Relay:
    """127.0.0.1:port → the database server, until cut."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.target)
        self._writers |= {client_writer, server_writer}

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.transport.abort()

        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))
        self._writers -= {client_writer, server_writer}


async def test_the_bot_waits_out_a_database_outage_and_says_so_once(tmp_path: Path, postgres_url: str | None) -> None:
    if not postgres_url:
        pytest.skip("needs a PostgreSQL server (TEST_DATABASE_URL)")
    real = make_url(postgres_url)
    relay = Relay(real.host or "127.0.0.1", real.port or 5432)
    await relay.open()
    standin = TelegramStandIn(personas=[], global_per_second=None, chat_burst=None, chat_per_second=None)
    await standin.start()
    url = real.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    bot = RunningBot.start(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=standin.base_url, DATABASE_URL=url)
    try:
        await bot.wait_for_log("polling for updates")
        rana = standin.user(7301, first_name="Rana", language_code="en")
        rana.send_command("/start")
        await rana.wait_for_message(timeout=WAIT)

        await relay.cut()
        rana.send_command("/help")
        sorry = await rana.wait_for_message(timeout=WAIT)  # the error handler still answers her
        assert "went wrong" in sorry.text
        await bot.wait_for_log("database unreachable", timeout=WAIT)
        await asyncio.sleep(3)  # the sender retries every few seconds meanwhile

        await relay.open()
        rana.send_command("/help")
        answer = await rana.wait_for_message(timeout=WAIT)
        assert "went wrong" not in answer.text
        await bot.wait_for_log("database reachable again", timeout=WAIT)

        log = bot.log()
        assert log.count("database unreachable") == 1, log
        assert "Traceback" not in log, log
        assert await bot.stop() < 10
        assert bot.process.returncode == 0, bot.log()
    finally:
        bot.kill()
        await standin.stop()
        with contextlib.suppress(Exception):
            await relay.cut()
        print(bot.log()[-4000:])
