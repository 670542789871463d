"""Help requests and kudos."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from storage.models import HelpRequest, HelpStatus, Kudos
from storage.repos.okrs import allocate_number, slices


def create_help_request(
    *,
    session: Session,
    workspace_id: int,
    requester_id: int,
    helper_id: int,
    text: str,
    kr_id: int | None,
    now: datetime,
) -> HelpRequest:
    request = HelpRequest(
        workspace_id=workspace_id,
        number=allocate_number(session=session, workspace_id=workspace_id, kind="H"),
        requester_id=requester_id,
        helper_id=helper_id,
        kr_id=kr_id,
        text=text,
        created_at=now,
    )
    session.add(request)
    session.flush()
    return request


def get_help_request(*, session: Session, workspace_id: int, number: int) -> HelpRequest | None:
    return session.exec(
        select(HelpRequest).where(
            HelpRequest.workspace_id == workspace_id, HelpRequest.number == number
        )
    ).first()


def list_help_requests(
    *,
    session: Session,
    workspace_id: int,
    member_ids: Iterable[int] | None = None,
    statuses: Iterable[HelpStatus] | None = None,
    resolved_between: tuple[datetime, datetime] | None = None,
) -> list[HelpRequest]:
    """Requests where the members are requester or helper, by status or resolution time."""
    query = select(HelpRequest).where(HelpRequest.workspace_id == workspace_id)
    if statuses is not None:
        query = query.where(col(HelpRequest.status).in_([s.value for s in statuses]))
    if resolved_between is not None:
        start, end = resolved_between
        query = query.where(
            col(HelpRequest.resolved_at) >= start, col(HelpRequest.resolved_at) < end
        )
    if member_ids is None:
        return list(session.exec(query.order_by(col(HelpRequest.number))).all())
    found: dict[int, HelpRequest] = {}
    for ids in slices(member_ids):
        rows = session.exec(
            query.where(
                or_(col(HelpRequest.requester_id).in_(ids), col(HelpRequest.helper_id).in_(ids))
            )
        ).all()
        found.update((row.number, row) for row in rows)
    return [found[number] for number in sorted(found)]


def update_help_request(
    *, session: Session, request: HelpRequest, status: HelpStatus, now: datetime, thanks: str = ""
) -> HelpRequest:
    request.status = status.value
    if status in (HelpStatus.DONE, HelpStatus.DECLINED, HelpStatus.CANCELLED):
        request.resolved_at = now
    if thanks:
        request.thanks = thanks
    session.add(request)
    return request


def add_kudos(
    *,
    session: Session,
    workspace_id: int,
    from_member_id: int,
    to_member_id: int,
    text: str,
    week: str,
    kr_id: int | None,
    now: datetime,
) -> Kudos:
    row = Kudos(
        workspace_id=workspace_id,
        from_member_id=from_member_id,
        to_member_id=to_member_id,
        text=text,
        week=week,
        kr_id=kr_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def list_kudos(
    *, session: Session, workspace_id: int, week: str, member_ids: Iterable[int] | None = None
) -> list[Kudos]:
    query = select(Kudos).where(Kudos.workspace_id == workspace_id, Kudos.week == week)
    if member_ids is None:
        return list(session.exec(query.order_by(col(Kudos.id))).all())
    found: list[Kudos] = []
    for ids in slices(member_ids):
        found.extend(session.exec(query.where(col(Kudos.to_member_id).in_(ids))).all())
    return sorted(found, key=lambda k: k.id or 0)


def kudos_between(
    *,
    session: Session,
    workspace_id: int,
    first_week: str,
    last_week: str,
    member_ids: Iterable[int],
) -> list[Kudos]:
    """Kudos to these members in the weeks [first_week, last_week], oldest first."""
    found: list[Kudos] = []
    for ids in slices(member_ids):
        found.extend(
            session.exec(
                select(Kudos).where(
                    Kudos.workspace_id == workspace_id,
                    col(Kudos.week) >= first_week,
                    col(Kudos.week) <= last_week,
                    col(Kudos.to_member_id).in_(ids),
                )
            ).all()
        )
    return sorted(found, key=lambda k: (k.week, k.id or 0))


def help_requests_of(
    *, session: Session, workspace_id: int, member_ids: Iterable[int]
) -> list[HelpRequest]:
    """Every request these members asked or were asked, by number.

    Two seeks (one per side) instead of an OR, which the planner answers by
    walking the workspace's requests.
    """
    found: dict[int, HelpRequest] = {}
    for ids in slices(member_ids):
        for side in (col(HelpRequest.requester_id), col(HelpRequest.helper_id)):
            rows = session.exec(
                select(HelpRequest).where(HelpRequest.workspace_id == workspace_id, side.in_(ids))
            ).all()
            found.update((row.number, row) for row in rows)
    return [found[number] for number in sorted(found)]
