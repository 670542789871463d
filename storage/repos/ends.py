"""The cycle's two ends: committees, drafts and their votes, review answers, feedback,
committee scores."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from storage.models import (
    CommitteeMember,
    CommitteeScore,
    Draft,
    DraftIdea,
    DraftVote,
    FeedbackRequest,
    ReviewAnswer,
)
from storage.repos._util import insert_ignore
from storage.repos.okrs import slices

# --- committees ---------------------------------------------------------------------


def set_committee(
    *, session: Session, workspace_id: int, team_id: int, member_ids: Iterable[int]
) -> None:
    """The team's committee members (besides its manager) become exactly these."""
    session.execute(
        delete(CommitteeMember).where(
            col(CommitteeMember.workspace_id) == workspace_id,
            col(CommitteeMember.team_id) == team_id,
        )
    )
    for member_id in dict.fromkeys(member_ids):
        session.add(
            CommitteeMember(workspace_id=workspace_id, team_id=team_id, member_id=member_id)
        )
    session.flush()


def committee_member_ids(*, session: Session, workspace_id: int, team_id: int) -> list[int]:
    """The team's committee members besides its manager, in the order they were named."""
    rows = session.exec(
        select(CommitteeMember.member_id).where(
            CommitteeMember.workspace_id == workspace_id, CommitteeMember.team_id == team_id
        )
    ).all()
    return list(rows)


def committee_team_ids(*, session: Session, workspace_id: int, member_id: int) -> list[int]:
    """The teams whose committee this member sits on (managers are not listed here)."""
    rows = session.exec(
        select(CommitteeMember.team_id).where(
            CommitteeMember.workspace_id == workspace_id, CommitteeMember.member_id == member_id
        )
    ).all()
    return sorted(rows)


# --- drafts -------------------------------------------------------------------------


def create_draft(
    *,
    session: Session,
    workspace_id: int,
    team_id: int,
    cycle_id: int,
    started_by: int,
    anonymous: bool,
    parent_objective_id: int | None,
    parent_kr_id: int | None,
    proposals_until: datetime,
    objectives_until: datetime,
    krs_until: datetime,
    now: datetime,
) -> Draft:
    draft = Draft(
        workspace_id=workspace_id,
        team_id=team_id,
        cycle_id=cycle_id,
        started_by=started_by,
        anonymous=anonymous,
        parent_objective_id=parent_objective_id,
        parent_kr_id=parent_kr_id,
        proposals_until=proposals_until,
        objectives_until=objectives_until,
        krs_until=krs_until,
        created_at=now,
    )
    session.add(draft)
    session.flush()
    return draft


def get_draft(*, session: Session, workspace_id: int, draft_id: int) -> Draft | None:
    draft = session.get(Draft, draft_id)
    return draft if draft is not None and draft.workspace_id == workspace_id else None


def open_drafts(*, session: Session, workspace_id: int, team_ids: Iterable[int]) -> list[Draft]:
    """Drafts of these teams neither finalised nor cancelled, oldest first."""
    found: list[Draft] = []
    for part in slices(team_ids):
        found.extend(
            session.exec(
                select(Draft).where(
                    Draft.workspace_id == workspace_id,
                    col(Draft.team_id).in_(part),
                    col(Draft.finalised_at).is_(None),
                    col(Draft.cancelled_at).is_(None),
                )
            ).all()
        )
    return sorted(found, key=lambda d: d.id or 0)


def _own_draft(session: Session, workspace_id: int, draft_id: int) -> Draft:
    draft = get_draft(session=session, workspace_id=workspace_id, draft_id=draft_id)
    if draft is None:
        raise LookupError(f"no draft {draft_id} in workspace {workspace_id}")
    return draft


def drafted(*, session: Session, workspace_id: int, team_id: int, cycle_id: int) -> bool:
    """Whether the team has drafted (or is drafting) this cycle's OKRs; cancelled ones aside."""
    found = session.exec(
        select(Draft.id).where(
            Draft.workspace_id == workspace_id,
            Draft.team_id == team_id,
            Draft.cycle_id == cycle_id,
            col(Draft.cancelled_at).is_(None),
        )
    ).first()
    return found is not None


def close_draft(
    *,
    session: Session,
    workspace_id: int,
    draft_id: int,
    finalised_at: datetime | None = None,
    cancelled_at: datetime | None = None,
) -> Draft:
    draft = _own_draft(session, workspace_id, draft_id)
    if finalised_at is not None:
        draft.finalised_at = finalised_at
    if cancelled_at is not None:
        draft.cancelled_at = cancelled_at
    session.add(draft)
    session.flush()
    return draft


