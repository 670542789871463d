"""The cycle's last week: each owner is asked to score each of their KRs.

The prompt shows the suggested score and the committed / aspirational reading
beside each KR; what follows a score (the manager's queue, the summary) is on
the commands side (`handlers.usecases.scores`).
"""

from __future__ import annotations

from handlers.moments.base import MomentJob
from handlers.okr.weeks import week_key
from handlers.reports.scores import kr_score_line, scored_in
from handlers.views import Block, Context, Delivery, Header, Message, Text, ToUser
from storage.repos import okrs


def in_last_week(job: MomentJob) -> bool:
    cycle = job.scoring_cycle()
    return job.week == week_key(cycle.end_date) and not job.calendar.is_holiday(job.today)


def prompts(job: MomentJob) -> list[Delivery]:
    cycle = job.scoring_cycle()
    members = job.present_members()
    krs_of = {
        owner: [kr for kr in krs if scored_in(kr, kr.objective_cycle_id, cycle)]
        for owner, krs in job.krs_by_owner(members).items()
    }
    scale = job.workspace.score_scale
    scores = okrs.scores_for(
        session=job.session,
        workspace_id=job.ws,
        kr_ids=[kr.id for krs in krs_of.values() for kr in krs if kr.id is not None],
    )
    out: list[Delivery] = []
    for member in members:
        krs = krs_of.get(member.id or -1, [])
        if not krs:
            continue
        tr = job.member_tr(member)
        title = tr.t("Time to score cycle {cycle}", cycle=cycle.name)
        blocks: list[Block] = [
            Header(title),
            Text(
                tr.t(
                    "The cycle ends {date}. Score each of your key results from 0 to 1; "
                    "your manager reviews the scores next.",
                    date=tr.date(cycle.end_date),
                )
                if scale != 10
                else tr.t(
                    "The cycle ends {date}. Score each of your key results from 0 to 10; "
                    "your manager reviews the scores next.",
                    date=tr.date(cycle.end_date),
                )
            ),
        ]
        for kr in krs:
            blocks.append(kr_score_line(tr, kr, kr.objective_kind, scores.get(kr.id or -1), scale))
        blocks.append(
            Context(
                tr.t('Score one: /okr score KR{n} 0.7 "what it reached"', n=krs[0].number)
                if scale != 10
                else tr.t('Score one: /okr score KR{n} 7 "what it reached"', n=krs[0].number)
            )
        )
        out.append(
            Delivery(
                to=ToUser(member.external_id),
                message=Message(summary=title, blocks=tuple(blocks)),
                key=f"selfscore:member{member.id}:{cycle.name}",
            )
        )
    return out
