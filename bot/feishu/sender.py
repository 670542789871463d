"""Sends outbox rows to Feishu: cards to people by open_id and to groups by chat_id."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.delivery import Bucket, Outgoing, SendFailed, chat_parts
from bot.feishu import render
from bot.feishu.client import FeishuApi
from bot.feishu.okr import FeishuOkr, bot_link
from handlers.views import Image, ProgressNote, ToChannel, ToOkr, ToUser

# Feishu's limits hold per API, per app and per tenant: one tenant's sends never
# use up another's.
APP_PER_SECOND = 50.0  # message create, per app in a tenant
CHAT_PER_SECOND = 5.0  # to one user, or to one group (shared by every bot in it)
OKR_PER_SECOND = 100 / 60  # the OKR API: 100 calls a minute per app in a tenant


class FeishuSender:
    """bot.delivery.PlatformSender for Feishu and Lark."""

    platform = "feishu"

    def __init__(self, api: FeishuApi) -> None:
        self.api = api
        self.okr = FeishuOkr(api)

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        if isinstance(item.to, ToOkr):
            return (Bucket(f"feishu:okr:{self.api.app_id}:{item.workspace}", OKR_PER_SECOND),)
        to = (
            f"user:{item.to.user_id}"
            if isinstance(item.to, ToUser)
            else f"chat:{getattr(item.to, 'channel_id', '')}"
        )
        return (
            Bucket(f"feishu:app:{self.api.app_id}:{item.workspace}", APP_PER_SECOND),
            Bucket(f"feishu:{item.workspace}:{to}", CHAT_PER_SECOND),
        )

    def send(self, item: Outgoing) -> str:
        if isinstance(item.message, ProgressNote) and isinstance(item.to, ToOkr):
            return self._progress(item, item.to, item.message)
        content = self._content(item)
        if isinstance(item.to, ToUser):
            kind, receive_id = "open_id", item.to.user_id
        else:
            kind, receive_id = "chat_id", getattr(item.to, "channel_id", "")
        # The outbox key is the send's uuid, so a retry after a lost answer posts once.
        return self.api.create(
            receive_id_type=kind,
            receive_id=receive_id,
            msg_type="interactive",
            content=content,
            uuid=item.key,
            tenant=item.workspace,  # a store app sends with each tenant's own token
        )

    def update(self, item: Outgoing) -> str:
        if not item.ref or isinstance(item.message, ProgressNote):
            return self.send(item)
        try:
            return self.api.patch(
                message_id=item.ref, content=self._content(item), tenant=item.workspace
            )
        except SendFailed as error:
            if error.retryable:
                raise
            # Too old to edit, or deleted: say it again below instead.
            return self.send(item)

    def _progress(self, item: Outgoing, to: ToOkr, note: ProgressNote) -> str:
        """A check-in as a progress record on the key result in Feishu OKR (custom apps only)."""
        link = bot_link(self.api.domain, self.api.app_id, item.key)
        return self.okr.create_progress_record(
            kr_id=to.kr_id,
            text=note.text,
            percent=note.percent,
            source_url=link,
            source_title=f"okrbot · {note.summary}",
        )

    def _content(self, item: Outgoing) -> str:
        _, message = chat_parts(item)
        keys: dict[str, str] = {}
        for block in message.blocks:
            if isinstance(block, Image) and block.data and block.filename not in keys:
                keys[block.filename] = self.api.upload_image(block.data, tenant=item.workspace)
        card = render.render(message, image_keys=keys, shared=isinstance(item.to, ToChannel))
        return json.dumps(card, ensure_ascii=False)
