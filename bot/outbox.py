"""The sender loop: claims due outbox rows and hands each to its platform's sender.

It keeps each platform's limits (a token bucket per `Bucket` name the sender
names), waits as long as a platform asks (Retry-After), retries failures that
may pass with exponential back-off and jitter, and gives a row up as dead
after `max_attempts`. Rows to one recipient go out in the order they were
written: after a failure, the rest of that recipient's rows wait for it.
A row that replaces an earlier one is sent as an update of the posted message
when the platform's reference to it is known.

Time is injected (a Clock and a sleep function) so tests drive the loop
without waiting.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.delivery import Bucket, Outgoing, PlatformSender, SendFailed
from handlers.clock import Clock, SystemClock
from handlers.views import Home, Message, ToChannel, ToUser, from_json
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.repos import outbox, workspaces

log = logging.getLogger(__name__)

Prepare = Callable[[Outgoing], Outgoing]
_MAX_BUCKETS = 10_000  # a bucket per recipient: forget idle ones past this many


def same_message(item: Outgoing) -> Outgoing:
    return item


def holder_name() -> str:
    """Who claims rows: this host and process, and a random part for restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class RateLimiter:
    """A token bucket per bucket name: `per_second` sends, with a burst of one second's worth.

    `pause` holds a bucket until an instant (a platform's Retry-After), for every row in it.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._tokens: dict[str, float] = {}
        self._updated: dict[str, float] = {}
        self._paused_until: dict[str, float] = {}

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _refill(self, bucket: Bucket, now: float) -> float:
        capacity = max(bucket.per_second, 1.0)
        last = self._updated.get(bucket.name, now)
        tokens = self._tokens.get(bucket.name, capacity)
        tokens = min(capacity, tokens + (now - last) * bucket.per_second)
        self._tokens[bucket.name], self._updated[bucket.name] = tokens, now
        return tokens

    def wait_for(self, buckets: Iterable[Bucket]) -> float:
        """Seconds until every bucket has a token (0 when it may go now)."""
        now = self._now()
        wait = 0.0
        for bucket in buckets:
            tokens = self._refill(bucket, now)
            if tokens < 1.0:
                wait = max(wait, (1.0 - tokens) / bucket.per_second)
            wait = max(wait, self._paused_until.get(bucket.name, now) - now)
        return wait

    def take(self, buckets: Iterable[Bucket]) -> None:
        now = self._now()
        for bucket in buckets:
            self._tokens[bucket.name] = self._refill(bucket, now) - 1.0
        if len(self._tokens) > _MAX_BUCKETS:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop buckets untouched for a minute: refilled by now, they would start full anyway."""
        for name in [n for n, at in self._updated.items() if now - at > 60.0]:
            if self._paused_until.get(name, 0.0) <= now:
                self._tokens.pop(name, None)
                self._updated.pop(name, None)
                self._paused_until.pop(name, None)

    def pause(self, buckets: Iterable[Bucket], seconds: float) -> None:
        until = self._now() + seconds
        for bucket in buckets:
            self._paused_until[bucket.name] = max(self._paused_until.get(bucket.name, 0.0), until)


