"""Whether the app is installed in a workspace, and the outbox rows parked meanwhile.

When a platform says the app was removed from a workspace (Slack's
app_uninstalled, or its bot token revoked), `uninstall` marks the workspace
and parks its unsent outbox rows at once: the sender never claims a parked
row, nothing is deleted, and rows written while the app is away are parked as
they are written (`storage.repos.outbox`). A later sign that the app is back
(`reinstall`: a fresh event or request from the workspace, or a token the
platform accepts again) makes the parked rows pending again, in their order.

The state is one column pair on the workspace, `install_state` and
`install_state_at` (see `storage.models.InstallState`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import InstallState, OutboxMessage, OutboxState, Workspace

INSTALLED, UNINSTALLED = InstallState.INSTALLED.value, InstallState.UNINSTALLED.value
PARKED, PENDING = OutboxState.PARKED.value, OutboxState.PENDING.value


@dataclass(frozen=True, slots=True)
class Change:
    """What `uninstall` or `reinstall` did: whether the state changed, and how many rows moved."""

    changed: bool
    rows: int = 0


def _find(session: Session, platform: str, external_id: str) -> Workspace | None:
    return session.exec(
        select(Workspace).where(
            Workspace.platform == platform, Workspace.external_id == external_id
        )
    ).first()


def uninstall(*, session: Session, platform: str, external_id: str, at: datetime) -> Change:
    """Mark the workspace uninstalled since `at` and park its pending rows.

    Rows being sent right now are left to their sender: a send that fails is
    parked instead of retried (`outbox.mark_retry`). A workspace never seen is
    left alone: it has nothing to park.
    """
    workspace = _find(session, platform, external_id)
    if workspace is None:
        return Change(changed=False)
    return _uninstall(session, workspace, at)


def uninstall_workspace(*, session: Session, workspace_id: int, at: datetime) -> Change:
    """`uninstall` by the workspace's row id (the sender, refused by the platform)."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        return Change(changed=False)
    return _uninstall(session, workspace, at)


def _uninstall(session: Session, workspace: Workspace, at: datetime) -> Change:
    if workspace.id is None:
        return Change(changed=False)
    changed = workspace.install_state != UNINSTALLED
    if changed:
        workspace.install_state = UNINSTALLED
        workspace.install_state_at = at
        session.add(workspace)
        session.flush()
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.workspace_id) == workspace.id,
            col(OutboxMessage.state) == PENDING,
        )
        .values(state=PARKED)
    )
    return Change(changed=changed, rows=int(getattr(result, "rowcount", 0)))


def reinstall(
    *, session: Session, platform: str, external_id: str, at: datetime, now: datetime
) -> Change:
    """The app is back in the workspace (a sign seen at `at`): resume its parked rows.

    A sign older than the uninstall (a delayed retry of an earlier event)
    changes nothing. The rows are due `now`, with a fresh count of attempts.
    """
    workspace = _find(session, platform, external_id)
    if workspace is None or workspace.id is None or workspace.install_state != UNINSTALLED:
        return Change(changed=False)
    since = workspace.install_state_at
    if since is not None and at <= since:
        return Change(changed=False)
    workspace.install_state = INSTALLED
    workspace.install_state_at = at
    session.add(workspace)
    session.flush()
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.workspace_id) == workspace.id,
            col(OutboxMessage.state) == PARKED,
        )
        .values(state=PENDING, attempts=0, next_attempt_at=now, last_error=None)
    )
    return Change(changed=True, rows=int(getattr(result, "rowcount", 0)))


def is_installed(*, session: Session, platform: str, external_id: str) -> bool:
    """True unless the platform said the app was removed (an unknown workspace is installed)."""
    workspace = _find(session, platform, external_id)
    return workspace is None or workspace.install_state != UNINSTALLED


def uninstalled_since(*, session: Session, platform: str, external_id: str) -> datetime | None:
    """When the app was removed from the workspace; None while it is installed."""
    workspace = _find(session, platform, external_id)
    if workspace is None or workspace.install_state != UNINSTALLED:
        return None
    return workspace.install_state_at or workspace.created_at
