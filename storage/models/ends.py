"""The cycle's two ends: drafting OKRs together, the review, feedback and the committee.

A draft (共创) runs three rounds whose deadlines are fixed when it starts, so
which round is open is read from the clock and never written by the
scheduler: proposals (objective ideas with their key results), a vote on the
objectives, a vote on the key results of the winning ones; the manager then
finalises. At the cycle's end each person answers three questions for the
review meeting (述职), collaborators give feedback the committee reads, and the
committee's members propose scores that the manager confirms.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models._base import utc_field, workspace_fk


class CommitteeMember(SQLModel, table=True):
    """A member of a team's scoring committee (评分委员会), beside its manager."""

    __tablename__ = "committeemember"

    workspace_id: int = workspace_fk()
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")


class Draft(SQLModel, table=True):
    """A team drafting the next cycle's OKRs together; `*_until` are the rounds' deadlines."""

    __table_args__ = (Index("ix_draft_ws_team", "workspace_id", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE")
    # The cycle the objectives are drafted for (the next one).
    cycle_id: int = Field(foreign_key="cycle.id")
    started_by: int = Field(foreign_key="member.id")
    anonymous: bool = Field(default=False)
    # What the chosen objectives align to: a parent objective or a parent key result.
    parent_objective_id: int | None = Field(
        default=None, foreign_key="objective.id", ondelete="SET NULL"
    )
    parent_kr_id: int | None = Field(default=None, foreign_key="keyresult.id", ondelete="SET NULL")
    proposals_until: datetime = utc_field()
    objectives_until: datetime = utc_field()
    krs_until: datetime = utc_field()
    finalised_at: datetime | None = utc_field(nullable=True)
    cancelled_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)


class IdeaKind(StrEnum):
    OBJECTIVE = "objective"
    KR = "kr"


class DraftIdea(SQLModel, table=True):
    """A proposal in a draft: an objective, or a key result under one. Numbered per draft."""

    __tablename__ = "draftidea"
    __table_args__ = (
        UniqueConstraint("draft_id", "kind", "number"),
        Index("ix_draftidea_ws_draft", "workspace_id", "draft_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    draft_id: int = Field(foreign_key="draft.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    number: int
    parent_id: int | None = Field(default=None, foreign_key="draftidea.id", ondelete="CASCADE")
    author_id: int = Field(foreign_key="member.id")
    # An objective's title, or a key result as `new` reads it ("Signups: 0 -> 500").
    text: str = Field(max_length=500)
    created_at: datetime = utc_field(default_now=True)


class DraftVote(SQLModel, table=True):
    """One member's vote for one idea."""

    __tablename__ = "draftvote"
    __table_args__ = (Index("ix_draftvote_ws_draft", "workspace_id", "draft_id"),)

    workspace_id: int = workspace_fk()
    draft_id: int = Field(foreign_key="draft.id", ondelete="CASCADE")
    idea_id: int = Field(foreign_key="draftidea.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = utc_field(default_now=True)


class ReviewAnswer(SQLModel, table=True):
    """A person's own words for the review meeting: breakthroughs, problems, lessons."""

    __tablename__ = "reviewanswer"
    __table_args__ = (UniqueConstraint("member_id", "cycle_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    cycle_id: int = Field(foreign_key="cycle.id", ondelete="CASCADE")
    breakthroughs: str = Field(default="", max_length=1000)
    problems: str = Field(default="", max_length=1000)
    lessons: str = Field(default="", max_length=1000)
    updated_at: datetime = utc_field(default_now=True)


class FeedbackRequest(SQLModel, table=True):
    """A collaborator asked, for the committee, how much someone moved a shared goal.

    `rating` is 1..5 once answered; the answer is shown to the committee only.
    """

    __tablename__ = "feedbackrequest"
    __table_args__ = (
        UniqueConstraint("cycle_id", "subject_id", "giver_id"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating"),
        Index("ix_feedbackrequest_ws_subject", "workspace_id", "subject_id"),
        Index("ix_feedbackrequest_ws_giver", "workspace_id", "giver_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    cycle_id: int = Field(foreign_key="cycle.id", ondelete="CASCADE")
    subject_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    giver_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    # The key result they worked on together, when there is one.
    kr_id: int | None = Field(default=None, foreign_key="keyresult.id", ondelete="SET NULL")
    # Why the bot chose them: "helper", "helped", "aligned", or "chosen" by the committee.
    why: str = Field(default="chosen", max_length=16)
    asked_by: int = Field(foreign_key="member.id")
    rating: int | None = Field(default=None)
    comment: str = Field(default="", max_length=1000)
    asked_at: datetime = utc_field(default_now=True)
    answered_at: datetime | None = utc_field(nullable=True)


class CommitteeScore(SQLModel, table=True):
    """A committee member's proposed score for a key result, with the reason."""

    __tablename__ = "committeescore"
    __table_args__ = (
        UniqueConstraint("kr_id", "member_id"),
        Index("ix_committeescore_ws_kr", "workspace_id", "kr_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    kr_id: int = Field(foreign_key="keyresult.id", ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    score: float
    reason: str = Field(default="", max_length=1000)
    updated_at: datetime = utc_field(default_now=True)
