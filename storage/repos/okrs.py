"""Cycles, objectives, key results, alignment and scores."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, union_all, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from storage.models import Cycle, KeyResult, KRKind, Objective, ObjectiveKind, RefCounter, Score
from storage.repos._util import insert_ignore


def allocate_number(*, session: Session, workspace_id: int, kind: str) -> int:
    """Next short reference number for `kind` ("O", "KR", "T", "H") in a workspace.

    The counter row is created if missing and then bumped with one UPDATE, so
    two writers never get the same number (the row lock serialises them).
    """
    insert_ignore(
        session, RefCounter, {"workspace_id": workspace_id, "kind": kind, "next_number": 1}
    )
    number = session.execute(
        update(RefCounter)
        .where(col(RefCounter.workspace_id) == workspace_id, col(RefCounter.kind) == kind)
        .values(next_number=col(RefCounter.next_number) + 1)
        .returning(col(RefCounter.next_number))
    ).scalar_one()
    return int(number) - 1


def allocate_numbers(*, session: Session, workspace_id: int, kind: str, count: int) -> range:
    """`count` consecutive reference numbers at once (an import's), in one UPDATE."""
    if count <= 0:
        return range(0)
    insert_ignore(
        session, RefCounter, {"workspace_id": workspace_id, "kind": kind, "next_number": 1}
    )
    after = session.execute(
        update(RefCounter)
        .where(col(RefCounter.workspace_id) == workspace_id, col(RefCounter.kind) == kind)
        .values(next_number=col(RefCounter.next_number) + count)
        .returning(col(RefCounter.next_number))
    ).scalar_one()
    return range(int(after) - count, int(after))


def get_or_create_cycle(
    *, session: Session, workspace_id: int, name: str, kind: str, start: date, end: date
) -> Cycle:
    """The named cycle, created by whichever concurrent request gets there first."""
    query = select(Cycle).where(Cycle.workspace_id == workspace_id, Cycle.name == name)
    found = session.exec(query).first()
    if found is not None:
        return found
    new = Cycle(workspace_id=workspace_id, name=name, kind=kind, start_date=start, end_date=end)
    insert_ignore(session, Cycle, new.model_dump(exclude={"id"}))
    return session.exec(query).one()


def list_cycles(*, session: Session, workspace_id: int) -> list[Cycle]:
    return list(
        session.exec(
            select(Cycle).where(Cycle.workspace_id == workspace_id).order_by(col(Cycle.start_date))
        ).all()
    )


def objectives_titled(*, session: Session, workspace_id: int, title: str) -> list[Objective]:
    """Live objectives with exactly this title (alignment by title, in an import)."""
    return list(
        session.exec(
            select(Objective).where(
                Objective.workspace_id == workspace_id,
                Objective.title == title,
                col(Objective.archived).is_(False),
            )
        ).all()
    )


def key_results_titled(*, session: Session, workspace_id: int, title: str) -> list[KeyResult]:
    """Live key results with exactly this title."""
    return list(
        session.exec(
            select(KeyResult).where(
                KeyResult.workspace_id == workspace_id,
                KeyResult.title == title,
                col(KeyResult.archived).is_(False),
            )
        ).all()
    )


def get_cycle(*, session: Session, workspace_id: int, cycle_id: int) -> Cycle | None:
    cycle = session.get(Cycle, cycle_id)
    return cycle if cycle is not None and cycle.workspace_id == workspace_id else None


def cycles_covering(*, session: Session, workspace_id: int, start: date, end: date) -> list[Cycle]:
    """The cycles that contain all of [start, end]: a quarter's own, and its year's."""
    return list(
        session.exec(
            select(Cycle).where(
                Cycle.workspace_id == workspace_id,
                col(Cycle.start_date) <= start,
                col(Cycle.end_date) >= end,
            )
        ).all()
    )


def create_objective(
    *,
    session: Session,
    workspace_id: int,
    cycle_id: int,
    title: str,
    kind: ObjectiveKind = ObjectiveKind.COMMITTED,
    owner_member_id: int | None = None,
    owner_team_id: int | None = None,
    number: int | None = None,
    flush: bool = True,
) -> Objective:
    """A new objective; `number` comes from allocate_numbers when many are made at once,
    and without `flush` it gets its id at the caller's next flush."""
    if (owner_member_id is None) == (owner_team_id is None):
        raise ValueError("an objective is owned by exactly one member or one team")
    objective = Objective(
        workspace_id=workspace_id,
        number=number
        if number is not None
        else allocate_number(session=session, workspace_id=workspace_id, kind="O"),
        cycle_id=cycle_id,
        title=title,
        kind=kind.value,
        owner_member_id=owner_member_id,
        owner_team_id=owner_team_id,
    )
    session.add(objective)
    if flush:
        session.flush()
    return objective


def create_key_result(
    *,
    session: Session,
    workspace_id: int,
    objective_id: int,
    title: str,
    owner_member_id: int | None,
    kind: KRKind = KRKind.NUMERIC,
    start: float = 0.0,
    target: float | None = None,
    current: float | None = None,
    unit: str = "",
    weight: float = 1.0,
    now: datetime | None = None,
    number: int | None = None,
    flush: bool = True,
    cycle_id: int | None = None,
) -> KeyResult:
    """A new KR; `now` (the app's clock) dates it, so "created this week" is the team's week.

    `cycle_id` is the KR's own cycle when it is shorter than its objective's.
    """
    if kind == KRKind.MILESTONE:
        start, target = 0.0, 1.0
    kr = KeyResult(
        workspace_id=workspace_id,
        number=number
        if number is not None
        else allocate_number(session=session, workspace_id=workspace_id, kind="KR"),
        objective_id=objective_id,
        title=title,
        owner_member_id=owner_member_id,
        kind=kind.value,
        start_value=start,
        target_value=target,
        current_value=start if current is None else current,
        unit=unit,
        weight=weight,
        cycle_id=cycle_id,
    )
    if now is not None:
        kr.created_at = kr.updated_at = now
    session.add(kr)
    if flush:
        session.flush()
    return kr


def get_objective(*, session: Session, workspace_id: int, number: int) -> Objective | None:
    return session.exec(
        select(Objective).where(
            Objective.workspace_id == workspace_id,
            Objective.number == number,
            col(Objective.archived).is_(False),
        )
    ).first()


def get_objective_by_id(
    *, session: Session, workspace_id: int, objective_id: int
) -> Objective | None:
    objective = session.get(Objective, objective_id)
    return objective if objective is not None and objective.workspace_id == workspace_id else None


def get_key_result(*, session: Session, workspace_id: int, number: int) -> KeyResult | None:
    return session.exec(
        select(KeyResult).where(
            KeyResult.workspace_id == workspace_id,
            KeyResult.number == number,
            col(KeyResult.archived).is_(False),
        )
    ).first()


def get_key_result_by_id(*, session: Session, workspace_id: int, kr_id: int) -> KeyResult | None:
    kr = session.get(KeyResult, kr_id)
    return kr if kr is not None and kr.workspace_id == workspace_id else None


def list_objectives(
    *,
    session: Session,
    workspace_id: int,
    cycle_id: int | None = None,
    owner_member_ids: Iterable[int] | None = None,
    owner_team_ids: Iterable[int] | None = None,
    ids: Iterable[int] | None = None,
) -> list[Objective]:
    """Live objectives, filtered; owner filters combine with OR (a person or their teams)."""
    query = select(Objective).where(
        Objective.workspace_id == workspace_id, col(Objective.archived).is_(False)
    )
    if cycle_id is not None:
        query = query.where(Objective.cycle_id == cycle_id)
    if ids is not None:
        query = query.where(col(Objective.id).in_(list(ids)))
    # Each owner filter seeks its own tenant-first index; an OR of the two in one
    # WHERE would make the planner walk the workspace's objectives instead.
    owned: list[Any] = []
    if owner_member_ids is not None:
        owned.append(
            select_columns(col(Objective.id)).where(
                col(Objective.workspace_id) == workspace_id,
                col(Objective.owner_member_id).in_(list(owner_member_ids)),
            )
        )
    if owner_team_ids is not None:
        owned.append(
            select_columns(col(Objective.id)).where(
                col(Objective.workspace_id) == workspace_id,
                col(Objective.owner_team_id).in_(list(owner_team_ids)),
            )
        )
    if len(owned) == 1:
        query = query.where(col(Objective.id).in_(owned[0]))
    elif owned:
        query = query.where(col(Objective.id).in_(union_all(*owned)))
    # Sorted here: an ORDER BY number tempts SQLite into walking the workspace in number order.
    return sorted(session.exec(query).all(), key=lambda objective: objective.number)


def count_member_objectives(
    *, session: Session, workspace_id: int, cycle_id: int, member_id: int
) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Objective)
            .where(
                Objective.workspace_id == workspace_id,
                Objective.cycle_id == cycle_id,
                Objective.owner_member_id == member_id,
                col(Objective.archived).is_(False),
            )
        ).one()
    )


