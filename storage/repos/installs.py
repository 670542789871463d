"""Whether the app is installed in a workspace, and the outbox rows parked meanwhile.

When a platform says the app was removed from a workspace (Slack's
app_uninstalled, or its bot token revoked), `uninstall` marks the workspace
and parks its unsent outbox rows at once: the sender never claims a parked
row, nothing is deleted, and rows written while the app is away are parked as
they are written (`storage.repos.outbox`). A later sign that the app is back
(`reinstall`: a fresh event or request from the workspace, or a token the
platform accepts again) makes the parked rows pending again, in their order.

An install the platform reports itself (Slack's OAuth flow completed,
Feishu's app_open) is `installed`: the workspace is created if it is new,
resumed if it was away. An uninstalled workspace's data is kept for the
retention period and then removed (`expired` lists them).

The state is one column pair on the workspace, `install_state` and
`install_state_at` (see `storage.models.InstallState`); `app_id` and
`enterprise_id` say which app serves it and through which Slack org.
`overview` counts what each workspace holds for operators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.models import (
    InstallState,
    Member,
    OutboxMessage,
    OutboxState,
    Team,
    Workspace,
)
from storage.repos import workspaces

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


def _resume(session: Session, workspace: Workspace, at: datetime, now: datetime) -> int:
    assert workspace.id is not None
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
    return int(getattr(result, "rowcount", 0))


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
    return Change(changed=True, rows=_resume(session, workspace, at, now))


@dataclass(frozen=True, slots=True)
class Installed:
    """What `installed` did: the workspace, whether it is new, and what resumed."""

    workspace: Workspace
    created: bool
    change: Change


def installed(
    *,
    session: Session,
    platform: str,
    external_id: str,
    at: datetime,
    now: datetime,
    name: str = "",
    app_id: str | None = None,
    enterprise_id: str | None = None,
    default_locale: str = "en",
    default_timezone: str = "UTC",
) -> Installed:
    """The platform says the app was installed in the workspace at `at` (an OAuth install
    completed, Feishu's app_open): created when new, resumed when it was away.

    Unlike `reinstall`, which reads a sign, this is the platform's own word:
    the parked rows resume whatever the dates say. The name, app and
    enterprise are recorded when given.
    """
    found = workspaces.find_workspace(session=session, platform=platform, external_id=external_id)
    workspace = found or workspaces.get_or_create_workspace(
        session=session,
        platform=platform,
        external_id=external_id,
        name=name,
        default_locale=default_locale,
        default_timezone=default_timezone,
    )
    _record_grant(session, workspace, name=name, app_id=app_id, enterprise_id=enterprise_id)
    if found is None:
        # Installed at `at`, by the platform's word (not when this row happened to be written).
        workspace.install_state_at = at
        session.add(workspace)
        session.flush()
    if workspace.install_state != UNINSTALLED:
        return Installed(workspace, created=found is None, change=Change(changed=False))
    return Installed(
        workspace,
        created=False,
        change=Change(changed=True, rows=_resume(session, workspace, at, now)),
    )


def _record_grant(
    session: Session,
    workspace: Workspace,
    *,
    name: str = "",
    app_id: str | None = None,
    enterprise_id: str | None = None,
) -> bool:
    changed = False
    for column, value in (("name", name), ("app_id", app_id), ("enterprise_id", enterprise_id)):
        if value and getattr(workspace, column) != value:
            setattr(workspace, column, value)
            changed = True
    if changed:
        session.add(workspace)
        session.flush()
    return changed


def note_grant(
    *,
    session: Session,
    platform: str,
    external_id: str,
    app_id: str | None = None,
    enterprise_id: str | None = None,
    default_locale: str = "en",
    default_timezone: str = "UTC",
) -> bool:
    """Record which app (and Slack org) serves a workspace, creating it on first contact
    as the command path would; False when nothing changed."""
    workspace = _find(session, platform, external_id)
    created = workspace is None
    if workspace is None:
        workspace = workspaces.get_or_create_workspace(
            session=session,
            platform=platform,
            external_id=external_id,
            default_locale=default_locale,
            default_timezone=default_timezone,
        )
    return _record_grant(session, workspace, app_id=app_id, enterprise_id=enterprise_id) or created


@dataclass(frozen=True, slots=True)
class Grant:
    """Who serves a workspace: its install state, its app and its Slack org."""

    installed: bool
    app_id: str | None
    enterprise_id: str | None


def grant_of(*, session: Session, platform: str, external_id: str) -> Grant | None:
    """The workspace's install state, app and org; None for a workspace never seen."""
    workspace = _find(session, platform, external_id)
    if workspace is None:
        return None
    return Grant(
        installed=workspace.install_state != UNINSTALLED,
        app_id=workspace.app_id,
        enterprise_id=workspace.enterprise_id,
    )


def of_enterprise(*, session: Session, platform: str, enterprise_id: str) -> list[Workspace]:
    """The workspaces known to belong to one Slack Enterprise Grid organisation."""
    return list(
        session.exec(
            select(Workspace)
            .where(Workspace.platform == platform, Workspace.enterprise_id == enterprise_id)
            .order_by(col(Workspace.id))
        ).all()
    )


def expired(*, session: Session, before: datetime) -> list[Workspace]:
    """Workspaces uninstalled since before `before`: their retention period is over."""
    return list(
        session.exec(
            select(Workspace)
            .where(
                Workspace.install_state == UNINSTALLED,
                col(Workspace.install_state_at).is_not(None),
                col(Workspace.install_state_at) < before,
            )
            .order_by(col(Workspace.id))
        ).all()
    )


# --- what operators see ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Overview:
    """One workspace as `okrbot status` and `okrbot workspaces` show it."""

    workspace: Workspace
    members: int
    teams: int
    outbox: dict[str, int] = field(default_factory=dict)  # rows by state, every state present


def overview(*, session: Session, workspace_ids: Sequence[int] | None = None) -> list[Overview]:
    """Every workspace (or these) with its member, team and outbox counts, in four queries."""
    stmt = select(Workspace).order_by(col(Workspace.id))
    if workspace_ids is not None:
        stmt = stmt.where(col(Workspace.id).in_(list(workspace_ids)))
    found = list(session.exec(stmt).all())
    ids = [ws.id for ws in found if ws.id is not None]
    if not ids:
        return []
    members = dict(
        session.execute(
            select(Member.workspace_id, func.count())
            .where(col(Member.workspace_id).in_(ids), col(Member.is_active).is_(True))
            .where(~col(Member.external_id).startswith("forgotten:"))
            .group_by(col(Member.workspace_id))
        ).all()
    )
    teams = dict(
        session.execute(
            select(Team.workspace_id, func.count())
            .where(col(Team.workspace_id).in_(ids))
            .group_by(col(Team.workspace_id))
        ).all()
    )
    states: dict[int, dict[str, int]] = {i: {s.value: 0 for s in OutboxState} for i in ids}
    for workspace_id, state, number in session.execute(
        select(OutboxMessage.workspace_id, OutboxMessage.state, func.count())
        .where(col(OutboxMessage.workspace_id).in_(ids))
        .group_by(col(OutboxMessage.workspace_id), col(OutboxMessage.state))
    ).all():
        states[workspace_id][state] = number
    return [
        Overview(
            workspace=ws,
            members=int(members.get(ws.id, 0)),
            teams=int(teams.get(ws.id, 0)),
            outbox=states[ws.id or 0],
        )
        for ws in found
    ]


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
