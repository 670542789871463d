"""Fresh databases for tests, on SQLite or on PostgreSQL.

The whole suite runs on either database. By default every test gets its own
SQLite file; with OKRBOT_TEST_DATABASE=postgres and OKRBOT_TEST_POSTGRES_URL
set to a superuser URL (`bash .ci/run` starts a throwaway cluster and sets
both), every test gets its own PostgreSQL database instead.

Migrating for every test would cost most of the suite's time, so each run
migrates one template once and copies it: a file copy on SQLite,
`CREATE DATABASE ... TEMPLATE` on PostgreSQL. A test's databases are dropped
when it ends; the template when the run ends.
"""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from storage import migrate
from storage.db import make_engine

SQLITE, POSTGRES = "sqlite", "postgres"


def database_kind() -> str:
    kind = os.environ.get("OKRBOT_TEST_DATABASE", SQLITE).strip().lower() or SQLITE
    if kind not in (SQLITE, POSTGRES):
        raise RuntimeError(f"OKRBOT_TEST_DATABASE must be sqlite or postgres, not {kind!r}")
    return kind


def on_postgres() -> bool:
    return database_kind() == POSTGRES


def postgres_admin_url() -> str:
    """The superuser URL, with the psycopg 3 driver whatever the scheme says."""
    raw = os.environ.get("OKRBOT_TEST_POSTGRES_URL", "").strip()
    if not raw:
        raise RuntimeError(
            "OKRBOT_TEST_DATABASE=postgres needs OKRBOT_TEST_POSTGRES_URL, a superuser URL "
            "such as postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
    url = make_url(raw).set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


class Databases:
    """Hands out databases for one test run; `close()` drops whatever is left."""

    def __init__(self, workdir: Path) -> None:
        self.kind = database_kind()
        self.workdir = workdir
        self._tag = f"{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self._numbers = itertools.count(1)
        self._template: str | None = None  # a file path or a database name
        self._admin: Engine | None = None
        self._created: list[str] = []
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases")
        self._prepared: Future[str] | None = None
        self._lock = threading.Lock()

    # --- what tests ask for ---------------------------------------------------

    def migrated(self) -> str:
        """The URL of a new database at the newest schema revision."""
        template = self._ensure_template()
        if self.kind == SQLITE:
            path = self.workdir / f"db{next(self._numbers)}.db"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        # The copy takes the server a while: make the next test's while this one runs.
        if self._prepared is not None:
            ready = self._prepared.result()
        else:
            ready = self._create_postgres(template=template)
        self._prepared = self._background.submit(self._create_postgres, template=template)
        return ready

    def empty(self) -> str:
        """The URL of a new database with no tables at all."""
        if self.kind == SQLITE:
            return f"sqlite:///{self.workdir / f'db{next(self._numbers)}.db'}"
        return self._create_postgres(template=None)

    def drop(self, url: str) -> None:
        """Drop a database handed out earlier (a no-op for SQLite files: tmp dirs go away)."""
        if self.kind == SQLITE:
            return
        name = make_url(url).database
        with self._lock:
            assert name is not None and name in self._created
            self._created.remove(name)
        self._drop_postgres(name)

    def close(self) -> None:
        if self._prepared is not None:
            self._prepared.result()
        self._background.shutdown(wait=True)
        if self.kind == POSTGRES:
            for name in list(self._created):
                self._drop_postgres(name)
            self._created.clear()
            if self._template is not None:
                self._drop_postgres(self._template, template=True)
            if self._admin is not None:
                self._admin.dispose()

    # --- the machinery ----------------------------------------------------------

    def _ensure_template(self) -> str:
        if self._template is not None:
            return self._template
        if self.kind == SQLITE:
            path = self.workdir / "template.db"
            engine = make_engine(f"sqlite:///{path}")
            try:
                migrate.upgrade(engine=engine)
            finally:
                engine.dispose()
            self._template = str(path)
            return self._template
        name = f"okrbot_tpl_{self._tag}"
        self._admin_execute(f'CREATE DATABASE "{name}"')
        self._template = name
        engine = make_engine(self._url_of(name))
        try:
            migrate.upgrade(engine=engine)
        finally:
            # CREATE DATABASE ... TEMPLATE refuses while anyone is connected to it.
            engine.dispose()
        self._admin_execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        return name

    def _create_postgres(self, *, template: str | None) -> str:
        with self._lock:
            name = f"okrbot_t_{self._tag}_{next(self._numbers)}"
            self._created.append(name)
        suffix = f' TEMPLATE "{template}"' if template else ""
        self._admin_execute(f'CREATE DATABASE "{name}"{suffix}')
        return self._url_of(name)

    def _drop_postgres(self, name: str, *, template: bool = False) -> None:
        if template:
            self._admin_execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        # FORCE: a test that failed half-way may have left a connection open.
        self._admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _url_of(self, name: str) -> str:
        url = make_url(postgres_admin_url()).set(database=name)
        return url.render_as_string(hide_password=False)

    def _admin_execute(self, sql: str) -> None:
        with self._lock:
            if self._admin is None:
                self._admin = create_engine(
                    postgres_admin_url(), isolation_level="AUTOCOMMIT", pool_size=2
                )
        with self._admin.connect() as connection:
            connection.execute(text(sql))
