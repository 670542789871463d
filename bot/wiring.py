"""Builds the running process from Settings: the one place objects are wired."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.settings import Settings, SettingsError
from handlers.app import OkrApp
from handlers.clock import Clock, SystemClock
from storage import migrate
from storage.db import SessionFactory, make_engine

if TYPE_CHECKING:  # the process's parts load only for `okrbot run`, not for the trial
    from bot.http import Connection
    from bot.outbox import OutboxSender
    from bot.scheduler import Scheduler
    from bot.server import HttpServer


@dataclass(frozen=True, slots=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    app: OkrApp
    clock: Clock

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, *, clock: Clock | None = None, auto_upgrade: bool = False) -> Runtime:
    """Engine, schema check, sessions and the app, in that order.

    Raises storage.migrate.SchemaBehind (whose message names `okrbot db
    upgrade`) when the database is older than this code: starting anyway would
    fail later on a missing column, in the middle of someone's request.
    """
    engine = make_engine(settings.database_url)
    try:
        migrate.ensure_ready(engine=engine, auto_upgrade=auto_upgrade)
    except BaseException:
        engine.dispose()
        raise
    sessions = SessionFactory(engine)
    used_clock = clock if clock is not None else SystemClock()
    app = OkrApp(
        sessions=sessions,
        clock=used_clock,
        default_locale=settings.default_locale,
        default_timezone=settings.default_timezone,
        public_url=settings.public_url,
        okr_sync=settings.feishu_okr_sync and settings.feishu_app_id is not None,
    )
    return Runtime(settings=settings, engine=engine, sessions=sessions, app=app, clock=used_clock)


# --- the bot process (`okrbot run`) ------------------------------------------------

# Each platform's factory module, imported only when that platform is configured:
# `connect(settings, runtime)` returns a bot.http.Connection.
FACTORIES = {"slack": "bot.slack", "feishu": "bot.feishu"}
# Sent outbox rows recorded per transaction: a process killed outright may send
# again at most this many rows per worker (docs/operations.md).
MARK_BATCH = 10


@dataclass(frozen=True, slots=True)
class Process:
    """The parts `okrbot run` starts and stops, built but not yet started."""

    holder: str  # who this process is in leases and outbox claims
    connections: list[Connection]
    sender: OutboxSender
    scheduler: Scheduler
    server: HttpServer


def connections(settings: Settings, runtime: Runtime) -> list[Connection]:
    """The configured platform connections, each checked with its platform.

    Raises SettingsError naming the setting when a platform refuses the credentials.
    """
    from bot.testaids import RECORDED_PLATFORMS, RecordingConnection

    found: list[Connection] = []
    for platform in settings.platforms_configured:
        try:
            module = importlib.import_module(FACTORIES[platform])
        except ImportError as error:
            switch = "SLACK_BOT_TOKEN" if platform == "slack" else "FEISHU_APP_ID"
            raise SettingsError(
                f"{platform.capitalize()} is configured, but its connection could not be "
                f"loaded ({error}); reinstall okrbot, or unset {switch}"
            ) from None
        connection: Connection = module.connect(settings, runtime)
        connection.check()
        found.append(connection)
    if settings.test_recorder is not None:
        served = {c.platform for c in found}
        found.extend(
            RecordingConnection(
                platform, settings.test_recorder, seconds=settings.test_send_seconds
            )
            for platform in RECORDED_PLATFORMS
            if platform not in served
        )
    return found


def build_process(runtime: Runtime, *, host: str | None = None, port: int | None = None) -> Process:
    """Connections → outbox sender → scheduler → HTTP server with every route."""
    from bot import pages
    from bot.health import health_route
    from bot.http import Route
    from bot.outbox import OutboxSender, holder_name
    from bot.scheduler import Scheduler
    from bot.server import HttpServer
    from bot.web import build_web

    settings = runtime.settings
    holder = holder_name()
    connected = connections(settings, runtime)
    sender = OutboxSender(
        sessions=runtime.sessions,
        senders=[connection.sender() for connection in connected],
        clock=runtime.clock,
        holder=holder,
        # A killed process's claims come back to the others after one lease.
        claim_for=settings.lease,
        workers=settings.outbox_workers,
        mark_batch=MARK_BATCH,
        prepare=pages.prepare_outgoing,  # charts and pages become pictures before a platform sends them
    )
    scheduler = Scheduler(
        app=runtime.app,
        sessions=runtime.sessions,
        clock=runtime.clock,
        holder=holder,
        tick_seconds=settings.tick_seconds,
        lease_for=settings.lease,
        catch_up=settings.catch_up,
        on_ticked=sender.wake,
        retention=timedelta(days=settings.retention_days) if settings.retention_days else None,
    )
    routes: dict[str, Route] = {
        "/healthz": health_route(sessions=runtime.sessions, clock=runtime.clock, holder=holder)
    }
    for connection in connected:
        for path, route in connection.routes().items():
            if path in routes:
                raise SettingsError(f"two connections both want to serve {path}")
            routes[path] = route
    web = build_web(settings, runtime)
    server = HttpServer(
        host=host if host is not None else settings.host,
        port=port if port is not None else settings.port,
        routes=routes,
        pages=web.asgi() if web is not None else None,
    )
    return Process(
        holder=holder, connections=connected, sender=sender, scheduler=scheduler, server=server
    )
