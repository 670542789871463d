"""A team's month and cycle as data: what the monthly review and the charts read.

`load_team_months` reads the month that just ended for many teams of one
workspace at once (the cycle's weeks, each KR's value before and after the
month, key tasks, help closed); `kr_months` turns it into each KR's movement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.okr import math
from handlers.okr.weeks import week_key, week_start
from handlers.reports.teamweek import gather, group_by
from storage.models import Checkin, Cycle, HelpRequest, HelpStatus, KeyResult, KRKind, Member, Team
from storage.repos import collab, history, okrs, rhythm, workspaces
from storage.repos.history import CheckinPoint
from storage.repos.okrs import KRFacts
from storage.repos.rhythm import CheckinFacts, TaskFacts


def month_weeks(year: int, month: int) -> list[str]:
    """The ISO weeks whose Friday (the check-in day) falls in the month."""
    first = date(year, month, 1)
    friday = first + timedelta(days=(5 - first.isoweekday()) % 7)
    weeks = []
    while friday.month == month:
        weeks.append(week_key(friday))
        friday += timedelta(days=7)
    return weeks


def progress_at(kr: KeyResult | KRFacts, value: float) -> float | None:
    return math.kr_progress(
        start=kr.start_value,
        target=kr.target_value,
        current=value,
        milestone=kr.kind == KRKind.MILESTONE.value,
    )


@dataclass(frozen=True, slots=True)
class KRMonth:
    kr: KeyResult | KRFacts
    owner: str
    before: float
    after: float
    progress_before: float | None
    progress_after: float | None
    confidences: tuple[int, ...]

    @property
    def change(self) -> float:
        return self.after - self.before


def team_krs(*, session: Session, team: Team, cycle_id: int | None) -> list[KeyResult]:
    """The KRs of the team's and its members' objectives in a cycle."""
    assert team.id is not None
    ids = workspaces.team_member_ids(
        session=session, workspace_id=team.workspace_id, team_id=team.id
    )
    objectives = okrs.list_objectives(
        session=session,
        workspace_id=team.workspace_id,
        cycle_id=cycle_id,
        owner_member_ids=ids,
        owner_team_ids=[team.id],
    )
    return okrs.list_key_results(
        session=session,
        workspace_id=team.workspace_id,
        objective_ids=[o.id for o in objectives if o.id],
    )


def kr_months(
    krs: Sequence[KeyResult | KRFacts],
    checkins: Sequence[Checkin | CheckinFacts | CheckinPoint],
    weeks: Sequence[str],
    people: dict[int, Member],
) -> list[KRMonth]:
    """Each KR's value before and after the month's weeks, and its confidences in them."""
    by_kr: dict[int, list[Checkin | CheckinFacts | CheckinPoint]] = defaultdict(list)
    for row in checkins:
        by_kr[row.kr_id].append(row)
    rows = []
    for kr in krs:
        mine = by_kr.get(kr.id or -1, [])
        earlier = [c for c in mine if c.week < weeks[0]]
        inside = [c for c in mine if weeks[0] <= c.week <= weeks[-1]]
        if earlier:
            before = earlier[-1].value
        elif inside:
            before = inside[0].previous_value
        else:
            before = kr.current_value if not mine else mine[0].previous_value
        after = inside[-1].value if inside else before
        owner = people.get(kr.owner_member_id or -1)
        rows.append(
            KRMonth(
                kr=kr,
                owner=owner.display_name if owner else "?",
                before=before,
                after=after,
                progress_before=progress_at(kr, before),
                progress_after=progress_at(kr, after),
                confidences=tuple(c.confidence for c in inside if c.confidence is not None),
            )
        )
    return rows


def weeks_between(first: date, last: date) -> list[str]:
    """ISO week keys from the week of `first` through the week of `last`."""
    weeks: list[str] = []
    day = first - timedelta(days=first.isoweekday() - 1)
    while day <= last:
        weeks.append(week_key(day))
        day += timedelta(days=7)
    return weeks


@dataclass(frozen=True, slots=True)
class TeamMonth:
    """Everything a monthly review needs about one team and the month that just ended."""

    team: Team
    cycle: Cycle
    weeks: Sequence[str]  # the month's check-in weeks
    cycle_weeks: Sequence[str]  # the cycle's weeks up to the month's last
    member_ids: Sequence[int]
    krs: Sequence[KRFacts]
    checkins: Sequence[CheckinFacts | CheckinPoint]  # the last before, then the span's
    tasks: Sequence[TaskFacts]
    helped: Sequence[HelpRequest]  # closed as done in the month, asked by or of members
    people: dict[int, Member]


def review_month(today: date) -> tuple[int, int]:
    """The (year, month) a review posted on `today` is about: the month before."""
    last_day = today.replace(day=1) - timedelta(days=1)
    return last_day.year, last_day.month


def load_team_months(
    *, session: Session, teams: Sequence[Team], cycle: Cycle, today: date
) -> dict[int, TeamMonth]:
    """The month before `today` of many teams of one workspace, by team id, read together.

    One set of queries for one team or a thousand; nothing reads further back than
    the cycle's start, except one check-in per KR (where the month started).
    """
    if not teams:
        return {}
    ws = teams[0].workspace_id
    assert cycle.id is not None and all(t.workspace_id == ws for t in teams)
    year, month = review_month(today)
    weeks = month_weeks(year, month)
    cycle_weeks = weeks_between(cycle.start_date, week_start(weeks[-1]))
    first_week = min(weeks[0], cycle_weeks[0]) if cycle_weeks else weeks[0]
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
    # What the review shows costs the same after years of history as after a month.
    span = history.checkin_points_between(
        session=session, workspace_id=ws, kr_ids=kr_ids, first_week=first_week, last_week=weeks[-1]
    )
    before = rhythm.latest_checkin_facts_before(
        session=session, workspace_id=ws, week=first_week, kr_ids=kr_ids
    )
    checkins_of: dict[int, list[CheckinFacts | CheckinPoint]] = defaultdict(list)
    for last in before.values():
        checkins_of[last.kr_id].append(last)
    for point in span:
        checkins_of[point.kr_id].append(point)
    tasks_of: dict[int, list[TaskFacts]] = defaultdict(list)
    for week in weeks:
        for task in rhythm.week_task_facts(
            session=session, workspace_id=ws, week=week, owner_member_ids=everyone
        ):
            tasks_of[task.owner_member_id].append(task)
    bounds = {t.timezone: month_bounds_utc(year, month, t.timezone) for t in teams}
    helped = collab.list_help_requests(
        session=session,
        workspace_id=ws,
        member_ids=everyone,
        statuses=[HelpStatus.DONE],
        resolved_between=(min(b[0] for b in bounds.values()), max(b[1] for b in bounds.values())),
    )
    helped_of = group_by(helped, lambda r: (r.requester_id, r.helper_id))
    krs_of_member = group_by(krs, lambda kr: (kr.objective_owner_member_id,))
    krs_of_team = group_by(krs, lambda kr: (kr.objective_owner_team_id,))
    named = everyone | {kr.owner_member_id for kr in krs if kr.owner_member_id}
    people = {
        m.id: m
        for m in workspaces.list_members(session=session, workspace_id=ws, ids=named)
        if m.id is not None
    }
    loaded: dict[int, TeamMonth] = {}
    for team in teams:
        assert team.id is not None
        ids = membership.get(team.id, [])
        start, end = bounds[team.timezone]
        mine = gather(ids, krs_of_member, extra=krs_of_team.get(team.id, []))
        team_krs = sorted(mine.values(), key=lambda kr: kr.number)
        checkins = [row for kr in team_krs for row in checkins_of.get(kr.id, [])]
        checkins.sort(key=lambda c: (c.week, c.kr_id))
        requests = {
            r.number: r
            for r in gather(ids, helped_of).values()
            if r.resolved_at is not None and start <= r.resolved_at < end
        }
        loaded[team.id] = TeamMonth(
            team=team,
            cycle=cycle,
            weeks=weeks,
            cycle_weeks=cycle_weeks,
            member_ids=ids,
            krs=team_krs,
            checkins=checkins,
            tasks=[t for week in weeks for t in _in_week(tasks_of, ids, week)],
            helped=[requests[n] for n in sorted(requests)],
            people=people,
        )
    return loaded


def _in_week(
    tasks_of: dict[int, list[TaskFacts]], ids: Sequence[int], week: str
) -> list[TaskFacts]:
    return sorted((t for i in ids for t in tasks_of.get(i, []) if t.week == week), key=_number)


def _number(task: TaskFacts) -> int:
    return task.number


def month_bounds_utc(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    """The month's [1st 00:00, next 1st 00:00) in the team's zone, as UTC."""
    zone = ZoneInfo(tz)
    first = date(year, month, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    return start, datetime.combine(following, time(0), tzinfo=zone).astimezone(UTC)
