"""Deliveries into the outbox: the one way both paths hand messages to the sender.

A command's deliveries (a DM to a helper, a digest updated in place) and the
clock's (Monday prompts, Friday digests) are written here, addressed to their
workspace, in the caller's transaction; the sender in `bot/` posts them later.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from handlers.views import Delivery, ToOkr, ToUser, to_json
from storage.repos import outbox
from storage.repos.outbox import NewMessage


def enqueue(
    session: Session,
    *,
    workspace_id: int,
    platform: str,
    workspace: str,
    deliveries: Sequence[Delivery],
    now: datetime,
    only_new: bool = False,
) -> list[Delivery]:
    """Write deliveries to the outbox, addressed to this workspace; the ones written.

    With `only_new`, the deliveries whose key was already there are left out
    of the result (they were written before); otherwise all are returned.
    """
    addressed = [
        replace(
            delivery,
            platform=delivery.platform or platform,
            workspace=delivery.workspace or workspace,
        )
        for delivery in deliveries
    ]
    # One platform a call in practice (a workspace lives on one); grouped all the same.
    by_platform: dict[str, list[int]] = {}
    for i, delivery in enumerate(addressed):
        by_platform.setdefault(delivery.platform or platform, []).append(i)
    new = [False] * len(addressed)
    for on, indexes in by_platform.items():
        flags = outbox.enqueue_each(
            session=session,
            workspace_id=workspace_id,
            platform=on,
            messages=[_message(addressed[i]) for i in indexes],
            now=now,
        )
        for i, flag in zip(indexes, flags, strict=True):
            new[i] = flag
    return [d for d, fresh in zip(addressed, new, strict=True) if fresh or not only_new]


def _message(delivery: Delivery) -> NewMessage:
    recipient = (
        ("user", delivery.to.user_id)
        if isinstance(delivery.to, ToUser)
        # A progress record for a key result in Feishu OKR, by its id there.
        else (
            ("okr", delivery.to.kr_id)
            if isinstance(delivery.to, ToOkr)
            else ("channel", delivery.to.channel_id)
        )
    )
    return NewMessage(
        recipient_kind=recipient[0],
        recipient_id=recipient[1],
        view=json.dumps(to_json(delivery.message), ensure_ascii=False),
        key=delivery.key,
        replaces=delivery.replaces,
    )
