"""The volunteer-bot command: clear errors for bad settings, never a traceback, never the token."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    for name in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "COORDINATOR_IDS", "TIMEZONE", "DEFAULT_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)


def test_missing_token_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run"])
    assert stop.value.code == 2
    assert "TELEGRAM_BOT_TOKEN is required" in capsys.readouterr().err


def test_malformed_token_is_a_clear_error_that_does_not_echo_it(capsys, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "my-secret-placeholder")
    with pytest.raises(SystemExit):
        main(["run"])
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "does not look like a bot token" in err
    assert "my-secret-placeholder" not in err


def test_bad_coordinator_ids_and_zone_are_named(capsys, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:" + "A" * 35)
    monkeypatch.setenv("COORDINATOR_IDS", "12,abc")
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    with pytest.raises(SystemExit):
        main(["run"])
    err = capsys.readouterr().err
    assert "COORDINATOR_IDS" in err and "TIMEZONE" in err


def test_env_file_is_read(monkeypatch, tmp_path):
    from infra.settings import Settings

    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=987654:" + "b" * 35 + "\nCOORDINATOR_IDS=1, 22\n")
    settings = Settings()  # type: ignore[call-arg]
    assert settings.coordinator_ids == frozenset({1, 22})
    assert settings.bot_id == 987654
    assert "bbbb" not in repr(settings)


def test_file_downloads_follow_a_self_hosted_bot_api_server(monkeypatch):
    """An imported CSV is fetched from TELEGRAM_API_FILE_URL, like every call goes to the base URL."""
    from bot.app import build_application
    from infra.settings import Settings

    token = "123456:" + "A" * 35
    settings = Settings(
        telegram_bot_token=token,  # type: ignore[arg-type]
        telegram_api_base_url="http://127.0.0.1:8081/bot",
        telegram_api_file_url="http://127.0.0.1:8081/file/bot",
        _env_file=None,  # type: ignore[call-arg]
    )
    app = build_application(settings, register_menu=False, start_background_work=False, run_migrations=False)
    assert app.bot.base_url == f"http://127.0.0.1:8081/bot{token}"
    assert app.bot.base_file_url == f"http://127.0.0.1:8081/file/bot{token}"
