"""The monthly review (月度复盘) and the charts of the team's KRs over the cycle.

Posted to the team on the first review weekday of each month (default the
first Monday, 10:00 team time) about the month that just ended: each KR's
change, the confidence trend, key tasks done against planned, and help given
and received: the data a monthly review meeting starts from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.digests import gather, group_by
from handlers.i18n import Translator
from handlers.okr import math
from handlers.okr.weeks import cycle_for, week_key, week_start
from handlers.views import (
    Block,
    Chart,
    Context,
    Delivery,
    Divider,
    Header,
    Message,
    Progress,
    Series,
    Text,
)
from storage.models import (
    Checkin,
    Cycle,
    HelpRequest,
    HelpStatus,
    KeyResult,
    KRKind,
    Member,
    TaskStatus,
    Team,
)
from storage.repos import collab, history, okrs, rhythm, workspaces
from storage.repos.history import CheckinPoint
from storage.repos.okrs import KRFacts
from storage.repos.rhythm import CheckinFacts, TaskFacts

if TYPE_CHECKING:
    from handlers.rhythm import _Job

# Charts stay readable with this many lines; the text lists every KR.
CHART_MAX_SERIES = 8


def is_first_of_month(job: _Job) -> bool:
    return job.today.day <= 7 and not job.calendar.is_holiday(job.today)


def month_weeks(year: int, month: int) -> list[str]:
    """The ISO weeks whose Friday (the check-in day) falls in the month."""
    first = date(year, month, 1)
    friday = first + timedelta(days=(5 - first.isoweekday()) % 7)
    weeks = []
    while friday.month == month:
        weeks.append(week_key(friday))
        friday += timedelta(days=7)
    return weeks


def _progress(kr: KeyResult | KRFacts, value: float) -> float | None:
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
                progress_before=_progress(kr, before),
                progress_after=_progress(kr, after),
                confidences=tuple(c.confidence for c in inside if c.confidence is not None),
            )
        )
    return rows


def cycle_charts(
    tr: Translator,
    krs: Sequence[KeyResult | KRFacts],
    checkins: Sequence[Checkin | CheckinFacts | CheckinPoint],
    weeks: Sequence[str],
    *,
    name: str,
) -> tuple[Chart, ...]:
    """Progress (%) and confidence (1–10) of each KR at the end of each week of the cycle."""
    if not krs or not weeks:
        return ()
    by_kr: dict[int, list[Checkin | CheckinFacts | CheckinPoint]] = defaultdict(list)
    by_week: dict[tuple[int, str], list[Checkin | CheckinFacts | CheckinPoint]] = defaultdict(list)
    for row in checkins:
        by_kr[row.kr_id].append(row)
        by_week[(row.kr_id, row.week)].append(row)
    progress_series: list[Series] = []
    confidence_series: list[Series] = []
    labels = [w.split("-")[1] for w in weeks]
    for kr in list(krs)[:CHART_MAX_SERIES]:
        mine = by_kr.get(kr.id or -1, [])
        value = mine[0].previous_value if mine else kr.current_value
        confidence: int | None = None
        progress_points: list[tuple[str, float]] = []
        confidence_points: list[tuple[str, float]] = []
        for week, label in zip(weeks, labels, strict=True):
            for row in by_week.get((kr.id or -1, week), ()):
                value = row.value
                confidence = row.confidence or confidence
            progress = _progress(kr, value)
            if progress is not None:
                progress_points.append((label, round(100 * progress, 1)))
            if confidence is not None:
                confidence_points.append((label, float(confidence)))
        label = f"KR{kr.number} {kr.title}"
        if progress_points:
            progress_series.append(Series(label, tuple(progress_points)))
        if confidence_points:
            confidence_series.append(Series(label, tuple(confidence_points)))
    charts: list[Chart] = []
    if progress_series:
        charts.append(
            Chart(
                title=tr.t("Key result progress this cycle"),
                series=tuple(progress_series),
                y_label="%",
                filename=f"{name}-progress.png",
            )
        )
    if confidence_series:
        charts.append(
            Chart(
                title=tr.t("Confidence this cycle"),
                series=tuple(confidence_series),
                y_label=tr.t("confidence (1–10)"),
                filename=f"{name}-confidence.png",
            )
        )
    return tuple(charts)


def weeks_between(first: date, last: date) -> list[str]:
    """ISO week keys from the week of `first` through the week of `last`."""
    weeks: list[str] = []
    day = first - timedelta(days=first.isoweekday() - 1)
    while day <= last:
        weeks.append(week_key(day))
        day += timedelta(days=7)
    return weeks


def team_charts(job: _Job, *, name: str, krs: Sequence[KRFacts] | None = None) -> tuple[Chart, ...]:
    """The team's cycle charts up to the job's week, in the team's language.

    `krs` are the team's KRs when the caller has them already (the digest does).
    """
    cycle = job.cycle()
    shown = (
        krs if krs is not None else team_krs(session=job.session, team=job.team, cycle_id=cycle.id)
    )
    weeks = weeks_between(cycle.start_date, week_start(job.week))
    if not weeks:
        return ()
    # Only the cycle's weeks: the charts never show what came before them.
    checkins = job.data.checkins_between(
        job.ws,
        [kr.id for kr in shown[:CHART_MAX_SERIES] if kr.id is not None],
        weeks[0],
        job.week,
        per_team=CHART_MAX_SERIES,
    )
    return cycle_charts(job.team_tr(), shown, checkins, weeks, name=name)


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
    bounds = {t.timezone: _month_bounds_utc(year, month, t.timezone) for t in teams}
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


def _month_bounds_utc(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    """The month's [1st 00:00, next 1st 00:00) in the team's zone, as UTC."""
    zone = ZoneInfo(tz)
    first = date(year, month, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    return start, datetime.combine(following, time(0), tzinfo=zone).astimezone(UTC)


def monthly_review(job: _Job) -> list[Delivery]:
    year, month = review_month(job.today)
    period = f"{year:04d}-{month:02d}"
    tr = job.team_tr()
    last_day = job.today.replace(day=1) - timedelta(days=1)
    cycle = job.data.cycle(job.ws, cycle_for(job.workspace.cycle_kind, last_day))
    data = job.data.team_month(job.team, job.today, cycle)
    team, weeks, cycle_weeks = job.team, data.weeks, data.cycle_weeks
    krs, checkins, helped, people = data.krs, data.checkins, data.helped, data.people
    member_ids = data.member_ids
    tasks = data.tasks
    rows = kr_months(krs, checkins, weeks, people)
    month_name = tr.month(year, month)
    title = tr.t("Monthly review · {team} · {month}", team=team.name, month=month_name)
    blocks: list[Block] = [
        Header(title),
        Context(
            tr.t(
                "Weeks {first} to {last} · cycle {cycle}",
                first=weeks[0],
                last=weeks[-1],
                cycle=cycle.name,
            )
        ),
        Text(tr.t("Key results over the month")),
    ]
    if not rows:
        blocks.append(Context(tr.t("No key results in this cycle yet.")))
    for row in rows:
        caption = [
            tr.t(
                "{before} → {after} ({change})",
                before=tr.number(row.before),
                after=tr.number(row.after),
                change=tr.signed(row.change),
            ),
            row.owner,
        ]
        if row.confidences:
            trend = math.confidence_trend(row.confidences)
            arrow = {"up": "↑", "down": "↓", "flat": "→", "none": ""}[trend.direction]
            caption.append(
                tr.t(
                    "confidence {values}",
                    values=" → ".join(str(c) for c in row.confidences),
                )
                + (f" {arrow}" if arrow else "")
            )
        blocks.append(
            Progress(
                label=f"KR{row.kr.number} {row.kr.title}",
                fraction=row.progress_after,
                caption=" · ".join(caption),
            )
        )
    planned = [t for t in tasks if t.status != TaskStatus.CARRIED_OVER.value]
    done = [t for t in planned if t.status == TaskStatus.DONE.value]
    blocks.append(Divider())
    blocks.append(Text(tr.t("Key tasks")))
    if planned:
        blocks.append(
            Progress(
                label=tr.t("Done vs planned"),
                fraction=len(done) / len(planned),
                caption=tr.t("{done} of {total} done", done=len(done), total=len(planned)),
            )
        )
    else:
        blocks.append(Context(tr.t("No key tasks were planned this month.")))
    given: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    for request in helped:
        if request.helper_id in member_ids:
            given[request.helper_id] += 1
        if request.requester_id in member_ids:
            received[request.requester_id] += 1
    blocks.append(Divider())
    blocks.append(Text(tr.t("Help given and received")))
    helpers = [m for m in member_ids if given.get(m) or received.get(m)]
    if not helpers:
        blocks.append(Context(tr.t("No help requests were closed this month.")))
    for member_id in helpers:
        blocks.append(
            Context(
                tr.t(
                    "{name}: helped {given} · was helped {received}",
                    name=people[member_id].display_name if member_id in people else "?",
                    given=given.get(member_id, 0),
                    received=received.get(member_id, 0),
                )
            )
        )
    charted = [c for c in checkins if cycle_weeks and c.week >= cycle_weeks[0]]
    blocks.extend(cycle_charts(tr, krs, charted, cycle_weeks, name="review"))
    summary = tr.t(
        "{team} · monthly review {month}: {done} of {total} key tasks done",
        team=team.name,
        month=month_name,
        done=len(done),
        total=len(planned),
    )
    return job.channel_post(Message(summary=summary, blocks=tuple(blocks)), "review", period)
