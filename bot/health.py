"""`GET /healthz`: whether this bot can do its work, for a load balancer or a person.

200 when the database answers and its schema is the one this code needs;
503 otherwise, so a balancer stops sending events to a replica that would
only answer "try again". The body says why, and what the scheduler and the
outbox are doing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.http import HttpRequest, HttpResponse, Route
from bot.server import json_response
from handlers.clock import Clock
from storage import migrate
from storage.db import SessionFactory
from storage.repos import lease, outbox, schedule


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def health(*, sessions: SessionFactory, clock: Clock, holder: str) -> tuple[int, dict[str, Any]]:
    """The status code and the report."""
    head = migrate.head_revision()
    try:
        with sessions.read() as session:
            session.execute(text("SELECT 1"))
            revision = migrate.current_revision(engine=sessions.engine)
            current = revision == head
            # The tables may not be there at all on a schema that is not current.
            state = lease.read_lease(session=session, name=schedule.RHYTHM) if current else None
            counts = outbox.counts(session=session) if current else {}
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        return 503, {
            "status": "unavailable",
            "database": {"reachable": False, "error": first},
        }
    database = {
        "reachable": True,
        "schema": "current" if current else "not current: run `okrbot db upgrade`",
        "revision": revision,
        "needs": head,
    }
    if not current:
        return 503, {"status": "unavailable", "database": database}
    scheduler: dict[str, Any] = {"this_process": holder}
    if state is not None:
        scheduler.update(
            holder=state.holder,
            held_here=state.holder == holder,
            lease_until=_iso(state.lease_until),
            last_tick=_iso(state.last_tick_at),
            watermark=_iso(state.watermark),
        )
    pending = counts.get("pending", 0) + counts.get("sending", 0)
    return 200, {
        "status": "ok",
        "now": clock.now().isoformat(),
        "database": database,
        "scheduler": scheduler,
        "outbox": {
            "pending": pending,
            "dead": counts.get("dead", 0),
            # Rows of workspaces that removed the app: not failures, kept until it is back.
            "parked": counts.get("parked", 0),
        },
    }


def health_route(*, sessions: SessionFactory, clock: Clock, holder: str) -> Route:
    def route(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"allow": "GET, HEAD"})
        status, report = health(sessions=sessions, clock=clock, holder=holder)
        return json_response(status, report)

    return route
