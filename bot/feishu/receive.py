"""Receiving from Feishu: one dispatcher behind both the webhook and the long connection.

Message and menu events are answered at once and handled on a worker, the
replies going out through the API, so Feishu never waits past its 3 s. Card
callbacks are handled inside the request, because their answer (a toast and
the card that replaces the clicked one) is the reply.

The webhook checks each request itself before the SDK sees it: the body is
JSON (decrypted with the encrypt key), the verification token matches, and a
signed request is signed right, at most 5 minutes old and not seen before (its
nonce is kept in the database, so every replica refuses a replay). Anything
else gets 400/401 and one WARNING line, stored nowhere; the SDK's own logger is
kept quiet while it reads a request, so a refusal never logs its traceback.
Events okrbot does not subscribe to (message-read receipts, schema 1.0) are
taken with 200, so Feishu stops pushing them.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import lark_oapi as lark
from lark_oapi.api.application.v6 import P2ApplicationBotMenuV6
from lark_oapi.api.im.v1 import (
    P2ImChatAccessEventBotP2pChatEnteredV1,
    P2ImChatMemberBotAddedV1,
    P2ImMessageReceiveV1,
)
from lark_oapi.core.utils.decryptor import AESCipher
from lark_oapi.event.callback.model.p2_card_action_trigger import (
    P2CardActionTrigger,
    P2CardActionTriggerResponse,
)
from lark_oapi.event.custom import CustomizedEvent
from sqlalchemy.exc import SQLAlchemyError

from bot import pages
from bot.delivery import SendFailed
from bot.feishu import render, translate
from bot.feishu.client import FeishuApi
from bot.feishu.tickets import TicketBox
from bot.http import HttpRequest, HttpResponse
from bot.quiet import quiet
from bot.transfer import attach
from handlers.app import OkrApp
from handlers.clock import Clock, SystemClock
from handlers.events import Actor, ButtonPressed, Command, Event, FormSubmitted
from handlers.i18n import translator
from handlers.views import (
    Context,
    File,
    Form,
    FormErrors,
    Home,
    Image,
    Message,
    Outcome,
    Text,
    View,
    plain,
)
from storage.db import SessionFactory
from storage.repos import installs, nonces, workspaces

log = logging.getLogger(__name__)

_JSON = {"content-type": "application/json; charset=utf-8"}
# A signed request older than this (or this far ahead) is refused; its nonce is
# remembered twice as long, so a replay is caught whichever way the clocks lean.
FRESH_SECONDS = 300
NONCE_KEEP = timedelta(seconds=2 * FRESH_SECONDS)
# The SDK's logger: it logs a traceback for every request it refuses.
SDK_LOGGER = "Lark"
# How long this process trusts that a store app's tenant is installed before reading it again.
ADMITTED_SECONDS = 30.0
# Events Feishu pushes to a bot that okrbot has nothing to do for: taken, so
# Feishu does not push them again (over the long connection too).
IGNORED_EVENTS = (
    "im.message.message_read_v1",
    "im.message.recalled_v1",
    "im.message.reaction.created_v1",
    "im.message.reaction.deleted_v1",
    "im.chat.member.bot.deleted_v1",
    "im.chat.member.user.added_v1",
    "im.chat.member.user.deleted_v1",
    "im.chat.member.user.withdrawn_v1",
    "im.chat.updated_v1",
    "im.chat.disbanded_v1",
)


class _Seen:
    """Recently seen event and message ids: a re-push inside the process stops here."""

    def __init__(self, size: int = 20_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first(self, *ids: str | None) -> bool:
        keys = [key for key in ids if key]
        with self._lock:
            if any(key in self._ids for key in keys):
                return False
            for key in keys:
                self._ids[key] = None
            while len(self._ids) > self._size:
                self._ids.popitem(last=False)
        return True


@dataclass(frozen=True, slots=True)
class _Where:
    """Where the answer to an event goes."""

    tenant: str
    open_id: str
    message_id: str | None = None  # reply to this message
    chat_id: str | None = None
    group: bool = False


class FeishuReceiver:
    def __init__(
        self,
        *,
        app: OkrApp,
        api: FeishuApi,
        sessions: SessionFactory,
        default_locale: str,
        default_timezone: str,
        verification_token: str = "",
        encrypt_key: str = "",
        workers: int = 4,
        wall: Callable[[], float] = time.time,
        clock: Clock | None = None,
        tickets: TicketBox | None = None,
    ) -> None:
        self.app = app
        self.api = api
        self.sessions = sessions
        self.default_locale = default_locale
        self.default_timezone = default_timezone
        self._seen = _Seen()
        self._nonces = _Seen(size=50_000)
        self.encrypt_key = encrypt_key
        self.verification_token = verification_token
        self.wall = wall
        self.clock = clock or SystemClock()
        self.tickets = tickets
        self._known_tenants: set[str] = set()
        self._admitted: dict[str, float] = {}  # store-app tenants found installed, until
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="feishu-worker")
        self._pending: set[Future[None]] = set()
        self._pending_lock = threading.Lock()
        self._reached = threading.local()
        builder = (
            lark.EventDispatcherHandler.builder(encrypt_key, verification_token)
            .register_p2_im_message_receive_v1(self._entry(self.on_message))
            .register_p2_application_bot_menu_v6(self._entry(self.on_menu))
            .register_p2_card_action_trigger(self._entry(self.on_card))
            .register_p2_im_chat_member_bot_added_v1(self._entry(self.on_added_to_group))
            .register_p2_im_chat_access_event_bot_p2p_chat_entered_v1(
                self._entry(self.on_chat_entered)
            )
        )
        for event_type in IGNORED_EVENTS:
            builder = builder.register_p2_customized_event(event_type, self._ignore)
        self.dispatcher = builder.build()
        self.handled = frozenset(
            {
                "im.message.receive_v1",
                "application.bot.menu_v6",
                "card.action.trigger",
                "im.chat.member.bot.added_v1",
                "im.chat.access_event.bot_p2p_chat_entered_v1",
            }
        )

    # --- the webhook ----------------------------------------------------------------

    def route(self, request: HttpRequest) -> HttpResponse:
        """POST /feishu/events: events, card callbacks and the URL check."""
        if request.method != "POST":
            return HttpResponse(status=405, body=b'{"msg":"POST only"}', headers=_JSON)
        headers = {_canonical(name): value for name, value in request.headers.items()}
        checked = self._check(request.body, headers)
        if isinstance(checked, HttpResponse):
            return checked
        schema, event_type = translate.event_kind(checked)
        if schema == "1.0" and self.api.marketplace and event_type in translate.STORE_APP_EVENTS:
            self._store_app_event(checked)
            return _taken()
        if schema == "1.0":
            log.info(
                "Feishu sent a schema 1.0 event (%s): taken, not handled; okrbot reads schema 2.0",
                event_type or "no type",
            )
            return _taken()
        if event_type != "url_verification" and event_type not in self.handled:
            log.debug("Feishu sent %s: taken, nothing to do", event_type or "an unknown payload")
            return _taken()
        raw = lark.RawRequest()
        raw.uri = request.path
        raw.body = request.body
        raw.headers = headers
        self._reached.value = False
        with quiet(SDK_LOGGER):
            response = self.dispatcher.do(raw)
        status = response.status_code or 500
        body = response.content or b""
        if status >= 500 and not getattr(self._reached, "value", False):
            return _refusal(body)
        return HttpResponse(status=status, body=body, headers=_JSON)

    def _check(self, body: bytes, headers: Mapping[str, str]) -> dict[str, Any] | HttpResponse:
        """The request's payload (decrypted), or the refusal to answer it with."""
        try:
            outer = json.loads(body)
        except ValueError:
            return _refuse(400, "its body is not JSON")
        if not isinstance(outer, dict):
            return _refuse(400, "its body is not a JSON object")
        payload: Any = outer
        encrypted = outer.get("encrypt")
        if encrypted is not None:
            if not self.encrypt_key:
                return _refuse(401, "it is encrypted, and FEISHU_ENCRYPT_KEY is not set")
            try:
                payload = json.loads(AESCipher(self.encrypt_key).decrypt_str(str(encrypted)))
            except Exception:  # the SDK's decryptor raises whatever the bytes provoke
                return _refuse(401, "it does not decrypt with FEISHU_ENCRYPT_KEY")
            if not isinstance(payload, dict):
                return _refuse(400, "its decrypted body is not a JSON object")
        kind = translate.event_kind(payload)[1]
        token = translate.event_token(payload)
        expected = self.verification_token
        # As the SDK: with an encrypt key, the signature vouches for a payload without a token.
        must_match = not self.encrypt_key or kind == "url_verification" or token is not None
        if expected and must_match and not _same(token, expected):
            return _refuse(401, "its verification token is wrong")
        if self.encrypt_key and kind != "url_verification":
            refused = self._check_signature(body, headers)
            if refused is not None:
                return refused
        return payload

    def _check_signature(self, body: bytes, headers: Mapping[str, str]) -> HttpResponse | None:
        timestamp = headers.get("X-Lark-Request-Timestamp", "")
        nonce = headers.get("X-Lark-Request-Nonce", "")
        signature = headers.get("X-Lark-Signature", "")
        if not timestamp or not nonce or not signature:
            return _refuse(401, "it is not signed")
        expected = hashlib.sha256(
            (timestamp + nonce + self.encrypt_key).encode() + body
        ).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return _refuse(401, "its signature is wrong")
        if not (timestamp.isascii() and timestamp.isdigit()):
            return _refuse(401, "its timestamp is not a number")
        now = self.wall()
        if abs(now - int(timestamp)) > FRESH_SECONDS:
            return _refuse(401, "it was signed over 5 minutes ago")
        if not self._nonces.first(nonce) or not self._first_use(nonce, now):
            return _refuse(401, "its nonce was used before (a replayed request)")
        return None

    def _first_use(self, nonce: str, now: float) -> bool:
        """The nonce's first use on any replica (the database); this replica's memory alone
        when the database cannot be reached, so the request is not lost for it."""
        try:
            with self.sessions.begin() as session:
                return nonces.first_use(
                    session=session,
                    platform=translate.PLATFORM,
                    nonce=nonce[:128],
                    now=datetime.fromtimestamp(now, UTC),
                    keep=NONCE_KEEP,
                )
        except SQLAlchemyError as error:
            log.warning(
                "could not record a Feishu nonce (%s): this replica's memory decides", error
            )
            return True

    # --- the handlers both modes share -----------------------------------------------

    def _entry(self, handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def entered(data: Any) -> Any:
            self._reached.value = True
            try:
                header = getattr(data, "header", None)
                tenant = getattr(header, "tenant_key", None)
                if tenant and not self._admits(tenant):
                    # Nothing is stored or answered for a tenant okrbot does not serve.
                    return (
                        P2CardActionTriggerResponse({})
                        if isinstance(data, P2CardActionTrigger)
                        else None
                    )
                return handler(data)
            except Exception:
                # Answering 500 would make Feishu push the event again and again.
                log.exception("failed to take a Feishu event")
                return (
                    P2CardActionTriggerResponse({})
                    if isinstance(data, P2CardActionTrigger)
                    else None
                )

        return entered

    def _admits(self, tenant: str) -> bool:
        """Whether okrbot serves this tenant: a custom app its own tenant alone (as read
        at start), a store app every tenant that installed it and has not uninstalled."""
        if not self.api.marketplace:
            own = self.api.own_tenant
            if own is None or tenant == own:
                return True
            log.warning(
                "refused a Feishu event from tenant %s: this custom app belongs to tenant %s",
                tenant,
                own,
            )
            return False
        now = time.monotonic()
        if self._admitted.get(tenant, 0.0) > now:
            return True
        with self.sessions.begin() as session:
            grant = installs.grant_of(
                session=session, platform=translate.PLATFORM, external_id=tenant
            )
        if grant is None or not grant.installed:
            log.warning(
                "refused a Feishu event from tenant %s: it has %s the app",
                tenant,
                "not installed" if grant is None else "uninstalled",
            )
            return False
        self._admitted[tenant] = now + ADMITTED_SECONDS
        return True

    # --- a store app's own events ------------------------------------------------------

    def _store_app_event(self, payload: dict[str, Any]) -> None:
        event = translate.app_event(payload)
        if event is None:
            log.warning("Feishu sent a store-app event okrbot cannot read: taken, not handled")
            return
        if event.app_id != self.api.app_id:
            log.warning(
                "refused a Feishu %s for app %s: this is app %s",
                type(event).__name__,
                event.app_id,
                self.api.app_id,
            )
            return
        at = datetime.fromtimestamp(self.wall(), UTC)
        if isinstance(event, translate.AppTicket):
            if self.tickets is not None:
                self.tickets.put(event.ticket, at=at)
            return
        event_id = translate.event_id_v1(payload)
        if not self._seen.first(event_id):
            return
        if isinstance(event, translate.AppOpened):
            self._installed(event, at, event_id)
        else:
            self._uninstalled(event, at)

    def _installed(self, event: translate.AppOpened, at: datetime, event_id: str | None) -> None:
        """app_open: the tenant's workspace is made (or resumed), and the installer greeted."""
        with self.sessions.begin() as session:
            done = installs.installed(
                session=session,
                platform=translate.PLATFORM,
                external_id=event.tenant,
                at=at,
                now=self.clock.now(),
                app_id=event.app_id,
                default_locale=self.default_locale,
                default_timezone=self.default_timezone,
            )
            created, resumed = done.created, done.change.rows
        self._known_tenants.add(event.tenant)
        self._admitted.pop(event.tenant, None)
        self.api.forget_tenant(event.tenant)
        if created:
            log.info("Feishu tenant %s installed the app", event.tenant)
        else:
            log.info(
                "Feishu tenant %s has the app again: %d parked outbox rows resume",
                event.tenant,
                resumed,
            )
        if event.installer:
            where = _Where(tenant=event.tenant, open_id=event.installer)
            key = f"installed:{event_id or event.tenant}"
            self._later(lambda: self._send_reply(where, self._installed_welcome(), key))

    def _uninstalled(self, event: translate.AppGone, at: datetime) -> None:
        """app_uninstalled: sending to the tenant stops at once; its data is kept."""
        self._admitted.pop(event.tenant, None)
        self.api.forget_tenant(event.tenant)
        with self.sessions.begin() as session:
            change = installs.uninstall(
                session=session, platform=translate.PLATFORM, external_id=event.tenant, at=at
            )
        log.info(
            "Feishu tenant %s uninstalled the app; %d outbox rows parked until it is back",
            event.tenant,
            change.rows,
        )

    def on_message(self, data: P2ImMessageReceiveV1) -> None:
        header, event = data.header, data.event
        if event is None or event.message is None or event.sender is None:
            return
        message, sender = event.message, event.sender
        if sender.sender_type not in (None, "user"):
            return  # another bot, or the bot itself
        event_id = header.event_id if header else None
        if not self._seen.first(event_id, message.message_id):
            log.info("Feishu pushed %s again: ignored", event_id or message.message_id)
            return
        text = translate.message_text(message.message_type, message.content)
        open_id = sender.sender_id.open_id if sender.sender_id else None
        tenant = sender.tenant_key or (header.tenant_key if header else None)
        if not open_id or not tenant:
            return
        if text is None:
            if message.chat_type == "p2p" and message.message_type in translate.UNREADABLE_TYPES:
                where = _Where(tenant=tenant, open_id=open_id, message_id=message.message_id)
                key = f"{message.message_id or event_id}:text-only"
                self._later(lambda: self._send_reply(where, self._text_only(), key))
            return  # in a group, a picture is not for the bot
        mentions = [
            translate.MentionIn(
                key=m.key or "",
                open_id=(m.id.open_id if m.id else None) or "",
                name=m.name or "",
                is_bot=m.mentioned_type == "bot",
            )
            for m in (message.mentions or [])
            if m.key
        ]
        group = message.chat_type != "p2p"
        parsed = translate.command_text(text, mentions, self.api.bot_open_id)
        if group and not parsed.mentions_bot:
            return  # group chatter that is not addressed to the bot
        where = _Where(
            tenant=tenant,
            open_id=open_id,
            message_id=message.message_id,
            chat_id=message.chat_id,
            group=group,
        )
        # The message id is the durable key: every re-push of a message carries it.
        self._later(
            lambda: self._command(where, parsed, message.message_id or event_id, message.chat_id)
        )

    def on_menu(self, data: P2ApplicationBotMenuV6) -> None:
        header, event = data.header, data.event
        if event is None or event.operator is None or event.operator.operator_id is None:
            return
        event_id = header.event_id if header else None
        if not self._seen.first(event_id):
            return
        open_id = event.operator.operator_id.open_id
        tenant = header.tenant_key if header else None
        if not open_id or not tenant:
            return
        text = translate.menu_command(event.event_key)
        where = _Where(tenant=tenant, open_id=open_id)
        parsed = translate.CommandText(
            text="help" if text is None else text, mentions={}, mentions_bot=True
        )
        self._later(lambda: self._command(where, parsed, event_id, None))

    def on_added_to_group(self, data: P2ImChatMemberBotAddedV1) -> None:
        """Added to a group: one card there saying how to make it a team's channel."""
        header, event = data.header, data.event
        if event is None or not event.chat_id:
            return
        event_id = header.event_id if header else None
        if not self._seen.first(event_id):
            return
        chat_id = event.chat_id
        where = _Where(
            tenant=(header.tenant_key if header else None) or "", open_id="", chat_id=chat_id
        )
        # The key makes a re-push of this event one message, not two.
        self._later(lambda: self._send_to_chat(where, self._group_welcome(), f"welcome:{event_id}"))

    def on_chat_entered(self, data: P2ImChatAccessEventBotP2pChatEnteredV1) -> None:
        """Someone opened a direct chat with the bot: a welcome, the first time only."""
        header, event = data.header, data.event
        if event is None or event.operator_id is None or not event.operator_id.open_id:
            return
        if event.last_message_id:
            return  # they have written here before: not a first chat
        event_id = header.event_id if header else None
        if not self._seen.first(event_id):
            return
        tenant = (header.tenant_key if header else None) or ""
        where = _Where(tenant=tenant, open_id=event.operator_id.open_id)
        self._later(lambda: self._send_reply(where, self._direct_welcome(), f"welcome:{event_id}"))

    def _ignore(self, data: CustomizedEvent) -> None:
        header = data.header
        log.debug("Feishu sent %s: taken, nothing to do", header.event_type if header else "?")

    # --- what the bot says by itself ---------------------------------------------------

    def _text_only(self) -> Message:
        tr = translator(self.default_locale)
        text = tr.t(
            "I can only read text. Send me a command as a message, for example: checkin KR1 600."
        )
        return Message(summary=text, blocks=(Text(text),))

    def _group_welcome(self) -> Message:
        tr = translator(self.default_locale)
        title = tr.t("Hello! I'm okrbot: I keep your team's OKR rhythm.")
        how = tr.t(
            "To make this group a team's channel, its manager @-mentions me here with: "
            "team new TEAM NAME. Monday plans and Friday digests are then posted here."
        )
        more = tr.t("@-mention me with help to see every command.")
        return Message(
            summary=title, blocks=(Text(title), Text(how), Context(more)), in_channel=True
        )

    def _direct_welcome(self) -> Message:
        tr = translator(self.default_locale)
        title = tr.t("Welcome to okrbot! Write to me here, no /okr needed.")
        how = tr.t(
            "Try: my (your OKRs), checkin KR1 600 (a check-in), plan (this week's tasks) "
            "or help (every command)."
        )
        return Message(summary=title, blocks=(Text(title), Text(how)))

    def _installed_welcome(self) -> Message:
        tr = translator(self.default_locale)
        title = tr.t("Thanks for installing okrbot! I keep your teams' OKR rhythm.")
        how = tr.t(
            "Try: my (your OKRs), checkin KR1 600 (a check-in), plan (this week's tasks) "
            "or help (every command)."
        )
        return Message(summary=title, blocks=(Text(title), Text(how)))

    def on_card(self, data: P2CardActionTrigger) -> P2CardActionTriggerResponse:
        header, event = data.header, data.event
        if event is None or event.operator is None or event.action is None:
            return P2CardActionTriggerResponse({})
        event_id = header.event_id if header else None
        if not self._seen.first(event_id):
            return P2CardActionTriggerResponse({})
        open_id = event.operator.open_id
        tenant = event.operator.tenant_key or (header.tenant_key if header else None)
        if not open_id or not tenant:
            return P2CardActionTriggerResponse({})
        chat_id = event.context.open_chat_id if event.context else None
        actor = self._actor(tenant, open_id)
        action = event.action
        submitted = translate.form_submission(action.value, action.form_value)
        neutral: Event
        if submitted is not None:
            form_id, context, values = submitted
            neutral = FormSubmitted(
                actor=actor, form_id=form_id, values=values, context=context, event_id=event_id
            )
        else:
            pressed = translate.button_value(action.value)
            if pressed is None:
                return P2CardActionTriggerResponse({})
            neutral = ButtonPressed(
                actor=actor,
                action=pressed[0],
                value=pressed[1],
                channel_id=chat_id,
                event_id=event_id,
            )
        outcome = self.app.handle(neutral)
        shared = isinstance(action.value, dict) and bool(action.value.get("shared"))
        where = _Where(tenant=tenant, open_id=open_id, chat_id=chat_id, group=shared)
        return self._card_answer(outcome, where, event_id, shared=shared)

    # --- handling --------------------------------------------------------------------

    def _command(
        self,
        where: _Where,
        parsed: translate.CommandText,
        event_id: str | None,
        channel_id: str | None,
    ) -> None:
        actor = self._actor(where.tenant, where.open_id)
        outcome = self.app.handle(
            Command(
                actor=actor,
                text=parsed.text,
                mentions=parsed.mentions,
                channel_id=channel_id,
                event_id=event_id,
                direct=not where.group,
            )
        )
        for index, view in enumerate(outcome.replies):
            if isinstance(view, FormErrors):
                continue
            self._send_reply(where, view, f"{event_id}:{index}")

    def _actor(self, tenant: str, open_id: str) -> Actor:
        self._ensure_workspace(tenant)
        profile = self.api.profile(tenant, open_id)
        return Actor(
            platform=translate.PLATFORM,
            workspace_id=tenant,
            user_id=open_id,
            display_name=profile.name,
            timezone=profile.timezone,
        )

    def _ensure_workspace(self, tenant: str) -> None:
        """A new tenant starts in the edition's language: Chinese on Feishu, English on Lark."""
        if tenant in self._known_tenants:
            return
        for attempt in range(3):
            try:
                with self.sessions.begin() as session:
                    workspaces.get_or_create_workspace(
                        session=session,
                        platform=translate.PLATFORM,
                        external_id=tenant,
                        default_locale=self.default_locale,
                        default_timezone=self.default_timezone,
                    )
                self._known_tenants.add(tenant)
                return
            except SQLAlchemyError as error:
                # SQLite refuses a write that raced another at once; the next try sees it.
                log.warning(
                    "could not set up workspace %s (try %d): %s", tenant, attempt + 1, error
                )
                time.sleep(0.05 * (attempt + 1))
        # The event still goes on: the app creates the workspace itself, in its default language.

    def _card_answer(
        self, outcome: Outcome, where: _Where, event_id: str | None, *, shared: bool
    ) -> P2CardActionTriggerResponse:
        """The toast and the card that replaces the clicked one; other replies sent after.

        On a card the whole group sees, only the product's update of that card
        replaces it; what is for the presser alone goes to them privately.
        """
        errors = [view for view in outcome.replies if isinstance(view, FormErrors)]
        if errors:
            text = "; ".join(message for _name, message in errors[0].errors)
            return P2CardActionTriggerResponse({"toast": {"type": "error", "content": text}})
        if outcome.refused:
            # An expired button, a press that is not allowed: say so, keep the card.
            first = next(
                (view for view in outcome.replies if not isinstance(view, FormErrors)), None
            )
            text = plain(_summary(first))[:200] if first is not None else ""
            return P2CardActionTriggerResponse({"toast": {"type": "warning", "content": text}})
        views = [view for view in outcome.replies if not isinstance(view, FormErrors)]
        shown: View | None = outcome.updated
        rest = views[1:] if shown is not None else views
        if shown is None and views and not shared:
            shown, rest = views[0], views[1:]
        answer: dict[str, Any] = {}
        if shown is not None:
            answer["card"] = {"type": "raw", "data": render.render(shown, shared=shared)}
        toast_from = views[0] if views else shown
        if toast_from is not None:
            answer["toast"] = {"type": "success", "content": plain(_summary(toast_from))[:200]}
        for index, view in enumerate(rest):
            self._later(functools.partial(self._send_reply, where, view, f"{event_id}:{index + 1}"))
        return P2CardActionTriggerResponse(answer)

    def _send_reply(self, where: _Where, view: Message | Home | Form, key: str) -> None:
        public = isinstance(view, Message) and view.in_channel
        try:
            keys: dict[str, str] = {}
            attached: list[File] = []
            if not isinstance(view, Form):
                view = pages.prepare(
                    view
                )  # charts and pages, on the worker: drawing takes a moment
                view = attach.prepare(view)
                attached = attach.files_of(view)
                for block in view.blocks:
                    if isinstance(block, Image) and block.data and block.filename not in keys:
                        keys[block.filename] = self.api.upload_image(
                            block.data, tenant=where.tenant
                        )
            card = render.render(view, image_keys=keys, shared=where.group and public)
            content = json.dumps(card, ensure_ascii=False)
            if where.message_id and (not where.group or public):
                self.api.reply(
                    message_id=where.message_id,
                    msg_type="interactive",
                    content=content,
                    uuid=key,
                    tenant=where.tenant,
                )
            elif where.group and where.chat_id:
                self.api.ephemeral(
                    chat_id=where.chat_id, open_id=where.open_id, card=card, tenant=where.tenant
                )
            else:
                self.api.create(
                    receive_id_type="open_id",
                    receive_id=where.open_id,
                    msg_type="interactive",
                    content=content,
                    uuid=key,
                    tenant=where.tenant,
                )
            for index, file in enumerate(attached):
                # A file goes to the person alone, even when asked for in a group.
                file_key = self.api.upload_file(file.data, file.filename, tenant=where.tenant)
                self.api.create(
                    receive_id_type="open_id",
                    receive_id=where.open_id,
                    msg_type="file",
                    content=json.dumps({"file_key": file_key}),
                    uuid=f"{key}:file{index}",
                    tenant=where.tenant,
                )
        except SendFailed as error:
            log.error("could not answer %s in Feishu: %s", where.open_id, error.reason)

    def _send_to_chat(self, where: _Where, view: Message, key: str) -> None:
        """A card to a whole group (the welcome), keyed so a re-push sends it once."""
        try:
            card = render.render(view, shared=True)
            self.api.create(
                receive_id_type="chat_id",
                receive_id=where.chat_id or "",
                msg_type="interactive",
                content=json.dumps(card, ensure_ascii=False),
                uuid=key[:50],
                tenant=where.tenant,
            )
        except SendFailed as error:
            log.warning("could not post in Feishu group %s: %s", where.chat_id, error.reason)

    # --- the worker ------------------------------------------------------------------

    def _later(self, job: Callable[[], None]) -> None:
        future = self._pool.submit(self._run, job)
        with self._pending_lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._pending_lock:
            self._pending.discard(future)

    @staticmethod
    def _run(job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:
            log.exception("failed to handle a Feishu event")

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for the events taken so far to be handled (tests, and a clean stop)."""
        with self._pending_lock:
            pending = set(self._pending)
        wait(pending, timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


def _summary(view: View) -> str:
    if isinstance(view, Form):
        return view.title
    return view.summary


def _canonical(name: str) -> str:
    """ "x-lark-signature" as the SDK looks it up: "X-Lark-Signature"."""
    return "-".join(part.capitalize() for part in name.split("-"))


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _taken() -> HttpResponse:
    return HttpResponse(status=200, body=b'{"msg":"ignored"}', headers=_JSON)


def _refuse(status: int, why: str) -> HttpResponse:
    log.warning("refused a request to /feishu/events: %s", why)
    body = b'{"msg":"unauthorized"}' if status == 401 else b'{"msg":"bad request"}'
    return HttpResponse(status=status, body=body, headers=_JSON)


def _refusal(body: bytes) -> HttpResponse:
    """What the SDK refused before any handler ran, as 401/403 (it says 500)."""
    try:
        reason = str(json.loads(body or b"{}").get("msg", ""))
    except ValueError:
        reason = ""
    if reason.startswith("processor not found"):
        # An event type okrbot does not subscribe to: taken, so Feishu stops pushing it.
        return HttpResponse(status=200, body=b'{"msg":"ignored"}', headers=_JSON)
    if any(word in reason for word in ("verification_token", "signature", "encrypt_key")):
        log.warning("refused a Feishu request: %s", reason)
        return HttpResponse(status=401, body=b'{"msg":"unauthorized"}', headers=_JSON)
    log.warning("refused a Feishu request that could not be read: %s", reason)
    return HttpResponse(status=403, body=b'{"msg":"forbidden"}', headers=_JSON)
