"""A team's page: members and this week's check-in state, KRs with their charts over the
cycle, this week's plan, open help requests, and the last Friday digests it was sent."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from handlers.pages.nodes import Node, Owner
from handlers.pages.tree import branch_nodes
from handlers.pages.viewer import NotFound, Viewer
from handlers.present import TASK_MARK
from handlers.reports.charts import CHART_MAX_SERIES, cycle_charts
from handlers.reports.teammonth import weeks_between
from handlers.reports.teamweek import kr_rows, load_team_week, person_rows
from handlers.views import Chart, Message, from_json
from storage.models import Cycle, HelpRequest, Team
from storage.repos import history, pages, workspaces
from storage.repos.okrs import KRFacts
from storage.repos.pages import PersonName
from storage.repos.rhythm import TaskFacts

DIGESTS_SHOWN = 3


@dataclass(frozen=True, slots=True)
class MemberState:
    person: Owner
    status: str  # checked_in | partial | missing | away | no_krs
    status_text: str
    manager: bool


@dataclass(frozen=True, slots=True)
class TaskItem:
    number: int
    title: str
    mark: str
    status: str
    owner: Owner | None
    kr_id: int | None
    kr_number: int | None
    due: str


@dataclass(frozen=True, slots=True)
class HelpItem:
    number: int
    text: str
    status: str
    requester: Owner | None
    helper: Owner | None
    kr_id: int | None


@dataclass(frozen=True, slots=True)
class Digest:
    week: str
    message: Message


@dataclass(frozen=True, slots=True)
class TeamPage:
    team: Team
    cycle: Cycle | None
    week: str
    manager: Owner | None
    members: tuple[MemberState, ...]
    checked_in: int
    expected: int
    objectives: tuple[Node, ...]
    charts: tuple[Chart, ...]
    tasks: tuple[TaskItem, ...]
    help: tuple[HelpItem, ...]
    digests: tuple[Digest, ...]


def status_text(v: Viewer, status: str) -> str:
    texts = {
        "checked_in": v.tr.t("checked in"),
        "partial": v.tr.t("partly checked in"),
        "missing": v.tr.t("not checked in yet"),
        "away": v.tr.t("away"),
        "no_krs": v.tr.t("no key results"),
    }
    return texts.get(status, status)


def help_status_text(v: Viewer, status: str) -> str:
    texts = {
        "open": v.tr.t("open"),
        "accepted": v.tr.t("accepted"),
        "declined": v.tr.t("declined"),
        "done": v.tr.t("done"),
        "cancelled": v.tr.t("cancelled"),
    }
    return texts.get(status, status)


def person(people: Mapping[int, PersonName], member_id: int | None) -> Owner | None:
    found = people.get(member_id or -1)
    return Owner("person", found.id, found.name) if found is not None else None


def task_items(
    v: Viewer,
    tasks: Iterable[TaskFacts],
    people: Mapping[int, PersonName],
    kr_numbers: Mapping[int, int],
) -> tuple[TaskItem, ...]:
    return tuple(
        TaskItem(
            number=t.number,
            title=t.title,
            mark=TASK_MARK.get(t.status, "☐"),
            status=t.status,
            owner=person(people, t.owner_member_id),
            kr_id=t.kr_id,
            kr_number=kr_numbers.get(t.kr_id) if t.kr_id is not None else None,
            due=v.tr.date(t.due_date) if t.due_date is not None else "",
        )
        for t in sorted(tasks, key=lambda t: t.number)
    )


def help_items(
    v: Viewer, requests: Iterable[HelpRequest], people: Mapping[int, PersonName]
) -> tuple[HelpItem, ...]:
    return tuple(
        HelpItem(
            number=r.number,
            text=r.text,
            status=help_status_text(v, r.status),
            requester=person(people, r.requester_id),
            helper=person(people, r.helper_id),
            kr_id=r.kr_id,
        )
        for r in sorted(requests, key=lambda r: r.number, reverse=True)
    )


def charts_for(
    v: Viewer, cycle: Cycle, kr_ids: Sequence[int], krs: Sequence[KRFacts], *, name: str
) -> tuple[Chart, ...]:
    """Progress and confidence of these KRs by week of the cycle, up to this week."""
    last = min(v.today, cycle.end_date)
    if last < cycle.start_date:
        return ()
    weeks = weeks_between(cycle.start_date, last)
    points = history.checkin_points_between(
        session=v.session,
        workspace_id=v.ws,
        kr_ids=kr_ids[:CHART_MAX_SERIES],
        first_week=weeks[0],
        last_week=weeks[-1],
    )
    return cycle_charts(v.tr, krs, points, weeks, name=name)


def load_team(v: Viewer, team_id: int) -> TeamPage:
    session, ws = v.session, v.ws
    team = workspaces.get_team(session=session, workspace_id=ws, team_id=team_id)
    if team is None:
        raise NotFound(f"team {team_id}")
    cycle = v.cycle()
    member_ids = workspaces.team_member_ids(session=session, workspace_id=ws, team_id=team_id)
    manager_ids = {team.manager_id} if team.manager_id is not None else set()
    if cycle is None:
        people = pages.people(session=session, workspace_id=ws, ids=[*member_ids, *manager_ids])
        members = tuple(
            MemberState(
                Owner("person", i, people[i].name),
                "no_krs",
                status_text(v, "no_krs"),
                i in manager_ids,
            )
            for i in member_ids
            if i in people
        )
        return TeamPage(
            team,
            None,
            v.week,
            person(people, team.manager_id),
            members,
            0,
            0,
            (),
            (),
            (),
            (),
            _digests(v, team_id),
        )
    week = v.week
    data = load_team_week(session=session, team=team, week=week, cycle=cycle, today=v.today)
    rows = kr_rows(data)
    states = person_rows(data, rows)
    names = {m.id: PersonName(m.id, m.handle, m.display_name) for m in data.people.values() if m.id}
    members = tuple(
        MemberState(
            Owner("person", s.member.id or 0, s.member.display_name or s.member.handle),
            s.status,
            status_text(v, s.status),
            s.member.id in manager_ids,
        )
        for s in states
    )
    expected = [s for s in states if s.status not in ("away", "no_krs")]
    owned = pages.objectives_owned(
        session=session,
        workspace_id=ws,
        cycle_id=cycle.id or -1,
        member_ids=member_ids,
        team_ids=[team_id],
    )
    kr_numbers = {kr.id: kr.number for kr in data.krs}
    krs = list(data.krs)
    return TeamPage(
        team=team,
        cycle=cycle,
        week=week,
        manager=person(names, team.manager_id)
        or person(pages.people(session=session, workspace_id=ws, ids=manager_ids), team.manager_id),
        members=members,
        checked_in=sum(1 for s in expected if s.status == "checked_in"),
        expected=len(expected),
        objectives=tuple(branch_nodes(v, owned)),
        charts=charts_for(v, cycle, [kr.id for kr in krs], krs, name=f"team{team_id}"),
        tasks=task_items(v, data.tasks, names, kr_numbers),
        help=help_items(v, data.open_requests, names),
        digests=_digests(v, team_id),
    )


def _digests(v: Viewer, team_id: int) -> tuple[Digest, ...]:
    """The team's last Friday digests as they were posted (their latest update each)."""
    sent = pages.sent_with_prefix(
        session=v.session, workspace_id=v.ws, prefix=f"digest:team{team_id}:", limit=40
    )
    found: dict[str, Digest] = {}
    for row in sent:
        parts = row.key.split(":")
        if len(parts) < 3 or parts[2] in found:
            continue
        try:
            view = from_json(json.loads(row.view))
        except ValueError:
            continue
        message = getattr(view, "message", view)
        if isinstance(message, Message):
            found[parts[2]] = Digest(parts[2], message)
        if len(found) >= DIGESTS_SHOWN:
            break
    return tuple(sorted(found.values(), key=lambda d: d.week, reverse=True))
