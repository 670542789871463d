"""The product's single entry point for adapters and the scheduler."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers import followups, rhythm, scoring
from handlers import grammar as g
from handlers.clock import Clock
from handlers.events import (
    ButtonPressed,
    Command,
    Event,
    FormSubmitted,
    HomeOpened,
    MentionedUser,
)
from handlers.i18n import negotiate, translator
from handlers.okr.weeks import next_occurrence, parse_week_key, week_of, week_start
from handlers.usecases import changes, checkin, collab, help, home, okrs, plan, settings, team
from handlers.usecases.context import Ctx, UserError, member_timezone
from handlers.views import Delivery, FormErrors, Message, Outcome, Text, ToUser, to_json
from storage.db import SessionFactory, is_duplicate, is_unavailable
from storage.models import Member, Team, Workspace
from storage.repos import events, outbox, schedule, workspaces
from storage.repos import rhythm as rhythm_repo
from storage.repos.outbox import NewMessage

log = logging.getLogger(__name__)

Handler = Callable[[Ctx, Any], Outcome]

# One use case per parsed command type.
ROUTES: dict[type, Handler] = {
    g.MyOkrs: lambda ctx, _: okrs.my_okrs(ctx),
    g.Help: lambda ctx, cmd: help.help_view(ctx, cmd.topic),
    g.NewObjectiveForm: lambda ctx, _: okrs.new_objective_form(ctx),
    g.NewObjective: okrs.create_objective,
    g.AddKR: okrs.add_kr,
    g.EditKR: okrs.edit_kr,
    g.DeleteKR: okrs.delete_kr,
    g.CheckinAll: lambda ctx, _: checkin.checkin_all(ctx),
    g.CheckinOne: checkin.checkin_one,
    g.Checkin: checkin.checkin,
    g.PlanList: plan.plan_list,
    g.PlanAdd: plan.plan_add,
    g.PlanDone: plan.plan_done,
    g.PlanDrop: plan.plan_drop,
    g.PlanCarry: plan.plan_carry,
    g.PlanEdit: plan.plan_edit,
    g.ShowPerson: okrs.show_person,
    g.ShowTeam: okrs.show_team,
    g.ShowRef: okrs.show_ref,
    g.TeamRollup: team.rollup,
    g.TeamDigest: team.digest,
    g.TeamNew: team.new,
    g.TeamJoin: team.join,
    g.TeamAdd: team.add,
    g.Ask: collab.ask,
    g.AskList: lambda ctx, _: collab.ask_list(ctx),
    g.AskUpdate: collab.ask_update,
    g.Kudos: collab.kudos,
    g.Align: okrs.align,
    g.ScoreList: lambda ctx, _: okrs.score_list(ctx),
    g.ScoreShow: okrs.score_show,
    g.Score: okrs.score,
    g.ScoreQueue: lambda ctx, _: scoring.show_queue(ctx),
    g.SettingsShow: lambda ctx, _: settings.show(ctx),
    g.SetLanguage: settings.set_language,
    g.SetTimezone: settings.set_timezone,
    g.SetTeamRhythm: settings.set_team_rhythm,
    g.SetTeamChannel: settings.set_team_channel,
    g.SetTeamTimezone: settings.set_team_timezone,
    g.SetTeamHolidays: settings.set_team_holidays,
    g.SetTeamHolidayCountry: settings.set_team_holiday_country,
    g.SetReminders: settings.set_reminders,
    g.SetTeamLanguage: settings.set_team_language,
    g.SetCycleKind: settings.set_cycle_kind,
    g.Away: settings.away,
    g.AwayList: lambda ctx, _: settings.away_list(ctx),
    g.AwayCancel: lambda ctx, _: settings.away_cancel(ctx),
}


def _refused(outcome: Outcome) -> bool:
    return any(isinstance(reply, FormErrors) for reply in outcome.replies)


# Buttons answered by a use case straight from their value.
_ROUTED_BUTTONS: dict[str, Callable[[Ctx, str], Outcome]] = {
    "change.approve": changes.approve,
    "change.decline": changes.decline_form,
    "score.confirm": lambda ctx, value: okrs.score_confirm(ctx, ref_from_value(value)),
    "score.queue": lambda ctx, _: scoring.show_queue(ctx),
}

_REF = re.compile(r"^(KR|O|T|H)(\d{1,9})$", re.IGNORECASE)


def ref_from_value(value: str) -> g.Ref:
    """The reference a button or form carries (we wrote it, but it came back over the wire)."""
    match = _REF.match(g.clean_typed(value).strip())
    if match is None:
        raise UserError("That button has expired. Type /okr to start again.")
    return g.Ref(match.group(1).upper(), int(match.group(2)))  # type: ignore[arg-type]  # checked by the regex


def _button_command(event: ButtonPressed) -> object:
    """Buttons are shortcuts for commands: map each to the command it stands for."""
    action, value = event.action, event.value
    if action == "checkin.open":
        return g.CheckinOne(ref_from_value(value)) if value else g.CheckinAll()
    if action == "plan.list":
        return g.PlanList()
    if action == "objective.new":
        return g.NewObjectiveForm()
    if action == "task.done":
        return g.PlanDone((ref_from_value(value),))
    if action == "task.drop":
        return g.PlanDrop((ref_from_value(value),))
    if action == "task.carry":
        return g.PlanCarry((ref_from_value(value),))
    if action in ("help.accept", "help.decline", "help.done"):
        return g.AskUpdate(ref_from_value(value), action.split(".")[1])  # type: ignore[arg-type]  # one of the three
    if action == "team.rollup":
        return g.TeamRollup(value or None)
    raise UserError("That button has expired. Type /okr to start again.")


TERMINAL = "console"  # the terminal trial's platform: its rhythm follows its own clock
# Outbox rows written per transaction by a tick: short enough that a command typed
# meanwhile waits milliseconds, not the whole Friday.
ENQUEUE_CHUNK = 500
FOLLOW_UP_MARGIN = timedelta(minutes=1)


class TriggerError(ValueError):
    """An operator's trigger names something that is not there; the message says what is."""


