"""Slack for any workspace that installs the app: Bolt's OAuth v2 flow and its token stores.

With SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET (and no
SLACK_BOT_TOKEN), Bolt serves `GET /slack/install` (the "Add to Slack" page)
and `GET /slack/oauth_redirect` (where Slack sends the installer back with a
code, exchanged with `oauth.v2.access`). slack_sdk's SQLAlchemy installation
and state stores keep each workspace's (or Enterprise Grid org's) bot token,
and with token rotation its refresh token, on okrbot's own engine, in the
tables okrbot's migrations create.

Every request is authorised by its team (or its org, for an org-wide
install) with `Authorizer`, Bolt's `InstallationStoreAuthorize`: the stored
token, refreshed before it expires. The outbox reads the same store
(`InstalledTokens`), so each message goes out with its own workspace's
token, refreshed with the same rotator and saved back for requests to use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Engine

from bot.http import HttpRequest, HttpResponse, Route
from bot.settings import Settings
from bot.slack.sender import NotInstalled
from storage.db import SessionFactory
from storage.repos import installs

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes an install asks for: the same as slack-manifest.yaml's.
SCOPES = (
    "app_mentions:read",
    "channels:history",
    "chat:write",
    "chat:write.public",
    "commands",
    "files:read",
    "files:write",
    "groups:history",
    "im:history",
    "im:write",
    "users:read",
)
# A rotating token (12 hours) is refreshed once it has less than this left.
REFRESH_MINUTES = 120
# How long the outbox reuses a workspace's client before asking the store again.
CLIENT_SECONDS = 60.0
STATE_SECONDS = 600


def site_of(api_url: str) -> str:
    """Slack's site beside its Web API: https://slack.com/ for https://slack.com/api/."""
    return api_url.removesuffix("/").removesuffix("/api") + "/"


class Authorizer(InstallationStoreAuthorize):
    """Bolt's installation-store authorisation, saying in the log whom it refuses.

    Its cache of `auth.test` answers (per token) is dropped for a workspace
    whose tokens are revoked, so a revoked token never authorises again.
    """

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        found = super().__call__(
            context=context,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            actor_enterprise_id=actor_enterprise_id,
            actor_team_id=actor_team_id,
            actor_user_id=actor_user_id,
        )
        if found is None and context.get("okrbot_quiet") is None:
            log.warning(
                "refused a request from Slack workspace %s%s: okrbot is not installed there",
                team_id or "(org-wide)",
                f" of org {enterprise_id}" if enterprise_id else "",
            )
        return found

    def forget(self, *, team_id: str | None, enterprise_id: str | None) -> None:
        """Drop what is cached for a workspace (or an org) whose tokens were revoked."""
        for token, result in list(self.authorize_result_cache.items()):
            same_team = team_id is not None and result.team_id == team_id
            same_org = team_id is None and enterprise_id and result.enterprise_id == enterprise_id
            if same_team or same_org:
                self.authorize_result_cache.pop(token, None)


@dataclass(frozen=True, slots=True)
class _Cached:
    client: WebClient
    until: float


