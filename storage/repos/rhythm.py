"""Weekly check-ins, plan tasks and time away."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, Integer, any_, cast, delete, func
from sqlalchemy import select as select_columns
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import Away, Checkin, KeyResult, PlanTask, TaskHelper, TaskStatus
from storage.repos.okrs import allocate_number, slices


@dataclass(frozen=True, slots=True)
class SavedCheckin:
    checkin: Checkin
    created: bool  # False when this submit edited the week's existing check-in


def save_checkin(
    *,
    session: Session,
    workspace_id: int,
    kr: KeyResult,
    member_id: int,
    week: str,
    value: float,
    confidence: int | None,
    note: str,
    links: Sequence[str],
    now: datetime,
) -> SavedCheckin:
    """Record this week's check-in of a KR and move the KR's current value.

    One check-in per KR per week: a second submit edits the first, keeping the
    value the week started from so "change this week" stays right.
    """
    assert kr.id is not None
    existing = _week_checkin(session=session, kr_id=kr.id, week=week)
    created = existing is None
    if existing is None:
        row = Checkin(
            workspace_id=workspace_id,
            kr_id=kr.id,
            member_id=member_id,
            week=week,
            value=value,
            previous_value=kr.current_value,
            confidence=confidence,
            note=note,
            links=list(links),
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # Another submit for the same week won the race: edit that one instead.
            existing = _week_checkin(session=session, kr_id=kr.id, week=week)
            if existing is None:
                raise
            created = False
    if existing is not None:
        row = existing
        row.value = value
        row.member_id = member_id
        if confidence is not None:
            row.confidence = confidence
        if note:
            row.note = note
        if links:
            row.links = list(dict.fromkeys([*row.links, *links]))
        row.updated_at = now
        session.add(row)
    kr.current_value = value
    kr.updated_at = now
    session.add(kr)
    session.flush()
    return SavedCheckin(checkin=row, created=created)


def members_checked_in_since(
    *, session: Session, workspace_id: int, since: datetime, weeks: Iterable[str]
) -> list[tuple[int, datetime]]:
    """Who recorded or edited a check-in of `weeks` at or after `since`, with when they
    last did (the weeks bound the read: the rest of history is not looked at)."""
    rows = session.execute(
        select_columns(col(Checkin.member_id), func.max(col(Checkin.updated_at)))
        .where(
            # "+ 0" keeps SQLite off the workspace index (a walk of all its check-ins)
            # and on the week's.
            col(Checkin.workspace_id) + 0 == workspace_id,
            col(Checkin.week).in_(sorted(set(weeks))),
            col(Checkin.updated_at) >= since,
        )
        .group_by(col(Checkin.member_id))
        .order_by(col(Checkin.member_id))
    )
    return [(member_id, at) for member_id, at in rows]


def _week_checkin(*, session: Session, kr_id: int, week: str) -> Checkin | None:
    return session.exec(select(Checkin).where(Checkin.kr_id == kr_id, Checkin.week == week)).first()


def checkins_for_week(
    *, session: Session, workspace_id: int, week: str, kr_ids: Iterable[int] | None = None
) -> dict[int, Checkin]:
    query = select(Checkin).where(Checkin.workspace_id == workspace_id, Checkin.week == week)
    if kr_ids is None:
        return {row.kr_id: row for row in session.exec(query).all()}
    found: dict[int, Checkin] = {}
    for ids in slices(kr_ids):
        for row in session.exec(query.where(col(Checkin.kr_id).in_(ids))).all():
            found[row.kr_id] = row
    return found


def _latest_before(session: Session, workspace_id: int, week: str, kr_ids: list[int]) -> Any:
    """The ids of each KR's latest check-in before `week`, as a condition on Checkin.id.

    Driven from the key results, finding each one is a single backward seek on
    (workspace_id, kr_id, week), so the cost does not grow with the history.
    """
    earlier = aliased(Checkin)
    latest = (
        select_columns(col(earlier.id))
        .where(
            col(earlier.workspace_id) == col(KeyResult.workspace_id),
            col(earlier.kr_id) == col(KeyResult.id),
            col(earlier.week) < week,
        )
        .order_by(col(earlier.week).desc())
        .limit(1)
        .correlate(KeyResult)
        .scalar_subquery()
    )
    ids = select_columns(latest.label("id")).where(
        col(KeyResult.workspace_id) == workspace_id, col(KeyResult.id).in_(kr_ids)
    )
    if session.get_bind().dialect.name == "postgresql":
        # As `IN (…)`, PostgreSQL hashes every check-in of the workspace to join the
        # ids (a sequential scan that grows with history); as one array computed
        # first, it looks each id up in the primary key.
        found = ids.subquery()
        as_array = cast(
            select_columns(func.array_agg(found.c.id)).scalar_subquery(), ARRAY(Integer)
        )
        return col(Checkin.workspace_id) == workspace_id, col(Checkin.id) == any_(as_array)
    return col(Checkin.workspace_id) == workspace_id, col(Checkin.id).in_(ids)


def last_checkins_before(
    *, session: Session, workspace_id: int, week: str, kr_ids: Iterable[int]
) -> dict[int, Checkin]:
    """Each KR's most recent check-in strictly before `week` (week keys sort as text)."""
    found: dict[int, Checkin] = {}
    for ids in slices(kr_ids):
        rows = session.exec(
            select(Checkin).where(*_latest_before(session, workspace_id, week, ids))
        ).all()
        found.update((row.kr_id, row) for row in rows)
    return found


