"""A fake Slack: the Web API on 127.0.0.1, and a driver that signs requests as Slack does.

`FakeSlack` answers the methods okrbot calls, records every call (method,
arguments, time) and serves the response_url and file-upload URLs it hands
out. `fail_next` makes a method (or "upload", the upload URLs) answer 429
(with Retry-After) or 5xx; `fail_after` makes it act first and then answer
5xx, as a Slack whose answer was lost would. Posted messages are kept per
conversation with their metadata, edited by chat.update, and read back by
conversations.history as Slack answers it: newest first, after `oldest`,
metadata only with `include_all_metadata`, in pages. Message timestamps come
from `now` (Slack's clock: the test's clock where the bot's clock is one).
`SlackDriver` sends correctly signed slash commands, interactivity and events
to the bot's /slack/events, through a route function or over HTTP.

Installing the app (OAuth v2) is played too: `/oauth/v2/authorize` approves
at once as `installer` in `installing_team`, and `oauth.v2.access` hands out a
bot token of that team. Every token answers `auth.test` with its own team
(`token_teams`), and every call records the token it came with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEAM = "T0FAKE001"
BOT_USER = "U0FAKEBOT"
GOOD_TOKEN = "xoxb-000-fake"
SIGNING_SECRET = "fake-signing-secret-000"
CLIENT_ID = "0000000000.0000000001"
CLIENT_SECRET = "fake-client-secret-000"


@dataclass
class Call:
    method: str  # "chat.postMessage", or "response_url" / "upload"
    args: dict[str, Any]
    at: float
    path: str = ""
    token: str = ""  # the bearer token the call came with


@dataclass
class FakeUser:
    name: str
    tz: str = "Asia/Shanghai"
    locale: str = "en-US"


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    times: int
    error: str = ""
    after: bool = False  # act on the request, then answer the failure


@dataclass
class Posted:
    """A message in a conversation, as conversations.history shows it."""

    channel: str
    ts: str
    text: str
    metadata: dict[str, Any] | None
    blocks: list[Any] = field(default_factory=list)
    edits: int = 0

    @property
    def key(self) -> str | None:
        payload = (self.metadata or {}).get("event_payload") or {}
        return payload.get("key") if isinstance(payload, dict) else None


@dataclass
class FakeSlack:
    users: dict[str, FakeUser] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    refused_tokens: set[str] = field(default_factory=set)
    socket_url: str | None = None  # what apps.connections.open hands out (Socket Mode)
    now: Callable[[], float] = time.time  # Slack's clock, for message timestamps
    # Sign in with Slack: the app's credentials, and who approves on the authorize page.
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    signing_in_as: str | None = None  # a user id; None: the person cancels
    signing_in_team: str = TEAM
    # Installing the app: who approves on /oauth/v2/authorize (None: they cancel), and where.
    installer: str | None = None
    installing_team: str = TEAM
    installing_team_name: str = "Fake Team"
    installing_org: str | None = None  # an Enterprise Grid org id: an org-wide install
    app_id: str = "A0FAKEAPP"
    token_teams: dict[str, str] = field(default_factory=lambda: {GOOD_TOKEN: TEAM})
    # Token rotation: installs hand out tokens that expire in this many seconds, with a
    # refresh token; refreshing one refuses the token it replaces from then on.
    token_lifetime: int | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._failures: dict[str, list[_Failure]] = {}
        self._last_ts = 0
        self._ids = itertools.count(1)
        self._history: dict[str, list[Posted]] = {}  # channel -> messages, oldest first
        self._uploads: dict[str, dict[str, Any]] = {}  # file id -> what was uploaded
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._codes: dict[str, dict[str, str]] = {}
        self._user_tokens: dict[str, dict[str, str]] = {}
        self._refresh_tokens: dict[str, tuple[str, str]] = {}

    # --- lifecycle -------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                status, headers, body = fake._answer(self.path, dict(self.headers), raw)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_PUT = do_POST

            def do_GET(self) -> None:
                if self.path.startswith(("/openid/", "/oauth/v2/authorize")):
                    status, headers, body = fake._authorize(self.path)
                else:
                    # The SDK reads with GET and the arguments in the query string.
                    path, _, query = self.path.partition("?")
                    status, headers, body = fake._answer(
                        path,
                        {**dict(self.headers), "content-type": "application/x-www-form-urlencoded"},
                        query.encode(),
                    )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    def response_url(self) -> str:
        return f"{self.base_url}response/{next(self._ids)}"

    # --- control and inspection ---------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        error: str = "",
    ) -> None:
        """The next `times` calls of `method` answer `status` (and Slack's `error` code)."""
        with self._lock:
            failure = _Failure(status, retry_after, times, error)
            self._failures.setdefault(method, []).append(failure)

    def fail_after(self, method: str, *, status: int = 503, times: int = 1) -> None:
        """The next `times` calls of `method` take effect, and then answer `status`."""
        with self._lock:
            self._failures.setdefault(method, []).append(_Failure(status, None, times, after=True))

    def messages(self, channel: str | None = None) -> list[Posted]:
        """Messages in one conversation (or all), oldest first."""
        with self._lock:
            if channel is not None:
                return list(self._history.get(channel, []))
            return sorted(
                (m for found in self._history.values() for m in found), key=lambda m: m.ts
            )

    def posted_keys(self) -> Counter[str]:
        """How many messages carry each outbox key in their metadata."""
        return Counter(m.key for m in self.messages() if m.key is not None)

    def shared_files(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Files shared into conversations by files.completeUploadExternal."""
        with self._lock:
            return [
                f
                for f in self._uploads.values()
                if f.get("channel") and (channel is None or f["channel"] == channel)
            ]

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """The calls of `method` once there are at least `count` (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"expected {count} × {method}; calls so far: {seen}")
                self._lock.wait(left)

    def wait_until(self, test: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        """The first call that passes `test`, waiting for it (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = next((c for c in self.calls if test(c)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.path) for c in self.calls]
                    raise AssertionError(f"no such call; calls so far: {seen}")
                self._lock.wait(left)

    def answers_to(self, response_url: str) -> list[Call]:
        """What was posted to one response_url."""
        path = response_url.removeprefix(self.base_url.rstrip("/"))
        with self._lock:
            return [c for c in self.calls if c.method == "response_url" and c.path == path]

    # --- the API -------------------------------------------------------------------

    def _record(self, method: str, args: dict[str, Any], path: str, token: str = "") -> None:
        with self._lock:
            self.calls.append(Call(method, args, time.monotonic(), path, token))
            self._lock.notify_all()

    def _answer(
        self, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        lower = {k.lower(): v for k, v in headers.items()}
        if path.startswith("/response/"):
            self._record("response_url", json.loads(raw or b"{}"), path)
            return 200, {"content-type": "text/plain"}, b"ok"
        if path.startswith("/upload/"):
            self._record("upload", {"size": len(raw), "data": raw}, path)
            failure = self._failure_for("upload")
            if failure is not None and not failure.after:
                return _fail(failure)
            with self._lock:
                found = self._uploads.get(path.removeprefix("/upload/"))
                if found is not None:
                    found["size"] = len(raw)
            if failure is not None:
                return _fail(failure)
            return 200, {"content-type": "text/plain"}, b"OK"
        method = path.removeprefix("/api/").split("?")[0]
        args = _parse(lower.get("content-type", ""), raw)
        token = lower.get("authorization", "").removeprefix("Bearer ").strip()
        self._record(method, args, path, token)
        if method == "oauth.v2.access":
            return _json(200, self._oauth_access(args, lower.get("authorization", "")))
        if method == "openid.connect.token":
            return _json(200, self._openid_token(args, lower.get("authorization", "")))
        if method == "openid.connect.userInfo":
            return _json(200, self._openid_user(token or str(args.get("token", ""))))
        failure = self._failure_for(method)
        if failure is not None and not failure.after:
            return _fail(failure)
        with self._lock:
            # A token it never handed out is taken as the default team's (as before installs).
            team = self.token_teams.get(token, TEAM)
        if token in self.refused_tokens or not token:
            return _json(200, {"ok": False, "error": "invalid_auth"})
        answer = self._method(method, args, team)
        if failure is not None:
            return _fail(failure)  # it happened, but the answer says otherwise
        return _json(200, answer)

    def _failure_for(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method) or []
            failure = queue[0] if queue else None
            if failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
            return failure

    def _next_ts(self) -> str:
        """A message timestamp from Slack's clock, unique and increasing (microseconds)."""
        with self._lock:
            micros = max(int(self.now() * 1_000_000), self._last_ts + 1)
            self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _post(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = _dm(str(args.get("channel")))
        ts = self._next_ts()
        metadata = _metadata(args.get("metadata"))
        blocks = args.get("blocks")
        posted = Posted(
            channel,
            ts,
            str(args.get("text") or ""),
            metadata,
            blocks if isinstance(blocks, list) else [],
        )
        with self._lock:
            self._history.setdefault(channel, []).append(posted)
        return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("ts"))
        with self._lock:
            found = next((m for m in self._history.get(channel, []) if m.ts == ts), None)
            if found is None:
                return {"ok": False, "error": "message_not_found"}
            found.text = str(args.get("text") or found.text)
            if isinstance(args.get("blocks"), list):
                found.blocks = args["blocks"]
            if args.get("metadata") is not None:
                found.metadata = _metadata(args.get("metadata"))
            found.edits += 1
        return {"ok": True, "channel": channel, "ts": ts}

    def _history_page(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        inclusive = _true(args.get("inclusive"))
        oldest = float(args.get("oldest") or 0)
        latest = float(args["latest"]) if args.get("latest") else None
        limit = max(1, min(int(args.get("limit") or 100), 999))
        start = int(str(args.get("cursor") or "0").removeprefix("next_") or 0)
        with_metadata = _true(args.get("include_all_metadata"))

        def within(m: Posted) -> bool:
            ts = float(m.ts)
            after = ts >= oldest if inclusive else ts > oldest
            before = latest is None or (ts <= latest if inclusive else ts < latest)
            return after and before

        with self._lock:
            if channel not in self._history and not channel.startswith(("C", "D", "G")):
                return {"ok": False, "error": "channel_not_found"}
            found = [m for m in reversed(self._history.get(channel, [])) if within(m)]
        page = found[start : start + limit]
        messages = []
        for m in page:
            shown: dict[str, Any] = {"type": "message", "ts": m.ts, "text": m.text}
            if m.metadata is not None:
                shown["bot_id"] = "B0FAKEBOT"
                if with_metadata:
                    shown["metadata"] = m.metadata
            messages.append(shown)
        more = start + limit < len(found)
        answer: dict[str, Any] = {"ok": True, "messages": messages, "has_more": more}
        answer["response_metadata"] = {"next_cursor": f"next_{start + limit}" if more else ""}
        return answer

    # --- Sign in with Slack (OpenID Connect) ----------------------------------------

    def _authorize(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """The authorize page: the person approves at once, as `signing_in_as`."""
        parts = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        if parts.path == "/oauth/v2/authorize":
            return self._install_authorize(query)
        self._record("openid.connect.authorize", query, parts.path)
        if parts.path != "/openid/connect/authorize":
            return 404, {"content-type": "text/plain"}, b"not found"
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect:
            return 400, {"content-type": "text/plain"}, b"invalid client_id or redirect_uri"
        if self.signing_in_as is None:
            answer = {"error": "access_denied", "state": query.get("state", "")}
        else:
            code = f"fake-code-{next(self._ids)}"
            with self._lock:
                self._codes[code] = {
                    "user": self.signing_in_as,
                    "team": self.signing_in_team,
                    "nonce": query.get("nonce", ""),
                    "redirect_uri": redirect,
                }
            answer = {"code": code, "state": query.get("state", "")}
        location = redirect + ("&" if "?" in redirect else "?") + urllib.parse.urlencode(answer)
        return 302, {"location": location, "content-type": "text/plain"}, b""

    # --- installing the app (OAuth v2) -----------------------------------------------

    def _install_authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """The install page: the installer approves at once (or cancels)."""
        self._record("oauth.v2.authorize", query, "/oauth/v2/authorize")
        redirect = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect:
            return 400, {"content-type": "text/plain"}, b"invalid client_id or redirect_uri"
        if self.installer is None:
            answer = {"error": "access_denied", "state": query.get("state", "")}
        else:
            code = f"fake-install-code-{next(self._ids)}"
            with self._lock:
                self._codes[code] = {
                    "user": self.installer,
                    "team": self.installing_team,
                    "team_name": self.installing_team_name,
                    "org": self.installing_org or "",
                    "scope": query.get("scope", ""),
                    "redirect_uri": redirect,
                }
            answer = {"code": code, "state": query.get("state", "")}
        location = redirect + ("&" if "?" in redirect else "?") + urllib.parse.urlencode(answer)
        return 302, {"location": location, "content-type": "text/plain"}, b""

    def _oauth_access(self, args: dict[str, Any], authorization: str) -> dict[str, Any]:
        if not self._client_ok(args, authorization):
            return {"ok": False, "error": "invalid_client_id"}
        if args.get("grant_type") == "refresh_token":
            return self._refresh(str(args.get("refresh_token", "")))
        with self._lock:
            grant = self._codes.pop(str(args.get("code")), None)  # a code is good once
        if grant is None or "team_name" not in grant:
            return {"ok": False, "error": "invalid_code"}
        if args.get("redirect_uri") and grant["redirect_uri"] != args.get("redirect_uri"):
            return {"ok": False, "error": "bad_redirect_uri"}
        team, org = grant["team"], grant["org"]
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": grant["user"]},
            "scope": grant["scope"],
            "token_type": "bot",
            **self._new_token(org or team),
            "bot_user_id": BOT_USER,
            # An org-wide install names the org, and no team.
            "team": None if org else {"id": team, "name": grant["team_name"]},
            "enterprise": {"id": org, "name": grant["team_name"]} if org else None,
            "is_enterprise_install": bool(org),
        }

    def _new_token(self, team: str) -> dict[str, Any]:
        token = f"xoxb-{team.lower()}-{next(self._ids)}"
        with self._lock:
            self.token_teams[token] = team
            if self.token_lifetime is None:
                return {"access_token": token}
            refresh = f"xoxe-{team.lower()}-{next(self._ids)}"
            self._refresh_tokens[refresh] = (team, token)
        return {"access_token": token, "refresh_token": refresh, "expires_in": self.token_lifetime}

    def _refresh(self, refresh: str) -> dict[str, Any]:
        with self._lock:
            found = self._refresh_tokens.pop(refresh, None)  # a refresh token is good once
        if found is None:
            return {"ok": False, "error": "invalid_refresh_token"}
        team, old = found
        self.refused_tokens.add(old)
        return {"ok": True, "token_type": "bot", **self._new_token(team), "team": {"id": team}}

    def _client_ok(self, args: dict[str, Any], authorization: str) -> bool:
        client_id, client_secret = args.get("client_id"), args.get("client_secret")
        if authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            client_id, _, client_secret = decoded.partition(":")
        return client_id == self.client_id and client_secret == self.client_secret

    def _openid_token(self, args: dict[str, Any], authorization: str) -> dict[str, Any]:
        if not self._client_ok(args, authorization):
            return {"ok": False, "error": "invalid_client_id"}
        if args.get("grant_type") == "refresh_token":
            return self._refresh(str(args.get("refresh_token", "")))
        with self._lock:
            grant = self._codes.pop(str(args.get("code")), None)  # a code is good once
        if grant is None or "nonce" not in grant:
            return {"ok": False, "error": "invalid_code"}
        if grant["redirect_uri"] != args.get("redirect_uri"):
            return {"ok": False, "error": "bad_redirect_uri"}
        token = f"xoxp-fake-{next(self._ids)}"
        with self._lock:
            self._user_tokens[token] = grant
        claims = {
            "iss": "https://slack.com",
            "sub": grant["user"],
            "aud": self.client_id,
            "exp": int(time.time()) + 3600,
            "iat": int(time.time()),
            "nonce": grant["nonce"],
            "https://slack.com/user_id": grant["user"],
            "https://slack.com/team_id": grant["team"],
        }
        return {
            "ok": True,
            "access_token": token,
            "token_type": "Bearer",
            "id_token": _unsigned_jwt(claims),
        }

    def _openid_user(self, token: str) -> dict[str, Any]:
        with self._lock:
            grant = self._user_tokens.get(token)
        if grant is None:
            return {"ok": False, "error": "invalid_auth"}
        user = self.users.get(grant["user"]) or FakeUser(grant["user"])
        return {
            "ok": True,
            "sub": grant["user"],
            "https://slack.com/user_id": grant["user"],
            "https://slack.com/team_id": grant["team"],
            "name": user.name,
            "locale": user.locale,
        }

    def _method(self, method: str, args: dict[str, Any], team: str = TEAM) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.example/",
                "team": "Fake Team",
                "user": "okrbot",
                "team_id": team,
                "user_id": BOT_USER,
                "bot_id": "B0FAKEBOT",
            }
        if method == "apps.connections.open":
            if self.socket_url is None:
                return {"ok": False, "error": "socket_mode_not_enabled"}
            return {"ok": True, "url": self.socket_url}
        if method == "users.info":
            user_id = str(args.get("user"))
            found = self.users.get(user_id)
            if found is None:
                return {"ok": False, "error": "user_not_found"}
            return {
                "ok": True,
                "user": {
                    "id": user_id,
                    "team_id": team,
                    "name": found.name.lower(),
                    "tz": found.tz,
                    "locale": found.locale,
                    "profile": {"display_name": found.name, "real_name": found.name},
                },
            }
        if method == "conversations.open":
            # A person's DM, whatever their id looks like (the demo's people are "mei").
            users = str(args.get("users", ""))
            return {"ok": True, "channel": {"id": _dm(users) if users[:1] in "UW" else "D" + users}}
        if method == "conversations.history":
            return self._history_page(args)
        if method == "chat.postMessage":
            return self._post(args)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.update":
            return self._update(args)
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": f"V{next(self._ids):06d}"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):06d}"
            with self._lock:
                self._uploads[file_id] = {"id": file_id, "filename": args.get("filename")}
            return {
                "ok": True,
                "upload_url": f"{self.base_url}upload/{file_id}",
                "file_id": file_id,
            }
        if method == "files.completeUploadExternal":
            files = args.get("files")
            parsed = json.loads(files) if isinstance(files, str) else files or []
            with self._lock:
                for f in parsed:
                    if f["id"] in self._uploads:
                        self._uploads[f["id"]].update(
                            title=f.get("title"), channel=args.get("channel_id")
                        )
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in parsed]}
        if method == "files.info":
            with self._lock:
                file = dict(self._uploads.get(str(args.get("file")), {}))
            if not file:
                return {"ok": False, "error": "file_not_found"}
            shared = file.get("channel")
            kind = "private" if str(shared).startswith(("D", "G")) else "public"
            file["shares"] = {kind: {shared: [{"ts": self._next_ts()}]}} if shared else {}
            file["channels"] = [shared] if shared and kind == "public" else []
            return {"ok": True, "file": file}
        return {"ok": False, "error": "unknown_method"}


def _dm(channel: str) -> str:
    """The bot's DM with a person, for a user id (as chat.postMessage and conversations.open)."""
    return "D" + channel[1:] if channel.startswith(("U", "W")) else channel


def _metadata(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(raw, dict) or not raw.get("event_type"):
        return None
    return {"event_type": raw["event_type"], "event_payload": raw.get("event_payload") or {}}


def _true(raw: Any) -> bool:
    return raw is True or str(raw).lower() in ("1", "true")


def _fail(failure: _Failure) -> tuple[int, dict[str, str], bytes]:
    extra = {"retry-after": str(failure.retry_after)} if failure.retry_after else {}
    error = failure.error or ("ratelimited" if failure.status == 429 else "internal_error")
    return _json(failure.status, {"ok": False, "error": error}, extra)


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    """A JWT shaped like Slack's ID token; the signature is a stand-in (never checked)."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT', 'kid': 'fake'})}.{part(claims)}.ZmFrZQ"


def _parse(content_type: str, raw: bytes) -> dict[str, Any]:
    if "json" in content_type:
        return json.loads(raw or b"{}")
    parsed = urllib.parse.parse_qs(raw.decode("utf-8"), keep_blank_values=True)
    args: dict[str, Any] = {k: v[0] for k, v in parsed.items()}
    for name in ("blocks", "view"):
        if isinstance(args.get(name), str):
            args[name] = json.loads(args[name])
    return args


def _json(
    status: int, data: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    return (
        status,
        {"content-type": "application/json", **(headers or {})},
        json.dumps(data).encode(),
    )


# --- the driver: signed requests, as Slack sends them ------------------------------

Post = Callable[[bytes, dict[str, str]], tuple[int, bytes]]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def http_post(url: str) -> Post:
    """Posts to a running bot's /slack/events."""

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    return post


@dataclass
class Sent:
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackDriver:
    """Sends what Slack would: signed commands, button presses, modal submits and events."""

    def __init__(
        self,
        post: Post,
        fake: FakeSlack,
        *,
        secret: str = SIGNING_SECRET,
        team: str = TEAM,
        org: str | None = None,  # the team's Enterprise Grid org, installed org-wide
    ):
        self.post = post
        self.fake = fake
        self.secret = secret
        self.team = team
        self.org = org
        self._ids = itertools.count(1)
        self.last_response_url = ""

    def _send(
        self,
        body: bytes,
        content_type: str,
        *,
        extra: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> Sent:
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": str(ts),
            "x-slack-signature": sign(secret or self.secret, ts, body),
            **(extra or {}),
        }
        started = time.monotonic()
        status, answer = self.post(body, headers)
        return Sent(status, answer, time.monotonic() - started)

    def command_body(self, user: str, text: str, *, channel: str = "C0FAKEGEN") -> bytes:
        n = next(self._ids)
        self.last_response_url = self.fake.response_url()
        return urllib.parse.urlencode(
            {
                "token": "legacy-unused",
                "team_id": self.team,
                "team_domain": "fake",
                "channel_id": channel,
                "channel_name": "general" if channel.startswith("C") else "directmessage",
                "user_id": user,
                "user_name": self.fake.users[user].name.lower()
                if user in self.fake.users
                else user,
                "command": "/okr",
                "text": text,
                "api_app_id": "A0FAKE",
                "response_url": self.last_response_url,
                "trigger_id": f"{n}.{n}.fake{n:04d}",
            }
        ).encode()

    def command(self, user: str, text: str, *, channel: str = "C0FAKEGEN", **kwargs: Any) -> Sent:
        return self._send(
            self.command_body(user, text, channel=channel),
            "application/x-www-form-urlencoded",
            **kwargs,
        )

    def interact(self, payload: dict[str, Any], **kwargs: Any) -> Sent:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self._send(body, "application/x-www-form-urlencoded", **kwargs)

    def press(
        self,
        user: str,
        action_id: str,
        value: str = "",
        *,
        message: dict[str, Any] | None = None,
        channel: str = "C0FAKEGEN",
        home: bool = False,
        action_ts: float | None = None,
    ) -> Sent:
        n = next(self._ids)
        action = {
            "type": "button",
            "action_id": action_id,
            "block_id": "b1",
            "value": value,
            "action_ts": f"{action_ts if action_ts is not None else time.time():.6f}",
            "text": {"type": "plain_text", "text": "x"},
        }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": self.team, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team},
            "api_app_id": "A0FAKE",
            "trigger_id": f"{n}.{n}.press{n:04d}",
            "actions": [action],
        }
        if home:
            payload["container"] = {"type": "view", "view_id": "V0HOME"}
            payload["view"] = {"id": "V0HOME", "type": "home"}
        else:
            ts = (message or {}).get("ts", "1700000000.000001")
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel, "name": "general"}
            payload["message"] = message or {"ts": ts, "type": "message", "text": ""}
            self.last_response_url = self.fake.response_url()
            payload["response_url"] = self.last_response_url
        return self.interact(payload)

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> Sent:
        """Submit a modal the bot opened (`view` as sent to views.open) with `values` by input name."""
        state: dict[str, Any] = {}
        for block in view["blocks"]:
            if block.get("type") != "input":
                continue
            name, element = block["block_id"], block["element"]
            state[name] = {element["action_id"]: _state(element, values.get(name))}
        n = next(self._ids)
        payload = {
            "type": "view_submission",
            "team": {"id": self.team, "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team},
            "api_app_id": "A0FAKE",
            "trigger_id": f"{n}.{n}.submit{n:04d}",
            "view": {
                **view,
                "id": f"V0MODAL{n}",
                "team_id": self.team,
                "state": {"values": state},
                "hash": f"{n}.hash",
            },
        }
        return self.interact(payload)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry: int | None = None,
        **kwargs: Any,
    ) -> Sent:
        n = next(self._ids)
        body = json.dumps(
            {
                "token": "legacy-unused",
                "team_id": self.team,
                "api_app_id": "A0FAKE",
                "event": event,
                "type": "event_callback",
                "event_id": event_id or f"Ev{n:08d}",
                "event_time": int(time.time()),
                **({"enterprise_id": self.org} if self.org else {}),
                "authorizations": [self._authorization()],
            }
        ).encode()
        extra = {}
        if retry:
            extra = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        return self._send(body, "application/json", extra=extra, **kwargs)

    def _authorization(self) -> dict[str, Any]:
        if self.org:
            return {
                "enterprise_id": self.org,
                "team_id": None,
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": True,
            }
        return {"team_id": self.team, "user_id": BOT_USER, "is_bot": True}


def _state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "static_select":
        chosen = next((o for o in element["options"] if o["value"] == value), None)
        return {"type": kind, "selected_option": chosen}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(value or [])}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    return {"type": kind, "value": None if value is None else str(value)}
