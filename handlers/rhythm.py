"""The weekly rhythm: Monday planning prompts, Friday check-in prompts, Friday digests.

`due_deliveries` finds every team moment that fell due in a time window and
returns what it sends. Each delivery carries a key unique to (kind, team or
person, week), so whoever sends them can claim the key first and never post
twice, however often a window is replayed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from handlers import collector, digests
from handlers.calendar import TeamCalendar
from handlers.i18n import Translator, negotiate, translator
from handlers.okr.weeks import (
    cycle_for,
    is_valid_timezone,
    local_date,
    occurrences_between,
    previous_week,
    week_of,
)
from handlers.tickdata import TickData
from handlers.usecases.present import kr_block, task_text
from handlers.views import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Context,
    Delivery,
    Header,
    Message,
    Text,
    ToChannel,
    ToUser,
)
from storage.models import Cycle, Member, TaskStatus, Team, Workspace
from storage.repos import workspaces
from storage.repos.okrs import KRFacts

# The weekly moments at a team's own weekday and time (operators can trigger these).
MOMENTS = ("plan", "checkin", "remind", "digest")


@dataclass(frozen=True, slots=True)
class Moment:
    """One kind of scheduled moment: when it falls in a team's week and what it sends.

    `personal` moments are DMs sent at each member's own time of day (their own
    timezone when they set one); the others run once in the team's timezone.
    """

    name: str
    times: Callable[[Team], list[tuple[int, str]]]  # (ISO weekday, local "HH:MM")
    run: Callable[[_Job], list[Delivery]]
    personal: bool = False
    # Whether it runs on this local day (default: on any day that is not a team holiday).
    runs_on: Callable[[_Job], bool] | None = None


def _weekly(name: str) -> Callable[[Team], list[tuple[int, str]]]:
    return lambda team: [(getattr(team, f"{name}_weekday"), getattr(team, f"{name}_time"))]


def _daily(name: str) -> Callable[[Team], list[tuple[int, str]]]:
    return lambda team: [(day, getattr(team, f"{name}_time")) for day in range(1, 8)]


def _moments() -> tuple[Moment, ...]:
    # Imported here: these modules build on _Job below.
    from handlers import reminders, review, scoring

    return (
        Moment("plan", _weekly("plan"), lambda job: job.plan(), personal=True),
        Moment("checkin", _weekly("checkin"), lambda job: job.checkin(), personal=True),
        Moment("remind", _weekly("remind"), reminders.remind, personal=True),
        Moment("digest", _weekly("digest"), lambda job: job.digest()),
        Moment("nudge", _daily("plan"), reminders.nudges, runs_on=reminders.is_working_day),
        Moment(
            "review", _weekly("review"), review.monthly_review, runs_on=review.is_first_of_month
        ),
        Moment("selfscore", _weekly("plan"), scoring.prompts, True, scoring.in_last_week),
    )


def due_deliveries(
    *, session: Session, since: datetime, until: datetime, workspace_id: int | None = None
) -> list[Delivery]:
    """What the teams' rhythm sends for moments in (since, until]: every workspace's, or one's.

    In the order the moments fell due.
    """
    due = due_moments(session=session, since=since, until=until, workspace_id=workspace_id)
    return [d.delivery for d in due]


@dataclass(frozen=True, slots=True)
class Due:
    """One delivery of a team moment, with the instant the moment fell due."""

    delivery: Delivery
    at: datetime
    moment: str
    team: str
    workspace_id: int


def due_moments(
    *,
    session: Session,
    since: datetime,
    until: datetime,
    workspace_id: int | None = None,
    team_id: int | None = None,
    moments: Sequence[str] | None = None,
) -> list[Due]:
    """Each delivery of the moments in (since, until], with when and whose moment it is.

    In the order the moments fell due; `moments` names some of them (default: all).
    The delivery's platform and workspace are those of the team's workspace.
    """
    found: dict[tuple[int, str], tuple[int, Due]] = {}
    teams = (
        workspaces.list_all_teams(session=session)
        if workspace_id is None
        else workspaces.list_teams(session=session, workspace_id=workspace_id)
    )
    kinds = _moments()
    if team_id is not None:
        teams = [team for team in teams if team.id == team_id]
    zones_of = _member_zones(session, teams)
    # Teams mostly share zones and times: each distinct schedule is worked out once.
    occurrences: dict[tuple[int, str, str], list[datetime]] = {}
    jobs: list[tuple[int, Moment, _Job]] = []
    for team in teams:
        workspace = workspaces.get_workspace(session=session, workspace_id=team.workspace_id)
        assert workspace is not None and workspace.id is not None
        calendar = TeamCalendar(team)
        zones = [team.timezone, *zones_of.get(team.id or -1, [])]
        for order, moment in enumerate(kinds):
            if moments is not None and moment.name not in moments:
                continue
            for zone in zones if moment.personal else zones[:1]:
                for weekday, hhmm in moment.times(team):
                    schedule = (weekday, hhmm, zone)
                    if schedule not in occurrences:
                        occurrences[schedule] = occurrences_between(
                            start=since, end=until, weekday=weekday, hhmm=hhmm, tz=zone
                        )
                    for at in occurrences[schedule]:
                        job = _Job(
                            session=session,
                            workspace=workspace,
                            team=team,
                            at=at,
                            zone=zone,
                            calendar=calendar,
                        )
                        if moment.runs_on is not None:
                            if not moment.runs_on(job):
                                continue
                        elif calendar.is_holiday(job.today):
                            continue
                        jobs.append((order, moment, job))
    # Every due team's data is read together, once, before any job builds its messages.
    data = TickData(
        session=session,
        due=[(job.team, moment.name, job.week, job.today) for _, moment, job in jobs],
    )
    with collector.paused():
        for order, moment, job in jobs:
            job.data = data
            workspace = job.workspace
            assert workspace.id is not None
            for delivery in moment.run(job):
                assert delivery.key is not None
                addressed = replace(
                    delivery, platform=workspace.platform, workspace=workspace.external_id
                )
                found.setdefault(
                    (workspace.id, delivery.key),
                    (order, Due(addressed, job.at, moment.name, job.team.name, workspace.id)),
                )
        ordered = sorted(found.values(), key=lambda item: (item[1].at, item[0]))
        return [due for _, due in ordered]


def _member_zones(session: Session, teams: Sequence[Team]) -> dict[int, list[str]]:
    """The other timezones each team's members set for themselves, read for all teams at once."""
    by_workspace: dict[int, list[Team]] = defaultdict(list)
    for team in teams:
        by_workspace[team.workspace_id].append(team)
    found: dict[int, list[str]] = {}
    for ws, group in by_workspace.items():
        zones = workspaces.member_timezones_of_teams(
            session=session, workspace_id=ws, team_ids=[t.id for t in group if t.id is not None]
        )
        for team in group:
            found[team.id or -1] = sorted(
                z
                for z in zones.get(team.id or -1, set())
                if z != team.timezone and is_valid_timezone(z)
            )
    return found


