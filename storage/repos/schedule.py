"""Named clocks of the process (table scheduler_state): watermarks and the last tick.

"rhythm" is the scheduler's: every moment up to its watermark has been
turned into outbox rows. The terminal trial keeps its own clock in a row of
its own. The lease columns (holder, lease_until) belong to storage.repos.lease.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import SchedulerState

RHYTHM = "rhythm"


def get_state(*, session: Session, name: str, lock: bool = False) -> SchedulerState | None:
    """The row, or None; `lock` holds it until the transaction ends.

    SQLite has no FOR UPDATE: there a writing transaction holds the database's
    write lock from its start (storage.db, `BEGIN IMMEDIATE`), so the write that
    follows the read cannot fail because another connection wrote between.
    """
    stmt = select(SchedulerState).where(SchedulerState.name == name)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def list_states(*, session: Session, prefix: str = "") -> list[SchedulerState]:
    """The rows whose name starts with `prefix`, by name."""
    stmt = select(SchedulerState).where(col(SchedulerState.name).startswith(prefix))
    return list(session.exec(stmt.order_by(col(SchedulerState.name))))


def ensure_state(*, session: Session, name: str) -> None:
    """Create the row if it is missing, racing safely with another process doing the same."""
    table: Table = SchedulerState.__table__  # type: ignore[attr-defined]  # set by SQLModel
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(table).values(name=name).on_conflict_do_nothing())


def read_watermark(*, session: Session, name: str = RHYTHM) -> datetime | None:
    state = get_state(session=session, name=name)
    return state.watermark if state is not None else None


def advance_watermark(
    *, session: Session, to: datetime, name: str = RHYTHM, ticked_at: datetime | None = None
) -> None:
    """Set the watermark (never backwards) and, if given, when the tick ran."""
    ensure_state(session=session, name=name)
    current = read_watermark(session=session, name=name)
    values: dict[str, datetime] = {}
    if current is None or to > current:
        values["watermark"] = to
    if ticked_at is not None:
        values["last_tick_at"] = ticked_at
    if values:
        session.execute(
            update(SchedulerState).where(SchedulerState.name == name).values(**values)  # type: ignore[arg-type]  # a column
        )
        session.expire_all()
