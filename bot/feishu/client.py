"""The lark-oapi client built from Settings, and the few Open Platform calls okrbot makes.

Every call goes through the real SDK (tests point FEISHU_DOMAIN at a fake on
127.0.0.1). Failures become `SendFailed`, retryable or not, so the outbox and
the receiving side decide alike what to do with them.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lark_oapi as lark
from lark_oapi.api.contact.v3 import (
    BatchGetIdUserRequest,
    BatchGetIdUserRequestBody,
    GetUserRequest,
)
from lark_oapi.api.im.v1 import (
    CreateFileRequest,
    CreateFileRequestBody,
    CreateImageRequest,
    CreateImageRequestBody,
    CreateMessageRequest,
    CreateMessageRequestBody,
    PatchMessageRequest,
    PatchMessageRequestBody,
    ReplyMessageRequest,
    ReplyMessageRequestBody,
)
from lark_oapi.api.tenant.v2 import QueryTenantRequest
from lark_oapi.core.exception import ObtainAccessTokenException
from lark_oapi.core.token.manager import TokenManager

from bot.delivery import SendFailed
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

RATE_LIMITED = 99991400  # Feishu's "too many requests", with x-ogw-ratelimit-reset
# Token errors Feishu answers for a wrong app id or secret.
_BAD_SECRET = {10014}
UUID_MAX = 50  # Feishu refuses a longer idempotency key


def domain_url(settings: Settings) -> str:
    if settings.feishu_domain == "feishu":
        return str(lark.FEISHU_DOMAIN)
    if settings.feishu_domain == "lark":
        return str(lark.LARK_DOMAIN)
    return settings.feishu_domain


def default_locale(settings: Settings) -> str:
    """The language a new workspace starts in: Chinese on Feishu, English on Lark."""
    if settings.feishu_domain == "lark" or "larksuite" in settings.feishu_domain:
        return "en"
    return "zh"


def send_uuid(key: str) -> str:
    """The idempotency key Feishu keeps for an hour: the outbox key, hashed when too long."""
    if len(key) <= UUID_MAX:
        return key
    return hashlib.sha256(key.encode()).hexdigest()[:UUID_MAX]


@dataclass(frozen=True, slots=True)
class Profile:
    name: str = ""
    timezone: str | None = None


class FeishuApi:
    """The Open Platform calls okrbot needs, over one lark-oapi Client."""

    def __init__(
        self,
        settings: Settings,
        *,
        timeout: float = 10.0,
        ticket: Callable[[], str | None] | None = None,
    ) -> None:
        if settings.feishu_app_id is None or settings.feishu_app_secret is None:
            raise SettingsError("FEISHU_APP_ID and FEISHU_APP_SECRET must both be set for Feishu")
        self.app_id = settings.feishu_app_id
        self.app_secret = settings.feishu_app_secret.get_secret_value()
        self.domain = domain_url(settings)
        # A store app serves every tenant that installs it, each call with that tenant's
        # token; the SDK gets it (and caches it) from the app_ticket handed to each call.
        self.marketplace = settings.feishu_app_type == "marketplace"
        self._ticket = ticket or (lambda: None)
        builder = (
            lark.Client.builder()
            .app_id(self.app_id)
            .app_secret(self.app_secret)
            .domain(self.domain)
            .timeout(timeout)
            .log_level(lark.LogLevel.WARNING)
        )
        if self.marketplace:
            builder = builder.app_type(lark.AppType.ISV)
        try:
            self.client = builder.build()
        except ValueError as error:
            raise SettingsError(f"FEISHU_DOMAIN: {error}") from None
        self._profiles: dict[tuple[str, str], tuple[float, Profile]] = {}
        self._lock = threading.Lock()
        self.bot_open_id: str | None = None
        # A custom app's own tenant (read at start): events from any other are refused.
        self.own_tenant: str | None = None

    # --- start ------------------------------------------------------------------

    def check(self) -> None:
        """Get a tenant access token, so a wrong id or secret stops the bot at start."""
        if self.marketplace:
            self._check_store_app()
            return
        try:
            TokenManager.get_self_tenant_token(self.client._config)
        except ObtainAccessTokenException as error:
            code = getattr(error, "code", None)
            if code in _BAD_SECRET:
                raise SettingsError(
                    f"FEISHU_APP_SECRET is not the secret of app {self.app_id} "
                    f"(Feishu said {code}: {getattr(error, 'msg', '')})"
                ) from None
            raise SettingsError(
                f"FEISHU_APP_ID / FEISHU_APP_SECRET were refused by {self.domain} "
                f"(Feishu said {code}: {getattr(error, 'msg', '')})"
            ) from None
        except Exception as error:
            raise SettingsError(
                f"FEISHU_DOMAIN: could not reach {self.domain} to check FEISHU_APP_ID: {error}"
            ) from None
        self.bot_open_id = self._bot_open_id()
        try:
            self.own_tenant = self.tenant()[0]
        except SendFailed as error:
            log.warning(
                "could not read the app's own tenant (%s): events are not checked for it",
                error.reason,
            )

    def _check_store_app(self) -> None:
        """A store app's secret is checked with the kept app_ticket; without one, Feishu is
        asked to push a ticket now rather than at the top of the hour."""
        ticket = self._ticket()
        if ticket is None:
            self.resend_ticket()
            return
        try:
            TokenManager.get_isv_app_token(self.client._config, ticket)
        except ObtainAccessTokenException as error:
            code = getattr(error, "code", None)
            if code in _BAD_SECRET:
                raise SettingsError(
                    f"FEISHU_APP_SECRET is not the secret of app {self.app_id} "
                    f"(Feishu said {code}: {getattr(error, 'msg', '')})"
                ) from None
            # An expired ticket: ask for a fresh one; the tokens follow when it comes.
            log.warning("the kept app_ticket was refused (%s): asking for a new one", code)
            self.resend_ticket()
        except Exception as error:
            raise SettingsError(
                f"FEISHU_DOMAIN: could not reach {self.domain} to check FEISHU_APP_ID: {error}"
            ) from None

    def resend_ticket(self) -> None:
        """Ask Feishu to push the store app's app_ticket now (it comes as an event)."""
        request = (
            lark.BaseRequest.builder()
            .http_method(lark.HttpMethod.POST)
            .uri("/open-apis/auth/v3/app_ticket/resend")
            .token_types(set())
            .headers({"Content-Type": "application/json; charset=utf-8"})
            .body({"app_id": self.app_id, "app_secret": self.app_secret})
            .build()
        )
        try:
            self._call(lambda: self.client.request(request), "app_ticket resend")
        except SendFailed as error:
            log.warning("could not ask Feishu for a new app_ticket: %s", error.reason)

    def option(self, tenant: str | None) -> lark.RequestOption | None:
        """What a call needs to go with `tenant`'s own token (a store app); None for a
        custom app, whose one tenant token the SDK gets by itself."""
        if not self.marketplace:
            return None
        if not tenant:
            raise SendFailed("a store app's call needs the tenant it is for", retryable=False)
        ticket = self._ticket()
        if ticket is None:
            raise SendFailed("no app_ticket from Feishu yet", retryable=True)
        return lark.RequestOption.builder().tenant_key(tenant).app_ticket(ticket).build()

    def forget_tenant(self, tenant: str) -> None:
        """Drop the token the SDK keeps for a store app's tenant: an uninstall ends it, and
        a re-install comes with a new one (the SDK would send the old one until it expires)."""
        cache = getattr(TokenManager.cache, "cache", None)
        if isinstance(cache, dict):
            cache.pop(f"isv_tenant_token:{self.app_id}:{tenant}", None)

    def _bot_open_id(self) -> str | None:
        """The bot's own open_id, to tell its @-mention from a colleague's."""
        try:
            data = self._raw("GET", "/open-apis/bot/v3/info", None)
        except SendFailed as error:
            log.warning("could not read the bot's own id: %s", error)
            return None
        bot = data.get("bot")
        open_id = bot.get("open_id") if isinstance(bot, dict) else None
        return open_id if isinstance(open_id, str) else None

    # --- messages -----------------------------------------------------------------

    def create(
        self,
        *,
        receive_id_type: str,
        receive_id: str,
        msg_type: str,
        content: str,
        uuid: str,
        tenant: str | None = None,
    ) -> str:
        request = (
            CreateMessageRequest.builder()
            .receive_id_type(receive_id_type)
            .request_body(
                CreateMessageRequestBody.builder()
                .receive_id(receive_id)
                .msg_type(msg_type)
                .content(content)
                .uuid(send_uuid(uuid))
                .build()
            )
            .build()
        )
        response = self._call(
            lambda: self.client.im.v1.message.create(request, self.option(tenant)), "send"
        )
        return str(response.data.message_id)

    def reply(
        self, *, message_id: str, msg_type: str, content: str, uuid: str, tenant: str | None = None
    ) -> str:
        request = (
            ReplyMessageRequest.builder()
            .message_id(message_id)
            .request_body(
                ReplyMessageRequestBody.builder()
                .msg_type(msg_type)
                .content(content)
                .uuid(send_uuid(uuid))
                .build()
            )
            .build()
        )
        response = self._call(
            lambda: self.client.im.v1.message.reply(request, self.option(tenant)), "reply"
        )
        return str(response.data.message_id)

    def patch(self, *, message_id: str, content: str, tenant: str | None = None) -> str:
        request = (
            PatchMessageRequest.builder()
            .message_id(message_id)
            .request_body(PatchMessageRequestBody.builder().content(content).build())
            .build()
        )
        self._call(lambda: self.client.im.v1.message.patch(request, self.option(tenant)), "update")
        return message_id

    def ephemeral(
        self, *, chat_id: str, open_id: str, card: dict[str, Any], tenant: str | None = None
    ) -> str:
        """A card in a group that only `open_id` sees (Feishu has no ephemeral text)."""
        data = self._raw(
            "POST",
            "/open-apis/ephemeral/v1/send",
            {"chat_id": chat_id, "open_id": open_id, "msg_type": "interactive", "card": card},
            tenant=tenant,
        )
        inner = data.get("data")
        return str(inner.get("message_id", "")) if isinstance(inner, dict) else ""

    def upload_image(self, data: bytes, *, tenant: str | None = None) -> str:
        request = (
            CreateImageRequest.builder()
            .request_body(
                CreateImageRequestBody.builder()
                .image_type("message")
                .image(io.BytesIO(data))
                .build()
            )
            .build()
        )
        response = self._call(
            lambda: self.client.im.v1.image.create(request, self.option(tenant)), "image upload"
        )
        return str(response.data.image_key)

    def upload_file(self, data: bytes, filename: str, *, tenant: str | None = None) -> str:
        """A file for a file message (an .xlsx export); its file_key."""
        request = (
            CreateFileRequest.builder()
            .request_body(
                CreateFileRequestBody.builder()
                .file_type("xls" if filename.endswith((".xls", ".xlsx")) else "stream")
                .file_name(filename)
                .file(io.BytesIO(data))
                .build()
            )
            .build()
        )
        response = self._call(
            lambda: self.client.im.v1.file.create(request, self.option(tenant)), "file upload"
        )
        return str(response.data.file_key)

    # --- people -------------------------------------------------------------------

    def profile(self, tenant: str, open_id: str, *, ttl: float = 3600.0) -> Profile:
        """Name and timezone from the contact API, cached; empty when it cannot be read."""
        key = (tenant, open_id)
        now = time.monotonic()
        with self._lock:
            cached = self._profiles.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        request = GetUserRequest.builder().user_id(open_id).user_id_type("open_id").build()
        try:
            response = self._call(
                lambda: self.client.contact.v3.user.get(request, self.option(tenant)), "contact"
            )
            user = response.data.user
            profile = Profile(name=user.name or user.en_name or "", timezone=user.time_zone or None)
        except SendFailed as error:
            # Without the contact scope the bot still works; people just show by handle.
            log.warning("could not read %s from the contact API: %s", open_id, error)
            profile = Profile()
            ttl = 60.0
        with self._lock:
            self._profiles[key] = (now + ttl, profile)
        return profile

    def open_ids_by_email(self, emails: list[str]) -> dict[str, str]:
        """Email (lower case) -> open_id, for the tenant's people with these emails (50 a call)."""
        found: dict[str, str] = {}
        for start in range(0, len(emails), 50):
            request = (
                BatchGetIdUserRequest.builder()
                .user_id_type("open_id")
                .request_body(
                    BatchGetIdUserRequestBody.builder().emails(emails[start : start + 50]).build()
                )
                .build()
            )
            response = self._call(
                lambda request=request: self.client.contact.v3.user.batch_get_id(request),
                "contact lookup",
            )
            for user in response.data.user_list or []:
                if user.user_id and user.email:
                    found[user.email.casefold()] = user.user_id
        return found

    def tenant(self) -> tuple[str, str]:
        """The tenant this custom app belongs to: its tenant_key and name."""
        response = self._call(
            lambda: self.client.tenant.v2.tenant.query(QueryTenantRequest.builder().build()),
            "tenant",
        )
        tenant = response.data.tenant
        return str(tenant.tenant_key), str(tenant.name or "")

    # --- plumbing -----------------------------------------------------------------

    def _call(self, call: Any, what: str) -> Any:
        try:
            response = call()
        except SendFailed:
            raise
        except ObtainAccessTokenException as error:
            raise SendFailed(f"{what}: no tenant access token ({error})", retryable=True) from None
        except Exception as error:  # connection refused, timeout, an unreadable answer
            raise SendFailed(f"{what}: {type(error).__name__}: {error}", retryable=True) from None
        if response.success():
            return response
        raw = response.raw
        status = raw.status_code if raw is not None else None
        headers = raw.headers if raw is not None else {}
        raise _failure(what, status, response.code, response.msg, headers)

    def _raw(
        self, method: str, uri: str, body: dict[str, Any] | None, *, tenant: str | None = None
    ) -> dict[str, Any]:
        request = (
            lark.BaseRequest.builder()
            .http_method(lark.HttpMethod[method])
            .uri(uri)
            .token_types({lark.AccessTokenType.TENANT})
            .headers({"Content-Type": "application/json; charset=utf-8"})
            .body(body)
            .build()
        )
        response = self._call(lambda: self.client.request(request, self.option(tenant)), uri)
        content = response.raw.content if response.raw is not None else b""
        try:
            data = json.loads(content or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _failure(
    what: str, status: int | None, code: int | None, msg: str | None, headers: dict[str, str]
) -> SendFailed:
    reason = f"{what}: HTTP {status}, code {code}: {msg}"
    if status == 429 or code == RATE_LIMITED:
        reset = _header(headers, "x-ogw-ratelimit-reset")
        try:
            retry_after = max(float(reset), 0.0) if reset is not None else 1.0
        except ValueError:
            retry_after = 1.0
        # The window's limit names which of the app's limits was exceeded.
        limit = _number(_header(headers, "x-ogw-ratelimit-limit"))
        return SendFailed(reason, retryable=True, retry_after=retry_after, limit=limit)
    if status is not None and status >= 500:
        return SendFailed(reason, retryable=True)
    return SendFailed(reason, retryable=False)


def _number(raw: str | None) -> float | None:
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None
