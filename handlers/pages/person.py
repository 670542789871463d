"""A person's page: their OKRs this cycle, their history, their tasks, help given and received."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.okr.weeks import previous_week
from handlers.pages.nodes import Node, Owner
from handlers.pages.okr import CheckinItem, checkin_items
from handlers.pages.team import HelpItem, TaskItem, help_items, task_items
from handlers.pages.tree import branch_nodes
from handlers.pages.viewer import NotFound, Viewer
from storage.models import Member
from storage.repos import collab, pages, rhythm, workspaces

TASK_WEEKS = 4
HELP_SHOWN = 20


@dataclass(frozen=True, slots=True)
class PastCycle:
    name: str
    objectives: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class PersonPage:
    member: Member
    is_viewer: bool
    teams: tuple[Owner, ...]
    objectives: tuple[Node, ...]  # this cycle, their own and their teams'
    cycle_name: str | None
    past: tuple[PastCycle, ...]
    checkins: tuple[CheckinItem, ...]
    tasks: tuple[TaskItem, ...]
    help_received: tuple[HelpItem, ...]
    help_given: tuple[HelpItem, ...]


def load_person(v: Viewer, member_id: int) -> PersonPage:
    session, ws = v.session, v.ws
    member = workspaces.get_member(session=session, workspace_id=ws, member_id=member_id)
    if member is None:
        raise NotFound(f"person {member_id}")
    teams = workspaces.teams_of_member(session=session, workspace_id=ws, member_id=member_id)
    cycle = v.cycle()
    mine = pages.objectives_of_member_by_cycle(
        session=session, workspace_id=ws, member_id=member_id
    )
    # This cycle: their own objectives and their teams'.
    current = (
        pages.objectives_owned(
            session=session,
            workspace_id=ws,
            cycle_id=cycle.id or -1,
            member_ids=[member_id],
            team_ids=[t.id for t in teams if t.id is not None],
        )
        if cycle is not None
        else []
    )
    names = {c.id: c.name for c in v.cycles()}
    past_rows = [o for o in mine if cycle is None or o.cycle_id != cycle.id]
    past_nodes = {n.id: n for n in branch_nodes(v, past_rows)}
    past: list[PastCycle] = []
    for cycle_id in sorted({o.cycle_id for o in past_rows}, reverse=True):
        nodes = tuple(past_nodes[o.id] for o in past_rows if o.cycle_id == cycle_id)
        past.append(PastCycle(names.get(cycle_id, "?"), nodes))

    weeks = [v.week]
    for _ in range(TASK_WEEKS - 1):
        weeks.append(previous_week(weeks[-1]))
    tasks = [
        t
        for week in weeks
        for t in rhythm.week_task_facts(
            session=session, workspace_id=ws, week=week, owner_member_ids=[member_id]
        )
    ]
    requests = collab.list_help_requests(session=session, workspace_id=ws, member_ids=[member_id])
    requests = sorted(requests, key=lambda r: r.number, reverse=True)
    received = [r for r in requests if r.requester_id == member_id][:HELP_SHOWN]
    given = [r for r in requests if r.helper_id == member_id][:HELP_SHOWN]
    named = {member_id} | {r.requester_id for r in requests} | {r.helper_id for r in requests}
    people = pages.people(session=session, workspace_id=ws, ids=named)
    entries = pages.checkins_by(session=session, workspace_id=ws, member_id=member_id)
    krs = pages.key_results_by_id(
        session=session,
        workspace_id=ws,
        ids={e.kr_id for e in entries} | {t.kr_id for t in tasks if t.kr_id is not None},
    )
    return PersonPage(
        member=member,
        is_viewer=member_id == v.member_id,
        teams=tuple(Owner("team", t.id or 0, t.name) for t in teams),
        objectives=tuple(branch_nodes(v, current)),
        cycle_name=cycle.name if cycle is not None else None,
        past=tuple(past),
        checkins=checkin_items(v, entries, krs, people),
        tasks=task_items(v, tasks, people, {kr.id: kr.number for kr in krs.values()}),
        help_received=help_items(v, received, people),
        help_given=help_items(v, given, people),
    )
