"""Reads over many weeks at once: check-ins of a span, help closed in a span."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from storage.models import Checkin, HelpRequest, HelpStatus
from storage.repos.okrs import slices


class CheckinPoint(NamedTuple):
    """A check-in as a chart plots it: where the KR stood after its week."""

    kr_id: int
    week: str
    value: float
    previous_value: float
    confidence: int | None


def checkin_points_between(
    *, session: Session, workspace_id: int, kr_ids: Iterable[int], first_week: str, last_week: str
) -> list[CheckinPoint]:
    """The check-ins of these KRs in [first_week, last_week], as chart points, in week order.

    Bounded by the span (a cycle), not by how much history came before it; the
    notes are not read (a tick charts every team's cycle: tens of thousands of rows).
    """
    found: list[CheckinPoint] = []
    for ids in slices(kr_ids):
        rows = session.execute(
            select_columns(
                col(Checkin.kr_id),
                col(Checkin.week),
                col(Checkin.value),
                col(Checkin.previous_value),
                col(Checkin.confidence),
            ).where(
                col(Checkin.workspace_id) == workspace_id,
                col(Checkin.kr_id).in_(ids),
                col(Checkin.week) >= first_week,
                col(Checkin.week) <= last_week,
            )
        )
        found.extend(CheckinPoint(*row) for row in rows)
    return sorted(found, key=lambda c: (c.week, c.kr_id))


def help_done_between(
    *, session: Session, workspace_id: int, start: datetime, end: datetime
) -> list[HelpRequest]:
    """Help requests closed as done in [start, end)."""
    return list(
        session.exec(
            select(HelpRequest).where(
                HelpRequest.workspace_id == workspace_id,
                HelpRequest.status == HelpStatus.DONE.value,
                col(HelpRequest.resolved_at) >= start,
                col(HelpRequest.resolved_at) < end,
            )
        ).all()
    )
