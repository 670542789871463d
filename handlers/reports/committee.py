"""Who scores with whom: a team's scoring committee, and the people someone worked with.

The committee (评分委员会) is led by the team's manager; members set with
`/okr settings team NAME committee @a @b` (a director, an HR partner) sit beside
them. A person's committee is that of their team (the first one with a manager
other than them). Collaborators are found in the cycle's data: helpers on the
person's tasks and help requests, those the person helped, and the owners of
objectives aligned to or from theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from handlers.okr.weeks import local_date
from handlers.reports.scores import team_of_owner
from handlers.reports.teammonth import weeks_between
from storage.models import Cycle, HelpStatus, KeyResult, Member, Objective, TaskStatus, Team
from storage.repos import collab, ends, okrs, rhythm, workspaces


def committee_of(session: Session, team: Team) -> list[Member]:
    """The team's committee: its manager first, then the members named in its settings."""
    ws = team.workspace_id
    ids = [team.manager_id] if team.manager_id is not None else []
    ids += [
        i
        for i in ends.committee_member_ids(session=session, workspace_id=ws, team_id=team.id or -1)
        if i not in ids
    ]
    found = {
        m.id: m for m in workspaces.list_members(session=session, workspace_id=ws, ids=ids) if m.id
    }
    return [found[i] for i in ids if i in found]


def judged_teams(session: Session, ws: int, member_id: int) -> list[Team]:
    """The teams whose scores this member helps decide: as manager or committee member."""
    on = set(ends.committee_team_ids(session=session, workspace_id=ws, member_id=member_id))
    return [
        team
        for team in workspaces.list_teams(session=session, workspace_id=ws)
        if team.manager_id == member_id or team.id in on
    ]


def subject_team(session: Session, ws: int, subject_id: int) -> Team | None:
    """The team whose committee scores this person."""
    return team_of_owner(session, ws, subject_id)


def sits_on(session: Session, ws: int, member_id: int, subject_id: int) -> Team | None:
    """A team of the subject whose committee `member_id` is on (never for themselves).

    Someone in two teams is scored by either team's committee.
    """
    if member_id == subject_id:
        return None
    for team in workspaces.teams_of_member(session=session, workspace_id=ws, member_id=subject_id):
        if team.manager_id is None or team.manager_id == subject_id:
            continue
        if any(m.id == member_id for m in committee_of(session, team)):
            return team
    return None


@dataclass(frozen=True, slots=True)
class Collaborator:
    member: Member
    kr: KeyResult | None  # the key result they worked on together
    why: str  # helper (helped the person), helped (was helped by them), aligned
    times: int


def collaborators(
    session: Session, member: Member, cycle: Cycle, *, leave_out: Sequence[int] = (), most: int = 5
) -> list[Collaborator]:
    """The people `member` worked with in `cycle`, the most frequent first."""
    ws = member.workspace_id
    assert member.id is not None
    teams = workspaces.teams_of_member(session=session, workspace_id=ws, member_id=member.id)
    zone = teams[0].timezone if teams else "UTC"
    weeks = weeks_between(cycle.start_date, cycle.end_date)
    found: dict[int, tuple[int | None, str, int, int]] = {}  # id -> kr id, why, times, order

    def add(other: int, kr_id: int | None, why: str) -> None:
        if other == member.id or other in leave_out:
            return
        if other in found:
            kr, first_why, times, order = found[other]
            found[other] = (kr or kr_id, first_why, times + 1, order)
        else:
            found[other] = (kr_id, why, 1, len(found))

    tasks = rhythm.tasks_of_weeks(
        session=session, workspace_id=ws, weeks=weeks, member_ids=[member.id]
    )
    helpers = rhythm.helpers_of(
        session=session, workspace_id=ws, task_ids=[t.id for t in tasks if t.id is not None]
    )
    for task in tasks:
        if task.status == TaskStatus.DROPPED.value:
            continue
        if task.owner_member_id == member.id:
            for helper in helpers.get(task.id or -1, []):
                add(helper, task.kr_id, "helper")
        else:
            add(task.owner_member_id, task.kr_id, "helped")
    worked = (HelpStatus.ACCEPTED.value, HelpStatus.DONE.value)
    for request in collab.help_requests_of(
        session=session, workspace_id=ws, member_ids=[member.id]
    ):
        if request.status not in worked:
            continue
        if not cycle.start_date <= local_date(request.created_at, zone) <= cycle.end_date:
            continue
        if request.requester_id == member.id:
            add(request.helper_id, request.kr_id, "helper")
        else:
            add(request.requester_id, request.kr_id, "helped")
    for objective, kr_id in _aligned(session, ws, member.id, cycle):
        owner = _answers_for(session, ws, objective)
        if owner is not None:
            add(owner, kr_id, "aligned")
    people = {
        m.id: m
        for m in workspaces.list_members(session=session, workspace_id=ws, ids=list(found))
        if m.id is not None and m.is_active
    }
    krs = {
        kr.id: kr
        for kr in okrs.list_key_results(
            session=session, workspace_id=ws, ids={k for k, *_ in found.values() if k}
        )
    }
    ranked = sorted(
        (item for item in found.items() if item[0] in people),
        key=lambda item: (-item[1][2], item[1][3]),
    )
    return [
        Collaborator(people[other], krs.get(kr_id or -1), why, times)
        for other, (kr_id, why, times, _order) in ranked[:most]
    ]


def _aligned(
    session: Session, ws: int, member_id: int, cycle: Cycle
) -> list[tuple[Objective, int | None]]:
    """Objectives aligned with the member's (their parents and their children), each with
    the key result that links them when there is one."""
    found: list[tuple[Objective, int | None]] = []
    for outer in okrs.cycles_covering(
        session=session, workspace_id=ws, start=cycle.start_date, end=cycle.end_date
    ):
        mine = okrs.list_objectives(
            session=session, workspace_id=ws, cycle_id=outer.id, owner_member_ids=[member_id]
        )
        for objective in mine:
            if objective.parent_objective_id is not None:
                parent = okrs.get_objective_by_id(
                    session=session, workspace_id=ws, objective_id=objective.parent_objective_id
                )
                if parent is not None:
                    found.append((parent, None))
            elif objective.parent_kr_id is not None:
                kr = okrs.get_key_result_by_id(
                    session=session, workspace_id=ws, kr_id=objective.parent_kr_id
                )
                parent = (
                    okrs.get_objective_by_id(
                        session=session, workspace_id=ws, objective_id=kr.objective_id
                    )
                    if kr is not None
                    else None
                )
                if parent is not None:
                    found.append((parent, objective.parent_kr_id))
            krs = okrs.list_key_results(
                session=session, workspace_id=ws, objective_ids=[objective.id or -1]
            )
            for child in okrs.aligned_children(
                session=session,
                workspace_id=ws,
                objective_id=objective.id or -1,
                kr_ids=[kr.id for kr in krs if kr.id is not None],
            ):
                found.append((child, child.parent_kr_id))
    return found


def _answers_for(session: Session, ws: int, objective: Objective) -> int | None:
    if objective.owner_member_id is not None:
        return objective.owner_member_id
    if objective.owner_team_id is None:
        return None
    team = workspaces.get_team(session=session, workspace_id=ws, team_id=objective.owner_team_id)
    return team.manager_id if team is not None else None
