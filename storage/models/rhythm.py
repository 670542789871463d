"""The weekly rhythm: check-ins, plan tasks, and time away."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models._base import json_dict_field, json_list_field, utc_field, workspace_fk


class Checkin(SQLModel, table=True):
    """One per key result per week ("2026-W48"); a second submit edits it."""

    __table_args__ = (
        UniqueConstraint("kr_id", "week"),
        CheckConstraint("confidence IS NULL OR (confidence BETWEEN 1 AND 10)", name="confidence"),
        # Tenant first, so a plan never trades a key result's few rows for the whole
        # workspace's; the latest check-in before a week is one seek on it.
        Index("ix_checkin_ws_kr_week", "workspace_id", "kr_id", "week"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    kr_id: int = Field(foreign_key="keyresult.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", index=True)
    week: str = Field(max_length=8, index=True)
    value: float
    # The KR's value before this week's first check-in: "change this week" stays
    # right however often the check-in is edited.
    previous_value: float
    confidence: int | None = Field(default=None)
    note: str = Field(default="", max_length=2000)
    links: list[str] = json_list_field()
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class TaskStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    DROPPED = "dropped"
    CARRIED_OVER = "carried_over"


class PlanTask(SQLModel, table=True):
    """A key task (关键任务) in a week's plan."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_plantask_ws_owner_week", "workspace_id", "owner_member_id", "week"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    number: int
    week: str = Field(max_length=8, index=True)
    title: str = Field(max_length=500)
    kr_id: int | None = Field(default=None, foreign_key="keyresult.id", ondelete="SET NULL")
    owner_member_id: int = Field(foreign_key="member.id", index=True)
    due_date: date | None = Field(default=None)
    status: str = Field(default=TaskStatus.PLANNED.value, max_length=16)
    # The task this one continues, when it was carried over from an earlier week.
    carried_from_id: int | None = Field(
        default=None, foreign_key="plantask.id", ondelete="SET NULL"
    )
    done_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)
    # Changed after the team's cut-off, with the manager's approval.
    changed_late: bool = Field(default=False)
    # Where the result of a done task can be seen (a document, a post).
    links: list[str] = json_list_field()


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class ChangeRequest(SQLModel, table=True):
    """A change to the week's plan made after the cut-off, waiting for the manager.

    `change` holds what the owner asked for (the kind and its fields) so it can
    be applied exactly as asked once approved.
    """

    __tablename__ = "changerequest"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    requester_id: int = Field(foreign_key="member.id", index=True)
    manager_id: int = Field(foreign_key="member.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="plantask.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)  # add | edit | drop | carry
    change: dict[str, Any] = json_dict_field()
    status: str = Field(default=ChangeStatus.PENDING.value, max_length=16)
    reason: str = Field(default="", max_length=1000)
    created_at: datetime = utc_field(default_now=True)
    decided_at: datetime | None = utc_field(nullable=True)


class TaskHelper(SQLModel, table=True):
    """A helper (协助人) on a task."""

    # The tasks someone helped on (their review pack, their collaborators).
    __table_args__ = (Index("ix_taskhelper_ws_member", "workspace_id", "member_id"),)

    workspace_id: int = workspace_fk()
    task_id: int = Field(foreign_key="plantask.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")


class Away(SQLModel, table=True):
    """Dates (inclusive) a member is away: no prompts, not counted as missing."""

    __table_args__ = (Index("ix_away_ws_member", "workspace_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    start_date: date
    end_date: date
    note: str = Field(default="", max_length=200)
