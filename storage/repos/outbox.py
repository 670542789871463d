"""The outbox: messages written with the change that caused them, sent afterwards.

A row moves pending -> sending (claimed by one sender until `claimed_until`)
-> sent, or back to pending with a later `next_attempt_at` after a failure,
or to dead after the last attempt. A claim that expires (its sender died) makes
the row claimable again. Rows to one recipient are sent in the order they were
written: a row is not claimed while an earlier row to the same recipient still
waits.

A row is *in doubt* (`doubt_since` set) while an earlier attempt may have
reached the platform unrecorded: a claim taken over after it expired (its
sender died or hung), or a send that failed in a way that may have gone
through. The sender asks the platform before sending such a row again. A row
also keeps how far a message of several calls got (`platform_ref` once its
post arrived, `steps_done` for the calls after it) while it is not yet sent.
Every function that changes a claimed row takes the claim's `holder`: a sender
changes only the rows it holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, case, exists, func, or_, update
from sqlalchemy import select as sql_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import InstallState, OutboxMessage, OutboxState, Workspace

PENDING, SENDING, SENT, DEAD, PARKED = (s.value for s in OutboxState)
_ERROR_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class NewMessage:
    """One message to put in the outbox; `view` is the serialised neutral view (JSON text).

    Without a `key` the row gets a unique one of its own (it can never be a duplicate).
    """

    recipient_kind: str  # "user" | "channel" | "okr" (a key result in Feishu OKR)
    recipient_id: str
    view: str
    key: str | None = None
    replaces: str | None = None


def enqueue(
    *,
    session: Session,
    workspace_id: int,
    platform: str,
    messages: Sequence[NewMessage],
    now: datetime,
) -> int:
    """Insert one row per message; a key already in the workspace's outbox is skipped.

    Rows for a workspace that uninstalled the app are written parked
    (storage.repos.installs). Returns how many rows were new.
    """
    return sum(
        enqueue_each(
            session=session,
            workspace_id=workspace_id,
            platform=platform,
            messages=messages,
            now=now,
        )
    )


def enqueue_each(
    *,
    session: Session,
    workspace_id: int,
    platform: str,
    messages: Sequence[NewMessage],
    now: datetime,
) -> list[bool]:
    """`enqueue`, telling for each message whether its row was new (in the messages' order;
    of two messages with one key, the first is the one written).

    However many messages, two statements: the rows go in as one multi-row
    INSERT ... ON CONFLICT DO NOTHING, and those of an uninstalled workspace are
    then parked in the same transaction.
    """
    if not messages:
        return []
    rows: list[dict[str, Any]] = []
    for message in messages:
        if message.recipient_kind not in ("user", "channel", "okr"):
            raise ValueError(f"unknown recipient kind {message.recipient_kind!r}")
        rows.append(
            {
                "workspace_id": workspace_id,
                "platform": platform,
                "recipient_kind": message.recipient_kind,
                "recipient_id": message.recipient_id,
                "key": message.key or f"once:{uuid.uuid4().hex}",
                "replaces": message.replaces,
                "view": message.view,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    written = _insert_new(session, rows)
    if written:
        # Decided by the database after the rows are in, in their transaction: an
        # uninstall that committed before it parks them here, one after it parks them itself.
        session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(list(written.values())),
                col(OutboxMessage.state) == PENDING,
                _workspace_away(workspace_id),
            )
            .values(state=PARKED)
        )
    new: list[bool] = []
    for row in rows:
        new.append(written.pop(row["key"], None) is not None)
    return new


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """INSERT ... ON CONFLICT DO NOTHING for many rows at once: the new rows' ids by key.

    SQLAlchemy sends an executemany with RETURNING as multi-row INSERTs
    ("insertmanyvalues"), a thousand rows a statement, on SQLite and psycopg alike.
    """
    table: Table = OutboxMessage.__table__  # type: ignore[attr-defined]  # set by SQLModel
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported database: {dialect}")
    # RETURNING, not rowcount: an ORM session reports -1 rows for a Core insert on psycopg.
    found = session.execute(stmt.returning(table.c.key, table.c.id), rows).all()
    return {key: id_ for key, id_ in found}


def exists_key(*, session: Session, workspace_id: int, key: str) -> bool:
    stmt = select(OutboxMessage.id).where(
        OutboxMessage.workspace_id == workspace_id, OutboxMessage.key == key
    )
    return session.exec(stmt).first() is not None


def claim_due(
    *,
    session: Session,
    now: datetime,
    holder: str,
    limit: int,
    claim_for: timedelta,
    platforms: Sequence[str] | None = None,
) -> list[OutboxMessage]:
    """Claim up to `limit` rows that are due for `holder` until now + claim_for, fairly
    across workspaces: oldest first within each, in turn between them.

    Due: pending with `next_attempt_at` reached, or sending with an expired claim.
    Each workspace with rows due gets an equal share of the claim (the one
    waiting longest first); what a workspace leaves unused goes to those with
    more, so one workspace's backlog of thousands of DMs fills the sender only
    while no other workspace has anything due. The rows come back interleaved:
    every workspace's first row, then every workspace's second, and so on.
    On PostgreSQL the rows are locked with SKIP LOCKED, so concurrent senders
    claim disjoint rows. Commit the session to make the claim visible.
    """
    # Typed loosely: mypy reads a model attribute as its Python value, not as a column.
    row: Any = OutboxMessage
    earlier: Any = aliased(OutboxMessage)
    due = _due(row, now)
    # A row waits while an earlier row to the same recipient is unsent and not due itself.
    blocked = exists().where(
        earlier.workspace_id == row.workspace_id,
        earlier.platform == row.platform,
        earlier.recipient_kind == row.recipient_kind,
        earlier.recipient_id == row.recipient_id,
        earlier.id < row.id,
        col(earlier.state).in_((PENDING, SENDING)),
        ~_due(earlier, now),
    )
    claimable: list[Any] = [due, ~blocked]
    if platforms is not None:
        claimable.append(col(row.platform).in_(list(platforms)))
    locking = session.get_bind().dialect.name == "postgresql"

    def oldest(conditions: list[Any], count: int) -> list[OutboxMessage]:
        stmt = select(row).where(*claimable, *conditions).order_by(col(row.id)).limit(count)
        if locking:
            stmt = stmt.with_for_update(skip_locked=True, of=row)
        return list(session.exec(stmt))

    # The workspaces with rows due (the one whose oldest row waited longest first),
    # and how many each has. Counted without the recipient-order check, which would
    # cost a probe per due row: a row held back is still counted, so a share can come
    # back short, and what it leaves goes to the workspaces that filled theirs.
    counted: list[Any] = [due]
    if platforms is not None:
        counted.append(col(row.platform).in_(list(platforms)))
    waiting_workspaces = session.execute(
        sql_select(row.workspace_id, func.count())
        .where(*counted)
        .group_by(row.workspace_id)
        .order_by(func.min(row.id))
        .limit(limit)
    ).all()
    if not waiting_workspaces:
        return []
    shares = _shares(waiting_workspaces, limit)
    # `+ 0` keeps the planner on the id order, which stops after `share` rows: by the
    # workspace's index it would check and sort every one of a large backlog's rows.
    by_workspace = {
        workspace_id: oldest([row.workspace_id + 0 == workspace_id], share)
        for workspace_id, share in shares.items()
        if share > 0
    }
    short = limit - sum(len(rows) for rows in by_workspace.values())
    for workspace_id, rows in by_workspace.items():
        if short <= 0:
            break
        if rows and len(rows) == shares[workspace_id]:
            more = oldest(
                [row.workspace_id + 0 == workspace_id, col(row.id) > max(r.id or 0 for r in rows)],
                short,
            )
            rows.extend(more)
            short -= len(more)
    # In turn: each workspace's oldest row, then each one's next, and so on.
    ranked = [
        (rank, r.id, r)
        for rows in by_workspace.values()
        for rank, r in enumerate(sorted(rows, key=lambda r: r.id or 0))
    ]
    candidates = [r for _, _, r in sorted(ranked, key=lambda item: (item[0], item[1]))]
    if not candidates:
        return []
    # Another sender may hold an earlier row to the same recipient (skipped as
    # locked above): only rows whose every earlier unsent row is ours go out.
    ours = {r.id for r in candidates}
    # One query per workspace, platform and kind of recipient among the candidates: the
    # recipient index answers it with a probe per recipient, where a single query over
    # all of them would read every row below the newest candidate (a backlog's worth).
    groups: dict[tuple[int, str, str], list[OutboxMessage]] = {}
    for candidate in candidates:
        groups.setdefault(
            (candidate.workspace_id, candidate.platform, candidate.recipient_kind), []
        ).append(candidate)
    waiting = [
        found
        for (workspace_id, platform, kind), group in groups.items()
        for found in session.execute(
            sql_select(
                row.id, row.workspace_id, row.platform, row.recipient_kind, row.recipient_id
            ).where(
                row.workspace_id == workspace_id,
                row.platform == platform,
                row.recipient_kind == kind,
                col(row.recipient_id).in_(sorted({r.recipient_id for r in group})),
                col(row.id) < max(r.id or 0 for r in group),
                col(row.state).in_((PENDING, SENDING)),
            )
        ).all()
    ]
    claimed: list[OutboxMessage] = []
    held_back: set[tuple[int, str, str, str]] = set()
    first_unsent: dict[tuple[int, str, str, str], int] = {}
    for other_id, ws, platform, kind, recipient in waiting:
        if other_id not in ours:
            who = (ws, platform, kind, recipient)
            first_unsent[who] = min(first_unsent.get(who, other_id), other_id)
    for candidate in candidates:
        who = _recipient(candidate)
        assert candidate.id is not None
        if who in held_back or first_unsent.get(who, candidate.id + 1) < candidate.id:
            held_back.add(who)
            continue
        if candidate.state == SENDING and candidate.doubt_since is None:
            # Taken over from an expired claim: its sender may have sent it before it died.
            began = candidate.claimed_at
            if began is None and candidate.claimed_until is not None:
                began = candidate.claimed_until - claim_for
            candidate.doubt_since = began or candidate.created_at
        candidate.state = SENDING
        candidate.claimed_by = holder
        candidate.claimed_until = now + claim_for
        candidate.claimed_at = now
        session.add(candidate)
        claimed.append(candidate)
    session.flush()
    return claimed


def _shares(due: Sequence[Any], limit: int) -> dict[int, int]:
    """How many of a claim's `limit` rows each workspace gets, from (workspace, rows due):
    equal parts, and what a workspace cannot use goes to those with more."""
    shares: dict[int, int] = {}
    left = limit
    ordered = sorted(due, key=lambda found: found[1])  # the fewest due first
    for index, (workspace_id, count) in enumerate(ordered):
        shares[workspace_id] = min(count, left // (len(ordered) - index))
        left -= shares[workspace_id]
    return shares


def _due(row: Any, now: datetime) -> Any:
    return or_(
        and_(row.state == PENDING, row.next_attempt_at <= now),
        and_(row.state == SENDING, row.claimed_until < now),
    )


def _recipient(row: OutboxMessage) -> tuple[int, str, str, str]:
    return (row.workspace_id, row.platform, row.recipient_kind, row.recipient_id)


def _workspace_away(workspace_id: Any) -> Any:
    """SQL: the workspace (an id, or the outbox row's column) uninstalled the app."""
    return exists().where(
        col(Workspace.id) == workspace_id,
        col(Workspace.install_state) == InstallState.UNINSTALLED.value,
    )


def _waiting_state() -> Any:
    """What a row goes back to: pending, or parked while its workspace is uninstalled."""
    return case((_workspace_away(OutboxMessage.workspace_id), PARKED), else_=PENDING)


def _claimed(message_id: int, holder: str | None) -> list[Any]:
    conditions: list[Any] = [OutboxMessage.id == message_id, OutboxMessage.state == SENDING]
    if holder is not None:
        conditions.append(OutboxMessage.claimed_by == holder)
    return conditions


def _set(session: Session, conditions: list[Any], values: dict[str, Any]) -> bool:
    result = session.execute(update(OutboxMessage).where(*conditions).values(**values))
    return bool(getattr(result, "rowcount", 0))


def mark_sent(
    *,
    session: Session,
    message_id: int,
    ref: str,
    now: datetime,
    holder: str | None = None,
    note: str | None = None,
) -> bool:
    """Record the send and the platform's reference. False when the claim was lost.

    `note` stays as the row's last error: what of the message could not be
    sent after its post arrived (a chart upload that kept failing).
    """
    return _set(
        session,
        _claimed(message_id, holder),
        {
            "state": SENT,
            "platform_ref": ref,
            "sent_at": now,
            "attempts": OutboxMessage.attempts + 1,
            "claimed_by": None,
            "claimed_until": None,
            "claimed_at": None,
            "doubt_since": None,
            "last_error": note[:_ERROR_LIMIT] if note else None,
        },
    )


def mark_progress(
    *,
    session: Session,
    message_id: int,
    ref: str,
    steps: int,
    step_ref: str | None = None,
    holder: str | None = None,
) -> bool:
    """Record that a message's post arrived (`ref`) and `steps` calls after it went through.

    `step_ref` names the step under way, whose outcome a later attempt checks
    first. The row stays claimed; a later attempt resumes after these steps.
    False when the claim was lost.
    """
    return _set(
        session,
        _claimed(message_id, holder),
        {"platform_ref": ref, "steps_done": steps, "step_ref": step_ref, "doubt_since": None},
    )


@dataclass(frozen=True, slots=True)
class Sent:
    """A claimed row the platform accepted: its id, the platform's reference, and when."""

    message_id: int
    ref: str
    at: datetime
    note: str | None = None  # what of the message did not go through (see mark_sent)


def mark_sent_many(
    *, session: Session, sent: Sequence[Sent], holder: str | None = None
) -> list[int]:
    """Record many sends in the caller's transaction (all or none); the ids whose claim was lost."""
    lost: list[int] = []
    for item in sent:
        if not mark_sent(
            session=session,
            message_id=item.message_id,
            ref=item.ref,
            now=item.at,
            holder=holder,
            note=item.note,
        ):
            lost.append(item.message_id)
    return lost


def mark_retry(
    *,
    session: Session,
    message_id: int,
    error: str,
    next_attempt_at: datetime,
    holder: str | None = None,
    count_attempt: bool = True,
    doubt_since: datetime | None = None,
) -> bool:
    """Back to pending until `next_attempt_at`, noting the error (and the attempt, if made).

    With `doubt_since` the attempt may have reached the platform: the row is in
    doubt from then on (an earlier doubt is kept, it is the wider one).
    Parked instead when the workspace uninstalled the app meanwhile.
    """
    values: dict[str, Any] = {
        "state": _waiting_state(),
        "next_attempt_at": next_attempt_at,
        "last_error": error[:_ERROR_LIMIT],
        "claimed_by": None,
        "claimed_until": None,
        "claimed_at": None,
    }
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    if doubt_since is not None:
        values["doubt_since"] = func.coalesce(OutboxMessage.doubt_since, doubt_since)
    return _set(session, _claimed(message_id, holder), values)


def mark_dead(*, session: Session, message_id: int, error: str, holder: str | None = None) -> bool:
    """Give up on the row after its last attempt; `requeue_dead` brings it back.

    Parked instead when the workspace uninstalled the app: that is why it failed.
    """
    return _set(
        session,
        _claimed(message_id, holder),
        {
            "state": case((_workspace_away(OutboxMessage.workspace_id), PARKED), else_=DEAD),
            "last_error": error[:_ERROR_LIMIT],
            "attempts": OutboxMessage.attempts + 1,
            "claimed_by": None,
            "claimed_until": None,
        },
    )


def mark_parked(
    *, session: Session, message_id: int, error: str, holder: str | None = None
) -> bool:
    """Park the row: the platform refused the workspace (the app is gone from it)."""
    return _set(
        session,
        _claimed(message_id, holder),
        {
            "state": PARKED,
            "last_error": error[:_ERROR_LIMIT],
            "attempts": OutboxMessage.attempts + 1,
            "claimed_by": None,
            "claimed_until": None,
            "claimed_at": None,
        },
    )


def release(
    *,
    session: Session,
    holder: str,
    message_ids: Sequence[int] | None = None,
    keep: Sequence[int] = (),
) -> int:
    """Give back claims not acted on (a stopping sender), untouched and at once due.

    Rows in `keep` stay claimed: a send of theirs may still be in flight, so they
    come back only when the claim expires, in doubt.
    """
    conditions: list[Any] = [OutboxMessage.state == SENDING, OutboxMessage.claimed_by == holder]
    if message_ids is not None:
        conditions.append(col(OutboxMessage.id).in_(list(message_ids)))
    if keep:
        conditions.append(col(OutboxMessage.id).not_in(list(keep)))
    result = session.execute(
        update(OutboxMessage)
        .where(*conditions)
        .values(state=_waiting_state(), claimed_by=None, claimed_until=None, claimed_at=None)
    )
    return int(getattr(result, "rowcount", 0))


def find_ref(*, session: Session, workspace_id: int, key: str) -> str | None:
    """The platform's reference to the message sent under `key`, once it is sent."""
    stmt = select(OutboxMessage.platform_ref).where(
        OutboxMessage.workspace_id == workspace_id,
        OutboxMessage.key == key,
        OutboxMessage.state == SENT,
    )
    return session.exec(stmt).first()


def requeue_dead(*, session: Session, now: datetime, workspace_id: int | None = None) -> int:
    """Every dead row pending again with a fresh count of attempts; how many."""
    conditions: list[Any] = [OutboxMessage.state == DEAD]
    if workspace_id is not None:
        conditions.append(OutboxMessage.workspace_id == workspace_id)
    result = session.execute(
        update(OutboxMessage)
        .where(*conditions)
        .values(state=PENDING, attempts=0, next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0))


def counts(*, session: Session, workspace_id: int | None = None) -> dict[str, int]:
    """Rows by state; every state is present."""
    stmt = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    if workspace_id is not None:
        stmt = stmt.where(OutboxMessage.workspace_id == workspace_id)
    found = {state.value: 0 for state in OutboxState}
    for state, number in session.exec(stmt):
        found[state] = number
    return found


def recent(
    *,
    session: Session,
    states: Sequence[str],
    limit: int,
    workspace_id: int | None = None,
) -> list[OutboxMessage]:
    """The latest rows in these states, newest first."""
    stmt = select(OutboxMessage).where(col(OutboxMessage.state).in_(list(states)))
    if workspace_id is not None:
        stmt = stmt.where(OutboxMessage.workspace_id == workspace_id)
    stmt = stmt.order_by(
        func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at).desc(),
        col(OutboxMessage.id).desc(),
    ).limit(limit)
    return list(session.exec(stmt))


def get(*, session: Session, message_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)
