"""Reads for the web view's pages: a whole cycle's tree at once, or one node's branch.

Each function is one statement (or a fixed few) however large the company:
the alignment tree of ten thousand people is read whole in the same handful
of queries as a team of five, never a query per node. Rows come back as
plain values, which for tens of thousands of objectives is several times
cheaper than ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Integer, any_, cast, func, or_
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from storage.models import (
    Checkin,
    Cycle,
    KeyResult,
    Member,
    Objective,
    OutboxMessage,
    OutboxState,
    Team,
    TeamMember,
)
from storage.repos.okrs import KR_FACT_COLUMNS, KRFacts, slices
from storage.repos.rhythm import CheckinFacts


@dataclass(frozen=True, slots=True)
class ObjectiveRow:
    """An objective as the tree places it: who owns it and what it aligns to."""

    id: int
    number: int
    title: str
    kind: str
    owner_member_id: int | None
    owner_team_id: int | None
    parent_objective_id: int | None
    parent_kr_id: int | None
    cycle_id: int


_OBJECTIVE = (
    col(Objective.id),
    col(Objective.number),
    col(Objective.title),
    col(Objective.kind),
    col(Objective.owner_member_id),
    col(Objective.owner_team_id),
    col(Objective.parent_objective_id),
    col(Objective.parent_kr_id),
    col(Objective.cycle_id),
)


def _live_objectives(workspace_id: int) -> Any:
    return select_columns(*_OBJECTIVE).where(
        col(Objective.workspace_id) == workspace_id, col(Objective.archived).is_(False)
    )


def cycle_objectives(*, session: Session, workspace_id: int, cycle_id: int) -> list[ObjectiveRow]:
    """Every live objective of a cycle, by number."""
    rows = session.execute(
        _live_objectives(workspace_id).where(col(Objective.cycle_id) == cycle_id)
    )
    return sorted((ObjectiveRow(*row) for row in rows), key=lambda o: o.number)


def objectives_by_id(
    *, session: Session, workspace_id: int, ids: Iterable[int]
) -> dict[int, ObjectiveRow]:
    found: dict[int, ObjectiveRow] = {}
    for part in slices(ids):
        rows = session.execute(_live_objectives(workspace_id).where(col(Objective.id).in_(part)))
        found.update((row[0], ObjectiveRow(*row)) for row in rows)
    return found


def aligned_to(
    *, session: Session, workspace_id: int, objective_ids: Iterable[int]
) -> list[ObjectiveRow]:
    """The live objectives aligned to these objectives or to one of their key results."""
    found: dict[int, ObjectiveRow] = {}
    for part in slices(objective_ids):
        their_krs = select_columns(col(KeyResult.id)).where(
            col(KeyResult.workspace_id) == workspace_id, col(KeyResult.objective_id).in_(part)
        )
        rows = session.execute(
            _live_objectives(workspace_id).where(
                or_(
                    col(Objective.parent_objective_id).in_(part),
                    col(Objective.parent_kr_id).in_(their_krs),
                )
            )
        )
        found.update((row[0], ObjectiveRow(*row)) for row in rows)
    return sorted(found.values(), key=lambda o: o.number)


def key_results_of_cycle(*, session: Session, workspace_id: int, cycle_id: int) -> list[KRFacts]:
    """Every live key result of a cycle's live objectives, by number."""
    rows = session.execute(
        select_columns(*KR_FACT_COLUMNS)
        .join(Objective, col(Objective.id) == col(KeyResult.objective_id))
        .where(
            col(KeyResult.workspace_id) == workspace_id,
            col(KeyResult.archived).is_(False),
            col(Objective.workspace_id) == workspace_id,
            col(Objective.cycle_id) == cycle_id,
            col(Objective.archived).is_(False),
        )
    )
    return sorted((KRFacts(*row) for row in rows), key=lambda kr: kr.number)


