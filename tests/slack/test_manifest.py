"""The app manifest asks Slack for exactly what the bot listens to and calls."""

from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yaml"


def manifest() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_the_manifest_declares_the_command_events_home_and_socket_mode() -> None:
    data = manifest()
    (command,) = data["features"]["slash_commands"]
    assert command["command"] == "/okr" and command["should_escape"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is True
    events = set(data["settings"]["event_subscriptions"]["bot_events"])
    assert events == {
        "app_home_opened",
        "app_mention",
        "message.im",
        "app_uninstalled",
        "tokens_revoked",
    }


def test_the_scopes_cover_every_api_the_bot_calls() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    needs = {
        "chat.postMessage": "chat:write",
        "chat.postEphemeral": "chat:write",
        "users.info": "users:read",
        "conversations.open": "im:write",
        "files.getUploadURLExternal": "files:write",
        "files.info": "files:read",
    }
    assert set(needs.values()) <= scopes
    # A send in doubt is looked up in the conversation it went to: channel, private or DM.
    assert {"channels:history", "groups:history", "im:history"} <= scopes
    assert {"commands", "app_mentions:read", "im:history"} <= scopes


def test_an_install_asks_for_the_scopes_the_manifest_declares() -> None:
    from bot.slack.oauth import SCOPES

    assert set(SCOPES) == set(manifest()["oauth_config"]["scopes"]["bot"])