@dataclass(frozen=True, slots=True)
class CheckinFacts:
    """What the rhythm's prompts, rollups and digests read of a check-in: plain values."""

    kr_id: int
    week: str
    value: float
    previous_value: float
    confidence: int | None
    note: str


_FACTS = (
    col(Checkin.kr_id),
    col(Checkin.week),
    col(Checkin.value),
    col(Checkin.previous_value),
    col(Checkin.confidence),
    col(Checkin.note),
)


def _facts(rows: Iterable[Any]) -> dict[int, CheckinFacts]:
    return {row[0]: CheckinFacts(*row) for row in rows}


def week_checkin_facts(
    *, session: Session, workspace_id: int, week: str, kr_ids: Iterable[int]
) -> dict[int, CheckinFacts]:
    """This week's check-in of each KR, as plain values (no ORM objects to build)."""
    found: dict[int, CheckinFacts] = {}
    for ids in slices(kr_ids):
        found.update(
            _facts(
                session.execute(
                    select_columns(*_FACTS).where(
                        col(Checkin.workspace_id) == workspace_id,
                        col(Checkin.week) == week,
                        col(Checkin.kr_id).in_(ids),
                    )
                )
            )
        )
    return found


def latest_checkin_facts_before(
    *, session: Session, workspace_id: int, week: str, kr_ids: Iterable[int]
) -> dict[int, CheckinFacts]:
    """Each KR's most recent check-in before `week`, as plain values; costs the same
    for a week of history as for years of it."""
    found: dict[int, CheckinFacts] = {}
    for ids in slices(kr_ids):
        found.update(
            _facts(
                session.execute(
                    select_columns(*_FACTS).where(*_latest_before(session, workspace_id, week, ids))
                )
            )
        )
    return found


