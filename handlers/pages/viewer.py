"""Who is looking at a page: their workspace, language, zone, week and cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from handlers.i18n import Translator, negotiate, translator
from handlers.okr.weeks import cycle_for, local_date, week_of
from handlers.usecases.context import member_timezone
from storage.models import Cycle, Member, Workspace
from storage.repos import pages, workspaces


class NotFound(LookupError):
    """No such page for this viewer: it does not exist, or it is another workspace's."""


@dataclass(frozen=True, slots=True)
class Viewer:
    session: Session
    workspace: Workspace
    member: Member
    tr: Translator
    tz: str
    now: datetime

    @property
    def ws(self) -> int:
        assert self.workspace.id is not None
        return self.workspace.id

    @property
    def member_id(self) -> int:
        assert self.member.id is not None
        return self.member.id

    @property
    def today(self) -> date:
        return local_date(self.now, self.tz)

    @property
    def week(self) -> str:
        return week_of(self.now, self.tz)

    def cycles(self) -> list[Cycle]:
        return pages.cycles(session=self.session, workspace_id=self.ws)

    def cycle(self, cycle_id: int | None = None) -> Cycle | None:
        """The cycle asked for (NotFound if it is not this workspace's), else today's.

        Today's is the cycle whose dates hold today, else the newest one; None when
        the workspace has none yet. Pages never create one: looking changes nothing.
        """
        known = self.cycles()
        if cycle_id is not None:
            for cycle in known:
                if cycle.id == cycle_id:
                    return cycle
            raise NotFound(f"cycle {cycle_id}")
        name = cycle_for(self.workspace.cycle_kind, self.today).name
        for cycle in known:
            if cycle.name == name or cycle.start_date <= self.today <= cycle.end_date:
                return cycle
        return known[0] if known else None


def viewer(
    session: Session,
    *,
    workspace_id: int,
    member_id: int,
    now: datetime,
    locale: str | None = None,
) -> Viewer | None:
    """The member of this workspace looking at a page; None when there is no such member.

    `locale` is the language the viewer chose in the web view, over their own.
    """
    workspace = workspaces.get_workspace(session=session, workspace_id=workspace_id)
    if workspace is None:
        return None
    member = workspaces.get_member(session=session, workspace_id=workspace_id, member_id=member_id)
    if member is None or not member.is_active:
        return None
    teams = workspaces.teams_of_member(
        session=session, workspace_id=workspace_id, member_id=member_id
    )
    return Viewer(
        session=session,
        workspace=workspace,
        member=member,
        tr=translator(negotiate(locale, member.locale, workspace.default_locale)),
        tz=member_timezone(member, teams, workspace.default_timezone),
        now=now,
    )