@dataclass(slots=True)
class TickReport:
    """What one tick did: its window, how many deliveries fell due, were written, were skipped."""

    since: datetime
    until: datetime
    first: bool = False  # the first tick ever: it only set the watermark
    due: int = 0
    written: int = 0  # new outbox rows (a key already there is not written again)
    skipped: list[tuple[str, str, datetime]] = field(default_factory=list)  # (team, moment, at)


@dataclass(slots=True)
class TriggerReport:
    team: str
    moment: str
    week: str
    at: datetime
    written: int = 0
    existing: int = 0  # already in the outbox under the same keys


def _moment_in_week(team: Team, moment: str, week: str) -> datetime:
    """The instant `team`'s `moment` falls in ISO `week`; TriggerError for a bad week."""
    try:
        parse_week_key(week)
        monday = week_start(week)
    except ValueError:
        raise TriggerError(f"{week!r} is not a week; write it like 2026-W49") from None
    midnight = datetime.combine(monday, time(0, 0), tzinfo=ZoneInfo(team.timezone))
    return next_occurrence(
        after=midnight - timedelta(microseconds=1),
        weekday=getattr(team, f"{moment}_weekday"),
        hhmm=getattr(team, f"{moment}_time"),
        tz=team.timezone,
    )


class OkrApp:
    """Handles neutral events and produces scheduled deliveries.

    Adapters call `handle` for every inbound event; the scheduler (or the
    terminal trial when its clock moves) calls `tick`, which writes the
    rhythm's moments that fell due since its watermark to the outbox.
    `run_due` lists a window's deliveries without writing them.
    """

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        clock: Clock,
        default_locale: str = "en",
        default_timezone: str = "UTC",
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.default_locale = default_locale
        self.default_timezone = default_timezone

    def handle(self, event: Event) -> Outcome:
        """Handle one event in one transaction; a platform retry of it is a no-op."""
        try:
            with self.sessions.begin() as session:
                if event.event_id and not events.claim_event(
                    session=session, platform=event.actor.platform, event_id=event.event_id
                ):
                    log.info("duplicate event %s ignored", event.event_id)
                    return Outcome()
                ctx = self._context(session, event)
                try:
                    # A savepoint: a refused command leaves nothing half-written.
                    with session.begin_nested():
                        outcome = self._route(ctx, event)
                        # Into the outbox with the change that caused them: a crash
                        # before commit sends nothing, one after it loses nothing.
                        outcome.deliveries = self._enqueue(
                            session,
                            workspace_id=ctx.workspace_id,
                            platform=event.actor.platform,
                            workspace=event.actor.workspace_id,
                            deliveries=outcome.deliveries,
                        )
                        return outcome
                except UserError as error:
                    return Outcome(replies=[help.user_error(ctx.tr, error)], refused=True)
        except Exception as error:
            tr = translator(negotiate(event.actor.locale, self.default_locale))
            if is_unavailable(error):
                log.warning(
                    "database unavailable while handling %s: %s", type(event).__name__, error
                )
                text = tr.t(
                    "I can't reach my database right now, so nothing was saved. "
                    "Please try again in a minute."
                )
            elif is_duplicate(error):
                # A uniqueness rule the use case's own check did not see coming (a race).
                log.info("%s refused by a uniqueness rule: %s", type(event).__name__, error)
                text = tr.t(
                    "That name is already taken here (perhaps a moment ago), so nothing was "
                    "changed. Try another one."
                )
            else:
                log.exception("failed to handle %s", type(event).__name__)
                text = tr.t(
                    "Sorry, something went wrong on my side and nothing was changed. "
                    "Please try again."
                )
            return Outcome(replies=[Message(summary=text, blocks=(Text(text),))])

    def run_due(
        self,
        *,
        since: datetime,
        until: datetime,
        platform: str | None = None,
        workspace: str | None = None,
    ) -> list[Delivery]:
        """Monday prompts, Friday check-in prompts and digests due in (since, until], unwritten.

        With `platform` and `workspace` (the platform's id), only that workspace's.
        """
        with self.sessions.begin() as session:
            workspace_id = None
            if platform is not None and workspace is not None:
                found = workspaces.find_workspace(
                    session=session, platform=platform, external_id=workspace
                )
                if found is None:
                    return []
                workspace_id = found.id
            return rhythm.due_deliveries(
                session=session, since=since, until=until, workspace_id=workspace_id
            )

    def tick(
        self,
        *,
        until: datetime,
        catch_up: timedelta | None,
        name: str = schedule.RHYTHM,
        platform: str | None = None,
        workspace: str | None = None,
        own_clocks: Sequence[str] = (TERMINAL,),
    ) -> TickReport:
        """Turn the moments in (watermark, until] into outbox rows and advance the watermark.

        A window is never sent twice nor skipped: its rows are written under
        their keys (a key already in the outbox is left alone) and the watermark
        moves only after all of them are in, and only if no other process moved
        it meanwhile. Building a large company's Friday takes seconds, so it
        happens in a read-only transaction and the rows go in short write
        transactions of `ENQUEUE_CHUNK`: a person's command is never held behind
        the rhythm (SQLite lets one writer at a time). A tick that dies half-way
        leaves the watermark where it was; the next one writes what is missing.

        The first tick only sets the watermark (a fresh install sends nothing
        old). Moments older than `until - catch_up` (the bot was down too long)
        are skipped with a log line each; `catch_up=None` keeps all. `name` is
        the watermark's row; with `platform` and `workspace` only that
        workspace's moments count. Without them, every workspace's except those
        of `own_clocks`, the platforms whose moments come from a clock of their
        own (the terminal).
        """
        with self.sessions.begin() as session:
            found = schedule.get_state(session=session, name=name)
        if found is None:
            with self.sessions.begin() as session:
                schedule.ensure_state(session=session, name=name)
        now = self.clock.now()
        with self.sessions.begin() as session:
            state = schedule.get_state(session=session, name=name)
            assert state is not None
            since = state.watermark
            workspace_id = self._workspace_id(session, platform, workspace)
            if since is None or until <= since or workspace_id == -1:
                due = []
            else:
                due = rhythm.due_moments(
                    session=session, since=since, until=until, workspace_id=workspace_id
                )
        if since is None or until <= since:
            self._advance(name, since, until, now)
            return TickReport(since=since or until, until=until, first=since is None)
        report = TickReport(since=since, until=until, due=len(due))
        oldest = until - catch_up if catch_up is not None else None
        by_workspace: dict[int, list[Delivery]] = {}
        for item in due:
            if workspace_id is None and item.delivery.platform in own_clocks:
                report.due -= 1
                continue
            if oldest is not None and item.at < oldest:
                moment = (item.team, item.moment, item.at)
                if moment not in report.skipped:
                    report.skipped.append(moment)
                    log.warning(
                        "skipped the %s of team %s due at %s: more than %s ago",
                        item.moment,
                        item.team,
                        item.at.isoformat(),
                        catch_up,
                    )
                continue
            by_workspace.setdefault(item.workspace_id, []).append(item.delivery)
        for ws_id, deliveries in by_workspace.items():
            for start in range(0, len(deliveries), ENQUEUE_CHUNK):
                chunk = deliveries[start : start + ENQUEUE_CHUNK]
                with self.sessions.begin() as session:
                    report.written += len(
                        self._enqueue(
                            session,
                            workspace_id=ws_id,
                            platform=chunk[0].platform,
                            workspace=chunk[0].workspace,
                            deliveries=chunk,
                            only_new=True,
                        )
                    )
        # A margin: a command that read the clock just before this tick may commit after
        # its read began. Following up twice is harmless: the follow-ups have keys too.
        self._follow_up_checkins(list(by_workspace), since=now - FOLLOW_UP_MARGIN)
        self._advance(name, since, until, now)
        return report

    def _follow_up_checkins(self, workspace_ids: Sequence[int], *, since: datetime) -> None:
        """Do for check-ins typed while this tick was building what each does itself
        for messages already out: update the digest, say the prompt is answered.

        Those check-ins found the tick's rows not yet written and left them alone;
        now they are in, and each follow-up goes after the message it updates.
        """
        for ws_id in workspace_ids:
            with self.sessions.begin() as session:
                workspace = workspaces.get_workspace(session=session, workspace_id=ws_id)
                assert workspace is not None
                # A check-in's week is its owner's local week: around `since` in any zone.
                weeks = [week_of(since + timedelta(days=d), "UTC") for d in (-1, 0, 1)]
                for member_id, at in rhythm_repo.members_checked_in_since(
                    session=session, workspace_id=ws_id, since=since, weeks=weeks
                ):
                    member = workspaces.get_member(
                        session=session, workspace_id=ws_id, member_id=member_id
                    )
                    if member is None:
                        continue
                    ctx = self._member_context(session, workspace, member, now=at)
                    deliveries = followups.after_checkin(ctx)
                    if deliveries:
                        self._enqueue(
                            session,
                            workspace_id=ws_id,
                            platform=workspace.platform,
                            workspace=workspace.external_id,
                            deliveries=deliveries,
                            only_new=True,
                        )

    def _advance(self, name: str, since: datetime | None, until: datetime, now: datetime) -> None:
        """Move the watermark from `since` to `until`, unless another process moved it first."""
        with self.sessions.begin() as session:
            state = schedule.get_state(session=session, name=name, lock=True)
            assert state is not None
            if state.watermark != since:
                log.info(
                    "the %s watermark moved to %s while this tick ran; leaving it there",
                    name,
                    state.watermark,
                )
                return
            schedule.advance_watermark(session=session, name=name, to=until, ticked_at=now)

    def trigger(
        self,
        *,
        moment: str,
        team: str,
        week: str | None = None,
        force: bool = False,
        platform: str | None = None,
        workspace: str | None = None,
    ) -> TriggerReport:
        """Write one team moment's deliveries to the outbox now, for the sender to post.

        A no-op for deliveries already in the outbox, unless `force`: then they
        are written again under new keys and posted again. Raises TriggerError
        with a message for the operator (unknown moment, team or week).
        """
        if moment not in rhythm.MOMENTS:
            raise TriggerError(
                f"there is no moment {moment!r}; the moments are {', '.join(rhythm.MOMENTS)}"
            )
        with self.sessions.begin() as session:
            workspace_id = self._workspace_id(session, platform, workspace)
            if workspace_id == -1:
                raise TriggerError(f"there is no workspace {workspace!r} on {platform}")
            found = self._team_named(session, team, workspace_id)
            assert found.id is not None
            if week is None:
                week = week_of(self.clock.now(), found.timezone)
            at = _moment_in_week(found, moment, week)
            due = rhythm.due_moments(
                session=session,
                since=at - timedelta(microseconds=1),
                until=at,
                workspace_id=found.workspace_id,
                team_id=found.id,
                moments=[moment],
            )
            deliveries = [item.delivery for item in due]
            report = TriggerReport(team=found.name, moment=moment, week=week, at=at)
            if force:
                again = uuid.uuid4().hex[:8]
                deliveries = [
                    replace(d, key=f"{d.key}:again-{again}")
                    if d.key is not None
                    and outbox.exists_key(
                        session=session, workspace_id=found.workspace_id, key=d.key
                    )
                    else d
                    for d in deliveries
                ]
            if deliveries:
                written = self._enqueue(
                    session,
                    workspace_id=found.workspace_id,
                    platform=deliveries[0].platform,
                    workspace=deliveries[0].workspace,
                    deliveries=deliveries,
                    only_new=True,
                )
                report.written = len(written)
            report.existing = len(deliveries) - report.written
            return report

    def _enqueue(
        self,
        session: Session,
        *,
        workspace_id: int,
        platform: str,
        workspace: str,
        deliveries: Sequence[Delivery],
        only_new: bool = False,
    ) -> list[Delivery]:
        """Write deliveries to the outbox, addressed to this workspace; the ones written.

        With `only_new`, the deliveries whose key was already there are left out
        of the result (they were written before); otherwise all are returned.
        """
        written: list[Delivery] = []
        for delivery in deliveries:
            addressed = replace(
                delivery,
                platform=delivery.platform or platform,
                workspace=delivery.workspace or workspace,
            )
            recipient = (
                ("user", addressed.to.user_id)
                if isinstance(addressed.to, ToUser)
                else ("channel", addressed.to.channel_id)
            )
            new = outbox.enqueue(
                session=session,
                workspace_id=workspace_id,
                platform=addressed.platform,
                messages=[
                    NewMessage(
                        recipient_kind=recipient[0],
                        recipient_id=recipient[1],
                        view=json.dumps(to_json(addressed.message), ensure_ascii=False),
                        key=addressed.key,
                        replaces=addressed.replaces,
                    )
                ],
                now=self.clock.now(),
            )
            if new or not only_new:
                written.append(addressed)
        return written

    def _workspace_id(
        self, session: Session, platform: str | None, workspace: str | None
    ) -> int | None:
        """The workspace's row id; None for every workspace, -1 when it does not exist."""
        if platform is None or workspace is None:
            return None
        found = workspaces.find_workspace(session=session, platform=platform, external_id=workspace)
        return found.id if found is not None and found.id is not None else -1

    def _team_named(self, session: Session, name: str, workspace_id: int | None) -> Team:
        if workspace_id is not None:
            teams = workspaces.list_teams(session=session, workspace_id=workspace_id)
        else:
            teams = workspaces.list_all_teams(session=session)
        wanted = name.strip().lstrip("#").casefold()
        matches = [t for t in teams if t.name.casefold() == wanted]
        if not matches:
            names = ", ".join(sorted({t.name for t in teams})) or "none yet"
            raise TriggerError(f"there is no team named {name!r}; the teams are: {names}")
        if len(matches) > 1:
            raise TriggerError(
                f"several workspaces have a team named {name!r}: name the workspace too"
            )
        return matches[0]

    def _context(self, session: Session, event: Event) -> Ctx:
        actor = event.actor
        workspace = workspaces.get_or_create_workspace(
            session=session,
            platform=actor.platform,
            external_id=actor.workspace_id,
            default_locale=self.default_locale,
            default_timezone=self.default_timezone,
        )
        assert workspace.id is not None
        member = workspaces.upsert_member(
            session=session,
            workspace_id=workspace.id,
            external_id=actor.user_id,
            display_name=g.clean_typed(actor.display_name),
            locale=negotiate(actor.locale) if actor.locale else None,
            timezone=actor.timezone,
        )
        return self._member_context(
            session,
            workspace,
            member,
            now=self.clock.now(),
            mentions=event.mentions if isinstance(event, Command) else {},
            channel_id=(
                event.channel_id if isinstance(event, Command) and not event.direct else None
            ),
        )

    def _member_context(
        self,
        session: Session,
        workspace: Workspace,
        member: Member,
        *,
        now: datetime,
        mentions: Mapping[str, MentionedUser] | None = None,
        channel_id: str | None = None,
    ) -> Ctx:
        assert workspace.id is not None and member.id is not None
        teams = workspaces.teams_of_member(
            session=session, workspace_id=workspace.id, member_id=member.id
        )
        return Ctx(
            session=session,
            workspace_id=workspace.id,
            member=member,
            now=now,
            tz=member_timezone(member, teams, workspace.default_timezone),
            tr=translator(negotiate(member.locale, workspace.default_locale)),
            mentions=mentions or {},
            workspace_locale=workspace.default_locale,
            cycle_kind=workspace.cycle_kind,
            channel_id=channel_id,
        )

    def _route(self, ctx: Ctx, event: Event) -> Outcome:
        if isinstance(event, Command):
            try:
                cmd: object = g.parse(event.text, today=ctx.today)
            except g.ParseError as error:
                return help.parse_error(ctx, error)
            outcome = ROUTES[type(cmd)](ctx, cmd)
            if isinstance(cmd, g.Checkin) and not _refused(outcome):
                outcome.deliveries.extend(followups.after_checkin(ctx))
            return outcome
        if isinstance(event, ButtonPressed):
            special = _ROUTED_BUTTONS.get(event.action)
            if special is not None:
                return special(ctx, event.value)
            cmd = _button_command(event)
            return ROUTES[type(cmd)](ctx, cmd)
        if isinstance(event, FormSubmitted):
            return self._form(ctx, event)
        if isinstance(event, HomeOpened):
            return home.home(ctx)
        raise TypeError(f"not an event: {event!r}")

    def _form(self, ctx: Ctx, event: FormSubmitted) -> Outcome:
        if event.form_id == checkin.FORM_ID:
            outcome = checkin.submit_form(ctx, event.values, event.context)
            if not _refused(outcome):
                outcome.deliveries.extend(followups.after_checkin(ctx))
            return outcome
        if event.form_id == changes.DECLINE_FORM:
            reason = event.values.get("reason")
            if isinstance(reason, list):
                reason = reason[0] if reason else None
            return changes.decline(ctx, event.context, reason or "")
        if event.form_id == "objective.new":
            return okrs.submit_new_objective(ctx, event.values)
        raise UserError("That form has expired. Type /okr to start again.")
