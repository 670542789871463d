"""The Slack connection: a Bolt app built from Settings, its listeners, and the ways in.

Every listener acknowledges first and works after (Bolt lazy listeners), so
Slack hears back within its 3 seconds whatever the database is doing. The one
exception is a modal's submit: Slack shows validation errors only in the
acknowledgement itself, so the submit is handled before the ack (one
transaction, no other team's data) and confirmed privately after it.

Acknowledgements run in the request's own thread (Bolt's
`process_before_response`: no polling for the ack every 10 ms), and in HTTP mode
the work after an ack starts only once the ack is sent (`AfterResponse`), so
the ack never waits for the interpreter behind the work it acknowledges.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient
from sqlalchemy.engine import Engine

from bot.http import HttpRequest, HttpResponse, Route
from bot.installs import InstallWatch
from bot.settings import Settings, SettingsError
from bot.slack import render, translate
from bot.slack.oauth import INSTALL_PATH, InstalledTokens, SlackOAuth, build_oauth
from bot.slack.sender import SlackSender
from bot.slack.translate import Person
from bot.transfer import attach
from bot.wiring import Runtime
from handlers.app import OkrApp
from handlers.events import Command, Event, HomeOpened, Installed
from handlers.i18n import translator
from handlers.views import File, Form, FormErrors, Home, Message, Outcome, Text, View
from storage.repos import installs as install_state

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
PEOPLE_TTL_SECONDS = 3600.0
# Errors that mean Slack does not accept the bot token at all.
_REFUSED_TOKEN = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)


def make_client(settings: Settings) -> WebClient:
    """The Web API client every Slack call goes through: on SLACK_API_URL, retrying
    dropped connections and waiting out 429s as Slack's Retry-After asks. With
    SLACK_BOT_TOKEN it carries that token; for installed workspaces it carries
    none, and each request's copy gets its workspace's own."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=1),
        ],
    )


class PeopleCache:
    """Name, timezone and locale of members from users.info, kept for a while.

    Each lookup goes through the client of the request at hand (`using`),
    which carries its workspace's token. A failed lookup is not an error for
    the person acting: they are handled with what is known, and the next
    event asks again.
    """

    def __init__(
        self, *, ttl: float = PEOPLE_TTL_SECONDS, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._now = now
        self._lock = threading.Lock()
        self._known: dict[tuple[str, str], tuple[float, Person]] = {}

    def using(self, client: WebClient) -> translate.People:
        """The people of `client`'s workspace, as translate looks them up."""
        return functools.partial(self.lookup, client)

    def lookup(self, client: WebClient, team_id: str, user_id: str) -> Person:
        key = (team_id, user_id)
        with self._lock:
            found = self._known.get(key)
        if found is not None and found[0] > self._now():
            return found[1]
        try:
            user = client.users_info(user=user_id, include_locale=True)["user"] or {}
        except SlackClientError as error:
            log.warning("users.info for %s failed: %s", user_id, error)
            return found[1] if found is not None else Person()
        profile = user.get("profile") or {}
        person = Person(
            name=profile.get("display_name") or profile.get("real_name") or user.get("name", ""),
            locale=user.get("locale") or None,
            timezone=user.get("tz") or None,
        )
        with self._lock:
            self._known[key] = (self._now() + self._ttl, person)
        return person


P = ParamSpec("P")
T = TypeVar("T")
Held = list[tuple["Future[Any]", Callable[[], Any]]]


class AfterResponse(Executor):
    """Where Bolt runs the work after an ack: a thread pool, except that work submitted
    while an HTTP request is being answered is held, and started by the response's
    `after` once the ack is sent. Socket Mode and everything else go straight through."""

    def __init__(self, pool: Executor) -> None:
        self._pool = pool
        self._local = threading.local()
        self._unfinished = 0  # submitted (held or running) and not yet done
        self._idle = threading.Condition()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every piece of work submitted so far is done; False after `timeout`.

        Whatever an event started (its answer, its replies) is over by then: a
        stop drains with it, and a test knows that nothing more is coming.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)

    def _tracked(self, fn: Callable[[], T]) -> Callable[[], T]:
        with self._idle:
            self._unfinished += 1

        def run() -> T:
            try:
                return fn()
            finally:
                with self._idle:
                    self._unfinished -= 1
                    self._idle.notify_all()

        return run

    @contextmanager
    def holding(self) -> Iterator[Held]:
        held: Held = []
        self._local.held = held
        try:
            yield held
        finally:
            self._local.held = None

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        held: Held | None = getattr(self._local, "held", None)
        work = self._tracked(lambda: fn(*args, **kwargs))
        if held is None:
            return self._pool.submit(work)
        future: Future[T] = Future()
        held.append((future, work))
        return future

    def release(self, held: Held) -> None:
        """Start the held work (the response is sent)."""
        for future, call in held:
            started = self._pool.submit(call)
            started.add_done_callback(functools.partial(_settle, future))
        held.clear()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _settle(future: Future[Any], done: Future[Any]) -> None:
    error = done.exception()
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(done.result())


