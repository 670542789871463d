"""The sender loop against a fake platform: limits, retries, order, dead rows, updates, stop."""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.delivery import Bucket, Outgoing, SendFailed
from bot.outbox import OutboxSender, backoff
from handlers.clock import ManualClock
from handlers.views import Message, Text, to_json
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.repos import outbox, workspaces
from storage.repos.outbox import NewMessage

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@dataclass
class FakePlatform:
    """Records what it posted; fails on the calls `fail` picks, as a real API does."""

    clock: ManualClock
    fail: object = None  # callable(call number) -> an exception to raise, or None
    platform: str = "fake"
    per_channel: float = 1.0
    calls: int = 0
    posted: list[tuple[str, str, datetime]] = field(default_factory=list)  # (recipient, key, at)
    updates: list[tuple[str, str]] = field(default_factory=list)  # (ref, key)

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        who = getattr(item.to, "user_id", None) or getattr(item.to, "channel_id", "")
        return [Bucket("fake:app", 50.0), Bucket(f"fake:to:{who}", self.per_channel)]

    def _call(self) -> None:
        self.calls += 1
        failure = self.fail(self.calls) if callable(self.fail) else None
        if failure is not None:
            raise failure

    def send(self, item: Outgoing) -> str:
        self._call()
        who = getattr(item.to, "user_id", None) or getattr(item.to, "channel_id", "")
        self.posted.append((who, item.key, self.clock.now()))
        return f"ref-{item.key}"

    def update(self, item: Outgoing) -> str:
        self._call()
        assert item.ref is not None
        self.updates.append((item.ref, item.key))
        return item.ref


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def workspace_id(sessions: SessionFactory) -> int:
    with sessions.begin() as session:
        ws = workspaces.get_or_create_workspace(session=session, platform="fake", external_id="W1")
        assert ws.id is not None
        return ws.id


def put(
    sessions: SessionFactory,
    ws: int,
    recipient: str,
    key: str,
    *,
    replaces: str | None = None,
    now: datetime = START,
) -> None:
    view = json.dumps(to_json(Message(summary=key, blocks=(Text(key),))))
    with sessions.begin() as session:
        outbox.enqueue(
            session=session,
            workspace_id=ws,
            platform="fake",
            messages=[NewMessage("channel", recipient, view, key=key, replaces=replaces)],
            now=now,
        )


def make_sender(
    sessions: SessionFactory, clock: ManualClock, platform: FakePlatform, **options: object
) -> OutboxSender:
    def sleep(seconds: float) -> None:
        clock.set(clock.now() + timedelta(seconds=seconds))

    return OutboxSender(
        sessions=sessions,
        senders=[platform],
        clock=clock,
        sleep=sleep,
        holder="test",
        jitter=lambda: 0.5,
        **options,  # type: ignore[arg-type]  # the test passes only known options
    )


def run_until_quiet(sender: OutboxSender, clock: ManualClock, *, rounds: int = 500) -> None:
    for _ in range(rounds):
        sender.run_once()
        with sender.sessions.begin() as session:
            counts = outbox.counts(session=session)
        if counts["pending"] == counts["sending"] == 0:
            return
        clock.set(clock.now() + timedelta(seconds=1))
    raise AssertionError(f"still unsent after {rounds} rounds: {counts}")


def states(sessions: SessionFactory) -> dict[str, str]:
    with sessions.begin() as session:
        return {r.key: r.state for r in session.exec(select(OutboxMessage))}


@pytest.mark.parametrize(("workers", "mark_batch"), [(1, 1), (4, 5)])
def test_rate_limits_and_server_errors_still_deliver_everything_once_in_order(
    sessions: SessionFactory, clock: ManualClock, workspace_id: int, workers: int, mark_batch: int
) -> None:
    def flaky(call: int) -> SendFailed | None:
        if call % 7 == 0:
            return SendFailed("HTTP 429 ratelimited", retryable=True, retry_after=3)
        if call % 3 == 0:
            return SendFailed("HTTP 503", retryable=True)
        return None

    platform = FakePlatform(clock=clock, fail=flaky)
    written: dict[str, list[str]] = defaultdict(list)
    for n in range(60):
        recipient = f"C{n % 4}"
        put(sessions, workspace_id, recipient, f"m{n:02d}")
        written[recipient].append(f"m{n:02d}")
    sender = make_sender(sessions, clock, platform, workers=workers, mark_batch=mark_batch)
    run_until_quiet(sender, clock)

    keys = [key for _, key, _ in platform.posted]
    assert sorted(keys) == sorted(k for ks in written.values() for k in ks)  # each exactly once
    assert len(keys) == len(set(keys)) == 60
    for recipient, expected in written.items():
        assert [k for who, k, _ in platform.posted if who == recipient] == expected
    assert platform.calls > 60  # failures happened and were retried
    assert set(states(sessions).values()) == {"sent"}


