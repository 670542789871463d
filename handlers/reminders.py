"""The Friday reminder and the nudges: what the rhythm sends when something is waiting.

- The reminder goes, once a week, to each member who still has key results
  without this week's check-in (not to those away, nor to those who turned
  reminders off).
- An open help request is nudged once, two working days after it was asked.
- A task past its due date is pointed out to its owner once, on the first
  working day after it was due.
Each fires on one deterministic local day, so replaying a window never repeats it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from handlers.okr.weeks import local_date, previous_week
from handlers.usecases.present import kr_block
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
    ToUser,
)
from storage.models import TaskStatus
from storage.repos import workspaces

if TYPE_CHECKING:
    from handlers.rhythm import _Job

NUDGE_AFTER_WORKING_DAYS = 2
OVERDUE_FOR_AT_MOST_DAYS = 14  # an older open task is the planning's business, not a nudge's


def remind(job: _Job) -> list[Delivery]:
    """Friday's reminder to each member still missing a check-in this week."""
    out: list[Delivery] = []
    members = [m for m in job.present_members() if m.reminders]
    krs_of = job.krs_by_owner(members)
    done = job.data.week_checkins(job.ws, job.cycle(), job.week)
    for member in members:
        assert member.id is not None
        missing = [kr for kr in krs_of.get(member.id, []) if kr.id not in done]
        if not missing:
            continue
        tr = job.member_tr(member)
        total = len(krs_of[member.id])
        title = tr.t("Reminder: check in for week {week}", week=job.week)
        if len(missing) < total:
            lead = tr.t(
                "Thanks for checking in {done} of {total} key results, {name}. "
                "These still need this week's update before the digest:",
                done=total - len(missing),
                total=total,
                name=member.display_name,
            )
        else:
            lead = tr.t(
                "{name}, your key results still need this week's check-in before the digest:",
                name=member.display_name,
            )
        blocks: list[Block] = [Header(title), Text(lead)]
        blocks.extend(kr_block(tr, kr) for kr in missing)
        blocks.append(Context(tr.t("Turn these reminders off with /okr settings reminders off.")))
        blocks.append(Actions((Button(tr.t("Check in"), "checkin.open", "", ButtonStyle.PRIMARY),)))
        out.append(
            Delivery(
                to=ToUser(member.external_id),
                message=Message(summary=title, blocks=tuple(blocks)),
                key=f"remind:member{member.id}:{job.week}",
            )
        )
    return out


def is_working_day(job: _Job) -> bool:
    return job.calendar.is_working_day(job.today)


def nudges(job: _Job) -> list[Delivery]:
    """Each working morning: help requests waiting two working days, tasks just overdue."""
    return [*_help_nudges(job), *_overdue_tasks(job)]


def _help_nudges(job: _Job) -> list[Delivery]:
    ids = set(job.member_ids())
    out: list[Delivery] = []
    for request in job.data.open_help(job.ws, ids):
        if request.helper_id not in ids:
            continue
        asked_on = local_date(request.created_at, job.team.timezone)
        if job.calendar.add_working_days(asked_on, NUDGE_AFTER_WORKING_DAYS) != job.today:
            continue
        helper = workspaces.get_member(
            session=job.session, workspace_id=job.ws, member_id=request.helper_id
        )
        requester = workspaces.get_member(
            session=job.session, workspace_id=job.ws, member_id=request.requester_id
        )
        if helper is None or requester is None or not helper.is_active:
            continue
        tr = job.member_tr(helper)
        ref = f"H{request.number}"
        text = tr.t(
            "A gentle nudge: {who} asked for your help two working days ago ({ref}): {text}",
            who=requester.display_name,
            ref=ref,
            text=request.text,
        )
        out.append(
            Delivery(
                to=ToUser(helper.external_id),
                message=Message(
                    summary=text,
                    blocks=(
                        Text(text),
                        Actions(
                            (
                                Button(tr.t("Accept"), "help.accept", ref, ButtonStyle.PRIMARY),
                                Button(tr.t("Decline"), "help.decline", ref),
                            )
                        ),
                    ),
                ),
                key=f"nudge:help{request.id}",
            )
        )
    return out


def _overdue_tasks(job: _Job) -> list[Delivery]:
    ids = job.member_ids()
    # Only tasks that can be overdue today: still planned, due in the last two weeks.
    due = job.data.open_tasks_due(
        job.ws,
        (previous_week(job.week), job.week),
        job.today - timedelta(days=OVERDUE_FOR_AT_MOST_DAYS),
        job.today - timedelta(days=1),
    )
    tasks = sorted((t for i in ids for t in due.get(i, [])), key=lambda t: (t.week, t.number))
    out: list[Delivery] = []
    owners = job.data.members(job.ws)
    for task in tasks:
        if task.status != TaskStatus.PLANNED.value or task.due_date is None:
            continue
        if job.calendar.first_working_day_after(task.due_date) != job.today:
            continue
        if job.today - task.due_date > timedelta(days=OVERDUE_FOR_AT_MOST_DAYS):
            continue
        owner = owners.get(task.owner_member_id)
        if owner is None or not owner.is_active:
            continue
        tr = job.member_tr(owner)
        ref = f"T{task.number}"
        text = tr.t(
            "{ref} {title} was due {date} and is still open. Done, or carry it over?",
            ref=ref,
            title=task.title,
            date=tr.date(task.due_date),
        )
        out.append(
            Delivery(
                to=ToUser(owner.external_id),
                message=Message(
                    summary=text,
                    blocks=(
                        Text(text),
                        Actions(
                            (
                                Button(tr.t("Done: {ref}", ref=ref), "task.done", ref),
                                Button(tr.t("Carry over {ref}", ref=ref), "task.carry", ref),
                            )
                        ),
                    ),
                ),
                key=f"overdue:task{task.id}",
            )
        )
    return out
