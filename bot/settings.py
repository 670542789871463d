"""The process's settings, read once from the environment and `.env`.

`bot/` builds one `Settings` at start and passes it down; nothing else reads
the environment. Every value is checked here, so a typo fails at start with
the variable's name instead of deep inside a request.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///okrbot.db"
LOCALES = ("en", "zh")

# Values people leave in a copied example file. A bot started with one of them
# would fail later with an opaque 401 from the platform.
_PLACEHOLDERS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "changethis",
        "placeholder",
        "secret",
        "password",
        "token",
        "todo",
        "xxx",
        "...",
    }
)
_PLACEHOLDER_PARTS = ("your-", "your_", "changeme", "changethis", "<", ">")


class SettingsError(ValueError):
    """The settings are unusable; the message names each variable to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        env_ignore_empty=True,  # `SLACK_BOT_TOKEN=` in .env means "not set"
        populate_by_name=True,
    )

    database_url: str = DEFAULT_DATABASE_URL
    default_locale: str = "en"
    default_timezone: str = "UTC"
    log_level: str = "INFO"

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    feishu_app_id: str | None = None
    feishu_app_secret: SecretStr | None = None
    feishu_domain: str = "feishu"
    feishu_connection: Literal["long", "webhook"] = "long"
    feishu_verification_token: SecretStr | None = None
    feishu_encrypt_key: SecretStr | None = None
    # "self_built": the company's own custom app, serving its own tenant (the default).
    # "marketplace": a store app any tenant installs; it gets its tokens from the
    # app_ticket Feishu pushes every hour, so it needs FEISHU_CONNECTION=webhook.
    feishu_app_type: Literal["self_built", "marketplace"] = "self_built"
    # Write each check-in on a key result imported from Feishu OKR back there (custom apps).
    feishu_okr_sync: bool = False

    # The bot process (`okrbot run`).
    host: str = Field(default="127.0.0.1", validation_alias="OKRBOT_HOST")
    port: int = Field(default=3000, ge=0, le=65535, validation_alias="OKRBOT_PORT")
    catch_up: timedelta = Field(default=timedelta(hours=2), validation_alias="OKRBOT_CATCH_UP")
    lease: timedelta = Field(default=timedelta(seconds=60), validation_alias="OKRBOT_LEASE")
    tick_seconds: float = Field(default=30.0, gt=0, validation_alias="OKRBOT_TICK_SECONDS")
    # Sends in flight at once (each recipient's messages stay in order on one of them).
    outbox_workers: int = Field(default=8, ge=1, le=64, validation_alias="OKRBOT_OUTBOX_WORKERS")
    # How long an uninstalled workspace's data is kept before it is removed; a re-install
    # within it resumes where it stopped. 0 (the default): kept until `okrbot forget
    # --workspace`, since a token refused by mistake also reads as an uninstall.
    retention_days: int = Field(default=0, ge=0, le=3650, validation_alias="OKRBOT_RETENTION_DAYS")

    # Test aids for real-process tests of `okrbot run` (bot/testaids.py); unset in production.
    test_clock_file: Path | None = Field(default=None, validation_alias="OKRBOT_TEST_CLOCK_FILE")
    test_recorder: Path | None = Field(default=None, validation_alias="OKRBOT_TEST_RECORDER")
    test_send_seconds: float = Field(default=0.0, ge=0, validation_alias="OKRBOT_TEST_SEND_SECONDS")

    # The web view (`/` on the same server): where people reach it, and its sign-in.
    # The public URL turns on links from chat messages to their pages; Slack and
    # Feishu sign-in need it too, as the base of their redirect URLs.
    public_url: str | None = Field(default=None, validation_alias="OKRBOT_PUBLIC_URL")
    # Signs the session cookie: a long random string, the same on every replica.
    web_secret: SecretStr | None = Field(default=None, validation_alias="OKRBOT_WEB_SECRET")
    web_session: timedelta = Field(
        default=timedelta(hours=12), validation_alias="OKRBOT_WEB_SESSION"
    )
    # "Sign in with Slack" (OpenID Connect) uses the Slack app's client id and secret.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None

    # Fixes the terminal trial's starting time, so a scripted session is repeatable.
    console_start: datetime | None = Field(default=None, validation_alias="OKRBOT_CONSOLE_START")

    @property
    def platforms_configured(self) -> list[str]:
        platforms = []
        if self.slack_bot_token is not None or self.slack_distributed:
            platforms.append("slack")
        if self.feishu_app_id is not None:
            platforms.append("feishu")
        return platforms

    @property
    def slack_distributed(self) -> bool:
        """Slack for any workspace that installs the app (OAuth v2), not one bot token.

        SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET switch it
        on; with SLACK_BOT_TOKEN set, the one token serves its one workspace.
        """
        return (
            self.slack_bot_token is None
            and self.slack_client_id is not None
            and self.slack_client_secret is not None
            and self.slack_signing_secret is not None
        )

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        locale = value.strip().lower()
        if locale not in LOCALES:
            raise ValueError(f"DEFAULT_LOCALE must be one of {', '.join(LOCALES)}, not {value!r}")
        return locale

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        name = value.strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"DEFAULT_TIMEZONE must be an IANA timezone such as Asia/Shanghai or "
                f"Europe/Berlin, not {value!r}"
            ) from None
        return name

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(
                f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not {value!r}"
            )
        return level

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "feishu_app_id",
        "feishu_app_secret",
        "feishu_verification_token",
        "feishu_encrypt_key",
        "web_secret",
        "slack_client_id",
        "slack_client_secret",
        mode="before",
    )
    @classmethod
    def _not_a_placeholder(cls, value: Any, info: ValidationInfo) -> Any:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(raw, str):
            lowered = raw.strip().lower()
            if lowered in _PLACEHOLDERS or any(part in lowered for part in _PLACEHOLDER_PARTS):
                # The value itself stays out of the message: it may be half a real secret.
                raise ValueError(
                    f"{env_name(info.field_name)} is still a placeholder: "
                    "put the real value in, or leave it unset"
                )
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _slack_base_url(cls, value: str) -> str:
        url = value.strip()
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"SLACK_API_URL must be an http(s) URL, not {value!r}")
        # slack_sdk joins method names onto the base without adding a slash.
        return url if url.endswith("/") else url + "/"

    @field_validator("feishu_domain")
    @classmethod
    def _feishu_domain(cls, value: str) -> str:
        domain = value.strip()
        if domain.lower() in ("feishu", "lark"):
            return domain.lower()
        if domain.startswith(("https://", "http://")):
            return domain.rstrip("/")
        raise ValueError(f"FEISHU_DOMAIN must be feishu, lark or a full URL, not {value!r}")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = value.strip().rstrip("/")
        if not url.startswith(("https://", "http://")) or "?" in url or "#" in url:
            raise ValueError(
                f"OKRBOT_PUBLIC_URL must be the http(s) address people open, such as "
                f"https://okr.example.com, not {value!r}"
            )
        return url

    @field_validator("web_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                "OKRBOT_WEB_SECRET is too short to sign sessions with: use 32 characters or "
                "more (python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value

    @field_validator("web_session")
    @classmethod
    def _session_length(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=5) <= value <= timedelta(days=30):
            raise ValueError("OKRBOT_WEB_SESSION must be between 5 minutes and 30 days")
        return value

    @property
    def web_sign_ins(self) -> list[str]:
        """The chats people can sign in to the web view with, as configured."""
        found = []
        if self.slack_client_id and self.slack_client_secret:
            found.append("slack")
        if self.feishu_app_id and self.feishu_app_secret:
            found.append("feishu")
        return found

    @field_validator("console_start")
    @classmethod
    def _aware_start(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(
                "OKRBOT_CONSOLE_START needs a UTC offset, e.g. 2026-11-27T09:00:00+08:00"
            )
        return value


def env_name(field_name: str | None) -> str:
    """The environment variable that sets a field."""
    if field_name is None:
        return "?"
    field = Settings.model_fields.get(field_name)
    alias = field.validation_alias if field is not None else None
    return alias if isinstance(alias, str) else field_name.upper()


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation errors into one readable SettingsError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError("; ".join(_describe(error) for error in exc.errors())) from None


def _describe(error: Any) -> str:
    location = error.get("loc") or ()
    name = str(location[0]) if location else None
    # An aliased field reports its alias, which env_name passes through.
    variable = env_name(name)
    cause = (error.get("ctx") or {}).get("error")
    message = str(cause) if cause is not None else str(error.get("msg", "invalid value"))
    return message if variable in message else f"{variable}: {message}"
