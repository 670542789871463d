"""Where imported objectives and key results came from: a file's key, a Feishu OKR id.

A re-import finds what it created before by these keys, so it updates instead
of duplicating; a check-in on a key result imported from Feishu OKR is written
back there under the key result's Feishu id.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models._base import workspace_fk


class Source(StrEnum):
    FILE = "file"  # the Key and Objective key columns of a spreadsheet
    FEISHU_OKR = "feishu-okr"  # an objective or key result id of Feishu OKR


class SourceKey(SQLModel, table=True):
    """One key of one objective (kind "O") or key result (kind "KR") in one source."""

    __tablename__ = "sourcekey"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source", "kind", "key"),
        Index("ix_sourcekey_ws_kr", "workspace_id", "kr_id"),
        Index("ix_sourcekey_ws_objective", "workspace_id", "objective_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    source: str = Field(max_length=16)
    kind: str = Field(max_length=4)  # "O" | "KR"
    key: str = Field(max_length=200)
    objective_id: int | None = Field(default=None, foreign_key="objective.id", ondelete="CASCADE")
    kr_id: int | None = Field(default=None, foreign_key="keyresult.id", ondelete="CASCADE")
