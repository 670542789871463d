"""Sends outbox rows to Slack: DMs by user id, channel posts, updates in place.

A posted message's reference is "channel:ts", which is what chat.update needs
to edit it later. Pictures are uploaded into the same conversation right after
the message. Failures become `SendFailed`, retryable or not, with Slack's
Retry-After when it gave one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Protocol
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError
from slack_sdk.web import SlackResponse

from bot.delivery import Bucket, Outgoing, SendFailed, chat_parts
from bot.slack import render
from handlers.views import Home, Image, Message, ToChannel, ToUser

log = logging.getLogger(__name__)

# chat.postMessage: about one message a second per channel, short bursts allowed.
PER_CHANNEL_PER_SECOND = 1.0
# Errors that say the workspace no longer lets this token in: the app was removed.
GONE = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked"})
# Errors that another try will not fix.
_PERMANENT = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "cant_update_message",
        "message_not_found",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "missing_scope",
    }
)


class NotInstalled(Exception):
    """No installation serves the workspace: okrbot is not (or no longer) installed there."""


class Tokens(Protocol):
    """Each installed workspace's client (bot.slack.oauth.InstalledTokens)."""

    def client(self, team_id: str) -> WebClient: ...

    def forget(self, team_id: str) -> None: ...


class SlackSender:
    """bot.delivery.PlatformSender for Slack.

    With one bot token every row goes out on `client`; for workspaces that
    installed the app, `tokens` gives each workspace's own client (its stored
    token), and a workspace with no installation is gone. A token refused as
    gone is looked up afresh once first: it may have been rotated meanwhile.
    """

    platform = "slack"

    def __init__(self, client: WebClient, *, tokens: Tokens | None = None) -> None:
        self.client = client
        self.tokens = tokens

    def _client(self, item: Outgoing) -> WebClient:
        if self.tokens is None:
            return self.client
        try:
            return self.tokens.client(item.workspace)
        except NotInstalled as error:
            raise SendFailed(str(error), retryable=False, gone=True) from error

    def _with_token(self, item: Outgoing, do: Callable[[WebClient], str]) -> str:
        client = self._client(item)
        try:
            return do(client)
        except SendFailed as failure:
            if not failure.gone or self.tokens is None:
                raise
            self.tokens.forget(item.workspace)
            fresh = self._client(item)
            if fresh.token == client.token:
                raise
            return do(fresh)

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        to = item.to
        where = to.channel_id if isinstance(to, ToChannel) else getattr(to, "user_id", "")
        return (Bucket(f"slack:{item.workspace}:{where}", PER_CHANNEL_PER_SECOND),)

    def send(self, item: Outgoing) -> str:
        to, message = chat_parts(item)
        if isinstance(message, Home):
            return self._publish_home(item)
        channel = self._conversation(to)
        payload = render.message(message)

        def post(client: WebClient) -> str:
            response = _call(lambda: client.chat_postMessage(channel=channel, **payload))
            posted_in, ts = str(response["channel"]), str(response["ts"])
            self._upload_images(client, message, posted_in)
            return f"{posted_in}:{ts}"

        return self._with_token(item, post)

    def update(self, item: Outgoing) -> str:
        _, message = chat_parts(item)
        if isinstance(message, Home):
            return self._publish_home(item)
        channel, _, ts = (item.ref or "").partition(":")
        if not channel or not ts:
            # Nothing to edit (the first post never went out): post it instead.
            return self.send(item)
        payload = render.message(message)

        def edit(client: WebClient) -> str:
            _call(lambda: client.chat_update(channel=channel, ts=ts, **payload))
            return f"{channel}:{ts}"

        return self._with_token(item, edit)

    def _conversation(self, to: ToUser | ToChannel) -> str:
        # chat.postMessage with a user id posts into the bot's DM with that person.
        return to.channel_id if isinstance(to, ToChannel) else to.user_id

    def _publish_home(self, item: Outgoing) -> str:
        if not isinstance(item.to, ToUser):
            raise SendFailed("a Home view goes to a person, not a channel", retryable=False)
        user = item.to.user_id
        view = render.home(chat_parts(item)[1])

        def publish(client: WebClient) -> str:
            _call(lambda: client.views_publish(user_id=user, view=view))
            return f"home:{user}"

        return self._with_token(item, publish)

    def _upload_images(self, client: WebClient, message: Message | Home, channel: str) -> None:
        images = [b for b in message.blocks if isinstance(b, Image) and b.data]
        if not images:
            return
        if channel.startswith("U") or channel.startswith("W"):
            opened = _call(lambda: client.conversations_open(users=channel))
            channel = str(opened["channel"]["id"])
        for image in images:
            upload = functools.partial(
                client.files_upload_v2,
                channel=channel,
                content=image.data,
                filename=image.filename,
                title=image.alt or image.filename,
                alt_txt=image.alt or None,
            )
            _call(upload)


def _call(do: Callable[[], SlackResponse]) -> SlackResponse:
    try:
        return do()
    except SlackApiError as error:
        raise failure(error) from error
    except (SlackRequestError, SlackClientError, URLError, OSError) as error:
        raise SendFailed(f"could not reach Slack: {error}", retryable=True) from error


def failure(error: SlackApiError) -> SendFailed:
    """What a refused Web API call means for the outbox."""
    response = error.response
    status = response.status_code
    code = str(response.get("error", "")) if response is not None else ""
    if status == 429 or code == "ratelimited":
        retry_after = _seconds(
            response.headers.get("Retry-After") or response.headers.get("retry-after")
        )
        return SendFailed(
            f"rate limited ({code or status})", retryable=True, retry_after=retry_after
        )
    if status >= 500:
        return SendFailed(f"Slack answered {status} ({code})", retryable=True)
    if code in GONE:
        return SendFailed(code, retryable=False, gone=True)
    if code in _PERMANENT:
        return SendFailed(code, retryable=False)
    # Unknown codes are usually transient ("fatal_error", "internal_error", "request_timeout").
    return SendFailed(code or f"HTTP {status}", retryable=code not in ("", "invalid_arguments"))


def _seconds(raw: object) -> float | None:
    try:
        return float(str(raw)) if raw is not None else None
    except ValueError:
        return None
