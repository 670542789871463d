"""Source keys of imported objectives and key results (see storage.models.transfer)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from storage.models import SourceKey
from storage.repos.okrs import slices


def source_keys(*, session: Session, workspace_id: int, source: str) -> dict[tuple[str, str], int]:
    """(kind, key) -> the objective's or key result's id, for every key of one source."""
    rows = session.execute(
        select_columns(
            col(SourceKey.kind),
            col(SourceKey.key),
            col(SourceKey.objective_id),
            col(SourceKey.kr_id),
        ).where(col(SourceKey.workspace_id) == workspace_id, col(SourceKey.source) == source)
    )
    found: dict[tuple[str, str], int] = {}
    for kind, key, objective_id, kr_id in rows:
        item = objective_id if kind == "O" else kr_id
        if item is not None:
            found[(kind, key)] = item
    return found


def keys_of(
    *, session: Session, workspace_id: int, source: str, kind: str, ids: Iterable[int]
) -> dict[int, str]:
    """Item id -> its key in `source`, for these objectives (kind "O") or key results ("KR")."""
    column = col(SourceKey.objective_id) if kind == "O" else col(SourceKey.kr_id)
    found: dict[int, str] = {}
    for part in slices(ids):
        rows = session.execute(
            select_columns(column, col(SourceKey.key)).where(
                col(SourceKey.workspace_id) == workspace_id,
                col(SourceKey.source) == source,
                col(SourceKey.kind) == kind,
                column.in_(part),
            )
        )
        found.update((item, key) for item, key in rows)
    return found


def set_key(
    *,
    session: Session,
    workspace_id: int,
    source: str,
    kind: str,
    key: str,
    item_id: int,
) -> None:
    """Give an objective or key result this key in `source`, in place of any it had there."""
    column = col(SourceKey.objective_id) if kind == "O" else col(SourceKey.kr_id)
    same = session.execute(
        select_columns(col(SourceKey.id)).where(
            col(SourceKey.workspace_id) == workspace_id,
            col(SourceKey.source) == source,
            col(SourceKey.kind) == kind,
            col(SourceKey.key) == key,
            column == item_id,
        )
    ).first()
    if same is not None:
        return
    session.execute(
        delete(SourceKey).where(
            col(SourceKey.workspace_id) == workspace_id,
            col(SourceKey.source) == source,
            col(SourceKey.kind) == kind,
            or_(column == item_id, col(SourceKey.key) == key),
        )
    )
    session.add(
        SourceKey(
            workspace_id=workspace_id,
            source=source,
            kind=kind,
            key=key,
            objective_id=item_id if kind == "O" else None,
            kr_id=item_id if kind == "KR" else None,
        )
    )
