"""A person's right to leave, and a workspace's: what forgetting removes.

`forget_member` keeps the numbers a team's history needs (objectives, key
results, check-in values, scores) and removes what is the person's own: their
name and handle, the texts they wrote, their time away, the direct messages
to them, and their words or name wherever a message kept a copy.
`delete_workspace` removes every row a workspace owns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, SQLModel, col, select

from storage.models import (
    Away,
    ChangeRequest,
    Checkin,
    HelpRequest,
    Kudos,
    Member,
    OutboxMessage,
    PlanTask,
    Score,
    Workspace,
)

_BATCH = 500


@dataclass(slots=True)
class Forgotten:
    """What forgetting a person changed, counted by kind."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int) -> None:
        if count:
            self.counts[what] = self.counts.get(what, 0) + count


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def forget_member(
    *,
    session: Session,
    workspace_id: int,
    member_id: int,
    former_name: str,
    removed_text: str,
) -> Forgotten:
    """Remove a member's personal data; they stay as `former_name` behind the numbers.

    `removed_text` stands where a title they wrote was (a task's), so the
    history still reads.
    """
    member = session.get(Member, member_id)
    if member is None or member.workspace_id != workspace_id:
        raise ValueError(f"no member {member_id} in workspace {workspace_id}")
    done = Forgotten()
    names = {n for n in (member.display_name, member.handle, member.external_id) if n}
    texts = set(names)
    ws = col(Checkin.workspace_id) == workspace_id

    notes = session.exec(
        select(Checkin.note).where(ws, Checkin.member_id == member_id, Checkin.note != "")
    ).all()
    texts.update(notes)
    session.execute(
        update(Checkin).where(ws, col(Checkin.member_id) == member_id).values(note="", links=[])
    )
    done.add("check-in notes", len(notes))

    task_filter = (
        col(PlanTask.workspace_id) == workspace_id,
        col(PlanTask.owner_member_id) == member_id,
    )
    texts.update(session.exec(select(PlanTask.title).where(*task_filter)).all())
    done.add(
        "task titles",
        _rowcount(session.execute(update(PlanTask).where(*task_filter).values(title=removed_text))),
    )

    asked = (
        col(HelpRequest.workspace_id) == workspace_id,
        col(HelpRequest.requester_id) == member_id,
    )
    texts.update(session.exec(select(HelpRequest.text).where(*asked)).all())
    done.add(
        "help requests",
        _rowcount(session.execute(update(HelpRequest).where(*asked).values(text=removed_text))),
    )
    theirs = (
        col(HelpRequest.workspace_id) == workspace_id,
        or_(col(HelpRequest.requester_id) == member_id, col(HelpRequest.helper_id) == member_id),
        col(HelpRequest.thanks) != "",
    )
    texts.update(session.exec(select(HelpRequest.thanks).where(*theirs)).all())
    done.add(
        "help answers",
        _rowcount(session.execute(update(HelpRequest).where(*theirs).values(thanks=""))),
    )

    given = (col(Kudos.workspace_id) == workspace_id, col(Kudos.from_member_id) == member_id)
    texts.update(session.exec(select(Kudos.text).where(*given)).all())
    done.add(
        "kudos",
        _rowcount(session.execute(update(Kudos).where(*given).values(text=removed_text))),
    )

    changes = (
        col(ChangeRequest.workspace_id) == workspace_id,
        or_(
            col(ChangeRequest.requester_id) == member_id, col(ChangeRequest.manager_id) == member_id
        ),
    )
    for row in session.exec(select(ChangeRequest).where(*changes)).all():
        texts.update(str(v) for v in row.change.values() if isinstance(v, str))
        if row.reason:
            texts.add(row.reason)
        row.change = {"kind": row.kind}
        row.reason = ""
        session.add(row)
        done.add("plan change requests", 1)

    reviewed = (
        col(Score.workspace_id) == workspace_id,
        col(Score.reviewer_id) == member_id,
        col(Score.reason) != "",
    )
    texts.update(session.exec(select(Score.reason).where(*reviewed)).all())
    done.add(
        "score reasons",
        _rowcount(session.execute(update(Score).where(*reviewed).values(reason=""))),
    )

    done.add(
        "time away",
        _rowcount(
            session.execute(
                delete(Away).where(
                    col(Away.workspace_id) == workspace_id, col(Away.member_id) == member_id
                )
            )
        ),
    )

    done.add(
        "direct messages",
        _rowcount(
            session.execute(
                delete(OutboxMessage).where(
                    col(OutboxMessage.workspace_id) == workspace_id,
                    col(OutboxMessage.recipient_kind) == "user",
                    col(OutboxMessage.recipient_id) == member.external_id,
                )
            )
        ),
    )
    texts = {t for t in texts if t and t.strip() and t != removed_text}
    done.add(
        "copies in messages",
        _scrub_outbox(session, workspace_id, texts, former_name),
    )
    done.add(
        "mentions in others' texts",
        _scrub_mentions(session, workspace_id, member.handle, former_name),
    )

    member.display_name = former_name
    member.handle = f"former{member_id}"
    member.external_id = f"forgotten:{member_id}"
    member.timezone = None
    member.locale = None
    member.is_active = False
    member.reminders = False
    session.add(member)
    session.flush()
    return done


