"""The weekly rhythm: Monday planning prompts, Friday check-in prompts, Friday digests.

`due_deliveries` finds every team moment that fell due in a time window and
returns what it sends. Each delivery carries a key unique to (kind, team or
person, week), so whoever sends them can claim the key first and never post
twice, however often a window is replayed.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from handlers import digests
from handlers.i18n import Translator, negotiate, translator
from handlers.okr.weeks import (
    cycle_for,
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

MOMENTS = ("plan", "checkin", "digest")


def due_deliveries(
    *, session: Session, since: datetime, until: datetime, workspace_id: int | None = None
) -> list[Delivery]:
    """What the teams' rhythm sends for moments in (since, until]: every workspace's, or one's."""
    found: dict[str, Delivery] = {}
    teams = (
        workspaces.list_all_teams(session=session)
        if workspace_id is None
        else workspaces.list_teams(session=session, workspace_id=workspace_id)
    )
    due: list[tuple[Team, str, datetime]] = []
    for team in teams:
        for moment in MOMENTS:
            weekday = getattr(team, f"{moment}_weekday")
            hhmm = getattr(team, f"{moment}_time")
            for at in occurrences_between(
                start=since, end=until, weekday=weekday, hhmm=hhmm, tz=team.timezone
            ):
                day = local_date(at, team.timezone)
                if day.isoformat() in team.holidays:
                    continue
                due.append((team, moment, at))
    # Every due team's data is read together, once, before any job builds its messages.
    data = TickData(
        session=session,
        due=[
            (team, moment, week_of(at, team.timezone), local_date(at, team.timezone))
            for team, moment, at in due
        ],
    )
    for team, moment, at in due:
        job = _Job(
            session=session,
            workspace=data.workspace(team.workspace_id),
            team=team,
            at=at,
            data=data,
        )
        for delivery in getattr(job, moment)():
            assert delivery.key is not None
            found.setdefault(delivery.key, delivery)
    return list(found.values())


class _Job:
    """One team moment at one instant."""

    def __init__(
        self,
        *,
        session: Session,
        workspace: Workspace,
        team: Team,
        at: datetime,
        data: TickData | None = None,
    ) -> None:
        self.session = session
        self.data = data if data is not None else TickData(session=session, due=[])
        self.workspace = workspace
        self.team = team
        self.at = at
        self.today = local_date(at, team.timezone)
        self.week = week_of(at, team.timezone)
        assert team.id is not None and workspace.id is not None
        self.team_id: int = team.id
        self.ws: int = workspace.id

    def cycle(self) -> Cycle:
        return self.data.cycle(self.ws, cycle_for(self.workspace.cycle_kind, self.today))

    def team_tr(self) -> Translator:
        return translator(negotiate(self.team.locale, self.workspace.default_locale))

    def member_tr(self, member: Member) -> Translator:
        return translator(negotiate(member.locale, self.team.locale, self.workspace.default_locale))

    def present_members(self) -> list[Member]:
        """Team members who are not away today."""
        self.data.include(self.team)
        members = self.data.members(self.ws)
        away = self.data.away(self.ws, self.today)
        return [
            members[i]
            for i in self.data.member_ids(self.ws, self.team_id)
            if i in members and i not in away and members[i].is_active
        ]

    def krs_by_owner(self, members: list[Member]) -> dict[int, list[KRFacts]]:
        """This cycle's KRs of these members, by owner."""
        owned = self.data.krs_by_owner(self.ws, self.cycle())
        return {m.id: owned[m.id] for m in members if m.id is not None and m.id in owned}

    def channel_post(self, message: Message, kind: str) -> list[Delivery]:
        if self.team.channel_external_id:
            to: ToChannel | ToUser = ToChannel(self.team.channel_external_id)
        elif self.team.manager_id is not None:
            manager = self.data.members(self.ws).get(self.team.manager_id)
            if manager is None:
                return []
            to = ToUser(manager.external_id)
        else:
            return []
        return [Delivery(to=to, message=message, key=f"{kind}:team{self.team_id}:{self.week}")]

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
        return self.channel_post(digests.digest_message(self.team_tr(), data), "digest")
