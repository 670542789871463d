"""`/healthz`'s verdict in-process: ready only on a reachable database at the current schema."""

from __future__ import annotations

from datetime import timedelta

from bot.health import health
from handlers.clock import ManualClock
from storage import migrate
from storage.db import SessionFactory, make_engine
from storage.repos import lease
from tests.conftest import WEDNESDAY


def test_ready_reports_the_lease_holder_and_the_outbox(sessions: SessionFactory) -> None:
    with sessions.begin() as session:
        lease.take_lease(
            session=session, name="rhythm", holder="h1", now=WEDNESDAY, lease=timedelta(seconds=60)
        )
    status, report = health(sessions=sessions, clock=ManualClock(WEDNESDAY), holder="h2")
    assert status == 200
    assert report["database"]["schema"] == "current"
    assert report["scheduler"]["holder"] == "h1"
    assert report["scheduler"]["held_here"] is False
    assert report["outbox"] == {"pending": 0, "dead": 0, "parked": 0}


def test_a_database_behind_is_not_ready_and_names_the_fix(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        migrate.upgrade(engine=engine, revision="0001")
        status, report = health(
            sessions=SessionFactory(engine), clock=ManualClock(WEDNESDAY), holder="h"
        )
    finally:
        engine.dispose()
    assert status == 503
    assert report["database"]["reachable"] is True
    assert "okrbot db upgrade" in report["database"]["schema"]
