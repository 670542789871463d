"""The rhythm's one job: every OKRBOT_TICK_SECONDS, the lease holder ticks.

APScheduler runs a single interval job in a background thread. Each run
takes or renews the lease on the "rhythm" row (storage.repos.lease); only
while holding it does the process call `OkrApp.tick`, which turns the
moments that fell due since the watermark into outbox rows, and then wakes
the sender; then it forgets the workspaces uninstalled for longer than
OKRBOT_RETENTION_DAYS. A process that loses the lease simply stops ticking; one whose
holder died takes over once the lease runs out. The tick itself stays
exactly-once even when two processes overlap (it locks the watermark row
and delivery keys are unique), so the lease is about not doing the work
twice, not about correctness.

Leases are measured on the wall clock; the moments on the app's clock (the
same one in production; a test may move the app's clock by hours in a second).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from handlers.app import OkrApp, TickReport
from handlers.clock import Clock, SystemClock
from handlers.transfer import forgetting
from storage.db import SessionFactory
from storage.repos import lease, schedule

log = logging.getLogger(__name__)

JOB_ID = "okrbot-tick"


@dataclass(slots=True)
class TickOutcome:
    held: bool
    report: TickReport | None = None


class Scheduler:
    """One interval job that ticks the rhythm while this process holds the lease."""

    def __init__(
        self,
        *,
        app: OkrApp,
        sessions: SessionFactory,
        clock: Clock,
        holder: str,
        tick_seconds: float,
        lease_for: timedelta,
        catch_up: timedelta | None,
        on_ticked: Callable[[], object] = lambda: None,
        wall: Clock | None = None,
        retention: timedelta | None = None,
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.clock = clock
        self.holder = holder
        self.tick_seconds = tick_seconds
        self.lease_for = lease_for
        self.catch_up = catch_up
        self.on_ticked = on_ticked
        # Uninstalled workspaces are forgotten after this long (None: kept until an operator acts).
        self.retention = retention
        self.wall = wall if wall is not None else SystemClock()
        self.holding = False
        self._scheduler: BackgroundScheduler | None = None
        self._idle = threading.Event()
        self._idle.set()

    def tick_once(self) -> TickOutcome:
        """Take or renew the lease, and tick if it is ours."""
        with self.sessions.begin() as session:
            held = lease.take_lease(
                session=session,
                name=schedule.RHYTHM,
                holder=self.holder,
                now=self.wall.now(),
                lease=self.lease_for,
            )
        if held != self.holding:
            if held:
                log.info("took the scheduler lease as %s", self.holder)
            else:
                log.info("another process holds the scheduler lease; not ticking")
            self.holding = held
        if not held:
            return TickOutcome(held=False)
        report = self.app.tick(until=self.clock.now(), catch_up=self.catch_up)
        if report.written:
            log.info(
                "tick %s..%s: %d deliveries due, %d new",
                report.since.isoformat(),
                report.until.isoformat(),
                report.due,
                report.written,
            )
        self.on_ticked()
        if self.retention is not None:
            self.forget_expired()
        return TickOutcome(held=True, report=report)

    def forget_expired(self) -> int:
        """Forget the workspaces uninstalled longer than the retention period; how many."""
        assert self.retention is not None
        with self.sessions.begin() as session:
            gone = forgetting.forget_expired(
                session=session, now=self.clock.now(), retention=self.retention
            )
            for workspace in gone:
                log.info(
                    "forgot %s workspace %s: uninstalled since %s, longer than %s",
                    workspace.platform,
                    workspace.external_id,
                    workspace.install_state_at,
                    self.retention,
                )
        return len(gone)

    def _job(self) -> None:
        self._idle.clear()
        try:
            self.tick_once()
        except Exception:
            # The database may be down: the next run tries again; the lease runs out meanwhile.
            log.exception("the scheduler's tick failed; trying again at the next one")
        finally:
            self._idle.set()

    def start(self) -> None:
        """Run the job now and then every `tick_seconds`, in a background thread."""
        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.add_job(
            self._job,
            "interval",
            seconds=self.tick_seconds,
            id=JOB_ID,
            coalesce=True,
            max_instances=1,
            # A tick late because the process was busy is still wanted, once.
            misfire_grace_time=max(60, int(self.tick_seconds * 10)),
            next_run_time=self.wall.now(),
        )
        scheduler.start()
        self._scheduler = scheduler

    def stop(self, timeout: float = 5.0) -> None:
        """Stop ticking, wait for a running tick, and hand the lease back."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if not self._idle.wait(timeout):
            log.warning("a tick was still running after %.1f s; stopping anyway", timeout)
        try:
            with self.sessions.begin() as session:
                released = lease.release_lease(
                    session=session, name=schedule.RHYTHM, holder=self.holder
                )
        except Exception:
            log.exception("could not hand the scheduler lease back; it runs out by itself")
            return
        if released:
            log.info("handed the scheduler lease back")
        self.holding = False
