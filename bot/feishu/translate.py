"""Feishu payloads as the product's neutral events: the only code that reads Feishu JSON.

Feishu has no slash commands. A person writes to the bot in a direct chat
(`签到 KR1 6000`, with or without `/okr`), @-mentions it in a group, picks an
entry of its custom menu, or acts on one of its cards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from handlers.events import MentionedUser

PLATFORM = "feishu"

# The bot menu's event keys (set in the developer console) and the command each stands for.
MENU_COMMANDS: Mapping[str, str] = {
    "my_okrs": "",
    "checkin": "checkin",
    "plan": "plan",
    "team": "team",
}

_OKR_PREFIX = re.compile(r"^\s*[/／]okr(?=\s|$)", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True, slots=True)
class MentionIn:
    """One entry of `message.mentions`, as plain values."""

    key: str  # the placeholder in the text, "@_user_1"
    open_id: str
    name: str
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class CommandText:
    text: str
    mentions: Mapping[str, MentionedUser]
    mentions_bot: bool


# Messages that carry no text to read: a direct chat gets "send me text" back.
UNREADABLE_TYPES = frozenset(
    {"image", "file", "sticker", "audio", "media", "folder", "location", "share_chat", "share_user"}
)


def message_text(message_type: str | None, content: str | None) -> str | None:
    """The text a person wrote, or None for pictures, files, stickers and the like.

    A rich-text (`post`) message, what the composer sends after a paste, a line
    break or an @ picked from the list, reads as its text: its lines joined,
    @-mentions as their placeholders (resolved like a text message's), links as
    their text, emoji and pictures left out.
    """
    if message_type not in ("text", "post") or not content:
        return None
    try:
        data = json.loads(content)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if message_type == "text":
        text = data.get("text")
        return text if isinstance(text, str) else None
    return _post_text(data)


def _post_text(data: Mapping[str, Any]) -> str | None:
    # Received posts are {"title", "content"}; the sending shape puts that under a
    # locale key ({"zh_cn": {...}}), which some clients and forwards keep.
    post: Any = data
    if not isinstance(data.get("content"), list):
        post = next(
            (
                v
                for v in data.values()
                if isinstance(v, dict) and isinstance(v.get("content"), list)
            ),
            None,
        )
    if post is None:
        return None
    lines = []
    for paragraph in post.get("content") or []:
        if isinstance(paragraph, list):
            line = "".join(_element_text(element) for element in paragraph)
            if line.strip():
                lines.append(line)
    title = post.get("title")
    if not lines and isinstance(title, str) and title.strip():
        lines.append(title)
    return "\n".join(lines) if lines else None


def _element_text(element: Any) -> str:
    if not isinstance(element, Mapping):
        return ""
    tag = element.get("tag")
    if tag in ("text", "a", "code_block", "md"):
        text = element.get("text")
        if tag == "a" and not text:
            text = element.get("href")
        return text if isinstance(text, str) else ""
    if tag == "at":
        # In a received post the at's user_id is the placeholder ("@_user_1").
        key = element.get("user_id") or element.get("open_id") or ""
        return f" {key} " if isinstance(key, str) and key else ""
    return ""  # emotion, img, media, hr: nothing to read


def command_text(text: str, mentions: Sequence[MentionIn], bot_open_id: str | None) -> CommandText:
    """The command in a message: the bot's own @ removed, `/okr` optional, people's @s kept.

    A colleague's placeholder stays in the text and is listed under it, which is
    how the core's grammar resolves `@_user_1` to a member.
    """
    found: dict[str, MentionedUser] = {}
    mentions_bot = False
    for mention in mentions:
        is_self = mention.open_id == bot_open_id if bot_open_id else mention.is_bot
        if is_self:
            mentions_bot = True
            # "@_user_1" must not eat the start of "@_user_10".
            text = re.sub(re.escape(mention.key) + r"(?![0-9])", " ", text)
        elif mention.open_id:
            found[mention.key] = MentionedUser(user_id=mention.open_id, display_name=mention.name)
    text = " ".join(text.split())
    text = _OKR_PREFIX.sub("", text, count=1).strip()
    return CommandText(text=text, mentions=found, mentions_bot=mentions_bot)


def event_kind(payload: Mapping[str, Any]) -> tuple[str, str]:
    """(schema, type) of a decrypted webhook payload: ("2.0", "im.message.receive_v1"),
    ("1.0", "message") for the old schema, ("", "url_verification"), ("", "") unknown."""
    if payload.get("type") == "url_verification":
        return "", "url_verification"
    header = payload.get("header")
    if payload.get("schema") and isinstance(header, Mapping):
        return str(payload["schema"]), str(header.get("event_type") or "")
    event = payload.get("event")
    if payload.get("uuid") and isinstance(event, Mapping):
        return "1.0", str(event.get("type") or "")
    return "", ""


def event_token(payload: Mapping[str, Any]) -> str | None:
    """The verification token a payload carries (in its header on schema 2.0)."""
    header = payload.get("header")
    token = header.get("token") if isinstance(header, Mapping) else None
    token = token if token is not None else payload.get("token")
    return token if isinstance(token, str) else None


def menu_command(event_key: str | None) -> str | None:
    """The command a bot-menu entry stands for; None for a key okrbot does not know."""
    if event_key is None:
        return None
    return MENU_COMMANDS.get(event_key.strip())


def button_value(value: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """Our action and value from a button's callback value."""
    if not isinstance(value, Mapping):
        return None
    action = value.get("action")
    if not isinstance(action, str) or not action:
        return None
    raw = value.get("value", "")
    return action, raw if isinstance(raw, str) else str(raw)


def form_submission(
    value: Mapping[str, Any] | None, form_value: Mapping[str, Any] | None
) -> tuple[str, str, dict[str, str | list[str] | None]] | None:
    """(form id, context, values by our input names) from a form submit, else None."""
    if not isinstance(value, Mapping) or not isinstance(value.get("form"), str):
        return None
    names = value.get("names")
    if not isinstance(names, list):
        names = []
    context = value.get("context")
    values: dict[str, str | list[str] | None] = {}
    submitted = form_value if isinstance(form_value, Mapping) else {}
    for index, name in enumerate(names):
        if not isinstance(name, str):
            continue
        values[name] = _form_field(submitted.get(f"f{index}"))
    return value["form"], context if isinstance(context, str) else "", values


def _form_field(raw: Any) -> str | list[str] | None:
    if raw is None:
        return None
    if isinstance(raw, list):
        return [str(item) for item in raw if item is not None]
    text = str(raw)
    # A date picker answers "2026-12-02 +0800": the date is what was picked.
    match = _DATE.match(text)
    if match is not None and len(text) > 10 and text[10] == " ":
        return match.group(1)
    return text


# --- a store app's own events (schema 1.0: app_ticket, app_open, app_uninstalled) ---


@dataclass(frozen=True, slots=True)
class AppTicket:
    """Feishu's hourly app_ticket for a store app."""

    app_id: str
    ticket: str


@dataclass(frozen=True, slots=True)
class AppOpened:
    """A tenant installed (or re-enabled) the store app; who did, when Feishu says."""

    app_id: str
    tenant: str
    installer: str | None


@dataclass(frozen=True, slots=True)
class AppGone:
    """A tenant uninstalled the store app."""

    app_id: str
    tenant: str


STORE_APP_EVENTS = ("app_ticket", "app_open", "app_uninstalled")


def app_event(payload: Mapping[str, Any]) -> AppTicket | AppOpened | AppGone | None:
    """The store-app event a schema 1.0 payload carries; None for any other or a broken one."""
    event = payload.get("event")
    if not isinstance(event, Mapping):
        return None
    kind = event.get("type")
    app_id = _text(event.get("app_id"))
    if kind == "app_ticket":
        ticket = _text(event.get("app_ticket"))
        return AppTicket(app_id=app_id, ticket=ticket) if ticket and app_id else None
    tenant = _text(event.get("tenant_key"))
    if not tenant or not app_id:
        return None
    if kind == "app_open":
        return AppOpened(app_id=app_id, tenant=tenant, installer=_installer(event))
    if kind == "app_uninstalled":
        return AppGone(app_id=app_id, tenant=tenant)
    return None


def _installer(event: Mapping[str, Any]) -> str | None:
    """The installer's open_id: the installer, the employee who installed it, or the
    first who asked for it."""
    candidates: list[Any] = [event.get("installer"), event.get("installer_employee")]
    applicants = event.get("applicants")
    if isinstance(applicants, list):
        candidates.extend(applicants)
    for person in candidates:
        if isinstance(person, Mapping):
            open_id = _text(person.get("open_id"))
            if open_id:
                return open_id
    return None


def event_id_v1(payload: Mapping[str, Any]) -> str | None:
    """A schema 1.0 payload's unique id (its `uuid`)."""
    return _text(payload.get("uuid")) or None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
