"""The sender loop: claims due outbox rows and hands each to its platform's sender.

It keeps each platform's limits (a token bucket per `Bucket` name the sender
names), waits as long as a platform asks (Retry-After), retries failures that
may pass with exponential back-off and jitter, and gives a row up as dead
after `max_attempts`. Rows to one recipient go out in the order they were
written: after a failure, the rest of that recipient's rows wait for it.
A row that replaces an earlier one is sent as an update of the posted message
when the platform's reference to it is known.

Sends run on a small pool of workers (`workers`): each pass hands every
recipient's claimed rows, in order, to one worker, so many people are sent to
at once while one person's messages still arrive in the order written. The
token buckets are shared by the workers. Rows sent are recorded in batches
(one transaction for up to `mark_batch` rows, at least every `mark_every`
seconds, and always before the next claim or a stop).

Each row is sent once. A row in doubt (an earlier attempt may have reached
the platform unrecorded: a claim taken over after it ran out, a timeout, a
5xx) is looked up on the platform first (`bot.delivery.Reconciling`), and a
message of several calls records each call as it goes through (`_Step`), so
a retry resumes after it. A row whose message arrived is never dead. A
rate-limit refusal holds its bucket and uses up no attempt. Adding a kind of
row or a state: `_send` is the one place a claimed row is turned into
platform calls, and `_failed` the one place a failure's outcome is decided.

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
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.delivery import Bucket, Outgoing, PlatformSender, Progress, Reconciling, SendFailed
from handlers.clock import Clock, SystemClock
from handlers.views import Home, Message, ProgressNote, ToChannel, ToOkr, ToUser, from_json
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.repos import installs, outbox, workspaces

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
    Safe to share between threads: `reserve` checks and takes in one step.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
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

    def reserve(self, buckets: Sequence[Bucket], *, max_wait: float) -> tuple[float, bool]:
        """Seconds until a send may go, and whether its tokens were taken.

        Within `max_wait` the tokens are taken now (a bucket may go below zero:
        the next send waits the longer), so concurrent senders queue up behind
        each other at the bucket's rate; past it nothing is taken.
        """
        with self._lock:
            wait = self._wait_for(buckets)
            if wait > max_wait:
                return wait, False
            self._take(buckets)
            return wait, True

    def wait_for(self, buckets: Iterable[Bucket]) -> float:
        """Seconds until every bucket has a token (0 when it may go now)."""
        with self._lock:
            return self._wait_for(buckets)

    def _wait_for(self, buckets: Iterable[Bucket]) -> float:
        now = self._now()
        wait = 0.0
        for bucket in buckets:
            tokens = self._refill(bucket, now)
            if tokens < 1.0:
                wait = max(wait, (1.0 - tokens) / bucket.per_second)
            wait = max(wait, self._paused_until.get(bucket.name, now) - now)
        return wait

    def take(self, buckets: Iterable[Bucket]) -> None:
        with self._lock:
            self._take(buckets)

    def _take(self, buckets: Iterable[Bucket]) -> None:
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
        with self._lock:
            until = self._now() + seconds
            for bucket in buckets:
                self._paused_until[bucket.name] = max(
                    self._paused_until.get(bucket.name, 0.0), until
                )

    def paused_for(self, buckets: Iterable[Bucket]) -> float:
        """Seconds until none of these buckets is paused any more."""
        with self._lock:
            now = self._now()
            return max((self._paused_until.get(b.name, now) - now for b in buckets), default=0.0)


def limited_buckets(buckets: Sequence[Bucket], failure: SendFailed) -> list[Bucket]:
    """The buckets a 429 holds: the one whose limit the platform named, else all of them.

    Feishu names the exceeded limit (x-ogw-ratelimit-limit): a person's 5/s must
    not hold the whole app's 50/s, nor the other way round.
    """
    if failure.limit is not None:
        named = [b for b in buckets if abs(b.per_second - failure.limit) < 1e-9]
        if named:
            return named
    return list(buckets)


@dataclass(slots=True)
class SendReport:
    """What one pass over the due rows did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    parked: int = 0  # the workspace refused the bot: kept until the app is back
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
        batch: int | None = None,
        claim_for: timedelta = timedelta(seconds=60),
        max_attempts: int = 8,
        base_delay: float = 2.0,
        max_delay: float = 3600.0,
        max_wait: float = 5.0,
        poll_seconds: float = 1.0,
        jitter: Callable[[], float] = random.random,
        workers: int = 1,
        mark_batch: int = 1,
        mark_every: float = 0.5,
    ) -> None:
        if workers < 1:
            raise ValueError("the outbox needs at least one worker")
        self.sessions = sessions
        self.senders: Mapping[str, PlatformSender] = {s.platform: s for s in senders}
        self.clock = clock if clock is not None else SystemClock()
        self._stopping = threading.Event()
        self._woken = threading.Event()
        # The default sleep returns early when the loop is asked to stop.
        self.sleep = sleep if sleep is not None else self._stopping.wait
        self.prepare = prepare
        self.holder = holder or holder_name()
        self.workers = workers
        # Enough rows per pass to keep every worker busy between claims.
        self.batch = batch if batch is not None else max(50, 25 * workers)
        self.claim_for = claim_for
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_wait = max_wait  # longer limits are waited out unclaimed, not in the loop
        self.poll_seconds = poll_seconds
        self.jitter = jitter
        self.limiter = RateLimiter(self.clock)
        self.marks = _Marks(
            sessions=sessions, holder=self.holder, size=mark_batch, every=mark_every
        )
        self._workspaces: dict[int, str] = {}  # row id -> the platform's workspace id
        self._workspaces_lock = threading.Lock()
        self._in_flight: set[int] = set()  # rows whose send is in the platform's hands
        self._in_flight_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
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
        """Stop the loop and give back every claim it did not act on, so no row stays held.

        Rows already sent are recorded first: given back, they would go out twice.
        """
        self._stopping.set()
        self._woken.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("the outbox sender did not stop within %.1f s", timeout)
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        try:
            self.marks.flush()
        except Exception:
            log.exception("could not record the sent outbox rows while stopping")
        with self._in_flight_lock:
            in_flight = sorted(self._in_flight)
        with self.sessions.begin() as session:
            released = outbox.release(session=session, holder=self.holder, keep=in_flight)
        if in_flight:
            log.warning(
                "%d outbox rows were still being sent; they stay claimed and are checked "
                "with the platform once the claim runs out",
                len(in_flight),
            )
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
        # What an earlier pass sent but could not record goes in before anything is claimed.
        self.marks.flush()
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
        # Each recipient's rows, in the order claimed (oldest first), go to one worker.
        lanes: dict[tuple[int, str, str, str], list[_Claimed]] = {}
        for row in rows:
            lanes.setdefault(row.recipient, []).append(row)
        try:
            if self.workers == 1 or len(lanes) <= 1:
                for lane in lanes.values():
                    self._send_lane(lane, report)
            else:
                pool = self._workers()
                futures = [
                    pool.submit(self._send_lane, lane, SendReport()) for lane in lanes.values()
                ]
                failed: BaseException | None = None
                for future in futures:
                    # Every lane ends before the pass does, even when one failed.
                    try:
                        _add(report, future.result())
                    except Exception as error:
                        failed = failed or error
                if failed is not None:
                    raise failed
        finally:
            self.marks.flush()
        return report

    def _workers(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="okrbot-send")
        return self._pool

    def _send_lane(self, lane: Sequence[_Claimed], report: SendReport) -> SendReport:
        """One recipient's rows in order; after a row must wait, the rest wait behind it."""
        for index, row in enumerate(lane):
            if self._stopping.is_set() or self._claim_running_out(row):
                self._give_back(lane[index:], report)
                break
            if not self._send(row, report):
                if lane[index + 1 :]:
                    self._give_back(lane[index + 1 :], report)
                break
        return report

    def _claim_running_out(self, row: _Claimed) -> bool:
        """Whether less than half the claim is left: past its end another sender may take
        the row over, so a send must not start that might still be under way by then."""
        if row.claimed_until is None:
            return False
        return self.clock.now() > row.claimed_until - self.claim_for / 2

    def drain(self, *, passes: int = 1000) -> SendReport:
        """Run passes until nothing is due now (tests and the terminal trial)."""
        total = SendReport()
        for _ in range(passes):
            report = self.run_once()
            _add(total, report)
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
            return self._failed(row, unprepared, report, item.done)
        buckets = list(sender.buckets(item))
        wait, reserved = self.limiter.reserve(buckets, max_wait=self.max_wait)
        if not reserved:
            # A long limit: wait it out unclaimed, behind which the recipient's later rows stay.
            self._retry(row, "waiting for the platform's rate limit", wait, report, count=False)
            return False
        if wait > 0:
            self.marks.flush_if_old()  # what was sent is recorded while this one waits
            self.sleep(wait)
            # Another worker's 429 may have paused a bucket while this one waited its turn.
            paused = self.limiter.paused_for(buckets)
            if paused > 0:
                self.sleep(paused)
            if self._stopping.is_set():
                # The wait was cut short by a stop: sending now would break the limit.
                self._give_back([row], report)
                return False
        step = _Step(self, row, item.done)
        item = replace(item, record=step.record)
        began = self.clock.now()
        with self._flight(row):
            try:
                if item.doubt_since is not None and item.done.ref is None and item.ref is None:
                    # An earlier attempt may have posted it: ask before posting again.
                    found = sender.find(item) if isinstance(sender, Reconciling) else None
                    if found is not None:
                        log.info("outbox row %s had arrived already (%s)", row.id, found)
                        step.record(Progress(found, 0))
                        item = replace(item, done=step.done)
                ref = sender.update(item) if item.ref is not None else sender.send(item)
            except SendFailed as failure:
                if failure.retry_after is not None:
                    self.limiter.pause(limited_buckets(buckets, failure), failure.retry_after)
                return self._failed(row, failure, report, step.done, began=began)
            except Exception as error:
                # A bug in a sender must not stop the loop; the row is retried and logged.
                log.exception("the %s sender failed on outbox row %s", row.platform, row.id)
                broken = SendFailed(
                    f"{type(error).__name__}: {error}", retryable=True, maybe_sent=True
                )
                return self._failed(row, broken, report, step.done, began=began)
        self.marks.add(row.id, row.workspace_id, row.key, ref, self.clock.now())
        report.sent += 1
        return True

    @contextmanager
    def _flight(self, row: _Claimed) -> Iterator[None]:
        """While a row's send is in the platform's hands, a stop does not give it back."""
        with self._in_flight_lock:
            self._in_flight.add(row.id)
        try:
            yield
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(row.id)

    def _record_progress(self, row: _Claimed, done: Progress) -> None:
        """Write at once that a step of the row's message went through (see _Step)."""
        assert done.ref is not None
        with self.sessions.begin() as session:
            held = outbox.mark_progress(
                session=session,
                message_id=row.id,
                ref=done.ref,
                steps=done.steps,
                step_ref=done.pending,
                holder=self.holder,
            )
        if not held:
            log.warning("outbox row %s went on after its claim expired", row.id)

    def _outgoing(self, row: _Claimed) -> Outgoing:
        message = from_json(json.loads(row.view))
        if not isinstance(message, Message | Home | ProgressNote):
            raise TypeError(f"not a message: {type(message).__name__}")
        to: ToUser | ToChannel | ToOkr = (
            ToUser(row.recipient_id)
            if row.recipient_kind == "user"
            else ToOkr(row.recipient_id)
            if row.recipient_kind == "okr"
            else ToChannel(row.recipient_id)
        )
        ref = None
        if row.replaces is not None:
            # Sent moments ago and not yet recorded: the reference is still in memory.
            ref = self.marks.ref(row.workspace_id, row.replaces)
        with self._workspaces_lock:
            external = self._workspaces.get(row.workspace_id)
        if external is None or (row.replaces is not None and ref is None):
            with self.sessions.read() as session:
                if external is None:
                    found = workspaces.get_workspace(session=session, workspace_id=row.workspace_id)
                    external = found.external_id if found else ""
                    with self._workspaces_lock:
                        self._workspaces[row.workspace_id] = external
                if row.replaces is not None and ref is None:
                    ref = outbox.find_ref(
                        session=session, workspace_id=row.workspace_id, key=row.replaces
                    )
        return Outgoing(
            id=row.id,
            platform=row.platform,
            workspace=external,
            to=to,
            message=message,
            key=row.key,
            ref=ref,
            done=Progress(row.platform_ref, row.steps_done, row.step_ref),
            doubt_since=row.doubt_since,
        )

    def _failed(
        self,
        row: _Claimed,
        failure: SendFailed,
        report: SendReport,
        done: Progress,
        *,
        began: datetime | None = None,
    ) -> bool:
        """A failed attempt: retried later, or given up; True when the row is done with."""
        report.errors.append(failure.reason)
        if failure.gone:
            # Kept with how far it got: once the app is back it resumes, never posts twice.
            self._park(row, failure.reason, report)
            return True
        if failure.rate_limited:
            # The platform refused for its limit: nothing was sent, no attempt is used up.
            self._retry(row, failure.reason, failure.retry_after or 0.0, report, count=False)
            return False
        attempt = row.attempts + 1
        if not failure.retryable or attempt >= self.max_attempts:
            if done.ref is not None:
                # The message arrived; only a step after it (a chart) did not. Never dead:
                # requeued, it would be posted again.
                note = f"sent without its last {_parts(done)}: {failure.reason}"
                self.marks.add(row.id, row.workspace_id, row.key, done.ref, self.clock.now(), note)
                report.sent += 1
                return True
            self._dead(row, failure.reason, report)
            return True
        delay = backoff(attempt, base=self.base_delay, ceiling=self.max_delay, jitter=self.jitter)
        # A failure that may have reached the platform leaves the row in doubt: the
        # next attempt asks the platform first (unless the post is known to have arrived).
        doubt = began if failure.maybe_sent and done.ref is None else None
        self._retry(row, failure.reason, delay, report, count=True, doubt_since=doubt)
        return False

    def _retry(
        self,
        row: _Claimed,
        error: str,
        delay: float,
        report: SendReport,
        *,
        count: bool,
        doubt_since: datetime | None = None,
    ) -> None:
        with self.sessions.begin() as session:
            outbox.mark_retry(
                session=session,
                message_id=row.id,
                error=error,
                next_attempt_at=self.clock.now() + timedelta(seconds=delay),
                holder=self.holder,
                count_attempt=count,
                doubt_since=doubt_since,
            )
        if count:
            report.retried += 1
        else:
            report.deferred += 1

    def _park(self, row: _Claimed, error: str, report: SendReport) -> None:
        """The platform refused the workspace: park this row and every other one it has."""
        with self.sessions.begin() as session:
            outbox.mark_parked(session=session, message_id=row.id, error=error, holder=self.holder)
            change = installs.uninstall_workspace(
                session=session, workspace_id=row.workspace_id, at=self.clock.now()
            )
        if change.changed:
            log.warning(
                "%s refused workspace %s (%s): its outbox is parked until the app is back",
                row.platform,
                row.workspace_id,
                error,
            )
        report.parked += 1

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


