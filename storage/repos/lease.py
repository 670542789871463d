"""Who runs the scheduler: a lease on a scheduler_state row, held by one process at a time.

Several bot processes may share a PostgreSQL database; only the lease's holder
ticks. Taking and renewing are one conditional UPDATE, so when two processes
try at once the database lets exactly one of them through. A holder that
stops renewing (killed, hung, cut off from the database) loses the lease when
`lease_until` passes, and the next process to try takes it over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col

from storage.models import SchedulerState
from storage.repos._util import insert_ignore


@dataclass(frozen=True, slots=True)
class LeaseState:
    holder: str | None
    lease_until: datetime | None
    last_tick_at: datetime | None
    watermark: datetime | None


def take_lease(
    *, session: Session, name: str, holder: str, now: datetime, lease: timedelta
) -> bool:
    """Take or renew the lease until `now + lease`; False while another holder's is running."""
    insert_ignore(session, SchedulerState, {"name": name})
    result = session.execute(
        update(SchedulerState)
        .where(
            col(SchedulerState.name) == name,
            or_(
                col(SchedulerState.holder).is_(None),
                col(SchedulerState.holder) == holder,
                col(SchedulerState.lease_until).is_(None),
                col(SchedulerState.lease_until) <= now,
            ),
        )
        .values(holder=holder, lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def release_lease(*, session: Session, name: str, holder: str) -> bool:
    """Give the lease up at once (a clean stop), so another process need not wait it out."""
    result = session.execute(
        update(SchedulerState)
        .where(col(SchedulerState.name) == name, col(SchedulerState.holder) == holder)
        .values(holder=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def read_lease(*, session: Session, name: str) -> LeaseState | None:
    row = session.get(SchedulerState, name, populate_existing=True)
    if row is None:
        return None
    return LeaseState(
        holder=row.holder,
        lease_until=row.lease_until,
        last_tick_at=row.last_tick_at,
        watermark=row.watermark,
    )