def set_deadlines(
    *, session: Session, workspace_id: int, draft_id: int, deadlines: dict[str, datetime]
) -> Draft:
    """Move rounds' deadlines (`proposals_until`, `objectives_until`, `krs_until`)."""
    draft = _own_draft(session, workspace_id, draft_id)
    for name, value in deadlines.items():
        if name not in ("proposals_until", "objectives_until", "krs_until"):
            raise ValueError(f"not a draft deadline: {name}")
        setattr(draft, name, value)
    session.add(draft)
    session.flush()
    return draft


def add_idea(
    *,
    session: Session,
    workspace_id: int,
    draft_id: int,
    kind: str,
    author_id: int,
    text: str,
    parent_id: int | None,
    now: datetime,
) -> DraftIdea:
    """A new idea, numbered after the draft's others of its kind."""
    last = session.exec(
        select(func.max(DraftIdea.number)).where(
            DraftIdea.workspace_id == workspace_id,
            DraftIdea.draft_id == draft_id,
            DraftIdea.kind == kind,
        )
    ).one()
    idea = DraftIdea(
        workspace_id=workspace_id,
        draft_id=draft_id,
        kind=kind,
        number=int(last or 0) + 1,
        parent_id=parent_id,
        author_id=author_id,
        text=text,
        created_at=now,
    )
    session.add(idea)
    session.flush()
    return idea


def list_ideas(*, session: Session, workspace_id: int, draft_ids: Iterable[int]) -> list[DraftIdea]:
    """The drafts' ideas, by kind and number."""
    found: list[DraftIdea] = []
    for part in slices(draft_ids):
        found.extend(
            session.exec(
                select(DraftIdea).where(
                    DraftIdea.workspace_id == workspace_id, col(DraftIdea.draft_id).in_(part)
                )
            ).all()
        )
    return sorted(found, key=lambda i: (i.draft_id, i.kind, i.number))


def set_votes(
    *,
    session: Session,
    workspace_id: int,
    draft_id: int,
    member_id: int,
    among: Iterable[int],
    idea_ids: Iterable[int],
    now: datetime,
) -> None:
    """The member's votes among the ideas `among` become exactly `idea_ids`."""
    candidates = list(among)
    session.execute(
        delete(DraftVote).where(
            col(DraftVote.workspace_id) == workspace_id,
            col(DraftVote.draft_id) == draft_id,
            col(DraftVote.member_id) == member_id,
            col(DraftVote.idea_id).in_(candidates),
        )
    )
    for idea_id in dict.fromkeys(idea_ids):
        if idea_id in candidates:
            session.add(
                DraftVote(
                    workspace_id=workspace_id,
                    draft_id=draft_id,
                    idea_id=idea_id,
                    member_id=member_id,
                    created_at=now,
                )
            )
    session.flush()


def list_votes(*, session: Session, workspace_id: int, draft_ids: Iterable[int]) -> list[DraftVote]:
    found: list[DraftVote] = []
    for part in slices(draft_ids):
        found.extend(
            session.exec(
                select(DraftVote).where(
                    DraftVote.workspace_id == workspace_id, col(DraftVote.draft_id).in_(part)
                )
            ).all()
        )
    return sorted(found, key=lambda v: (v.draft_id, v.idea_id, v.member_id))


# --- review answers -----------------------------------------------------------------

ANSWER_FIELDS = ("breakthroughs", "problems", "lessons")


def review_answers(
    *, session: Session, workspace_id: int, cycle_id: int, member_ids: Iterable[int]
) -> dict[int, ReviewAnswer]:
    """The members' answers for the cycle, by member id."""
    found: dict[int, ReviewAnswer] = {}
    for part in slices(member_ids):
        for row in session.exec(
            select(ReviewAnswer).where(
                ReviewAnswer.workspace_id == workspace_id,
                ReviewAnswer.cycle_id == cycle_id,
                col(ReviewAnswer.member_id).in_(part),
            )
        ).all():
            found[row.member_id] = row
    return found


def save_review_answer(
    *,
    session: Session,
    workspace_id: int,
    member_id: int,
    cycle_id: int,
    answers: dict[str, str],
    now: datetime,
) -> ReviewAnswer:
    """Set the answers given (the others stay as they were)."""
    for name in answers:
        if name not in ANSWER_FIELDS:
            raise ValueError(f"not a review question: {name}")
    insert_ignore(
        session,
        ReviewAnswer,
        {
            "workspace_id": workspace_id,
            "member_id": member_id,
            "cycle_id": cycle_id,
            "breakthroughs": "",
            "problems": "",
            "lessons": "",
            "updated_at": now,
        },
    )
    row = review_answers(
        session=session, workspace_id=workspace_id, cycle_id=cycle_id, member_ids=[member_id]
    )[member_id]
    for name, text in answers.items():
        setattr(row, name, text)
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