def test_each_recipient_gets_at_most_its_rate(
    sessions: SessionFactory, clock: ManualClock, workspace_id: int
) -> None:
    platform = FakePlatform(clock=clock, per_channel=1.0)
    for n in range(5):
        put(sessions, workspace_id, "C1", f"a{n}")
        put(sessions, workspace_id, "C2", f"b{n}")
    make_sender(sessions, clock, platform).run_once()
    for recipient in ("C1", "C2"):
        times = [at for who, _, at in platform.posted if who == recipient]
        assert len(times) == 5
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.999, gaps


def test_retry_after_holds_the_recipient_for_as_long_as_the_platform_asks(
    sessions: SessionFactory, clock: ManualClock, workspace_id: int
) -> None:
    platform = FakePlatform(
        clock=clock,
        fail=lambda call: SendFailed("429", retryable=True, retry_after=30) if call == 1 else None,
    )
    put(sessions, workspace_id, "C1", "first")
    put(sessions, workspace_id, "C1", "second")
    sender = make_sender(sessions, clock, platform)
    report = sender.run_once()
    # Held back for the limit, not failed: the wait uses up none of the row's attempts.
    assert (report.deferred, report.retried, report.sent, platform.posted) == (2, 0, 0, [])
    clock.set(START + timedelta(seconds=29))
    assert sender.run_once().claimed == 0
    clock.set(START + timedelta(seconds=30))
    sender.run_once()
    assert [key for _, key, _ in platform.posted] == ["first", "second"]


