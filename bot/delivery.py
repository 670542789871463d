"""The contract between the outbox and each platform: what is sent, and how it fails.

The outbox's sender loop claims rows and hands each to the `PlatformSender` of
its platform (Slack, Feishu, the terminal). A sender renders the neutral view
for its platform and calls the platform's API; it never touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from handlers.views import Home, Message, ProgressNote, ToChannel, ToOkr, ToUser


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One outbox row as a sender sees it."""

    id: int
    platform: str
    workspace: str  # the platform's workspace id (Slack team_id, Feishu tenant_key)
    to: ToUser | ToChannel | ToOkr  # ToOkr: a progress record, on Feishu only
    message: Message | Home | ProgressNote
    key: str  # unique within the workspace; Feishu uses it as the send's `uuid`
    ref: str | None = None  # with `update`: the platform's reference to the posted message


@dataclass(frozen=True, slots=True)
class Bucket:
    """A rate limit the send counts against: at most `per_second` sends, shared by `name`."""

    name: str
    per_second: float


class SendFailed(Exception):
    """A send that did not go through.

    `retryable` says whether the same send may succeed later (connection errors,
    5xx, rate limits); `retry_after` is the wait the platform asked for, in
    seconds, when it said so (Slack's Retry-After, Feishu's x-ogw-ratelimit-reset);
    `limit` is the rate (per second) the platform said was exceeded, when it said
    which (Feishu's x-ogw-ratelimit-limit), so only the bucket of that limit waits.
    `gone` says the platform no longer lets the bot into the workspace (its token
    was revoked, the app uninstalled): the outbox parks the workspace's rows.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        limit: float | None = None,
        gone: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.limit = limit
        self.gone = gone


def chat_parts(item: Outgoing) -> tuple[ToUser | ToChannel, Message | Home]:
    """The recipient and message of a chat message; SendFailed for a progress record
    (only the Feishu sender writes those)."""
    if isinstance(item.to, ToOkr) or isinstance(item.message, ProgressNote):
        raise SendFailed("a progress record goes to Feishu OKR, not to a chat", retryable=False)
    return item.to, item.message


class PlatformSender(Protocol):
    """Sends outbox rows to one platform."""

    platform: str

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        """The rate limits this send counts against (per app, per channel, per person)."""
        ...

    def send(self, item: Outgoing) -> str:
        """Post the message; return the platform's reference to it (for later updates).

        Raises SendFailed.
        """
        ...

    def update(self, item: Outgoing) -> str:
        """Replace the message `item.ref` points at with `item.message`; return its reference.

        A platform that cannot edit posts a follow-up and returns that one's reference.
        Raises SendFailed.
        """
        ...