def _scrub(value: Any, needles: list[str], replacement: str) -> Any:
    """Every string inside a JSON value with each needle replaced."""
    if isinstance(value, str):
        for needle in needles:
            if needle in value:
                value = value.replace(needle, replacement)
        return value
    if isinstance(value, list):
        return [_scrub(item, needles, replacement) for item in value]
    if isinstance(value, dict):
        return {k: v if k == "type" else _scrub(v, needles, replacement) for k, v in value.items()}
    return value


def _scrub_outbox(session: Session, workspace_id: int, texts: Iterable[str], former: str) -> int:
    """Replace the texts in every outbox view of the workspace that holds a copy of one."""
    # Longest first: a note that contains the person's name goes whole.
    needles = sorted(set(texts), key=len, reverse=True)
    if not needles:
        return 0
    # As they appear inside JSON text (ensure_ascii=False): quotes and backslashes escaped.
    escaped = [json.dumps(n, ensure_ascii=False)[1:-1] for n in needles]
    changed = 0
    last_id = 0
    while True:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.workspace_id == workspace_id, col(OutboxMessage.id) > last_id)
            .order_by(col(OutboxMessage.id))
            .limit(_BATCH)
        ).all()
        if not rows:
            return changed
        for row in rows:
            assert row.id is not None
            last_id = row.id
            if not any(e in row.view for e in escaped):
                continue
            try:
                view = json.loads(row.view)
            except ValueError:
                view = None
            row.view = (
                json.dumps(_scrub(view, needles, former), ensure_ascii=False)
                if view is not None
                else json.dumps({"type": "Message", "summary": former, "blocks": []})
            )
            session.add(row)
            changed += 1
        session.flush()


def _scrub_mentions(session: Session, workspace_id: int, handle: str, former: str) -> int:
    """ "@handle" in what others wrote becomes "@former member"."""
    token = f"@{handle}"
    changed = 0
    columns: list[tuple[type[SQLModel], Any]] = [
        (Checkin, Checkin.note),
        (PlanTask, PlanTask.title),
        (HelpRequest, HelpRequest.text),
        (HelpRequest, HelpRequest.thanks),
        (Kudos, Kudos.text),
    ]
    for model, column in columns:
        result = session.execute(
            update(model)
            .where(
                col(model.workspace_id) == workspace_id,  # type: ignore[attr-defined]  # every model here has it
                col(column).contains(token),
            )
            .values({column: func.replace(column, token, f"@{former}")})
        )
        changed += _rowcount(result)
    return changed


def delete_workspace(*, session: Session, workspace_id: int) -> dict[str, int]:
    """Delete every row of the workspace, the workspace itself last; rows deleted per table."""
    counts: dict[str, int] = {}
    for table in reversed(SQLModel.metadata.sorted_tables):
        if "workspace_id" not in table.c or table.name == "workspace":
            continue
        result = session.execute(delete(table).where(table.c.workspace_id == workspace_id))
        if _rowcount(result):
            counts[table.name] = _rowcount(result)
    counts["workspace"] = _rowcount(
        session.execute(delete(Workspace).where(col(Workspace.id) == workspace_id))
    )
    return counts
