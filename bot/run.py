"""`okrbot run`: the long-lived bot process.

It starts what the settings configure, in this order: the database check and
the app (bot.wiring), each platform connection (checked with the platform
first, so a refused token stops the start with the setting's name), the HTTP
server (bound before anything else runs, so a taken port fails fast), the
outbox sender, the connections' receivers and the scheduler. SIGTERM or
SIGINT stops them in reverse within seconds: nothing new comes in, the
scheduler hands its lease back, the sender gives back the rows it claimed.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from bot.outbox import OutboxSender
from bot.scheduler import Scheduler
from bot.server import HttpServer
from bot.settings import Settings, SettingsError
from bot.testaids import FileClock
from bot.wiring import Runtime, build, build_process
from handlers.clock import Clock, SystemClock

log = logging.getLogger("okrbot.run")

EXIT_FIX_SETUP = 2
STOP_SECONDS = 10.0

NOTHING_CONFIGURED = (
    "no chat platform is configured, so there is nothing to run. For Slack set "
    "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode); for "
    "Feishu/Lark set FEISHU_APP_ID and FEISHU_APP_SECRET; in the environment or in .env "
    "(see .env.example and docs/operations.md). To try okrbot without a workspace: "
    "`okrbot console --demo`."
)


class NothingToRun(SettingsError):
    """No platform is configured."""


def run(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run until SIGTERM/SIGINT (or `stop` is set); the exit code.

    Raises SettingsError (a setting to fix, naming it) and the schema errors
    of storage.migrate; the CLI turns them into one line and exit code 2.
    """
    if not settings.platforms_configured and settings.test_recorder is None:
        raise NothingToRun(NOTHING_CONFIGURED)
    stop = stop if stop is not None else threading.Event()
    with _logging(settings.log_level), _stopping_on_signals(stop):
        runtime = build(settings, clock=_clock(settings))
        try:
            return _serve(runtime, host=host, port=port, stop=stop)
        finally:
            runtime.close()


def _clock(settings: Settings) -> Clock:
    if settings.test_clock_file is not None:
        log.warning(
            "test aid: the clock reads %s (OKRBOT_TEST_CLOCK_FILE)", settings.test_clock_file
        )
        return FileClock(settings.test_clock_file)
    return SystemClock()


def _serve(runtime: Runtime, *, host: str | None, port: int | None, stop: threading.Event) -> int:
    settings = runtime.settings
    if settings.test_recorder is not None:
        log.warning(
            "test aid: sends are recorded in %s (OKRBOT_TEST_RECORDER)", settings.test_recorder
        )
    bot = build_process(runtime, host=host, port=port)
    server, sender, scheduler = bot.server, bot.sender, bot.scheduler
    started: list[Any] = []
    try:
        server.start()
        started.append(server)
        log.info(
            "okrbot is serving on http://%s:%d (%s) as %s",
            server.host,
            server.port,
            ", ".join(server.app.paths),
            bot.holder,
        )
        sender.start()
        started.append(sender)
        for connection in bot.connections:
            connection.start()
            started.append(connection)
        scheduler.start()
        started.append(scheduler)
        log.info(
            "the scheduler ticks every %s s; platforms: %s",
            f"{settings.tick_seconds:g}",
            ", ".join(c.platform for c in bot.connections),
        )
        stop.wait()
        log.info("stopping")
    finally:
        _stop_all(started)
    log.info("stopped")
    return 0


def _stop_all(started: list[Any]) -> None:
    """Stop in reverse order of starting; each part gets its share of the 10 s."""
    for part in reversed(started):
        try:
            if isinstance(part, Scheduler | HttpServer | OutboxSender):
                part.stop(timeout=STOP_SECONDS / 4)
            else:
                part.stop()
        except Exception:
            log.exception("stopping %s failed", type(part).__name__)


@contextmanager
def _stopping_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop` (only the main thread may install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _logging(level: str) -> Iterator[None]:
    """The bot's log goes to stderr, one line per record."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    # Their INFO lines come every tick and every health check: noise for an operator.
    quiet = [logging.getLogger(name) for name in ("apscheduler", "alembic")]
    old_quiet = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(max(logging.WARNING, logging.getLevelName(level)))
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for logger, old in zip(quiet, old_quiet, strict=True):
            logger.setLevel(old)
