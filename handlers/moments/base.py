"""What every moment shares: the team, its zone, its week, its calendar, the tick's data.

A moment is one kind of scheduled work (Monday planning prompts, Friday
check-in prompts, the digest, ...). `Moment` says when it falls in a team's
week and which function builds its deliveries; that function receives a
`MomentJob`, one team's moment at one instant, which knows the team's
workspace, the local day and ISO week in the zone the moment runs in, the
team's working-day calendar and the reads shared by the whole tick
(`TickData`). Each moment's module builds on this class alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from handlers.i18n import Translator, negotiate, translator
from handlers.links import NO_LINKS, PageLinks
from handlers.moments.data import TickData
from handlers.okr.calendar import TeamCalendar
from handlers.okr.weeks import cycle_for, is_valid_timezone, kr_cycle_for, local_date, week_of
from handlers.views import Delivery, Message, ToChannel, ToUser
from storage.models import Cycle, Member, Team, Workspace
from storage.repos import workspaces
from storage.repos.okrs import KRFacts


@dataclass(frozen=True, slots=True)
class Moment:
    """One kind of scheduled moment: when it falls in a team's week and what it sends.

    `personal` moments are DMs sent at each member's own time of day (their own
    timezone when they set one); the others run once in the team's timezone.
    """

    name: str
    times: Callable[[Team], list[tuple[int, str]]]  # (ISO weekday, local "HH:MM")
    run: Callable[[MomentJob], list[Delivery]]
    personal: bool = False
    # Whether it runs on this local day (default: on any day that is not a team holiday).
    runs_on: Callable[[MomentJob], bool] | None = None


def weekly(name: str) -> Callable[[Team], list[tuple[int, str]]]:
    return lambda team: [(getattr(team, f"{name}_weekday"), getattr(team, f"{name}_time"))]


def daily(name: str) -> Callable[[Team], list[tuple[int, str]]]:
    return lambda team: [(day, getattr(team, f"{name}_time")) for day in range(1, 8)]


def every_day(hhmm: str) -> Callable[[Team], list[tuple[int, str]]]:
    """Every day at one local time, whatever the team's rhythm (a draft's deadlines)."""
    return lambda team: [(day, hhmm) for day in range(1, 8)]


def dm_zone(member: Member, team: Team) -> str:
    """The zone a member's DMs follow: their own when set, else the team's."""
    if member.timezone and is_valid_timezone(member.timezone):
        return member.timezone
    return team.timezone


class MomentJob:
    """One team's moment at one instant, with what its messages are built from.

    `zone` is the zone the moment runs in: the team's, or for DMs at a member's
    own time of day, that member's. `data` is the tick's shared reads; a job
    made on its own (a follow-up, a trigger) reads for its team alone.
    """

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
        links: PageLinks = NO_LINKS,
    ) -> None:
        self.session = session
        # Addresses of the web view's pages, for messages that link to them.
        self.links = links
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

    @property
    def cycle_kind(self) -> str:
        """The team's cycle kind: its own, else the workspace's."""
        return self.team.cycle_kind or self.workspace.cycle_kind

    def cycle(self) -> Cycle:
        """The cycle the team's objectives are in today."""
        return self.data.cycle(self.ws, cycle_for(self.cycle_kind, self.today))

    def scoring_cycle(self) -> Cycle:
        """The cycle whose end is scored next: a yearly objective's quarter under
        "annual-quarterly", else the objectives' own cycle."""
        return self.data.cycle(self.ws, kr_cycle_for(self.cycle_kind, self.today))

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

    def member(self, member_id: int) -> Member | None:
        """One of the workspace's members: from the tick's reads when it is in a due team."""
        found = self.data.members(self.ws).get(member_id)
        if found is None:
            found = workspaces.get_member(
                session=self.session, workspace_id=self.ws, member_id=member_id
            )
        return found

    def waited_working_days(self, asked_at: datetime, days: int) -> bool:
        """Whether today is the working day `days` working days after `asked_at`, in
        the team's zone: the one morning a request still open is nudged."""
        asked_on = local_date(asked_at, self.team.timezone)
        return self.calendar.add_working_days(asked_on, days) == self.today

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
