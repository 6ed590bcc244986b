"""Webhook mode (`volunteer-bot run --webhook`): Telegram posts updates; /healthz and /metrics.

One aiohttp server on WEBHOOK_LISTEN serves three routes:
- POST <the path of TELEGRAM_WEBHOOK_URL>: an update from Telegram. A request without the
  `X-Telegram-Bot-Api-Secret-Token` header equal to TELEGRAM_WEBHOOK_SECRET is answered 403 and
  nothing of it is read (logged once per source address, counted in the metrics). With the right
  secret the update goes into the Application's update queue, where the same update processor as
  in polling takes it, and the answer is 200 at once: a slow answer would hold up the updates
  Telegram sends after it, and one that times out is sent again.
- GET /healthz: the database (a trivial query) and the outbox sender (alive, outbox depth) as
  JSON, 200 when both are well, 503 otherwise: what a load balancer's health check asks.
- GET /metrics: Prometheus metrics (bot/metrics.py).
aiohttp rather than python-telegram-bot's own webhook server: that one needs tornado, serves the
webhook path only and checks the secret in a way we cannot log or count.

Every way the outside can fail us:
- setWebhook refused (Telegram wants https:// and port 443, 80, 88 or 8443): one sentence, exit 2;
- setWebhook fails on the network or with a 5xx: tried again (REGISTER_TRIES, with backoff), then
  one sentence and exit 2;
- a request with the right secret but a body that is not an update: 400, logged;
- an update accepted (200) but not handled when the process dies is lost, exactly as in polling
  (python-telegram-bot confirms the updates it fetched before handling them);
- several instances behind a load balancer: each sets the same webhook at start (setWebhook is
  idempotent) and none deletes it at stop, since the others still serve it.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import text
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.metrics import CONTENT_TYPE, process_metrics
from infra.settings import Settings
from models import outbox

log = logging.getLogger("volunteer_bot")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT_S = 2.0
REGISTER_TRIES = 5
MAX_LOGGED_SOURCES = 1_000  # refused sources remembered (and so logged once each)
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few kilobytes; Telegram's own cap is far below


class WebhookSetupError(Exception):
    """The webhook cannot be served as configured: the sentence to show the operator."""


def webhook_path(settings: Settings) -> str:
    """The path Telegram posts to: the one in TELEGRAM_WEBHOOK_URL ("/" when it has none)."""
    assert settings.telegram_webhook_url is not None
    return urlsplit(settings.telegram_webhook_url).path or "/"


def check_webhook_settings(settings: Settings) -> None:
    """The settings webhook mode needs (they are optional in polling mode)."""
    if not settings.telegram_webhook_url:
        raise WebhookSetupError(
            "TELEGRAM_WEBHOOK_URL is required with --webhook (the public https:// address Telegram posts updates to)"
        )
    if settings.telegram_webhook_secret is None:
        raise WebhookSetupError(
            "TELEGRAM_WEBHOOK_SECRET is required with --webhook (32 or more random letters, digits, _ or -, "
            "e.g. from: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if webhook_path(settings) in ("/healthz", "/metrics"):
        raise WebhookSetupError("TELEGRAM_WEBHOOK_URL's path must not be /healthz or /metrics")


class RefusedSources:
    """Which sources were already logged for a refused request (each at most once)."""

    def __init__(self, limit: int = MAX_LOGGED_SOURCES) -> None:
        self._seen: set[str] = set()
        self._limit = limit
        self._full_told = False

    def note(self, request: web.Request) -> None:
        # Behind a load balancer the peer is the balancer; the forwarded address says who sent it.
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
        source = f"{request.remote}" + (f" (for {forwarded})" if forwarded else "")
        if source in self._seen:
            return
        if len(self._seen) >= self._limit:
            if not self._full_told:
                self._full_told = True
                log.warning("webhook: refused requests from more than %d sources; no more are logged", self._limit)
            return
        self._seen.add(source)
        why = "a wrong" if SECRET_HEADER in request.headers else "no"
        log.warning("webhook: refused a request with %s secret token from %s (logged once per source)", why, source)


def webhook_app(app: Application, *, path: str, secret: str) -> web.Application:  # type: ignore[type-arg]
    """The aiohttp application: the webhook route, /healthz and /metrics."""
    expected = secret.encode()
    refused = RefusedSources()
    metrics = process_metrics(app)

    async def receive_update(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            refused.note(request)
            metrics.webhook_refused.inc()
            return web.Response(status=403, text="Forbidden")
        try:
            data = await request.json()
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, app.bot)
        except Exception as error:  # a malformed body: Telegram would not send one
            log.warning("webhook: refused a body that is not an update (%s)", type(error).__name__)
            return web.Response(status=400, text="Bad Request")
        await app.update_queue.put(update)
        return web.Response(status=200)

    async def healthz(request: web.Request) -> web.Response:
        report = await health(app)
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)

    async def serve_metrics(request: web.Request) -> web.Response:
        if app.bot_data.ready:
            try:
                async with asyncio.timeout(HEALTH_TIMEOUT_S):
                    await metrics.refresh(app.bot_data.services)
            except Exception as error:  # the figures the database gives are stale this once
                log.warning("metrics: outbox depth unavailable (%s)", type(error).__name__)
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    web_app.router.add_post(path, receive_update)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", serve_metrics)
    return web_app


async def health(app: Application) -> dict[str, Any]:  # type: ignore[type-arg]
    """{"status": "ok"|"unavailable", "database": {...}, "sender": {...}, "sweeps_leader": bool}."""
    data = app.bot_data
    database: dict[str, Any] = {"ok": False}
    depth: dict[str, int] | None = None
    if data.ready:
        services = data.services
        began = time.perf_counter()
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT_S), services.sessions() as session:
                await session.execute(text("SELECT 1"))
                database = {"ok": True, "ms": round((time.perf_counter() - began) * 1000, 1)}
                depth = await outbox.depth(session, now=services.clock())
        except Exception as error:
            database = {"ok": False, "error": type(error).__name__}
    alive = data.has_sender and data.sender.running
    leader = data.leader.is_leader if data.leader is not None else True
    healthy = database["ok"] and alive
    return {
        "status": "ok" if healthy else "unavailable",
        "database": database,
        "sender": {"alive": alive, "outbox": depth},
        "sweeps_leader": leader,
    }


async def register_webhook(app: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    """setWebhook with the secret and the updates we handle; transient failures are tried again."""
    assert settings.telegram_webhook_url is not None and settings.telegram_webhook_secret is not None
    for attempt in range(1, REGISTER_TRIES + 1):
        try:
            await app.bot.set_webhook(
                settings.telegram_webhook_url,
                secret_token=settings.telegram_webhook_secret.get_secret_value(),
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
            return
        except (BadRequest, InvalidToken) as error:
            raise WebhookSetupError(
                f"Telegram refused the webhook {settings.telegram_webhook_url} ({error.message}): "
                "it must be a public https:// address on port 443, 80, 88 or 8443"
            ) from None
        except (NetworkError, TelegramError) as error:
            if attempt == REGISTER_TRIES:
                raise WebhookSetupError(
                    f"could not register the webhook with Telegram after {REGISTER_TRIES} tries ({error.message})"
                ) from None
            await asyncio.sleep(2 ** (attempt - 1))


async def serve(settings: Settings, app: Application, stop: asyncio.Event) -> None:  # type: ignore[type-arg]
    """Webhook mode until `stop` is set, then a clean stop (bot.startup has checked the database
    and Telegram, and calls this in place of polling)."""
    check_webhook_settings(settings)
    assert settings.telegram_webhook_secret is not None
    host, port = settings.webhook_address
    runner: web.AppRunner | None = None
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()  # the update queue is read from here on
        path = webhook_path(settings)
        web_app = webhook_app(app, path=path, secret=settings.telegram_webhook_secret.get_secret_value())
        runner = web.AppRunner(web_app, access_log=None, handle_signals=False, shutdown_timeout=5)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as error:
            raise WebhookSetupError(f"cannot listen on WEBHOOK_LISTEN={settings.webhook_listen} ({error.strerror})") from None
        await register_webhook(app, settings)
        log.info(
            "webhook mode: Telegram posts to %s; listening on %s:%d (%s, /healthz, /metrics)",
            settings.telegram_webhook_url, host, port, path,
        )
        await stop.wait()
        log.info("stopping: updates already received are handled first")
    finally:
        if runner is not None:
            await runner.cleanup()  # no new updates: Telegram retries them on another instance
        if app.running:
            await app.stop()  # handles what is in the update queue, then stops the jobs
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
