"""Per-event context shared by the use cases, and the lookups they all need."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from sqlmodel import Session

from handlers.events import MentionedUser
from handlers.grammar import PersonRef, Ref, clean_typed
from handlers.i18n import Translator, negotiate, translator
from handlers.links import NO_LINKS, PageLinks
from handlers.okr.weeks import (
    CycleBounds,
    cycle_for,
    is_valid_timezone,
    kr_cycle_for,
    local_date,
    week_of,
)
from handlers.present import show_ref
from handlers.views import mention
from storage.models import (
    Cycle,
    HelpRequest,
    KeyResult,
    Member,
    Objective,
    PlanTask,
    Team,
    Workspace,
)
from storage.repos import collab, okrs, rhythm, workspaces


class UserError(Exception):
    """Something the user can fix: shown to them as a polite, translated message.

    `msgid` is an English catalog string and `params` fill its placeholders;
    `usage` optionally names a verb whose correct form is shown after it.
    """

    def __init__(self, msgid: str, usage: str | None = None, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.usage = usage
        self.params = params


@dataclass
class Ctx:
    """What a use case knows about the event it serves."""

    session: Session
    workspace_id: int
    member: Member
    now: datetime
    tz: str
    tr: Translator
    mentions: Mapping[str, MentionedUser] = field(default_factory=dict)
    workspace_locale: str = "en"
    # The member's cycle kind (their first team's own, else the workspace's).
    cycle_kind: str = "quarter"
    workspace_cycle_kind: str = "quarter"
    score_scale: int = 1
    # The shared channel or group chat the command was typed in (None in a direct chat).
    channel_id: str | None = None
    # Addresses of the web view's pages, for messages that link to them.
    links: PageLinks = NO_LINKS

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

    def t(self, msgid: str, **params: object) -> str:
        return self.tr.t(msgid, **params)

    @cached_property
    def _cycle(self) -> Cycle:
        return self.cycle_at(cycle_for(self.cycle_kind, self.today))

    def current_cycle(self) -> Cycle:
        """The cycle today falls in, created on first use."""
        return self._cycle

    def cycle_at(self, bounds: CycleBounds) -> Cycle:
        """The cycle of these bounds, created on first use."""
        return okrs.get_or_create_cycle(
            session=self.session,
            workspace_id=self.workspace_id,
            name=bounds.name,
            kind=bounds.kind,
            start=bounds.start,
            end=bounds.end,
        )

    def kind_of(self, team: Team | None) -> str:
        """A team's cycle kind: its own, else the workspace's; the member's without a team."""
        if team is None:
            return self.cycle_kind
        return team.cycle_kind or self.workspace_cycle_kind

    def team_cycle(self, team: Team) -> Cycle:
        """The cycle a team's objectives are in today."""
        return self.cycle_at(cycle_for(self.kind_of(team), self.today))

    def scoring_cycle(self, team: Team | None = None) -> Cycle:
        """The cycle whose end is scored next: the key results' cycle (a quarter of a
        yearly objective under "annual-quarterly", else the objectives' own)."""
        return self.cycle_at(kr_cycle_for(self.kind_of(team), self.today))

    def translator_for(self, member: Member | None) -> Translator:
        """The translator for messages addressed to someone else."""
        if member is None:
            return translator(self.workspace_locale)
        return translator(negotiate(member.locale, self.workspace_locale))


def member_timezone(member: Member, teams: list[Team], default: str) -> str:
    """A member's own zone, else their first team's, else the workspace's."""
    for candidate in (member.timezone, *(team.timezone for team in teams), default):
        if candidate and is_valid_timezone(candidate):
            return candidate
    return "UTC"


def member_context(
    session: Session,
    workspace: Workspace,
    member: Member,
    *,
    now: datetime,
    mentions: Mapping[str, MentionedUser] | None = None,
    channel_id: str | None = None,
    links: PageLinks = NO_LINKS,
) -> Ctx:
    """The context of one member acting at `now`: their zone, language and workspace."""
    assert workspace.id is not None and member.id is not None
    teams = workspaces.teams_of_member(
        session=session, workspace_id=workspace.id, member_id=member.id
    )
    return Ctx(
        session=session,
        workspace_id=workspace.id,
        member=member,
        now=now,
        tz=member_timezone(member, teams, workspace.default_timezone),
        tr=translator(negotiate(member.locale, workspace.default_locale)),
        mentions=mentions or {},
        workspace_locale=workspace.default_locale,
        cycle_kind=next((t.cycle_kind for t in teams if t.cycle_kind), workspace.cycle_kind),
        workspace_cycle_kind=workspace.cycle_kind,
        score_scale=workspace.score_scale,
        channel_id=channel_id,
        links=links,
    )


