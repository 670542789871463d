"""Concurrent first contact: many requests at once for a workspace nobody has seen yet."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from handlers.app import OkrApp
from handlers.clock import ManualClock
from handlers.events import Actor, Command
from handlers.views import Outcome
from storage.db import SessionFactory, make_engine
from storage.models import Cycle, Member, Objective, Workspace
from tests.conftest import WEDNESDAY, text_of

THREADS = 8


def _all_at_once(count: int, work: Callable[[int], Outcome]) -> list[Outcome]:
    """Run `work(i)` on `count` threads released together by a barrier."""
    barrier = threading.Barrier(count, timeout=30)

    def run(i: int) -> Outcome:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count), timeout=60))


def test_simultaneous_first_contacts_create_each_row_once_and_all_succeed(
    database_url: str,
) -> None:
    # Each thread its own engine and app, as two bot processes would have.
    engines = [make_engine(database_url) for _ in range(THREADS)]
    try:
        apps = [
            OkrApp(sessions=SessionFactory(engine), clock=ManualClock(WEDNESDAY))
            for engine in engines
        ]

        def first_objective(i: int) -> Outcome:
            # Two threads per person: the member row races as well as the workspace.
            actor = Actor(
                platform="slack", workspace_id="T0RACE", user_id=f"U{i // 2}", display_name="Sam"
            )
            text = f"new Objective {i} | Things done: 0 -> 10 things"
            return apps[i].handle(Command(actor=actor, text=text))

        outcomes = _all_at_once(THREADS, first_objective)

        for outcome in outcomes:
            assert "went wrong" not in text_of(outcome), text_of(outcome)
        sessions = SessionFactory(engines[0])
        with sessions.begin() as session:
            workspaces = session.exec(select(Workspace)).all()
            assert [(w.platform, w.external_id) for w in workspaces] == [("slack", "T0RACE")]
            members = session.exec(select(Member).order_by(col(Member.external_id))).all()
            assert [m.external_id for m in members] == [f"U{n}" for n in range(THREADS // 2)]
            # Same display name for everyone: each still got a handle of their own.
            assert len({m.handle for m in members}) == len(members)
            assert session.exec(select(func.count()).select_from(Cycle)).one() == 1
            numbers = sorted(session.exec(select(Objective.number)).all())
            assert numbers == list(range(1, THREADS + 1))
    finally:
        for engine in engines:
            engine.dispose()


@pytest.mark.sqlite_only("journal modes are SQLite's")
def test_a_sqlite_file_is_used_in_write_ahead_mode(sessions: SessionFactory) -> None:
    with sessions.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
