"""The rhythm never holds a person's command: a tick builds its messages without a write lock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.console.demo import DemoWorkspace
from handlers.moments import planner
from handlers.moments.base import Moment, MomentJob
from handlers.views import Delivery, Outcome
from storage.models import OutboxMessage
from tests.conftest import Harness, words_of

FRIDAY_EVENING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai: the digests


def test_a_checkin_typed_while_the_friday_run_builds_is_answered_at_once(
    harness: Harness, demo: DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large company's Friday takes seconds to build. Hold a tick in the middle of
    # its build and type a check-in: it must be stored and answered meanwhile.
    building, release = threading.Event(), threading.Event()
    moments = planner.moment_kinds

    def held(_job: MomentJob) -> list[Delivery]:
        building.set()
        release.wait(20)
        return []

    monkeypatch.setattr(
        planner,
        "moment_kinds",
        lambda: (*moments(), Moment("held", lambda _team: [(5, "16:59")], held)),
    )
    harness.clock.set(FRIDAY_EVENING - timedelta(hours=1))
    harness.app.tick(until=harness.clock.now(), catch_up=None, own_clocks=())
    harness.clock.set(FRIDAY_EVENING)
    tick = threading.Thread(
        target=harness.app.tick,
        kwargs={"until": FRIDAY_EVENING, "catch_up": None, "own_clocks": ()},
    )
    tick.start()
    try:
        assert building.wait(10), "the tick never reached its build"
        answers: list[Outcome] = []
        typed = threading.Thread(
            target=lambda: answers.append(harness.say("alice", "checkin KR11 6400 confidence 8"))
        )
        typed.start()
        typed.join(5)
        assert answers, "the check-in waited for the Friday run"
        assert "6,400" in words_of(answers[0])
    finally:
        release.set()
        tick.join(30)
        typed.join(30)
    assert not tick.is_alive()
    with harness.sessions.begin() as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.workspace_id == demo.workspace_id)
            .order_by(col(OutboxMessage.id))
        ).all()
        written = [(row.key, row.replaces, row.view) for row in rows]
    digests = [key for key, _, _ in written if key.startswith("digest:") and ":update:" not in key]
    assert len(digests) == 3  # the tick still finished
    # The digest was built before Alice's check-in; the tick follows it up with an
    # update carrying it, written after the digest so that it is applied to it.
    updates = [(i, replaces, view) for i, (_, replaces, view) in enumerate(written) if replaces]
    (position, replaced, view) = next(u for u in updates if (u[1] or "").startswith("digest:"))
    assert position > [key for key, _, _ in written].index(replaced)
    stale = next(v for key, _, v in written if key == replaced)
    assert "Alice moved KR11" not in stale and "Alice moved KR11" in view  # 6,400: 64%


def test_a_checkin_typed_while_the_clock_moves_on_during_the_build_is_still_followed_up(
    harness: Harness, demo: DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The build takes a minute and a half of real time: the check-in comes 30 s in,
    # the tick ends 90 s in. Its follow-up still covers what was typed since it began.
    building, release = threading.Event(), threading.Event()
    moments = planner.moment_kinds

    def held(_job: MomentJob) -> list[Delivery]:
        building.set()
        release.wait(20)
        return []

    monkeypatch.setattr(
        planner,
        "moment_kinds",
        lambda: (*moments(), Moment("held", lambda _team: [(5, "16:59")], held)),
    )
    harness.clock.set(FRIDAY_EVENING - timedelta(hours=1))
    harness.app.tick(until=harness.clock.now(), catch_up=None, own_clocks=())
    harness.clock.set(FRIDAY_EVENING)
    tick = threading.Thread(
        target=harness.app.tick,
        kwargs={"until": FRIDAY_EVENING, "catch_up": None, "own_clocks": ()},
    )
    tick.start()
    try:
        assert building.wait(10), "the tick never reached its build"
        harness.clock.set(FRIDAY_EVENING + timedelta(seconds=30))
        assert "6,400" in words_of(harness.say("alice", "checkin KR11 6400 confidence 8"))
        harness.clock.set(FRIDAY_EVENING + timedelta(seconds=90))
    finally:
        release.set()
        tick.join(30)
    assert not tick.is_alive()
    with harness.sessions.read() as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.workspace_id == demo.workspace_id)
            .order_by(col(OutboxMessage.id))
        ).all()
        updates = [r.view for r in rows if (r.replaces or "").startswith("digest:")]
    assert any("Alice moved KR11" in view for view in updates)
