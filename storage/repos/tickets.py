"""A Feishu/Lark store app's app_ticket: the newest one pushed, per app id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from storage.models import FeishuAppTicket
from storage.repos._util import insert_new


def save_ticket(*, session: Session, app_id: str, ticket: str, at: datetime) -> None:
    """Keep `ticket` as the app's newest (a push replaces the one before)."""
    # Two replicas taking the first push at once: the database lets one row in.
    values = {"app_id": app_id, "ticket": ticket, "received_at": at}
    if not insert_new(session, FeishuAppTicket, values):
        session.execute(
            update(FeishuAppTicket)
            .where(col(FeishuAppTicket.app_id) == app_id)
            .values(ticket=ticket, received_at=at)
        )


def ticket_of(*, session: Session, app_id: str) -> str | None:
    """The app's newest app_ticket; None before Feishu pushed one."""
    row = session.get(FeishuAppTicket, app_id)
    return row.ticket if row is not None else None
