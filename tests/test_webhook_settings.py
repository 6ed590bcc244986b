"""`volunteer-bot run --webhook` refuses to start without a URL and a real secret, in one sentence."""

from __future__ import annotations

import pytest

from bot.cli import main
from infra.settings import Settings

TOKEN = "123456:" + "A" * 35
GOOD_SECRET = "Zq8v-3nW_p0LkT7yXc2RbH9sJmA4eUdF1gNiQoV6"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    for name in ("DATABASE_URL", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "WEBHOOK_LISTEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)


def test_webhook_mode_without_a_url_says_which_setting_is_missing(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["run", "--webhook"]) == 2
    assert "TELEGRAM_WEBHOOK_URL is required with --webhook" in capsys.readouterr().err


def test_webhook_mode_without_a_secret_says_how_to_make_one(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram")
    assert main(["run", "--webhook"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_WEBHOOK_SECRET is required with --webhook" in err and "secrets.token_urlsafe" in err


@pytest.mark.parametrize(
    "secret", ["replace-with-a-long-random-secret-0123456789", "short-but-Random_7", "x" * 40, "has spaces in it " * 3]
)
def test_a_placeholder_or_weak_secret_is_refused_without_echoing_it(capsys, monkeypatch, secret) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
    with pytest.raises(SystemExit) as stop:
        main(["run", "--webhook"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_WEBHOOK_SECRET" in err and "random string of 32 to 256" in err
    assert secret.strip() not in err


def test_listen_address_and_url_are_checked() -> None:
    settings = Settings(
        telegram_bot_token=TOKEN, telegram_webhook_url="https://bot.example.org/tg", webhook_listen="[::1]:8443",  # type: ignore[arg-type]
        telegram_webhook_secret=GOOD_SECRET, _env_file=None,  # type: ignore[arg-type,call-arg]
    )
    assert settings.webhook_address == ("::1", 8443)
    assert GOOD_SECRET not in repr(settings)
    for bad in ({"webhook_listen": "8080"}, {"webhook_listen": "0.0.0.0:99999"}, {"telegram_webhook_url": "bot.example.org"}):
        with pytest.raises(ValueError):
            Settings(telegram_bot_token=TOKEN, _env_file=None, **bad)  # type: ignore[arg-type,call-arg]