def list_key_results(
    *,
    session: Session,
    workspace_id: int,
    objective_ids: Iterable[int] | None = None,
    owner_member_ids: Iterable[int] | None = None,
    cycle_id: int | None = None,
    ids: Iterable[int] | None = None,
) -> list[KeyResult]:
    query = select(KeyResult).where(
        KeyResult.workspace_id == workspace_id, col(KeyResult.archived).is_(False)
    )
    if ids is not None:
        query = query.where(col(KeyResult.id).in_(list(ids)))
    if objective_ids is not None:
        query = query.where(col(KeyResult.objective_id).in_(list(objective_ids)))
    if owner_member_ids is not None:
        query = query.where(col(KeyResult.owner_member_id).in_(list(owner_member_ids)))
    if cycle_id is not None:
        query = query.join(Objective, col(Objective.id) == col(KeyResult.objective_id)).where(
            Objective.workspace_id == workspace_id,
            Objective.cycle_id == cycle_id,
            col(Objective.archived).is_(False),
        )
    # Sorted here: an ORDER BY number tempts SQLite into walking the workspace in number order.
    return sorted(session.exec(query).all(), key=lambda kr: kr.number)


@dataclass(frozen=True, slots=True)
class ObjectiveFacts:
    """What a digest shows of an objective."""

    id: int
    number: int
    title: str


