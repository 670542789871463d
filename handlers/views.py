"""Outbound views: what the product wants shown, with no platform markup.

Renderers in `bot/<platform>/render` turn these into Block Kit, Feishu cards
or terminal text. Text is plain; emphasis comes from the block type.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, get_type_hints

# --- inline mentions ----------------------------------------------------------
# A mention of a member inside any text of a view is a token built by
# `mention()`. Renderers turn it into a real mention (Slack `<@U…>`, Feishu
# `<at user_id="…"></at>`) or the person's name (the terminal). The delimiters
# are private-use characters that input cleaning removes from whatever people
# type, so a typed text can never forge one.
_MENTION_OPEN, _MENTION_SEP, _MENTION_CLOSE = "\ue000", "\ue001", "\ue002"
_MENTION = re.compile(
    f"{_MENTION_OPEN}([^{_MENTION_SEP}{_MENTION_CLOSE}]*){_MENTION_SEP}([^{_MENTION_CLOSE}]*){_MENTION_CLOSE}"
)
MENTION_MARKS = frozenset(_MENTION_OPEN + _MENTION_SEP + _MENTION_CLOSE)


@dataclass(frozen=True, slots=True)
class Mention:
    """A member named inside a text, by platform user id, with a fallback name."""

    user_id: str
    name: str


def mention(user_id: str, name: str) -> str:
    """The token for a mention of `user_id` inside a text; `name` is its plain fallback."""
    clean = "".join(c for c in name if c not in MENTION_MARKS)
    return f"{_MENTION_OPEN}{user_id}{_MENTION_SEP}{clean}{_MENTION_CLOSE}"


def split_mentions(text: str) -> list[str | Mention]:
    """The text as plain runs and mentions, in order, for renderers."""
    parts: list[str | Mention] = []
    position = 0
    for match in _MENTION.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        parts.append(Mention(match.group(1), match.group(2)))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return parts


def plain(text: str) -> str:
    """The text with each mention replaced by the person's name."""
    return _MENTION.sub(lambda m: m.group(2), text)


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


@dataclass(frozen=True, slots=True)
class Image:
    """A picture (a PNG chart). Platforms upload it; the terminal saves it and shows the path."""

    filename: str
    alt: str
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a chart: a label and its (x label, value) points, in order."""

    label: str
    points: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Move:
    """One key result's week: where it was and where it is, in % of the way to its
    target (100 is the target), and the owner's confidence, which colours it."""

    label: str  # "KR11 Followers in target countries"
    before: float
    after: float
    confidence: int | None = None
    value: str = ""  # the value now as people read it: "6,000 of 10,000 followers"


def move_text(move: Move) -> str:
    """A move as text, where a chart is not drawn: "42% → 60% (6,000 of 10,000 followers)"."""
    text = f"{move.before:.0f}% → {move.after:.0f}%"
    return f"{text} ({move.value})" if move.value else text


@dataclass(frozen=True, slots=True)
class MoveWords:
    """The words of a movement chart's key, in the reader's language."""

    before: str = "start of the week"
    after: str = "now"
    target: str = "target"
    confidence: str = "confidence"
    none: str = "no confidence yet"


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart as data: a trend (one line per series over the weeks) or, with `moves`,
    this week's movement of each key result. The product never draws: the bot turns
    it into an Image (a PNG) before a platform sends it, so every platform shows the
    same picture."""

    title: str
    series: tuple[Series, ...] = ()
    y_label: str = ""
    filename: str = "chart.png"
    moves: tuple[Move, ...] = ()
    words: MoveWords = MoveWords()


@dataclass(frozen=True, slots=True)
class Link:
    """A link to a page (of the web view, usually), shown as its label."""

    label: str
    url: str


Cell = str | float | None


@dataclass(frozen=True, slots=True)
class Sheet:
    """One table of a spreadsheet: a name, a header row and rows of plain values."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Spreadsheet:
    """Tables to hand over as a file. The product never writes files: the bot turns this
    into a File (an .xlsx workbook) before a platform sends it."""

    filename: str
    title: str
    sheets: tuple[Sheet, ...]


