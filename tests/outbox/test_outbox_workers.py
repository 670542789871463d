"""The outbox on several workers: many people at once, each person's messages in order.

Against the real platform senders and SDK clients where the behaviour is the
platform's (Slack's per-channel limit, Feishu's named 429), and against a fake
platform where the test must hold a send in flight.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.delivery import Bucket, Outgoing
from bot.feishu.client import FeishuApi
from bot.feishu.sender import FeishuSender
from bot.outbox import OutboxSender
from bot.slack.app import make_client
from bot.slack.sender import SlackSender
from handlers.clock import ManualClock, SystemClock
from handlers.views import Message, Text, to_json
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.repos import outbox, workspaces
from storage.repos.outbox import NewMessage
from tests.fakes.feishu_api import FakeFeishu
from tests.fakes.limited import LimitedSlack
from tests.feishu.world import feishu_settings
from tests.slack.conftest import slack_settings

START = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)


def put(
    sessions: SessionFactory, ws: int, platform: str, kind: str, recipient: str, key: str
) -> None:
    view = json.dumps(to_json(Message(summary=key, blocks=(Text(key),))))
    with sessions.begin() as session:
        outbox.enqueue(
            session=session,
            workspace_id=ws,
            platform=platform,
            messages=[NewMessage(kind, recipient, view, key=key)],
            now=START,
        )


def workspace(sessions: SessionFactory, platform: str, external: str) -> int:
    with sessions.begin() as session:
        found = workspaces.get_or_create_workspace(
            session=session, platform=platform, external_id=external
        )
        assert found.id is not None
        return found.id


def states(sessions: SessionFactory) -> dict[str, tuple[str, str | None]]:
    with sessions.begin() as session:
        return {r.key: (r.state, r.claimed_by) for r in session.exec(select(OutboxMessage))}


@pytest.fixture
def slack() -> Iterator[LimitedSlack]:
    fake = LimitedSlack(latency=(0.02, 0.04)).start()
    yield fake
    fake.stop()


def test_many_people_are_sent_to_at_once_and_each_channel_in_order_within_its_rate(
    sessions: SessionFactory, slack: LimitedSlack
) -> None:
    # Monday: a DM to each of twelve people, and three posts to one team channel.
    ws = workspace(sessions, "slack", "T0FAKE001")
    for n in range(12):
        put(sessions, ws, "slack", "user", f"U{n:04d}", f"plan:U{n:04d}")
    for n in range(3):
        put(sessions, ws, "slack", "channel", "C0TEAM", f"team:{n}")
    sender = OutboxSender(
        sessions=sessions,
        senders=[SlackSender(make_client(slack_settings(slack)))],
        clock=SystemClock(),
        holder="test",
        workers=4,
        mark_batch=5,
    )
    sender.drain()

    posts = slack.of("chat.postMessage")
    accepted = slack.volume.accepted
    # Each post names its outbox key in its metadata, as the fake records it.
    assert sorted(key for _to, key, _at in accepted) == sorted(
        [f"plan:U{n:04d}" for n in range(12)] + [f"team:{n}" for n in range(3)]
    )  # each once
    channel = [key for to, key, _at in accepted if to == "C0TEAM"]
    assert channel == ["team:0", "team:1", "team:2"]
    assert slack.volume.limited == 0, "the sender went over Slack's one message a second"
    assert len(posts) == 15
    assert {state for state, _ in states(sessions).values()} == {"sent"}


@dataclass
class Gate:
    """A platform whose first `width` sends only pass once that many are in flight together."""

    width: int
    platform: str = "fake"
    posted: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.barrier = threading.Barrier(self.width, timeout=5)
        self.lock = threading.Lock()
        self.calls = 0

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        return [Bucket(f"fake:{getattr(item.to, 'channel_id', '')}", 1000.0)]

    def send(self, item: Outgoing) -> str:
        with self.lock:
            self.calls += 1
            first = self.calls <= self.width
        if first:
            self.barrier.wait()  # raises BrokenBarrierError when sends never overlap
            # Slow first messages: a later one to the same place must not overtake them.
            time.sleep(0.1)
        with self.lock:
            self.posted.append((getattr(item.to, "channel_id", ""), item.key))
        return f"ref-{item.key}"

    def update(self, item: Outgoing) -> str:
        return self.send(item)


def test_recipients_go_out_in_parallel_while_each_keeps_its_order(
    sessions: SessionFactory,
) -> None:
    ws = workspace(sessions, "fake", "W1")
    for n in range(5):
        for who in ("C1", "C2", "C3", "C4"):
            put(sessions, ws, "fake", "channel", who, f"{who}:{n}")
    gate = Gate(width=4)
    clock = ManualClock(START)
    sender = OutboxSender(
        sessions=sessions, senders=[gate], clock=clock, holder="test", workers=4, mark_batch=3
    )
    report = sender.drain()
    assert report.sent == 20 and report.retried == 0, report.errors
    for who in ("C1", "C2", "C3", "C4"):
        assert [key for to, key in gate.posted if to == who] == [f"{who}:{n}" for n in range(5)]


def test_a_feishu_429_for_one_person_holds_that_person_not_the_app(
    sessions: SessionFactory, database_url: str
) -> None:
    fake = FakeFeishu().start()
    try:
        fake.rate_limit_next = 1  # the first create: "5 a second to this user", wait 1 s
        ws = workspace(sessions, "feishu", "tenant_fake_1")
        for who in ("ou_a", "ou_b", "ou_c"):
            put(sessions, ws, "feishu", "user", who, f"plan:{who}")
        clock = ManualClock(START)
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            clock.set(clock.now() + timedelta(seconds=seconds))

        sender = OutboxSender(
            sessions=sessions,
            senders=[FeishuSender(FeishuApi(feishu_settings(database_url, fake)))],
            clock=clock,
            sleep=sleep,
            holder="test",
            jitter=lambda: 0.5,
        )
        report = sender.run_once()
        assert (report.deferred, report.retried, report.sent) == (1, 0, 2)
        # The others went at once: the app's 50/s was not held for a person's limit.
        assert slept == [] and clock.now() == START
        assert [m.to for m in fake.messages()] == ["ou_b", "ou_c"]
        clock.set(START + timedelta(seconds=2))
        sender.drain()
        assert [m.to for m in fake.messages()] == ["ou_b", "ou_c", "ou_a"]
    finally:
        fake.stop()


@dataclass
class Recorder:
    platform: str = "fake"
    posted: list[str] = field(default_factory=list)

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        return [Bucket("fake:app", 1000.0)]

    def send(self, item: Outgoing) -> str:
        self.posted.append(item.key)
        return f"ref-{item.key}"

    def update(self, item: Outgoing) -> str:
        return self.send(item)


def test_a_batch_of_sends_is_recorded_all_together_or_kept_to_record_again(
    sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace(sessions, "fake", "W1")
    for n in range(4):
        put(sessions, ws, "fake", "channel", f"C{n}", f"m{n}")
    platform = Recorder()
    sender = OutboxSender(
        sessions=sessions,
        senders=[platform],
        clock=ManualClock(START),
        holder="test",
        mark_batch=10,
    )
    real = outbox.mark_sent
    calls = iter(range(1, 100))

    def drops_on_the_third(**kwargs: object) -> bool:
        if next(calls) == 3:
            raise ConnectionError("the database went away in the middle of the batch")
        return real(**kwargs)  # type: ignore[arg-type]  # the real call's own arguments

    monkeypatch.setattr(outbox, "mark_sent", drops_on_the_third)
    with pytest.raises(ConnectionError):
        sender.run_once()
    assert platform.posted == ["m0", "m1", "m2", "m3"]
    # None of the batch is recorded: the transaction is one.
    assert {state for state, _ in states(sessions).values()} == {"sending"}

    sender.run_once()  # the database is back: the kept batch is recorded, nothing resent
    assert platform.posted == ["m0", "m1", "m2", "m3"]
    assert set(states(sessions).values()) == {("sent", None)}


def test_stopping_with_sends_in_flight_records_what_went_and_gives_back_the_rest(
    sessions: SessionFactory,
) -> None:
    ws = workspace(sessions, "fake", "W1")
    for who in ("C1", "C2", "C3"):
        for n in range(3):
            put(sessions, ws, "fake", "channel", who, f"{who}:{n}")
    entered = threading.Semaphore(0)
    proceed = threading.Event()
    posted: list[str] = []

    class Held(Recorder):
        def send(self, item: Outgoing) -> str:
            entered.release()
            proceed.wait(5)
            posted.append(item.key)
            return f"ref-{item.key}"

    sender = OutboxSender(
        sessions=sessions,
        senders=[Held()],
        clock=ManualClock(START),
        holder="test",
        workers=3,
        mark_batch=10,
        poll_seconds=0.05,
    )
    sender.start()
    sender.wake()
    for _ in range(3):
        assert entered.acquire(timeout=5)  # one send in flight per channel
    stopper = threading.Thread(target=sender.stop, kwargs={"timeout": 5})
    stopper.start()
    proceed.set()
    stopper.join(10)
    assert not stopper.is_alive()
    rows = states(sessions)
    assert sorted(posted) == ["C1:0", "C2:0", "C3:0"]
    assert {rows[key] for key in posted} == {("sent", None)}
    assert {rows[key] for key in rows if key not in posted} == {("pending", None)}


def test_a_stop_during_a_wait_for_the_rate_gives_the_row_back_unsent(
    sessions: SessionFactory,
) -> None:
    ws = workspace(sessions, "fake", "W1")
    put(sessions, ws, "fake", "channel", "C1", "first")
    put(sessions, ws, "fake", "channel", "C1", "second")  # one a second: waits for "first"
    sent = threading.Event()

    class OnePerSecond(Recorder):
        def buckets(self, item: Outgoing) -> Sequence[Bucket]:
            return [Bucket("fake:C1", 1.0)]

        def send(self, item: Outgoing) -> str:
            ref = super().send(item)
            sent.set()
            return ref

    platform = OnePerSecond()
    sender = OutboxSender(
        sessions=sessions, senders=[platform], holder="test", workers=2, mark_batch=10
    )
    sender.start()
    sender.wake()
    assert sent.wait(5)
    sender.stop(timeout=5)
    assert platform.posted == ["first"]
    assert states(sessions) == {"first": ("sent", None), "second": ("pending", None)}
