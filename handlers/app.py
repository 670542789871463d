"""The product's single entry point for adapters and the scheduler.

`OkrApp` joins the two sides of `handlers/`: the command path
(`handlers.dispatch`, what happens when someone types) and the clock path
(`handlers.moments.ticker`, what happens when the clock moves). An adapter
knows this class and the neutral events and views, nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.clock import Clock
from handlers.dispatch import CommandPath
from handlers.events import Event
from handlers.links import PageLinks
from handlers.moments.ticker import TERMINAL, ClockPath, TickReport, TriggerError, TriggerReport
from handlers.views import Delivery, Outcome
from storage.db import SessionFactory
from storage.repos import schedule

__all__ = ["OkrApp", "TickReport", "TriggerError", "TriggerReport"]


class OkrApp:
    """Handles neutral events and produces scheduled deliveries.

    Adapters call `handle` for every inbound event; the scheduler (or the
    terminal trial when its clock moves) calls `tick`, which writes the
    rhythm's moments that fell due since its watermark to the outbox.
    `run_due` lists a window's deliveries without writing them; `trigger`
    writes one team moment now, for an operator.
    """

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        clock: Clock,
        default_locale: str = "en",
        default_timezone: str = "UTC",
        public_url: str | None = None,
        okr_sync: bool = False,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.default_locale = default_locale
        self.default_timezone = default_timezone
        # Messages link to the web view's pages when people can reach it.
        self.links = PageLinks(public_url)
        self.commands = CommandPath(
            sessions=sessions,
            clock=clock,
            default_locale=default_locale,
            default_timezone=default_timezone,
            links=self.links,
            okr_sync=okr_sync,
        )
        self.moments = ClockPath(sessions=sessions, clock=clock, links=self.links)

    @property
    def okr_sync(self) -> bool:
        """Whether check-ins on key results from Feishu OKR are written back there."""
        return self.commands.okr_sync

    @okr_sync.setter
    def okr_sync(self, on: bool) -> None:
        self.commands.okr_sync = on

    def handle(self, event: Event) -> Outcome:
        """Handle one event in one transaction; a platform retry of it is a no-op."""
        return self.commands.handle(event)

    def run_due(
        self,
        *,
        since: datetime,
        until: datetime,
        platform: str | None = None,
        workspace: str | None = None,
    ) -> list[Delivery]:
        """The deliveries of the moments due in (since, until], unwritten (see `ClockPath`)."""
        return self.moments.run_due(
            since=since, until=until, platform=platform, workspace=workspace
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
        """Write the moments in (watermark, until] to the outbox (see `ClockPath.tick`)."""
        return self.moments.tick(
            until=until,
            catch_up=catch_up,
            name=name,
            platform=platform,
            workspace=workspace,
            own_clocks=own_clocks,
        )

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
        """Write one team moment's deliveries now (see `ClockPath.trigger`)."""
        return self.moments.trigger(
            moment=moment,
            team=team,
            week=week,
            force=force,
            platform=platform,
            workspace=workspace,
        )
