"""Inbound events, as every adapter hands them to the product.

Ids here are the platform's own strings (Slack team/user ids, Feishu
tenant_key/open_id, or console names); the use cases map them to rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it, in which workspace, as the platform knows them."""

    platform: str  # "slack" | "feishu" | "console"
    workspace_id: str
    user_id: str
    display_name: str = ""
    locale: str | None = None  # as the platform reports it, e.g. "zh-CN", "en_US"
    timezone: str | None = None  # IANA name, e.g. "Asia/Shanghai"


@dataclass(frozen=True, slots=True)
class MentionedUser:
    """A person @-mentioned in a text, resolved by the platform."""

    user_id: str
    display_name: str = ""


@dataclass(frozen=True, slots=True)
class Command:
    """A command line, the text after `/okr` (or after @-mentioning the bot).

    Platform mentions are left in `text` as the token the adapter chose
    (e.g. "@U024BE7LH" or "@_user_1") and listed in `mentions` under that
    token. A plain "@alice" with no entry is looked up by handle.
    """

    actor: Actor
    text: str
    mentions: Mapping[str, MentionedUser] = field(default_factory=dict)
    channel_id: str | None = None
    event_id: str | None = None
    # Typed in a one-to-one chat with the bot: `channel_id` then names that chat, which
    # is nobody else's, rather than a channel or group the team shares.
    direct: bool = False


@dataclass(frozen=True, slots=True)
class ButtonPressed:
    """A button in one of our messages was pressed; `action` and `value` are ours."""

    actor: Actor
    action: str
    value: str = ""
    channel_id: str | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class FormSubmitted:
    """A form we sent was submitted. `values` maps our input names to what was entered."""

    actor: Actor
    form_id: str
    values: Mapping[str, str | list[str] | None]
    context: str = ""
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class HomeOpened:
    """The person opened the bot's home (Slack App Home, Feishu bot menu)."""

    actor: Actor
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class Installed:
    """The person installed the app in their workspace (an OAuth install, Feishu's app_open)."""

    actor: Actor
    event_id: str | None = None


Event = Command | ButtonPressed | FormSubmitted | HomeOpened | Installed
