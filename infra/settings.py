"""Settings read once at start-up from the environment or a `.env` file."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.ages import BirthYearMode
from models.signups import OfferRules
from models.tables import DEFAULT_RADIUS_M, LANGUAGES

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
# The placeholder in .env.example: shaped like a token, so the pattern alone lets it through.
EXAMPLE_TOKEN = "123456789:replace-with-the-token-from-BotFather-xxxxxxx"
PLACEHOLDER_MESSAGE = "edit .env: TELEGRAM_BOT_TOKEN is still the example (put the token @BotFather gave you there)"
# Telegram allows 1-256 of these characters in a webhook's secret token; we ask for 32 or more.
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,256}$")
PLACEHOLDER_WORDS = ("replace", "changeme", "change-me", "change_me", "example", "placeholder", "your-", "your_")
MIN_SECRET_DISTINCT_CHARACTERS = 10  # "xxxxxxxx…" or "12341234…" is not a secret
LISTEN_PATTERN = re.compile(r"^(?P<host>\[[0-9a-fA-F:]+\]|[^:\s]+):(?P<port>\d{1,5})$")


class Settings(BaseSettings):
    """Everything the bot needs to know about its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr
    telegram_api_base_url: str | None = None
    # File downloads of a self-hosted Bot API server (e.g. http://host:8081/file/bot), like the base URL.
    telegram_api_file_url: str | None = None
    database_url: str = "sqlite+aiosqlite:///./data/volunteer-bot.sqlite3"
    coordinator_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Asia/Riyadh"
    default_language: str = "ar"

    # Rules of the program; defaults follow the association's practice.
    checkin_early_minutes: int = 30
    checkout_grace_minutes: int = 30
    # Sent, failed and dropped messages are deleted after this many days (0: kept forever); the
    # once-ever thank-yous and each broadcast's final counts are kept.
    outbox_retention_days: int = 90
    default_radius_m: int = DEFAULT_RADIUS_M
    page_size: int = 6
    milestones_hours: Annotated[tuple[int, ...], NoDecode] = (10, 25, 50, 100, 250, 500, 1000)
    reminder_hours_before: Annotated[tuple[int, ...], NoDecode] = (24, 2)
    # A seat that frees up less than this long before the start is offered to the next in line,
    # who must accept within the answer time (never past the start), or it passes on.
    waitlist_offer_hours_before: float = Field(default=3.0, ge=0.0)
    waitlist_offer_answer_minutes: int = Field(default=30, ge=1)
    sar_per_hour: float = 21.7
    target_volunteers: int = 100_000
    target_opportunities: int = 3_000
    target_hours: int = 8_000_000
    # Minors (issue 13): onboarding asks the year of birth (required, optional with a Skip button,
    # or off); volunteers under 18 need a guardian's consent before their first sign-up.
    birth_year_mode: BirthYearMode = BirthYearMode.REQUIRED
    send_rate_per_second: float = 30.0
    # The association named on certificates and experience letters, in each language.
    association_name_ar: str = "جمعية مراكز الأحياء بمنطقة مكة المكرمة"
    association_name_en: str = "Makkah Region Neighborhood Centers Association"
    # Worker processes that draw certificates off the bot's process (0: a thread of the bot's own).
    certificate_workers: int = Field(default=1, ge=0, le=8)
    interactive_share: float = Field(default=0.5, ge=0.0, le=1.0)

    # Operations: how long start-up waits for Telegram and the database; the daily backup.
    startup_retry_seconds: float = Field(default=120.0, ge=0.0)
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1)

    # Webhook mode (`volunteer-bot run --webhook`, see bot/webhook.py).
    telegram_webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0:8080"
    telegram_webhook_secret: SecretStr | None = None

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_looks_real(cls, value: SecretStr) -> SecretStr:
        # Refuse placeholders early: a clear message beats a 401 traceback from Telegram.
        if value.get_secret_value().strip() == EXAMPLE_TOKEN:
            raise ValueError(PLACEHOLDER_MESSAGE)
        if not TOKEN_PATTERN.match(value.get_secret_value().strip()):
            raise ValueError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token "
                "(expected digits, a colon and at least 30 letters, e.g. 123456:ABC-DEF...)"
            )
        return SecretStr(value.get_secret_value().strip())

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("TELEGRAM_API_BASE_URL must start with http:// or https://, e.g. http://127.0.0.1:8081/bot")
        return value.rstrip("/")  # PTB appends the token right after it

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_url_is_http(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().startswith(("https://", "http://")):
            raise ValueError("TELEGRAM_WEBHOOK_URL must be the public https:// address Telegram posts updates to")
        return value.strip()

    @field_validator("webhook_listen")
    @classmethod
    def _listen_is_host_port(cls, value: str) -> str:
        match = LISTEN_PATTERN.match(value.strip())
        if match is None or not 0 < int(match["port"]) < 65536:
            raise ValueError("WEBHOOK_LISTEN must be host:port, e.g. 0.0.0.0:8080")
        return value.strip()

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_looks_real(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        secret = value.get_secret_value().strip()
        # Never echo the value: the message names the rule only.
        placeholder = any(word in secret.lower() for word in PLACEHOLDER_WORDS)
        if not WEBHOOK_SECRET_PATTERN.match(secret) or placeholder or len(set(secret)) < MIN_SECRET_DISTINCT_CHARACTERS:
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be a random string of 32 to 256 letters, digits, _ or - "
                "(not a placeholder), e.g. the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return SecretStr(secret)

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> frozenset[int]:
        if value is None or value == "":
            return frozenset()
        if isinstance(value, str):
            try:
                return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
            except ValueError as exc:
                raise ValueError("COORDINATOR_IDS must be comma-separated numbers") from exc
        if isinstance(value, (list, tuple, set, frozenset)):
            return frozenset(int(v) for v in value)
        raise ValueError("COORDINATOR_IDS must be comma-separated numbers")

    @field_validator("milestones_hours", "reminder_hours_before", mode="before")
    @classmethod
    def _parse_int_list(cls, value: object) -> tuple[int, ...]:
        if isinstance(value, str):
            return tuple(sorted({int(part) for part in value.split(",") if part.strip()}))
        return tuple(value)  # type: ignore[arg-type]  # pydantic has validated the items

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown TIMEZONE {value!r}") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
        return value

    @property
    def offer_rules(self) -> OfferRules:
        return OfferRules(
            window=timedelta(hours=self.waitlist_offer_hours_before),
            answer_within=timedelta(minutes=self.waitlist_offer_answer_minutes),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def webhook_address(self) -> tuple[str, int]:
        """WEBHOOK_LISTEN as (host, port); an IPv6 host loses its brackets."""
        match = LISTEN_PATTERN.match(self.webhook_listen)
        assert match is not None  # checked by the validator
        return match["host"].strip("[]"), int(match["port"])

    @property
    def bot_id(self) -> int:
        return int(self.telegram_bot_token.get_secret_value().split(":", 1)[0])


def settings_problems(error: ValidationError) -> list[str]:
    """One sentence per invalid setting, naming the variable (never echoing a secret's value)."""
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]).upper() or "settings"
        if item["type"] == "missing":
            problems.append(f"{field} is required (set it in the environment or in .env)")
            continue
        cause = (item.get("ctx") or {}).get("error")
        message = str(cause) if isinstance(cause, ValueError) else item["msg"]
        problems.append(message if field in message else f"{field}: {message}")
    return problems
