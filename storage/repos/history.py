"""Reads over many weeks at once: check-ins of a span, help closed in a span."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Checkin, HelpRequest, HelpStatus


def checkins_through(
    *, session: Session, workspace_id: int, kr_ids: Iterable[int], last_week: str
) -> list[Checkin]:
    """Every check-in of these KRs up to and including `last_week`, in week order."""
    ids = list(kr_ids)
    if not ids:
        return []
    return list(
        session.exec(
            select(Checkin)
            .where(
                Checkin.workspace_id == workspace_id,
                col(Checkin.kr_id).in_(ids),
                col(Checkin.week) <= last_week,
            )
            .order_by(col(Checkin.week), col(Checkin.kr_id))
        ).all()
    )


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