def backoff(
    attempt: int, *, base: float, ceiling: float, jitter: Callable[[], float] = random.random
) -> float:
    """Seconds before retry `attempt` (1, 2, ...): doubling from `base`, at most `ceiling`,
    then scaled into [50 %, 100 %] by `jitter` so that replicas and rows do not retry in step."""
    delay = min(ceiling, base * 2 ** min(attempt - 1, 64))
    return delay * (0.5 + jitter() / 2)


def _parts(done: Progress) -> str:
    return "pictures" if done.steps == 0 else f"pictures after the first {done.steps}"


class _Step:
    """Records each step of one row's message as the platform sender reports it.

    The first report (the post arrived) and each later one (a chart uploaded)
    are written at once, so a retry or a replica after a crash starts after
    them. A message of one call reports nothing: its send is recorded with the
    batch of sent rows.
    """

    def __init__(self, outer: OutboxSender, row: _Claimed, done: Progress) -> None:
        self._outer = outer
        self._row = row
        self.done = done

    def record(self, done: Progress) -> None:
        self.done = done
        self._outer._record_progress(self._row, done)


def _add(total: SendReport, report: SendReport) -> None:
    for name in ("claimed", "sent", "retried", "dead", "parked", "deferred"):
        setattr(total, name, getattr(total, name) + getattr(report, name))
    total.errors.extend(report.errors)


