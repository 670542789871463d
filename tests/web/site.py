"""A running web view for tests: the real server, settings and sign-in, over fakes.

Demo Co. is seeded three times: as a Slack workspace, as a Feishu tenant, and
as another Slack workspace whose people must never see the first one's pages.
The fake Slack and the fake Feishu on 127.0.0.1 play the platforms' sign-in.
"""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.console.demo import DemoWorkspace, seed_demo
from bot.health import health_route
from bot.server import HttpServer
from bot.settings import load_settings
from bot.web import build_web
from bot.web.app import WebView
from bot.wiring import Runtime, build
from handlers.clock import ManualClock
from tests.fakes import feishu_api, slack_api

WEB_SECRET = "fake-web-secret-0000000000000000000000"
OTHER_TEAM = "T0OTHER01"


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]
    url: str

    def header(self, name: str) -> str:
        return {k.lower(): v for k, v in self.headers.items()}.get(name.lower(), "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Browser:
    """A cookie-keeping HTTP client: follows redirects like a browser, or not."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def _opener(self, follow: bool) -> urllib.request.OpenerDirector:
        handlers: list[Any] = [urllib.request.HTTPCookieProcessor(self.jar)]
        if not follow:
            handlers.append(_NoRedirect())
        return urllib.request.build_opener(*handlers)

    def get(
        self, path: str, *, follow: bool = True, headers: dict[str, str] | None = None
    ) -> Answer:
        return self._send(urllib.request.Request(self._url(path), headers=headers or {}), follow)

    def post(self, path: str, form: dict[str, str], *, follow: bool = False) -> Answer:
        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self._url(path), data=data, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._send(request, follow)

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def _send(self, request: urllib.request.Request, follow: bool) -> Answer:
        try:
            with self._opener(follow).open(request, timeout=15) as response:
                return Answer(
                    response.status, response.read().decode(), dict(response.headers), response.url
                )
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(), dict(error.headers), error.url)

    def cookie(self, name: str) -> http.cookiejar.Cookie | None:
        return next((c for c in self.jar if c.name == name), None)

    def set_cookie(self, name: str, value: str) -> None:
        host = urllib.parse.urlsplit(self.base).hostname or "127.0.0.1"
        self.jar.set_cookie(
            http.cookiejar.Cookie(
                0, name, value, None, False, host, False, False, "/", True, False, None,
                False, None, None, {"HttpOnly": ""},
            )
        )  # fmt: skip


@dataclass
class Site:
    server: HttpServer
    web: WebView
    runtime: Runtime
    slack: slack_api.FakeSlack
    feishu: feishu_api.FakeFeishu
    on_slack: DemoWorkspace
    on_feishu: DemoWorkspace
    other: DemoWorkspace

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def browser(self) -> Browser:
        return Browser(self.base)

    def signed_in(self, platform: str, user: str, *, team: str = slack_api.TEAM) -> Browser:
        """A browser signed in through the platform's real OAuth flow, as `user`."""
        browser = self.browser()
        if platform == "slack":
            self.slack.signing_in_as, self.slack.signing_in_team = user, team
        else:
            self.feishu.signing_in_as = user
        answer = browser.get(f"/signin/{platform}")
        assert answer.status == 200 and answer.url.endswith("/tree"), (answer.status, answer.url)
        return browser


def start_site(database_url: str, now: datetime) -> Site:
    # The demo's people as the platforms know them (console ids are their handles).
    slack = slack_api.FakeSlack(
        users={"alice": slack_api.FakeUser("Alice Smith"), "chen": slack_api.FakeUser("Chen Jing")}
    ).start()
    feishu = feishu_api.FakeFeishu(
        users={"chen": {"name": "Chen Jing"}, "alice": {"name": "Alice Smith"}}
    ).start()
    settings = load_settings(
        database_url=database_url,
        slack_api_url=slack.api_url,
        slack_client_id=slack_api.CLIENT_ID,
        slack_client_secret=slack_api.CLIENT_SECRET,
        feishu_app_id=feishu_api.APP_ID,
        feishu_app_secret=feishu_api.APP_SECRET,
        feishu_domain=feishu.url,
        web_secret=WEB_SECRET,
        default_timezone="Asia/Shanghai",
    )
    runtime = build(settings, clock=ManualClock(now))
    with runtime.sessions.begin() as session:
        on_slack = seed_demo(session=session, now=now, platform="slack", external_id=slack_api.TEAM)
        on_feishu = seed_demo(
            session=session, now=now, platform="feishu", external_id=feishu_api.TENANT
        )
        other = seed_demo(session=session, now=now, platform="slack", external_id=OTHER_TEAM)
    web = build_web(settings, runtime)
    assert web is not None
    health = health_route(sessions=runtime.sessions, clock=runtime.clock, holder="test")
    server = HttpServer(host="127.0.0.1", port=0, routes={"/healthz": health}, pages=web.asgi())
    server.start()
    return Site(server, web, runtime, slack, feishu, on_slack, on_feishu, other)


def stop_site(site: Site) -> None:
    site.server.stop()
    site.slack.stop()
    site.feishu.stop()
    site.runtime.close()
