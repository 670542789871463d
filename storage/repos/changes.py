"""Plan changes waiting for a manager after the cut-off, and task edits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import ChangeRequest, ChangeStatus, PlanTask, TaskHelper


def create_request(
    *,
    session: Session,
    workspace_id: int,
    team_id: int,
    requester_id: int,
    manager_id: int,
    kind: str,
    change: dict[str, Any],
    task_id: int | None,
    now: datetime,
) -> ChangeRequest:
    row = ChangeRequest(
        workspace_id=workspace_id,
        team_id=team_id,
        requester_id=requester_id,
        manager_id=manager_id,
        kind=kind,
        change=change,
        task_id=task_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get_request(*, session: Session, workspace_id: int, request_id: int) -> ChangeRequest | None:
    return session.exec(
        select(ChangeRequest).where(
            ChangeRequest.workspace_id == workspace_id, ChangeRequest.id == request_id
        )
    ).first()


def get_task_by_id(*, session: Session, workspace_id: int, task_id: int) -> PlanTask | None:
    return session.exec(
        select(PlanTask).where(PlanTask.workspace_id == workspace_id, PlanTask.id == task_id)
    ).first()


def decide(
    *, session: Session, request: ChangeRequest, status: ChangeStatus, reason: str, now: datetime
) -> ChangeRequest:
    request.status = status.value
    request.reason = reason
    request.decided_at = now
    session.add(request)
    session.flush()
    return request


def edit_task(
    *,
    session: Session,
    task: PlanTask,
    title: str | None = None,
    kr_id: int | None = None,
    due_date: date | None = None,
    helper_ids: Iterable[int] | None = None,
    late: bool = False,
) -> PlanTask:
    """Change the fields given (None leaves one as it is); `late` marks a change after the cut-off."""
    if title is not None:
        task.title = title
    if kr_id is not None:
        task.kr_id = kr_id
    if due_date is not None:
        task.due_date = due_date
    if late:
        task.changed_late = True
    session.add(task)
    if helper_ids is not None:
        assert task.id is not None
        session.execute(delete(TaskHelper).where(col(TaskHelper.task_id) == task.id))
        for member_id in dict.fromkeys(helper_ids):
            if member_id != task.owner_member_id:
                session.add(
                    TaskHelper(workspace_id=task.workspace_id, task_id=task.id, member_id=member_id)
                )
    session.flush()
    return task


def decided_requests(
    *,
    session: Session,
    workspace_id: int,
    team_ids: Iterable[int],
    kind: str,
    status: ChangeStatus,
    decided_between: tuple[datetime, datetime],
) -> list[ChangeRequest]:
    """Requests of these teams of one kind decided (as `status`) in [start, end), oldest first."""
    start, end = decided_between
    rows = session.exec(
        select(ChangeRequest).where(
            ChangeRequest.workspace_id == workspace_id,
            col(ChangeRequest.team_id).in_(list(team_ids)),
            ChangeRequest.kind == kind,
            ChangeRequest.status == status.value,
            col(ChangeRequest.decided_at) >= start,
            col(ChangeRequest.decided_at) < end,
        )
    ).all()
    return sorted(rows, key=lambda r: (r.decided_at or start, r.id or 0))