def dm_zone(member: Member, team: Team) -> str:
    """The zone a member's DMs follow: their own when set, else the team's."""
    if member.timezone and is_valid_timezone(member.timezone):
        return member.timezone
    return team.timezone


class _Job:
    """One team moment at one instant."""

    def __init__(
        self,
        *,
        session: Session,
        workspace: Workspace,
        team: Team,
        at: datetime,
        zone: str | None = None,
        calendar: TeamCalendar | None = None,
        data: TickData | None = None,
    ) -> None:
        self.session = session
        # The tick's shared reads; a job run on its own reads for its team alone.
        self._data = data
        self.workspace = workspace
        self.team = team
        self.at = at
        # DMs to members who set their own timezone run at their time of day;
        # channel posts and the team's own moments run in the team's zone.
        self.zone = zone or team.timezone
        self.in_team_zone = self.zone == team.timezone
        self.calendar = calendar or TeamCalendar(team)
        self.today = local_date(at, self.zone)
        self.week = week_of(at, self.zone)
        assert team.id is not None and workspace.id is not None
        self.team_id: int = team.id
        self.ws: int = workspace.id

    @property
    def data(self) -> TickData:
        if self._data is None:
            self._data = TickData(session=self.session, due=[])
        return self._data

    @data.setter
    def data(self, value: TickData) -> None:
        self._data = value

    def cycle(self) -> Cycle:
        return self.data.cycle(self.ws, cycle_for(self.workspace.cycle_kind, self.today))

    def team_tr(self) -> Translator:
        return translator(negotiate(self.team.locale, self.workspace.default_locale))

    def member_tr(self, member: Member) -> Translator:
        return translator(negotiate(member.locale, self.team.locale, self.workspace.default_locale))

    def present_members(self) -> list[Member]:
        """Team members who are not away today (and whose DMs follow this job's zone)."""
        self.data.include(self.team)
        members = self.data.members(self.ws)
        away = self.data.away(self.ws, self.today)
        return [
            members[i]
            for i in self.data.member_ids(self.ws, self.team_id)
            if i in members
            and i not in away
            and members[i].is_active
            and dm_zone(members[i], self.team) == self.zone
        ]

    def member_ids(self) -> list[int]:
        """Everyone in the team, present or not."""
        self.data.include(self.team)
        return self.data.member_ids(self.ws, self.team_id)

    def krs_by_owner(self, members: list[Member]) -> dict[int, list[KRFacts]]:
        """This cycle's KRs of these members, by owner."""
        self.data.include(self.team)
        return self.data.krs_of(self.ws, self.cycle(), [m.id for m in members if m.id is not None])

    def channel_post(
        self, message: Message, kind: str, period: str | None = None
    ) -> list[Delivery]:
        if not self.in_team_zone:
            return []
        if self.team.channel_external_id:
            to: ToChannel | ToUser = ToChannel(self.team.channel_external_id)
        elif self.team.manager_id is not None:
            manager = self.data.members(self.ws).get(self.team.manager_id)
            if manager is None:
                return []
            to = ToUser(manager.external_id)
        else:
            return []
        key = f"{kind}:team{self.team_id}:{period or self.week}"
        return [Delivery(to=to, message=message, key=key)]

    def plan(self) -> list[Delivery]:
        out: list[Delivery] = []
        last_week = previous_week(self.week)
        members = self.present_members()
        krs_of = self.krs_by_owner(members)
        leftovers_of = self.data.leftovers(self.ws, last_week)
        for member in members:
            assert member.id is not None
            tr = self.member_tr(member)
            krs = krs_of.get(member.id, [])
            leftovers = leftovers_of.get(member.id, [])
            title = tr.t("Monday planning · week {week}", week=self.week)
            blocks: list[Block] = [
                Header(title),
                Text(
                    tr.t(
                        "Good morning, {name}! What are this week's key tasks toward your key results?",
                        name=member.display_name,
                    )
                ),
            ]
            blocks.extend(kr_block(tr, kr) for kr in krs)
            if leftovers:
                blocks.append(Text(tr.t("Still open from last week:")))
                blocks.extend(Text(task_text(tr, line, show_owner=False)) for line in leftovers)
                blocks.append(
                    Actions(
                        tuple(
                            Button(
                                tr.t("Carry over T{n}", n=line.task.number),
                                "task.carry",
                                f"T{line.task.number}",
                            )
                            for line in leftovers[:5]
                        )
                    )
                )
            example = f" KR{krs[0].number}" if krs else ""
            blocks.append(
                Context(
                    tr.t(
                        "Plan a task: /okr plan add TASK{kr} with @colleague due wed · "
                        "the plan settles on Wednesday.",
                        kr=example,
                    )
                )
            )
            blocks.append(Actions((Button(tr.t("This week's plan"), "plan.list"),)))
            out.append(
                Delivery(
                    to=ToUser(member.external_id),
                    message=Message(summary=title, blocks=tuple(blocks)),
                    key=f"plan:member{member.id}:{self.week}",
                )
            )
        tr = self.team_tr()
        tasks_of = self.data.tasks(self.ws, last_week)
        tasks = [
            t for i in self.data.member_ids(self.ws, self.team_id) for t in tasks_of.get(i, [])
        ]
        done = sum(1 for t in tasks if t.status == TaskStatus.DONE.value)
        counted = sum(1 for t in tasks if t.status != TaskStatus.CARRIED_OVER.value)
        title = tr.t("Monday planning · {team} · week {week}", team=self.team.name, week=self.week)
        blocks = [
            Header(title),
            Text(tr.t("A new week: let's each plan the key tasks that move our key results.")),
        ]
        if counted:
            blocks.append(
                Context(
                    tr.t("Last week: {done} of {total} key tasks done.", done=done, total=counted)
                )
            )
        out.extend(self.channel_post(Message(summary=title, blocks=tuple(blocks)), "plan"))
        return out

    def checkin(self) -> list[Delivery]:
        out: list[Delivery] = []
        members = self.present_members()
        krs_of = self.krs_by_owner(members)
        done = self.data.week_checkins(self.ws, self.cycle(), self.week)
        for member in members:
            assert member.id is not None
            krs = krs_of.get(member.id, [])
            if not krs or all(kr.id in done for kr in krs):
                continue
            tr = self.member_tr(member)
            title = tr.t("Friday check-in · week {week}", week=self.week)
            blocks: list[Block] = [
                Header(title),
                Text(
                    tr.t(
                        "How did your key results move this week, {name}?", name=member.display_name
                    )
                ),
            ]
            blocks.extend(kr_block(tr, kr, checkin=done.get(kr.id)) for kr in krs)
            blocks.append(
                Context(
                    tr.t(
                        'Or type it: /okr checkin KR{n} VALUE confidence 1-10 "what moved"',
                        n=krs[0].number,
                    )
                )
            )
            blocks.append(
                Actions((Button(tr.t("Check in"), "checkin.open", "", ButtonStyle.PRIMARY),))
            )
            out.append(
                Delivery(
                    to=ToUser(member.external_id),
                    message=Message(summary=title, blocks=tuple(blocks)),
                    key=f"checkin:member{member.id}:{self.week}",
                )
            )
        return out

    def digest(self) -> list[Delivery]:
        data = self.data.team_week(self.team, self.week, self.cycle(), self.today)
        message = digests.digest_message(self.team_tr(), data)
        from handlers.review import team_charts

        # The text stays complete; the charts come after it.
        charts = team_charts(self, name="digest", krs=data.krs)
        message = Message(summary=message.summary, blocks=(*message.blocks, *charts))
        return self.channel_post(message, "digest")
