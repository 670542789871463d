"""Collaborators' feedback, on the clock's side: the committee's start, and one nudge.

- When scoring opens (the cycle's last week), each member of a team's scoring
  committee is offered to ask, for each person, the people they worked with.
- A feedback request still unanswered two working days after it was asked is
  nudged once, on that morning.
"""

from __future__ import annotations

from handlers.moments.base import MomentJob
from handlers.reports.committee import committee_of
from handlers.views import (
    Actions,
    Button,
    ButtonStyle,
    Context,
    Delivery,
    Header,
    Message,
    Text,
    ToUser,
)

NUDGE_AFTER_WORKING_DAYS = 2


def is_working_day(job: MomentJob) -> bool:
    return job.calendar.is_working_day(job.today)


def scoring_opens(job: MomentJob) -> list[Delivery]:
    """To each committee member: the people to score, with a button to ask for feedback."""
    if not job.in_team_zone:
        return []
    cycle = job.scoring_cycle()
    committee = [m for m in committee_of(job.session, job.team) if m.is_active]
    members = job.data.members(job.ws)
    people = [
        members[i]
        for i in job.member_ids()
        if i in members and i != job.team.manager_id and members[i].is_active
    ]
    krs_of = job.krs_by_owner(people)
    people = [m for m in people if krs_of.get(m.id or -1)]
    if not people:
        return []
    out: list[Delivery] = []
    for judge in committee:
        tr = job.member_tr(judge)
        title = tr.t("Scoring opens · {team} · {cycle}", team=job.team.name, cycle=cycle.name)
        names = tr.list([m.display_name or m.handle for m in people if m.id != judge.id])
        text = tr.t(
            "The team self-scores this week. Before the committee decides, ask the people "
            "who worked with each of them for feedback: {names}.",
            names=names,
        )
        buttons = tuple(
            Button(
                tr.t("Feedback on {name}", name=m.display_name or m.handle),
                "feedback.ask",
                str(m.id),
                ButtonStyle.PRIMARY if i == 0 else ButtonStyle.DEFAULT,
            )
            for i, m in enumerate(p for p in people if p.id != judge.id)
        )[:10]
        out.append(
            Delivery(
                to=ToUser(judge.external_id),
                message=Message(
                    summary=title,
                    blocks=(
                        Header(title),
                        Text(text),
                        Actions(buttons),
                        Context(
                            tr.t("Side by side: /okr committee · one person: /okr committee @alice")
                        ),
                    ),
                ),
                key=f"committee-opens:team{job.team_id}:{cycle.name}:member{judge.id}",
            )
        )
    return out


def nudges(job: MomentJob) -> list[Delivery]:
    """Feedback asked of the team's members two working days ago and still unanswered."""
    ids = set(job.member_ids())
    out: list[Delivery] = []
    for request in job.data.open_feedback(job.ws):
        if request.giver_id not in ids:
            continue
        if not job.waited_working_days(request.asked_at, NUDGE_AFTER_WORKING_DAYS):
            continue
        giver = job.member(request.giver_id)
        subject = job.member(request.subject_id)
        if giver is None or subject is None or not giver.is_active:
            continue
        tr = job.member_tr(giver)
        text = tr.t(
            "A gentle nudge: the scoring committee would like your feedback on {name}'s work. "
            "It takes a minute.",
            name=subject.display_name or subject.handle,
        )
        out.append(
            Delivery(
                to=ToUser(giver.external_id),
                message=Message(
                    summary=text,
                    blocks=(
                        Text(text),
                        Actions(
                            (
                                Button(
                                    tr.t("Give feedback"),
                                    "feedback.form",
                                    str(request.id),
                                    ButtonStyle.PRIMARY,
                                ),
                            )
                        ),
                    ),
                ),
                key=f"feedback:{request.id}:nudged",
            )
        )
    return out
