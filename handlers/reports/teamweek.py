"""A team's week as data: what the rollup and the Friday digest are made of.

Loading (a handful of queries for one team or a thousand) and computing (pure:
each KR's movement and risk, each person's check-in state) are separate from
the messages (`handlers.moments.digest`), so each can be tested and measured
on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.okr import math
from handlers.okr.weeks import elapsed_fraction, local_date, week_end, week_start
from storage.models import Cycle, HelpRequest, HelpStatus, KRKind, Kudos, Member, Team
from storage.repos import collab, okrs, rhythm, workspaces
from storage.repos.okrs import KRFacts, ObjectiveFacts
from storage.repos.rhythm import CheckinFacts, TaskFacts

# --- loading -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamWeek:
    """Everything a digest needs about one team in one week."""

    team: Team
    week: str
    today: date
    cycle: Cycle
    members: Sequence[Member]
    away_ids: frozenset[int]
    krs: Sequence[KRFacts]
    checkins: dict[int, CheckinFacts]  # this week, by KR id
    previous: dict[int, CheckinFacts]  # last before this week, by KR id
    tasks: Sequence[TaskFacts]
    helped: Sequence[HelpRequest]  # closed as done this week
    open_requests: Sequence[HelpRequest]
    kudos: Sequence[Kudos]
    people: dict[int, Member]  # everyone named anywhere above
    objectives: Sequence[ObjectiveFacts] = ()  # of the KRs above


def week_bounds_utc(week: str, tz: str) -> tuple[datetime, datetime]:
    """The week's [Monday 00:00, next Monday 00:00) in the team's zone, as UTC."""
    zone = ZoneInfo(tz)
    start = datetime.combine(week_start(week), time(0), tzinfo=zone)
    end = datetime.combine(week_end(week) + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def load_team_week(
    *, session: Session, team: Team, week: str, cycle: Cycle, today: date
) -> TeamWeek:
    assert team.id is not None
    return load_team_weeks(session=session, teams=[team], week=week, cycle=cycle, today=today)[
        team.id
    ]


def load_team_weeks(
    *, session: Session, teams: Sequence[Team], week: str, cycle: Cycle, today: date
) -> dict[int, TeamWeek]:
    """The week of many teams of one workspace, by team id, read together.

    The same dozen queries serve one team or a thousand, each selecting only the
    columns the digest shows; nothing reads further back than the week before.
    """
    if not teams:
        return {}
    ws = teams[0].workspace_id
    assert cycle.id is not None and all(t.workspace_id == ws for t in teams)
    team_ids = [t.id for t in teams if t.id is not None]
    membership = workspaces.team_memberships(session=session, workspace_id=ws, team_ids=team_ids)
    everyone = {m for ids in membership.values() for m in ids}
    krs = okrs.cycle_kr_facts(
        session=session,
        workspace_id=ws,
        cycle_id=cycle.id,
        objective_member_ids=everyone,
        objective_team_ids=team_ids,
    )
    kr_ids = [kr.id for kr in krs]
    bounds = {t.timezone: week_bounds_utc(week, t.timezone) for t in teams}
    helped = collab.list_help_requests(
        session=session,
        workspace_id=ws,
        member_ids=everyone,
        statuses=[HelpStatus.DONE],
        resolved_between=(min(b[0] for b in bounds.values()), max(b[1] for b in bounds.values())),
    )
    open_requests = collab.list_help_requests(
        session=session,
        workspace_id=ws,
        member_ids=everyone,
        statuses=[HelpStatus.OPEN, HelpStatus.ACCEPTED],
    )
    kudos = collab.list_kudos(session=session, workspace_id=ws, week=week, member_ids=everyone)
    tasks = rhythm.week_task_facts(
        session=session, workspace_id=ws, week=week, owner_member_ids=everyone
    )
    away = rhythm.away_member_ids(
        session=session,
        workspace_id=ws,
        member_ids=everyone,
        start=week_start(week),
        end=week_end(week),
    )
    checkins = rhythm.week_checkin_facts(session=session, workspace_id=ws, week=week, kr_ids=kr_ids)
    previous = rhythm.latest_checkin_facts_before(
        session=session, workspace_id=ws, week=week, kr_ids=kr_ids
    )
    named = (
        everyone
        | {kr.owner_member_id for kr in krs if kr.owner_member_id}
        | {r.requester_id for r in [*helped, *open_requests]}
        | {r.helper_id for r in [*helped, *open_requests]}
        | {k.from_member_id for k in kudos}
    )
    people = {
        m.id: m
        for m in workspaces.list_members(session=session, workspace_id=ws, ids=named)
        if m.id is not None
    }

    # Index each kind by the people it concerns, then gather per team.
    krs_of_member = group_by(krs, lambda kr: (kr.objective_owner_member_id,))
    krs_of_team = group_by(krs, lambda kr: (kr.objective_owner_team_id,))
    tasks_of = group_by(tasks, lambda t: (t.owner_member_id,))
    kudos_of = group_by(kudos, lambda k: (k.to_member_id,))
    helped_of = group_by(helped, lambda r: (r.requester_id, r.helper_id))
    open_of = group_by(open_requests, lambda r: (r.requester_id, r.helper_id))

    loaded: dict[int, TeamWeek] = {}
    for team in teams:
        assert team.id is not None
        ids = membership.get(team.id, [])
        start, end = bounds[team.timezone]
        team_krs = gather(ids, krs_of_member, extra=krs_of_team.get(team.id, []))
        loaded[team.id] = TeamWeek(
            team=team,
            week=week,
            today=today,
            cycle=cycle,
            members=[people[i] for i in ids if i in people],
            away_ids=frozenset(i for i in ids if i in away),
            krs=sorted(team_krs.values(), key=lambda kr: kr.number),
            checkins={kr_id: checkins[kr_id] for kr_id in team_krs if kr_id in checkins},
            previous={kr_id: previous[kr_id] for kr_id in team_krs if kr_id in previous},
            tasks=sorted(gather(ids, tasks_of).values(), key=lambda t: t.number),
            helped=sorted(
                (
                    r
                    for r in gather(ids, helped_of).values()
                    if r.resolved_at is not None and start <= r.resolved_at < end
                ),
                key=lambda r: r.number,
            ),
            open_requests=sorted(gather(ids, open_of).values(), key=lambda r: r.number),
            kudos=sorted(gather(ids, kudos_of).values(), key=lambda k: k.id or 0),
            people=people,
            objectives=_objectives_of(team_krs.values()),
        )
    return loaded


def _objectives_of(krs: Iterable[KRFacts]) -> list[ObjectiveFacts]:
    found = {kr.objective_id: kr.objective for kr in krs}
    return sorted(found.values(), key=lambda o: o.number)


_Item = TypeVar("_Item", KRFacts, TaskFacts, HelpRequest, Kudos)


def group_by(
    items: Iterable[_Item], keys: Callable[[_Item], tuple[int | None, ...]]
) -> dict[int, list[_Item]]:
    grouped: dict[int, list[_Item]] = defaultdict(list)
    for item in items:
        for key in dict.fromkeys(keys(item)):
            if key is not None:
                grouped[key].append(item)
    return grouped


def gather(
    member_ids: Iterable[int], grouped: dict[int, list[_Item]], extra: Iterable[_Item] = ()
) -> dict[int, _Item]:
    """The items of these members (and `extra`), once each, by id."""
    found: dict[int, _Item] = {}
    for item in extra:
        found[item.id or 0] = item
    for member_id in member_ids:
        for item in grouped.get(member_id, ()):
            found[item.id or 0] = item
    return found


# --- computing (pure) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KRRow:
    kr: KRFacts
    owner: Member | None
    checked_in: bool
    value: float
    change: float  # this week
    progress: float | None
    progress_before: float | None
    confidence: int | None
    confidence_change: int | None
    risks: tuple[math.RiskReason, ...]
    note: str

    @property
    def reached_this_week(self) -> bool:
        return (
            self.progress is not None
            and self.progress >= 1
            and (self.progress_before is None or self.progress_before < 1)
        )

    @property
    def progress_delta(self) -> float:
        if self.progress is None or self.progress_before is None:
            return 0.0
        return self.progress - self.progress_before


def kr_rows(data: TeamWeek) -> list[KRRow]:
    elapsed = elapsed_fraction(data.cycle.start_date, data.cycle.end_date, data.today)
    rows: list[KRRow] = []
    for kr in data.krs:
        this = data.checkins.get(kr.id or -1)
        before = data.previous.get(kr.id or -1)
        value = this.value if this is not None else kr.current_value
        week_started_at = this.previous_value if this is not None else value
        milestone = kr.kind == KRKind.MILESTONE.value
        progress = math.kr_progress(
            start=kr.start_value, target=kr.target_value, current=value, milestone=milestone
        )
        progress_before = math.kr_progress(
            start=kr.start_value,
            target=kr.target_value,
            current=week_started_at,
            milestone=milestone,
        )
        confidence = (this.confidence if this else None) or (before.confidence if before else None)
        previous_conf = before.confidence if (this is not None and before is not None) else None
        conf_change = (
            confidence - previous_conf
            if this is not None and confidence is not None and previous_conf is not None
            else None
        )
        risks = math.risk_reasons(
            confidence=confidence,
            previous_confidence=previous_conf,
            progress=progress,
            elapsed=elapsed,
        )
        if local_date(kr.created_at, data.team.timezone) >= week_start(data.week):
            # A KR created this week has had no time to keep pace.
            risks = [r for r in risks if r != math.RiskReason.BEHIND_PACE]
        rows.append(
            KRRow(
                kr=kr,
                owner=data.people.get(kr.owner_member_id or -1),
                checked_in=this is not None,
                value=value,
                change=value - week_started_at,
                progress=progress,
                progress_before=progress_before,
                confidence=confidence,
                confidence_change=conf_change,
                risks=tuple(risks),
                note=this.note if this is not None else "",
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class PersonRow:
    member: Member
    status: str  # "checked_in" | "partial" | "missing" | "away" | "no_krs"
    krs: tuple[KRRow, ...]


def person_rows(data: TeamWeek, rows: Sequence[KRRow]) -> list[PersonRow]:
    result: list[PersonRow] = []
    by_owner: dict[int | None, list[KRRow]] = defaultdict(list)
    for row in rows:
        by_owner[row.kr.owner_member_id].append(row)
    for member in data.members:
        mine = tuple(by_owner.get(member.id, ()))
        done = sum(1 for r in mine if r.checked_in)
        if member.id in data.away_ids and done == 0:
            status = "away"
        elif not mine:
            status = "no_krs"
        elif done == len(mine):
            status = "checked_in"
        elif done:
            status = "partial"
        else:
            status = "missing"
        result.append(PersonRow(member=member, status=status, krs=mine))
    return result
