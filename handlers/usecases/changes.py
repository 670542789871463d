"""Changes that wait for the manager: the week's plan after the cut-off, a key result
after the cycle's first month.

Until the team's cut-off (default Wednesday, end of day, team time) owners
add, edit, drop and carry their tasks freely. After it, the same change by
someone other than the manager becomes a request: the manager approves or
declines it (with an optional reason), the owner hears the outcome, and the
change applies only when approved, marked as a late change in the plan. A
team without a manager holds nothing; the new week opens the plan again.

The same goes for a key result's target, start or weight once its cycle is
past its first month: the change waits for the manager, and the approved ones
are announced in the next monthly review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.i18n import Translator
from handlers.okr.weeks import first_month_over, next_week, week_of, week_start
from handlers.present import task_ref
from handlers.usecases.context import Ctx, UserError, member_name
from handlers.views import (
    Actions,
    Button,
    ButtonStyle,
    Context,
    Delivery,
    Form,
    Input,
    InputKind,
    Message,
    Outcome,
    Text,
    ToUser,
)
from storage.models import (
    ChangeRequest,
    ChangeStatus,
    KeyResult,
    Member,
    PlanTask,
    TaskStatus,
    Team,
)
from storage.repos import changes, okrs, rhythm, workspaces

DECLINE_FORM = "change.decline"


@dataclass(frozen=True, slots=True)
class Hold:
    team: Team
    manager: Member


def cutoff_passed(team: Team, now: datetime) -> bool:
    """Whether the current week's plan of this team is past its cut-off (team time)."""
    zone = ZoneInfo(team.timezone)
    week = week_of(now, team.timezone)
    day = week_start(week) + timedelta(days=team.cutoff_weekday - 1)
    hour, minute = (int(p) for p in team.cutoff_time.split(":"))
    # The cut-off minute itself is still open: "23:59" closes at midnight.
    closes = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone) + timedelta(
        minutes=1
    )
    return now.astimezone(zone) >= closes


def held(ctx: Ctx, owner_id: int) -> Hold | None:
    """The team and manager a change to this owner's plan waits for, or None when it applies now."""
    for team in workspaces.teams_of_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=owner_id
    ):
        if team.manager_id is None:
            continue
        if team.manager_id == ctx.member_id or team.manager_id == owner_id:
            return None
        if not cutoff_passed(team, ctx.now):
            return None
        manager = workspaces.get_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=team.manager_id
        )
        return Hold(team, manager) if manager is not None else None
    return None


def kr_hold(ctx: Ctx, kr: KeyResult, owner_id: int | None) -> Hold | None:
    """The team and manager a change to this KR's target, start or weight waits for:
    after its cycle's first month, when someone other than the manager makes it."""
    cycle_id = kr.cycle_id
    if cycle_id is None:
        objective = okrs.get_objective_by_id(
            session=ctx.session, workspace_id=ctx.workspace_id, objective_id=kr.objective_id
        )
        cycle_id = objective.cycle_id if objective is not None else None
    cycle = (
        okrs.get_cycle(session=ctx.session, workspace_id=ctx.workspace_id, cycle_id=cycle_id)
        if cycle_id is not None
        else None
    )
    if cycle is None or owner_id is None or not first_month_over(cycle.start_date, ctx.today):
        return None
    for team in workspaces.teams_of_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=owner_id
    ):
        if team.manager_id is None or team.manager_id == owner_id:
            continue
        if team.manager_id == ctx.member_id:
            return None
        manager = workspaces.get_member(
            session=ctx.session, workspace_id=ctx.workspace_id, member_id=team.manager_id
        )
        return Hold(team, manager) if manager is not None else None
    return None


def _field_name(tr: Translator, field: str) -> str:
    return {
        "target": tr.t("target"),
        "start": tr.t("start"),
        "weight": tr.t("weight"),
    }.get(field, field)


def _number(tr: Translator, value: object) -> str:
    return tr.number(float(value)) if isinstance(value, int | float) else str(value)


