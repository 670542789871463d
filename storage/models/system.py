"""Bookkeeping rows that make delivery idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models._base import utc_field


class ProcessedEvent(SQLModel, table=True):
    """A platform event id seen once; a retry of the same id is ignored."""

    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    event_id: str = Field(max_length=128)
    received_at: datetime = utc_field(default_now=True)


class WebhookNonce(SQLModel, table=True):
    """A signed webhook request's nonce, kept while its timestamp could still pass.

    Every replica serving the webhook checks the same table, so a captured
    request replayed to another replica is refused too.
    """

    __tablename__ = "webhook_nonce"

    platform: str = Field(primary_key=True, max_length=16)
    nonce: str = Field(primary_key=True, max_length=128)
    seen_at: datetime = utc_field(index=True)
