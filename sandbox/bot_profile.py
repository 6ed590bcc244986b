"""Bot API methods about the bot itself: identity, polling, webhook, commands, files."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from sandbox.errors import bad_request, conflict
from sandbox.messaging import MethodHandler
from sandbox.params import Params
from sandbox.state import SandboxState
from sandbox.updates import DEFAULT_UPDATE_KINDS

logger = logging.getLogger(__name__)

COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
# Methods that only change how the bot looks in Telegram's apps: accepted, logged, stored.
HARMLESS_SETTERS = (
    "setmydescription",
    "setmyshortdescription",
    "setmyname",
    "setchatmenubutton",
    "setmydefaultadministratorrights",
)


async def get_me(state: SandboxState, params: Params) -> Any:
    """getMe."""
    return {
        **state.bot_user_json(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(state: SandboxState, params: Params) -> Any:
    """getUpdates: long polling, refused while a webhook is set (as Telegram does)."""
    if state.webhook is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first"
        )
    limit = params.integer("limit") or 100
    allowed = params.structure("allowed_updates")
    return await state.updates.get_updates(
        offset=params.integer("offset"),
        limit=max(1, min(limit, 100)),
        timeout=max(0.0, params.number("timeout") or 0.0),
        allowed_updates=list(allowed) if isinstance(allowed, list) else None,
    )


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def _acceptable_webhook_url(url: str) -> bool:
    """https://, as Telegram requires; also http:// to this machine, as a self-hosted Bot API
    server (--local) allows, so bots under test can listen without a certificate."""
    if url.startswith("https://"):
        return True
    host = url.removeprefix("http://").split("/", 1)[0].rsplit(":", 1)[0] if url.startswith("http://") else ""
    return host in LOOPBACK_HOSTS


async def set_webhook(state: SandboxState, params: Params) -> Any:
    """setWebhook: updates are POSTed to the URL from now on (sandbox/webhook.py)."""
    url = params.text("url") or ""
    if not url:
        state.webhook = None
        state.webhook_delivery.clear()
    elif not _acceptable_webhook_url(url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    else:
        secret = params.text("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.structure("allowed_updates")
        if isinstance(allowed, list):
            state.updates.allowed_kinds = frozenset(allowed) or DEFAULT_UPDATE_KINDS
        state.webhook = {"url": url, "secret_token": secret}
        state.webhook_delivery.configure(url, secret=secret, max_connections=params.integer("max_connections"))
    if params.flag("drop_pending_updates"):
        state.updates.drop_pending()
    return True


async def delete_webhook(state: SandboxState, params: Params) -> Any:
    """deleteWebhook."""
    state.webhook = None
    state.webhook_delivery.clear()
    if params.flag("drop_pending_updates"):
        state.updates.drop_pending()
    return True


async def get_webhook_info(state: SandboxState, params: Params) -> Any:
    """getWebhookInfo."""
    return {
        "url": state.webhook["url"] if state.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": state.updates.pending_count,
        **(state.webhook_delivery.info() if state.webhook else {}),
    }


def commands_key(scope: Any, language_code: str | None) -> tuple[str, str]:
    """Commands are kept per (scope, language); a missing scope is ``{"type": "default"}``."""
    scope = scope if isinstance(scope, dict) else {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code or ""


async def set_my_commands(state: SandboxState, params: Params) -> Any:
    """setMyCommands, validated as Telegram validates names and descriptions."""
    commands = params.structure("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    cleaned = []
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        description = str(command.get("description", "")) if isinstance(command, dict) else ""
        if not COMMAND_NAME.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("command description must be non-empty")
        cleaned.append({"command": name, "description": description})
    key = commands_key(params.structure("scope"), params.text("language_code"))
    state.commands[key] = cleaned
    return True


async def get_my_commands(state: SandboxState, params: Params) -> Any:
    """getMyCommands for exactly the given scope and language."""
    key = commands_key(params.structure("scope"), params.text("language_code"))
    return state.commands.get(key, [])


async def delete_my_commands(state: SandboxState, params: Params) -> Any:
    """deleteMyCommands."""
    state.commands.pop(commands_key(params.structure("scope"), params.text("language_code")), None)
    return True


async def get_file(state: SandboxState, params: Params) -> Any:
    """getFile: a path under /file/bot<token>/ where the stored bytes can be downloaded."""
    stored = state.files.get(params.text("file_id") or "")
    if stored is None or stored.content is None:
        raise bad_request("wrong file_id or the file is temporarily unavailable")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": f"documents/{stored.file_id}",
    }


async def accept_harmless(state: SandboxState, params: Params) -> Any:
    """Cosmetic setters (setMyDescription & co.): kept for inspection, answered True."""
    logger.info("harmless Bot API call accepted: %s", params.loggable())
    for name in ("description", "short_description", "name"):
        if params.text(name) is not None:
            state.profile_texts[f"{name}:{params.text('language_code') or ''}"] = (
                params.text(name) or ""
            )
    return True


async def close_or_log_out(state: SandboxState, params: Params) -> Any:
    """close / logOut: nothing to release here."""
    return True


METHODS: dict[str, MethodHandler] = {
    "getme": get_me,
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "getfile": get_file,
    "close": close_or_log_out,
    "logout": close_or_log_out,
    **{name: accept_harmless for name in HARMLESS_SETTERS},
}
