"""The nudges: what the rhythm points out on a working morning when something is waiting.

- An open help request is nudged once, two working days after it was asked.
- A task past its due date is pointed out to its owner once, on the first
  working day after it was due.
Each fires on one deterministic local day, so replaying a window never repeats it.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.moments.base import MomentJob
from handlers.okr.weeks import previous_week
from handlers.views import Actions, Button, ButtonStyle, Delivery, Message, Text, ToUser
from storage.models import TaskStatus

NUDGE_AFTER_WORKING_DAYS = 2
OVERDUE_FOR_AT_MOST_DAYS = 14  # an older open task is the planning's business, not a nudge's


def is_working_day(job: MomentJob) -> bool:
    return job.calendar.is_working_day(job.today)


def nudges(job: MomentJob) -> list[Delivery]:
    """Each working morning: help requests waiting two working days, tasks just overdue."""
    return [*_help_nudges(job), *_overdue_tasks(job)]


def _help_nudges(job: MomentJob) -> list[Delivery]:
    ids = set(job.member_ids())
    out: list[Delivery] = []
    for request in job.data.open_help(job.ws, ids):
        if request.helper_id not in ids:
            continue
        if not job.waited_working_days(request.created_at, NUDGE_AFTER_WORKING_DAYS):
            continue
        helper = job.member(request.helper_id)
        requester = job.member(request.requester_id)
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


def _overdue_tasks(job: MomentJob) -> list[Delivery]:
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
