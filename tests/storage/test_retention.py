"""An uninstalled workspace's data is kept for the retention period, then forgotten.

The scheduler's tick forgets what was uninstalled longer ago than
OKRBOT_RETENTION_DAYS, on the app's clock; a workspace re-installed within
the period keeps everything it had.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from bot.console.demo import seed_demo
from bot.scheduler import Scheduler
from handlers.app import OkrApp
from handlers.clock import ManualClock
from storage.db import SessionFactory
from storage.models import Member, Objective, Workspace
from storage.repos import installs
from tests.conftest import WEDNESDAY

RETENTION = timedelta(days=30)


def counts(sessions: SessionFactory, workspace_id: int) -> tuple[int, int, int]:
    with sessions.begin() as session:
        return (
            len(session.exec(select(Workspace).where(Workspace.id == workspace_id)).all()),
            session.exec(
                select(func.count()).select_from(Member).where(Member.workspace_id == workspace_id)
            ).one(),
            session.exec(
                select(func.count())
                .select_from(Objective)
                .where(Objective.workspace_id == workspace_id)
            ).one(),
        )


def test_workspaces_uninstalled_longer_than_the_retention_period_are_forgotten(
    sessions: SessionFactory,
) -> None:
    clock = ManualClock(WEDNESDAY)
    with sessions.begin() as session:
        stays = seed_demo(session=session, now=WEDNESDAY, platform="slack", external_id="T0STAYS01")
        leaves = seed_demo(
            session=session, now=WEDNESDAY, platform="slack", external_id="T0LEAVES1"
        )
        back = seed_demo(session=session, now=WEDNESDAY, platform="slack", external_id="T0BACK001")
    kept = counts(sessions, stays.workspace_id)
    assert kept[1] > 0 and kept[2] > 0
    with sessions.begin() as session:
        for team in ("T0LEAVES1", "T0BACK001"):
            installs.uninstall(session=session, platform="slack", external_id=team, at=WEDNESDAY)
    with sessions.begin() as session:
        # Back a week later: the platform's word that the app is installed again.
        installs.installed(
            session=session,
            platform="slack",
            external_id="T0BACK001",
            at=WEDNESDAY + timedelta(days=7),
            now=WEDNESDAY + timedelta(days=7),
        )
    scheduler = Scheduler(
        app=OkrApp(sessions=sessions, clock=clock),
        sessions=sessions,
        clock=clock,
        holder="a",
        tick_seconds=30,
        lease_for=timedelta(seconds=60),
        catch_up=timedelta(hours=2),
        wall=clock,
        retention=RETENTION,
    )

    clock.set(WEDNESDAY + RETENTION - timedelta(minutes=1))
    assert scheduler.tick_once().held
    assert counts(sessions, leaves.workspace_id) == counts(sessions, stays.workspace_id)

    clock.set(WEDNESDAY + RETENTION + timedelta(minutes=1))
    assert scheduler.tick_once().held
    assert counts(sessions, leaves.workspace_id) == (0, 0, 0)
    assert counts(sessions, stays.workspace_id) == kept
    assert counts(sessions, back.workspace_id) == kept
    assert scheduler.forget_expired() == 0  # nothing left to forget


def test_without_a_retention_period_nothing_is_forgotten(sessions: SessionFactory) -> None:
    clock = ManualClock(WEDNESDAY)
    with sessions.begin() as session:
        leaves = seed_demo(
            session=session, now=WEDNESDAY, platform="slack", external_id="T0LEAVES1"
        )
        installs.uninstall(session=session, platform="slack", external_id="T0LEAVES1", at=WEDNESDAY)
    before = counts(sessions, leaves.workspace_id)
    scheduler = Scheduler(
        app=OkrApp(sessions=sessions, clock=clock),
        sessions=sessions,
        clock=clock,
        holder="a",
        tick_seconds=30,
        lease_for=timedelta(seconds=60),
        catch_up=timedelta(hours=2),
        wall=clock,
    )
    clock.set(WEDNESDAY + timedelta(days=400))
    assert scheduler.tick_once().held
    assert counts(sessions, leaves.workspace_id) == before
