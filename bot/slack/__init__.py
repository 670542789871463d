"""Slack: Bolt app, translation of payloads, Block Kit rendering and the outbox sender.

Nothing outside this package reads or writes Slack JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.slack.app import SlackConnection
    from bot.wiring import Runtime


def connect(settings: Settings, runtime: Runtime) -> SlackConnection:
    """The Slack connection `okrbot run` starts when SLACK_BOT_TOKEN is set."""
    # Imported here so that a bot without Slack never loads Bolt.
    from bot.slack.app import connect as build

    return build(settings, runtime)
