"""The contract between the outbox and each platform: what is sent, and how it fails.

The outbox's sender loop claims rows and hands each to the `PlatformSender` of
its platform (Slack, Feishu, the terminal). A sender renders the neutral view
for its platform and calls the platform's API; it never touches the database.

Each message is to arrive once. Two things let a sender keep that promise:

- `Outgoing.done` says how far earlier attempts got. A message made of several
  platform calls (a post, then a chart upload each) reports every call that went
  through to `Outgoing.record` at once, and a later attempt starts after the
  last one reported: the post is never made again once it arrived.
- `Outgoing.doubt_since` is set when an earlier attempt may have reached the
  platform without its outcome being recorded (the process died mid-send, the
  request timed out, the platform answered 5xx). A sender that can ask the
  platform implements `Reconciling.find`; the outbox calls it before sending a
  row in doubt, and a message found is recorded as sent, not posted again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from handlers.views import Home, Message, ProgressNote, ToChannel, ToOkr, ToUser


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a message got: the reference of its post once it arrived, the
    number of calls after the post (chart uploads) that went through, and the
    step begun whose outcome is not known yet."""

    ref: str | None = None
    steps: int = 0
    pending: str | None = None  # the platform's id for the next step, begun (an uploaded file)


def _ignore(_progress: Progress) -> None:
    return None


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
    done: Progress = Progress()  # what earlier attempts of this row got through
    doubt_since: datetime | None = None  # an earlier attempt's outcome is unknown since then
    # Called after each call that went through, before the next one is made, so
    # that the outbox records it: a crash later resumes after it.
    record: Callable[[Progress], None] = field(default=_ignore, compare=False)


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
    `maybe_sent` says the platform may have acted on the request although it
    failed (a timeout, a dropped connection, a 5xx): the row is then in doubt.
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
        maybe_sent: bool = False,
        gone: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.limit = limit
        self.maybe_sent = maybe_sent
        self.gone = gone

    @property
    def rate_limited(self) -> bool:
        """The platform refused for its rate limit: nothing was sent, and no attempt is used up."""
        return self.retry_after is not None


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

        Starts after `item.done`: with `done.ref` set the post arrived already
        and only the steps after `done.steps` are left. Reports each call that
        went through to `item.record` before making the next. Raises SendFailed.
        """
        ...

    def update(self, item: Outgoing) -> str:
        """Replace the message `item.ref` points at with `item.message`; return its reference.

        A platform that cannot edit posts a follow-up and returns that one's reference.
        Raises SendFailed.
        """
        ...


@runtime_checkable
class Reconciling(Protocol):
    """A sender that can tell whether an earlier attempt's message arrived."""

    def find(self, item: Outgoing) -> str | None:
        """The reference of the message `item.key` posted after `item.doubt_since`, or None.

        Raises SendFailed when the platform cannot say just now.
        """
        ...
