"""Outbound views: what the product wants shown, with no platform markup.

Renderers in `bot/<platform>/render` turn these into Block Kit, Feishu cards
or terminal text. Text is plain; emphasis comes from the block type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Header:
    text: str


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Fields:
    """Label/value pairs shown side by side."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress bar. `fraction` is unclipped (1.2 = 120 %); None when unknown."""

    label: str
    fraction: float | None
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Divider:
    pass


@dataclass(frozen=True, slots=True)
class Context:
    """Small print under a block."""

    text: str


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str
    value: str = ""
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True, slots=True)
class Actions:
    buttons: tuple[Button, ...]


Block = Header | Text | Fields | Progress | Divider | Context | Actions


@dataclass(frozen=True, slots=True)
class Message:
    """A message. `summary` is the one-line text used for notifications and fallbacks."""

    summary: str
    blocks: tuple[Block, ...] = ()


class InputKind(StrEnum):
    TEXT = "text"
    MULTILINE = "multiline"
    NUMBER = "number"
    SELECT = "select"
    USER = "user"
    USERS = "users"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Option:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    label: str
    kind: InputKind = InputKind.TEXT
    required: bool = True
    initial: str | None = None
    placeholder: str = ""
    hint: str = ""
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class Form:
    """A form (Slack modal, Feishu form card). `context` comes back on submit."""

    form_id: str
    title: str
    submit_label: str
    inputs: tuple[Input, ...]
    context: str = ""


View = Message | Form


@dataclass(frozen=True, slots=True)
class ToUser:
    """A direct message to a person, by platform user id."""

    user_id: str


@dataclass(frozen=True, slots=True)
class ToChannel:
    """A post in a chat channel or group, by platform channel id."""

    channel_id: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message for someone other than the actor; sent through the outbox.

    `key` is unique per logical delivery (e.g. "digest:7:2026-W48") so that
    retries, restarts and replicas never post it twice.
    """

    to: ToUser | ToChannel
    message: Message
    key: str | None = None


@dataclass(frozen=True, slots=True)
class FormErrors:
    """The submitted form was refused; errors by input name, shown beside the inputs."""

    errors: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class Outcome:
    """What handling one event produced: a reply to the actor, and deliveries to others."""

    replies: list[View | FormErrors] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