def key_results_of(
    *, session: Session, workspace_id: int, objective_ids: Iterable[int]
) -> list[KRFacts]:
    """The live key results of these objectives, by number."""
    found: list[KRFacts] = []
    for part in slices(objective_ids):
        rows = session.execute(
            select_columns(*KR_FACT_COLUMNS)
            .join(Objective, col(Objective.id) == col(KeyResult.objective_id))
            .where(
                col(KeyResult.workspace_id) == workspace_id,
                col(KeyResult.archived).is_(False),
                col(KeyResult.objective_id).in_(part),
            )
        )
        found.extend(KRFacts(*row) for row in rows)
    return sorted(found, key=lambda kr: kr.number)


_CHECKIN = (
    col(Checkin.kr_id),
    col(Checkin.week),
    col(Checkin.value),
    col(Checkin.previous_value),
    col(Checkin.confidence),
    col(Checkin.note),
)


def _nth_latest(
    session: Session, workspace_id: int, drivers: Any, up_to_week: str, skip: int
) -> list[Any]:
    """Conditions on Checkin selecting, for each key result `drivers` selects, its
    check-in `skip` places before its latest one (up to and including `up_to_week`).

    Each is one backward seek on (workspace_id, kr_id, week) per key result, so the
    cost follows the number of key results, not the years of history behind them.
    """
    earlier = aliased(Checkin)
    nth = (
        select_columns(col(earlier.id))
        .where(
            col(earlier.workspace_id) == col(KeyResult.workspace_id),
            col(earlier.kr_id) == col(KeyResult.id),
            col(earlier.week) <= up_to_week,
        )
        .order_by(col(earlier.week).desc())
        .limit(1)
        .offset(skip)
        .correlate(KeyResult)
        .scalar_subquery()
    )
    ids = drivers.with_only_columns(nth.label("id"))
    if session.get_bind().dialect.name == "postgresql":
        # As `IN (…)` PostgreSQL would hash every check-in of the workspace; as one
        # array computed first, it looks each id up in the primary key.
        found = ids.subquery()
        as_array = cast(
            select_columns(func.array_agg(found.c.id)).scalar_subquery(), ARRAY(Integer)
        )
        return [col(Checkin.workspace_id) == workspace_id, col(Checkin.id) == any_(as_array)]
    return [col(Checkin.workspace_id) == workspace_id, col(Checkin.id).in_(ids)]


def _cycle_krs(workspace_id: int, cycle_id: int) -> Any:
    return (
        select_columns(col(KeyResult.id))
        .join(Objective, col(Objective.id) == col(KeyResult.objective_id))
        .where(
            col(KeyResult.workspace_id) == workspace_id,
            col(KeyResult.archived).is_(False),
            col(Objective.workspace_id) == workspace_id,
            col(Objective.cycle_id) == cycle_id,
            col(Objective.archived).is_(False),
        )
    )


def latest_checkins_of_cycle(
    *, session: Session, workspace_id: int, cycle_id: int, up_to_week: str, skip: int = 0
) -> dict[int, CheckinFacts]:
    """Each key result of the cycle's latest check-in up to a week (`skip=1`: the one
    before it, for a trend), by key result id; one statement for the whole company."""
    drivers = _cycle_krs(workspace_id, cycle_id)
    rows = session.execute(
        select_columns(*_CHECKIN).where(
            *_nth_latest(session, workspace_id, drivers, up_to_week, skip)
        )
    )
    return {row[0]: CheckinFacts(*row) for row in rows}


def latest_checkins_of(
    *, session: Session, workspace_id: int, kr_ids: Iterable[int], up_to_week: str, skip: int = 0
) -> dict[int, CheckinFacts]:
    """As latest_checkins_of_cycle, for these key results."""
    found: dict[int, CheckinFacts] = {}
    for part in slices(kr_ids):
        drivers = select_columns(col(KeyResult.id)).where(
            col(KeyResult.workspace_id) == workspace_id, col(KeyResult.id).in_(part)
        )
        rows = session.execute(
            select_columns(*_CHECKIN).where(
                *_nth_latest(session, workspace_id, drivers, up_to_week, skip)
            )
        )
        found.update((row[0], CheckinFacts(*row)) for row in rows)
    return found


