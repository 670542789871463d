"""Following whether the app is installed in each workspace, from the platform's signs.

The platform says when the app is removed (Slack's app_uninstalled, or the bot
token revoked): `gone` parks the workspace's outbox at once. There is no event
for coming back in a single-token setup, so any later sign of life counts: a
fresh event or request from that workspace (newer than the removal), checked
with the platform (`confirm`, e.g. Slack's auth.test with the token in use)
before the parked rows resume; and a token the platform accepts at start.

An install the platform reports itself (Slack's OAuth flow, Feishu's
app_open) is recorded by the adapter with `storage.repos.installs.installed`
and told here with `forget`, so the next sign is read afresh.

Each process remembers for `ttl` seconds that a workspace was found installed,
so the hot path reads the database at most once a while per workspace. The
state itself is in the database, shared by every replica: a replica that
learnt nothing of a removal still parks nothing wrongly (the outbox parks rows
by the stored state), and resumes at most `ttl` seconds late.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from handlers.clock import Clock
from storage.db import SessionFactory, is_unavailable
from storage.repos import installs

log = logging.getLogger(__name__)

INSTALLED_TTL_SECONDS = 30.0


class InstallWatch:
    """One platform's install state, as its adapter sees events go by."""

    def __init__(
        self,
        *,
        platform: str,
        sessions: SessionFactory,
        clock: Clock,
        confirm: Callable[[str], bool],
        ttl: float = INSTALLED_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        default_locale: str = "en",
        default_timezone: str = "UTC",
    ) -> None:
        # Signs are dated by the platform's clock (Slack's event_time), so is the removal:
        # `wall` dates a sign that has no date of its own. Rows resume due on `clock`.
        self.wall = wall
        self.platform = platform
        self.sessions = sessions
        self.clock = clock
        self.confirm = confirm
        self.ttl = ttl
        # What a workspace first seen here starts with (as the command path would make it).
        self.default_locale = default_locale
        self.default_timezone = default_timezone
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._fresh_until: dict[str, float] = {}
        self._granted: dict[str, tuple[str | None, str | None]] = {}

    def gone(self, workspace: str, *, at: datetime | None, why: str) -> None:
        """The platform removed the app from `workspace`: park its outbox now."""
        if not workspace:
            return
        with self._lock:
            self._fresh_until.pop(workspace, None)
        with self.sessions.begin() as session:
            change = installs.uninstall(
                session=session,
                platform=self.platform,
                external_id=workspace,
                at=at or self.wall(),
            )
        log.info(
            "%s workspace %s: %s; %d outbox rows parked until the app is back",
            self.platform,
            workspace,
            why,
            change.rows,
        )

    def gone_from_org(self, enterprise_id: str, *, at: datetime | None, why: str) -> None:
        """An org-wide install was removed: every workspace of the org known here goes."""
        with self.sessions.begin() as session:
            teams = [
                ws.external_id
                for ws in installs.of_enterprise(
                    session=session, platform=self.platform, enterprise_id=enterprise_id
                )
            ]
        for team in teams:
            self.gone(team, at=at, why=why)

    def forget(self, workspace: str) -> None:
        """Read the workspace's state afresh at its next sign (it was just installed)."""
        with self._lock:
            self._fresh_until.pop(workspace, None)

    def seen(
        self,
        workspace: str,
        *,
        at: datetime | None = None,
        app_id: str | None = None,
        enterprise_id: str | None = None,
    ) -> None:
        """An event or request from `workspace` at `at`: resume its outbox if it had been removed.

        The app and Slack org it came through are recorded on the workspace, once
        per process each (the outbox finds an org-wide install's token by its org).
        """
        if not workspace:
            return
        now = self._monotonic()
        try:
            if app_id or enterprise_id:
                self._note_grant(workspace, app_id, enterprise_id)
            with self._lock:
                if self._fresh_until.get(workspace, 0.0) > now:
                    return
            self._seen(workspace, at or self.wall(), now)
        except Exception as error:
            if not is_unavailable(error):
                raise
            # The event itself goes on and is answered (it meets the same outage);
            # the sign is taken again at the workspace's next event.
            log.warning(
                "could not check %s workspace %s's install: %s", self.platform, workspace, error
            )

    def _seen(self, workspace: str, at: datetime, now: float) -> None:
        with self.sessions.begin() as session:
            since = installs.uninstalled_since(
                session=session, platform=self.platform, external_id=workspace
            )
        if since is not None and at <= since:
            return  # a late retry of an event from before the removal: no sign
        if since is not None and self.confirm(workspace):
            with self.sessions.begin() as session:
                change = installs.reinstall(
                    session=session,
                    platform=self.platform,
                    external_id=workspace,
                    at=at,
                    now=self.clock.now(),
                )
            if change.changed:
                log.info(
                    "%s workspace %s has the app again: %d parked outbox rows resume",
                    self.platform,
                    workspace,
                    change.rows,
                )
                since = None
        with self._lock:
            # Installed, or still refused by the platform: either way, not asked again for a while.
            self._fresh_until[workspace] = now + self.ttl

    def _note_grant(self, workspace: str, app_id: str | None, enterprise_id: str | None) -> None:
        with self._lock:
            if self._granted.get(workspace) == (app_id, enterprise_id):
                return
        with self.sessions.begin() as session:
            installs.note_grant(
                session=session,
                platform=self.platform,
                external_id=workspace,
                app_id=app_id,
                enterprise_id=enterprise_id,
                default_locale=self.default_locale,
                default_timezone=self.default_timezone,
            )
        with self._lock:
            self._granted[workspace] = (app_id, enterprise_id)

    def accepted(self, workspace: str) -> None:
        """The platform accepted our token for `workspace` (at start): it is installed."""
        with self._lock:
            self._fresh_until.pop(workspace, None)
        with self.sessions.begin() as session:
            change = installs.reinstall(
                session=session,
                platform=self.platform,
                external_id=workspace,
                at=self.wall(),
                now=self.clock.now(),
            )
        if change.changed:
            log.info(
                "%s workspace %s accepts the bot's token again: %d parked outbox rows resume",
                self.platform,
                workspace,
                change.rows,
            )
