"""What the rhythm reads in one tick, loaded for every due team at once.

A tick may owe a thousand teams their Friday prompts and teamweek. Asking the
database team by team costs a dozen queries per team; here each kind of data
is read once per workspace (and week or day) for all the teams due in the
tick, as plain values where there are many rows, and each team's job picks
its share from memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlmodel import Session

from handlers.okr.weeks import CycleBounds
from handlers.reports import teammonth, teamweek
from handlers.usecases.plan import TaskLine, task_lines
from storage.models import (
    Cycle,
    Draft,
    HelpRequest,
    HelpStatus,
    Member,
    TaskStatus,
    Team,
    Workspace,
)
from storage.repos import collab, ends, okrs, rhythm, workspaces
from storage.repos.okrs import KRFacts
from storage.repos.rhythm import CheckinFacts, TaskFacts


class TickData:
    """Shared, lazily loaded reads for the teams due in one tick.

    `due` lists each team with the moment and local (week, day) it is due for;
    digest data is loaded for every team whose digest falls in the same week
    and day, the rest for every due team of the workspace.
    """

    def __init__(self, *, session: Session, due: Sequence[tuple[Team, str, str, date]]) -> None:
        self.session = session
        self.teams: dict[int, list[Team]] = defaultdict(list)
        self._team_ids: set[int] = set()
        self.digest_teams: dict[tuple[int, str, date], list[Team]] = defaultdict(list)
        self.review_teams: dict[tuple[int, date], list[Team]] = defaultdict(list)
        for team, moment, week, day in due:
            if team.id not in self._team_ids:
                self.teams[team.workspace_id].append(team)
                self._team_ids.add(team.id or 0)
            if moment == "digest":
                self.digest_teams[(team.workspace_id, week, day)].append(team)
            elif moment == "review":
                self.review_teams[(team.workspace_id, day)].append(team)
        self._workspaces: dict[int, Workspace] = {}
        self._cycles: dict[tuple[int, str], Cycle] = {}
        self._membership: dict[int, dict[int, list[int]]] = {}
        self._members: dict[int, dict[int, Member]] = {}
        self._away: dict[tuple[int, date], set[int]] = {}
        self._krs: dict[tuple[int, int], dict[int, list[KRFacts]]] = {}
        self._checkins: dict[tuple[int, int, str], dict[int, CheckinFacts]] = {}
        self._tasks: dict[tuple[int, str], dict[int, list[TaskFacts]]] = {}
        self._leftovers: dict[tuple[int, str], dict[int, list[TaskLine]]] = {}
        self._open_help: dict[int, dict[int, list[HelpRequest]]] = {}
        self._everyone_of: dict[int, set[int]] = {}
        self._team_weeks: dict[tuple[int, str, date, int], dict[int, teamweek.TeamWeek]] = {}
        self._team_months: dict[tuple[int, date, int], dict[int, teammonth.TeamMonth]] = {}
        self._due_open: dict[
            tuple[int, tuple[str, ...], date, date], dict[int, list[TaskFacts]]
        ] = {}
        self._drafts: dict[int, dict[int, list[Draft]]] = {}

    def include(self, team: Team) -> None:
        """Serve a team that was not in `due` too."""
        ws = team.workspace_id
        # By id: comparing the ORM objects themselves costs a field-by-field walk each.
        if team.id in self._team_ids:
            return
        self.teams[ws].append(team)
        self._team_ids.add(team.id or 0)
        # Rare (a job run on its own): simply read everything again.
        self._membership.clear()
        self._members.clear()
        self._away.clear()
        self._krs.clear()
        self._checkins.clear()
        self._tasks.clear()
        self._leftovers.clear()
        self._open_help.clear()
        self._due_open.clear()
        self._everyone_of.clear()
        self._drafts.clear()

    def workspace(self, ws: int) -> Workspace:
        if ws not in self._workspaces:
            found = workspaces.get_workspace(session=self.session, workspace_id=ws)
            assert found is not None
            self._workspaces[ws] = found
        return self._workspaces[ws]

    def cycle(self, ws: int, bounds: CycleBounds) -> Cycle:
        key = (ws, bounds.name)
        if key not in self._cycles:
            self._cycles[key] = okrs.get_or_create_cycle(
                session=self.session,
                workspace_id=ws,
                name=bounds.name,
                kind=bounds.kind,
                start=bounds.start,
                end=bounds.end,
            )
        return self._cycles[key]

    def open_drafts(self, ws: int, team_id: int) -> list[Draft]:
        """The team's drafts in progress, read for every due team of the workspace at once."""
        if ws not in self._drafts:
            grouped: dict[int, list[Draft]] = defaultdict(list)
            for draft in ends.open_drafts(
                session=self.session,
                workspace_id=ws,
                team_ids=[t.id for t in self.teams[ws] if t.id is not None],
            ):
                grouped[draft.team_id].append(draft)
            self._drafts[ws] = grouped
        return self._drafts[ws].get(team_id, [])

    def member_ids(self, ws: int, team_id: int) -> list[int]:
        if ws not in self._membership:
            self._membership[ws] = workspaces.team_memberships(
                session=self.session,
                workspace_id=ws,
                team_ids=[t.id for t in self.teams[ws] if t.id is not None],
            )
        return self._membership[ws].get(team_id, [])

    def _everyone(self, ws: int) -> set[int]:
        if ws not in self._everyone_of:
            self._everyone_of[ws] = {
                m for t in self.teams[ws] for m in self.member_ids(ws, t.id or -1)
            }
        return self._everyone_of[ws]

    def members(self, ws: int) -> dict[int, Member]:
        """Every member of the workspace's due teams, and their managers, by id."""
        if ws not in self._members:
            ids = self._everyone(ws) | {t.manager_id for t in self.teams[ws] if t.manager_id}
            self._members[ws] = {
                m.id: m
                for m in workspaces.list_members(session=self.session, workspace_id=ws, ids=ids)
                if m.id is not None
            }
        return self._members[ws]

    def away(self, ws: int, day: date) -> set[int]:
        if (ws, day) not in self._away:
            self._away[(ws, day)] = rhythm.away_member_ids(
                session=self.session,
                workspace_id=ws,
                member_ids=self._everyone(ws),
                start=day,
                end=day,
            )
        return self._away[(ws, day)]

    def krs_by_owner(self, ws: int, cycle: Cycle) -> dict[int, list[KRFacts]]:
        """The cycle's key results that members of due teams own, by owner."""
        assert cycle.id is not None
        key = (ws, cycle.id)
        if key not in self._krs:
            grouped: dict[int, list[KRFacts]] = defaultdict(list)
            for kr in okrs.cycle_kr_facts(
                session=self.session,
                workspace_id=ws,
                cycle_id=cycle.id,
                owner_member_ids=self._everyone(ws),
            ):
                if kr.owner_member_id is not None:
                    grouped[kr.owner_member_id].append(kr)
            self._krs[key] = grouped
        return self._krs[key]

    def krs_of(self, ws: int, cycle: Cycle, member_ids: Sequence[int]) -> dict[int, list[KRFacts]]:
        """The cycle's KRs these members own, by owner (reading any not in a due team)."""
        owned = self.krs_by_owner(ws, cycle)
        everyone = self._everyone(ws)
        outside = [i for i in member_ids if i not in everyone]
        found = {i: owned[i] for i in member_ids if i in owned}
        if outside:
            assert cycle.id is not None
            for kr in okrs.cycle_kr_facts(
                session=self.session, workspace_id=ws, cycle_id=cycle.id, owner_member_ids=outside
            ):
                if kr.owner_member_id is not None:
                    found.setdefault(kr.owner_member_id, []).append(kr)
        return found

    def week_checkins(self, ws: int, cycle: Cycle, week: str) -> dict[int, CheckinFacts]:
        """This week's check-ins of the key results in `krs_by_owner`."""
        assert cycle.id is not None
        key = (ws, cycle.id, week)
        if key not in self._checkins:
            kr_ids = [kr.id for krs in self.krs_by_owner(ws, cycle).values() for kr in krs]
            self._checkins[key] = rhythm.week_checkin_facts(
                session=self.session, workspace_id=ws, week=week, kr_ids=kr_ids
            )
        return self._checkins[key]

    def tasks(self, ws: int, week: str) -> dict[int, list[TaskFacts]]:
        """A week's tasks of the due teams' members, by owner."""
        if (ws, week) not in self._tasks:
            grouped: dict[int, list[TaskFacts]] = defaultdict(list)
            for task in rhythm.week_task_facts(
                session=self.session,
                workspace_id=ws,
                week=week,
                owner_member_ids=self._everyone(ws),
            ):
                grouped[task.owner_member_id].append(task)
            self._tasks[(ws, week)] = grouped
        return self._tasks[(ws, week)]

    def open_tasks_due(
        self, ws: int, weeks: tuple[str, ...], first_day: date, last_day: date
    ) -> dict[int, list[TaskFacts]]:
        """Tasks of `weeks` still planned and due in [first_day, last_day], by owner."""
        key = (ws, weeks, first_day, last_day)
        if key not in self._due_open:
            grouped: dict[int, list[TaskFacts]] = defaultdict(list)
            for task in rhythm.open_task_facts_due_between(
                session=self.session,
                workspace_id=ws,
                weeks=weeks,
                owner_member_ids=self._everyone(ws),
                first_day=first_day,
                last_day=last_day,
            ):
                grouped[task.owner_member_id].append(task)
            self._due_open[key] = grouped
        return self._due_open[key]

    def leftovers(self, ws: int, week: str) -> dict[int, list[TaskLine]]:
        """Tasks of `week` still planned, with owners, helpers and KRs, by owner."""
        if (ws, week) not in self._leftovers:
            ids = [
                t.id
                for tasks in self.tasks(ws, week).values()
                for t in tasks
                if t.status == TaskStatus.PLANNED.value
            ]
            grouped: dict[int, list[TaskLine]] = defaultdict(list)
            if ids:
                planned = rhythm.get_tasks(session=self.session, workspace_id=ws, ids=ids)
                for line in task_lines(session=self.session, workspace_id=ws, tasks=planned):
                    grouped[line.task.owner_member_id].append(line)
            self._leftovers[(ws, week)] = grouped
        return self._leftovers[(ws, week)]

    def open_help(self, ws: int, member_ids: set[int]) -> list[HelpRequest]:
        """Open help requests these members asked or were asked, by number."""
        if ws not in self._open_help:
            grouped: dict[int, list[HelpRequest]] = defaultdict(list)
            for request in collab.list_help_requests(
                session=self.session,
                workspace_id=ws,
                member_ids=self._everyone(ws),
                statuses=[HelpStatus.OPEN],
            ):
                grouped[request.requester_id].append(request)
                if request.helper_id != request.requester_id:
                    grouped[request.helper_id].append(request)
            self._open_help[ws] = grouped
        found = {r.number: r for i in member_ids for r in self._open_help[ws].get(i, [])}
        return [found[n] for n in sorted(found)]

    def team_week(self, team: Team, week: str, cycle: Cycle, today: date) -> teamweek.TeamWeek:
        """The digest data of `team`, loaded with every team whose digest shares its week."""
        assert team.id is not None and cycle.id is not None
        ws = team.workspace_id
        key = (ws, week, today, cycle.id)
        if key not in self._team_weeks or team.id not in self._team_weeks[key]:
            group = self.digest_teams.get((ws, week, today), [])
            if all(t.id != team.id for t in group):
                group = [team]
            self._team_weeks.setdefault(key, {}).update(
                teamweek.load_team_weeks(
                    session=self.session, teams=group, week=week, cycle=cycle, today=today
                )
            )
        return self._team_weeks[key][team.id]

    def team_month(self, team: Team, today: date, cycle: Cycle) -> teammonth.TeamMonth:
        """The monthly review data of `team`, loaded with every team reviewed on the same day."""
        assert team.id is not None and cycle.id is not None
        ws = team.workspace_id
        key = (ws, today, cycle.id)
        if key not in self._team_months or team.id not in self._team_months[key]:
            group = self.review_teams.get((ws, today), [])
            if all(t.id != team.id for t in group):
                group = [team]
            self._team_months.setdefault(key, {}).update(
                teammonth.load_team_months(
                    session=self.session, teams=group, cycle=cycle, today=today
                )
            )
        return self._team_months[key][team.id]
