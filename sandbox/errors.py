"""Errors the stand-in answers with, worded the way Telegram words them."""

from __future__ import annotations

from typing import Any


class BotApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description, optional retry delay."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends with this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class SandboxUsageError(LookupError):
    """A simulated user asked for something the chat does not offer (e.g. a missing button)."""


def bad_request(detail: str) -> BotApiError:
    """400 with Telegram's "Bad Request: ..." prefix."""
    return BotApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> BotApiError:
    """403 with Telegram's "Forbidden: ..." prefix."""
    return BotApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> BotApiError:
    """429 flood-control answer carrying ``parameters.retry_after``."""
    return BotApiError(
        429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
    )


def server_error(status: int) -> BotApiError:
    """A 5xx answer as Telegram's front end gives it during an outage."""
    return BotApiError(status, "Bad Gateway" if status == 502 else "Internal Server Error")


def unauthorized() -> BotApiError:
    """What Telegram answers for a token it does not know."""
    return BotApiError(401, "Unauthorized")


def not_found() -> BotApiError:
    """What Telegram answers for a method name it does not know."""
    return BotApiError(404, "Not Found")


def conflict(detail: str) -> BotApiError:
    """409, e.g. two getUpdates consumers or getUpdates while a webhook is set."""
    return BotApiError(409, f"Conflict: {detail}")
