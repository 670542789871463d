"""`/okr export` and `/okr import` in chat: a manager's spreadsheet, and how imports work."""

from __future__ import annotations

from handlers import grammar as g
from handlers.transfer.exporting import ExportError, Scope, export_workbook
from handlers.usecases.context import Ctx, UserError
from handlers.views import Context, Header, Message, Outcome, Text
from storage.models import Team, TeamRole
from storage.repos import workspaces


def _manages(ctx: Ctx, team: Team) -> bool:
    assert team.id is not None
    return team.manager_id == ctx.member_id or (
        workspaces.member_role(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            team_id=team.id,
            member_id=ctx.member_id,
        )
        == TeamRole.MANAGER.value
    )


def export_okrs(ctx: Ctx, cmd: g.Export) -> Outcome:
    if cmd.team:
        team = workspaces.find_team(
            session=ctx.session, workspace_id=ctx.workspace_id, name=cmd.team
        )
        if team is None:
            raise UserError("There is no team called {name}.", "export", name=cmd.team)
        if not _manages(ctx, team):
            raise UserError(
                "Only the manager of {team} can export its OKRs.", "export", team=team.name
            )
    else:
        mine = [
            t
            for t in workspaces.teams_of_member(
                session=ctx.session, workspace_id=ctx.workspace_id, member_id=ctx.member_id
            )
            if _manages(ctx, t)
        ]
        if not mine:
            raise UserError(
                "Exports are for team managers: ask your manager, or name a team you manage "
                "(/okr export Growth)."
            )
        team = mine[0]
    cycle = ctx.current_cycle()
    try:
        book = export_workbook(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            tr=ctx.tr,
            scope=Scope(cycle=cycle.name, team=team.name),
            title=ctx.t("{team} · OKRs of {cycle}", team=team.name, cycle=cycle.name),
        )
    except ExportError as error:
        raise UserError(error.msgid, None, **error.params) from None
    rows = len(book.sheets[0].rows)
    summary = ctx.t("{team}'s OKRs of {cycle}, as a spreadsheet", team=team.name, cycle=cycle.name)
    return Outcome(
        replies=[
            Message(
                summary=summary,
                blocks=(
                    Header(summary),
                    Text(
                        ctx.tr.tn(
                            "{n} key result, with check-ins, plans, help requests and kudos. It "
                            "imports back as it is: okrbot import FILE.",
                            "{n} key results, with check-ins, plans, help requests and kudos. It "
                            "imports back as it is: okrbot import FILE.",
                            rows,
                        )
                    ),
                    book,
                ),
            )
        ]
    )


def import_help(ctx: Ctx, cmd: g.ImportHelp) -> Outcome:
    title = ctx.t("Bringing OKRs in")
    return Outcome(
        replies=[
            Message(
                summary=title,
                blocks=(
                    Header(title),
                    Text(
                        ctx.t(
                            "Whoever runs okrbot imports a spreadsheet (.xlsx or .csv, one row per "
                            "key result) with one command: okrbot import okrs.xlsx. Add --dry-run "
                            "to see what would change first; nothing is written while any row has "
                            "a problem, and importing the same file again changes nothing."
                        )
                    ),
                    Text(
                        ctx.t(
                            "Columns, in any order, in English or Chinese: Objective (目标), Owner "
                            "(负责人), Type (类型), Aligned to (对齐), Key result (关键结果), Start "
                            "(起始值), Target (目标值), Current (当前值), Unit (单位), Weight "
                            "(权重), KR owner, Cycle (周期), Team (团队). Owners may be given by "
                            "email."
                        )
                    ),
                    Text(
                        ctx.t(
                            "On Feishu, OKRs already in Feishu OKR come in with okrbot import "
                            "--from feishu-okr. A team manager's /okr export gives the team's "
                            "OKRs back as a spreadsheet."
                        )
                    ),
                    Context(ctx.t("The templates and the full layout: docs/import.md.")),
                ),
            )
        ]
    )
