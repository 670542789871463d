"""The clock path: what happens when the clock moves.

`ClockPath.tick` turns the moments that fell due since the stored watermark
into outbox rows and moves the watermark; `trigger` writes one team moment
now, for an operator; `run_due` lists a window's deliveries without writing
them. `OkrApp` is their public face.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.clock import Clock
from handlers.deliveries import enqueue
from handlers.links import NO_LINKS, PageLinks
from handlers.moments import followups, planner
from handlers.okr.weeks import next_occurrence, parse_week_key, week_of, week_start
from handlers.usecases.context import member_context
from handlers.views import Delivery
from storage.db import SessionFactory
from storage.models import Team
from storage.repos import outbox, schedule, workspaces
from storage.repos import rhythm as rhythm_repo

log = logging.getLogger(__name__)

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


def moment_in_week(team: Team, moment: str, week: str) -> datetime:
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


class ClockPath:
    """Writes the rhythm's moments to the outbox as the clock moves."""

    def __init__(
        self, *, sessions: SessionFactory, clock: Clock, links: PageLinks = NO_LINKS
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.links = links

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
        with self.sessions.begin(mostly_reads=True) as session:
            workspace_id = None
            if platform is not None and workspace is not None:
                found = workspaces.find_workspace(
                    session=session, platform=platform, external_id=workspace
                )
                if found is None:
                    return []
                workspace_id = found.id
            return planner.due_deliveries(
                session=session,
                since=since,
                until=until,
                workspace_id=workspace_id,
                links=self.links,
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
        with self.sessions.read() as session:
            found = schedule.get_state(session=session, name=name)
        if found is None:
            with self.sessions.begin() as session:
                schedule.ensure_state(session=session, name=name)
        now = self.clock.now()
        # On SQLite a write transaction holds the one write lock from its start, and
        # every command would wait for the build; this one takes it only if it writes
        # (a cycle's first day creates its row).
        with self.sessions.begin(mostly_reads=True) as session:
            state = schedule.get_state(session=session, name=name)
            assert state is not None
            since = state.watermark
            workspace_id = self._workspace_id(session, platform, workspace)
            if since is None or until <= since or workspace_id == -1:
                due = []
            else:
                due = planner.due_moments(
                    session=session,
                    since=since,
                    until=until,
                    workspace_id=workspace_id,
                    links=self.links,
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
                        enqueue(
                            session,
                            workspace_id=ws_id,
                            platform=chunk[0].platform,
                            workspace=chunk[0].workspace,
                            deliveries=chunk,
                            only_new=True,
                            now=self.clock.now(),
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
                    ctx = member_context(session, workspace, member, now=at, links=self.links)
                    deliveries = followups.after_checkin(ctx)
                    if deliveries:
                        enqueue(
                            session,
                            workspace_id=ws_id,
                            platform=workspace.platform,
                            workspace=workspace.external_id,
                            deliveries=deliveries,
                            only_new=True,
                            now=self.clock.now(),
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
        if moment not in planner.MOMENTS:
            raise TriggerError(
                f"there is no moment {moment!r}; the moments are {', '.join(planner.MOMENTS)}"
            )
        with self.sessions.begin() as session:
            workspace_id = self._workspace_id(session, platform, workspace)
            if workspace_id == -1:
                raise TriggerError(f"there is no workspace {workspace!r} on {platform}")
            found = self._team_named(session, team, workspace_id)
            assert found.id is not None
            if week is None:
                week = week_of(self.clock.now(), found.timezone)
            at = moment_in_week(found, moment, week)
            due = planner.due_moments(
                session=session,
                since=at - timedelta(microseconds=1),
                until=at,
                workspace_id=found.workspace_id,
                team_id=found.id,
                moments=[moment],
                links=self.links,
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
                written = enqueue(
                    session,
                    workspace_id=found.workspace_id,
                    platform=deliveries[0].platform,
                    workspace=deliveries[0].workspace,
                    deliveries=deliveries,
                    only_new=True,
                    now=self.clock.now(),
                )
                report.written = len(written)
            report.existing = len(deliveries) - report.written
            return report

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
