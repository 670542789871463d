"""The team rollup and the Friday celebration digest, as functions of a team and a week.

Loading (a handful of queries), computing (pure) and rendering are separate so
each can be tested and measured on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.i18n import Translator
from handlers.okr import math
from handlers.okr.weeks import elapsed_fraction, local_date, week_end, week_start
from handlers.usecases.present import of_target, value_text
from handlers.views import (
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Header,
    Message,
    Progress,
    Text,
)
from storage.models import (
    Cycle,
    HelpRequest,
    HelpStatus,
    KRKind,
    Kudos,
    Member,
    TaskStatus,
    Team,
)
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


# --- rendering -----------------------------------------------------------------

_STATUS_ICON = {"checked_in": "✅", "partial": "◐", "missing": "⏳", "away": "🌴", "no_krs": "·"}


def _status_text(tr: Translator, status: str) -> str:
    return {
        "checked_in": tr.t("checked in"),
        "partial": tr.t("partly checked in"),
        "missing": tr.t("not checked in yet"),
        "away": tr.t("away"),
        "no_krs": tr.t("no key results"),
    }[status]


def _risk_text(tr: Translator, reason: math.RiskReason) -> str:
    return {
        math.RiskReason.LOW_CONFIDENCE: tr.t("low confidence"),
        math.RiskReason.CONFIDENCE_DROP: tr.t("confidence dropped"),
        math.RiskReason.BEHIND_PACE: tr.t("behind pace"),
    }.get(reason, str(reason))


def _row_caption(tr: Translator, row: KRRow) -> str:
    kr = row.kr
    milestone = kr.kind == KRKind.MILESTONE.value
    parts: list[str] = []
    if milestone or kr.target_value is None:
        parts.append(value_text(tr, kr, row.value))
    else:
        parts.append(of_target(tr, kr, row.value))
    if row.checked_in and not milestone:  # a milestone reads done / not done, never "+1"
        parts.append(tr.t("{change} this week", change=tr.signed(row.change)))
    if row.confidence is not None:
        conf = tr.t("confidence {n}/10", n=row.confidence)
        if row.confidence_change:
            conf += f" ({'↑' if row.confidence_change > 0 else '↓'}{abs(row.confidence_change)})"
        parts.append(conf)
    if row.risks:
        parts.append("⚠ " + tr.list([_risk_text(tr, r) for r in row.risks]))
    return " · ".join(parts)


def _row_block(tr: Translator, row: KRRow) -> Progress:
    return Progress(
        label=f"KR{row.kr.number} {row.kr.title}",
        fraction=row.progress,
        caption=_row_caption(tr, row),
    )


def rollup_message(tr: Translator, data: TeamWeek) -> Message:
    rows = kr_rows(data)
    people = person_rows(data, rows)
    expected = [p for p in people if p.status not in ("away", "no_krs")]
    checked = sum(1 for p in expected if p.status == "checked_in")
    title = tr.t("Team {name} · rollup · week {week}", name=data.team.name, week=data.week)
    blocks: list[Block] = [
        Header(title),
        Context(
            tr.t(
                "{checked} of {total} checked in · {away} away · cycle {cycle}",
                checked=checked,
                total=len(expected),
                away=sum(1 for p in people if p.status == "away"),
                cycle=data.cycle.name,
            )
        ),
    ]
    shown: set[int] = set()
    for person in people:
        blocks.append(Divider())
        blocks.append(
            Text(
                f"{_STATUS_ICON[person.status]} {person.member.display_name} · "
                + _status_text(tr, person.status)
            )
        )
        for row in person.krs:
            blocks.append(_row_block(tr, row))
            shown.add(row.kr.id or -1)
    others = [r for r in rows if (r.kr.id or -1) not in shown]
    if others:
        blocks.append(Divider())
        blocks.append(Text(tr.t("Other key results of the team's objectives")))
        blocks.extend(_row_block(tr, r) for r in others)
    partly = [p.member.display_name for p in people if p.status == "partial"]
    if partly:
        blocks.insert(2, Context(tr.t("Partly checked in: {names}", names=tr.list(partly))))
    at_risk = sum(1 for r in rows if r.risks)
    summary = tr.t(
        "{name}: {checked} of {total} checked in, {risk} key results at risk",
        name=data.team.name,
        checked=checked,
        total=len(expected),
        risk=at_risk,
    )
    return Message(summary=summary, blocks=tuple(blocks))


def _name(data: TeamWeek, member_id: int | None) -> str:
    member = data.people.get(member_id or -1)
    return member.display_name if member else "?"


def digest_message(tr: Translator, data: TeamWeek) -> Message:
    """Wins first, naming people; then planned vs done, drops, what is stuck, who is missing."""
    rows = kr_rows(data)
    people = person_rows(data, rows)
    title = tr.t(
        "🎉 Friday celebration · {name} · week {week}", name=data.team.name, week=data.week
    )
    blocks: list[Block] = [Header(title)]

    wins: list[str] = []
    for row in rows:
        if row.reached_this_week:
            wins.append(
                tr.t(
                    "🏆 {who} reached the target of KR{n} {title}!",
                    who=_name(data, row.kr.owner_member_id),
                    n=row.kr.number,
                    title=row.kr.title,
                )
            )
    movers = sorted(
        (r for r in rows if r.progress_delta > 0 and not r.reached_this_week),
        key=lambda r: r.progress_delta,
        reverse=True,
    )[:3]
    for row in movers:
        wins.append(
            tr.t(
                "📈 {who} moved KR{n} {title}: {change} ({before} → {after})",
                who=_name(data, row.kr.owner_member_id),
                n=row.kr.number,
                title=row.kr.title,
                change=_change_text(tr, row),
                before=tr.percent(math.clamp01(row.progress_before or 0.0)),
                after=tr.percent(math.clamp01(row.progress or 0.0)),
            )
        )
    done_tasks = [t for t in data.tasks if t.status == TaskStatus.DONE.value]
    for task in done_tasks[:8]:
        wins.append(
            tr.t(
                "✅ {who} finished T{n} {title}",
                who=_name(data, task.owner_member_id),
                n=task.number,
                title=task.title,
            )
        )
    if len(done_tasks) > 8:
        wins.append(tr.t("✅ … and {n} more tasks done", n=len(done_tasks) - 8))
    for request in data.helped:
        line = tr.t(
            "🤝 {helper} helped {requester}: {text}",
            helper=_name(data, request.helper_id),
            requester=_name(data, request.requester_id),
            text=request.text,
        )
        if request.thanks:
            line += f" — “{request.thanks}”"
        wins.append(line)
    for kudo in data.kudos:
        wins.append(
            tr.t(
                "👏 {giver} → {receiver}: {text}",
                giver=_name(data, kudo.from_member_id),
                receiver=_name(data, kudo.to_member_id),
                text=kudo.text,
            )
        )
    blocks.append(Text(tr.t("Wins this week")))
    if wins:
        blocks.extend(Text(w) for w in wins)
    else:
        blocks.append(
            Context(tr.t("A quiet week. Every small step counts: check in and share what moved."))
        )

    objective_bars = _objective_bars(data, rows)
    if objective_bars:
        blocks.append(Divider())
        blocks.append(Text(tr.t("Objectives (weighted by their key results)")))
        blocks.extend(objective_bars)

    planned = [t for t in data.tasks if t.status != TaskStatus.CARRIED_OVER.value]
    blocks.append(Divider())
    blocks.append(Text(tr.t("Planned vs done")))
    if planned:
        fraction = len(done_tasks) / len(planned)
        blocks.append(
            Progress(
                label=tr.t("Key tasks"),
                fraction=fraction,
                caption=tr.t("{done} of {total} done", done=len(done_tasks), total=len(planned)),
            )
        )
    else:
        blocks.append(Context(tr.t("No key tasks were planned this week.")))

    drops = [r for r in rows if r.confidence_change is not None and r.confidence_change <= -2]
    if drops:
        blocks.append(Divider())
        blocks.append(Text(tr.t("Confidence drops")))
        for row in drops:
            assert row.confidence is not None and row.confidence_change is not None
            blocks.append(
                Context(
                    tr.t(
                        "KR{n} {title} ({who}): {old} → {new}",
                        n=row.kr.number,
                        title=row.kr.title,
                        who=_name(data, row.kr.owner_member_id),
                        old=row.confidence - row.confidence_change,
                        new=row.confidence,
                    )
                    + (f" · {row.note}" if row.note else "")
                )
            )

    stuck: list[str] = []
    for row in rows:
        if row.risks and row.change == 0 and row not in drops:
            stuck.append(
                tr.t(
                    "KR{n} {title} ({who}): {why}",
                    n=row.kr.number,
                    title=row.kr.title,
                    who=_name(data, row.kr.owner_member_id),
                    why=tr.list([_risk_text(tr, r) for r in row.risks]),
                )
            )
    for task in data.tasks:
        if task.status == TaskStatus.PLANNED.value and task.due_date and task.due_date < data.today:
            stuck.append(
                tr.t(
                    "T{n} {title} ({who}) was due {date}",
                    n=task.number,
                    title=task.title,
                    who=_name(data, task.owner_member_id),
                    date=tr.date(task.due_date),
                )
            )
    for request in data.open_requests:
        stuck.append(
            tr.t(
                "H{n}: {requester} is waiting for {helper}: {text}",
                n=request.number,
                requester=_name(data, request.requester_id),
                helper=_name(data, request.helper_id),
                text=request.text,
            )
        )
    if stuck:
        blocks.append(Divider())
        blocks.append(Text(tr.t("Stuck or waiting")))
        blocks.extend(Context(s) for s in stuck)

    missing = [p.member.display_name for p in people if p.status == "missing"]
    partly = [p.member.display_name for p in people if p.status == "partial"]
    if missing or partly:
        blocks.append(Divider())
    if missing:
        blocks.append(Text(tr.t("Not checked in yet: {names}", names=tr.list(missing))))
    if partly:
        blocks.append(Text(tr.t("Partly checked in: {names}", names=tr.list(partly))))
    blocks.append(Actions((Button(tr.t("Team rollup"), "team.rollup", data.team.name),)))
    summary = tr.t(
        "{name}: {wins} wins, {done} of {total} key tasks done",
        name=data.team.name,
        wins=len(wins),
        done=len(done_tasks),
        total=len(planned),
    )
    return Message(summary=summary, blocks=tuple(blocks))


def _objective_bars(data: TeamWeek, rows: Sequence[KRRow]) -> list[Block]:
    """Each objective's progress: its KRs' progress, weighted."""
    bars: list[Block] = []
    for objective in data.objectives:
        mine = [(r.kr.weight, r.progress) for r in rows if r.kr.objective_id == objective.id]
        progress = math.objective_progress(mine)
        if progress is not None:
            bars.append(Progress(label=f"O{objective.number} {objective.title}", fraction=progress))
    return bars


def _change_text(tr: Translator, row: KRRow) -> str:
    kr = row.kr
    if kr.kind == KRKind.MILESTONE.value:
        return tr.t("done")
    change = tr.signed(row.change)
    if kr.unit == "%":
        return f"{change}%"
    return f"{change} {kr.unit}".strip()