class _Marks:
    """Rows sent and not yet recorded, written as sent together in one transaction.

    Up to `size` rows wait, and none longer than `every` seconds (checked as
    rows come; the pass's end and `stop` write the rest). Until written, the
    platform's references stay here for rows that replace them.
    """

    def __init__(self, *, sessions: SessionFactory, holder: str, size: int, every: float) -> None:
        self.sessions = sessions
        self.holder = holder
        self.size = max(1, size)
        self.every = every
        self._lock = threading.Lock()
        self._write = threading.Lock()  # one batch at a time, in the order sent
        self._waiting: list[tuple[outbox.Sent, tuple[int, str]]] = []
        self._refs: dict[tuple[int, str], str] = {}
        self._oldest = 0.0

    def add(
        self,
        message_id: int,
        workspace_id: int,
        key: str,
        ref: str,
        at: datetime,
        note: str | None = None,
    ) -> None:
        with self._lock:
            if not self._waiting:
                self._oldest = time.monotonic()
            self._waiting.append((outbox.Sent(message_id, ref, at, note), (workspace_id, key)))
            self._refs[(workspace_id, key)] = ref
            due = len(self._waiting) >= self.size
        if due:
            self.flush()
        else:
            self.flush_if_old()

    def flush_if_old(self) -> None:
        """Write the waiting rows when the oldest has waited `every` seconds (before a sleep)."""
        with self._lock:
            due = bool(self._waiting) and time.monotonic() - self._oldest >= self.every
        if due:
            self.flush()

    def ref(self, workspace_id: int, key: str) -> str | None:
        with self._lock:
            return self._refs.get((workspace_id, key))

    def flush(self) -> None:
        """Record every waiting row as sent; on failure they wait for the next flush."""
        with self._write:
            with self._lock:
                batch, self._waiting = self._waiting, []
            if not batch:
                return
            try:
                with self.sessions.begin() as session:
                    lost = outbox.mark_sent_many(
                        session=session, sent=[sent for sent, _ in batch], holder=self.holder
                    )
            except BaseException:
                with self._lock:
                    self._waiting[:0] = batch
                    self._oldest = time.monotonic()
                raise
            with self._lock:
                # Recorded: a later row finds the reference in the database now.
                for sent, where in batch:
                    if self._refs.get(where) == sent.ref:
                        del self._refs[where]
        for message_id in lost:
            log.warning("outbox row %s was sent after its claim expired", message_id)


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
    claimed_until: datetime | None = None
    doubt_since: datetime | None = None
    platform_ref: str | None = None  # set while unsent: the post arrived (see Progress)
    steps_done: int = 0
    step_ref: str | None = None

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
            claimed_until=row.claimed_until,
            doubt_since=row.doubt_since,
            platform_ref=row.platform_ref,
            steps_done=row.steps_done,
            step_ref=row.step_ref,
        )
