"""Personal and team settings, and time away."""

from __future__ import annotations

from handlers import grammar as g
from handlers.i18n import translator
from handlers.okr.calendar import is_known_country
from handlers.okr.weeks import cycle_for, is_valid_timezone, kr_cycle_for
from handlers.reports.committee import committee_of
from handlers.usecases.context import Ctx, UserError, member_name, resolve_person, resolve_team
from handlers.usecases.team import require_manager
from handlers.views import Block, Context, Fields, Header, Message, Outcome, Text
from storage.models import Team
from storage.repos import ends, rhythm, workspaces

_MOMENT_COLUMNS = {
    "plan": ("plan_weekday", "plan_time"),
    "checkin": ("checkin_weekday", "checkin_time"),
    "digest": ("digest_weekday", "digest_time"),
}


def show(ctx: Ctx) -> Outcome:
    tr = ctx.tr
    title = tr.t("Settings")
    blocks: list[Block] = [
        Header(title),
        Fields(
            (
                (tr.t("Language"), "中文" if tr.locale == "zh" else "English"),
                (tr.t("Timezone"), ctx.tz),
                (tr.t("Cycle"), ctx.current_cycle().name),
                (tr.t("Scores"), tr.t("0–1") if ctx.score_scale != 10 else tr.t("10 points")),
            )
        ),
    ]
    teams = workspaces.teams_of_member(
        session=ctx.session, workspace_id=ctx.workspace_id, member_id=ctx.member_id
    )
    for team in teams:
        blocks.append(Text(tr.t("Team {name}", name=team.name)))
        blocks.append(Fields(_team_fields(ctx, team)))
    blocks.append(
        Context(
            tr.t(
                "Change them: /okr settings language zh · /okr settings timezone Asia/Shanghai · "
                "/okr settings team NAME checkin fri 16:00"
            )
        )
    )
    return Outcome(replies=[Message(summary=title, blocks=tuple(blocks))])


def _team_fields(ctx: Ctx, team: Team) -> tuple[tuple[str, str], ...]:
    tr = ctx.tr
    return (
        (tr.t("Channel"), f"#{team.channel_external_id}" if team.channel_external_id else "–"),
        (tr.t("Timezone"), team.timezone),
        (tr.t("Monday planning"), f"{tr.weekday(team.plan_weekday)} {team.plan_time}"),
        (tr.t("Check-in prompt"), f"{tr.weekday(team.checkin_weekday)} {team.checkin_time}"),
        (tr.t("Celebration digest"), f"{tr.weekday(team.digest_weekday)} {team.digest_time}"),
        (tr.t("Holidays"), tr.series(team.holidays) or "–"),
        (tr.t("Cycle"), ctx.team_cycle(team).name),
        (
            tr.t("Scoring committee"),
            tr.list([member_name(m) for m in committee_of(ctx.session, team)]) or "–",
        ),
    )


def _done(ctx: Ctx, text: str) -> Outcome:
    return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])


def set_language(ctx: Ctx, cmd: g.SetLanguage) -> Outcome:
    workspaces.update_member(session=ctx.session, member=ctx.member, locale=cmd.code)
    # Answer in the language just chosen.
    tr = translator(cmd.code)
    return _done(ctx, tr.t("I'll speak English with you from now on."))


def set_timezone(ctx: Ctx, cmd: g.SetTimezone) -> Outcome:
    if not is_valid_timezone(cmd.name):
        raise UserError(
            "I don't know the timezone {name}. Use a name like Asia/Shanghai or Europe/Berlin.",
            name=cmd.name,
        )
    workspaces.update_member(session=ctx.session, member=ctx.member, timezone=cmd.name)
    return _done(ctx, ctx.t("Your timezone is now {name}.", name=cmd.name))


def _team_to_change(ctx: Ctx, name: str) -> Team:
    team = resolve_team(ctx, name)
    require_manager(ctx, team)
    return team


def set_team_rhythm(ctx: Ctx, cmd: g.SetTeamRhythm) -> Outcome:
    team = _team_to_change(ctx, cmd.team)
    day_column, time_column = _MOMENT_COLUMNS[cmd.moment]
    workspaces.update_team(
        session=ctx.session, team=team, changes={day_column: cmd.weekday, time_column: cmd.hhmm}
    )
    return _done(
        ctx,
        ctx.t(
            "{team}: {moment} is now {day} {time} ({tz}).",
            team=team.name,
            moment={
                "plan": ctx.t("Monday planning"),
                "checkin": ctx.t("Check-in prompt"),
                "digest": ctx.t("Celebration digest"),
            }[cmd.moment],
            day=ctx.tr.weekday(cmd.weekday),
            time=cmd.hhmm,
            tz=team.timezone,
        ),
    )


