"""Run the stand-in on its own: ``python -m sandbox --host 127.0.0.1 --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from sandbox.server import TelegramStandIn


def _limit(value: str) -> float | None:
    """A rate: a number, or "off"/0 for no limit."""
    return None if value.lower() in ("off", "none", "0") else float(value)


def _json_list(value: str) -> list[dict[str, Any]]:
    """Inline JSON, or @path to a JSON file."""
    text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    parsed = json.loads(text)
    if not isinstance(parsed, list):
        raise argparse.ArgumentTypeError("expected a JSON list")
    return parsed


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="Bot API + control API port")
    parser.add_argument("--web-port", type=int, default=8080, help="chat page port (-1: none)")
    parser.add_argument(
        "--global-rate", type=_limit, default=30.0, help="messages/s overall, or off"
    )
    parser.add_argument("--chat-rate", type=_limit, default=1.0, help="messages/s per chat, or off")
    parser.add_argument("--chat-burst", type=_limit, default=3, help="per-chat burst size, or off")
    parser.add_argument("--personas", type=_json_list, default=None, help="JSON list or @file")
    parser.add_argument("--locations", type=_json_list, default=None, help="JSON list or @file")
    parser.add_argument("--bot-username", default="sandbox_bot")
    parser.add_argument("--bot-name", default="Sandbox Bot")
    parser.add_argument(
        "--duplicate-updates", action="store_true", help="deliver every update twice"
    )
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        help="accept only this token (repeatable); others get 401 Unauthorized",
    )
    return parser


async def serve(args: argparse.Namespace) -> None:
    """Start the stand-in and run until interrupted."""
    standin = TelegramStandIn(
        bot_username=args.bot_username,
        bot_name=args.bot_name,
        global_per_second=args.global_rate,
        chat_burst=None if args.chat_burst is None else int(args.chat_burst),
        chat_per_second=args.chat_rate,
        personas=args.personas,
        locations=args.locations,
        duplicate_updates=args.duplicate_updates,
        tokens=args.tokens,
    )
    await standin.start(args.host, args.port, web_port=None if args.web_port < 0 else args.web_port)
    logging.getLogger("sandbox").info(
        "Bot API at %s (control API under /_sandbox/); chat page at http://%s:%s/",
        standin.base_url,
        args.host,
        standin.web_port if standin.web_port is not None else f"{standin.port}/_sandbox/chat",
    )
    try:
        await asyncio.Event().wait()
    finally:
        await standin.stop()


def main() -> None:
    """Entry point."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(serve(build_parser().parse_args()))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
