"""Settings: defaults, the .env file, and errors that name the variable to fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.settings import DEFAULT_DATABASE_URL, Settings, SettingsError, env_name, load_settings

REPO = Path(__file__).resolve().parents[2]
ENV_NAMES = [env_name(name) for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No inherited variables and no .env but the one a test writes."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_need_no_configuration() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///okrbot.db"
    assert settings.default_locale == "en"
    assert settings.default_timezone == "UTC"
    assert settings.log_level == "INFO"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.feishu_domain == "feishu"
    assert settings.slack_bot_token is None
    assert settings.console_start is None
    assert settings.platforms_configured == []


def test_values_are_read_from_dotenv_in_the_working_directory(clean_env: Path) -> None:
    (clean_env / ".env").write_text(
        "DATABASE_URL=sqlite:///elsewhere.db\n"
        "DEFAULT_LOCALE=zh\n"
        "DEFAULT_TIMEZONE=Asia/Shanghai\n"
        "log_level=debug\n"
        "SLACK_BOT_TOKEN=xoxb-1-real-looking\n"
        "SLACK_APP_TOKEN=\n"
        "OKRBOT_CONSOLE_START=2026-11-27T09:00:00+08:00\n"
        "SOMETHING_ELSE=ignored\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.database_url == "sqlite:///elsewhere.db"
    assert settings.default_locale == "zh"
    assert settings.default_timezone == "Asia/Shanghai"
    assert settings.log_level == "DEBUG"
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1-real-looking"
    assert settings.slack_app_token is None  # an empty line means "not set"
    assert settings.console_start == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    assert settings.platforms_configured == ["slack"]


def test_the_environment_wins_over_dotenv(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text("DEFAULT_LOCALE=zh\n", encoding="utf-8")
    monkeypatch.setenv("DEFAULT_LOCALE", "en")
    assert load_settings().default_locale == "en"


def test_both_platforms_are_reported_when_both_are_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-abc")
    monkeypatch.setenv("FEISHU_APP_ID", "cli_a1b2c3")
    assert load_settings().platforms_configured == ["slack", "feishu"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Olympus_Mons"),
        ("DEFAULT_LOCALE", "fr"),
        ("LOG_LEVEL", "LOUD"),
        ("SLACK_API_URL", "slack.com/api"),
        ("FEISHU_DOMAIN", "open.feishu.cn"),
        ("OKRBOT_CONSOLE_START", "2026-11-27T09:00:00"),
        ("OKRBOT_CONSOLE_START", "next friday"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert variable in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SLACK_BOT_TOKEN", "xoxb-your-token"),
        ("SLACK_SIGNING_SECRET", "changeme"),
        ("SLACK_APP_TOKEN", "xapp-your-app-token"),
        ("FEISHU_APP_ID", "<your app id>"),
        ("FEISHU_APP_SECRET", "CHANGEME"),
    ],
)
def test_a_placeholder_secret_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert variable in str(raised.value)
    assert "placeholder" in str(raised.value)
    assert value not in str(raised.value)


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LOCALE", "fr")
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Nowhere")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "DEFAULT_LOCALE" in str(raised.value)
    assert "DEFAULT_TIMEZONE" in str(raised.value)


def test_slack_api_url_gets_the_trailing_slash_the_sdk_expects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:8099/api")
    assert load_settings().slack_api_url == "http://127.0.0.1:8099/api/"


def test_env_example_lists_every_setting() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    missing = [name for name in ENV_NAMES if f"{name}=" not in text]
    assert not missing


def test_env_example_used_as_is_starts_with_the_defaults(clean_env: Path) -> None:
    """Its fake values are all commented out, so copying it changes nothing by accident."""
    (clean_env / ".env").write_text(
        (REPO / ".env.example").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert load_settings() == Settings(_env_file=None)
