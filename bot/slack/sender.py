"""Sends outbox rows to Slack: DMs by user id, channel posts, updates in place.

A posted message's reference is "channel:ts", which is what chat.update needs
to edit it later. Pictures are uploaded into the same conversation right after
the message, each reported to the outbox as it goes through, so a retry
uploads only what is missing and never posts the text again. Failures become
`SendFailed`, retryable or not, with Slack's Retry-After when it gave one.

Slack has no idempotency key. Every post carries message metadata naming its
outbox key (event type `okrbot_outbox`; an edit keeps it), and `find` looks a row in
doubt up in the conversation's history since the doubt began, so a message
whose first attempt arrived unrecorded is recorded, not posted again. The
client used for posts does not retry dropped connections by itself: such a
failure may have posted, and only `find` can tell.
"""

from __future__ import annotations

import functools
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.web import SlackResponse

from bot.delivery import Bucket, Outgoing, Progress, SendFailed, chat_parts
from bot.slack import render
from handlers.views import Home, Image, Message, ToChannel, ToUser

log = logging.getLogger(__name__)
_T = TypeVar("_T")

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
# The metadata event every post carries; its payload names the outbox key.
METADATA_EVENT = "okrbot_outbox"
# How far before a doubt began a lookup reaches back: Slack's clock and ours may differ.
CLOCK_SKEW_SECONDS = 120.0
# History pages read for one lookup (200 messages each): the doubt is minutes old at most.
HISTORY_PAGES = 5


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
    token) and each row is sent by a sender on that client; a workspace with
    no installation is gone. A token refused as gone is looked up afresh once
    first: it may have been rotated meanwhile.
    """

    platform = "slack"

    def __init__(self, client: WebClient, *, tokens: Tokens | None = None) -> None:
        self.client = client
        self.tokens = tokens
        # Posts go through a client that does not resend on a dropped connection.
        self._poster = _without_connection_retries(client)

    def _of(self, item: Outgoing) -> SlackSender:
        """The sender on the workspace's own client."""
        assert self.tokens is not None
        try:
            return SlackSender(self.tokens.client(item.workspace))
        except NotInstalled as error:
            raise SendFailed(str(error), retryable=False, gone=True) from error

    def _as_workspace(self, item: Outgoing, do: Callable[[SlackSender], _T]) -> _T:
        assert self.tokens is not None
        sender = self._of(item)
        try:
            return do(sender)
        except SendFailed as failure:
            if not failure.gone:
                raise
            self.tokens.forget(item.workspace)
            fresh = self._of(item)
            if fresh.client.token == sender.client.token:
                raise
            return do(fresh)

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        to = item.to
        where = to.channel_id if isinstance(to, ToChannel) else getattr(to, "user_id", "")
        return (Bucket(f"slack:{item.workspace}:{where}", PER_CHANNEL_PER_SECOND),)

    def send(self, item: Outgoing) -> str:
        if self.tokens is not None:
            return self._as_workspace(item, lambda sender: sender.send(item))
        to, message = chat_parts(item)
        if isinstance(message, Home):
            return self._publish_home(item)
        ref = item.done.ref
        if ref is None:
            channel = self._conversation(to)
            payload = render.message(message)
            metadata = _metadata(item)
            response = _call(
                lambda: self._poster.chat_postMessage(channel=channel, metadata=metadata, **payload)
            )
            ref = f"{response['channel']}:{response['ts']}"
        self._upload_images(item, message, ref)
        return ref

    def update(self, item: Outgoing) -> str:
        if self.tokens is not None:
            return self._as_workspace(item, lambda sender: sender.update(item))
        _, message = chat_parts(item)
        if isinstance(message, Home):
            return self._publish_home(item)
        channel, _, ts = (item.ref or "").partition(":")
        if not channel or not ts:
            # Nothing to edit (the first post never went out): post it instead.
            return self.send(item)
        payload = render.message(message)
        # No metadata: the edited message keeps its own, which names the key it was posted under.
        _call(lambda: self._poster.chat_update(channel=channel, ts=ts, **payload))
        return f"{channel}:{ts}"

    def find(self, item: Outgoing) -> str | None:
        """The "channel:ts" of the message posted under `item.key` since the doubt began."""
        if self.tokens is not None:
            return self._as_workspace(item, lambda sender: sender.find(item))
        to, message = chat_parts(item)
        if isinstance(message, Home) or item.doubt_since is None:
            return None  # publishing a Home view twice shows it once
        channel = self._conversation(to)
        if isinstance(to, ToUser):
            opened = _call(lambda: self.client.conversations_open(users=channel))
            channel = str(opened["channel"]["id"])
        oldest = f"{item.doubt_since.timestamp() - CLOCK_SKEW_SECONDS:.6f}"
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = _call(
                functools.partial(
                    self.client.conversations_history,
                    channel=channel,
                    oldest=oldest,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            )
            for message in page.get("messages") or []:
                if _posted_under(message, item.key):
                    return f"{channel}:{message['ts']}"
            cursor = ((page.get("response_metadata") or {}).get("next_cursor")) or None
            if not page.get("has_more") or cursor is None:
                return None
        raise SendFailed(
            f"the history of {channel} since the doubt began is too long to search",
            retryable=False,
        )

    def _conversation(self, to: ToUser | ToChannel) -> str:
        # chat.postMessage with a user id posts into the bot's DM with that person.
        return to.channel_id if isinstance(to, ToChannel) else to.user_id

    def _publish_home(self, item: Outgoing) -> str:
        if not isinstance(item.to, ToUser):
            raise SendFailed("a Home view goes to a person, not a channel", retryable=False)
        user = item.to.user_id
        view = render.home(chat_parts(item)[1])
        _call(lambda: self.client.views_publish(user_id=user, view=view))
        return f"home:{user}"

    def _upload_images(self, item: Outgoing, message: Message, ref: str) -> None:
        """Upload the pictures after the post, from the first not yet uploaded."""
        images = [b for b in message.blocks if isinstance(b, Image) and b.data]
        if not images:
            return
        done = item.done.steps if item.done.ref == ref else 0
        if done >= len(images):
            return
        if item.done.ref != ref:
            # The post arrived: recorded now, a failed upload retries the uploads alone.
            item.record(Progress(ref, 0))
        channel = ref.partition(":")[0]
        if channel.startswith("U") or channel.startswith("W"):
            opened = _call(lambda: self.client.conversations_open(users=channel))
            channel = str(opened["channel"]["id"])
        pending = item.done.pending if item.done.ref == ref else None
        for number, image in enumerate(images[done:], start=done + 1):
            self._upload(item, ref, channel, image, number, pending)
            pending = None

    def _upload(
        self, item: Outgoing, ref: str, channel: str, image: Image, number: int, pending: str | None
    ) -> None:
        """Upload picture `number` (from 1) into `channel` and report it, in Slack's three steps.

        The file's id is reported once its bytes are up, so a retry after a lost
        answer to the last step asks files.info whether the file was shared
        rather than sharing it twice.
        """
        if pending is not None:
            info = _call(lambda: self.client.files_info(file=pending))
            if _shared_in(info.get("file"), channel):
                item.record(Progress(ref, number))
                return
            file_id = pending
        else:
            found = _call(
                lambda: self.client.files_getUploadURLExternal(
                    filename=image.filename, length=len(image.data), alt_txt=image.alt or None
                )
            )
            file_id = str(found["file_id"])
            self._put_bytes(str(found["upload_url"]), image.data)
            item.record(Progress(ref, number - 1, pending=file_id))
        title = image.alt or image.filename
        _call(
            lambda: self.client.files_completeUploadExternal(
                files=[{"id": file_id, "title": title}], channel_id=channel
            )
        )
        item.record(Progress(ref, number))

    def _put_bytes(self, url: str, data: bytes) -> None:
        request = urllib.request.Request(url, data=data, method="POST")
        request.add_header("Content-Type", "application/octet-stream")
        try:
            with urllib.request.urlopen(request, timeout=self.client.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise SendFailed(
                f"uploading a file failed: HTTP {error.code}",
                retryable=error.code >= 500 or error.code == 429,
            ) from error
        except (URLError, OSError) as error:
            raise SendFailed(f"could not upload a file: {error}", retryable=True) from error


def _shared_in(file: Any, channel: str) -> bool:
    """Whether a files.info file object shows the file shared into `channel`."""
    if not isinstance(file, dict):
        return False
    for listed in ("channels", "groups", "ims"):
        if channel in (file.get(listed) or []):
            return True
    shares = file.get("shares") or {}
    return any(channel in (shares.get(kind) or {}) for kind in ("public", "private"))


def _metadata(item: Outgoing) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"key": item.key}}


def _posted_under(message: Any, key: str) -> bool:
    metadata = message.get("metadata") if isinstance(message, dict) else None
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload.get("key") == key and "ts" in message


def _without_connection_retries(client: WebClient) -> WebClient:
    """The same client, but a dropped connection is the caller's to handle, not resent."""
    handlers = [h for h in client.retry_handlers if not isinstance(h, ConnectionErrorRetryHandler)]
    if len(handlers) == len(client.retry_handlers):
        return client
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        retry_handlers=handlers,
    )


def _call(do: Callable[[], SlackResponse]) -> SlackResponse:
    try:
        return do()
    except SlackApiError as error:
        raise failure(error) from error
    except (SlackRequestError, SlackClientError, URLError, OSError) as error:
        # The request may have reached Slack before the connection failed.
        raise SendFailed(
            f"could not reach Slack: {error}", retryable=True, maybe_sent=True
        ) from error


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
            f"rate limited ({code or status})",
            retryable=True,
            retry_after=1.0 if retry_after is None else retry_after,
        )
    if status >= 500:
        # A 5xx may come after Slack acted on the request.
        return SendFailed(f"Slack answered {status} ({code})", retryable=True, maybe_sent=True)
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
