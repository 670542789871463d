"""Drafting together (共创), on the clock's side: rounds that end, reminders, the nudge to start.

- Each round of a team's draft ends at `ROUND_CLOSES` team time on its deadline
  day: its results and the next vote are posted to the team.
- That morning, at `REMIND_AT`, whoever has not taken part yet is reminded.
- In the cycle's last two weeks the manager is asked to draft the next cycle
  together with the team, once.
Results are read from the data as it stood at the deadline (later votes are
refused), and every post has a key of its draft and round, so a replayed
window never posts twice; a round the manager closed early posted its results
under the same key.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.moments.base import MomentJob
from handlers.okr.weeks import next_cycle_for, week_key
from handlers.reports import drafts
from handlers.views import Actions, Button, ButtonStyle, Delivery, Message, Text, ToChannel, ToUser
from storage.repos import ends


def always(job: MomentJob) -> bool:
    """A round ends on its deadline whatever the calendar says since."""
    return True


def _post(job: MomentJob, state: drafts.DraftState, message: Message, key: str) -> list[Delivery]:
    if not job.in_team_zone:
        return []
    if job.team.channel_external_id:
        return [Delivery(to=ToChannel(job.team.channel_external_id), message=message, key=key)]
    members = job.data.members(job.ws)
    return [
        Delivery(to=ToUser(members[i].external_id), message=message, key=f"{key}:member{i}")
        for i in state.member_ids
        if i in members
    ]


def close_rounds(job: MomentJob) -> list[Delivery]:
    """The rounds whose deadline passed since this time yesterday: their results, posted."""
    out: list[Delivery] = []
    since = job.at - timedelta(days=1)
    for draft in job.data.open_drafts(job.ws, job.team_id):
        state: drafts.DraftState | None = None
        for stage in drafts.ROUNDS:
            ends_at = drafts.deadline(draft, stage)
            if since < ends_at <= job.at:
                state = state or drafts.load(job.session, draft)
                message = drafts.round_message(job.team_tr(), state, stage)
                out.extend(_post(job, state, message, drafts.round_key(draft, stage)))
    return out


def reminders(job: MomentJob) -> list[Delivery]:
    """On a round's last day, a reminder to each member who has not taken part yet."""
    out: list[Delivery] = []
    for draft in job.data.open_drafts(job.ws, job.team_id):
        stage = drafts.stage_at(draft, job.at)
        if stage not in drafts.ROUNDS:
            continue
        ends_at = drafts.deadline(draft, stage)
        if not job.at < ends_at <= job.at + timedelta(days=1):
            continue
        state = drafts.load(job.session, draft)
        done = drafts.participants(state, stage)
        members = job.data.members(job.ws)
        away = job.data.away(job.ws, job.today)
        for member_id in state.member_ids:
            member = members.get(member_id)
            if member is None or member_id in done or member_id in away or not member.is_active:
                continue
            out.append(
                Delivery(
                    to=ToUser(member.external_id),
                    message=drafts.reminder_message(job.member_tr(member), state, stage),
                    key=f"draft{draft.id}:remind:{stage.value}:member{member_id}",
                )
            )
    return out


def in_last_two_weeks(job: MomentJob) -> bool:
    """The plan day of the week before the cycle's last one."""
    end = job.cycle().end_date
    return job.week == week_key(end - timedelta(days=7)) and not job.calendar.is_holiday(job.today)


def suggest(job: MomentJob) -> list[Delivery]:
    """Ask the manager, once a cycle, to draft the next cycle's OKRs with the team."""
    if not job.in_team_zone or job.team.manager_id is None:
        return []
    if job.data.open_drafts(job.ws, job.team_id):
        return []
    manager = job.data.members(job.ws).get(job.team.manager_id)
    if manager is None or not manager.is_active:
        return []
    cycle = job.cycle()
    upcoming = next_cycle_for(job.cycle_kind, job.today)
    drafted = ends.drafted(
        session=job.session,
        workspace_id=job.ws,
        team_id=job.team_id,
        cycle_id=job.data.cycle(job.ws, upcoming).id or -1,
    )
    if drafted:
        return []
    tr = job.member_tr(manager)
    text = tr.t(
        "Cycle {cycle} ends {date}. Draft {next}'s OKRs together with {team}: everyone "
        "proposes, the team votes, you finalise.",
        cycle=cycle.name,
        date=tr.date(cycle.end_date),
        next=upcoming.name,
        team=job.team.name,
    )
    return [
        Delivery(
            to=ToUser(manager.external_id),
            message=Message(
                summary=text,
                blocks=(
                    Text(text),
                    Actions(
                        (
                            Button(
                                tr.t("Start drafting"),
                                "draft.start",
                                str(job.team_id),
                                ButtonStyle.PRIMARY,
                            ),
                        )
                    ),
                ),
            ),
            key=f"draft-suggest:team{job.team_id}:{cycle.name}",
        )
    ]