@dataclass(slots=True)
class SendReport:
    """What one pass over the due rows did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    deferred: int = 0  # given back unsent: waiting behind a recipient's earlier row or a limit
    errors: list[str] = field(default_factory=list)


class OutboxSender:
    """Sends outbox rows through the platform senders; `start` runs it in a thread of its own."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        senders: Sequence[PlatformSender],
        clock: Clock | None = None,
        sleep: Callable[[float], object] | None = None,
        prepare: Prepare = same_message,
        holder: str | None = None,
        batch: int = 50,
        claim_for: timedelta = timedelta(seconds=60),
        max_attempts: int = 8,
        base_delay: float = 2.0,
        max_delay: float = 3600.0,
        max_wait: float = 5.0,
        poll_seconds: float = 1.0,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.sessions = sessions
        self.senders: Mapping[str, PlatformSender] = {s.platform: s for s in senders}
        self.clock = clock if clock is not None else SystemClock()
        self._stopping = threading.Event()
        self._woken = threading.Event()
        # The default sleep returns early when the loop is asked to stop.
        self.sleep = sleep if sleep is not None else self._stopping.wait
        self.prepare = prepare
        self.holder = holder or holder_name()
        self.batch = batch
        self.claim_for = claim_for
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_wait = max_wait  # longer limits are waited out unclaimed, not in the loop
        self.poll_seconds = poll_seconds
        self.jitter = jitter
        self.limiter = RateLimiter(self.clock)
        self._workspaces: dict[int, str] = {}  # row id -> the platform's workspace id
        self._thread: threading.Thread | None = None

    # --- the process's side -----------------------------------------------------

    def start(self) -> None:
        """Run the loop in a daemon thread until `stop`."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="okrbot-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop and give back every claim it did not act on, so no row stays held."""
        self._stopping.set()
        self._woken.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("the outbox sender did not stop within %.1f s", timeout)
        with self.sessions.begin() as session:
            released = outbox.release(session=session, holder=self.holder)
        if released:
            log.info("gave back %d unsent outbox rows", released)

    def wake(self) -> None:
        """Send what is due now instead of at the next poll (a handled event queued DMs)."""
        self._woken.set()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                report = self.run_once()
            except Exception:
                # The database may be down: keep the thread, try again after a pause.
                log.exception("the outbox sender failed; trying again shortly")
                report = SendReport()
            if self._stopping.is_set():
                return
            if report.claimed == 0 or report.claimed == report.deferred:
                self._woken.wait(self.poll_seconds)
                self._woken.clear()

    # --- one pass ------------------------------------------------------------------

    def run_once(self) -> SendReport:
        """Claim the due rows and send them; what happened."""
        report = SendReport()
        with self.sessions.begin() as session:
            claimed = outbox.claim_due(
                session=session,
                now=self.clock.now(),
                holder=self.holder,
                limit=self.batch,
                claim_for=self.claim_for,
                platforms=list(self.senders),
            )
            rows = [_Claimed.of(row) for row in claimed]
        report.claimed = len(rows)
        held: set[tuple[int, str, str, str]] = set()
        for index, row in enumerate(rows):
            if self._stopping.is_set():
                self._give_back(rows[index:], report)
                break
            if row.recipient in held:
                self._give_back([row], report)
                continue
            if not self._send(row, report):
                held.add(row.recipient)
        return report

    def drain(self, *, passes: int = 1000) -> SendReport:
        """Run passes until nothing is due now (tests and the terminal trial)."""
        total = SendReport()
        for _ in range(passes):
            report = self.run_once()
            for name in ("claimed", "sent", "retried", "dead", "deferred"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            total.errors.extend(report.errors)
            if report.claimed == 0 or report.claimed == report.deferred:
                break
        return total

    def _give_back(self, rows: Sequence[_Claimed], report: SendReport) -> None:
        with self.sessions.begin() as session:
            outbox.release(session=session, holder=self.holder, message_ids=[r.id for r in rows])
        report.deferred += len(rows)

    def _send(self, row: _Claimed, report: SendReport) -> bool:
        """Send one row and record the result; False when the row must wait (or died)."""
        sender = self.senders[row.platform]
        try:
            item = self._outgoing(row)
        except (ValueError, KeyError, TypeError) as error:
            self._dead(row, f"unreadable view: {error}", report)
            return True
        try:
            item = self.prepare(item)
        except Exception as error:
            # A chart that cannot be drawn fails this row, not the loop: it is retried, then dead.
            log.exception("preparing outbox row %s failed", row.id)
            unprepared = SendFailed(f"preparing the message failed: {error}", retryable=True)
            return self._failed(row, unprepared, report)
        buckets = list(sender.buckets(item))
        wait = self.limiter.wait_for(buckets)
        if wait > self.max_wait:
            # A long limit: wait it out unclaimed, behind which the recipient's later rows stay.
            self._retry(row, "waiting for the platform's rate limit", wait, report, count=False)
            return False
        if wait > 0:
            self.sleep(wait)
        self.limiter.take(buckets)
        try:
            ref = sender.update(item) if item.ref is not None else sender.send(item)
        except SendFailed as failure:
            if failure.retry_after is not None:
                self.limiter.pause(buckets, failure.retry_after)
            return self._failed(row, failure, report)
        except Exception as error:
            # A bug in a sender must not stop the loop; the row is retried and logged.
            log.exception("the %s sender failed on outbox row %s", row.platform, row.id)
            broken = SendFailed(f"{type(error).__name__}: {error}", retryable=True)
            return self._failed(row, broken, report)
        with self.sessions.begin() as session:
            if not outbox.mark_sent(
                session=session,
                message_id=row.id,
                ref=ref,
                now=self.clock.now(),
                holder=self.holder,
            ):
                log.warning("outbox row %s was sent after its claim expired", row.id)
        report.sent += 1
        return True

    def _outgoing(self, row: _Claimed) -> Outgoing:
        message = from_json(json.loads(row.view))
        if not isinstance(message, Message | Home):
            raise TypeError(f"not a message: {type(message).__name__}")
        to: ToUser | ToChannel = (
            ToUser(row.recipient_id)
            if row.recipient_kind == "user"
            else ToChannel(row.recipient_id)
        )
        ref = None
        if row.workspace_id not in self._workspaces or row.replaces is not None:
            with self.sessions.begin() as session:
                if row.workspace_id not in self._workspaces:
                    found = workspaces.get_workspace(session=session, workspace_id=row.workspace_id)
                    self._workspaces[row.workspace_id] = found.external_id if found else ""
                if row.replaces is not None:
                    ref = outbox.find_ref(
                        session=session, workspace_id=row.workspace_id, key=row.replaces
                    )
        return Outgoing(
            id=row.id,
            platform=row.platform,
            workspace=self._workspaces[row.workspace_id],
            to=to,
            message=message,
            key=row.key,
            ref=ref,
        )

    def _failed(self, row: _Claimed, failure: SendFailed, report: SendReport) -> bool:
        attempt = row.attempts + 1
        report.errors.append(failure.reason)
        if not failure.retryable or attempt >= self.max_attempts:
            self._dead(row, failure.reason, report)
            return True
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        delay *= 0.5 + self.jitter() / 2  # jitter: replicas and rows do not retry in step
        if failure.retry_after is not None:
            delay = max(delay, failure.retry_after)
        self._retry(row, failure.reason, delay, report, count=True)
        return False

    def _retry(
        self, row: _Claimed, error: str, delay: float, report: SendReport, *, count: bool
    ) -> None:
        with self.sessions.begin() as session:
            outbox.mark_retry(
                session=session,
                message_id=row.id,
                error=error,
                next_attempt_at=self.clock.now() + timedelta(seconds=delay),
                holder=self.holder,
                count_attempt=count,
            )
        if count:
            report.retried += 1
        else:
            report.deferred += 1

    def _dead(self, row: _Claimed, error: str, report: SendReport) -> None:
        with self.sessions.begin() as session:
            outbox.mark_dead(session=session, message_id=row.id, error=error, holder=self.holder)
        log.error(
            "gave up on outbox row %s (%s to %s %s, key %s) after %d attempts: %s",
            row.id,
            row.platform,
            row.recipient_kind,
            row.recipient_id,
            row.key,
            row.attempts + 1,
            error,
        )
        report.dead += 1


@dataclass(frozen=True, slots=True)
class _Claimed:
    """A claimed row's values, read inside the claiming transaction."""

    id: int
    workspace_id: int
    platform: str
    recipient_kind: str
    recipient_id: str
    key: str
    replaces: str | None
    view: str
    attempts: int

    @property
    def recipient(self) -> tuple[int, str, str, str]:
        return (self.workspace_id, self.platform, self.recipient_kind, self.recipient_id)

    @classmethod
    def of(cls, row: OutboxMessage) -> _Claimed:
        assert row.id is not None
        return cls(
            id=row.id,
            workspace_id=row.workspace_id,
            platform=row.platform,
            recipient_kind=row.recipient_kind,
            recipient_id=row.recipient_id,
            key=row.key,
            replaces=row.replaces,
            view=row.view,
            attempts=row.attempts,
        )
