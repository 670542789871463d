"""Nonces of signed webhook requests: each may be used once while its timestamp is fresh."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.models import WebhookNonce
from storage.repos._util import insert_new


def first_use(
    *, session: Session, platform: str, nonce: str, now: datetime, keep: timedelta
) -> bool:
    """Record the nonce; False when it was seen within `keep` (a replayed request).

    Nonces older than `keep` are forgotten on the way: a request that old is
    refused for its timestamp anyway.
    """
    session.execute(
        delete(WebhookNonce).where(
            col(WebhookNonce.platform) == platform, col(WebhookNonce.seen_at) < now - keep
        )
    )
    # Two replicas racing on one nonce: the database lets one row in.
    return insert_new(session, WebhookNonce, {"platform": platform, "nonce": nonce, "seen_at": now})
