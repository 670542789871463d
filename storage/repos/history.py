"""Reads over many weeks at once: check-ins of a span, help closed in a span."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from storage.models import Checkin, HelpRequest, HelpStatus, Kudos, PlanTask
from storage.repos._util import id_in
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
    for ids in slices(kr_ids, session=session):
        rows = session.execute(
            select_columns(
                col(Checkin.kr_id),
                col(Checkin.week),
                col(Checkin.value),
                col(Checkin.previous_value),
                col(Checkin.confidence),
            ).where(
                col(Checkin.workspace_id) == workspace_id,
                id_in(session, col(Checkin.kr_id), ids),
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


def checkins_of(*, session: Session, workspace_id: int, kr_ids: Iterable[int]) -> list[Checkin]:
    """Every check-in of these key results, by key result and week (an export's history)."""
    found: list[Checkin] = []
    for ids in slices(kr_ids, session=session):
        found.extend(
            session.exec(
                select(Checkin).where(
                    Checkin.workspace_id == workspace_id, id_in(session, col(Checkin.kr_id), ids)
                )
            ).all()
        )
    return sorted(found, key=lambda c: (c.kr_id, c.week))


def tasks_between(
    *,
    session: Session,
    workspace_id: int,
    first_week: str,
    last_week: str,
    owner_member_ids: Iterable[int] | None = None,
) -> list[PlanTask]:
    """Plan tasks of the weeks [first_week, last_week], of these owners or everyone's."""
    query = select(PlanTask).where(
        PlanTask.workspace_id == workspace_id,
        col(PlanTask.week) >= first_week,
        col(PlanTask.week) <= last_week,
    )
    if owner_member_ids is None:
        return sorted(session.exec(query).all(), key=lambda t: t.number)
    found: list[PlanTask] = []
    for ids in slices(owner_member_ids, session=session):
        found.extend(
            session.exec(query.where(id_in(session, col(PlanTask.owner_member_id), ids))).all()
        )
    return sorted(found, key=lambda t: t.number)


def kudos_between(
    *,
    session: Session,
    workspace_id: int,
    first_week: str,
    last_week: str,
    member_ids: Iterable[int] | None = None,
) -> list[Kudos]:
    """Kudos of the weeks [first_week, last_week], given or received by these members."""
    query = select(Kudos).where(
        Kudos.workspace_id == workspace_id,
        col(Kudos.week) >= first_week,
        col(Kudos.week) <= last_week,
    )
    if member_ids is None:
        return sorted(session.exec(query).all(), key=lambda k: k.id or 0)
    found: dict[int, Kudos] = {}
    for ids in slices(member_ids, session=session):
        rows = session.exec(
            query.where(
                or_(
                    id_in(session, col(Kudos.to_member_id), ids),
                    id_in(session, col(Kudos.from_member_id), ids),
                )
            )
        ).all()
        found.update((row.id or 0, row) for row in rows)
    return [found[k] for k in sorted(found)]


def checkins_saved_at(
    *, session: Session, workspace_id: int, member_id: int, at: datetime
) -> list[Checkin]:
    """The check-ins a member recorded or edited at this instant (one command's)."""
    return list(
        session.exec(
            select(Checkin).where(
                Checkin.workspace_id == workspace_id,
                Checkin.member_id == member_id,
                Checkin.updated_at == at,
            )
        ).all()
    )
