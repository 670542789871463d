"""What the app writes to the outbox: with the change that caused it, and once per moment."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.console.demo import DemoWorkspace
from handlers import dispatch
from handlers.app import TickReport, TriggerError
from handlers.deliveries import enqueue
from handlers.moments import planner, ticker
from handlers.views import Delivery, Message, Outcome, from_json
from storage.db import SessionFactory
from storage.models import OutboxMessage
from storage.repos import schedule
from tests.conftest import Harness

# Friday of 2026-W48 in Shanghai: check-in prompts at 15:00, digests at 17:00 (09:00 UTC).
CHECKIN_AT = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
DIGEST_AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CATCH_UP = timedelta(hours=2)


def rows(sessions: SessionFactory) -> list[OutboxMessage]:
    with sessions.begin() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def keys(sessions: SessionFactory, prefix: str = "") -> list[str]:
    return [r.key for r in rows(sessions) if r.key.startswith(prefix)]


def ask_bob(harness: Harness, demo: DemoWorkspace) -> Outcome:
    kr = demo.key_results["followers"]
    return harness.say("alice", f'ask @bob {kr} "Can you review the page?"')


def test_a_handled_events_deliveries_are_in_the_outbox_when_handle_returns(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = ask_bob(harness, demo)
    (dm,) = outcome.deliveries
    assert (dm.platform, dm.workspace) == ("console", demo.external_id)
    (row,) = rows(harness.sessions)
    assert (row.recipient_kind, row.recipient_id, row.state) == ("user", "bob", "pending")
    assert row.workspace_id == demo.workspace_id and row.key == dm.key
    assert from_json(json.loads(row.view)) == dm.message


def test_a_failed_transaction_leaves_nothing_to_send(
    harness: Harness, demo: DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails_after_routing(*args: Any, **kwargs: Any) -> list[Delivery]:
        """The use case ran and its deliveries were queued; the process dies before commit."""
        enqueue(*args, **kwargs)
        raise RuntimeError("the process died before commit")

    monkeypatch.setattr(dispatch, "enqueue", fails_after_routing)
    outcome = ask_bob(harness, demo)
    assert outcome.deliveries == []
    assert "Sorry, something went wrong" in outcome.replies[0].summary  # type: ignore[union-attr]  # a Message
    assert rows(harness.sessions) == []


def test_a_refused_command_queues_nothing(harness: Harness, demo: DemoWorkspace) -> None:
    outcome = harness.say("alice", 'ask @nobody KR999 "help"')
    assert outcome.deliveries == [] and rows(harness.sessions) == []


def test_the_first_tick_only_sets_the_watermark(harness: Harness, demo: DemoWorkspace) -> None:
    report = tick(harness, until=DIGEST_AT + timedelta(minutes=1), catch_up=CATCH_UP)
    assert report.first and report.written == 0
    assert rows(harness.sessions) == []
    with harness.sessions.begin() as session:
        assert schedule.read_watermark(session=session) == DIGEST_AT + timedelta(minutes=1)


def tick(harness: Harness, *, until: datetime, catch_up: timedelta | None) -> TickReport:
    """The scheduler's tick, over every workspace: the demo's (a terminal one) included."""
    return harness.app.tick(until=until, catch_up=catch_up, own_clocks=())


def start_at(harness: Harness, when: datetime) -> None:
    harness.clock.set(when)
    tick(harness, until=when, catch_up=CATCH_UP)


def test_a_window_is_written_once_however_often_it_is_ticked(
    harness: Harness, demo: DemoWorkspace
) -> None:
    start_at(harness, DIGEST_AT - timedelta(minutes=30))
    first = tick(harness, until=DIGEST_AT, catch_up=CATCH_UP)
    digests = keys(harness.sessions, "digest:")
    assert len(digests) == 3 and first.written == 3  # one per demo team
    again = tick(harness, until=DIGEST_AT, catch_up=CATCH_UP)
    assert again.due == 0 and again.written == 0
    # Even with the watermark wound back (a lost commit elsewhere), the keys hold.
    with harness.sessions.begin() as session:
        state = schedule.get_state(session=session, name=schedule.RHYTHM)
        assert state is not None
        state.watermark = DIGEST_AT - timedelta(minutes=30)
        session.add(state)
    replay = tick(harness, until=DIGEST_AT, catch_up=CATCH_UP)
    assert replay.due == 3 and replay.written == 0
    assert keys(harness.sessions, "digest:") == digests


def test_an_hour_long_outage_sends_its_moments_once_on_restart(
    harness: Harness, demo: DemoWorkspace
) -> None:
    start_at(harness, DIGEST_AT - timedelta(minutes=10))
    back = DIGEST_AT + timedelta(hours=1)
    report = tick(harness, until=back, catch_up=CATCH_UP)
    assert report.skipped == [] and report.written == 3
    assert len(keys(harness.sessions, "digest:")) == 3
    assert tick(harness, until=back + timedelta(seconds=30), catch_up=CATCH_UP).written == 0


def test_a_five_hour_outage_skips_its_moments_naming_each(
    harness: Harness, demo: DemoWorkspace, caplog: pytest.LogCaptureFixture
) -> None:
    start_at(harness, CHECKIN_AT - timedelta(minutes=10))
    back = CHECKIN_AT + timedelta(hours=5)
    with caplog.at_level(logging.WARNING, logger="handlers.moments.ticker"):
        report = tick(harness, until=back, catch_up=CATCH_UP)
    assert report.written == 0 and rows(harness.sessions) == []
    skipped = {(team, moment) for team, moment, _ in report.skipped}
    assert skipped == {
        (t, m) for t in ("Sales", "R&D", "Marketing") for m in ("checkin", "remind", "digest")
    }
    lines = [r.getMessage() for r in caplog.records]
    assert any(
        "skipped the digest of team Marketing due at 2026-11-27T09:00:00+00:00" in line
        for line in lines
    ), lines


def test_trigger_writes_a_moment_now_and_only_once_unless_forced(
    harness: Harness, demo: DemoWorkspace
) -> None:
    first = harness.app.trigger(moment="digest", team="marketing", week="2026-W48")
    assert (first.team, first.written, first.existing, first.at) == ("Marketing", 1, 0, DIGEST_AT)
    assert harness.app.trigger(moment="digest", team="Marketing", week="2026-W48").written == 0
    forced = harness.app.trigger(moment="digest", team="Marketing", week="2026-W48", force=True)
    assert forced.written == 1
    (original, again) = keys(harness.sessions, "digest:")
    assert again.startswith(original + ":again-")
    # The scheduler reaching the same moment later writes nothing new.
    start_at(harness, DIGEST_AT - timedelta(minutes=1))
    tick(harness, until=DIGEST_AT, catch_up=CATCH_UP)
    marketing = [r for r in rows(harness.sessions) if r.recipient_id == "marketing"]
    assert [r.key for r in marketing] == [original, again]
    message = from_json(json.loads(marketing[0].view))
    assert isinstance(message, Message) and "Marketing" in message.summary


@pytest.mark.parametrize(
    ("moment", "team", "week", "says"),
    [
        (
            "digest",
            "Nope",
            None,
            "there is no team named 'Nope'; the teams are: Marketing, R&D, Sales",
        ),
        ("brunch", "Sales", None, "there is no moment 'brunch'"),
        ("digest", "Sales", "2026-49", "'2026-49' is not a week; write it like 2026-W49"),
    ],
)
def test_trigger_explains_what_it_cannot_find(
    harness: Harness, demo: DemoWorkspace, moment: str, team: str, week: str | None, says: str
) -> None:
    with pytest.raises(TriggerError) as raised:
        harness.app.trigger(moment=moment, team=team, week=week)
    assert says in str(raised.value)


def test_the_schedulers_tick_leaves_the_terminals_workspaces_to_their_own_clock(
    harness: Harness, demo: DemoWorkspace
) -> None:
    harness.app.tick(until=DIGEST_AT - timedelta(minutes=5), catch_up=CATCH_UP)
    report = harness.app.tick(until=DIGEST_AT, catch_up=CATCH_UP)
    assert (report.due, report.written) == (0, 0)
    assert rows(harness.sessions) == []


@pytest.mark.parametrize("chunk", [1, 2, 4])
def test_a_window_larger_than_a_chunk_is_written_whole(
    harness: Harness, demo: DemoWorkspace, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # The rows go in short transactions of ENQUEUE_CHUNK; made small, the Friday
    # afternoon's prompts and digests span several chunks and none may be lost.
    monkeypatch.setattr(ticker, "ENQUEUE_CHUNK", chunk)
    since = CHECKIN_AT - timedelta(minutes=30)
    start_at(harness, since)
    with harness.sessions.read() as session:
        expected = [
            d.key for d in planner.due_deliveries(session=session, since=since, until=DIGEST_AT)
        ]
    assert len(expected) > 2 * chunk and len(expected) % 4 != 0  # chunks, and a partial last one
    report = tick(harness, until=DIGEST_AT, catch_up=CATCH_UP)
    assert report.written == len(expected)
    assert sorted(keys(harness.sessions)) == sorted(k for k in expected if k)


def test_a_slower_tick_never_moves_the_watermark_back(
    harness: Harness, demo: DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two ticks from the same watermark: the slow one (to 16:30) finishes after the
    # fast one (to 17:00) has moved the watermark; it must stay at 17:00.
    start_at(harness, CHECKIN_AT - timedelta(minutes=30))
    building, release = threading.Event(), threading.Event()
    due = planner.due_moments

    def held(**kwargs: Any) -> Any:
        found = due(**kwargs)
        if threading.current_thread().name == "slow-tick":
            building.set()
            release.wait(20)
        return found

    monkeypatch.setattr(planner, "due_moments", held)
    slow = threading.Thread(
        name="slow-tick",
        target=tick,
        args=(harness,),
        kwargs={"until": DIGEST_AT - timedelta(minutes=30), "catch_up": CATCH_UP},
    )
    slow.start()
    try:
        assert building.wait(10), "the slow tick never reached its build"
        tick(harness, until=DIGEST_AT, catch_up=CATCH_UP)
        with harness.sessions.read() as session:
            assert schedule.read_watermark(session=session) == DIGEST_AT
    finally:
        release.set()
        slow.join(30)
    assert not slow.is_alive()
    with harness.sessions.read() as session:
        assert schedule.read_watermark(session=session) == DIGEST_AT
    assert len(keys(harness.sessions, "digest:")) == 3
