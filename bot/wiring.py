"""Builds the running process from Settings: the one place objects are wired."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.settings import Settings
from handlers.app import OkrApp
from handlers.clock import Clock, SystemClock
from storage import migrate
from storage.db import SessionFactory, make_engine


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
    )
    return Runtime(settings=settings, engine=engine, sessions=sessions, app=app, clock=used_clock)