class InstalledTokens:
    """A WebClient with each workspace's own token, for sends outside a request (the outbox).

    The workspace's org (for an org-wide install) comes from its row; the
    token from the authorizer's installation store, refreshed with its token
    rotator when it expires within REFRESH_MINUTES (not through the authorizer
    itself: asked without a user, it would rotate twice with one refresh
    token). A client is reused for a minute; the sender asks afresh when a
    token is refused.
    """

    def __init__(
        self,
        *,
        authorizer: Authorizer,
        base: WebClient,
        sessions: SessionFactory,
        platform: str = "slack",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.authorizer = authorizer
        self.base = base
        self.sessions = sessions
        self.platform = platform
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._rotating = threading.Lock()
        self._clients: dict[str, _Cached] = {}

    def client(self, team_id: str) -> WebClient:
        """The workspace's client; NotInstalled when no installation serves it."""
        now = self._monotonic()
        with self._lock:
            cached = self._clients.get(team_id)
        if cached is not None and cached.until > now:
            return cached.client
        client = self._copy(self._token(team_id))
        with self._lock:
            self._clients[team_id] = _Cached(client, now + CLIENT_SECONDS)
        return client

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._clients.pop(team_id, None)

    def _token(self, team_id: str) -> str:
        with self.sessions.begin() as session:
            grant = installs.grant_of(session=session, platform=self.platform, external_id=team_id)
        enterprise = grant.enterprise_id if grant is not None else None
        # A workspace installs the app itself, or its org installs it for every workspace.
        attempts: list[tuple[str | None, str | None, bool]] = [(enterprise, team_id, False)]
        if enterprise:
            attempts.append((enterprise, None, True))
        store = self.authorizer.installation_store
        for enterprise_id, team, org_wide in attempts:
            # One rotation at a time here: a refresh token is good once.
            with self._rotating:
                found = store.find_installation(
                    enterprise_id=enterprise_id, team_id=team, is_enterprise_install=org_wide
                )
                if found is None or not found.bot_token:
                    continue
                return self._fresh(found).bot_token or ""
        raise NotInstalled(f"okrbot is not installed in Slack workspace {team_id}")

    def _fresh(self, installation: Installation) -> Installation:
        """The installation with a bot token that does not expire within REFRESH_MINUTES.

        Bolt's authorize rotates the same way for requests and saves to the same
        store; when it (or another replica) used the refresh token first, the
        store already holds the new token.
        """
        rotator = self.authorizer.token_rotator
        if rotator is None or installation.bot_refresh_token is None:
            return installation
        try:
            refreshed = rotator.perform_token_rotation(
                installation=installation, minutes_before_expiration=REFRESH_MINUTES
            )
        except SlackTokenRotationError as error:
            again = self.authorizer.installation_store.find_installation(
                enterprise_id=installation.enterprise_id,
                team_id=installation.team_id,
                is_enterprise_install=installation.is_enterprise_install,
            )
            if again is not None and again.bot_token != installation.bot_token:
                return again
            raise NotInstalled(f"Slack refused to refresh the token: {error}") from error
        if refreshed is None:
            return installation
        self.authorizer.installation_store.save(refreshed)
        return refreshed

    def works(self, team_id: str) -> bool:
        """Whether an installation serves the workspace now (its token passes auth.test)."""
        self.forget(team_id)
        try:
            self.client(team_id).auth_test()
        except NotInstalled:
            return False
        except (SlackApiError, SlackClientError) as error:
            log.info("Slack refuses okrbot's token for %s: %s", team_id, error)
            return False
        return True

    def _copy(self, token: str | None) -> WebClient:
        base = self.base
        return WebClient(
            token=token,
            base_url=base.base_url,
            timeout=base.timeout,
            retry_handlers=list(base.retry_handlers) if base.retry_handlers else None,
        )


Installed = Callable[[Installation], None]


@dataclass
class SlackOAuth:
    """The install flow's settings, stores and routes, built once from Settings."""

    settings: OAuthSettings
    authorizer: Authorizer
    store: SQLAlchemyInstallationStore
    flow: OAuthFlow | None = None  # Bolt's, once the App is built on `settings`

    def routes(self) -> dict[str, Route]:
        return {INSTALL_PATH: self._install, REDIRECT_PATH: self._redirect}

    def _install(self, request: HttpRequest) -> HttpResponse:
        if request.method.upper() not in ("GET", "HEAD"):
            return HttpResponse(405, b"method not allowed", {"allow": "GET"})
        assert self.flow is not None
        return _response(self.flow.handle_installation(_bolt_request(request)))

    def _redirect(self, request: HttpRequest) -> HttpResponse:
        if request.method.upper() != "GET":
            return HttpResponse(405, b"method not allowed", {"allow": "GET"})
        assert self.flow is not None
        return _response(self.flow.handle_callback(_bolt_request(request)))


def build_oauth(
    settings: Settings,
    *,
    engine: Engine,
    client: WebClient,
    on_installed: Installed,
    logger: logging.Logger,
) -> SlackOAuth:
    """The OAuth settings Bolt's App is built with, on okrbot's engine and SLACK_API_URL."""
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    client_id = settings.slack_client_id
    secret = settings.slack_client_secret.get_secret_value()
    store = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=logger)
    states = SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_SECONDS, engine=engine, logger=logger
    )
    authorizer = Authorizer(
        logger=logger,
        installation_store=store,
        client_id=client_id,
        client_secret=secret,
        token_rotation_expiration_minutes=REFRESH_MINUTES,
        cache_enabled=True,
        # Refreshing a token goes to SLACK_API_URL too, not to slack.com.
        client=client,
    )

    def success(args: SuccessArgs) -> BoltResponse:
        try:
            on_installed(args.installation)
        except Exception:
            # The installation is stored: the workspace is served anyway; the rest is logged.
            log.exception("recording the install of %s failed", args.installation.team_id)
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        log.warning("a Slack install did not complete: %s", args.reason)
        return args.default.failure(args)

    public = settings.public_url
    oauth = OAuthSettings(
        client_id=client_id,
        client_secret=secret,
        scopes=list(SCOPES),
        user_scopes=[],
        redirect_uri=f"{public}{REDIRECT_PATH}" if public else None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=success, failure=failure),
        authorization_url=f"{site_of(settings.slack_api_url)}oauth/v2/authorize",
        installation_store=store,
        token_rotation_expiration_minutes=REFRESH_MINUTES,
        state_store=states,
        state_expiration_seconds=STATE_SECONDS,
        logger=logger,
    )
    return SlackOAuth(settings=oauth, authorizer=authorizer, store=store)


def _bolt_request(request: HttpRequest) -> BoltRequest:
    return BoltRequest(body="", query=request.query, headers=dict(request.headers))


def _response(answer: BoltResponse) -> HttpResponse:
    headers: dict[str, str] = {}
    for name, values in answer.headers.items():
        if values:
            headers[name] = values[0]
    body: Any = answer.body
    return HttpResponse(answer.status, body.encode() if isinstance(body, str) else b"", headers)
