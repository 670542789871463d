"""The review meeting (述职), on the clock's side: the questions, then the packs and agenda.

- A week before the cycle's last week, each member is asked three short
  questions for their pack: breakthroughs, problems, lessons.
- In the last week (when scoring opens), each member's review pack goes to
  them, their manager and the team's scoring committee, as a message and a
  one-page picture; the team's channel gets the meeting's agenda.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.moments.base import MomentJob
from handlers.okr.weeks import week_key
from handlers.reports.committee import committee_of
from handlers.reports.reviewpack import agenda_for, load_packs, pack_message
from handlers.views import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Delivery,
    Header,
    Message,
    Text,
    ToUser,
)
from storage.repos import ends


def week_before_last(job: MomentJob) -> bool:
    end = job.scoring_cycle().end_date
    return job.week == week_key(end - timedelta(days=7)) and not job.calendar.is_holiday(job.today)


def last_week(job: MomentJob) -> bool:
    end = job.scoring_cycle().end_date
    return job.week == week_key(end) and not job.calendar.is_holiday(job.today)


def questions(job: MomentJob) -> list[Delivery]:
    """The three questions of the review pack, to each member with key results to present."""
    cycle = job.scoring_cycle()
    members = job.present_members()
    krs_of = job.krs_by_owner(members)
    answered = ends.review_answers(
        session=job.session,
        workspace_id=job.ws,
        cycle_id=cycle.id or -1,
        member_ids=[m.id for m in members if m.id is not None],
    )
    out: list[Delivery] = []
    for member in members:
        if not krs_of.get(member.id or -1):
            continue
        tr = job.member_tr(member)
        title = tr.t("Your review meeting is next week · {cycle}", cycle=cycle.name)
        text = tr.t(
            "Three short answers for your review pack: your breakthroughs, the problems you "
            "hit, and the lessons you take away. Your data (key results, tasks, help) is "
            "gathered for you."
        )
        blocks: list[Block] = [Header(title), Text(text)]
        if member.id in answered:
            blocks.append(Text(tr.t("You have started already; change anything you like.")))
        blocks.append(Actions((Button(tr.t("Answer"), "review.answer", "", ButtonStyle.PRIMARY),)))
        out.append(
            Delivery(
                to=ToUser(member.external_id),
                message=Message(summary=title, blocks=tuple(blocks)),
                key=f"review-questions:member{member.id}:{cycle.name}",
            )
        )
    return out


def packs(job: MomentJob) -> list[Delivery]:
    """Each member's pack to them, their manager and the committee; the agenda to the team."""
    cycle = job.scoring_cycle()
    scale = job.workspace.score_scale
    members = job.present_members()
    krs_of = job.krs_by_owner(members)
    committee = [m for m in committee_of(job.session, job.team) if m.is_active]
    presenting = [m for m in members if krs_of.get(m.id or -1) and m.id != job.team.manager_id]
    # The team's packs in one batch of reads, not each person's in dozens.
    packs = load_packs(job.session, presenting, cycle)
    out: list[Delivery] = []
    for member in presenting:
        assert member.id is not None
        data = packs[member.id]
        readers = [member, *(m for m in committee if m.id != member.id)]
        for reader in readers:
            out.append(
                Delivery(
                    to=ToUser(reader.external_id),
                    message=pack_message(job.member_tr(reader), data, scale, page=True),
                    key=f"pack:member{member.id}:{cycle.name}:to{reader.id}",
                )
            )
    agenda = agenda_for(job.team_tr(), job.session, job.team, cycle)
    out.extend(job.channel_post(agenda, "agenda", cycle.name))
    return out
