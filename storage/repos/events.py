"""Idempotency for inbound platform events."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage.models import ProcessedEvent


def claim_event(*, session: Session, platform: str, event_id: str) -> bool:
    """Record an event id; False when it was already processed (a retry or a replay)."""
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(platform=platform, event_id=event_id))
    except IntegrityError:
        return False
    return True
