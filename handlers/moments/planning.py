"""Monday planning (周一规划会): each member is asked for the week's key tasks.

Each present member gets a DM with their key results and last week's open
tasks (with a button to carry each over); the team's channel gets the week's
opening post with last week's tally. The plan settles on Wednesday.
"""

from __future__ import annotations

from handlers.moments.base import MomentJob
from handlers.okr.weeks import previous_week
from handlers.present import kr_block, task_text
from handlers.views import Actions, Block, Button, Context, Delivery, Header, Message, Text, ToUser
from storage.models import TaskStatus


def prompts(job: MomentJob) -> list[Delivery]:
    """Monday's planning prompt to each present member, and the team's post."""
    out: list[Delivery] = []
    last_week = previous_week(job.week)
    members = job.present_members()
    krs_of = job.krs_by_owner(members)
    leftovers_of = job.data.leftovers(job.ws, last_week)
    for member in members:
        assert member.id is not None
        tr = job.member_tr(member)
        krs = krs_of.get(member.id, [])
        leftovers = leftovers_of.get(member.id, [])
        title = tr.t("Monday planning · week {week}", week=job.week)
        blocks: list[Block] = [
            Header(title),
            Text(
                tr.t(
                    "Good morning, {name}! What are this week's key tasks toward your key results?",
                    name=member.display_name,
                )
            ),
        ]
        blocks.extend(kr_block(tr, kr) for kr in krs)
        if leftovers:
            blocks.append(Text(tr.t("Still open from last week:")))
            blocks.extend(Text(task_text(tr, line, show_owner=False)) for line in leftovers)
            blocks.append(
                Actions(
                    tuple(
                        Button(
                            tr.t("Carry over T{n}", n=line.task.number),
                            "task.carry",
                            f"T{line.task.number}",
                        )
                        for line in leftovers[:5]
                    )
                )
            )
        example = f" KR{krs[0].number}" if krs else ""
        blocks.append(
            Context(
                tr.t(
                    "Plan a task: /okr plan add TASK{kr} with @colleague due wed · "
                    "the plan settles on Wednesday.",
                    kr=example,
                )
            )
        )
        blocks.append(Actions((Button(tr.t("This week's plan"), "plan.list"),)))
        out.append(
            Delivery(
                to=ToUser(member.external_id),
                message=Message(summary=title, blocks=tuple(blocks)),
                key=f"plan:member{member.id}:{job.week}",
            )
        )
    tr = job.team_tr()
    tasks_of = job.data.tasks(job.ws, last_week)
    tasks = [t for i in job.data.member_ids(job.ws, job.team_id) for t in tasks_of.get(i, [])]
    done = sum(1 for t in tasks if t.status == TaskStatus.DONE.value)
    counted = sum(1 for t in tasks if t.status != TaskStatus.CARRIED_OVER.value)
    title = tr.t("Monday planning · {team} · week {week}", team=job.team.name, week=job.week)
    blocks = [
        Header(title),
        Text(tr.t("A new week: let's each plan the key tasks that move our key results.")),
    ]
    if counted:
        blocks.append(
            Context(tr.t("Last week: {done} of {total} key tasks done.", done=done, total=counted))
        )
    out.extend(job.channel_post(Message(summary=title, blocks=tuple(blocks)), "plan"))
    return out
