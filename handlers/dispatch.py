"""The command path: what happens when someone types, presses a button or fills a form.

One event, one transaction: the event id is claimed (a platform's retry is a
no-op), the person and workspace are found or made, the command is parsed and
routed to its use case, and the use case's deliveries go to the outbox with
the change that caused them. A refused command leaves nothing half-written;
a failure answers politely and changes nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from handlers import grammar as g
from handlers.clock import Clock
from handlers.deliveries import enqueue
from handlers.events import ButtonPressed, Command, Event, FormSubmitted, HomeOpened, Installed
from handlers.i18n import negotiate, translator
from handlers.links import NO_LINKS, PageLinks
from handlers.moments import followups
from handlers.transfer import okr_sync
from handlers.usecases import (
    changes,
    checkin,
    collab,
    committee,
    drafting,
    feedback,
    help,
    home,
    okrs,
    plan,
    review,
    scores,
    settings,
    team,
    transfer,
    welcome,
)
from handlers.usecases.context import Ctx, UserError, member_context
from handlers.views import Delivery, FormErrors, Message, Outcome, Text
from storage.db import SessionFactory, is_duplicate, is_unavailable
from storage.repos import events, workspaces

log = logging.getLogger(__name__)

Handler = Callable[[Ctx, Any], Outcome]

# One use case per parsed command type.
ROUTES: dict[type, Handler] = {
    g.MyOkrs: lambda ctx, _: okrs.my_okrs(ctx),
    g.Help: lambda ctx, cmd: help.help_view(ctx, cmd.topic, cmd.unknown),
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
    g.ScoreQueue: lambda ctx, _: scores.show_queue(ctx),
    g.DraftStatus: drafting.status,
    g.DraftStart: drafting.start,
    g.DraftPropose: drafting.propose,
    g.DraftAddKR: drafting.add_kr,
    g.DraftVote: drafting.vote,
    g.DraftNext: drafting.next_round,
    g.DraftFinish: drafting.finish,
    g.DraftCancel: drafting.cancel,
    g.ReviewPack: review.pack,
    g.ReviewAgenda: review.agenda,
    g.ReviewAnswerForm: lambda ctx, _: review.answer_form(ctx),
    g.ReviewAnswer: review.answer,
    g.FeedbackShow: feedback.show,
    g.FeedbackAsk: feedback.ask,
    g.FeedbackGive: feedback.give,
    g.FeedbackList: lambda ctx, _: feedback.my_requests(ctx),
    g.CommitteeShow: committee.show,
    g.CommitteePropose: committee.propose,
    g.CommitteeConfirm: committee.confirm,
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
    g.SetTeamCycle: settings.set_team_cycle,
    g.SetTeamCommittee: settings.set_team_committee,
    g.SetScoreScale: settings.set_score_scale,
    g.Away: settings.away,
    g.AwayList: lambda ctx, _: settings.away_list(ctx),
    g.AwayCancel: lambda ctx, _: settings.away_cancel(ctx),
    g.Export: transfer.export_okrs,
    g.ImportHelp: transfer.import_help,
}


def _refused(outcome: Outcome) -> bool:
    return any(isinstance(reply, FormErrors) for reply in outcome.replies)


# Buttons answered by a use case straight from their value.
_ROUTED_BUTTONS: dict[str, Callable[[Ctx, str], Outcome]] = {
    "change.approve": changes.approve,
    "change.decline": changes.decline_form,
    "score.confirm": lambda ctx, value: okrs.score_confirm(ctx, ref_from_value(value)),
    "score.queue": lambda ctx, _: scores.show_queue(ctx),
    "draft.start": drafting.start_button,
    "draft.status": drafting.status_button,
    "draft.propose": drafting.propose_button,
    "draft.vote": drafting.vote_button,
    "draft.finish": drafting.finish_button,
    "draft.own": drafting.own_button,
    "review.answer": lambda ctx, _: review.answer_form(ctx),
    "feedback.ask": feedback.ask_button,
    "feedback.form": feedback.form_button,
    "committee.person": committee.person_button,
    "committee.propose": committee.propose_form,
    "committee.confirm": committee.confirm_button,
}

# Forms answered by a use case from their values and context.
_FORMS: dict[str, Callable[[Ctx, Any, str], Outcome]] = {
    drafting.PROPOSE_FORM: drafting.submit_proposal,
    review.FORM_ID: review.submit_answers,
    feedback.FORM_ID: feedback.submit,
    committee.PROPOSE_FORM: committee.submit_proposal,
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


class CommandPath:
    """Answers the events people cause; `OkrApp.handle` is its public face."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        clock: Clock,
        default_locale: str = "en",
        default_timezone: str = "UTC",
        links: PageLinks = NO_LINKS,
        okr_sync: bool = False,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.default_locale = default_locale
        self.default_timezone = default_timezone
        self.links = links
        # Check-ins on key results imported from Feishu OKR are written back there.
        self.okr_sync = okr_sync

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
                        outcome.deliveries = enqueue(
                            session,
                            workspace_id=ctx.workspace_id,
                            platform=event.actor.platform,
                            workspace=event.actor.workspace_id,
                            deliveries=outcome.deliveries,
                            now=self.clock.now(),
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
        return member_context(
            session,
            workspace,
            member,
            now=self.clock.now(),
            mentions=event.mentions if isinstance(event, Command) else {},
            channel_id=(
                event.channel_id if isinstance(event, Command) and not event.direct else None
            ),
            links=self.links,
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
                outcome.deliveries.extend(self._okr_progress(ctx))
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
        if isinstance(event, Installed):
            return welcome.installed(ctx, platform=event.actor.platform)
        raise TypeError(f"not an event: {event!r}")

    def _okr_progress(self, ctx: Ctx) -> list[Delivery]:
        return okr_sync.progress_records(ctx) if self.okr_sync else []

    def _form(self, ctx: Ctx, event: FormSubmitted) -> Outcome:
        if event.form_id == checkin.FORM_ID:
            outcome = checkin.submit_form(ctx, event.values, event.context)
            if not _refused(outcome):
                outcome.deliveries.extend(followups.after_checkin(ctx))
                outcome.deliveries.extend(self._okr_progress(ctx))
            return outcome
        if event.form_id == changes.DECLINE_FORM:
            reason = event.values.get("reason")
            if isinstance(reason, list):
                reason = reason[0] if reason else None
            return changes.decline(ctx, event.context, reason or "")
        if event.form_id == "objective.new":
            return okrs.submit_new_objective(ctx, event.values, event.context)
        submit = _FORMS.get(event.form_id)
        if submit is not None:
            return submit(ctx, event.values, event.context)
        raise UserError("That form has expired. Type /okr to start again.")