@dataclass(frozen=True, slots=True)
class Place:
    """Where an event happened, so its replies go back there."""

    team_id: str
    user_id: str
    channel_id: str | None = None
    trigger_id: str | None = None
    response_url: str | None = None
    is_dm: bool = False
    command_text: str | None = None
    message_ts: str | None = None  # the message whose button was pressed
    pressed: bool = False  # a button: `Outcome.updated` replaces its message
    from_home: bool = False
    thread_ts: str | None = None  # written in a thread: the answer goes into it


class Replies:
    """Sends an event's outcome back to the person who acted, with the request's client
    (its workspace's token)."""

    def __init__(self, okr: OkrApp, people: PeopleCache) -> None:
        self.okr = okr
        self.people = people

    def send(self, outcome: Outcome, place: Place, client: WebClient) -> None:
        for reply in outcome.replies:
            try:
                if isinstance(reply, Message):
                    reply = attach.prepare(reply)
                self._one(reply, place, client)
                if isinstance(reply, Message):
                    self._upload(attach.files_of(reply), place, client)
            except SlackClientError:
                log.exception("a reply to %s could not be sent", place.user_id)
        if outcome.updated is not None and place.pressed and not place.from_home:
            try:
                self._replace(outcome.updated, place, client)
            except SlackClientError:
                log.exception("the pressed message could not be updated")
        if place.from_home:
            self.publish_home(place, client)

    def publish_home(self, place: Place, client: WebClient) -> None:
        """Show the person's Home again: a press there changed what it shows."""
        actor = translate.actor(place.team_id, place.user_id, self.people.using(client))
        outcome = self.okr.handle(HomeOpened(actor=actor))
        view = next((r for r in outcome.replies if isinstance(r, Home | Message)), None)
        if view is not None:
            client.views_publish(user_id=place.user_id, view=render.home(view))

    def _one(self, reply: View | FormErrors, place: Place, client: WebClient) -> None:
        if isinstance(reply, Form):
            if place.trigger_id:
                try:
                    client.views_open(
                        trigger_id=place.trigger_id,
                        view=render.modal(reply, channel_id=place.channel_id),
                    )
                    return
                except SlackApiError as error:
                    # An expired trigger (a slow moment): offer a button that opens it.
                    log.warning("views.open failed: %s", error.response.get("error"))
            self._message(render.form_as_message(reply, place.command_text or ""), place, client)
            return
        if isinstance(reply, Home):
            client.views_publish(user_id=place.user_id, view=render.home(reply))
            return
        if isinstance(reply, FormErrors):
            text = "\n".join(error for _, error in reply.errors)
            reply = Message(summary=text, blocks=(Text(text),))
        self._message(reply, place, client)

    def _message(self, msg: Message, place: Place, client: WebClient) -> None:
        payload = render.message(msg)
        if place.thread_ts:
            payload["thread_ts"] = place.thread_ts
        if place.is_dm and place.channel_id:
            client.chat_postMessage(channel=place.channel_id, **payload)
        elif place.response_url and not place.from_home:
            kind = "in_channel" if msg.in_channel else "ephemeral"
            response = WebhookClient(place.response_url, timeout=10).send(
                response_type=kind, replace_original=False, **payload
            )
            if response.status_code != 200:
                raise SlackClientError(f"response_url answered {response.status_code}")
        elif place.channel_id and _is_shared_channel(place.channel_id) and not place.from_home:
            if msg.in_channel:
                client.chat_postMessage(channel=place.channel_id, **payload)
            else:
                client.chat_postEphemeral(channel=place.channel_id, user=place.user_id, **payload)
        else:
            # No channel to answer in (the Home tab, a modal): the bot's DM.
            payload.pop("thread_ts", None)
            client.chat_postMessage(channel=place.user_id, **payload)

    def _upload(self, attached: list[File], place: Place, client: WebClient) -> None:
        """Files a reply carries (an export), into the conversation with the person alone."""
        if not attached:
            return
        channel = (
            place.channel_id if place.channel_id and place.channel_id.startswith("D") else None
        )
        if channel is None:
            opened = client.conversations_open(users=place.user_id)
            channel = str(opened["channel"]["id"])
        for file in attached:
            client.files_upload_v2(
                channel=channel, content=file.data, filename=file.filename, title=file.title
            )

    def _replace(self, msg: Message, place: Place, client: WebClient) -> None:
        payload = render.message(msg)
        if place.response_url:
            response = WebhookClient(place.response_url, timeout=10).send(
                replace_original=True, **payload
            )
            if response.status_code != 200:
                raise SlackClientError(f"response_url answered {response.status_code}")
        elif place.channel_id and place.message_ts:
            client.chat_update(channel=place.channel_id, ts=place.message_ts, **payload)


