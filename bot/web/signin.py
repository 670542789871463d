"""Signing in with the chat people already use: Sign in with Slack and Feishu/Lark login.

Both are the OAuth authorization-code flow: the browser goes to the platform's
authorize page with a `state` we keep in a signed cookie, comes back with a
code, and the server exchanges the code for the person's identity. Slack's is
OpenID Connect (`openid.connect.token`, then `openid.connect.userInfo`); the
ID token it returns with the code is read for its nonce and audience only, as
it came straight from Slack over TLS. Feishu's gives a user access token
(`/open-apis/authen/v2/oauth/token`), then the user's open_id and tenant
(`/open-apis/authen/v1/user_info`). Either way we keep nothing of theirs
but which workspace and which person it is.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

TIMEOUT = 10.0


class SignInFailed(Exception):
    """The platform did not confirm who this is; the person is asked to try again."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who signed in: the platform's own ids of their workspace and of them."""

    platform: str  # "slack" | "feishu"
    workspace: str  # Slack team id, Feishu tenant key
    user: str  # Slack user id, Feishu open_id
    name: str = ""
    locale: str | None = None


class Provider(Protocol):
    platform: str

    def authorize_url(self, *, state: str, nonce: str, redirect_uri: str) -> str: ...

    def identify(self, *, code: str, nonce: str, redirect_uri: str) -> Identity: ...


class SlackSignIn:
    """Sign in with Slack (OpenID Connect), against SLACK_API_URL's host."""

    platform = "slack"

    def __init__(self, *, client_id: str, client_secret: str, api_url: str) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.api_url = api_url
        # The authorize page is beside the Web API: https://slack.com/openid/connect/authorize.
        self.site = api_url.removesuffix("/").removesuffix("/api") + "/"

    def authorize_url(self, *, state: str, nonce: str, redirect_uri: str) -> str:
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "scope": "openid profile",
                "client_id": self.client_id,
                "state": state,
                "nonce": nonce,
                "redirect_uri": redirect_uri,
            }
        )
        return f"{self.site}openid/connect/authorize?{query}"

    def identify(self, *, code: str, nonce: str, redirect_uri: str) -> Identity:
        client = WebClient(base_url=self.api_url, timeout=int(TIMEOUT))
        try:
            tokens = client.openid_connect_token(
                client_id=self.client_id,
                client_secret=self._secret,
                code=code,
                redirect_uri=redirect_uri,
                grant_type="authorization_code",
            )
            claims = _jwt_claims(str(tokens.get("id_token") or ""))
            if claims.get("nonce") != nonce or claims.get("aud") != self.client_id:
                raise SignInFailed("Slack's ID token is not for this sign-in")
            info = client.openid_connect_userInfo(token=str(tokens["access_token"]))
        except SlackApiError as error:
            raise SignInFailed(
                f"Slack refused the sign-in: {error.response.get('error')}"
            ) from None
        except (KeyError, OSError) as error:
            raise SignInFailed(f"Slack could not be asked: {error}") from None
        team = info.get("https://slack.com/team_id") or claims.get("https://slack.com/team_id")
        user = info.get("https://slack.com/user_id") or info.get("sub")
        if not team or not user:
            raise SignInFailed("Slack did not say which workspace and person this is")
        locale = info.get("locale")
        return Identity(
            "slack",
            str(team),
            str(user),
            str(info.get("name") or ""),
            str(locale) if locale else None,
        )


def _jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified: for one received directly from the issuer."""
    parts = token.split(".")
    if len(parts) != 3:
        raise SignInFailed("Slack sent no ID token")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        raise SignInFailed("Slack's ID token is not readable") from None
    if not isinstance(claims, dict):
        raise SignInFailed("Slack's ID token is not readable")
    return claims


FEISHU_SITES = {
    "feishu": ("https://accounts.feishu.cn", "https://open.feishu.cn"),
    "lark": ("https://accounts.larksuite.com", "https://open.larksuite.com"),
}


class FeishuSignIn:
    """Feishu/Lark login (OAuth code → user access token → user info), for FEISHU_DOMAIN."""

    platform = "feishu"

    def __init__(self, *, app_id: str, app_secret: str, domain: str) -> None:
        self.app_id = app_id
        self._secret = app_secret
        self.accounts, self.open = FEISHU_SITES.get(domain, (domain, domain))

    def authorize_url(self, *, state: str, nonce: str, redirect_uri: str) -> str:
        query = urllib.parse.urlencode(
            {
                "client_id": self.app_id,
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "state": state,
            }
        )
        return f"{self.accounts}/open-apis/authen/v1/authorize?{query}"

    def identify(self, *, code: str, nonce: str, redirect_uri: str) -> Identity:
        tokens = self._call(
            "/open-apis/authen/v2/oauth/token",
            {
                "grant_type": "authorization_code",
                "client_id": self.app_id,
                "client_secret": self._secret,
                "code": code,
                "redirect_uri": redirect_uri,
            },
        )
        token = tokens.get("access_token")
        if not isinstance(token, str) or not token:
            raise SignInFailed("Feishu gave no user access token")
        info = self._call("/open-apis/authen/v1/user_info", None, token=token).get("data") or {}
        tenant, open_id = info.get("tenant_key"), info.get("open_id")
        if not tenant or not open_id:
            raise SignInFailed("Feishu did not say which tenant and person this is")
        return Identity("feishu", str(tenant), str(open_id), str(info.get("name") or ""))

    def _call(self, path: str, body: dict[str, str] | None, *, token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.open + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            try:
                answer = json.loads(error.read() or b"{}")
            except ValueError:
                answer = {}
            raise SignInFailed(
                f"Feishu refused the sign-in ({error.code}: {answer.get('error') or answer.get('msg')})"
            ) from None
        except (OSError, ValueError) as error:
            raise SignInFailed(f"Feishu could not be asked: {error}") from None
        if not isinstance(answer, dict) or answer.get("code", 0) != 0:
            message = answer.get("msg") if isinstance(answer, dict) else answer
            raise SignInFailed(f"Feishu refused the sign-in: {message}")
        return answer
