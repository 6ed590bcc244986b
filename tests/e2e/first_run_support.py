"""Running `volunteer-bot` as an operator would, from a folder of its own, and reading what it said."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.conftest import bot_command

# Settings a developer's shell might carry into the tests.
OUR_VARIABLES = (
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TELEGRAM_API_FILE_URL", "DATABASE_URL", "COORDINATOR_IDS", "TIMEZONE",
    "DEFAULT_LANGUAGE", "STARTUP_RETRY_SECONDS", "BACKUP_DIR", "BACKUP_KEEP", "OUTBOX_RETENTION_DAYS",
)


@dataclass(frozen=True)
class Finished:
    status: int
    output: str
    seconds: float

    def error_lines(self) -> list[str]:
        """The start-up failure sentences (`volunteer-bot: …`)."""
        return [line for line in self.output.splitlines() if line.startswith("volunteer-bot: ")]


def environment(**settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in OUR_VARIABLES}
    return {**env, "PYTHONUNBUFFERED": "1", **settings}


async def run_command(*args: str, cwd: Path, timeout: float = 60.0, **settings: str) -> Finished:
    """`volunteer-bot ARGS` to its end; stdout and stderr together."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *bot_command(), *args, cwd=cwd, env=environment(**settings),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return Finished(int(process.returncode or 0), output.decode("utf-8", "replace"), time.monotonic() - started)


def assert_one_sentence(finished: Finished, *, status: int, says: str, token: str | None = None) -> str:
    """What every start-up failure must look like: one sentence, the status, no traceback, no token."""
    assert finished.status == status, finished.output
    assert "Traceback" not in finished.output, finished.output
    assert "Unclosed" not in finished.output, finished.output
    [sentence] = finished.error_lines()
    assert says in sentence, finished.output
    if token is not None:
        assert token not in finished.output and token.split(":")[1] not in finished.output
    return sentence


def free_port() -> int:
    """A port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningBot:
    """`volunteer-bot run` in the background, its output in a file."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @classmethod
    def start(cls, cwd: Path, **settings: str) -> RunningBot:
        log_path = cwd / "bot.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [*bot_command(), "run"], cwd=cwd, env=environment(**settings), stdout=log_file, stderr=subprocess.STDOUT
            )
        return cls(process, log_path)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_for_log(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if self.process.poll() is not None:
                raise AssertionError(f"the bot exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{text!r} not in the log after {timeout} s:\n{self.log()}")
            await asyncio.sleep(0.1)

    async def stop(self, timeout: float = 20.0) -> float:
        """SIGTERM, then wait (without blocking the loop the stand-in runs on); seconds it took."""
        started = time.monotonic()
        self.process.terminate()
        while self.process.poll() is None:
            if time.monotonic() - started > timeout:
                self.process.kill()
                raise TimeoutError(f"still running {timeout} s after SIGTERM:\n{self.log()}")
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
