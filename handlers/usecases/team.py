"""Teams: rollup and digest on demand, creating and joining teams."""

from __future__ import annotations

from handlers import grammar as g
from handlers.reports import teamweek
from handlers.reports.digest import digest_message, rollup_message
from handlers.usecases.context import Ctx, UserError, member_name, resolve_person, resolve_team
from handlers.views import Message, Outcome, Text
from storage.models import Team, TeamRole
from storage.repos import workspaces


def _team_week(ctx: Ctx, team: Team) -> teamweek.TeamWeek:
    return teamweek.load_team_week(
        session=ctx.session, team=team, week=ctx.week, cycle=ctx.team_cycle(team), today=ctx.today
    )


def rollup(ctx: Ctx, cmd: g.TeamRollup) -> Outcome:
    team = resolve_team(ctx, cmd.name)
    link = ctx.links.team(team.id)
    return Outcome(replies=[rollup_message(ctx.tr, _team_week(ctx, team), link=link)])


def digest(ctx: Ctx, cmd: g.TeamDigest) -> Outcome:
    team = resolve_team(ctx, cmd.name)
    link = ctx.links.team(team.id)
    return Outcome(replies=[digest_message(ctx.tr, _team_week(ctx, team), link=link)])


def require_manager(ctx: Ctx, team: Team) -> None:
    # A team without a manager is run by its members together.
    if team.manager_id is not None and team.manager_id != ctx.member_id:
        raise UserError("Only the manager of {team} can change it.", team=team.name)


def new(ctx: Ctx, cmd: g.TeamNew) -> Outcome:
    if workspaces.find_team(session=ctx.session, workspace_id=ctx.workspace_id, name=cmd.name):
        raise UserError("There is already a team called {name}.", name=cmd.name)
    team = workspaces.create_team(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        name=cmd.name,
        # Created in a channel or group chat with no channel named: the team posts there.
        channel_external_id=cmd.channel.lstrip("#") if cmd.channel else ctx.channel_id,
        manager_id=ctx.member_id,
        timezone=ctx.tz,
        locale=ctx.tr.locale,
    )
    if cmd.channel is None and ctx.channel_id is not None:
        text = ctx.t(
            "Created team {name} with you as its manager; its Monday plans and Friday digests "
            "will be posted in this channel. Add people with /okr team add {name} @alice @bob.",
            name=team.name,
        )
    else:
        text = ctx.t(
            "Created team {name} with you as its manager. Add people with /okr team add {name} @alice @bob.",
            name=team.name,
        )
    return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])


def join(ctx: Ctx, cmd: g.TeamJoin) -> Outcome:
    team = resolve_team(ctx, cmd.name)
    added = workspaces.add_team_member(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        team_id=team.id or -1,
        member_id=ctx.member_id,
    )
    text = (
        ctx.t("You joined {name}.", name=team.name)
        if added
        else ctx.t("You are already in {name}.", name=team.name)
    )
    return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])


def add(ctx: Ctx, cmd: g.TeamAdd) -> Outcome:
    team = resolve_team(ctx, cmd.name)
    require_manager(ctx, team)
    people = [resolve_person(ctx, p) for p in cmd.people]
    for person in people:
        workspaces.add_team_member(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            team_id=team.id or -1,
            member_id=person.id or -1,
            role=TeamRole.MEMBER,
        )
    text = ctx.t(
        "Added {names} to {team}.",
        names=ctx.tr.list([member_name(p) for p in people]),
        team=team.name,
    )
    return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])
