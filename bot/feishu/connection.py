"""The Feishu connection: credentials check, the webhook route or the long connection, the sender."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Mapping
from typing import Any

from bot.delivery import PlatformSender
from bot.feishu.client import FeishuApi, default_locale
from bot.feishu.receive import FeishuReceiver
from bot.feishu.sender import FeishuSender
from bot.feishu.tickets import TicketBox
from bot.http import Route
from bot.settings import Settings, SettingsError
from bot.wiring import Runtime

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/feishu/events"


class FeishuConnection:
    platform = "feishu"

    def __init__(self, *, settings: Settings, api: FeishuApi, receiver: FeishuReceiver) -> None:
        self.settings = settings
        self.api = api
        self.receiver = receiver
        self._sender = FeishuSender(api)
        self._long: LongConnection | None = None

    @classmethod
    def from_settings(cls, settings: Settings, runtime: Runtime) -> FeishuConnection:
        token = settings.feishu_verification_token
        key = settings.feishu_encrypt_key
        if settings.feishu_connection == "webhook" and token is None and key is None:
            raise SettingsError(
                "FEISHU_VERIFICATION_TOKEN (and preferably FEISHU_ENCRYPT_KEY) must be set for "
                "FEISHU_CONNECTION=webhook, or anyone could post events to /feishu/events"
            )
        tickets: TicketBox | None = None
        if settings.feishu_app_type == "marketplace":
            if settings.feishu_connection != "webhook":
                raise SettingsError(
                    "FEISHU_APP_TYPE=marketplace needs FEISHU_CONNECTION=webhook: Feishu pushes "
                    "a store app's events (its app_ticket too) to a request URL only"
                )
            if settings.feishu_okr_sync:
                raise SettingsError(
                    "FEISHU_OKR_SYNC works with a self-built app only, not FEISHU_APP_TYPE=marketplace"
                )
            tickets = TicketBox(sessions=runtime.sessions, app_id=settings.feishu_app_id or "")
        api = FeishuApi(settings, ticket=tickets.get if tickets is not None else None)
        receiver = FeishuReceiver(
            app=runtime.app,
            api=api,
            sessions=runtime.sessions,
            default_locale=default_locale(settings),
            default_timezone=settings.default_timezone,
            verification_token=token.get_secret_value() if token else "",
            encrypt_key=key.get_secret_value() if key else "",
            clock=runtime.clock,
            tickets=tickets,
        )
        return cls(settings=settings, api=api, receiver=receiver)

    def check(self) -> None:
        self.api.check()

    def routes(self) -> Mapping[str, Route]:
        if self.settings.feishu_connection != "webhook":
            return {}
        return {WEBHOOK_PATH: self.receiver.route}

    def sender(self) -> PlatformSender:
        return self._sender

    def start(self) -> None:
        if self.settings.feishu_connection == "long" and self._long is None:
            self._long = LongConnection(self.api, self.receiver)
            self._long.start()

    def stop(self) -> None:
        if self._long is not None:
            self._long.stop()
            self._long = None
        self.receiver.drain(timeout=5.0)
        self.receiver.close()


class LongConnection:
    """lark.ws.Client in a thread of its own, with an event loop of its own.

    The SDK's ws module keeps one module-level loop made at import time; if
    that were the server's running loop, `start()` would fail with "This event
    loop is already running". So the module is imported here, in this thread,
    and handed a fresh loop before the client starts.
    """

    def __init__(self, api: FeishuApi, receiver: FeishuReceiver) -> None:
        self.api = api
        self.receiver = receiver
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="feishu-long-connection", daemon=True
        )
        self._thread.start()
        self._ready.wait(timeout=5.0)

    def _run(self) -> None:
        import lark_oapi.ws.client as ws

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        ws.loop = loop  # the SDK reads this module global in every coroutine it schedules
        self._loop = loop
        self._client = ws.Client(
            self.api.app_id,
            self.api.app_secret,
            event_handler=self.receiver.dispatcher,
            domain=self.api.domain,
        )
        self._ready.set()
        try:
            self._client.start()
        except RuntimeError:
            pass  # the loop was stopped by stop()
        except Exception:
            log.exception("the Feishu long connection stopped")

    def stop(self) -> None:
        loop, client = self._loop, self._client
        if loop is not None and client is not None:
            client._auto_reconnect = False

            async def _close() -> None:
                await client._disconnect()
                loop.stop()

            with contextlib.suppress(RuntimeError):  # the loop is already closed
                asyncio.run_coroutine_threadsafe(_close(), loop)
        if self._thread is not None:
            self._thread.join(timeout=5.0)
