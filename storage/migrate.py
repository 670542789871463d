"""Schema migrations, driven from code so no alembic.ini is needed anywhere.

The bot checks the schema before it starts (``ensure_ready``) and
``okrbot db upgrade`` applies what is missing (``upgrade``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)
from storage.db import MIGRATIONS_DIR, analyze

UPGRADE_COMMAND = "okrbot db upgrade"


class SchemaBehind(RuntimeError):
    """The database lacks migrations this version of okrbot needs."""

    def __init__(self, *, current: str | None, head: str, database: str) -> None:
        self.current = current
        self.head = head
        where = "has no schema yet" if current is None else f"is at revision {current}"
        super().__init__(
            f"The database {database} {where}, but this okrbot needs revision {head}. "
            f"Run `{UPGRADE_COMMAND}` to bring it up to date."
        )


class SchemaUnknown(RuntimeError):
    """The database is at a revision this okrbot has never heard of."""

    def __init__(self, *, current: str, head: str, database: str) -> None:
        self.current = current
        self.head = head
        super().__init__(
            f"The database {database} is at revision {current}, which this okrbot "
            f"(newest revision {head}) does not know: it was probably migrated by a newer "
            "okrbot. Install that version, or point DATABASE_URL at another database."
        )


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    # Config values go through ConfigParser interpolation, where "%" is special.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def _describe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def upgrade(*, engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision``, then refresh the planner's statistics."""
    with engine.connect() as connection:
        command.upgrade(_config(connection), revision)
    # New indexes (and a database that never had statistics) need them to be chosen.
    analyze(engine)


def downgrade(*, engine: Engine, revision: str) -> None:
    """Revert migrations down to ``revision`` ("base" empties the schema)."""
    with engine.connect() as connection:
        command.downgrade(_config(connection), revision)


def current_revision(*, engine: Engine) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = _script().get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def pending(*, engine: Engine) -> bool:
    """Whether the database lacks migrations this code has."""
    current, head = _revisions(engine)
    return current != head


def ensure_current(*, engine: Engine) -> None:
    """Raise SchemaBehind, naming the fix, unless the database is at head."""
    current, head = _revisions(engine)
    if current != head:
        raise SchemaBehind(current=current, head=head, database=_describe(engine))


def _revisions(engine: Engine) -> tuple[str | None, str]:
    """The database's revision and the code's head; SchemaUnknown if the first is foreign."""
    current = current_revision(engine=engine)
    head = head_revision()
    if current is not None and current != head and not _is_known(current):
        raise SchemaUnknown(current=current, head=head, database=_describe(engine))
    return current, head


def _is_known(revision: str) -> bool:
    # Exact ids only: ScriptDirectory.get_revision would also accept a prefix.
    return any(script.revision == revision for script in _script().walk_revisions())


def ensure_ready(*, engine: Engine, auto_upgrade: bool) -> None:
    """Make sure the bot may start on this database.

    A brand-new SQLite file (no tables at all) is migrated on the spot when
    ``auto_upgrade`` is set, so a first trial needs no setup step. Anything
    else, including an empty PostgreSQL database, must be upgraded on purpose.
    """
    if auto_upgrade and engine.dialect.name == "sqlite" and not inspect(engine).get_table_names():
        upgrade(engine=engine)
        return
    ensure_current(engine=engine)


def schema_diff(*, engine: Engine) -> list[Any]:
    """Differences between the models and the database, as alembic reports them."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def new_revision(*, engine: Engine, message: str) -> None:
    """Autogenerate the next migration from the models (a developer tool).

    ``engine`` must point at a database upgraded to head: the new migration is
    whatever it takes to go from there to the models. Revision ids are numbered
    ("0002", "0003", ...) so the versions folder reads in order.
    """
    if not schema_diff(engine=engine):
        raise RuntimeError("the models match the database: there is nothing to generate")
    with engine.connect() as connection:
        generated = command.revision(
            _config(connection),
            message=message,
            autogenerate=True,
            rev_id=_next_revision_id(),
        )
    scripts = generated if isinstance(generated, list) else [generated]
    for script in scripts:
        if script is not None:
            _tidy(Path(script.path))


def _next_revision_id() -> str:
    head = head_revision()
    if not re.fullmatch(r"\d+", head):
        raise RuntimeError(f"head revision {head!r} is not a number: cannot derive the next id")
    return str(int(head) + 1).zfill(len(head))


def _tidy(path: Path) -> None:
    # Generated code is not laid out the way the linters want; fix it where
    # ruff is installed (the dev extra) so CI does not trip over a fresh file.
    beside_python = Path(sys.executable).with_name("ruff")
    ruff = str(beside_python) if beside_python.exists() else shutil.which("ruff")
    if ruff is None:
        return
    subprocess.run([ruff, "check", "--fix", "--quiet", str(path)], check=False)
    subprocess.run([ruff, "format", "--quiet", str(path)], check=False)