def describe(tr: Translator, kind: str, change: dict[str, Any], task: PlanTask | None) -> str:
    if kind == "kr":
        return tr.t(
            "change KR{n}'s {field} from {old} to {new}",
            n=change.get("kr_number", "?"),
            field=_field_name(tr, str(change.get("field", ""))),
            old=_number(tr, change.get("old")),
            new=_number(tr, change.get("value")),
        )
    ref = task_ref(task) if task is not None else ""
    if kind == "add":
        return tr.t("add a task: {title}", title=change.get("title", ""))
    if kind == "edit":
        parts = []
        if change.get("title"):
            parts.append(tr.t("title “{title}”", title=change["title"]))
        if change.get("kr_number"):
            parts.append(f"KR{change['kr_number']}")
        if change.get("due"):
            parts.append(tr.t("due {date}", date=tr.date(date.fromisoformat(change["due"]))))
        if change.get("helper_ids") is not None:
            parts.append(tr.t("new helpers"))
        return tr.t("edit {ref}: {what}", ref=ref, what=tr.series(parts))
    if kind == "drop":
        return tr.t("drop {ref} {title}", ref=ref, title=task.title if task else "")
    return tr.t("carry {ref} {title} over to next week", ref=ref, title=task.title if task else "")


def request(
    ctx: Ctx, hold: Hold, *, kind: str, change: dict[str, Any], task: PlanTask | None
) -> Outcome:
    """Record the change as waiting, ask the manager, and tell the owner it waits."""
    row = changes.create_request(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        team_id=hold.team.id or -1,
        requester_id=ctx.member_id,
        manager_id=hold.manager.id or -1,
        kind=kind,
        change=change,
        task_id=task.id if task is not None else None,
        now=ctx.now,
    )
    tr = ctx.translator_for(hold.manager)
    what = describe(tr, kind, change, task)
    if kind == "kr":
        text = tr.t(
            "{who} asks to change a key result after the cycle's first month: {what}",
            who=member_name(ctx.member),
            what=what,
        )
        reply = ctx.t(
            "The cycle is past its first month, so {manager} approves changes to a key "
            "result's target, start or weight. I've asked them: {what}",
            manager=member_name(hold.manager),
            what=describe(ctx.tr, kind, change, task),
        )
    else:
        text = tr.t(
            "{who} asks to change the plan after the cut-off: {what}",
            who=member_name(ctx.member),
            what=what,
        )
        reply = ctx.t(
            "The plan is settled for this week, so {manager} approves late changes. "
            "I've asked them: {what}",
            manager=member_name(hold.manager),
            what=describe(ctx.tr, kind, change, task),
        )
    value = str(row.id)
    return Outcome(
        replies=[Message(summary=reply, blocks=(Text(reply),))],
        deliveries=[
            Delivery(
                to=ToUser(hold.manager.external_id),
                message=Message(
                    summary=text,
                    blocks=(
                        Text(text),
                        Actions(
                            (
                                Button(
                                    tr.t("Approve"), "change.approve", value, ButtonStyle.PRIMARY
                                ),
                                Button(
                                    tr.t("Decline"), "change.decline", value, ButtonStyle.DANGER
                                ),
                            )
                        ),
                    ),
                ),
                key=f"change:{row.id}:asked",
            )
        ],
    )


def _pending(ctx: Ctx, value: str) -> ChangeRequest:
    row = (
        changes.get_request(
            session=ctx.session, workspace_id=ctx.workspace_id, request_id=int(value)
        )
        if value.isdigit() and len(value) < 10
        else None
    )
    if row is None:
        raise UserError("That button has expired. Type /okr to start again.")
    if row.manager_id != ctx.member_id:
        raise UserError("Only the manager who was asked can answer this change.")
    if row.status != ChangeStatus.PENDING.value:
        raise UserError("This change was already answered.")
    return row


def decline_form(ctx: Ctx, value: str) -> Outcome:
    row = _pending(ctx, value)
    return Outcome(
        replies=[
            Form(
                form_id=DECLINE_FORM,
                title=ctx.t("Decline the change"),
                submit_label=ctx.t("Decline"),
                inputs=(
                    Input(
                        "reason",
                        ctx.t("Reason (optional)"),
                        InputKind.MULTILINE,
                        required=False,
                    ),
                ),
                context=str(row.id),
            )
        ]
    )


def approve(ctx: Ctx, value: str) -> Outcome:
    row = _pending(ctx, value)
    task = _apply(ctx, row)
    changes.decide(
        session=ctx.session, request=row, status=ChangeStatus.APPROVED, reason="", now=ctx.now
    )
    return _answered(ctx, row, task, approved=True)


def decline(ctx: Ctx, value: str, reason: str) -> Outcome:
    row = _pending(ctx, value)
    changes.decide(
        session=ctx.session,
        request=row,
        status=ChangeStatus.DECLINED,
        reason=reason.strip()[:1000],
        now=ctx.now,
    )
    return _answered(ctx, row, _task(ctx, row), approved=False)


def _task(ctx: Ctx, row: ChangeRequest) -> PlanTask | None:
    if row.task_id is None:
        return None
    return changes.get_task_by_id(
        session=ctx.session, workspace_id=ctx.workspace_id, task_id=row.task_id
    )


