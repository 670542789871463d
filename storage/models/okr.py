"""Cycles, objectives, key results, end-of-cycle scores and short references."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models._base import utc_field, workspace_fk


class CycleKind(StrEnum):
    QUARTER = "quarter"
    BIMONTHLY = "bimonthly"
    MONTHLY = "monthly"
    ANNUAL = "annual"
    # Yearly objectives whose key results each run for a quarter.
    ANNUAL_QUARTERLY = "annual-quarterly"
    CUSTOM = "custom"


class Cycle(SQLModel, table=True):
    """An OKR period; `end_date` is inclusive."""

    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    name: str = Field(max_length=64)
    kind: str = Field(default=CycleKind.QUARTER.value, max_length=16)
    start_date: date
    end_date: date


class ObjectiveKind(StrEnum):
    COMMITTED = "committed"
    ASPIRATIONAL = "aspirational"


class OwnerKind(StrEnum):
    MEMBER = "member"
    TEAM = "team"


class RefCounter(SQLModel, table=True):
    """Next number for the short references people type (O3, KR12, T40, H5)."""

    workspace_id: int = Field(foreign_key="workspace.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(primary_key=True, max_length=4)
    next_number: int = Field(default=1)


class Objective(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        CheckConstraint(
            "(owner_member_id IS NOT NULL) OR (owner_team_id IS NOT NULL)", name="objective_owner"
        ),
        Index("ix_objective_ws_member", "workspace_id", "owner_member_id"),
        Index("ix_objective_ws_team", "workspace_id", "owner_team_id"),
        # What aligns to an objective or to one of its key results (its page, the tree).
        Index("ix_objective_ws_parent_objective", "workspace_id", "parent_objective_id"),
        Index("ix_objective_ws_parent_kr", "workspace_id", "parent_kr_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    number: int
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    title: str = Field(max_length=500)
    owner_member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    owner_team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    kind: str = Field(default=ObjectiveKind.COMMITTED.value, max_length=16)
    # Alignment (对齐): at most one parent, an objective or a key result.
    parent_objective_id: int | None = Field(
        default=None, foreign_key="objective.id", ondelete="SET NULL"
    )
    # keyresult.objective_id points back here, so this key is created with an
    # ALTER once both tables exist (use_alter), which also lets SQLAlchemy order
    # the tables. It is named by hand because migrations refer to it by name.
    parent_kr_id: int | None = Field(
        default=None,
        sa_column_args=[
            ForeignKey(
                "keyresult.id",
                ondelete="SET NULL",
                use_alter=True,
                name="fk_objective_parent_kr_id_keyresult",
            )
        ],
    )
    archived: bool = Field(default=False)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class KRKind(StrEnum):
    NUMERIC = "numeric"
    MILESTONE = "milestone"


class KeyResult(SQLModel, table=True):
    """A measurable result. Milestones use start 0, target 1, current 0 or 1."""

    __tablename__ = "keyresult"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_keyresult_ws_owner", "workspace_id", "owner_member_id"),
        # An objective's key results (`/okr`, a team's rollup): tenant, then the objective.
        Index("ix_keyresult_ws_objective", "workspace_id", "objective_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    number: int
    objective_id: int = Field(foreign_key="objective.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=500)
    owner_member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    kind: str = Field(default=KRKind.NUMERIC.value, max_length=16)
    start_value: float = Field(default=0.0)
    target_value: float | None = Field(default=None)
    current_value: float = Field(default=0.0)
    unit: str = Field(default="", max_length=32)
    weight: float = Field(default=1.0)
    # The key result's own cycle when it is shorter than its objective's: a quarter
    # of a yearly objective. None: the objective's cycle.
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", ondelete="SET NULL")
    archived: bool = Field(default=False)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class Score(SQLModel, table=True):
    """End-of-cycle score of a KR: the owner scores first, then a reviewer may adjust."""

    __table_args__ = (UniqueConstraint("kr_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    kr_id: int = Field(foreign_key="keyresult.id", ondelete="CASCADE")
    self_score: float | None = Field(default=None)
    self_scored_by: int | None = Field(default=None, foreign_key="member.id")
    self_scored_at: datetime | None = utc_field(nullable=True)
    reviewed_score: float | None = Field(default=None)
    reviewer_id: int | None = Field(default=None, foreign_key="member.id")
    reason: str = Field(default="", max_length=1000)
    reviewed_at: datetime | None = utc_field(nullable=True)