def checkin_history(
    *, session: Session, workspace_id: int, kr_id: int, limit: int = 8
) -> list[Checkin]:
    """A KR's most recent check-ins, oldest first."""
    rows = session.exec(
        select(Checkin)
        .where(Checkin.workspace_id == workspace_id, Checkin.kr_id == kr_id)
        .order_by(col(Checkin.week).desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def confidence_history(
    *, session: Session, workspace_id: int, kr_ids: Iterable[int], up_to_week: str
) -> dict[int, list[int]]:
    """Confidence values per KR in week order, up to and including `up_to_week`."""
    history: dict[int, list[int]] = defaultdict(list)
    for ids in slices(kr_ids):
        rows = session.execute(
            select_columns(col(Checkin.kr_id), col(Checkin.confidence))
            .where(
                col(Checkin.workspace_id) == workspace_id,
                col(Checkin.kr_id).in_(ids),
                col(Checkin.week) <= up_to_week,
                col(Checkin.confidence).is_not(None),
            )
            .order_by(col(Checkin.kr_id), col(Checkin.week))
        )
        for kr_id, confidence in rows:
            history[kr_id].append(confidence)
    return dict(history)


def create_task(
    *,
    session: Session,
    workspace_id: int,
    week: str,
    title: str,
    owner_member_id: int,
    kr_id: int | None = None,
    due_date: date | None = None,
    helper_ids: Iterable[int] = (),
    carried_from_id: int | None = None,
    now: datetime,
) -> PlanTask:
    task = PlanTask(
        workspace_id=workspace_id,
        number=allocate_number(session=session, workspace_id=workspace_id, kind="T"),
        week=week,
        title=title,
        kr_id=kr_id,
        owner_member_id=owner_member_id,
        due_date=due_date,
        carried_from_id=carried_from_id,
        created_at=now,
    )
    session.add(task)
    session.flush()
    assert task.id is not None
    for member_id in dict.fromkeys(helper_ids):
        if member_id != owner_member_id:
            session.add(TaskHelper(workspace_id=workspace_id, task_id=task.id, member_id=member_id))
    session.flush()
    return task


def get_task(*, session: Session, workspace_id: int, number: int) -> PlanTask | None:
    return session.exec(
        select(PlanTask).where(PlanTask.workspace_id == workspace_id, PlanTask.number == number)
    ).first()


def list_tasks(
    *,
    session: Session,
    workspace_id: int,
    week: str,
    member_ids: Iterable[int] | None = None,
    include_helping: bool = True,
) -> list[PlanTask]:
    """A week's tasks, optionally only those owned (or helped, if asked) by some members."""
    query = select(PlanTask).where(PlanTask.workspace_id == workspace_id, PlanTask.week == week)
    if member_ids is not None:
        ids = list(member_ids)
        owned = col(PlanTask.owner_member_id).in_(ids)
        if include_helping:
            helped = col(PlanTask.id).in_(
                select(TaskHelper.task_id).where(col(TaskHelper.member_id).in_(ids))
            )
            query = query.where(owned | helped)
        else:
            query = query.where(owned)
    # Sorted here: ORDER BY number would tempt the planner to walk the workspace's
    # (workspace_id, number) index, every task of every week, to skip a small sort.
    return sorted(session.exec(query).all(), key=lambda t: t.number)


def tasks_of_weeks(
    *,
    session: Session,
    workspace_id: int,
    weeks: Iterable[str],
    member_ids: Iterable[int],
    include_helping: bool = True,
) -> list[PlanTask]:
    """The tasks of these weeks these members own (or help on, if asked), by week and number.

    Owned and helped tasks are two seeks: an OR of them makes the planner walk the
    workspace's tasks.
    """
    week_list = list(weeks)
    found: dict[int, PlanTask] = {}
    for ids in slices(member_ids):
        owned = select(PlanTask).where(
            PlanTask.workspace_id == workspace_id,
            col(PlanTask.owner_member_id).in_(ids),
            col(PlanTask.week).in_(week_list),
        )
        found.update((t.id or 0, t) for t in session.exec(owned).all())
        if not include_helping:
            continue
        helped = session.exec(
            select(TaskHelper.task_id).where(
                TaskHelper.workspace_id == workspace_id, col(TaskHelper.member_id).in_(ids)
            )
        ).all()
        for task in get_tasks(session=session, workspace_id=workspace_id, ids=helped):
            if task.week in week_list:
                found[task.id or 0] = task
    return sorted(found.values(), key=lambda t: (t.week, t.number))


def add_task_links(
    *, session: Session, workspace_id: int, task_id: int, links: Iterable[str]
) -> PlanTask:
    """Add result links to a task, each once, in the order given."""
    task = session.get(PlanTask, task_id)
    if task is None or task.workspace_id != workspace_id:
        raise LookupError(f"no task {task_id} in workspace {workspace_id}")
    task.links = list(dict.fromkeys([*task.links, *links]))
    session.add(task)
    session.flush()
    return task


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What the rhythm reads of a plan task, as plain values (see PlanTask)."""

    id: int
    number: int
    week: str
    title: str
    kr_id: int | None
    owner_member_id: int
    due_date: date | None
    status: str


_TASK_FACTS = (
    col(PlanTask.id),
    col(PlanTask.number),
    col(PlanTask.week),
    col(PlanTask.title),
    col(PlanTask.kr_id),
    col(PlanTask.owner_member_id),
    col(PlanTask.due_date),
    col(PlanTask.status),
)


def week_task_facts(
    *, session: Session, workspace_id: int, week: str, owner_member_ids: Iterable[int]
) -> list[TaskFacts]:
    """A week's tasks owned by these members, as plain values, ordered by number."""
    found: list[TaskFacts] = []
    for ids in slices(owner_member_ids):
        rows = session.execute(
            select_columns(*_TASK_FACTS).where(
                col(PlanTask.workspace_id) == workspace_id,
                col(PlanTask.week) == week,
                col(PlanTask.owner_member_id).in_(ids),
            )
        )
        found.extend(TaskFacts(*row) for row in rows)
    return sorted(found, key=lambda t: t.number)


def open_task_facts_due_between(
    *,
    session: Session,
    workspace_id: int,
    weeks: Iterable[str],
    owner_member_ids: Iterable[int],
    first_day: date,
    last_day: date,
) -> list[TaskFacts]:
    """Still-planned tasks of these weeks and owners due in [first_day, last_day], by number.

    What the morning nudge looks for: only the few tasks that can be overdue today,
    not every task of the weeks.
    """
    found: list[TaskFacts] = []
    for ids in slices(owner_member_ids):
        rows = session.execute(
            select_columns(*_TASK_FACTS).where(
                col(PlanTask.workspace_id) == workspace_id,
                col(PlanTask.week).in_(list(weeks)),
                col(PlanTask.owner_member_id).in_(ids),
                col(PlanTask.status) == TaskStatus.PLANNED.value,
                col(PlanTask.due_date) >= first_day,
                col(PlanTask.due_date) <= last_day,
            )
        )
        found.extend(TaskFacts(*row) for row in rows)
    return sorted(found, key=lambda t: t.number)


def get_tasks(*, session: Session, workspace_id: int, ids: Iterable[int]) -> list[PlanTask]:
    """Tasks by id, ordered by number."""
    found: list[PlanTask] = []
    for part in slices(ids):
        found.extend(
            session.exec(
                select(PlanTask).where(
                    PlanTask.workspace_id == workspace_id, col(PlanTask.id).in_(part)
                )
            ).all()
        )
    return sorted(found, key=lambda t: t.number)


def helpers_of(
    *, session: Session, workspace_id: int, task_ids: Iterable[int]
) -> dict[int, list[int]]:
    rows = session.exec(
        select(TaskHelper).where(
            TaskHelper.workspace_id == workspace_id, col(TaskHelper.task_id).in_(list(task_ids))
        )
    ).all()
    found: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        found[row.task_id].append(row.member_id)
    return dict(found)


def set_task_status(
    *, session: Session, task: PlanTask, status: TaskStatus, now: datetime
) -> PlanTask:
    task.status = status.value
    task.done_at = now if status == TaskStatus.DONE else None
    session.add(task)
    return task


def add_away(
    *,
    session: Session,
    workspace_id: int,
    member_id: int,
    start: date,
    end: date,
    note: str = "",
) -> Away:
    if end < start:
        raise ValueError("time away ends before it starts")
    row = Away(
        workspace_id=workspace_id, member_id=member_id, start_date=start, end_date=end, note=note
    )
    session.add(row)
    session.flush()
    return row


def list_away(
    *, session: Session, workspace_id: int, member_id: int, from_date: date
) -> list[Away]:
    return list(
        session.exec(
            select(Away)
            .where(
                Away.workspace_id == workspace_id,
                Away.member_id == member_id,
                col(Away.end_date) >= from_date,
            )
            .order_by(col(Away.start_date))
        ).all()
    )


def cancel_away(*, session: Session, workspace_id: int, member_id: int, from_date: date) -> int:
    """Drop current and future time away; returns how many periods were removed."""
    result = session.execute(
        delete(Away).where(
            col(Away.workspace_id) == workspace_id,
            col(Away.member_id) == member_id,
            col(Away.end_date) >= from_date,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # CursorResult has rowcount


def away_member_ids(
    *, session: Session, workspace_id: int, member_ids: Iterable[int], start: date, end: date
) -> set[int]:
    """Members away on any day between start and end (inclusive)."""
    away: set[int] = set()
    for ids in slices(member_ids):
        away.update(
            session.exec(
                select(Away.member_id).where(
                    Away.workspace_id == workspace_id,
                    col(Away.member_id).in_(ids),
                    col(Away.start_date) <= end,
                    col(Away.end_date) >= start,
                )
            ).all()
        )
    return away
