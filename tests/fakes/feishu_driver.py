"""Posts schema-2.0 events and card callbacks to okrbot's webhook as Feishu does.

Plain or encrypted: with an encrypt key the body is `{"encrypt": base64(iv +
AES-256-CBC(sha256(key), PKCS7(json)))}` and the request carries
X-Lark-Request-Timestamp, X-Lark-Request-Nonce and X-Lark-Signature =
sha256(timestamp + nonce + encrypt key + body).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from Crypto.Cipher import AES

from bot.http import HttpRequest, HttpResponse
from tests.fakes.feishu_api import APP_ID, TENANT

PATH = "/feishu/events"


def encrypt(key: str, plaintext: bytes) -> str:
    iv = os.urandom(16)
    pad = 16 - len(plaintext) % 16
    cipher = AES.new(hashlib.sha256(key.encode()).digest(), AES.MODE_CBC, iv)
    return base64.b64encode(iv + cipher.encrypt(plaintext + bytes([pad]) * pad)).decode()


def sign(timestamp: str, nonce: str, key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + key).encode() + body).hexdigest()


@dataclass
class Posted:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class FeishuDriver:
    """`send` is how a request reaches okrbot: a Route called in-process, or a URL over HTTP."""

    send: Callable[[HttpRequest], HttpResponse] | str
    token: str = "fake-verification-token"
    encrypt_key: str | None = None
    tenant: str = TENANT
    app_id: str = APP_ID
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    # --- the payloads ---------------------------------------------------------------

    def _header(self, event_type: str, event_id: str | None) -> dict[str, Any]:
        return {
            "event_id": event_id or f"ev_{next(self._ids)}_{os.urandom(4).hex()}",
            "token": self.token,
            "create_time": str(int(time.time() * 1000)),
            "event_type": event_type,
            "tenant_key": self.tenant,
            "app_id": self.app_id,
        }

    def message(
        self,
        open_id: str,
        text: str,
        *,
        chat_type: str = "p2p",
        chat_id: str = "oc_p2p_fake",
        mentions: list[dict[str, Any]] | None = None,
        event_id: str | None = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        return {
            "schema": "2.0",
            "header": self._header("im.message.receive_v1", event_id),
            "event": {
                "sender": {
                    "sender_id": {"open_id": open_id, "union_id": f"on_{open_id}", "user_id": None},
                    "sender_type": "user",
                    "tenant_key": self.tenant,
                },
                "message": {
                    "message_id": message_id or f"om_in_{next(self._ids)}_{os.urandom(3).hex()}",
                    "create_time": str(int(time.time() * 1000)),
                    "chat_id": chat_id,
                    "chat_type": chat_type,
                    "message_type": "text",
                    "content": json.dumps({"text": text}, ensure_ascii=False),
                    "mentions": mentions or [],
                },
            },
        }

    @staticmethod
    def mention(key: str, open_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "key": key,
            "id": {"open_id": open_id, "union_id": f"on_{open_id}", "user_id": None},
            "name": name,
            "tenant_key": TENANT,
            **({"mentioned_type": "bot"} if bot else {}),
        }

    def menu(self, open_id: str, event_key: str, *, event_id: str | None = None) -> dict[str, Any]:
        return {
            "schema": "2.0",
            "header": self._header("application.bot.menu_v6", event_id),
            "event": {
                "operator": {"operator_name": "", "operator_id": {"open_id": open_id}},
                "event_key": event_key,
                "timestamp": int(time.time()),
            },
        }

    def card_action(
        self,
        open_id: str,
        value: dict[str, Any],
        *,
        form_value: dict[str, Any] | None = None,
        chat_id: str = "oc_p2p_fake",
        message_id: str = "om_card_fake",
        event_id: str | None = None,
    ) -> dict[str, Any]:
        action: dict[str, Any] = {"value": value, "tag": "button"}
        if form_value is not None:
            action["form_value"] = form_value
            action["name"] = "okr_submit"
        return {
            "schema": "2.0",
            "header": self._header("card.action.trigger", event_id),
            "event": {
                "operator": {
                    "tenant_key": self.tenant,
                    "open_id": open_id,
                    "union_id": f"on_{open_id}",
                },
                "token": f"c-{os.urandom(4).hex()}",
                "action": action,
                "host": "im_message",
                "context": {"open_message_id": message_id, "open_chat_id": chat_id},
            },
        }

    # A store app's own events, in schema 1.0 as Feishu pushes them.

    def _v1(self, event: dict[str, Any], uuid: str | None = None) -> dict[str, Any]:
        return {
            "ts": f"{time.time():.7f}",
            "uuid": uuid or os.urandom(16).hex(),
            "token": self.token,
            "type": "event_callback",
            "event": {"app_id": self.app_id, **event},
        }

    def app_ticket(self, ticket: str) -> dict[str, Any]:
        return self._v1({"app_ticket": ticket, "type": "app_ticket"})

    def app_open(
        self, tenant: str, installer: str | None, *, uuid: str | None = None
    ) -> dict[str, Any]:
        person = {"open_id": installer} if installer else None
        return self._v1(
            {
                "tenant_key": tenant,
                "type": "app_open",
                "applicants": [person] if person else [],
                "installer": person,
                "installer_employee": person,
            },
            uuid,
        )

    def app_uninstalled(self, tenant: str) -> dict[str, Any]:
        return self._v1({"tenant_key": tenant, "type": "app_uninstalled"})

    def url_verification(self, challenge: str) -> dict[str, Any]:
        return {"challenge": challenge, "token": self.token, "type": "url_verification"}

    # --- posting --------------------------------------------------------------------

    def request(
        self,
        payload: dict[str, Any],
        *,
        encrypt_key: str | None = None,
        signature: str | None = None,
    ) -> HttpRequest:
        key = self.encrypt_key if encrypt_key is None else encrypt_key
        plain = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"content-type": "application/json; charset=utf-8"}
        if key:
            body = json.dumps({"encrypt": encrypt(key, plain)}).encode()
            timestamp, nonce = str(int(time.time())), os.urandom(8).hex()
            headers["x-lark-request-timestamp"] = timestamp
            headers["x-lark-request-nonce"] = nonce
            headers["x-lark-signature"] = signature or sign(timestamp, nonce, key, body)
        else:
            body = plain
        return HttpRequest(method="POST", path=PATH, headers=headers, body=body)

    def post(self, payload: dict[str, Any], **kwargs: Any) -> Posted:
        return self.post_request(self.request(payload, **kwargs))

    def post_request(self, request: HttpRequest) -> Posted:
        started = time.monotonic()
        if callable(self.send):
            response = self.send(request)
            return Posted(response.status, response.body, time.monotonic() - started)
        http = urllib.request.Request(
            self.send.rstrip("/") + request.path,
            data=request.body,
            method="POST",
            headers=dict(request.headers),
        )
        try:
            with urllib.request.urlopen(http, timeout=10) as answer:
                return Posted(answer.status, answer.read(), time.monotonic() - started)
        except urllib.error.HTTPError as error:
            return Posted(error.code, error.read(), time.monotonic() - started)
