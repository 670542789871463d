"""The `okrbot` command: the terminal trial, and the database's upkeep.

    okrbot                       the trial (when no Slack/Feishu token is set)
    okrbot console [--demo] ...  talk to the bot in this terminal
    okrbot db upgrade | current  bring the schema up to date, or show where it is

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
from importlib import metadata
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.console.repl import Console
from bot.settings import DEFAULT_DATABASE_URL, LOCALES, Settings, SettingsError, load_settings
from bot.wiring import build
from handlers.clock import ManualClock, SystemClock
from handlers.demo import seed_demo
from storage import migrate
from storage.db import SessionFactory, make_engine

# The trial's own database, in the current directory: trying the bot must never
# write demo data into the database DATABASE_URL names.
TRIAL_DATABASE = "okrbot-trial.db"
TRIAL_LOG = "okrbot-trial.log"
CONSOLE_LOG = "okrbot-console.log"
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
        if args.command == "console":
            return _console(
                settings,
                demo=args.demo,
                handle=args.handle,
                database_url=args.database_url,
                lang=args.lang,
                fresh=args.fresh,
            )
        return _default(settings)
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

    db = commands.add_parser("db", help="database schema upkeep")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    for name, text in (
        ("upgrade", "apply the migrations this okrbot needs"),
        ("current", "show the schema revision the database is at"),
    ):
        action = db_commands.add_parser(name, help=text)
        action.add_argument("--database-url", metavar="URL", help="instead of DATABASE_URL")
    return parser


def _default(settings: Settings) -> int:
    platforms = settings.platforms_configured
    if platforms:
        names = " and ".join(name.capitalize() for name in platforms)
        _fail(
            f"{names} {'is' if len(platforms) == 1 else 'are'} configured, but the Slack and "
            "Feishu connections are not part of this release. "
            "Try the bot in this terminal with `okrbot console`."
        )
        return EXIT_FIX_SETUP
    return _console(settings, demo=True)


# --- the terminal trial -----------------------------------------------------


def _console(
    settings: Settings,
    *,
    demo: bool,
    handle: str | None = None,
    database_url: str | None = None,
    lang: str | None = None,
    fresh: bool = False,
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
    start = settings.console_start or SystemClock().now().replace(second=0, microsecond=0)
    clock = ManualClock(start)
    log_file = logging.FileHandler(TRIAL_LOG if trial else CONSOLE_LOG, encoding="utf-8")
    # The terminal is the chat window: logs, tracebacks included, go to a file.
    with _logging_to(log_file, settings.log_level):
        if trial:
            _upgrade_trial_database(url)
        # A brand-new SQLite file is migrated on the spot; anything else must be current.
        runtime = build(settings, clock=clock, auto_upgrade=True)
        try:
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
            )
            return console.run()
        finally:
            runtime.close()


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
