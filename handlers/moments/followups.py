"""What a check-in changes in messages already posted.

- A check-in after the team's digest went out updates the posted digest in
  place (a delivery that `replaces` the digest's key).
- The check-in that completes a member's week updates this week's check-in
  prompt and reminder, when they were sent, to say it is answered.

Only messages already in the outbox are updated. A check-in typed while a tick
is still building the very message it would update is followed up by that
tick, once its rows are in (`handlers.moments.ticker`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.moments import digest
from handlers.moments.base import MomentJob, dm_zone
from handlers.okr.weeks import local_date, next_occurrence, week_of, week_start
from handlers.usecases.context import Ctx
from handlers.views import Context, Delivery, Header, Message, ToUser
from storage.models import Team, Workspace
from storage.repos import outbox, rhythm, workspaces


def _moment_in_week(week: str, weekday: int, hhmm: str, tz: str) -> datetime:
    """The instant of a weekly moment inside the week `week` of zone `tz`."""
    monday = week_start(week)
    just_before = datetime(monday.year, monday.month, monday.day, tzinfo=ZoneInfo(tz)) - timedelta(
        microseconds=1
    )
    return next_occurrence(after=just_before, weekday=weekday, hhmm=hhmm, tz=tz)


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%f")


def after_checkin(ctx: Ctx) -> list[Delivery]:
    out: list[Delivery] = []
    workspace = workspaces.get_workspace(session=ctx.session, workspace_id=ctx.workspace_id)
    if workspace is None:
        return out
    teams = workspaces.teams_of_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=ctx.member_id
    )
    for team in teams:
        week = week_of(ctx.now, team.timezone)
        at = _moment_in_week(week, team.digest_weekday, team.digest_time, team.timezone)
        job = MomentJob(session=ctx.session, workspace=workspace, team=team, at=at, links=ctx.links)
        if at <= ctx.now and not job.calendar.is_holiday(job.today):
            for posted in digest.post(job):
                assert posted.key is not None
                if not outbox.exists_key(
                    session=ctx.session, workspace_id=ctx.workspace_id, key=posted.key
                ):
                    continue  # not written yet: the tick writing it follows up itself
                out.append(
                    Delivery(
                        to=posted.to,
                        message=posted.message,
                        key=f"{posted.key}:update:{_stamp(ctx.now)}",
                        replaces=posted.key,
                    )
                )
    if teams:
        out.extend(_answered(ctx, workspace, teams[0]))
    return out


def _answered(ctx: Ctx, workspace: Workspace, team: Team) -> list[Delivery]:
    zone = dm_zone(ctx.member, team)
    week = week_of(ctx.now, zone)
    job = MomentJob(
        session=ctx.session, workspace=workspace, team=team, at=ctx.now, zone=zone, links=ctx.links
    )
    krs = job.krs_by_owner([ctx.member]).get(ctx.member_id, [])
    done = rhythm.checkins_for_week(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        week=week,
        kr_ids=[kr.id for kr in krs if kr.id is not None],
    )
    if not krs or any(kr.id not in done for kr in krs):
        return []
    # Only the check-in that completed the week, made just now, answers the prompts.
    if not any(c.created_at == ctx.now for c in done.values()):
        return []
    tr = ctx.tr
    title = tr.t("Friday check-in · week {week}", week=week)
    text = tr.t("✅ Checked in for week {week}. Thank you!", week=week)
    out: list[Delivery] = []
    for kind, weekday, hhmm in (
        ("checkin", team.checkin_weekday, team.checkin_time),
        ("remind", team.remind_weekday, team.remind_time),
    ):
        sent_at = _moment_in_week(week, weekday, hhmm, zone)
        if sent_at > ctx.now or job.calendar.is_holiday(local_date(sent_at, zone)):
            continue
        if kind == "remind" and not ctx.member.reminders:
            continue
        key = f"{kind}:member{ctx.member_id}:{week}"
        if not outbox.exists_key(session=ctx.session, workspace_id=ctx.workspace_id, key=key):
            continue
        out.append(
            Delivery(
                to=ToUser(ctx.member.external_id),
                message=Message(summary=text, blocks=(Header(title), Context(text))),
                key=f"{key}:answered",
                replaces=key,
            )
        )
    return out