class SlackConnection:
    """Slack as the running bot sees it: HTTP route or Socket Mode, and the sender.

    With SLACK_BOT_TOKEN it serves that token's one workspace and refuses
    requests from any other (`Admission`); with the OAuth settings instead,
    any workspace that installed the app through `/slack/install`, each with
    its own stored token (`bot.slack.oauth`).
    """

    platform = "slack"

    def __init__(
        self,
        settings: Settings,
        okr: OkrApp,
        *,
        client: WebClient | None = None,
        engine: Engine | None = None,
    ):
        self.distributed = settings.slack_distributed
        if settings.slack_bot_token is None and not self.distributed:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: it turns the Slack connection on for one "
                "workspace (or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and "
                "SLACK_SIGNING_SECRET for any workspace to install it)"
            )
        self.settings = settings
        self.okr = okr
        self.socket_mode = settings.slack_app_token is not None
        if not self.socket_mode and settings.slack_signing_secret is None:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is needed to check requests from Slack in HTTP mode "
                "(or set SLACK_APP_TOKEN to use Socket Mode, which needs no public URL)"
            )
        self.client = client or make_client(settings)
        self.people = PeopleCache()
        self.replies = Replies(okr, self.people)
        secret = settings.slack_signing_secret
        self._verifier = SignatureVerifier(secret.get_secret_value()) if secret else None
        # Bolt's default pool size for the work after acks.
        self.background = AfterResponse(ThreadPoolExecutor(max_workers=5))
        bolt_log = logging.getLogger("bot.slack.bolt")
        refused = not_installed_text(settings.default_locale)
        self.oauth: SlackOAuth | None = None
        self.tokens: InstalledTokens | None = None
        self.admission = Admission()
        if self.distributed:
            if engine is None:
                raise SettingsError("installing Slack in many workspaces needs the database")
            self.oauth = build_oauth(
                settings,
                engine=engine,
                client=self.client,
                on_installed=self._installed,
                logger=bolt_log,
            )
            self.tokens = InstalledTokens(
                authorizer=self.oauth.authorizer, base=self.client, sessions=okr.sessions
            )
            self.app = App(
                client=self.client,
                signing_secret=secret.get_secret_value() if secret else "",
                oauth_settings=self.oauth.settings,
                authorize=self.oauth.authorizer,  # type: ignore[arg-type]  # an Authorize, as Bolt allows
                user_facing_authorize_error_message=refused,
                logger=bolt_log,
                name="okrbot",
                process_before_response=True,
                listener_executor=self.background,
                raise_error_for_unhandled_request=True,
            )
            self.oauth.flow = self.app.oauth_flow
        else:
            self.app = App(
                client=self.client,
                signing_secret=secret.get_secret_value() if secret else "",
                # check() asks auth.test at start, with a message naming the setting.
                token_verification_enabled=False,
                user_facing_authorize_error_message=refused,
                logger=bolt_log,
                name="okrbot",
                process_before_response=True,
                listener_executor=self.background,
                # A request no listener takes goes to on_error (a debug line), not a warning.
                raise_error_for_unhandled_request=True,
            )
        self.installs = InstallWatch(
            platform=translate.PLATFORM,
            sessions=okr.sessions,
            clock=okr.clock,
            confirm=self._token_works,
            default_locale=okr.default_locale,
            default_timezone=okr.default_timezone,
        )
        register(
            self.app,
            okr=okr,
            people=self.people,
            replies=self.replies,
            later=self.background,
            installs=self.installs,
            admission=self.admission,
            revoked=self._revoked if self.distributed else None,
            refused=refused,
        )
        self._socket: SocketModeHandler | None = None
        self._sender = SlackSender(self.client, tokens=self.tokens)

    # --- bot.http.Connection ---------------------------------------------------

    def check(self) -> None:
        if self.distributed:
            # Nothing to ask Slack yet: each workspace's token is checked as it is used.
            log.info(
                "Slack: any workspace may install okrbot at %s (OAuth); the installed ones "
                "are served with their own tokens",
                INSTALL_PATH,
            )
            return
        try:
            found = self.client.auth_test()
        except SlackApiError as error:
            code = error.response.get("error", "") if error.response is not None else ""
            if code in _REFUSED_TOKEN:
                raise SettingsError(
                    f"SLACK_BOT_TOKEN was refused by Slack ({code}): copy the Bot User OAuth "
                    "Token (xoxb-…) from the app's OAuth & Permissions page"
                ) from None
            raise SettingsError(
                f"Slack's auth.test failed ({code or error}); check SLACK_BOT_TOKEN and SLACK_API_URL"
            ) from None
        except SlackClientError as error:
            raise SettingsError(
                f"could not reach Slack at SLACK_API_URL={self.settings.slack_api_url} ({error})"
            ) from None
        # A token Slack accepts is the sign, with one token, that the app is installed
        # (again, after an uninstall): what was parked for its workspace goes out.
        team = found.get("team_id")
        enterprise = found.get("enterprise_id")
        self.admission.own(
            team=str(team) if team else None,
            enterprise=str(enterprise) if enterprise else None,
            org_wide=bool(found.get("is_enterprise_install")),
        )
        if isinstance(team, str) and team:
            self.installs.accepted(team)

    def _token_works(self, team_id: str) -> bool:
        """Whether Slack accepts the workspace's token now (auth.test): the app is back."""
        if self.tokens is not None:
            return self.tokens.works(team_id)
        try:
            self.client.auth_test()
        except SlackApiError as error:
            log.info(
                "Slack still refuses the bot token for %s: %s", team_id, error.response.get("error")
            )
            return False
        except SlackClientError as error:
            log.warning("could not ask Slack whether the app is back in %s: %s", team_id, error)
            return False
        return True

    def _installed(self, installation: Installation) -> None:
        """An install through /slack/install completed (its installation is stored)."""
        at = datetime.fromtimestamp(installation.installed_at, UTC)
        teams: list[str] = []
        with self.okr.sessions.begin() as session:
            if installation.team_id:
                done = install_state.installed(
                    session=session,
                    platform=translate.PLATFORM,
                    external_id=installation.team_id,
                    at=at,
                    now=self.okr.clock.now(),
                    name=installation.team_name or "",
                    app_id=installation.app_id,
                    enterprise_id=installation.enterprise_id,
                    default_locale=self.settings.default_locale,
                    default_timezone=self.settings.default_timezone,
                )
                teams.append(installation.team_id)
                resumed = done.change.rows
            else:
                # An org-wide install: every workspace of the org already known comes back.
                resumed = 0
                for workspace in install_state.of_enterprise(
                    session=session,
                    platform=translate.PLATFORM,
                    enterprise_id=installation.enterprise_id or "",
                ):
                    done = install_state.installed(
                        session=session,
                        platform=translate.PLATFORM,
                        external_id=workspace.external_id,
                        at=at,
                        now=self.okr.clock.now(),
                    )
                    teams.append(workspace.external_id)
                    resumed += done.change.rows
        for team in teams:
            self.installs.forget(team)
            if self.tokens is not None:
                self.tokens.forget(team)
        log.info(
            "Slack %s %s installed okrbot%s",
            "workspace" if installation.team_id else "org",
            installation.team_id or installation.enterprise_id,
            f"; {resumed} parked outbox rows resume" if resumed else "",
        )
        if installation.team_id and installation.user_id and installation.bot_token:
            token = installation.bot_token
            place = Place(team_id=installation.team_id, user_id=installation.user_id)
            self.background.submit(self._welcome, place, token)

    def _welcome(self, place: Place, token: str) -> None:
        """The installer's welcome, in their DM, with the new workspace's own token."""
        client = WebClient(
            token=token,
            base_url=self.client.base_url,
            timeout=self.client.timeout,
            retry_handlers=list(self.client.retry_handlers or []),
        )
        actor = translate.actor(place.team_id, place.user_id, self.people.using(client))
        self.replies.send(self.okr.handle(Installed(actor=actor)), place, client)

    def _revoked(self, body: dict[str, Any], context: BoltContext, *, uninstalled: bool) -> None:
        """The installation store forgets what Slack revoked (Bolt's own listeners' work)."""
        assert self.oauth is not None
        listeners = TokenRevocationListeners(self.oauth.store)
        if uninstalled:
            listeners.handle_app_uninstalled_events(context)
        else:
            listeners.handle_tokens_revoked_events(body.get("event") or {}, context)
        self.oauth.authorizer.forget(team_id=context.team_id, enterprise_id=context.enterprise_id)
        if self.tokens is not None:
            self.tokens.forget(translate.team_of(body))

    def routes(self) -> Mapping[str, Route]:
        found: dict[str, Route] = {} if self.socket_mode else {EVENTS_PATH: self.handle_http}
        if self.oauth is not None:
            # The install pages are web pages: served over HTTP in Socket Mode too.
            found.update(self.oauth.routes())
        return found

    def sender(self) -> SlackSender:
        return self._sender

    def start(self) -> None:
        if not self.socket_mode or self._socket is not None:
            return
        token = self.settings.slack_app_token
        assert token is not None
        self._socket = SocketModeHandler(self.app, token.get_secret_value())
        # connect() opens the websocket and returns; its own threads keep it up.
        threading.Thread(target=self._socket.connect, name="slack-socket-mode", daemon=True).start()

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    # --- HTTP mode -------------------------------------------------------------

    def handle_http(self, request: HttpRequest) -> HttpResponse:
        """POST /slack/events: commands, interactivity and events.

        The signature, the timestamp and the body's shape are checked here,
        before Bolt sees the request: a forged, stale or malformed request is
        refused with 401 or 400 and one WARNING line, never a traceback. A
        signed request no listener takes is acknowledged (200), as Slack asks.
        """
        if request.method.upper() != "POST":
            return HttpResponse(405, b"method not allowed", {"allow": "POST"})
        refused = self._refusal(request)
        if refused is not None:
            return refused
        body = request.body.decode("utf-8")  # checked by _refusal
        bolt_request = BoltRequest(body=body, query=request.query, headers=dict(request.headers))
        if bolt_request.body.get("type") == "app_rate_limited":
            # Slack's own notice, with no inner event: nothing to do but say so.
            log.warning(
                "Slack is rate limiting this app's events for %s",
                translate.team_of(bolt_request.body),
            )
            return HttpResponse(200, b"")
        with self.background.holding() as held:
            response = self.app.dispatch(bolt_request)
        status = response.status
        if status == 404:
            status = 200  # signed, and for no listener: taken, so Slack does not retry it
        headers = {name: values[0] for name, values in response.headers.items() if values}
        content = response.body.encode("utf-8") if isinstance(response.body, str) else b""
        if response.status == 404:
            content, headers = b"", {}
        after = (lambda: self.background.release(held)) if held else None
        return HttpResponse(status, content, headers, after=after)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        """401 for a request Slack did not sign (or signed over 5 minutes ago), 400 for a
        signed body that is not the JSON or form it claims; None when it may go on."""
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse(400, "its body is not UTF-8")
        headers = {name.lower(): value for name, value in request.headers.items()}
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp or not signature:
            return _refuse(401, "it is not signed")
        if not (timestamp.isascii() and timestamp.isdigit()):
            return _refuse(401, "its timestamp is not a number")
        assert self._verifier is not None  # HTTP mode needs the signing secret
        if not self._verifier.is_valid(body, timestamp, signature):
            return _refuse(401, "its signature is wrong or over 5 minutes old")
        if not _readable(body, headers.get("content-type", "")):
            return _refuse(400, "its body is not the JSON or form it claims to be")
        return None


