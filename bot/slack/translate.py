"""Slack payloads as neutral events: the only code that reads Slack's inbound JSON.

Each function takes the parsed body Bolt hands a listener and returns a
`handlers.events` event, or None when the payload is not for the product (a
bot's own message, an edit, a button of another app). Who acted is looked up
through `people`, which the app backs with a cached `users.info`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.slack.render import INPUT_ACTION, action_name, modal_metadata
from handlers.events import (
    Actor,
    ButtonPressed,
    Command,
    FormSubmitted,
    HomeOpened,
    MentionedUser,
)

PLATFORM = "slack"


@dataclass(frozen=True, slots=True)
class Person:
    """What Slack tells about a member (users.info)."""

    name: str = ""
    locale: str | None = None
    timezone: str | None = None


People = Callable[[str, str], Person]  # (team id, user id) -> Person


def no_people(team_id: str, user_id: str) -> Person:
    return Person()


# --- text ----------------------------------------------------------------------

# <@U123|name>, <@U123>, <#C123|name>, <#C123>, <!here>, <!subteam^S1|@team>, <http://x|label>
_ANGLE = re.compile(r"<([@#!])?([^<>|]*)(?:\|([^<>]*))?>")


def command_text(
    text: str, *, bot_user_id: str | None = None
) -> tuple[str, dict[str, MentionedUser]]:
    """Slack's escaped text as the command grammar reads it, with the mentions it holds.

    A user mention becomes the token "@U…" (listed in the mentions, with the name
    Slack sent along), a channel "#C…", a link its address; the bot's own mention
    is dropped (it is how a command is addressed, not part of it).
    """
    mentions: dict[str, MentionedUser] = {}

    def replace(match: re.Match[str]) -> str:
        sigil, body, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            if bot_user_id and body == bot_user_id:
                return " "
            token = f"@{body}"
            known = mentions.get(token)
            name = label or (known.display_name if known else "")
            mentions[token] = MentionedUser(user_id=body, display_name=name)
            return token
        if sigil == "#":
            return f"#{body}"
        if sigil == "!":
            # @here, @channel and user groups are not people the grammar can address.
            return (label or f"@{body.split('^')[0]}").strip()
        return body  # a link: its address

    text = _ANGLE.sub(replace, text or "")
    # Slack escapes only these three; html.unescape would also turn typed "&copy" into ©.
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split()), mentions


def actor(team_id: str, user_id: str, people: People) -> Actor:
    person = people(team_id, user_id)
    return Actor(
        platform=PLATFORM,
        workspace_id=team_id,
        user_id=user_id,
        display_name=person.name,
        locale=person.locale,
        timezone=person.timezone,
    )


def named(
    mentions: dict[str, MentionedUser], team_id: str, people: People
) -> dict[str, MentionedUser]:
    """Mentions with their names: Slack sends `<@U…>` without one unless asked to."""
    return {
        token: found
        if found.display_name
        else MentionedUser(found.user_id, people(team_id, found.user_id).name)
        for token, found in mentions.items()
    }


def _digest(*parts: object) -> str:
    raw = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


# --- slash command -------------------------------------------------------------


def slash_command(body: Mapping[str, Any], people: People) -> Command:
    """`/okr …`. Slack sends no id: the trigger id, new for every invocation, stands in,
    so a replayed request is handled once."""
    text, mentions = command_text(str(body.get("text") or ""))
    team_id, user_id = team_of(body), str(body.get("user_id", ""))
    return Command(
        actor=actor(team_id, user_id, people),
        text=text,
        mentions=named(mentions, team_id, people),
        channel_id=body.get("channel_id") or None,
        event_id="cmd:" + _digest(team_id, user_id, body.get("trigger_id"), body.get("text")),
        direct=_is_direct(body.get("channel_id"), body.get("channel_name")),
    )


# --- interactivity -------------------------------------------------------------


def _team_and_user(body: Mapping[str, Any]) -> tuple[str, str]:
    user = body.get("user") or {}
    team = body.get("team") or {}
    # An org-wide install on Enterprise Grid may send `team: null` with the user's team.
    team_id = team.get("id") or user.get("team_id") or team_of(body)
    return str(team_id), str(user.get("id", ""))


# Two presses of one button within this many seconds are one press (a double-click).
DOUBLE_CLICK_SECONDS = 5


def button(body: Mapping[str, Any], action: Mapping[str, Any], people: People) -> ButtonPressed:
    """A press of one of our buttons.

    Its id is built from the message, the button and the time rounded to a few
    seconds: a double-click is handled once, a press a minute later again.
    """
    team_id, user_id = _team_and_user(body)
    container = body.get("container") or {}
    where = container.get("message_ts") or container.get("view_id") or ""
    try:
        moment = int(float(action.get("action_ts") or 0) // DOUBLE_CLICK_SECONDS)
    except ValueError:
        moment = 0
    action_id = str(action.get("action_id", ""))
    value = str(action.get("value") or "")
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    return ButtonPressed(
        actor=actor(team_id, user_id, people),
        action=action_name(action_id),
        value=value,
        channel_id=channel or None,
        event_id="btn:" + _digest(team_id, user_id, where, action_id, value, moment),
    )


def form_values(view: Mapping[str, Any]) -> dict[str, str | list[str] | None]:
    """A modal's state, keyed back to the form's input names (the block ids)."""
    values: dict[str, str | list[str] | None] = {}
    state = ((view.get("state") or {}).get("values")) or {}
    for name, actions in state.items():
        entry: Mapping[str, Any] = (actions or {}).get(INPUT_ACTION) or next(
            iter((actions or {}).values()), {}
        )
        values[name] = _input_value(entry or {})
    return values


def _input_value(entry: Mapping[str, Any]) -> str | list[str] | None:
    kind = entry.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = entry.get("selected_option")
        return str(option["value"]) if option else None
    if kind == "users_select":
        return entry.get("selected_user")
    if kind == "multi_users_select":
        return list(entry.get("selected_users") or [])
    if kind == "datepicker":
        return entry.get("selected_date")
    value = entry.get("value")
    return None if value is None else str(value)


def view_submission(body: Mapping[str, Any], people: People) -> tuple[FormSubmitted, str | None]:
    """A submitted modal, and the channel it was opened from (for the confirmation)."""
    team_id, user_id = _team_and_user(body)
    view = body.get("view") or {}
    context, channel = modal_metadata(str(view.get("private_metadata") or ""))
    values = form_values(view)
    event = FormSubmitted(
        actor=actor(team_id, user_id, people),
        form_id=str(view.get("callback_id", "")),
        values=values,
        context=context,
        # The same values submitted twice are one submission; corrected values are another.
        event_id="form:" + _digest(team_id, user_id, view.get("id"), sorted(values.items())),
    )
    return event, channel


# --- events --------------------------------------------------------------------


def _from_a_person(event: Mapping[str, Any], bot_user_id: str | None) -> bool:
    """Typed by a person: not by a bot or an app (ours or another), not an edit,
    a deletion, a file share or another subtype, and not hidden."""
    if event.get("subtype") or event.get("hidden"):
        return False
    if event.get("bot_id") or event.get("bot_profile") or event.get("app_id"):
        return False
    user = event.get("user")
    return isinstance(user, str) and bool(user) and user != bot_user_id


def app_mention(
    body: Mapping[str, Any], people: People, *, bot_user_id: str | None
) -> Command | None:
    """ "@okrbot ask @bob …" in a channel: the text after the bot's mention is a command.

    A mention inside the bot's DM also arrives as a DM message, which answers it.
    """
    event = body.get("event") or {}
    if not _from_a_person(event, bot_user_id) or str(event.get("channel", "")).startswith("D"):
        return None
    return _text_command(body, event, people, bot_user_id=bot_user_id)


def direct_message(
    body: Mapping[str, Any], people: People, *, bot_user_id: str | None
) -> Command | None:
    """A message in the bot's DM is a command without "/okr"; edits, deletions, file
    shares, messages from bots and apps (our own included) and channel chatter are not."""
    event = body.get("event") or {}
    if event.get("channel_type") != "im" or not _from_a_person(event, bot_user_id):
        return None
    return _text_command(body, event, people, bot_user_id=bot_user_id)


def thread_of(body: Mapping[str, Any]) -> str | None:
    """The thread a message was written in (its parent's ts), so the answer goes there."""
    event = body.get("event") or {}
    thread = event.get("thread_ts")
    return str(thread) if thread else None


def team_of(body: Mapping[str, Any]) -> str:
    """The workspace a request comes from, Enterprise Grid's shapes included.

    The top-level `team_id` is the workspace the app is installed in (a shared
    channel's event carries the other side's team in `event.team`); an org-wide
    install's button press names only the person's team, and other payloads
    may name only their authorization's team, or only the enterprise.
    """
    found = body.get("team_id")
    if not found:
        team = body.get("team")
        found = team.get("id") if isinstance(team, Mapping) else team
    if not found:
        # An org-wide install's interactivity names no team: the person's (or the view's) is it.
        for part in ("user", "view"):
            inner = body.get(part)
            if isinstance(inner, Mapping) and inner.get("team_id"):
                found = inner["team_id"]
                break
    if not found:
        for authorization in body.get("authorizations") or []:
            if isinstance(authorization, Mapping) and authorization.get("team_id"):
                found = authorization["team_id"]
                break
    if not found:
        enterprise = body.get("enterprise")
        found = body.get("enterprise_id") or (
            enterprise.get("id") if isinstance(enterprise, Mapping) else None
        )
    return str(found or "")


def event_type(body: Mapping[str, Any]) -> str:
    """The inner event's type ("app_uninstalled", "reaction_added", ...), or the body's type."""
    event = body.get("event")
    if isinstance(event, Mapping) and event.get("type"):
        return str(event["type"])
    return str(body.get("type") or "")


def event_time(body: Mapping[str, Any]) -> datetime | None:
    """When Slack says the event happened (a retry keeps the first delivery's time)."""
    raw = body.get("event_time")
    try:
        return datetime.fromtimestamp(float(raw), UTC) if raw is not None else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def revoked_teams(body: Mapping[str, Any]) -> list[str]:
    """The workspaces a team_access_revoked event names."""
    event = body.get("event") or {}
    teams = event.get("team_ids") if isinstance(event, Mapping) else None
    return [str(team) for team in teams or [] if team]


def bot_token_revoked(body: Mapping[str, Any]) -> bool:
    """A tokens_revoked event that includes the bot's token (not only people's tokens)."""
    event = body.get("event") or {}
    tokens = event.get("tokens") if isinstance(event, Mapping) else None
    return isinstance(tokens, Mapping) and bool(tokens.get("bot"))


def _text_command(
    body: Mapping[str, Any], event: Mapping[str, Any], people: People, *, bot_user_id: str | None
) -> Command:
    text, mentions = command_text(str(event.get("text") or ""), bot_user_id=bot_user_id)
    if text.lower().startswith("/okr"):
        text = text[4:].strip()
    team_id = team_of(body) or str(event.get("team") or "")
    return Command(
        actor=actor(team_id, str(event["user"]), people),
        text=text,
        mentions=named(mentions, team_id, people),
        channel_id=event.get("channel") or None,
        event_id=_event_id(body),
        direct=event.get("channel_type") == "im" or _is_direct(event.get("channel"), None),
    )


def _is_direct(channel_id: object, channel_name: object) -> bool:
    """A one-to-one chat with the bot (Slack's DM conversation ids start with D)."""
    return channel_name == "directmessage" or str(channel_id or "").startswith("D")


def home_opened(body: Mapping[str, Any], people: People) -> HomeOpened | None:
    event = body.get("event") or {}
    if event.get("tab", "home") != "home" or not event.get("user"):
        return None
    team_id = team_of(body)
    return HomeOpened(actor=actor(team_id, str(event["user"]), people), event_id=_event_id(body))


def _event_id(body: Mapping[str, Any]) -> str | None:
    """Slack's event id: retries of one delivery carry the same one."""
    found = body.get("event_id")
    return f"ev:{found}" if found else None
