"""Engine and session factory, and the check that the schema is up to date."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    """Build an engine; SQLite gets foreign keys on, a busy timeout and, for files, WAL."""
    kwargs: dict[str, Any] = {"echo": echo}
    if database_url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        _ensure_sqlite_dir(database_url)
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        if engine.url.database not in (None, "", ":memory:"):
            event.listen(engine, "connect", _sqlite_wal)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "checkin", _sqlite_optimize_now_and_then)
    return engine


# SQLite plans from the statistics ANALYZE leaves; without them it takes any
# indexed column for selective and can walk a whole workspace. PostgreSQL's
# autovacuum keeps its own statistics fresh; SQLite has nothing of the kind, so
# each pooled connection runs PRAGMA optimize (which re-analyses only the tables
# whose statistics went stale) at most once per interval, when it is handed back.
OPTIMIZE_EVERY_SECONDS = 3600.0
# Rows ANALYZE samples per index: enough for good plans, bounded on big databases.
ANALYSIS_LIMIT = 1000


def analyze(engine: Engine) -> None:
    """Refresh the planner's statistics for every table (after migrations or bulk loads)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            raw = connection.connection.dbapi_connection
            assert raw is not None
            raw.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            raw.execute("ANALYZE")
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()


def _sqlite_optimize_now_and_then(dbapi_connection: Any, record: Any) -> None:
    now = time.monotonic()
    last = record.info.setdefault("optimized_at", now)
    if now - last >= OPTIMIZE_EVERY_SECONDS:
        record.info["optimized_at"] = now
        dbapi_connection.execute("PRAGMA optimize")


def _ensure_sqlite_dir(database_url: str) -> None:
    path = database_url.split("///", 1)[-1] if "///" in database_url else ""
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions lazily and never for a SAVEPOINT, so a savepoint
    # taken first (claiming an event id) would commit on release and survive an
    # outer rollback. Take over: no implicit transactions, an explicit BEGIN below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    cursor.close()


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    # Write-ahead logging: readers never wait for a writer, so the scheduler's
    # tick or the sender writing the outbox never holds up a person's command.
    # The mode is stored in the file; setting it again is a cheap no-op.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# Execution option of connections that only read (SessionFactory.read).
READ_ONLY = "okrbot_read_only"


def _sqlite_begin(connection: Any) -> None:
    # A transaction that writes takes the write lock when it begins. Begun
    # deferred, it would read first and then ask for the lock; if another
    # connection wrote in between, SQLite refuses at once with "database is
    # locked" (its snapshot is stale, waiting cannot help). Begun IMMEDIATE,
    # it waits for the lock within the busy timeout, so concurrent commands,
    # ticks and sends queue up instead of failing. Readers never wait (WAL).
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def set_sqlite_foreign_keys(connection: Connection, *, enabled: bool) -> None:
    """Turn SQLite's foreign keys on or off for this connection.

    SQLite ignores the pragma inside a transaction, so it goes straight to the
    driver connection, which runs it at once (no BEGIN is issued for it).
    """
    if connection.in_transaction():
        raise RuntimeError("foreign keys can only be switched outside a transaction")
    raw = connection.connection.dbapi_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached or used just now.

    Connection refused or lost, a server restarting, a SQLite file locked
    too long: the same request is likely to work a little later.
    """
    return isinstance(error, OperationalError | InterfaceError | DisconnectionError)


def is_duplicate(error: BaseException) -> bool:
    """Whether `error` is a uniqueness rule refusing a row (a name or key already taken,
    often by a request that raced this one)."""
    return isinstance(error, IntegrityError) and "unique" in str(error.orig).lower()


class SessionFactory:
    """Opens sessions on one engine; `with factory.begin() as s:` commits or rolls back.

    `read()` is for transactions that only read: on SQLite they do not wait for
    the write lock (on PostgreSQL the two are the same). `begin(mostly_reads=True)`
    is for a long read that may write a row or two (the tick's build, which may
    create a cycle): it takes the lock only at its first write, so it holds up
    nobody while it reads, but on SQLite that write fails if another connection
    wrote since it began (`is_unavailable`; the next try works).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = engine.execution_options(**{READ_ONLY: True})

    @contextmanager
    def read(self) -> Iterator[Session]:
        # Closing ends the transaction without expiring what was read.
        with Session(self._reader, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def begin(self, *, mostly_reads: bool = False) -> Iterator[Session]:
        engine = self._reader if mostly_reads else self.engine
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