# --- feedback -----------------------------------------------------------------------


def ask_feedback(
    *,
    session: Session,
    workspace_id: int,
    cycle_id: int,
    subject_id: int,
    giver_id: int,
    kr_id: int | None,
    why: str,
    asked_by: int,
    now: datetime,
) -> tuple[FeedbackRequest, bool]:
    """The request for this giver's feedback on this subject, and whether it is new."""
    values: dict[str, Any] = {
        "workspace_id": workspace_id,
        "cycle_id": cycle_id,
        "subject_id": subject_id,
        "giver_id": giver_id,
        "kr_id": kr_id,
        "why": why,
        "asked_by": asked_by,
        "comment": "",
        "asked_at": now,
    }
    before = list_feedback(
        session=session,
        workspace_id=workspace_id,
        cycle_id=cycle_id,
        subject_ids=[subject_id],
        giver_id=giver_id,
    )
    if before:
        return before[0], False
    insert_ignore(session, FeedbackRequest, values)
    found = list_feedback(
        session=session,
        workspace_id=workspace_id,
        cycle_id=cycle_id,
        subject_ids=[subject_id],
        giver_id=giver_id,
    )
    return found[0], True


def get_feedback(
    *, session: Session, workspace_id: int, feedback_id: int
) -> FeedbackRequest | None:
    row = session.get(FeedbackRequest, feedback_id)
    return row if row is not None and row.workspace_id == workspace_id else None


def list_feedback(
    *,
    session: Session,
    workspace_id: int,
    cycle_id: int | None = None,
    subject_ids: Iterable[int] | None = None,
    giver_id: int | None = None,
    open_only: bool = False,
) -> list[FeedbackRequest]:
    """Feedback requests, filtered; oldest first."""
    query = select(FeedbackRequest).where(FeedbackRequest.workspace_id == workspace_id)
    if cycle_id is not None:
        query = query.where(FeedbackRequest.cycle_id == cycle_id)
    if giver_id is not None:
        query = query.where(FeedbackRequest.giver_id == giver_id)
    if open_only:
        query = query.where(col(FeedbackRequest.answered_at).is_(None))
    if subject_ids is None:
        return list(session.exec(query.order_by(col(FeedbackRequest.id))).all())
    found: list[FeedbackRequest] = []
    for part in slices(subject_ids):
        found.extend(session.exec(query.where(col(FeedbackRequest.subject_id).in_(part))).all())
    return sorted(found, key=lambda r: r.id or 0)


def answer_feedback(
    *,
    session: Session,
    workspace_id: int,
    feedback_id: int,
    rating: int,
    comment: str,
    now: datetime,
) -> FeedbackRequest:
    request = get_feedback(session=session, workspace_id=workspace_id, feedback_id=feedback_id)
    if request is None:
        raise LookupError(f"no feedback request {feedback_id} in workspace {workspace_id}")
    request.rating = rating
    request.comment = comment
    request.answered_at = now
    session.add(request)
    session.flush()
    return request


# --- committee scores ---------------------------------------------------------------


def save_committee_score(
    *,
    session: Session,
    workspace_id: int,
    kr_id: int,
    member_id: int,
    score: float,
    reason: str,
    now: datetime,
) -> CommitteeScore:
    """The member's proposal for the key result; a second one replaces the first."""
    insert_ignore(
        session,
        CommitteeScore,
        {
            "workspace_id": workspace_id,
            "kr_id": kr_id,
            "member_id": member_id,
            "score": score,
            "reason": reason,
            "updated_at": now,
        },
    )
    row = session.exec(
        select(CommitteeScore).where(
            CommitteeScore.workspace_id == workspace_id,
            CommitteeScore.kr_id == kr_id,
            CommitteeScore.member_id == member_id,
        )
    ).one()
    row.score, row.reason, row.updated_at = score, reason, now
    session.add(row)
    session.flush()
    return row


def committee_scores_for(
    *, session: Session, workspace_id: int, kr_ids: Iterable[int]
) -> dict[int, list[CommitteeScore]]:
    """Each key result's committee proposals, in the order they were last changed."""
    found: dict[int, list[CommitteeScore]] = defaultdict(list)
    for part in slices(kr_ids):
        for row in session.exec(
            select(CommitteeScore).where(
                CommitteeScore.workspace_id == workspace_id, col(CommitteeScore.kr_id).in_(part)
            )
        ).all():
            found[row.kr_id].append(row)
    return {k: sorted(v, key=lambda r: (r.updated_at, r.id or 0)) for k, v in found.items()}
