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
    written: list[Delivery] = []
    for delivery in deliveries:
        addressed = replace(
            delivery,
            platform=delivery.platform or platform,
            workspace=delivery.workspace or workspace,
        )
        recipient = (
            ("user", addressed.to.user_id)
            if isinstance(addressed.to, ToUser)
            # A progress record for a key result in Feishu OKR, by its id there.
            else (
                ("okr", addressed.to.kr_id)
                if isinstance(addressed.to, ToOkr)
                else ("channel", addressed.to.channel_id)
            )
        )
        new = outbox.enqueue(
            session=session,
            workspace_id=workspace_id,
            platform=addressed.platform,
            messages=[
                NewMessage(
                    recipient_kind=recipient[0],
                    recipient_id=recipient[1],
                    view=json.dumps(to_json(addressed.message), ensure_ascii=False),
                    key=addressed.key,
                    replaces=addressed.replaces,
                )
            ],
            now=now,
        )
        if new or not only_new:
            written.append(addressed)
    return written
