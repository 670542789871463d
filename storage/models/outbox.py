"""What the bot sends and when: the durable outbox, and the scheduler's state.

Outbox rows are written in the same transaction as the change that caused
them and sent afterwards, so a crash before commit sends nothing and a crash
after commit loses nothing. The scheduler's watermark advances in the same
transaction as the deliveries of the moments it covers.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models._base import utc_field, workspace_fk


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (next_attempt_at)
    SENDING = "sending"  # claimed by a sender until claimed_until
    SENT = "sent"
    DEAD = "dead"  # gave up after the last attempt; `okrbot outbox retry` requeues
    # The workspace uninstalled the app (or revoked its token): never claimed, kept
    # as it is until the app is back (storage.repos.installs), then pending again.
    PARKED = "parked"


# How far a message made of several platform calls got, kept on its row while it
# is pending or sending: `platform_ref` set means its post arrived (so it is never
# posted again, nor given up as dead), and `steps_done` counts the calls after the
# post (a chart upload each) that went through, `step_ref` the platform's id for
# the step under way (an uploaded file not yet known to be shared). `doubt_since` set means an earlier
# attempt may have reached the platform without its outcome being recorded (the
# process died, the request timed out, the platform answered 5xx): before sending
# again the sender asks the platform whether it arrived after that instant.


class OutboxMessage(SQLModel, table=True):
    """One message to send: to a person or a channel, on the workspace's platform."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        # A claim asks, for each due row, whether an earlier row to the same recipient waits.
        Index(
            "ix_outbox_recipient",
            "workspace_id",
            "platform",
            "recipient_kind",
            "recipient_id",
            "id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    platform: str = Field(max_length=16)
    recipient_kind: str = Field(max_length=8)  # "user" | "channel"
    recipient_id: str = Field(max_length=128)  # the platform's id
    key: str = Field(max_length=200)
    replaces: str | None = Field(default=None, max_length=200)  # key of the row to update
    view: str = Field(sa_column=Column(Text(), nullable=False))  # handlers.views.to_json, as text
    state: str = Field(default=OutboxState.PENDING.value, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = utc_field(default_now=True)
    claimed_by: str | None = Field(default=None, max_length=128)
    claimed_until: datetime | None = utc_field(nullable=True)
    claimed_at: datetime | None = utc_field(nullable=True)  # when the current claim began
    doubt_since: datetime | None = utc_field(nullable=True)
    steps_done: int = 0
    step_ref: str | None = Field(default=None, max_length=256)  # the step in flight (a file id)
    last_error: str | None = Field(default=None, max_length=1000)
    platform_ref: str | None = Field(default=None, max_length=256)
    created_at: datetime = utc_field(default_now=True)
    sent_at: datetime | None = utc_field(nullable=True)


class SchedulerState(SQLModel, table=True):
    """A named clock of the process: the rhythm's watermark and who holds its lease.

    `watermark` is the instant up to which every moment has been turned into
    outbox rows. On PostgreSQL only `holder` ticks while `lease_until` is ahead.
    """

    __tablename__ = "scheduler_state"

    name: str = Field(primary_key=True, max_length=64)
    watermark: datetime | None = utc_field(nullable=True)
    holder: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = utc_field(nullable=True)
    last_tick_at: datetime | None = utc_field(nullable=True)