def test_a_row_dies_after_the_last_attempt_and_comes_back_when_requeued(
    sessions: SessionFactory,
    clock: ManualClock,
    workspace_id: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = True
    platform = FakePlatform(
        clock=clock, fail=lambda call: SendFailed("HTTP 502", retryable=True) if broken else None
    )
    put(sessions, workspace_id, "C1", "digest")
    put(sessions, workspace_id, "C1", "later")
    sender = make_sender(sessions, clock, platform, max_attempts=4, base_delay=1.0)
    run_until_quiet(sender, clock)
    assert states(sessions) == {"digest": "dead", "later": "dead"}
    assert platform.calls == 8
    assert "gave up on outbox row" in caplog.text and "HTTP 502" in caplog.text
    broken = False
    with sessions.begin() as session:
        assert outbox.requeue_dead(session=session, now=clock.now()) == 2
    run_until_quiet(sender, clock)
    assert [key for _, key, _ in platform.posted] == ["digest", "later"]


def test_a_refusal_that_cannot_pass_is_dead_at_once(
    sessions: SessionFactory, clock: ManualClock, workspace_id: int
) -> None:
    platform = FakePlatform(
        clock=clock, fail=lambda call: SendFailed("channel_not_found", retryable=False)
    )
    put(sessions, workspace_id, "C404", "post")
    report = make_sender(sessions, clock, platform).run_once()
    assert (report.dead, platform.calls) == (1, 1)
    with sessions.begin() as session:
        (row,) = outbox.recent(session=session, states=["dead"], limit=5)
    assert row.last_error == "channel_not_found"


def test_a_replacing_row_updates_the_posted_message_by_its_stored_reference(
    sessions: SessionFactory, clock: ManualClock, workspace_id: int
) -> None:
    platform = FakePlatform(clock=clock)
    sender = make_sender(sessions, clock, platform)
    put(sessions, workspace_id, "C1", "digest:w48")
    sender.run_once()
    put(sessions, workspace_id, "C1", "digest:w48:late", replaces="digest:w48")
    put(sessions, workspace_id, "C1", "note", replaces="never-sent")
    run_until_quiet(sender, clock)
    assert platform.updates == [("ref-digest:w48", "digest:w48:late")]
    assert [key for _, key, _ in platform.posted] == ["digest:w48", "note"]


def test_the_prepare_hook_changes_the_message_before_it_is_sent(
    sessions: SessionFactory, clock: ManualClock, workspace_id: int
) -> None:
    seen: list[Outgoing] = []

    class Recording(FakePlatform):
        def send(self, item: Outgoing) -> str:
            seen.append(item)
            return super().send(item)

    def stamp(item: Outgoing) -> Outgoing:
        assert isinstance(item.message, Message)
        message = Message(summary=item.message.summary + " (drawn)", blocks=item.message.blocks)
        return Outgoing(item.id, item.platform, item.workspace, item.to, message, item.key)

    put(sessions, workspace_id, "C1", "digest")
    make_sender(sessions, clock, Recording(clock=clock), prepare=stamp).run_once()
    assert [item.message.summary for item in seen] == ["digest (drawn)"]
    assert seen[0].workspace == "W1"


def test_stopping_gives_back_the_rows_it_did_not_send(
    sessions: SessionFactory, workspace_id: int
) -> None:
    entered, proceed = threading.Event(), threading.Event()

    class Slow(FakePlatform):
        def send(self, item: Outgoing) -> str:
            entered.set()
            proceed.wait(5)
            return super().send(item)

    clock = ManualClock(START)
    for n in range(3):
        put(sessions, workspace_id, f"C{n}", f"m{n}")
    sender = OutboxSender(
        sessions=sessions, senders=[Slow(clock=clock)], clock=clock, poll_seconds=0.05
    )
    sender.start()
    sender.wake()
    assert entered.wait(5)
    stopper = threading.Thread(target=sender.stop, kwargs={"timeout": 5})
    stopper.start()
    proceed.set()
    stopper.join(10)
    assert not stopper.is_alive()
    with sessions.begin() as session:
        rows = {r.key: (r.state, r.claimed_by) for r in session.exec(select(OutboxMessage))}
    assert rows["m0"] == ("sent", None)
    assert rows["m1"] == rows["m2"] == ("pending", None)


def test_a_started_sender_sends_what_is_queued_when_woken(
    sessions: SessionFactory, workspace_id: int
) -> None:
    clock = ManualClock(START)
    platform = FakePlatform(clock=clock)
    sender = OutboxSender(sessions=sessions, senders=[platform], clock=clock, poll_seconds=30)
    sender.start()
    try:
        put(sessions, workspace_id, "C1", "hello")
        sender.wake()
        for _ in range(100):
            if platform.posted:
                break
            threading.Event().wait(0.05)
    finally:
        sender.stop(timeout=5)
    assert [key for _, key, _ in platform.posted] == ["hello"]


def test_a_bug_in_a_platform_sender_is_logged_and_retried_not_lost(
    sessions: SessionFactory,
    clock: ManualClock,
    workspace_id: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    platform = FakePlatform(
        clock=clock, fail=lambda call: KeyError("blocks") if call == 1 else None
    )
    put(sessions, workspace_id, "C1", "digest")
    sender = make_sender(sessions, clock, platform)
    assert sender.run_once().retried == 1
    assert "the fake sender failed on outbox row" in caplog.text
    run_until_quiet(sender, clock)
    assert [key for _, key, _ in platform.posted] == ["digest"]


def test_a_message_that_cannot_be_prepared_dies_after_its_attempts_and_others_still_go(
    sessions: SessionFactory, clock: ManualClock, workspace_id: int
) -> None:
    def draw(item: Outgoing) -> Outgoing:
        if item.key == "chart":
            raise ValueError("no data to draw")
        return item

    platform = FakePlatform(clock=clock)
    put(sessions, workspace_id, "C1", "chart")
    put(sessions, workspace_id, "C2", "text")
    run_until_quiet(make_sender(sessions, clock, platform, prepare=draw, max_attempts=2), clock)
    assert states(sessions) == {"chart": "dead", "text": "sent"}
    with sessions.begin() as session:
        (dead,) = outbox.recent(session=session, states=["dead"], limit=5)
    assert dead.last_error == "preparing the message failed: no data to draw"


def test_back_off_doubles_up_to_its_ceiling_and_jitter_spreads_it_between_half_and_all() -> None:
    full = [backoff(n, base=2.0, ceiling=60.0, jitter=lambda: 1.0) for n in range(1, 9)]
    assert full == [2, 4, 8, 16, 32, 60, 60, 60]
    assert backoff(4, base=2.0, ceiling=60.0, jitter=lambda: 0.0) == 8  # half of 16
    assert backoff(10_000, base=2.0, ceiling=3600.0, jitter=lambda: 1.0) == 3600  # no overflow
    spread = [backoff(4, base=2.0, ceiling=60.0) for _ in range(200)]
    assert all(8 <= s <= 16 for s in spread) and len(set(spread)) > 100  # not in step


def test_each_retry_waits_its_back_off_and_the_last_one_waits_the_ceiling(
    sessions: SessionFactory, clock: ManualClock, workspace_id: int
) -> None:
    platform = FakePlatform(clock=clock, fail=lambda call: SendFailed("HTTP 502", retryable=True))
    put(sessions, workspace_id, "C1", "digest")
    sender = make_sender(sessions, clock, platform, max_attempts=7, base_delay=2.0, max_delay=20.0)
    waits = []
    for _ in range(6):
        sent_at = clock.now()
        assert sender.run_once().retried == 1
        with sessions.read() as session:
            (row,) = session.exec(select(OutboxMessage)).all()
        waits.append((row.next_attempt_at - sent_at).total_seconds())
        clock.set(row.next_attempt_at)
    # Jitter 0.5 scales each wait to 75 %: 2, 4, 8, 16 s, then 20 s at most.
    assert waits == [1.5, 3.0, 6.0, 12.0, 15.0, 15.0]
    assert sender.run_once().dead == 1
