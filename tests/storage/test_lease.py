"""The scheduler's lease: one holder at a time, renewed by it, taken over when it runs out."""

from __future__ import annotations

from datetime import timedelta

from bot.scheduler import Scheduler
from handlers.app import OkrApp
from handlers.clock import ManualClock
from storage.db import SessionFactory
from storage.repos import lease, schedule
from tests.conftest import WEDNESDAY

LEASE = timedelta(seconds=60)


def take(sessions: SessionFactory, holder: str, after: timedelta = timedelta()) -> bool:
    with sessions.begin() as session:
        return lease.take_lease(
            session=session, name="rhythm", holder=holder, now=WEDNESDAY + after, lease=LEASE
        )


def test_one_holder_at_a_time_until_its_lease_runs_out(sessions: SessionFactory) -> None:
    assert take(sessions, "a")
    assert not take(sessions, "b")
    assert take(sessions, "a", timedelta(seconds=50))  # renewed: now runs to 110 s
    assert not take(sessions, "b", timedelta(seconds=100))
    assert take(sessions, "b", timedelta(seconds=111))  # a stopped renewing
    assert not take(sessions, "a", timedelta(seconds=112))


def test_a_released_lease_is_free_at_once_and_only_its_holder_can_release_it(
    sessions: SessionFactory,
) -> None:
    assert take(sessions, "a")
    with sessions.begin() as session:
        assert not lease.release_lease(session=session, name="rhythm", holder="b")
        assert lease.release_lease(session=session, name="rhythm", holder="a")
    assert take(sessions, "b", timedelta(seconds=1))
    with sessions.begin() as session:
        state = lease.read_lease(session=session, name="rhythm")
    assert state is not None and state.holder == "b"


def test_only_the_holder_ticks_and_the_watermark_follows_the_apps_clock(
    sessions: SessionFactory,
) -> None:
    app_clock, wall = ManualClock(WEDNESDAY), ManualClock(WEDNESDAY)
    app = OkrApp(sessions=sessions, clock=app_clock)
    woken: list[str] = []

    def scheduler(holder: str) -> Scheduler:
        return Scheduler(
            app=app,
            sessions=sessions,
            clock=app_clock,
            holder=holder,
            tick_seconds=30,
            lease_for=LEASE,
            catch_up=timedelta(hours=2),
            on_ticked=lambda: woken.append(holder),
            wall=wall,
        )

    first, second = scheduler("a"), scheduler("b")
    assert first.tick_once().held
    assert not second.tick_once().held
    assert woken == ["a"]

    app_clock.set(WEDNESDAY + timedelta(days=3))  # the app's time moves; the wall's does not
    assert first.tick_once().held
    with sessions.begin() as session:
        assert schedule.read_watermark(session=session) == WEDNESDAY + timedelta(days=3)

    wall.set(WEDNESDAY + LEASE * 2)  # "a" stopped ticking a while ago
    assert second.tick_once().held
    assert not first.tick_once().held
    assert woken == ["a", "a", "b"]
