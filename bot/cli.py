"""The `okrbot` command: the bot, the terminal trial, and the operators' upkeep.

    okrbot                       `okrbot run` when Slack or Feishu is configured, else the trial
    okrbot run [--host H] [--port P]
                                 the bot: connections, scheduler, sender, HTTP server
    okrbot web --trial [--port P]
                                 the web view over the trial's data, with a sign-in link
    okrbot console [--demo] ...  talk to the bot in this terminal
    okrbot db upgrade | current  bring the schema up to date, or show where it is
    okrbot status                what the bot will send next, and how sending goes
    okrbot workspaces            every workspace: platform, name, install state, what it holds
    okrbot trigger MOMENT --team NAME [--week 2026-W49] [--force]
                                 queue a team's moment now, for the running bot to send
    okrbot outbox retry          send the messages that were given up on again
    (--workspace NAME or PLATFORM:ID keeps any of these to one workspace)
    okrbot import FILE [--dry-run]   import OKRs from a spreadsheet (or --from feishu-okr)
    okrbot export [--format xlsx]    export OKRs and their history
    okrbot forget @PERSON | --workspace NAME
                                 remove a person's personal data, or a whole workspace

Every failure ends in one line on stderr and a non-zero exit: 2 for something
the operator must fix (settings, schema, arguments), 1 for anything else.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.console.demo import EXTERNAL_ID as DEMO_WORKSPACE
from bot.console.demo import TIMEZONE as DEMO_TIMEZONE
from bot.console.demo import seed_demo
from bot.console.repl import Console, resume_clock
from bot.console.repl import clock_name as console_clock_name
from bot.settings import DEFAULT_DATABASE_URL, LOCALES, Settings, SettingsError, load_settings
from bot.wiring import build
from handlers.app import OkrApp, TriggerError
from handlers.clock import Clock, ManualClock, SystemClock
from handlers.moments import planner
from handlers.okr.weeks import next_occurrence
from storage import migrate
from storage.db import SessionFactory, make_engine
from storage.models import InstallState, OutboxMessage
from storage.repos import installs, outbox, schedule, workspaces

# The trial's own database, in the current directory: trying the bot must never
# write demo data into the database DATABASE_URL names.
TRIAL_DATABASE = "okrbot-trial.db"
TRIAL_LOG = "okrbot-trial.log"
CONSOLE_LOG = "okrbot-console.log"
TRIAL_IMAGES = "okrbot-trial-images"  # where the terminal saves the pictures it is sent
CONSOLE_IMAGES = "okrbot-console-images"
TRIAL_OPENS = time(9, 0)  # the demo's clock opens on this week's Monday at this hour
_NOW_HELP = "start the trial's clock at the real time, not this week's Monday 09:00"
CONSOLE_WORKSPACE = "console"  # the workspace of `okrbot console` without --demo

EXIT_FIX_SETUP = 2


class CliError(Exception):
    """A problem the person running the command can fix; shown as one line."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse has printed usage or --version; report its code instead of exiting.
        return exit_.code if isinstance(exit_.code, int) else EXIT_FIX_SETUP
    settings: Settings | None = None
    try:
        settings = load_settings()
        if args.command == "db":
            return _db(args, settings)
        if args.command in OPERATOR_COMMANDS:
            return _operate(args, settings)
        if args.command == "run":
            return _run(settings, host=args.host, port=args.port)
        if args.command == "web":
            return _web(settings, trial=args.trial, port=args.port)
        if args.command == "console":
            return _console(
                settings,
                demo=args.demo,
                handle=args.handle,
                database_url=args.database_url,
                lang=args.lang,
                fresh=args.fresh,
                now=args.now,
            )
        return _default(settings, now=args.now)
    except (SettingsError, CliError, migrate.SchemaBehind, migrate.SchemaUnknown) as error:
        _fail(str(error))
        return EXIT_FIX_SETUP
    except SQLAlchemyError as error:
        _fail(f"the database could not be used: {_first_line(error)}")
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except Exception as error:
        if settings is not None and settings.log_level == "DEBUG":
            raise
        _fail(
            f"unexpected {type(error).__name__}: {_first_line(error)} "
            "(LOG_LEVEL=DEBUG shows the traceback)"
        )
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okrbot",
        description="Run a team's OKR rhythm in chat. Without a command: the terminal trial.",
    )
    parser.add_argument("--version", action="version", version=f"okrbot {_version()}")
    parser.add_argument("--now", action="store_true", help=_NOW_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    console = commands.add_parser("console", help="talk to the bot in this terminal")
    console.add_argument(
        "--demo",
        action="store_true",
        help=f"start in Demo Co., a workspace with sample OKRs (kept in ./{TRIAL_DATABASE})",
    )
    console.add_argument(
        "--as",
        dest="handle",
        metavar="HANDLE",
        help="who you are at the start (demo: alice, or chen with --lang zh)",
    )
    console.add_argument("--database-url", metavar="URL", help="use this database")
    console.add_argument(
        "--lang", choices=LOCALES, help="the language your terminal reports, like a chat app's"
    )
    console.add_argument(
        "--fresh", action="store_true", help="delete the trial database and start over"
    )
    console.add_argument("--now", action="store_true", help=_NOW_HELP)

    db = commands.add_parser("db", help="database schema upkeep")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    for name, text in (
        ("upgrade", "apply the migrations this okrbot needs"),
        ("current", "show the schema revision the database is at"),
    ):
        action = db_commands.add_parser(name, help=text)
        action.add_argument("--database-url", metavar="URL", help="instead of DATABASE_URL")
    _add_operator_commands(commands)
    _add_run_command(commands)
    web = commands.add_parser(
        "web", help="the web view alone: --trial serves it over the trial's database"
    )
    web.add_argument(
        "--trial",
        action="store_true",
        help=f"over ./{TRIAL_DATABASE}, signed in as the demo's Alice",
    )
    web.add_argument(
        "--port", metavar="PORT", type=_port, default=8000, help="(default 8000; 0: any)"
    )
    return parser


def _default(settings: Settings, *, now: bool = False) -> int:
    """Plain `okrbot`: the bot when a platform is configured, the trial otherwise."""
    if settings.platforms_configured:
        return _run(settings)
    return _console(settings, demo=True, now=now)


# --- the bot process ------------------------------------------------------------


def _add_run_command(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="run the bot: the platform connections, the scheduler, the sender, the HTTP server",
    )
    run.add_argument("--host", metavar="HOST", help="listen here instead of OKRBOT_HOST")
    run.add_argument(
        "--port", metavar="PORT", type=_port, help="listen here instead of OKRBOT_PORT (0: any)"
    )


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def _run(settings: Settings, *, host: str | None = None, port: int | None = None) -> int:
    from bot.run import run  # the server and the scheduler load only for `okrbot run`

    return run(settings, host=host, port=port)


def _web(settings: Settings, *, trial: bool, port: int) -> int:
    """`okrbot web --trial`: the pages over the trial's data, on 127.0.0.1 only, with a
    one-time sign-in link as Alice (the pages let you switch to the demo's others)."""
    if not trial:
        raise CliError(
            "the web view is served by `okrbot run` (set OKRBOT_WEB_SECRET and the sign-in "
            "settings); `okrbot web --trial` serves it over the terminal trial's demo"
        )
    import secrets
    import threading

    from bot.server import HttpServer
    from bot.web import TrialAccess, build_web

    url = f"sqlite:///{TRIAL_DATABASE}"
    settings = settings.model_copy(update={"database_url": url})
    _upgrade_trial_database(url)
    runtime = build(settings, clock=_operator_clock(url, trial=True), auto_upgrade=True)
    try:
        clock = runtime.clock
        with runtime.sessions.begin() as session:
            demo = seed_demo(
                session=session, now=clock.now(), default_locale=settings.default_locale
            )
            alice = workspaces.find_member(
                session=session, workspace_id=demo.workspace_id, name="alice"
            )
            assert alice is not None and alice.id is not None
            access = TrialAccess(workspace_id=demo.workspace_id, member_id=alice.id)
        web = build_web(settings, runtime, secret=secrets.token_urlsafe(32), trial=access)
        assert web is not None
        server = HttpServer(host="127.0.0.1", port=port, routes={}, pages=web.asgi())
        server.start()
        try:
            base = f"http://127.0.0.1:{server.port}"
            print(f"The web view of the trial is at {base}/ (this computer only).")
            print(f"Sign in as Alice (once): {base}/signin/trial/{access.new_link_token()}")
            print("Ctrl-C stops it.", flush=True)
            threading.Event().wait()
        finally:
            server.stop()
    finally:
        runtime.close()
    return 0


# --- the terminal trial -----------------------------------------------------


def _console(
    settings: Settings,
    *,
    demo: bool,
    handle: str | None = None,
    database_url: str | None = None,
    lang: str | None = None,
    fresh: bool = False,
    now: bool = False,
) -> int:
    trial = demo and database_url is None and settings.database_url == DEFAULT_DATABASE_URL
    if fresh:
        if not trial:
            raise CliError(
                f"--fresh only resets the trial database ./{TRIAL_DATABASE} "
                "(okrbot console --demo with the default DATABASE_URL); it never deletes yours"
            )
        _delete_trial_database()
    url = f"sqlite:///{TRIAL_DATABASE}" if trial else (database_url or settings.database_url)
    settings = settings.model_copy(update={"database_url": url})
    start, on_monday = _trial_start(settings, demo=demo, now=now)
    clock = ManualClock(start)
    log_file = logging.FileHandler(TRIAL_LOG if trial else CONSOLE_LOG, encoding="utf-8")
    # The terminal is the chat window: logs, tracebacks included, go to a file.
    with _logging_to(log_file, settings.log_level):
        if trial:
            _upgrade_trial_database(url)
        # A brand-new SQLite file is migrated on the spot; anything else must be current.
        runtime = build(settings, clock=clock, auto_upgrade=True)
        try:
            # The trial's time is stored with its data: a restart continues where it stopped.
            resume_clock(
                app=runtime.app,
                clock=clock,
                workspace=DEMO_WORKSPACE if demo else CONSOLE_WORKSPACE,
            )
            resumed = False
            if demo:
                workspace, handle, resumed = _enter_demo(
                    runtime.sessions, clock, handle=handle, lang=lang, settings=settings
                )
            else:
                workspace, handle = CONSOLE_WORKSPACE, (handle or "me").lstrip("@")
            console = Console(
                app=runtime.app,
                sessions=runtime.sessions,
                clock=clock,
                workspace=workspace,
                handle=handle,
                stdin=sys.stdin,
                stdout=sys.stdout,
                color=sys.stdout.isatty(),
                locale=lang,
                default_locale=settings.default_locale,
                default_timezone=settings.default_timezone,
                log_path=log_file.baseFilename,
                trial_database=f"./{TRIAL_DATABASE}" if trial else None,
                resumed=resumed,
                opened_on_monday=on_monday and not resumed,
                image_dir=Path(TRIAL_IMAGES if trial else CONSOLE_IMAGES),
            )
            return console.run()
        finally:
            runtime.close()


def _trial_start(settings: Settings, *, demo: bool, now: bool) -> tuple[datetime, bool]:
    """Where the console's clock starts, and whether that is this week's Monday morning.

    The demo walks through a week in order, so it opens on this week's Monday at
    09:00 in the demo's zone, whatever the day: the Wednesday cut-off has not
    passed and the week's plan is still open. `--now` opens it at the real time.
    """
    if settings.console_start is not None:
        return settings.console_start, False
    real = _real_clock(settings).now().replace(second=0, microsecond=0)
    if not demo or now:
        return real, False
    return week_opening(real, DEMO_TIMEZONE), True


def week_opening(instant: datetime, timezone: str) -> datetime:
    """Monday 09:00 of the week `instant` falls in, in `timezone`, as UTC."""
    zone = ZoneInfo(timezone)
    local = instant.astimezone(zone)
    monday = local.date() - timedelta(days=local.isoweekday() - 1)
    return datetime.combine(monday, TRIAL_OPENS, tzinfo=zone).astimezone(UTC)


def _real_clock(settings: Settings) -> Clock:
    """The real time; a test aid's file clock stands in for it when set."""
    if settings.test_clock_file is not None:
        from bot.testaids import FileClock

        return FileClock(settings.test_clock_file)
    return SystemClock()


def _enter_demo(
    sessions: SessionFactory,
    clock: ManualClock,
    *,
    handle: str | None,
    lang: str | None,
    settings: Settings,
) -> tuple[str, str, bool]:
    """Seed Demo Co. unless it is there: the workspace, who acts, and whether it was there."""
    with sessions.begin() as session:
        demo = seed_demo(
            session=session, now=clock.now(), default_locale=lang or settings.default_locale
        )
    who = (handle or ("chen" if lang == "zh" else "alice")).lstrip("@＠")
    if who not in demo.handles:
        known = ", ".join(f"@{h}" for h in demo.handles)
        raise CliError(f"there is no @{who} in the demo; try one of {known}")
    return demo.external_id, who, not demo.created


def _delete_trial_database() -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(TRIAL_DATABASE + suffix).unlink(missing_ok=True)


def _upgrade_trial_database(url: str) -> None:
    """Bring the trial's own database to head, whatever revision it was left at."""
    engine = make_engine(url)
    try:
        if migrate.pending(engine=engine):
            migrate.upgrade(engine=engine)
    finally:
        engine.dispose()


@contextmanager
def _logging_to(handler: logging.Handler, level: str) -> Iterator[None]:
    """Route the root logger to `handler` while a command runs, and undo it after."""
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


# --- database upkeep ----------------------------------------------------------


def _db(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(args.database_url or settings.database_url)
    try:
        with _logging_to(logging.StreamHandler(sys.stderr), settings.log_level):
            if args.db_command == "upgrade":
                return _db_upgrade(engine)
            return _db_current(engine)
    finally:
        engine.dispose()


def _db_upgrade(engine: Engine) -> int:
    where = _describe(engine)
    before = migrate.current_revision(engine=engine)
    if not migrate.pending(engine=engine):
        print(f"{where} is already at revision {before}, the newest this okrbot knows.")
        return 0
    migrate.upgrade(engine=engine)
    after = migrate.current_revision(engine=engine)
    print(f"Upgraded {where} from {before or 'an empty schema'} to revision {after}.")
    return 0


def _db_current(engine: Engine) -> int:
    where = _describe(engine)
    current = migrate.current_revision(engine=engine)
    head = migrate.head_revision()
    if migrate.pending(engine=engine):
        state = "has no schema yet" if current is None else f"is at revision {current}"
        print(f"{where} {state}; this okrbot needs revision {head}: run `okrbot db upgrade`.")
    else:
        print(f"{where} is at revision {current}, the newest this okrbot knows: up to date.")
    return 0


def _describe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


# --- operators: status, trigger, outbox retry -----------------------------------

OPERATOR_COMMANDS = ("status", "workspaces", "trigger", "outbox", "import", "export", "forget")
_SHOWN_ROWS = 5


def _add_operator_commands(commands: Any) -> None:
    def where(command: argparse.ArgumentParser) -> None:
        command.add_argument("--database-url", metavar="URL", help="instead of DATABASE_URL")
        command.add_argument(
            "--trial", action="store_true", help=f"the terminal trial's ./{TRIAL_DATABASE}"
        )

    def scoped(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
        command.add_argument(
            "--workspace",
            metavar="NAME",
            help="only this workspace (its name, its id or PLATFORM:ID, e.g. slack:T0123)",
        )
        where(command)
        return command

    status = commands.add_parser(
        "status", help="next moments per team, the scheduler, the outbox and the last deliveries"
    )
    scoped(status)
    scoped(
        commands.add_parser(
            "workspaces",
            help="every workspace: platform, name, when installed or uninstalled, what it holds",
        )
    )
    trigger = commands.add_parser(
        "trigger", help="queue a team's moment (plan, checkin, digest) now, for the bot to send"
    )
    trigger.add_argument("moment", metavar="MOMENT", help=", ".join(planner.MOMENTS))
    trigger.add_argument("--team", required=True, metavar="NAME", help="the team's name")
    trigger.add_argument(
        "--week", metavar="WEEK", help="an ISO week such as 2026-W49 (default: this week)"
    )
    trigger.add_argument(
        "--force", action="store_true", help="send it again even if it was sent already"
    )
    trigger.add_argument(
        "--workspace",
        metavar="NAME",
        help="the team's workspace, when several have a team of that name "
        "(its name, its id or PLATFORM:ID, e.g. slack:T0123)",
    )
    where(trigger)
    from bot.transfer.commands import add_commands

    add_commands(commands, where)
    box = commands.add_parser("outbox", help="the messages waiting to be sent")
    box_commands = box.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    scoped(box_commands.add_parser("retry", help="send the messages given up on (dead) again"))


def _operate(args: argparse.Namespace, settings: Settings) -> int:
    if args.trial and args.database_url:
        raise CliError("use --trial or --database-url, not both")
    url = (
        f"sqlite:///{TRIAL_DATABASE}"
        if args.trial
        else (args.database_url or settings.database_url)
    )
    if args.trial and not Path(TRIAL_DATABASE).exists():
        if args.command != "import":
            raise CliError(
                f"there is no trial database ./{TRIAL_DATABASE} here: run `okrbot` first"
            )
        _start_trial(settings, url)
    settings = settings.model_copy(update={"database_url": url})
    # These commands answer on stdout; progress chatter (migrations checked) stays out of it.
    level = "WARNING" if settings.log_level == "INFO" else settings.log_level
    with _logging_to(logging.StreamHandler(sys.stderr), level):
        runtime = build(settings, clock=_operator_clock(url, trial=args.trial))
        try:
            if args.command in ("import", "export", "forget"):
                return _transfer(args, runtime.sessions, settings, runtime.clock)
            scope = _scope(runtime.sessions, args.workspace, settings)
            if args.command == "status":
                return _status(runtime.sessions, runtime.clock.now(), url, scope)
            if args.command == "workspaces":
                return _workspaces(runtime.sessions, settings, scope)
            if args.command == "trigger":
                return _trigger(runtime.app, args, scope)
            return _outbox_retry(runtime.sessions, runtime.clock.now(), scope)
        finally:
            runtime.close()


def _transfer(
    args: argparse.Namespace, sessions: SessionFactory, settings: Settings, clock: Clock
) -> int:
    from bot.transfer import commands

    try:
        if args.command == "import":
            return commands.run_import(args, sessions=sessions, settings=settings, clock=clock)
        if args.command == "export":
            return commands.run_export(args, sessions=sessions, settings=settings, clock=clock)
        return commands.run_forget(args, sessions=sessions, settings=settings)
    except commands.CommandError as error:
        raise CliError(str(error)) from None


def _start_trial(settings: Settings, url: str) -> None:
    """A fresh trial database with Demo Co. in it, for `okrbot import --trial` on a new install."""
    _upgrade_trial_database(url)
    engine = make_engine(url)
    try:
        clock = ManualClock(
            settings.console_start or SystemClock().now().replace(second=0, microsecond=0)
        )
        with SessionFactory(engine).begin() as session:
            seed_demo(session=session, now=clock.now(), default_locale=settings.default_locale)
    finally:
        engine.dispose()


def _operator_clock(url: str, *, trial: bool) -> Clock:
    """The trial lives at its own stored time; everything else at the real one."""
    if not trial:
        return SystemClock()
    engine = make_engine(url)
    try:
        with SessionFactory(engine).begin() as session:
            stopped_at = schedule.read_watermark(
                session=session, name=console_clock_name(DEMO_WORKSPACE)
            )
    finally:
        engine.dispose()
    return ManualClock(stopped_at) if stopped_at is not None else SystemClock()


@dataclass(frozen=True, slots=True)
class _Scope:
    """The one workspace `--workspace` named."""

    id: int
    platform: str
    external_id: str
    label: str


def _scope(sessions: SessionFactory, name: str | None, settings: Settings) -> _Scope | None:
    """The workspace `--workspace` names (its name, its id or PLATFORM:ID); None without one."""
    if not name:
        return None
    from bot.transfer.commands import CommandError, pick_workspace
    from handlers.i18n import translator

    with sessions.read() as session:
        try:
            ws = pick_workspace(session, name, translator(settings.default_locale))
        except CommandError as error:
            raise CliError(str(error)) from None
    assert ws.id is not None
    label = f"{ws.name or ws.external_id} ({ws.platform}:{ws.external_id})"
    return _Scope(ws.id, ws.platform, ws.external_id, label)


def _trigger(app: OkrApp, args: argparse.Namespace, scope: _Scope | None) -> int:
    platform = scope.platform if scope else None
    workspace = scope.external_id if scope else None
    try:
        report = app.trigger(
            moment=args.moment.strip().lower(),
            team=args.team,
            week=args.week.strip().upper() if args.week else None,
            force=args.force,
            platform=platform,
            workspace=workspace,
        )
    except TriggerError as error:
        raise CliError(str(error)) from None
    what = f"the {report.moment} of team {report.team} for week {report.week}"
    if report.written:
        plural = "delivery" if report.written == 1 else "deliveries"
        them = "it" if report.written == 1 else "them"
        print(f"Queued {report.written} {plural} of {what}; the running bot sends {them}.")
    elif report.existing:
        print(
            f"{what[0].upper()}{what[1:]} is already in the outbox "
            f"({report.existing} {'delivery' if report.existing == 1 else 'deliveries'}): "
            "nothing written. Add --force to send it again."
        )
    else:
        print(
            f"{what[0].upper()}{what[1:]} has nothing to send "
            "(a holiday, everyone away or done, or no channel or manager to post to)."
        )
    return 0


def _outbox_retry(sessions: SessionFactory, now: datetime, scope: _Scope | None) -> int:
    with sessions.begin() as session:
        count = outbox.requeue_dead(
            session=session, now=now, workspace_id=scope.id if scope else None
        )
    where = f" in {scope.label}" if scope else ""
    if count:
        noun = "message" if count == 1 else "messages"
        print(f"Requeued {count} dead {noun}{where}; the running bot sends them now.")
    else:
        print(f"No dead messages{where}: nothing to retry.")
    return 0


def _status(sessions: SessionFactory, now: datetime, url: str, scope: _Scope | None) -> int:
    lines = [f"okrbot status · {make_url(url).render_as_string(hide_password=True)}"]
    if scope is not None:
        lines[0] += f" · {scope.label} only"
    with sessions.begin() as session:
        lines.append("")
        lines.extend(_scheduler_lines(session, now))
        lines.extend(_terminal_clock_lines(session))
        lines.append("")
        lines.extend(_moment_lines(session, now, scope))
        lines.append("")
        lines.extend(_outbox_lines(session, scope))
        lines.append("")
        lines.extend(_workspace_lines(session, retention_days=None, scope=scope))
    print("\n".join(lines))
    return 0


def _workspaces(sessions: SessionFactory, settings: Settings, scope: _Scope | None) -> int:
    with sessions.begin() as session:
        lines = _workspace_lines(session, retention_days=settings.retention_days, scope=scope)
    print("\n".join(lines))
    return 0


def _workspace_lines(
    session: Session, *, retention_days: int | None, scope: _Scope | None = None
) -> list[str]:
    """One line per workspace: where, which, since when installed (or not), what it holds.

    With `retention_days` (okrbot workspaces), an uninstalled workspace says when
    its data goes: the date, or that it is kept until `okrbot forget`.
    """
    found = installs.overview(
        session=session, workspace_ids=[scope.id] if scope is not None else None
    )
    if not found:
        return ["Workspaces: none yet (one appears at its first request, or its install)."]
    lines = [f"Workspaces: {len(found)}"]
    for one in found:
        ws = one.workspace
        since = ws.install_state_at or ws.created_at
        if ws.install_state == InstallState.UNINSTALLED.value:
            state = f"uninstalled {_when(since)}"
            if retention_days:
                state += f", forgotten after {_when(since + timedelta(days=retention_days))}"
            elif retention_days is not None:
                state += ", kept until `okrbot forget --workspace`"
        else:
            state = f"installed {_when(since)}"
        box = one.outbox
        lines.append(
            f"  {ws.platform} {ws.external_id} · {ws.name or '(no name)'} · {state}"
            f" · {one.members} members, {one.teams} teams"
            f" · outbox {box['pending']} pending, {box['parked']} parked, {box['dead']} dead"
        )
    return lines


def _when(instant: datetime | None, tz: str = "UTC") -> str:
    if instant is None:
        return "never"
    return f"{instant.astimezone(ZoneInfo(tz)):%a %d %b %Y %H:%M} {tz}"


def _scheduler_lines(session: Session, now: datetime) -> list[str]:
    state = schedule.get_state(session=session, name=schedule.RHYTHM)
    if state is None or state.last_tick_at is None:
        return ["Scheduler: has not ticked yet (`okrbot run` starts it)."]
    ago = int((now - state.last_tick_at).total_seconds())
    lines = [f"Scheduler: last tick {_when(state.last_tick_at)} ({ago} s ago)"]
    lines.append(f"  moments are queued up to {_when(state.watermark)}")
    if state.holder:
        lease = _when(state.lease_until)
        lines.append(f"  held by {state.holder}, lease until {lease}")
    return lines


def _terminal_clock_lines(session: Session) -> list[str]:
    prefix = console_clock_name("")
    return [
        f"Terminal clock of {state.name.removeprefix(prefix)}: {_when(state.watermark)}"
        for state in schedule.list_states(session=session, prefix=prefix)
    ]


def _moment_lines(session: Session, now: datetime, scope: _Scope | None) -> list[str]:
    teams = workspaces.list_all_teams(session=session)
    if scope is not None:
        teams = [team for team in teams if team.workspace_id == scope.id]
    if not teams:
        return ["Next moments: no teams yet."]
    lines = ["Next moments:"]
    names: dict[int, str] = {}
    for team in sorted(teams, key=lambda t: (t.workspace_id, t.name.casefold())):
        if team.workspace_id not in names:
            ws = workspaces.get_workspace(session=session, workspace_id=team.workspace_id)
            names[team.workspace_id] = (
                f"{ws.name or ws.external_id} ({ws.platform})" if ws is not None else "?"
            )
        moments = []
        for moment in planner.MOMENTS:
            at = next_occurrence(
                after=now,
                weekday=getattr(team, f"{moment}_weekday"),
                hhmm=getattr(team, f"{moment}_time"),
                tz=team.timezone,
            )
            moments.append(f"{moment} {at.astimezone(ZoneInfo(team.timezone)):%a %d %b %H:%M}")
        lines.append(
            f"  {names[team.workspace_id]} · {team.name} ({team.timezone}): {', '.join(moments)}"
        )
    return lines


def _outbox_lines(session: Session, scope: _Scope | None) -> list[str]:
    only = scope.id if scope is not None else None
    counts = outbox.counts(session=session, workspace_id=only)
    lines = [
        "Outbox: "
        + ", ".join(f"{counts[state]} {state}" for state in ("pending", "sending", "sent", "dead"))
    ]
    if counts["parked"]:
        lines.append(
            f"  {counts['parked']} parked: their workspace removed the app; "
            "they go out when it is installed again"
        )
    dead = outbox.recent(session=session, states=["dead"], limit=_SHOWN_ROWS, workspace_id=only)
    if dead:
        lines.append("  given up on (`okrbot outbox retry` sends them again):")
        lines.extend(
            f"    {_row(row)} after {row.attempts} attempts: {row.last_error or '?'}"
            for row in dead
        )
    waiting = outbox.recent(
        session=session, states=["pending"], limit=_SHOWN_ROWS, workspace_id=only
    )
    failing = [row for row in waiting if row.last_error]
    if failing:
        lines.append("  retrying:")
        lines.extend(
            f"    {_row(row)} next try {_when(row.next_attempt_at)}: {row.last_error}"
            for row in failing
        )
    sent = outbox.recent(session=session, states=["sent"], limit=_SHOWN_ROWS, workspace_id=only)
    lines.append("Last deliveries:" if sent else "Last deliveries: none yet.")
    lines.extend(f"  {_when(row.sent_at)}  {_row(row)}" for row in sent)
    return lines


def _row(row: OutboxMessage) -> str:
    return f"{row.platform} {row.recipient_kind} {row.recipient_id} · {row.key}"


# --- small helpers --------------------------------------------------------------


def _version() -> str:
    try:
        return metadata.version("okrbot")
    except metadata.PackageNotFoundError:
        # Run from a source checkout that was never installed: read the project file.
        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            with pyproject.open("rb") as file:
                return str(tomllib.load(file)["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _fail(message: str) -> None:
    print(f"okrbot: {message}", file=sys.stderr)