def aligned_counts(
    *, session: Session, workspace_id: int, objective_ids: Iterable[int]
) -> dict[int, int]:
    """How many live objectives align to each of these (to it or to one of its KRs)."""
    counts: dict[int, int] = {}
    for part in slices(objective_ids):
        direct = session.execute(
            select_columns(col(Objective.parent_objective_id), func.count())
            .where(
                col(Objective.workspace_id) == workspace_id,
                col(Objective.archived).is_(False),
                col(Objective.parent_objective_id).in_(part),
            )
            .group_by(col(Objective.parent_objective_id))
        )
        for parent, count in direct:
            counts[parent] = counts.get(parent, 0) + int(count)
        via_kr = session.execute(
            select_columns(col(KeyResult.objective_id), func.count())
            .join(Objective, col(Objective.parent_kr_id) == col(KeyResult.id))
            .where(
                col(KeyResult.workspace_id) == workspace_id,
                col(KeyResult.objective_id).in_(part),
                col(Objective.workspace_id) == workspace_id,
                col(Objective.archived).is_(False),
            )
            .group_by(col(KeyResult.objective_id))
        )
        for parent, count in via_kr:
            counts[parent] = counts.get(parent, 0) + int(count)
    return counts


@dataclass(frozen=True, slots=True)
class PersonName:
    id: int
    handle: str
    display_name: str

    @property
    def name(self) -> str:
        return self.display_name or self.handle


def people(
    *, session: Session, workspace_id: int, ids: Iterable[int] | None = None
) -> dict[int, PersonName]:
    """Names of the workspace's members (all of them, or these), by id."""
    query = select_columns(col(Member.id), col(Member.handle), col(Member.display_name)).where(
        col(Member.workspace_id) == workspace_id
    )
    if ids is None:
        return {row[0]: PersonName(*row) for row in session.execute(query)}
    found: dict[int, PersonName] = {}
    for part in slices(ids):
        for row in session.execute(query.where(col(Member.id).in_(part))):
            found[row[0]] = PersonName(*row)
    return found


def team_names(*, session: Session, workspace_id: int) -> dict[int, str]:
    rows = session.execute(
        select_columns(col(Team.id), col(Team.name)).where(col(Team.workspace_id) == workspace_id)
    )
    return {team_id: name for team_id, name in rows}


def memberships(
    *, session: Session, workspace_id: int, member_ids: Iterable[int] | None = None
) -> dict[int, set[int]]:
    """The teams each member belongs to (everyone's, or these members')."""
    query = select_columns(col(TeamMember.member_id), col(TeamMember.team_id)).where(
        col(TeamMember.workspace_id) == workspace_id
    )
    found: dict[int, set[int]] = {}
    parts = [None] if member_ids is None else list(slices(member_ids))
    for part in parts:
        scoped = query if part is None else query.where(col(TeamMember.member_id).in_(part))
        for member_id, team_id in session.execute(scoped):
            found.setdefault(member_id, set()).add(team_id)
    return found


def cycles(*, session: Session, workspace_id: int) -> list[Cycle]:
    """The workspace's cycles, newest first."""
    rows = session.execute(
        select_columns(Cycle).where(col(Cycle.workspace_id) == workspace_id)
    ).scalars()
    return sorted(rows, key=lambda c: (c.start_date, c.id or 0), reverse=True)


@dataclass(frozen=True, slots=True)
class SentView:
    key: str
    view: str  # the neutral view as JSON text
    sent_at: datetime | None


