"""Scoring at the cycle's end, on the commands side: the queue, confirming, who is told.

1. Each self score reaches the owner's manager with the team's review queue:
   every KR's self score side by side, to confirm or adjust with a reason.
2. Each review reaches the owner (with the reason). A reviewed score is final:
   both the owner's and the manager's are kept.
3. When every KR of the team is reviewed, the team gets the cycle summary.
The prompts that open scoring are a moment (`handlers.moments.scoring`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.i18n import negotiate, translator
from handlers.present import kr_ref
from handlers.reports.scores import (
    both_text,
    queue_message,
    score_text,
    summary_message,
    team_of_owner,
    team_rows,
)
from handlers.usecases.context import Ctx, UserError
from handlers.views import (
    Block,
    Context,
    Delivery,
    Divider,
    Message,
    Outcome,
    Text,
    ToChannel,
    ToUser,
)
from storage.models import Cycle, KeyResult, Team
from storage.repos import okrs, workspaces


def show_queue(ctx: Ctx) -> Outcome:
    teams = [
        t
        for t in workspaces.teams_of_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=ctx.member_id
        )
        if t.manager_id == ctx.member_id
    ]
    if not teams:
        raise UserError("Only a team's manager has a score review queue.")
    return Outcome(
        replies=[
            queue_message(ctx.tr, ctx.session, team, ctx.scoring_cycle(team), ctx.score_scale)
            for team in teams
        ]
    )


def confirm(ctx: Ctx, ref_kr: KeyResult) -> float:
    """The owner's self score of this KR, which the manager confirms as is."""
    row = okrs.scores_for(
        session=ctx.session, workspace_id=ctx.workspace_id, kr_ids=[ref_kr.id or -1]
    ).get(ref_kr.id or -1)
    if row is None or row.self_score is None:
        raise UserError("The owner scores {ref} first; review it after that.", ref=kr_ref(ref_kr))
    return row.self_score


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%f")


def after_self_score(ctx: Ctx, kr: KeyResult, value: float) -> list[Delivery]:
    """Tell the owner's manager, with the team's queue."""
    team = team_of_owner(ctx.session, ctx.workspace_id, ctx.member_id)
    if team is None or team.manager_id is None:
        return []
    manager = workspaces.get_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=team.manager_id
    )
    if manager is None:
        return []
    tr = ctx.translator_for(manager)
    cycle = cycle_of(ctx, kr)
    text = tr.t(
        "{who} scored KR{n} {title}: {s}",
        who=ctx.member.display_name,
        n=kr.number,
        title=kr.title,
        s=score_text(value, ctx.score_scale),
    )
    queue = queue_message(tr, ctx.session, team, cycle, ctx.score_scale)
    return [
        Delivery(
            to=ToUser(manager.external_id),
            message=Message(summary=text, blocks=(Text(text), Divider(), *queue.blocks)),
            key=f"selfscored:kr{kr.id}:{_stamp(ctx.now)}",
        )
    ]


def after_review(
    ctx: Ctx,
    kr: KeyResult,
    owner_id: int | None,
    before: float | None,
    value: float,
    reason: str,
    reasons: Sequence[tuple[str, str]] = (),
) -> list[Delivery]:
    """Tell the owner (with the committee's `reasons`, by name); when the whole team is
    reviewed, post the cycle summary."""
    out: list[Delivery] = []
    owner = (
        workspaces.get_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=owner_id
        )
        if owner_id is not None
        else None
    )
    if owner is not None and owner.id != ctx.member_id:
        tr = ctx.translator_for(owner)
        if before is not None and abs(before - value) < 1e-9:
            text = tr.t(
                "{who} confirmed your score of KR{n} {title}: {s}. It is final.",
                who=ctx.member.display_name,
                n=kr.number,
                title=kr.title,
                s=both_text(value, ctx.score_scale),
            )
        else:
            text = tr.t(
                "{who} adjusted your score of KR{n} {title} from {old} to {new}. It is final.",
                who=ctx.member.display_name,
                n=kr.number,
                title=kr.title,
                old=score_text(before, ctx.score_scale),
                new=both_text(value, ctx.score_scale),
            )
        blocks: list[Block] = [Text(text)]
        if reason:
            blocks.append(Context(tr.t("Reason: {reason}", reason=reason)))
        for name, why in reasons:
            blocks.append(
                Context(tr.t("{name} for the committee: {reason}", name=name, reason=why))
            )
        out.append(
            Delivery(
                to=ToUser(owner.external_id),
                message=Message(summary=text, blocks=tuple(blocks)),
                key=f"reviewed:kr{kr.id}:{_stamp(ctx.now)}",
            )
        )
    if owner_id is not None:
        team = team_of_owner(ctx.session, ctx.workspace_id, owner_id)
        if team is not None and team.manager_id == ctx.member_id:
            out.extend(_summary_when_done(ctx, team, cycle_of(ctx, kr)))
    return out


def cycle_of(ctx: Ctx, kr: KeyResult) -> Cycle:
    """The cycle a key result is scored at the end of: its own, else its objective's."""
    cycle_id = kr.cycle_id
    if cycle_id is None:
        objective = okrs.get_objective_by_id(
            session=ctx.session, workspace_id=ctx.workspace_id, objective_id=kr.objective_id
        )
        cycle_id = objective.cycle_id if objective is not None else None
    if cycle_id is not None:
        found = okrs.get_cycle(
            session=ctx.session, workspace_id=ctx.workspace_id, cycle_id=cycle_id
        )
        if found is not None:
            return found
    return ctx.current_cycle()


def _summary_when_done(ctx: Ctx, team: Team, cycle: Cycle) -> list[Delivery]:
    rows = team_rows(ctx.session, team, cycle)
    if not rows or any(r.score is None or r.score.reviewed_score is None for r in rows):
        return []
    workspace = workspaces.get_workspace(session=ctx.session, workspace_id=ctx.workspace_id)
    tr = translator(negotiate(team.locale, workspace.default_locale if workspace else None))
    message = summary_message(tr, team, cycle, rows, ctx.score_scale)
    if team.channel_external_id:
        to: ToUser | ToChannel = ToChannel(team.channel_external_id)
    else:
        to = ToUser(ctx.member.external_id)
    return [Delivery(to=to, message=message, key=f"cycle-summary:team{team.id}:{cycle.name}")]