def _refuse(status: int, why: str) -> HttpResponse:
    log.warning("refused a request to %s: %s", EVENTS_PATH, why)
    text = b"invalid request" if status == 401 else b"malformed request"
    return HttpResponse(status, text, {"content-type": "text/plain; charset=utf-8"})


def _readable(body: str, content_type: str) -> bool:
    """Whether Bolt can read the body: JSON that is an object, or a form whose
    `payload` (interactivity), when there is one, is a JSON object."""
    if not body:
        return False
    try:
        if content_type.split(";")[0].strip() == "application/json" or body.startswith("{"):
            return isinstance(json.loads(body), dict)
        form = urllib.parse.parse_qs(body, keep_blank_values=True)
        if "payload" in form:
            return isinstance(json.loads(form["payload"][0]), dict)
    except ValueError:
        return False
    # A form: a slash command, or Bolt's own reading of one.
    return bool(form)


def connect(settings: Settings, runtime: Runtime) -> SlackConnection:
    """The factory `okrbot run` calls when SLACK_BOT_TOKEN (or the OAuth settings) are set."""
    return SlackConnection(settings, runtime.app, engine=runtime.engine)


# --- listeners ------------------------------------------------------------------


class Admission:
    """Which workspaces one bot token serves: its own, or every workspace of its org for
    an org-wide install. Until `own` is told (auth.test at start) it admits everything,
    and so it does for installed workspaces, which Bolt authorises one by one."""

    def __init__(self) -> None:
        self.team: str | None = None
        self.enterprise: str | None = None
        self.org_wide = False

    def own(self, *, team: str | None, enterprise: str | None, org_wide: bool) -> None:
        self.team, self.enterprise, self.org_wide = team, enterprise, org_wide

    def admits(self, team: str, enterprise: str | None) -> bool:
        if self.team is None and self.enterprise is None:
            return True
        if not team or team == self.team:
            return True
        return self.org_wide and enterprise is not None and enterprise == self.enterprise

    def owner(self) -> str:
        if self.org_wide and self.enterprise:
            return f"org {self.enterprise}"
        return f"workspace {self.team}"


