"""The week's key tasks (关键任务): add, done, drop, carry over, list."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from handlers import grammar as g
from handlers.okr.weeks import next_week, plan_is_open
from handlers.present import TaskLine, task_ref, task_text
from handlers.usecases import changes
from handlers.usecases.context import (
    Ctx,
    UserError,
    can_act_for,
    member_mention,
    member_name,
    resolve_kr,
    resolve_person,
    resolve_task,
    resolve_team,
)
from handlers.views import (
    Actions,
    Block,
    Button,
    Context,
    Delivery,
    Header,
    Message,
    Outcome,
    Text,
    ToUser,
)
from storage.models import Member, PlanTask, TaskStatus
from storage.repos import changes as edits
from storage.repos import okrs, rhythm, workspaces


def task_lines(*, session: Session, workspace_id: int, tasks: Sequence[PlanTask]) -> list[TaskLine]:
    """Tasks with their owners, helpers and KRs loaded in a few queries."""
    ids = [t.id for t in tasks if t.id is not None]
    helpers = rhythm.helpers_of(session=session, workspace_id=workspace_id, task_ids=ids)
    people_ids = {t.owner_member_id for t in tasks} | {m for ms in helpers.values() for m in ms}
    people = {
        m.id: m
        for m in workspaces.list_members(session=session, workspace_id=workspace_id, ids=people_ids)
    }
    kr_ids = {t.kr_id for t in tasks if t.kr_id is not None}
    krs = {
        kr.id: kr
        for kr in okrs.list_key_results(session=session, workspace_id=workspace_id, ids=kr_ids)
    }
    return [
        TaskLine(
            task=t,
            owner=people.get(t.owner_member_id),
            helpers=[people[m] for m in helpers.get(t.id or -1, []) if m in people],
            kr=krs.get(t.kr_id) if t.kr_id is not None else None,
        )
        for t in tasks
    ]


def _lines(ctx: Ctx, tasks: Sequence[PlanTask]) -> list[TaskLine]:
    return task_lines(session=ctx.session, workspace_id=ctx.workspace_id, tasks=tasks)


def plan_add(ctx: Ctx, cmd: g.PlanAdd) -> Outcome:
    owner = resolve_person(ctx, cmd.owner) if cmd.owner else ctx.member
    helpers: list[Member] = [resolve_person(ctx, p) for p in cmd.helpers]
    kr = resolve_kr(ctx, cmd.kr) if cmd.kr else None
    if cmd.due is not None and cmd.due < ctx.today:
        raise UserError(
            "The due date {date} has already passed; pick today or later.",
            date=ctx.tr.date(cmd.due),
        )
    hold = changes.held(ctx, owner.id or -1)
    if hold is not None:
        change = {
            "week": ctx.week,
            "title": cmd.title,
            "owner_id": owner.id,
            "kr_number": kr.number if kr else None,
            "due": cmd.due.isoformat() if cmd.due else None,
            "helper_ids": [h.id for h in helpers if h.id is not None],
        }
        return changes.request(ctx, hold, kind="add", change=change, task=None)
    task = rhythm.create_task(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        week=ctx.week,
        title=cmd.title,
        owner_member_id=owner.id or -1,
        kr_id=kr.id if kr else None,
        due_date=cmd.due,
        helper_ids=[h.id for h in helpers if h.id is not None],
        now=ctx.now,
    )
    (line,) = _lines(ctx, [task])
    headline = ctx.t("Planned {ref} for week {week}.", ref=task_ref(task), week=ctx.week)
    blocks: list[Block] = [Text(headline), Text(task_text(ctx.tr, line))]
    if not plan_is_open(ctx.today, ctx.week):
        blocks.append(
            Context(
                ctx.t(
                    "The week's plan settles on Wednesday: agree late additions with your manager."
                )
            )
        )
    outcome = Outcome(replies=[Message(summary=headline, blocks=tuple(blocks))])
    notify = [m for m in [owner, *line.helpers] if m.id != ctx.member_id]
    for person in dict((m.id, m) for m in notify).values():
        tr = ctx.translator_for(person)
        role = tr.t("owner") if person.id == owner.id else tr.t("helper")
        text = tr.t(
            "{who} planned {ref} with you as {role}: {title}",
            who=member_mention(ctx.member),
            ref=task_ref(task),
            role=role,
            title=task.title,
        )
        outcome.deliveries.append(
            Delivery(
                to=ToUser(person.external_id),
                message=Message(
                    summary=text,
                    blocks=(Text(text), Text(task_text(tr, line))),
                ),
                key=f"task:{task.id}:planned:{person.id}",
            )
        )
    return outcome


def _change_status(ctx: Ctx, refs: Sequence[g.Ref], status: TaskStatus) -> Outcome:
    tasks = [resolve_task(ctx, ref) for ref in refs]
    helpers = rhythm.helpers_of(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        task_ids=[t.id for t in tasks if t.id is not None],
    )
    for task in tasks:
        if ctx.member_id not in helpers.get(task.id or -1, []) and not can_act_for(
            ctx, task.owner_member_id
        ):
            raise UserError(
                "Only the owner of {ref}, a helper or their manager can change it.",
                ref=task_ref(task),
            )
        if status == TaskStatus.CARRIED_OVER and task.status != TaskStatus.PLANNED.value:
            raise UserError("{ref} is not open, so it cannot be carried over.", ref=task_ref(task))
    if status in (TaskStatus.DROPPED, TaskStatus.CARRIED_OVER):
        holds = [(task, changes.held(ctx, task.owner_member_id)) for task in tasks]
        waiting = [(task, hold) for task, hold in holds if hold is not None]
        if waiting:
            if len(waiting) < len(tasks):
                raise UserError("Change these tasks one at a time: some of them need approval.")
            outcome = Outcome()
            for task, hold in waiting:
                one = changes.request(
                    ctx, hold, kind=status_kind(status), change={"week": task.week}, task=task
                )
                outcome.replies.extend(one.replies)
                outcome.deliveries.extend(one.deliveries)
            return outcome
    texts: list[str] = []
    for task in tasks:
        rhythm.set_task_status(session=ctx.session, task=task, status=status, now=ctx.now)
        if status == TaskStatus.CARRIED_OVER:
            target_week = next_week(task.week) if task.week >= ctx.week else ctx.week
            new = rhythm.create_task(
                session=ctx.session,
                workspace_id=ctx.workspace_id,
                week=target_week,
                title=task.title,
                owner_member_id=task.owner_member_id,
                kr_id=task.kr_id,
                helper_ids=helpers.get(task.id or -1, []),
                carried_from_id=task.id,
                now=ctx.now,
            )
            texts.append(
                ctx.t(
                    "{old} carried over to week {week} as {new}.",
                    old=task_ref(task),
                    week=target_week,
                    new=task_ref(new),
                )
            )
    if status != TaskStatus.CARRIED_OVER:
        texts = [task_text(ctx.tr, line) for line in _lines(ctx, tasks)]
    headline = {
        TaskStatus.DONE: ctx.t("Nice work! Marked done:"),
        TaskStatus.DROPPED: ctx.t("Dropped:"),
        TaskStatus.CARRIED_OVER: ctx.t("Carried over:"),
    }[status]
    blocks: list[Block] = [Text(headline), *(Text(t) for t in texts)]
    summary = ctx.t(
        "{headline} {refs}", headline=headline, refs=ctx.tr.series([task_ref(t) for t in tasks])
    )
    return Outcome(replies=[Message(summary=summary, blocks=tuple(blocks))])


def status_kind(status: TaskStatus) -> str:
    return "drop" if status == TaskStatus.DROPPED else "carry"


def plan_edit(ctx: Ctx, cmd: g.PlanEdit) -> Outcome:
    task = resolve_task(ctx, cmd.task)
    if not can_act_for(ctx, task.owner_member_id):
        raise UserError("Only the owner of {ref} or their manager can edit it.", ref=task_ref(task))
    if task.status != TaskStatus.PLANNED.value:
        raise UserError("{ref} is not open, so it cannot be edited.", ref=task_ref(task))
    kr = resolve_kr(ctx, cmd.kr) if cmd.kr else None
    helpers = [resolve_person(ctx, p) for p in cmd.helpers] if cmd.helpers is not None else None
    if cmd.due is not None and cmd.due < ctx.today:
        raise UserError(
            "The due date {date} has already passed; pick today or later.",
            date=ctx.tr.date(cmd.due),
        )
    hold = changes.held(ctx, task.owner_member_id)
    if hold is not None:
        change = {
            "week": task.week,
            "title": cmd.title,
            "kr_number": kr.number if kr else None,
            "due": cmd.due.isoformat() if cmd.due else None,
            "helper_ids": [h.id for h in helpers if h.id is not None] if helpers else None,
        }
        return changes.request(ctx, hold, kind="edit", change=change, task=task)
    edits.edit_task(
        session=ctx.session,
        task=task,
        title=cmd.title,
        kr_id=kr.id if kr else None,
        due_date=cmd.due,
        helper_ids=[h.id for h in helpers if h.id is not None] if helpers is not None else None,
    )
    (line,) = _lines(ctx, [task])
    headline = ctx.t("Updated {ref}.", ref=task_ref(task))
    return Outcome(
        replies=[Message(summary=headline, blocks=(Text(headline), Text(task_text(ctx.tr, line))))]
    )


def plan_done(ctx: Ctx, cmd: g.PlanDone) -> Outcome:
    outcome = _change_status(ctx, cmd.tasks, TaskStatus.DONE)
    if cmd.links:
        # Where the results can be seen: the review pack shows them with the task.
        for ref in cmd.tasks:
            task = resolve_task(ctx, ref)
            rhythm.add_task_links(
                session=ctx.session,
                workspace_id=ctx.workspace_id,
                task_id=task.id or -1,
                links=cmd.links,
            )
    return outcome


def plan_drop(ctx: Ctx, cmd: g.PlanDrop) -> Outcome:
    return _change_status(ctx, cmd.tasks, TaskStatus.DROPPED)


def plan_carry(ctx: Ctx, cmd: g.PlanCarry) -> Outcome:
    return _change_status(ctx, cmd.tasks, TaskStatus.CARRIED_OVER)


def plan_list(ctx: Ctx, cmd: g.PlanList) -> Outcome:
    if cmd.team:
        team = resolve_team(ctx, cmd.team)
        ids = workspaces.team_member_ids(
            session=ctx.session, workspace_id=ctx.workspace_id, team_id=team.id or -1
        )
        title = ctx.t("Team {name} · plan for week {week}", name=team.name, week=ctx.week)
        include_helping = False
    else:
        person = resolve_person(ctx, cmd.person) if cmd.person else ctx.member
        ids = [person.id or -1]
        include_helping = True
        title = (
            ctx.t("Your plan for week {week}", week=ctx.week)
            if person.id == ctx.member_id
            else ctx.t("{name}'s plan for week {week}", name=member_name(person), week=ctx.week)
        )
    tasks = rhythm.list_tasks(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        week=ctx.week,
        member_ids=ids,
        include_helping=include_helping,
    )
    blocks: list[Block] = [Header(title)]
    if not tasks:
        blocks.append(
            Text(
                ctx.t(
                    "No tasks planned yet. Add one: /okr plan add Draft the playbook KR12 with @bob due wed"
                )
            )
        )
    lines = _lines(ctx, tasks)
    for line in lines:
        blocks.append(Text(task_text(ctx.tr, line)))
    open_tasks = [
        t
        for t in tasks
        if t.status == TaskStatus.PLANNED.value and t.owner_member_id == ctx.member_id
    ]
    if open_tasks:
        blocks.append(
            Actions(
                tuple(
                    Button(ctx.t("Done: {ref}", ref=task_ref(t)), "task.done", task_ref(t))
                    for t in open_tasks[:5]
                )
            )
        )
    done = sum(1 for t in tasks if t.status == TaskStatus.DONE.value)
    counted = sum(1 for t in tasks if t.status != TaskStatus.CARRIED_OVER.value)
    if tasks:
        blocks.append(Context(ctx.t("{done} of {total} done", done=done, total=counted)))
    return Outcome(replies=[Message(summary=title, blocks=tuple(blocks))])


def show_task(ctx: Ctx, ref: g.Ref) -> Outcome:
    task = resolve_task(ctx, ref)
    (line,) = _lines(ctx, [task])
    text = task_text(ctx.tr, line)
    return Outcome(
        replies=[
            Message(
                summary=text,
                blocks=(Text(text), Context(ctx.t("Week {week}", week=task.week))),
            )
        ]
    )