@dataclass(frozen=True, slots=True)
class File:
    """A file attached to a message. Platforms upload it; the terminal saves it."""

    filename: str
    title: str
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class PageSection:
    """A titled part of a page: its lines, in order."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Page:
    """A one-page document as data (a review pack). The product never draws: the bot
    turns it into an Image (a PNG) before a platform sends it, and can print it as a PDF.
    The message it travels in carries the same content as text."""

    title: str
    subtitle: str
    sections: tuple[PageSection, ...]
    filename: str = "page.png"


Block = (
    Header
    | Text
    | Fields
    | Progress
    | Divider
    | Context
    | Actions
    | Image
    | Chart
    | Spreadsheet
    | File
    | Link
    | Page
)


@dataclass(frozen=True, slots=True)
class Message:
    """A message. `summary` is the one-line text used for notifications and fallbacks.

    A reply is private to the person who acted unless `in_channel` is set, in
    which case it is posted where the command was typed for everyone to see.
    """

    summary: str
    blocks: tuple[Block, ...] = ()
    in_channel: bool = False


@dataclass(frozen=True, slots=True)
class Home:
    """A person's home: Slack's App Home tab; on other platforms sent as a message."""

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


View = Message | Form | Home


@dataclass(frozen=True, slots=True)
class ToUser:
    """A direct message to a person, by platform user id."""

    user_id: str


@dataclass(frozen=True, slots=True)
class ToChannel:
    """A post in a chat channel or group, by platform channel id."""

    channel_id: str


@dataclass(frozen=True, slots=True)
class ToOkr:
    """A key result in the company's own OKR system (Feishu OKR), by its id there."""

    kr_id: str


@dataclass(frozen=True, slots=True)
class ProgressNote:
    """A check-in written to the company's OKR system as a progress record.

    `text` is the value, confidence and note in the workspace's language;
    `percent` the key result's progress; the sender adds the link back to the bot.
    """

    summary: str
    text: str
    percent: float | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message for someone other than the actor; sent through the outbox.

    `key` is unique per logical delivery within a workspace (e.g.
    "digest:team7:2026-W48") so that retries, restarts and replicas never post
    it twice. `replaces` names the key of an earlier delivery whose posted
    message this one updates in place (a platform without edits posts it as a
    follow-up). `platform` and `workspace` (the platform's own workspace id)
    are filled in by the app when the use case leaves them empty.
    """

    to: ToUser | ToChannel | ToOkr
    message: Message | Home | ProgressNote
    key: str | None = None
    replaces: str | None = None
    platform: str = ""
    workspace: str = ""


@dataclass(frozen=True, slots=True)
class FormErrors:
    """The submitted form was refused; errors by input name, shown beside the inputs."""

    errors: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class Outcome:
    """What handling one event produced: a reply to the actor, and deliveries to others.

    `updated` is the new version of the message whose button was pressed, when
    the press finished what that message asked for (its buttons go); adapters
    replace the message in place. `deliveries` are already in the outbox when
    `OkrApp.handle` returns: they are listed for the record, not to be sent.
    `refused` says the replies explain why nothing was done (an expired button,
    a press that is not allowed), so an adapter can show them as a warning.
    """

    replies: list[View | FormErrors] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    updated: Message | None = None
    refused: bool = False


# --- JSON --------------------------------------------------------------------
# Views travel through the outbox as JSON: every dataclass above round-trips
# through `to_json` / `from_json` without loss.


def to_json(value: Any) -> Any:
    """A JSON-ready structure for a view, block, delivery or outcome."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": type(value).__name__, **data}
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, bytes):
        return {"type": "bytes", "base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple | list):
        return [to_json(item) for item in value]
    return value


def from_json(data: Any) -> Any:
    """The object `to_json` made; raises ValueError on anything it did not make."""
    if isinstance(data, list):
        return [from_json(item) for item in data]
    if not isinstance(data, dict):
        return data
    kind = data.get("type")
    if kind == "bytes":
        return base64.b64decode(data["base64"])
    cls = _JSON_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"not a view type: {kind!r}")
    hints = get_type_hints(cls, vars(sys.modules[__name__]))
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = from_json(data[f.name])
        hint = str(hints[f.name])
        if isinstance(value, list) and "tuple" in hint:
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        elif isinstance(value, str) and f.name in ("style", "kind"):
            value = ButtonStyle(value) if cls is Button else InputKind(value)
        kwargs[f.name] = value
    return cls(**kwargs)


# Every dataclass of this module, by name: a new view type round-trips without listing it.
_JSON_TYPES: dict[str, type] = {
    name: value
    for name, value in list(globals().items())
    if isinstance(value, type) and dataclasses.is_dataclass(value)
}