# --- lookups that turn what people typed into rows, or a polite error ------


def resolve_person(ctx: Ctx, ref: PersonRef) -> Member:
    mentioned = ctx.mentions.get(ref.token)
    if mentioned is not None:
        return workspaces.upsert_member(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            external_id=mentioned.user_id,
            display_name=clean_typed(mentioned.display_name),
        )
    found = workspaces.find_member(
        session=ctx.session, workspace_id=ctx.workspace_id, name=ref.token
    )
    if found is None:
        raise UserError("I don't know anyone called {who} in this workspace.", who=ref.token)
    return found


def resolve_objective(ctx: Ctx, ref: Ref) -> Objective:
    if ref.kind != "O":
        raise UserError("{ref} is not an objective; objectives look like O3.", ref=show_ref(ref))
    found = okrs.get_objective(
        session=ctx.session, workspace_id=ctx.workspace_id, number=ref.number
    )
    if found is None:
        raise UserError("There is no objective {ref}.", ref=show_ref(ref))
    return found


def resolve_kr(ctx: Ctx, ref: Ref) -> KeyResult:
    if ref.kind != "KR":
        raise UserError("{ref} is not a key result; key results look like KR12.", ref=show_ref(ref))
    found = okrs.get_key_result(
        session=ctx.session, workspace_id=ctx.workspace_id, number=ref.number
    )
    if found is None:
        raise UserError("There is no key result {ref}.", ref=show_ref(ref))
    return found


def resolve_task(ctx: Ctx, ref: Ref) -> PlanTask:
    if ref.kind != "T":
        raise UserError("{ref} is not a task; tasks look like T40.", ref=show_ref(ref))
    found = rhythm.get_task(session=ctx.session, workspace_id=ctx.workspace_id, number=ref.number)
    if found is None:
        raise UserError("There is no task {ref}.", ref=show_ref(ref))
    return found


def resolve_help_request(ctx: Ctx, ref: Ref) -> HelpRequest:
    if ref.kind != "H":
        raise UserError("{ref} is not a help request; they look like H5.", ref=show_ref(ref))
    found = collab.get_help_request(
        session=ctx.session, workspace_id=ctx.workspace_id, number=ref.number
    )
    if found is None:
        raise UserError("There is no help request {ref}.", ref=show_ref(ref))
    return found


def resolve_team(ctx: Ctx, name: str | None) -> Team:
    """A team by name, or the actor's own team when no name is given."""
    if name:
        found = workspaces.find_team(session=ctx.session, workspace_id=ctx.workspace_id, name=name)
        if found is None:
            raise UserError("There is no team called {name}.", name=name)
        return found
    mine = workspaces.teams_of_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=ctx.member_id
    )
    if not mine:
        raise UserError(
            "You are not in a team yet. Join one with /okr team join NAME, "
            "or create one with /okr team new NAME."
        )
    return mine[0]


def can_act_for(ctx: Ctx, owner_id: int | None) -> bool:
    """The owner, or a manager of the owner's team, may act on the owner's items."""
    if owner_id is None or owner_id == ctx.member_id:
        return True
    return workspaces.is_manager_of(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        manager_id=ctx.member_id,
        member_id=owner_id,
    )


def kr_owner_id(ctx: Ctx, kr: KeyResult) -> int | None:
    """The KR's owner, else its objective's owner (or that team's manager)."""
    if kr.owner_member_id is not None:
        return kr.owner_member_id
    objective = okrs.get_objective_by_id(
        session=ctx.session, workspace_id=ctx.workspace_id, objective_id=kr.objective_id
    )
    if objective is None:
        return None
    if objective.owner_member_id is not None:
        return objective.owner_member_id
    if objective.owner_team_id is not None:
        team = workspaces.get_team(
            session=ctx.session, workspace_id=ctx.workspace_id, team_id=objective.owner_team_id
        )
        return team.manager_id if team else None
    return None


def member_mention(member: Member) -> str:
    """The member as a real mention in a message to someone else (the platform notifies and
    links them); plain renderers show the name."""
    return mention(member.external_id, member_name(member))


def member_name(member: Member | None) -> str:
    if member is None:
        return "?"
    return member.display_name or member.handle
