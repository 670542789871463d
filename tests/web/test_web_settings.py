"""The web view's settings fail at start with the variable to fix, never halfway."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings
from bot.web import build_web
from bot.wiring import build
from handlers.clock import ManualClock
from tests.conftest import WEDNESDAY


def test_a_short_or_placeholder_secret_and_a_bad_address_are_refused() -> None:
    with pytest.raises(SettingsError, match="OKRBOT_WEB_SECRET is too short"):
        load_settings(web_secret="short", _env_file=None)
    with pytest.raises(SettingsError, match="OKRBOT_WEB_SECRET is still a placeholder"):
        load_settings(web_secret="your-secret-" + "x" * 40, _env_file=None)
    with pytest.raises(SettingsError, match="OKRBOT_PUBLIC_URL must be"):
        load_settings(public_url="okr.example.com", _env_file=None)
    settings = load_settings(public_url="https://okr.example.com/", _env_file=None)
    assert settings.public_url == "https://okr.example.com"


def test_a_public_url_without_a_secret_stops_the_start(database_url: str) -> None:
    settings = load_settings(
        database_url=database_url, public_url="https://okr.example.com", _env_file=None
    )
    runtime = build(settings, clock=ManualClock(WEDNESDAY))
    try:
        with pytest.raises(SettingsError, match="OKRBOT_WEB_SECRET"):
            build_web(settings, runtime)
        assert build_web(settings.model_copy(update={"public_url": None}), runtime) is None
    finally:
        runtime.close()