def set_team_channel(ctx: Ctx, cmd: g.SetTeamChannel) -> Outcome:
    team = _team_to_change(ctx, cmd.team)
    channel = cmd.channel.lstrip("#")
    workspaces.update_team(session=ctx.session, team=team, changes={"channel_external_id": channel})
    return _done(ctx, ctx.t("{team} now posts to #{channel}.", team=team.name, channel=channel))


def set_team_timezone(ctx: Ctx, cmd: g.SetTeamTimezone) -> Outcome:
    if not is_valid_timezone(cmd.timezone):
        raise UserError(
            "I don't know the timezone {name}. Use a name like Asia/Shanghai or Europe/Berlin.",
            name=cmd.timezone,
        )
    team = _team_to_change(ctx, cmd.team)
    workspaces.update_team(session=ctx.session, team=team, changes={"timezone": cmd.timezone})
    return _done(ctx, ctx.t("{team} now runs on {tz} time.", team=team.name, tz=cmd.timezone))


def set_team_holidays(ctx: Ctx, cmd: g.SetTeamHolidays) -> Outcome:
    team = _team_to_change(ctx, cmd.team)
    days = sorted({*team.holidays, *(d.isoformat() for d in cmd.dates)})
    workspaces.update_team(session=ctx.session, team=team, changes={"holidays": days})
    return _done(
        ctx,
        ctx.t("{team}: no prompts on {days}.", team=team.name, days=ctx.tr.list(days)),
    )


def set_team_holiday_country(ctx: Ctx, cmd: g.SetTeamHolidayCountry) -> Outcome:
    team = _team_to_change(ctx, cmd.team)
    if cmd.country is not None and not is_known_country(cmd.country):
        raise UserError(
            "I have no holiday calendar for {code}. Use a country code like CN, DE or US.",
            code=cmd.country,
        )
    workspaces.update_team(session=ctx.session, team=team, changes={"holiday_country": cmd.country})
    if cmd.country is None:
        return _done(ctx, ctx.t("{team} no longer follows a country's holidays.", team=team.name))
    return _done(
        ctx,
        ctx.t(
            "{team} follows {code}'s public holidays and working days now.",
            team=team.name,
            code=cmd.country,
        ),
    )


def set_reminders(ctx: Ctx, cmd: g.SetReminders) -> Outcome:
    ctx.member.reminders = cmd.on
    ctx.session.add(ctx.member)
    if cmd.on:
        return _done(
            ctx, ctx.t("Friday reminders are on: I'll remind you if a check-in is missing.")
        )
    return _done(
        ctx, ctx.t("Friday reminders are off. Turn them on with /okr settings reminders on.")
    )


def set_team_language(ctx: Ctx, cmd: g.SetTeamLanguage) -> Outcome:
    team = _team_to_change(ctx, cmd.team)
    workspaces.update_team(session=ctx.session, team=team, changes={"locale": cmd.code})
    return _done(
        ctx, ctx.t("{team} posts in the team channel in the new language now.", team=team.name)
    )


def _cycle_text(ctx: Ctx, kind: str) -> str:
    return {
        "quarter": ctx.t("quarterly"),
        "bimonthly": ctx.t("two-monthly"),
        "monthly": ctx.t("monthly"),
        "annual": ctx.t("yearly"),
        "annual-quarterly": ctx.t("yearly objectives with quarterly key results"),
    }.get(kind, kind)


def set_team_cycle(ctx: Ctx, cmd: g.SetTeamCycle) -> Outcome:
    team = _team_to_change(ctx, cmd.team)
    workspaces.update_team(session=ctx.session, team=team, changes={"cycle_kind": cmd.kind})
    kind = cmd.kind or ctx.workspace_cycle_kind
    bounds = cycle_for(kind, ctx.today)
    scored = kr_cycle_for(kind, ctx.today)
    text = ctx.t(
        "{team} now runs {kind} cycles: its objectives go into {cycle} ({start} – {end}).",
        team=team.name,
        kind=_cycle_text(ctx, kind),
        cycle=bounds.name,
        start=ctx.tr.date(bounds.start),
        end=ctx.tr.date(bounds.end),
    )
    if scored.name != bounds.name:
        text += " " + ctx.t(
            "Key results run for a quarter and are scored when it ends: {cycle} ends {end}.",
            cycle=scored.name,
            end=ctx.tr.date(scored.end),
        )
    return _done(ctx, text)


