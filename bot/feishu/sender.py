"""Sends outbox rows to Feishu: cards to people by open_id and to groups by chat_id."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.delivery import Bucket, Outgoing, SendFailed
from bot.feishu import render
from bot.feishu.client import FeishuApi
from handlers.views import Image, ToChannel, ToUser

APP_PER_SECOND = 50.0  # message create, per app
CHAT_PER_SECOND = 5.0  # to one user, or to one group (shared by every bot in it)


class FeishuSender:
    """bot.delivery.PlatformSender for Feishu and Lark."""

    platform = "feishu"

    def __init__(self, api: FeishuApi) -> None:
        self.api = api

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        to = (
            f"user:{item.to.user_id}"
            if isinstance(item.to, ToUser)
            else f"chat:{item.to.channel_id}"
        )
        return (
            Bucket(f"feishu:app:{self.api.app_id}", APP_PER_SECOND),
            Bucket(f"feishu:{item.workspace}:{to}", CHAT_PER_SECOND),
        )

    def send(self, item: Outgoing) -> str:
        content = self._content(item)
        if isinstance(item.to, ToUser):
            kind, receive_id = "open_id", item.to.user_id
        else:
            kind, receive_id = "chat_id", item.to.channel_id
        # The outbox key is the send's uuid, so a retry after a lost answer posts once.
        return self.api.create(
            receive_id_type=kind,
            receive_id=receive_id,
            msg_type="interactive",
            content=content,
            uuid=item.key,
        )

    def update(self, item: Outgoing) -> str:
        if not item.ref:
            return self.send(item)
        try:
            return self.api.patch(message_id=item.ref, content=self._content(item))
        except SendFailed as error:
            if error.retryable:
                raise
            # Too old to edit, or deleted: say it again below instead.
            return self.send(item)

    def _content(self, item: Outgoing) -> str:
        keys: dict[str, str] = {}
        for block in item.message.blocks:
            if isinstance(block, Image) and block.data and block.filename not in keys:
                keys[block.filename] = self.api.upload_image(block.data)
        card = render.render(item.message, image_keys=keys, shared=isinstance(item.to, ToChannel))
        return json.dumps(card, ensure_ascii=False)