def not_installed_text(locale: str) -> str:
    """What someone reads in a workspace okrbot does not serve."""
    return translator(locale).t(
        "okrbot is not installed in this workspace, so it cannot answer here. "
        "Ask a workspace admin to install it."
    )


Revoked = Callable[..., None]


def register(
    app: App,
    *,
    okr: OkrApp,
    people: PeopleCache,
    replies: Replies,
    later: Executor,
    installs: InstallWatch,
    admission: Admission | None = None,
    revoked: Revoked | None = None,
    refused: str = "",
) -> None:
    """Every Slack listener of the product, on one Bolt app; `later` runs work after acks.

    Every request Slack can send gets an answer: the product's listeners, the
    install signs (app_uninstalled, tokens_revoked), and for everything else
    (reactions, joins, channel changes, shortcuts of other apps, closed modals)
    an acknowledgement and a debug line. Each listener answers with Bolt's
    `client` for the request, which carries its workspace's token. A request
    from a workspace the one bot token does not serve is refused before any
    listener (`admission`), with a log line.
    """
    admission = admission or Admission()

    @app.middleware
    def only_our_workspaces(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        team = translate.team_of(body)
        if admission.admits(team, context.enterprise_id):
            return next()
        log.warning(
            "refused a request from Slack workspace %s: the bot token serves %s only",
            team,
            admission.owner(),
        )
        # Acknowledged, so Slack does not retry it; a person who typed /okr reads why.
        return BoltResponse(status=200, body=refused if body.get("command") else "")

    def ack_now(ack: Ack) -> None:
        ack()

    def handle(event: Event | None, place: Place | None, client: WebClient) -> None:
        if event is None or place is None:
            return
        replies.send(okr.handle(event), place, client)

    def alive(body: dict[str, Any], context: BoltContext) -> None:
        # Any request from a workspace is a sign that the app is (again) installed there.
        installs.seen(
            translate.team_of(body),
            at=translate.event_time(body),
            app_id=body.get("api_app_id") or None,
            enterprise_id=context.enterprise_id,
        )

    def on_command(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        alive(body, context)
        event = translate.slash_command(body, people.using(client))
        place = Place(
            team_id=event.actor.workspace_id,
            user_id=event.actor.user_id,
            channel_id=body.get("channel_id"),
            trigger_id=body.get("trigger_id"),
            # The response_url answers in any conversation, a DM between two people included.
            response_url=body.get("response_url"),
            command_text=event.text,
        )
        handle(event, place, client)

    app.command(re.compile(r"^/okr"))(ack=ack_now, lazy=[on_command])

    def on_action(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        alive(body, context)
        container = body.get("container") or {}
        view = body.get("view") or {}
        for action in body.get("actions") or []:
            pressed = translate.button(body, action, people.using(client))
            place = Place(
                team_id=pressed.actor.workspace_id,
                user_id=pressed.actor.user_id,
                channel_id=pressed.channel_id,
                trigger_id=body.get("trigger_id"),
                response_url=body.get("response_url"),
                is_dm=False,
                message_ts=container.get("message_ts"),
                pressed=True,
                from_home=view.get("type") == "home",
            )
            event: Event = pressed
            if pressed.action == render.OPEN_FORM_ACTION:
                event = Command(
                    actor=pressed.actor,
                    text=pressed.value,
                    channel_id=pressed.channel_id,
                    event_id=pressed.event_id,
                )
                place = dataclasses.replace(place, command_text=pressed.value)
            handle(event, place, client)

    app.action(re.compile(r".+"))(ack=ack_now, lazy=[on_action])

    def on_submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        event, channel = translate.view_submission(body, people.using(client))
        outcome = okr.handle(event)
        errors = next((r for r in outcome.replies if isinstance(r, FormErrors)), None)
        if errors is not None:
            names = [
                block.get("block_id", "")
                for block in (body.get("view") or {}).get("blocks") or []
                if block.get("type") == "input"
            ]
            ack(**render.form_errors(errors, names))
            return
        ack()  # closes the modal; the confirmation follows privately, after the ack
        place = Place(
            team_id=event.actor.workspace_id,
            user_id=event.actor.user_id,
            channel_id=channel,
        )
        later.submit(replies.send, outcome, place, client)

    app.view_submission(re.compile(r".+"))(on_submit)

    def on_mention(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        alive(body, context)
        event = translate.app_mention(body, people.using(client), bot_user_id=context.bot_user_id)
        handle(event, _text_place(event, thread_ts=translate.thread_of(body)), client)

    app.event("app_mention")(ack=ack_now, lazy=[on_mention])

    def on_message(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        alive(body, context)
        event = translate.direct_message(
            body, people.using(client), bot_user_id=context.bot_user_id
        )
        handle(event, _text_place(event, is_dm=True, thread_ts=translate.thread_of(body)), client)

    app.event("message")(ack=ack_now, lazy=[on_message])

    def on_home(body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        alive(body, context)
        event = translate.home_opened(body, people.using(client))
        if event is None:
            return
        outcome = okr.handle(event)
        place = Place(team_id=event.actor.workspace_id, user_id=event.actor.user_id)
        for reply in outcome.replies:
            if isinstance(reply, Home | Message):
                client.views_publish(user_id=place.user_id, view=render.home(reply))

    app.event("app_home_opened")(ack=ack_now, lazy=[on_home])

    def gone_from(body: dict[str, Any], context: BoltContext, why: str) -> None:
        at = translate.event_time(body)
        team = translate.team_of(body)
        installs.gone(team, at=at, why=why)
        if context.is_enterprise_install and context.enterprise_id:
            # An org-wide install removed: every workspace of the org goes with it.
            installs.gone_from_org(context.enterprise_id, at=at, why=why)

    def on_uninstalled(body: dict[str, Any], context: BoltContext) -> None:
        # Sending stops first; then the installation store forgets the tokens.
        gone_from(body, context, "the app was uninstalled")
        if revoked is not None:
            revoked(body, context, uninstalled=True)

    app.event("app_uninstalled")(ack=ack_now, lazy=[on_uninstalled])

    def on_tokens_revoked(body: dict[str, Any], context: BoltContext) -> None:
        if translate.bot_token_revoked(body):
            gone_from(body, context, "the bot token was revoked")
        else:
            log.debug(
                "people's tokens were revoked in %s: the bot's still works", body.get("team_id")
            )
        if revoked is not None:
            revoked(body, context, uninstalled=False)

    app.event("tokens_revoked")(ack=ack_now, lazy=[on_tokens_revoked])

    def on_access_revoked(body: dict[str, Any]) -> None:
        # An org-wide install removed from some of the organisation's workspaces.
        for team in translate.revoked_teams(body):
            installs.gone(team, at=translate.event_time(body), why="the app's access was revoked")

    app.event("team_access_revoked")(ack=ack_now, lazy=[on_access_revoked])

    def ack_other(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        log.debug("Slack sent %s: acknowledged, nothing to do", translate.event_type(body))

    def on_other(body: dict[str, Any], context: BoltContext) -> None:
        alive(body, context)

    # Registered last: Bolt runs the first listener that matches.
    app.event(re.compile(r".*"))(ack=ack_other, lazy=[on_other])
    app.shortcut(re.compile(r".*"))(ack_other)
    app.view_closed(re.compile(r".*"))(ack_other)

    def no_options(ack: Ack) -> None:
        ack(options=[])

    app.options(re.compile(r".*"))(no_options)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        if isinstance(error, BoltUnhandledRequestError):
            log.debug("Slack sent %s: acknowledged, nothing to do", translate.event_type(body))
            return
        log.error("a Slack request failed (%s)", body.get("type"), exc_info=error)


def _is_shared_channel(channel_id: str) -> bool:
    """A channel or private channel; a "D…" conversation is a DM the bot may not be part of."""
    return not channel_id.startswith("D")


def _text_place(
    event: Command | None, *, is_dm: bool = False, thread_ts: str | None = None
) -> Place | None:
    if event is None:
        return None
    return Place(
        team_id=event.actor.workspace_id,
        user_id=event.actor.user_id,
        channel_id=event.channel_id,
        is_dm=is_dm,
        command_text=event.text,
        thread_ts=thread_ts,
    )