def set_team_committee(ctx: Ctx, cmd: g.SetTeamCommittee) -> Outcome:
    team = _team_to_change(ctx, cmd.team)
    people = [resolve_person(ctx, person) for person in cmd.people]
    ends.set_committee(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        team_id=team.id or -1,
        member_ids=[m.id for m in people if m.id is not None and m.id != team.manager_id],
    )
    if not people:
        return _done(
            ctx,
            ctx.t("{team}'s manager scores alone now, with no committee.", team=team.name),
        )
    names = [member_name(m) for m in committee_of(ctx.session, team)]
    return _done(
        ctx,
        ctx.t(
            "{team}'s scoring committee: {names}. They see the self scores, the feedback "
            "and the review packs, and propose scores; the manager confirms them.",
            team=team.name,
            names=ctx.tr.list(names),
        ),
    )


def set_score_scale(ctx: Ctx, cmd: g.SetScoreScale) -> Outcome:
    managed = [
        t
        for t in workspaces.list_teams(session=ctx.session, workspace_id=ctx.workspace_id)
        if t.manager_id == ctx.member_id
    ]
    if not managed:
        raise UserError("Only a team manager can change how the workspace shows scores.")
    workspace = workspaces.get_workspace(session=ctx.session, workspace_id=ctx.workspace_id)
    assert workspace is not None
    workspace.score_scale = cmd.scale
    ctx.session.add(workspace)
    if cmd.scale == 10:
        return _done(
            ctx, ctx.t("Scores are shown on the 10-point scale now: 7/10 is 0.7. Type either.")
        )
    return _done(ctx, ctx.t("Scores are shown from 0 to 1 now: 0.7 is 7/10. Type either."))


def set_cycle_kind(ctx: Ctx, cmd: g.SetCycleKind) -> Outcome:
    managed = [
        t
        for t in workspaces.list_teams(session=ctx.session, workspace_id=ctx.workspace_id)
        if t.manager_id == ctx.member_id
    ]
    if not managed:
        raise UserError("Only a team manager can change the workspace's OKR cycle.")
    workspace = workspaces.get_workspace(session=ctx.session, workspace_id=ctx.workspace_id)
    assert workspace is not None
    workspace.cycle_kind = cmd.kind
    ctx.session.add(workspace)
    bounds = cycle_for(cmd.kind, ctx.today)
    return _done(
        ctx,
        ctx.t(
            "New objectives now go into {cycle} ({start} – {end}).",
            cycle=bounds.name,
            start=ctx.tr.date(bounds.start),
            end=ctx.tr.date(bounds.end),
        ),
    )


def away(ctx: Ctx, cmd: g.Away) -> Outcome:
    if cmd.end < ctx.today:
        raise UserError("Those dates are in the past; time away starts today or later.")
    rhythm.add_away(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        member_id=ctx.member_id,
        start=cmd.start,
        end=cmd.end,
        note=cmd.note,
    )
    return _done(
        ctx,
        ctx.t(
            "Enjoy your time away, {start} – {end}. No prompts then, and you won't be counted as missing.",
            start=ctx.tr.date(cmd.start),
            end=ctx.tr.date(cmd.end),
        ),
    )


def away_list(ctx: Ctx) -> Outcome:
    rows = rhythm.list_away(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        member_id=ctx.member_id,
        from_date=ctx.today,
    )
    if not rows:
        return _done(ctx, ctx.t("No time away planned. Add some: /okr away 2026-12-24 2027-01-02"))
    title = ctx.t("Your time away")
    blocks: list[Block] = [Header(title)]
    for row in rows:
        line = f"{ctx.tr.date(row.start_date)} – {ctx.tr.date(row.end_date)}"
        if row.note:
            line += f" · {row.note}"
        blocks.append(Text(line))
    return Outcome(replies=[Message(summary=title, blocks=tuple(blocks))])


def away_cancel(ctx: Ctx) -> Outcome:
    removed = rhythm.cancel_away(
        session=ctx.session,
        workspace_id=ctx.workspace_id,
        member_id=ctx.member_id,
        from_date=ctx.today,
    )
    if not removed:
        return _done(ctx, ctx.t("You had no time away planned."))
    return _done(ctx, ctx.t("Welcome back! Your time away is cancelled."))