def sent_with_prefix(
    *, session: Session, workspace_id: int, prefix: str, limit: int
) -> list[SentView]:
    """The latest sent outbox rows whose key starts with `prefix`, newest first.

    A range on the (workspace_id, key) unique index rather than LIKE, which SQLite
    compares without case and so cannot seek on.
    """
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    rows = session.execute(
        select_columns(col(OutboxMessage.key), col(OutboxMessage.view), col(OutboxMessage.sent_at))
        .where(
            col(OutboxMessage.workspace_id) == workspace_id,
            col(OutboxMessage.key) >= prefix,
            col(OutboxMessage.key) < upper,
            col(OutboxMessage.state) == OutboxState.SENT.value,
        )
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return [SentView(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class CheckinEntry:
    """A check-in as its history shows it: the week, the value, the words and links."""

    id: int
    kr_id: int
    member_id: int
    week: str
    value: float
    previous_value: float
    confidence: int | None
    note: str
    links: list[str]
    updated_at: datetime


_ENTRY = (
    col(Checkin.id),
    col(Checkin.kr_id),
    col(Checkin.member_id),
    col(Checkin.week),
    col(Checkin.value),
    col(Checkin.previous_value),
    col(Checkin.confidence),
    col(Checkin.note),
    col(Checkin.links),
    col(Checkin.updated_at),
)


def checkins_of(
    *, session: Session, workspace_id: int, kr_ids: Iterable[int], limit: int = 200
) -> list[CheckinEntry]:
    """The latest check-ins of these key results, newest week first."""
    ids = sorted(set(kr_ids))
    if not ids:
        return []
    rows = session.execute(
        select_columns(*_ENTRY)
        .where(col(Checkin.workspace_id) == workspace_id, col(Checkin.kr_id).in_(ids))
        .order_by(col(Checkin.week).desc(), col(Checkin.kr_id))
        .limit(limit)
    )
    return [CheckinEntry(*row) for row in rows]


def checkins_by(
    *, session: Session, workspace_id: int, member_id: int, limit: int = 20
) -> list[CheckinEntry]:
    """The check-ins a member recorded last, newest first."""
    rows = session.execute(
        select_columns(*_ENTRY)
        .where(col(Checkin.workspace_id) == workspace_id, col(Checkin.member_id) == member_id)
        .order_by(col(Checkin.updated_at).desc())
        .limit(limit)
    )
    return [CheckinEntry(*row) for row in rows]


def key_results_by_id(
    *, session: Session, workspace_id: int, ids: Iterable[int]
) -> dict[int, KRFacts]:
    """Key results (archived ones too: history names them) with their objectives, by id."""
    found: dict[int, KRFacts] = {}
    for part in slices(ids):
        rows = session.execute(
            select_columns(*KR_FACT_COLUMNS)
            .join(Objective, col(Objective.id) == col(KeyResult.objective_id))
            .where(col(KeyResult.workspace_id) == workspace_id, col(KeyResult.id).in_(part))
        )
        found.update((row[0], KRFacts(*row)) for row in rows)
    return found


def objectives_owned(
    *,
    session: Session,
    workspace_id: int,
    cycle_id: int,
    member_ids: Iterable[int] = (),
    team_ids: Iterable[int] = (),
) -> list[ObjectiveRow]:
    """A cycle's live objectives owned by these members or these teams, by number."""
    found: dict[int, ObjectiveRow] = {}
    base = _live_objectives(workspace_id).where(col(Objective.cycle_id) == cycle_id)
    for owner, ids in (
        (Objective.owner_member_id, member_ids),
        (Objective.owner_team_id, team_ids),
    ):
        for part in slices(ids):
            for row in session.execute(base.where(col(owner).in_(part))):
                found[row[0]] = ObjectiveRow(*row)
    return sorted(found.values(), key=lambda o: o.number)


def objectives_of_member_by_cycle(
    *, session: Session, workspace_id: int, member_id: int
) -> list[ObjectiveRow]:
    """Every live objective a member owns, in any cycle: their history."""
    rows = session.execute(
        _live_objectives(workspace_id).where(col(Objective.owner_member_id) == member_id)
    )
    return sorted((ObjectiveRow(*row) for row in rows), key=lambda o: o.number)