def _answered(ctx: Ctx, row: ChangeRequest, task: PlanTask | None, *, approved: bool) -> Outcome:
    requester = workspaces.get_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=row.requester_id
    )
    what = describe(ctx.tr, row.kind, row.change, task)
    mine = (
        ctx.t("Approved: {what}", what=what) if approved else ctx.t("Declined: {what}", what=what)
    )
    outcome = Outcome(replies=[Message(summary=mine, blocks=(Text(mine),))])
    outcome.updated = Message(summary=mine, blocks=(Text(mine),))
    if requester is not None:
        tr = ctx.translator_for(requester)
        what = describe(tr, row.kind, row.change, task)
        text = (
            tr.t("{who} approved your late change: {what}", who=member_name(ctx.member), what=what)
            if approved
            else tr.t(
                "{who} declined your late change: {what}", who=member_name(ctx.member), what=what
            )
        )
        if row.kind == "kr":
            text = (
                tr.t("{who} approved your change: {what}", who=member_name(ctx.member), what=what)
                if approved
                else tr.t(
                    "{who} declined your change: {what}", who=member_name(ctx.member), what=what
                )
            )
        blocks: list[Text | Context] = [Text(text)]
        if row.reason:
            blocks.append(Context(tr.t("Reason: {reason}", reason=row.reason)))
        outcome.deliveries.append(
            Delivery(
                to=ToUser(requester.external_id),
                message=Message(summary=text, blocks=tuple(blocks)),
                key=f"change:{row.id}:{row.status}",
            )
        )
    return outcome


def _apply(ctx: Ctx, row: ChangeRequest) -> PlanTask | None:
    change = row.change
    if row.kind == "kr":
        kr = okrs.get_key_result_by_id(
            session=ctx.session, workspace_id=ctx.workspace_id, kr_id=int(change["kr_id"])
        )
        if kr is None or kr.archived:
            raise UserError("That key result is gone, so there is nothing to apply.")
        column = {"target": "target_value", "start": "start_value", "weight": "weight"}
        okrs.update_key_result(
            session=ctx.session,
            kr=kr,
            changes={column[change["field"]]: float(change["value"])},
            now=ctx.now,
        )
        return None
    if row.kind == "add":
        kr = (
            okrs.get_key_result(
                session=ctx.session, workspace_id=ctx.workspace_id, number=change["kr_number"]
            )
            if change.get("kr_number")
            else None
        )
        task = rhythm.create_task(
            session=ctx.session,
            workspace_id=ctx.workspace_id,
            week=change["week"],
            title=change["title"],
            owner_member_id=change["owner_id"],
            kr_id=kr.id if kr else None,
            due_date=date.fromisoformat(change["due"]) if change.get("due") else None,
            helper_ids=change.get("helper_ids", []),
            now=ctx.now,
        )
        return changes.edit_task(session=ctx.session, task=task, late=True)
    found = _task(ctx, row)
    if found is None or found.status != TaskStatus.PLANNED.value:
        raise UserError("The task of this change is no longer open, so there is nothing to apply.")
    task = found
    if row.kind == "edit":
        kr = (
            okrs.get_key_result(
                session=ctx.session, workspace_id=ctx.workspace_id, number=change["kr_number"]
            )
            if change.get("kr_number")
            else None
        )
        return changes.edit_task(
            session=ctx.session,
            task=task,
            title=change.get("title"),
            kr_id=kr.id if kr else None,
            due_date=date.fromisoformat(change["due"]) if change.get("due") else None,
            helper_ids=change.get("helper_ids"),
            late=True,
        )
    if row.kind == "drop":
        rhythm.set_task_status(
            session=ctx.session, task=task, status=TaskStatus.DROPPED, now=ctx.now
        )
        return changes.edit_task(session=ctx.session, task=task, late=True)
    rhythm.set_task_status(
        session=ctx.session, task=task, status=TaskStatus.CARRIED_OVER, now=ctx.now
    )
    helpers = rhythm.helpers_of(
        session=ctx.session, workspace_id=ctx.workspace_id, task_ids=[task.id or -1]
    )
    rhythm.create_task(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        week=next_week(task.week),
        title=task.title,
        owner_member_id=task.owner_member_id,
        kr_id=task.kr_id,
        helper_ids=helpers.get(task.id or -1, []),
        carried_from_id=task.id,
        now=ctx.now,
    )
    return changes.edit_task(session=ctx.session, task=task, late=True)
