"""Friday's check-in (周五签到): the prompt, then the reminder to whoever has not answered.

- The prompt goes at the team's check-in time to each present member who has
  key results without this week's check-in.
- The reminder goes, once a week, to each member who still has key results
  without this week's check-in (not to those away, nor to those who turned
  reminders off).
"""

from __future__ import annotations

from handlers.moments.base import MomentJob
from handlers.present import kr_block
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


def prompts(job: MomentJob) -> list[Delivery]:
    """Friday's check-in prompt to each present member with KRs not yet checked in."""
    out: list[Delivery] = []
    members = job.present_members()
    krs_of = job.krs_by_owner(members)
    done = job.data.week_checkins(job.ws, job.cycle(), job.week)
    for member in members:
        assert member.id is not None
        krs = krs_of.get(member.id, [])
        if not krs or all(kr.id in done for kr in krs):
            continue
        tr = job.member_tr(member)
        title = tr.t("Friday check-in · week {week}", week=job.week)
        blocks: list[Block] = [
            Header(title),
            Text(
                tr.t("How did your key results move this week, {name}?", name=member.display_name)
            ),
        ]
        blocks.extend(kr_block(tr, kr, checkin=done.get(kr.id)) for kr in krs)
        blocks.append(
            Context(
                tr.t(
                    'Or type it: /okr checkin KR{n} VALUE confidence 1-10 "what moved"',
                    n=krs[0].number,
                )
            )
        )
        blocks.append(Actions((Button(tr.t("Check in"), "checkin.open", "", ButtonStyle.PRIMARY),)))
        out.append(
            Delivery(
                to=ToUser(member.external_id),
                message=Message(summary=title, blocks=tuple(blocks)),
                key=f"checkin:member{member.id}:{job.week}",
            )
        )
    return out


def remind(job: MomentJob) -> list[Delivery]:
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
