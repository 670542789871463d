"""The monthly review (月度复盘): the month that just ended, posted to the team.

Posted on the first review weekday of each month (default the first Monday,
10:00 team time) about the month before: each KR's change, the confidence
trend, key tasks done against planned, and help given and received: the data
a monthly review meeting starts from.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from handlers.moments.base import MomentJob
from handlers.okr import math
from handlers.okr.weeks import cycle_for
from handlers.reports.charts import cycle_charts
from handlers.reports.teammonth import kr_months, month_bounds_utc, review_month
from handlers.usecases.changes import describe
from handlers.views import Block, Context, Delivery, Divider, Header, Message, Progress, Text
from storage.models import ChangeStatus, TaskStatus
from storage.repos import changes


def is_first_of_month(job: MomentJob) -> bool:
    return job.today.day <= 7 and not job.calendar.is_holiday(job.today)


def monthly_review(job: MomentJob) -> list[Delivery]:
    year, month = review_month(job.today)
    period = f"{year:04d}-{month:02d}"
    tr = job.team_tr()
    last_day = job.today.replace(day=1) - timedelta(days=1)
    cycle = job.data.cycle(job.ws, cycle_for(job.cycle_kind, last_day))
    data = job.data.team_month(job.team, job.today, cycle)
    team, weeks, cycle_weeks = job.team, data.weeks, data.cycle_weeks
    krs, checkins, helped, people = data.krs, data.checkins, data.helped, data.people
    member_ids = data.member_ids
    tasks = data.tasks
    rows = kr_months(krs, checkins, weeks, people)
    month_name = tr.month(year, month)
    title = tr.t("Monthly review · {team} · {month}", team=team.name, month=month_name)
    blocks: list[Block] = [
        Header(title),
        Context(
            tr.t(
                "Weeks {first} to {last} · cycle {cycle}",
                first=weeks[0],
                last=weeks[-1],
                cycle=cycle.name,
            )
        ),
        Text(tr.t("Key results over the month")),
    ]
    if not rows:
        blocks.append(Context(tr.t("No key results in this cycle yet.")))
    for row in rows:
        caption = [
            tr.t(
                "{before} → {after} ({change})",
                before=tr.number(row.before),
                after=tr.number(row.after),
                change=tr.signed(row.change),
            ),
            row.owner,
        ]
        if row.confidences:
            trend = math.confidence_trend(row.confidences)
            arrow = {"up": "↑", "down": "↓", "flat": "→", "none": ""}[trend.direction]
            caption.append(
                tr.t(
                    "confidence {values}",
                    values=" → ".join(str(c) for c in row.confidences),
                )
                + (f" {arrow}" if arrow else "")
            )
        blocks.append(
            Progress(
                label=f"KR{row.kr.number} {row.kr.title}",
                fraction=row.progress_after,
                caption=" · ".join(caption),
            )
        )
    planned = [t for t in tasks if t.status != TaskStatus.CARRIED_OVER.value]
    done = [t for t in planned if t.status == TaskStatus.DONE.value]
    blocks.append(Divider())
    blocks.append(Text(tr.t("Key tasks")))
    if planned:
        blocks.append(
            Progress(
                label=tr.t("Done vs planned"),
                fraction=len(done) / len(planned),
                caption=tr.t("{done} of {total} done", done=len(done), total=len(planned)),
            )
        )
    else:
        blocks.append(Context(tr.t("No key tasks were planned this month.")))
    given: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    for request in helped:
        if request.helper_id in member_ids:
            given[request.helper_id] += 1
        if request.requester_id in member_ids:
            received[request.requester_id] += 1
    blocks.append(Divider())
    blocks.append(Text(tr.t("Help given and received")))
    helpers = [m for m in member_ids if given.get(m) or received.get(m)]
    if not helpers:
        blocks.append(Context(tr.t("No help requests were closed this month.")))
    for member_id in helpers:
        blocks.append(
            Context(
                tr.t(
                    "{name}: helped {given} · was helped {received}",
                    name=people[member_id].display_name if member_id in people else "?",
                    given=given.get(member_id, 0),
                    received=received.get(member_id, 0),
                )
            )
        )
    blocks.extend(_kr_changes(job, year, month))
    charted = [c for c in checkins if cycle_weeks and c.week >= cycle_weeks[0]]
    blocks.extend(cycle_charts(tr, krs, charted, cycle_weeks, name="review"))
    summary = tr.t(
        "{team} · monthly review {month}: {done} of {total} key tasks done",
        team=team.name,
        month=month_name,
        done=len(done),
        total=len(planned),
    )
    return job.channel_post(Message(summary=summary, blocks=tuple(blocks)), "review", period)


def _kr_changes(job: MomentJob, year: int, month: int) -> list[Block]:
    """The key results whose target, start or weight the manager let change in the month."""
    approved = changes.decided_requests(
        session=job.session,
        workspace_id=job.ws,
        team_ids=[job.team_id],
        kind="kr",
        status=ChangeStatus.APPROVED,
        decided_between=month_bounds_utc(year, month, job.team.timezone),
    )
    if not approved:
        return []
    tr = job.team_tr()
    blocks: list[Block] = [Divider(), Text(tr.t("Key results changed this month"))]
    for row in approved:
        blocks.append(Context(describe(tr, row.kind, row.change, None)))
    return blocks
