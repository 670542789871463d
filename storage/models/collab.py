"""Collaboration: help requests tracked until done, and kudos."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models._base import utc_field, workspace_fk


class HelpStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DONE = "done"
    CANCELLED = "cancelled"


class HelpRequest(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_helprequest_ws_requester", "workspace_id", "requester_id"),
        Index("ix_helprequest_ws_helper", "workspace_id", "helper_id"),
        # Open requests and those resolved in a week, without reading the years of done ones.
        Index("ix_helprequest_ws_status_resolved", "workspace_id", "status", "resolved_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    number: int
    requester_id: int = Field(foreign_key="member.id", index=True)
    helper_id: int = Field(foreign_key="member.id", index=True)
    kr_id: int | None = Field(default=None, foreign_key="keyresult.id", ondelete="SET NULL")
    text: str = Field(max_length=2000)
    status: str = Field(default=HelpStatus.OPEN.value, max_length=16)
    thanks: str = Field(default="", max_length=1000)
    created_at: datetime = utc_field(default_now=True)
    resolved_at: datetime | None = utc_field(nullable=True)


class Kudos(SQLModel, table=True):
    __table_args__ = (Index("ix_kudos_ws_to_week", "workspace_id", "to_member_id", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    from_member_id: int = Field(foreign_key="member.id")
    to_member_id: int = Field(foreign_key="member.id", index=True)
    kr_id: int | None = Field(default=None, foreign_key="keyresult.id", ondelete="SET NULL")
    text: str = Field(max_length=1000)
    week: str = Field(max_length=8, index=True)
    created_at: datetime = utc_field(default_now=True)