@dataclass(frozen=True, slots=True)
class KRFacts:
    """What prompts, rollups and digests read of a key result, as plain values.

    Reading thousands of key results for the weekly rhythm as rows instead of
    ORM objects is several times cheaper; the fields mirror KeyResult's.
    """

    id: int
    number: int
    title: str
    kind: str
    start_value: float
    target_value: float | None
    current_value: float
    unit: str
    weight: float
    owner_member_id: int | None
    objective_id: int
    created_at: datetime
    # The objective's owner, so callers can tell which team a key result belongs to.
    objective_owner_member_id: int | None
    objective_owner_team_id: int | None
    objective_number: int
    objective_title: str
    objective_kind: str  # committed | aspirational
    # The KR's own cycle (a quarter of a yearly objective), else None.
    cycle_id: int | None = None
    objective_cycle_id: int | None = None

    @property
    def objective(self) -> ObjectiveFacts:
        return ObjectiveFacts(self.objective_id, self.objective_number, self.objective_title)


KR_FACT_COLUMNS = (
    col(KeyResult.id),
    col(KeyResult.number),
    col(KeyResult.title),
    col(KeyResult.kind),
    col(KeyResult.start_value),
    col(KeyResult.target_value),
    col(KeyResult.current_value),
    col(KeyResult.unit),
    col(KeyResult.weight),
    col(KeyResult.owner_member_id),
    col(KeyResult.objective_id),
    col(KeyResult.created_at),
    col(Objective.owner_member_id),
    col(Objective.owner_team_id),
    col(Objective.number),
    col(Objective.title),
    col(Objective.kind),
    col(KeyResult.cycle_id),
    col(Objective.cycle_id),
)

# SQLite allows 32,766 parameters in one statement: long id lists go in slices.
_SLICE = 5000


def slices(ids: Iterable[int]) -> Iterator[list[int]]:
    """`ids` deduplicated and sorted, in lists short enough for one statement's IN."""
    unique = sorted(set(ids))
    for start in range(0, len(unique), _SLICE):
        yield unique[start : start + _SLICE]


