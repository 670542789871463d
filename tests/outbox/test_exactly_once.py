"""Each message arrives once on Slack, whatever fails: the outbox against the fake Slack.

Slack has no idempotency key. These tests make the outcome of a send unknown
(an answer lost after the post, a sender that dies holding its claim, a chart
upload that fails after the text went out) and check that the message is in
its conversation exactly once, that its charts are there once each, that an
update edits the message it replaces, and that nothing is given up as dead
once it arrived. The real SlackSender and SDK client talk to the fake over HTTP.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.outbox import OutboxSender
from bot.slack.app import make_client
from bot.slack.sender import METADATA_EVENT, SlackSender
from handlers.clock import ManualClock
from handlers.views import Image, Message, Text, to_json
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.repos import outbox, workspaces
from storage.repos.outbox import NewMessage
from tests.fakes.limited import LimitedSlack
from tests.fakes.slack_api import TEAM, FakeSlack
from tests.slack.conftest import slack_settings

START = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # a Friday's digests
CHART = b"\x89PNG fake chart"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def slack(clock: ManualClock) -> Iterator[FakeSlack]:
    # Slack's clock is the bot's: message timestamps and the doubt's instant agree.
    fake = FakeSlack(now=lambda: clock.now().timestamp()).start()
    yield fake
    fake.stop()


@pytest.fixture
def ws(sessions: SessionFactory) -> int:
    with sessions.begin() as session:
        found = workspaces.get_or_create_workspace(
            session=session, platform="slack", external_id=TEAM
        )
        assert found.id is not None
        return found.id


def digest(key: str, charts: int = 0) -> str:
    blocks: list[object] = [Text(f"The week of {key}")]
    blocks += [Image(f"chart{n}.png", f"Chart {n}", CHART + bytes([n])) for n in range(charts)]
    return json.dumps(to_json(Message(summary=key, blocks=tuple(blocks))))  # type: ignore[arg-type]


def put(
    sessions: SessionFactory,
    ws: int,
    to: str,
    key: str,
    *,
    charts: int = 0,
    replaces: str | None = None,
    now: datetime = START,
) -> None:
    kind = "user" if to.startswith("U") else "channel"
    with sessions.begin() as session:
        outbox.enqueue(
            session=session,
            workspace_id=ws,
            platform="slack",
            messages=[NewMessage(kind, to, digest(key, charts), key=key, replaces=replaces)],
            now=now,
        )


def sender_for(
    sessions: SessionFactory, clock: ManualClock, slack: FakeSlack, **options: object
) -> OutboxSender:
    def sleep(seconds: float) -> None:
        clock.set(clock.now() + timedelta(seconds=seconds))

    return OutboxSender(
        sessions=sessions,
        senders=[SlackSender(make_client(slack_settings(slack)))],
        clock=clock,
        sleep=sleep,
        holder=str(options.pop("holder", "replica-a")),
        jitter=lambda: 0.5,
        **options,  # type: ignore[arg-type]  # only known options
    )


def rows(sessions: SessionFactory) -> dict[str, OutboxMessage]:
    with sessions.begin() as session:
        return {r.key: r for r in session.exec(select(OutboxMessage))}


def send_all(sender: OutboxSender, clock: ManualClock, *, rounds: int = 400) -> None:
    """Passes until every row is sent or dead, moving the clock to the next retry."""
    for _ in range(rounds):
        sender.run_once()
        with sender.sessions.begin() as session:
            counts = outbox.counts(session=session)
        if counts["pending"] == counts["sending"] == 0:
            return
        clock.set(clock.now() + timedelta(seconds=5))
    raise AssertionError(f"still unsent after {rounds} rounds: {counts}")


def test_every_post_names_its_outbox_key_in_its_metadata(
    sessions: SessionFactory, clock: ManualClock, slack: FakeSlack, ws: int
) -> None:
    put(sessions, ws, "C0GROWTH1", "digest:team1:2026-W49")
    sender_for(sessions, clock, slack).drain()
    (posted,) = slack.messages("C0GROWTH1")
    assert posted.metadata == {
        "event_type": METADATA_EVENT,
        "event_payload": {"key": "digest:team1:2026-W49"},
    }
    assert rows(sessions)["digest:team1:2026-W49"].platform_ref == f"C0GROWTH1:{posted.ts}"


@pytest.mark.parametrize("to", ["C0GROWTH1", "U0BOB0001"])
def test_a_post_whose_answer_was_lost_is_found_in_the_history_not_posted_again(
    sessions: SessionFactory, clock: ManualClock, slack: FakeSlack, ws: int, to: str
) -> None:
    put(sessions, ws, to, "plan:1")
    slack.fail_after("chat.postMessage", status=503)  # posted, but Slack answered 503
    sender = sender_for(sessions, clock, slack)
    sender.run_once()
    row = rows(sessions)["plan:1"]
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.doubt_since is not None
    send_all(sender, clock)

    conversation = "D" + to[1:] if to.startswith("U") else to
    (posted,) = slack.messages(conversation)
    row = rows(sessions)["plan:1"]
    assert (row.state, row.platform_ref) == ("sent", f"{conversation}:{posted.ts}")
    assert row.doubt_since is None
    assert len(slack.of("chat.postMessage")) == 1
    (lookup,) = slack.of("conversations.history")
    assert lookup.args["include_all_metadata"] in ("1", "true", True)
    assert float(lookup.args["oldest"]) <= float(posted.ts)


def test_a_plain_5xx_that_did_not_post_is_posted_after_the_lookup_finds_nothing(
    sessions: SessionFactory, clock: ManualClock, slack: FakeSlack, ws: int
) -> None:
    put(sessions, ws, "C0GROWTH1", "plan:1")
    slack.fail_next("chat.postMessage", status=503, retry_after=None)
    send_all(sender_for(sessions, clock, slack), clock)
    assert len(slack.messages("C0GROWTH1")) == 1
    assert len(slack.of("conversations.history")) == 1
    assert len(slack.of("chat.postMessage")) == 2


def test_a_429_is_no_doubt_and_needs_no_lookup(
    sessions: SessionFactory, clock: ManualClock, slack: FakeSlack, ws: int
) -> None:
    put(sessions, ws, "C0GROWTH1", "plan:1")
    slack.fail_next("chat.postMessage", status=429, retry_after=1, times=2)  # the SDK retries once
    send_all(sender_for(sessions, clock, slack), clock)
    assert len(slack.messages("C0GROWTH1")) == 1
    assert slack.of("conversations.history") == []
    assert rows(sessions)["plan:1"].attempts == 1  # the rate limit used up no attempt


def test_a_sender_that_died_after_posting_is_reconciled_and_updates_hit_that_message(
    sessions: SessionFactory, clock: ManualClock, slack: FakeSlack, ws: int
) -> None:
    put(sessions, ws, "C0GROWTH1", "digest:team1:2026-W49")
    # Replica A posts and dies before it records the send (its batch never written).
    dying = sender_for(sessions, clock, slack, holder="replica-a", mark_batch=100, mark_every=1e9)
    dying.marks.flush = lambda: None  # type: ignore[method-assign]  # killed: nothing recorded
    dying.run_once()
    assert len(slack.messages("C0GROWTH1")) == 1
    assert rows(sessions)["digest:team1:2026-W49"].state == "sending"

    # Its claim runs out; replica B takes the row over, in doubt, and finds the post.
    clock.set(clock.now() + timedelta(minutes=2))
    put(
        sessions,
        ws,
        "C0GROWTH1",
        "digest:team1:2026-W49:edit",
        replaces="digest:team1:2026-W49",
        now=clock.now(),
    )
    survivor = sender_for(sessions, clock, slack, holder="replica-b")
    send_all(survivor, clock)

    (posted,) = slack.messages("C0GROWTH1")
    found = rows(sessions)
    assert found["digest:team1:2026-W49"].platform_ref == f"C0GROWTH1:{posted.ts}"
    assert found["digest:team1:2026-W49:edit"].state == "sent"
    (edit,) = slack.of("chat.update")
    assert (edit.args["channel"], edit.args["ts"]) == ("C0GROWTH1", posted.ts)
    assert posted.edits == 1
    assert len(slack.of("chat.postMessage")) == 1


def test_a_row_whose_claim_expired_is_in_doubt_from_when_that_claim_began(
    sessions: SessionFactory, clock: ManualClock, ws: int
) -> None:
    put(sessions, ws, "C0GROWTH1", "plan:1")
    with sessions.begin() as session:
        (claimed,) = outbox.claim_due(
            session=session, now=START, holder="a", limit=5, claim_for=timedelta(seconds=60)
        )
        assert claimed.doubt_since is None  # a first claim: nothing sent before it
    later = START + timedelta(seconds=61)
    with sessions.begin() as session:
        (taken,) = outbox.claim_due(
            session=session, now=later, holder="b", limit=5, claim_for=timedelta(seconds=60)
        )
        assert (taken.doubt_since, taken.claimed_at, taken.claimed_by) == (START, later, "b")


def test_a_digest_whose_chart_upload_failed_resumes_at_the_chart_and_never_posts_twice(
    sessions: SessionFactory, clock: ManualClock, slack: FakeSlack, ws: int
) -> None:
    put(sessions, ws, "C0GROWTH1", "digest:team1:2026-W49", charts=3)
    slack.fail_next("files.completeUploadExternal", status=503, retry_after=None)  # 1st chart
    slack.fail_next("upload", status=500, retry_after=None)  # and then the 2nd chart's bytes
    sender = sender_for(sessions, clock, slack)
    sender.run_once()
    row = rows(sessions)["digest:team1:2026-W49"]
    assert row.state == "pending" and row.platform_ref is not None  # the post is recorded
    assert row.doubt_since is None  # its post is known: no lookup needed
    send_all(sender, clock)

    assert len(slack.messages("C0GROWTH1")) == 1
    shared = slack.shared_files("C0GROWTH1")
    assert sorted(f["filename"] for f in shared) == ["chart0.png", "chart1.png", "chart2.png"]
    assert rows(sessions)["digest:team1:2026-W49"].state == "sent"
    assert slack.of("conversations.history") == []


def test_a_chart_that_never_uploads_leaves_the_arrived_digest_sent_not_dead(
    sessions: SessionFactory, clock: ManualClock, slack: FakeSlack, ws: int
) -> None:
    put(sessions, ws, "C0GROWTH1", "digest:team1:2026-W49", charts=2)
    slack.fail_next("files.getUploadURLExternal", status=503, retry_after=None, times=99)
    send_all(sender_for(sessions, clock, slack, max_attempts=3), clock)
    row = rows(sessions)["digest:team1:2026-W49"]
    assert row.state == "sent"  # requeued as dead, it would be posted again
    assert row.last_error is not None and "pictures" in row.last_error
    assert len(slack.messages("C0GROWTH1")) == 1
    with sessions.begin() as session:
        assert outbox.requeue_dead(session=session, now=clock.now()) == 0


def test_a_chart_refused_for_good_after_its_digest_arrived_leaves_the_digest_sent(
    sessions: SessionFactory, clock: ManualClock, slack: FakeSlack, ws: int
) -> None:
    put(sessions, ws, "C0GROWTH1", "digest:team1:2026-W49", charts=1)
    # Slack's answer when the app may not upload files: another try will not fix it.
    slack.fail_next(
        "files.getUploadURLExternal", status=200, retry_after=None, error="missing_scope"
    )
    send_all(sender_for(sessions, clock, slack), clock)
    row = rows(sessions)["digest:team1:2026-W49"]
    assert row.state == "sent"  # dead, `okrbot outbox retry` would post it again
    assert row.last_error is not None and "missing_scope" in row.last_error
    assert len(slack.messages("C0GROWTH1")) == 1
    assert len(slack.of("files.getUploadURLExternal")) == 1


def test_a_message_refused_before_it_arrived_is_still_dead(
    sessions: SessionFactory, clock: ManualClock, slack: FakeSlack, ws: int
) -> None:
    put(sessions, ws, "C0GROWTH1", "digest:team1:2026-W49", charts=1)
    slack.fail_next("chat.postMessage", status=503, retry_after=None, times=99)
    send_all(sender_for(sessions, clock, slack, max_attempts=3), clock)
    row = rows(sessions)["digest:team1:2026-W49"]
    assert (row.state, row.attempts) == ("dead", 3)
    assert slack.messages("C0GROWTH1") == []


def test_a_flaky_rate_limited_slack_gets_every_message_and_chart_exactly_once(
    sessions: SessionFactory, ws: int
) -> None:
    # 20 % of every call fails (uploads and lookups included): 5xx, half of them after
    # Slack acted, and 429s; the post rate is Slack's one a second per channel.
    fake = LimitedSlack(
        latency=(0.0, 0.002), fail_429=0.08, fail_5xx=0.12, lost_5xx=0.5, seed=7, speed=50.0
    ).start()
    try:
        clock = ManualClock(START)
        fake.now = lambda: clock.now().timestamp()
        expected: dict[str, int] = {}
        for team in range(12):
            key = f"digest:team{team}:2026-W49"
            put(sessions, ws, f"C{team:04d}", key, charts=2)
            expected[key] = 2
        for person in range(24):
            key = f"checkin:U{person:04d}:2026-W49"
            put(sessions, ws, f"U{person:04d}", key)
            expected[key] = 0
        sender = sender_for(
            sessions, clock, fake, workers=4, mark_batch=5, base_delay=0.5, max_attempts=40
        )
        send_all(sender, clock, rounds=600)
    finally:
        fake.stop()

    assert fake.volume.injected_5xx > 5 and fake.volume.injected_429 > 2
    assert fake.posted_keys() == Counter(dict.fromkeys(expected, 1))
    for team in range(12):
        charts = [f["filename"] for f in fake.shared_files(f"C{team:04d}")]
        assert sorted(charts) == ["chart0.png", "chart1.png"], (team, charts)
    assert {r.state for r in rows(sessions).values()} == {"sent"}
