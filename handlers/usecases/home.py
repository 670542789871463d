"""A person's home (Slack's App Home tab): where I stand, on one screen.

My OKRs with progress and confidence, this week's plan, the help requests
waiting on me, my team's status in one line, and the buttons for what people
do most. Each part reuses the view of the command that shows it in full.
"""

from __future__ import annotations

from handlers import grammar as g
from handlers.present import help_ref
from handlers.reports import digest, teamweek
from handlers.usecases import collab as collab_views
from handlers.usecases import okrs as okr_views
from handlers.usecases import plan as plan_views
from handlers.usecases.context import Ctx, member_name
from handlers.views import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Context,
    Divider,
    Header,
    Home,
    Message,
    Outcome,
    Text,
)
from storage.models import HelpStatus
from storage.repos import collab, workspaces


def home(ctx: Ctx) -> Outcome:
    mine = okr_views.person_view(ctx, ctx.member, own=True)
    blocks: list[Block] = [b for b in mine.blocks if not isinstance(b, Actions)]

    blocks.append(Divider())
    (week_plan,) = plan_views.plan_list(ctx, g.PlanList()).replies
    assert isinstance(week_plan, Message)
    blocks.extend(week_plan.blocks)

    blocks.extend(_waiting_on_me(ctx))
    blocks.extend(_team_status(ctx))

    blocks.append(Divider())
    blocks.append(
        Actions(
            (
                Button(ctx.t("Check in"), "checkin.open", "", ButtonStyle.PRIMARY),
                Button(ctx.t("This week's plan"), "plan.list"),
                Button(ctx.t("New objective"), "objective.new"),
                Button(ctx.t("Team rollup"), "team.rollup"),
            )
        )
    )
    blocks.append(Context(ctx.t("Type /okr help for every command.")))
    return Outcome(replies=[Home(summary=mine.summary, blocks=tuple(blocks))])


def _waiting_on_me(ctx: Ctx) -> list[Block]:
    requests = [
        r
        for r in collab.list_help_requests(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            member_ids=[ctx.member_id],
            statuses=[HelpStatus.OPEN],
        )
        if r.helper_id == ctx.member_id
    ]
    if not requests:
        return []
    people = {
        m.id: m
        for m in workspaces.list_members(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            ids=[r.requester_id for r in requests],
        )
    }
    blocks: list[Block] = [Divider(), Header(ctx.t("Waiting on you"))]
    for request in requests[:5]:
        who = member_name(people.get(request.requester_id))
        blocks.append(
            Text(
                ctx.t("{ref} from {who}: {text}", ref=help_ref(request), who=who, text=request.text)
            )
        )
        blocks.append(collab_views.helper_buttons(ctx.tr, request))
    if len(requests) > 5:
        blocks.append(Context(ctx.t("{n} more: /okr ask list", n=len(requests) - 5)))
    return blocks


def _team_status(ctx: Ctx) -> list[Block]:
    teams = workspaces.teams_of_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=ctx.member_id
    )
    if not teams:
        return [
            Divider(),
            Context(ctx.t("You are not in a team yet: /okr team join NAME or /okr team new NAME.")),
        ]
    team = teams[0]
    week = teamweek.load_team_week(
        session=ctx.session, team=team, week=ctx.week, cycle=ctx.team_cycle(team), today=ctx.today
    )
    rollup = digest.rollup_message(ctx.tr, week)
    # The rollup's counts line ("3 of 5 checked in · 1 away"); the full rollup is a button away.
    counts = next((b.text for b in rollup.blocks if isinstance(b, Context)), rollup.summary)
    return [Divider(), Header(ctx.t("Team {name}", name=team.name)), Text(counts)]