def cycle_kr_facts(
    *,
    session: Session,
    workspace_id: int,
    cycle_id: int,
    owner_member_ids: Iterable[int] = (),
    objective_member_ids: Iterable[int] = (),
    objective_team_ids: Iterable[int] = (),
) -> list[KRFacts]:
    """A cycle's live key results that these members own, or whose objective these
    members or teams own; ordered by number."""
    found: dict[int, KRFacts] = {}
    base = (
        select_columns(*KR_FACT_COLUMNS)
        .join(Objective, col(Objective.id) == col(KeyResult.objective_id))
        .where(
            col(KeyResult.workspace_id) == workspace_id,
            col(KeyResult.archived).is_(False),
            # The tenant on both sides, so the planner may start from the objectives'
            # owner indexes rather than walk the workspace's key results.
            col(Objective.workspace_id) == workspace_id,
            col(Objective.cycle_id) == cycle_id,
            col(Objective.archived).is_(False),
        )
    )
    for part in slices(owner_member_ids):
        for row in session.execute(base.where(col(KeyResult.owner_member_id).in_(part))):
            found[row[0]] = KRFacts(*row)
    # Objectives' owners: their objectives first (a seek on the owner's index), then
    # those objectives' key results. As a plain join filter, the planner may instead
    # walk every key result of the workspace (owner_team_id is mostly NULL, which
    # statistics count as one value shared by all).
    owners = (
        (Objective.owner_member_id, objective_member_ids),
        (Objective.owner_team_id, objective_team_ids),
    )
    for owner, ids in owners:
        for part in slices(ids):
            objectives = select_columns(col(Objective.id)).where(
                col(Objective.workspace_id) == workspace_id, col(owner).in_(part)
            )
            for row in session.execute(base.where(col(KeyResult.objective_id).in_(objectives))):
                found[row[0]] = KRFacts(*row)
    return sorted(found.values(), key=lambda kr: kr.number)


def update_key_result(
    *, session: Session, kr: KeyResult, changes: dict[str, object], now: datetime
) -> KeyResult:
    allowed = (
        "title",
        "owner_member_id",
        "kind",
        "start_value",
        "target_value",
        "current_value",
        "unit",
        "weight",
        "archived",
    )
    for key, value in changes.items():
        if key not in allowed:
            raise ValueError(f"not a key result field: {key}")
        setattr(kr, key, value)
    kr.updated_at = now
    session.add(kr)
    return kr


def update_objective(
    *, session: Session, objective: Objective, changes: dict[str, object], now: datetime
) -> Objective:
    allowed = ("title", "kind", "owner_member_id", "owner_team_id")
    for key, value in changes.items():
        if key not in allowed:
            raise ValueError(f"not an objective field: {key}")
        setattr(objective, key, value)
    if (objective.owner_member_id is None) == (objective.owner_team_id is None):
        raise ValueError("an objective is owned by exactly one member or one team")
    objective.updated_at = now
    session.add(objective)
    return objective


def set_alignment(
    *,
    session: Session,
    objective: Objective,
    parent_objective_id: int | None,
    parent_kr_id: int | None,
    now: datetime,
) -> Objective:
    if parent_objective_id is not None and parent_kr_id is not None:
        raise ValueError("an objective aligns to one parent")
    objective.parent_objective_id = parent_objective_id
    objective.parent_kr_id = parent_kr_id
    objective.updated_at = now
    session.add(objective)
    return objective


def aligned_children(
    *, session: Session, workspace_id: int, objective_id: int, kr_ids: Iterable[int] = ()
) -> list[Objective]:
    """Objectives aligned to this objective or to one of its key results."""
    clauses = [col(Objective.parent_objective_id) == objective_id]
    kr_list = list(kr_ids)
    if kr_list:
        clauses.append(col(Objective.parent_kr_id).in_(kr_list))
    return list(
        session.exec(
            select(Objective)
            .where(
                Objective.workspace_id == workspace_id,
                col(Objective.archived).is_(False),
                or_(*clauses),
            )
            .order_by(col(Objective.number))
        ).all()
    )


def scores_for(*, session: Session, workspace_id: int, kr_ids: Iterable[int]) -> dict[int, Score]:
    rows = session.exec(
        select(Score).where(Score.workspace_id == workspace_id, col(Score.kr_id).in_(list(kr_ids)))
    ).all()
    return {row.kr_id: row for row in rows}


def save_self_score(
    *, session: Session, workspace_id: int, kr_id: int, member_id: int, score: float, now: datetime
) -> Score:
    row = scores_for(session=session, workspace_id=workspace_id, kr_ids=[kr_id]).get(kr_id)
    if row is None:
        row = Score(workspace_id=workspace_id, kr_id=kr_id)
    row.self_score = score
    row.self_scored_by = member_id
    row.self_scored_at = now
    session.add(row)
    session.flush()
    return row


def save_review_score(
    *,
    session: Session,
    workspace_id: int,
    kr_id: int,
    reviewer_id: int,
    score: float,
    reason: str,
    now: datetime,
) -> Score:
    row = scores_for(session=session, workspace_id=workspace_id, kr_ids=[kr_id]).get(kr_id)
    if row is None:
        row = Score(workspace_id=workspace_id, kr_id=kr_id)
    row.reviewed_score = score
    row.reviewer_id = reviewer_id
    row.reason = reason
    row.reviewed_at = now
    session.add(row)
    session.flush()
    return row
