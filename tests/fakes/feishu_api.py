"""A fake Feishu Open Platform on 127.0.0.1, spoken to by the real lark-oapi client.

It answers the calls okrbot makes (tenant token, bot info, message create /
reply / patch, ephemeral cards, contact user, chat members, image and file
upload, the tenant, the contact scope and email lookup, and Feishu OKR: periods,
a user's OKR list and progress records, in the shapes of Feishu's OKR v1 docs),
a store app's app_access_token (for its newest app_ticket) and each installed
tenant's own tenant_access_token, records every call, keeps Feishu's `uuid`
idempotency (a repeated uuid returns the first message), and answers 429 with
code 99991400 when told to.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

APP_ID = "cli_fake_okrbot"
APP_SECRET = "fake-secret-for-tests"
BOT_OPEN_ID = "ou_bot_okrbot"
TENANT = "tenant_fake_1"


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class Sent:
    """A message the bot posted: where, what kind, and its content decoded."""

    message_id: str
    how: str  # "create" | "reply" | "ephemeral" | "patch"
    to: str  # open_id, chat_id, or the replied/patched message id
    to_kind: str  # "open_id" | "chat_id" | "message"
    msg_type: str
    content: Any
    uuid: str | None = None


@dataclass
class FakeFeishu:
    app_id: str = APP_ID
    app_secret: str = APP_SECRET
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    chat_members: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    rate_limit_next: int = 0  # answer this many message creates with 429
    rate_limit_reset: str = "1"
    ws_url: str | None = None  # the long-connection gateway handed to lark.ws.Client
    # Feishu login: who approves on the authorize page (an open_id; None: they cancel).
    signing_in_as: str | None = None
    signing_in_tenant: str = TENANT
    _codes: dict[str, dict[str, str]] = field(default_factory=dict)
    _user_tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    # Feishu OKR: periods (as the API lists them), each open_id's OKR list, records written.
    okr_periods: list[dict[str, Any]] = field(default_factory=list)
    okrs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    okr_enabled: bool = True  # False: answer as a tenant without the OKR edition
    progress_records: list[dict[str, Any]] = field(default_factory=list)
    scope_users: list[str] = field(default_factory=list)
    departments: dict[str, list[str]] = field(default_factory=dict)  # department -> open_ids
    files: list[dict[str, Any]] = field(default_factory=list)
    # A store app: the app_ticket Feishu last pushed, and the tenants that installed the app.
    app_ticket: str | None = None
    installed_tenants: dict[str, int] = field(default_factory=dict)  # tenant -> its install
    ticket_resends: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _uuids: dict[str, str] = field(default_factory=dict)
    _installs: dict[str, int] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeFeishu:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, body, headers = fake.answer(
                    self.command, parts.path, query, raw, dict(self.headers)
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

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

    # --- what tests read -----------------------------------------------------------

    def calls_to(self, path_prefix: str, method: str | None = None) -> list[Call]:
        with self.lock:
            return [
                c
                for c in self.calls
                if c.path.startswith(path_prefix) and (method is None or c.method == method)
            ]

    def messages(self) -> list[Sent]:
        with self.lock:
            return list(self.sent)

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()
            self.sent.clear()

    # --- the API -------------------------------------------------------------------

    def answer(
        self, method: str, path: str, query: dict[str, str], raw: bytes, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        content_type = headers.get("Content-Type", "")
        body: Any
        if content_type.startswith("multipart/"):
            body = {"multipart_bytes": len(raw)}
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
        with self.lock:
            self.calls.append(Call(method, path, query, body, headers))
        if path == "/open-apis/auth/v3/tenant_access_token/internal":
            return self._token(body)
        if path == "/open-apis/auth/v3/app_access_token":
            return self._store_app_token(body)
        if path == "/open-apis/auth/v3/tenant_access_token":
            return self._store_tenant_token(body)
        if path == "/open-apis/auth/v3/app_ticket/resend":
            with self.lock:
                self.ticket_resends += 1
            return 200, {"code": 0, "msg": "success"}, {}
        if path == "/callback/ws/endpoint":
            return self._endpoint(body)
        if path.startswith("/open-apis/authen/"):
            return self._login(method, path, query, body, headers)
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer t-fake-"):
            return 400, {"code": 99991661, "msg": "Missing access token for authorization."}, {}
        if auth.startswith(f"Bearer t-fake-{self.app_id}-") and auth.removeprefix(
            "Bearer "
        ) not in {self.store_tenant_token(t) for t in self.installed_tenants}:
            # A store app's tenant token dies with the install it was made for.
            return 400, {"code": 99991663, "msg": "Invalid access token for authorization."}, {}
        if path == "/open-apis/bot/v3/info":
            return (
                200,
                {"code": 0, "msg": "ok", "bot": {"open_id": BOT_OPEN_ID, "app_name": "okrbot"}},
                {},
            )
        if path == "/open-apis/im/v1/messages" and method == "POST":
            return self._create(query, body)
        match = re.fullmatch(r"/open-apis/im/v1/messages/([^/]+)/reply", path)
        if match and method == "POST":
            return self._reply(match.group(1), body)
        match = re.fullmatch(r"/open-apis/im/v1/messages/([^/]+)", path)
        if match and method == "PATCH":
            return self._patch(match.group(1), body)
        if path == "/open-apis/ephemeral/v1/send" and method == "POST":
            message_id = self._new_id()
            self._record(
                Sent(
                    message_id,
                    "ephemeral",
                    f"{body['chat_id']}/{body['open_id']}",
                    "ephemeral",
                    "interactive",
                    body["card"],
                )
            )
            return 200, {"code": 0, "msg": "ok", "data": {"message_id": message_id}}, {}
        okr = self._okr(method, path, query, body)
        if okr is not None:
            return okr
        directory = self._directory(method, path, query, body)
        if directory is not None:
            return directory
        match = re.fullmatch(r"/open-apis/contact/v3/users/([^/]+)", path)
        if match and method == "GET":
            user = self.users.get(match.group(1))
            if user is None:
                return 400, {"code": 41050, "msg": "no user authority error"}, {}
            return (
                200,
                {
                    "code": 0,
                    "msg": "success",
                    "data": {"user": {"open_id": match.group(1), **user}},
                },
                {},
            )
        match = re.fullmatch(r"/open-apis/im/v1/chats/([^/]+)/members", path)
        if match and method == "GET":
            items = [
                {
                    "member_id": open_id,
                    "member_id_type": "open_id",
                    "name": self.users.get(open_id, {}).get("name", ""),
                    "tenant_key": "t",
                }
                for open_id in self.chat_members.get(match.group(1), [])
            ]
            return (
                200,
                {
                    "code": 0,
                    "msg": "success",
                    "data": {"items": items, "has_more": False, "member_total": len(items)},
                },
                {},
            )
        if path == "/open-apis/im/v1/files" and method == "POST":
            file_key = f"file_v3_fake_{next(self._ids)}"
            with self.lock:
                self.files.append({"file_key": file_key, "body": raw})
            return 200, {"code": 0, "msg": "success", "data": {"file_key": file_key}}, {}
        if path == "/open-apis/im/v1/images" and method == "POST":
            return (
                200,
                {
                    "code": 0,
                    "msg": "success",
                    "data": {"image_key": f"img_v3_fake_{next(self._ids)}"},
                },
                {},
            )
        return 404, {"code": 404, "msg": f"not faked: {method} {path}"}, {}

    def _login(
        self, method: str, path: str, query: dict[str, str], body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        """Feishu login: the authorize page, the OAuth token endpoint, the user's info."""
        if path == "/open-apis/authen/v1/authorize" and method == "GET":
            redirect = query.get("redirect_uri", "")
            if query.get("client_id") != self.app_id or not redirect:
                return 400, {"code": 20029, "msg": "redirect_uri or client_id is invalid"}, {}
            if self.signing_in_as is None:
                answer = {"error": "access_denied", "state": query.get("state", "")}
            else:
                code = f"fake-code-{next(self._ids)}"
                with self.lock:
                    self._codes[code] = {
                        "open_id": self.signing_in_as,
                        "tenant": self.signing_in_tenant,
                        "redirect_uri": redirect,
                    }
                answer = {"code": code, "state": query.get("state", "")}
            joiner = "&" if "?" in redirect else "?"
            return 302, {}, {"Location": redirect + joiner + urlencode(answer)}
        if path == "/open-apis/authen/v2/oauth/token" and method == "POST":
            body = body if isinstance(body, dict) else {}
            if body.get("client_id") != self.app_id or body.get("client_secret") != self.app_secret:
                return 400, {"code": 20002, "error": "invalid_client"}, {}
            with self.lock:
                grant = self._codes.pop(str(body.get("code")), None)  # a code is good once
            if grant is None or body.get("grant_type") != "authorization_code":
                return 400, {"code": 20003, "error": "invalid_grant"}, {}
            if grant["redirect_uri"] != body.get("redirect_uri"):
                return 400, {"code": 20071, "error": "invalid_grant"}, {}
            token = f"u-fake-{next(self._ids)}"
            with self.lock:
                self._user_tokens[token] = grant
            return (
                200,
                {
                    "code": 0,
                    "access_token": token,
                    "expires_in": 7200,
                    "token_type": "Bearer",
                    "scope": "",
                },
                {},
            )
        if path == "/open-apis/authen/v1/user_info" and method == "GET":
            token = headers.get("Authorization", "").removeprefix("Bearer ").strip()
            with self.lock:
                grant = self._user_tokens.get(token)
            if grant is None:
                return 401, {"code": 99991668, "msg": "Invalid access token for authorization."}, {}
            user = self.users.get(grant["open_id"], {})
            return (
                200,
                {
                    "code": 0,
                    "msg": "success",
                    "data": {
                        "name": user.get("name", grant["open_id"]),
                        "en_name": user.get("en_name", ""),
                        "open_id": grant["open_id"],
                        "union_id": "on_" + grant["open_id"],
                        "tenant_key": grant["tenant"],
                    },
                },
                {},
            )
        return 404, {"code": 404, "msg": f"not faked: {method} {path}"}, {}

    # --- Feishu OKR ----------------------------------------------------------------

    def _okr(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]] | None:
        if not path.startswith("/open-apis/okr/v1/"):
            return None
        if not self.okr_enabled:
            return 400, {"code": 1000403, "msg": "tenant has no OKR edition"}, {}
        if path == "/open-apis/okr/v1/periods" and method == "GET":
            data = {"page_token": "", "has_more": False, "items": self.okr_periods}
            return 200, {"code": 0, "msg": "success", "data": data}, {}
        match = re.fullmatch(r"/open-apis/okr/v1/users/([^/]+)/okrs", path)
        if match and method == "GET":
            wanted = query.get("period_ids")
            found = [
                o
                for o in self.okrs.get(match.group(1), [])
                if not wanted or o["period_id"] == wanted
            ]
            offset, limit = int(query.get("offset", "0")), int(query.get("limit", "10"))
            data = {"total": len(found), "okr_list": found[offset : offset + limit]}
            return 200, {"code": 0, "msg": "success", "data": data}, {}
        if path == "/open-apis/okr/v1/progress_records" and method == "POST":
            if not body.get("source_url") or body.get("target_type") not in (1, 2):
                return 400, {"code": 1009999, "msg": "param error"}, {}
            progress_id = str(7_200_000_000_000_000_000 + next(self._ids))
            with self.lock:
                self.progress_records.append({"progress_id": progress_id, **body})
            data = {
                "progress_id": progress_id,
                "modify_time": "1700000000000",
                "content": body.get("content"),
                "progress_rate": body.get("progress_rate"),
            }
            return 200, {"code": 0, "msg": "success", "data": data}, {}
        return 404, {"code": 404, "msg": f"not faked: {method} {path}"}, {}

    def _directory(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]] | None:
        if path == "/open-apis/tenant/v2/tenant/query" and method == "GET":
            tenant = {
                "name": "Fake Co.",
                "display_id": "F0001",
                "tenant_tag": 0,
                "tenant_key": TENANT,
            }
            return 200, {"code": 0, "msg": "success", "data": {"tenant": tenant}}, {}
        if path == "/open-apis/contact/v3/scopes" and method == "GET":
            data = {
                "user_ids": self.scope_users,
                "department_ids": list(self.departments),
                "group_ids": [],
                "has_more": False,
            }
            return 200, {"code": 0, "msg": "success", "data": data}, {}
        if path == "/open-apis/contact/v3/users/find_by_department" and method == "GET":
            items = [
                {"open_id": open_id, "name": self.users.get(open_id, {}).get("name", "")}
                for open_id in self.departments.get(query.get("department_id", ""), [])
            ]
            data = {"has_more": False, "page_token": "", "items": items}
            return 200, {"code": 0, "msg": "success", "data": data}, {}
        if path == "/open-apis/contact/v3/users/batch_get_id" and method == "POST":
            emails = {e.casefold() for e in body.get("emails") or []}
            users = [
                {"user_id": open_id, "email": user["email"]}
                for open_id, user in self.users.items()
                if str(user.get("email", "")).casefold() in emails
            ]
            return 200, {"code": 0, "msg": "success", "data": {"user_list": users}}, {}
        return None

    def _token(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or body.get("app_id") != self.app_id:
            return 400, {"code": 10003, "msg": "invalid param"}, {}
        if body.get("app_secret") != self.app_secret:
            return 400, {"code": 10014, "msg": "app secret invalid"}, {}
        return (
            200,
            {
                "code": 0,
                "msg": "ok",
                "tenant_access_token": f"t-fake-{self.app_id}",
                "expire": 7200,
            },
            {},
        )

    def _store_app_token(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        """A store app's app_access_token, for its id, secret and the newest app_ticket."""
        if not isinstance(body, dict) or body.get("app_id") != self.app_id:
            return 400, {"code": 10003, "msg": "invalid param"}, {}
        if body.get("app_secret") != self.app_secret:
            return 400, {"code": 10014, "msg": "app secret invalid"}, {}
        if self.app_ticket is None or body.get("app_ticket") != self.app_ticket:
            return 400, {"code": 10012, "msg": "app_ticket is invalid"}, {}
        token = f"a-fake-{self.app_id}"
        return 200, {"code": 0, "msg": "ok", "app_access_token": token, "expire": 7200}, {}

    def _store_tenant_token(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        """A tenant's own token for a store app, for the app token and the tenant_key."""
        if not isinstance(body, dict) or body.get("app_access_token") != f"a-fake-{self.app_id}":
            return 400, {"code": 10002, "msg": "app_access_token is invalid"}, {}
        tenant = body.get("tenant_key")
        if tenant not in self.installed_tenants:
            return 400, {"code": 10013, "msg": "the tenant has not installed the app"}, {}
        token = self.store_tenant_token(str(tenant))
        return 200, {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200}, {}

    def store_tenant_token(self, tenant: str) -> str:
        """The token of the tenant's current install (a re-install makes a new one)."""
        return f"t-fake-{self.app_id}-{tenant}-{self.installed_tenants.get(tenant, 0)}"

    def install(self, tenant: str) -> None:
        """A tenant installs the store app (the test then posts Feishu's app_open)."""
        with self.lock:
            self.installed_tenants[tenant] = self._installs.get(tenant, 0) + 1
            self._installs[tenant] = self.installed_tenants[tenant]

    def uninstall(self, tenant: str) -> None:
        with self.lock:
            self.installed_tenants.pop(tenant, None)

    def tokens_to(self, path: str, method: str = "POST") -> list[str]:
        """The access token of each call to exactly `path`, in order."""
        with self.lock:
            return [
                c.headers.get("Authorization", "").removeprefix("Bearer ")
                for c in self.calls
                if c.path == path and c.method == method
            ]

    def _endpoint(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        if (
            not isinstance(body, dict)
            or body.get("AppID") != self.app_id
            or body.get("AppSecret") != self.app_secret
        ):
            return 200, {"code": 1000040343, "msg": "app not found or secret wrong"}, {}
        if self.ws_url is None:
            return 200, {"code": 1, "msg": "system busy"}, {}
        config = {
            "ReconnectCount": -1,
            "ReconnectInterval": 1,
            "ReconnectNonce": 1,
            "PingInterval": 120,
        }
        return (
            200,
            {"code": 0, "msg": "ok", "data": {"URL": self.ws_url, "ClientConfig": config}},
            {},
        )

    def _limited(self) -> tuple[int, Any, dict[str, str]] | None:
        with self.lock:
            if self.rate_limit_next <= 0:
                return None
            self.rate_limit_next -= 1
        return (
            429,
            {"code": 99991400, "msg": "request trigger frequency limit"},
            {"x-ogw-ratelimit-limit": "5", "x-ogw-ratelimit-reset": self.rate_limit_reset},
        )

    def _create(self, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        limited = self._limited()
        if limited is not None:
            return limited
        uuid = body.get("uuid")
        if uuid and uuid in self._uuids:
            return 200, {"code": 0, "msg": "success", "data": {"message_id": self._uuids[uuid]}}, {}
        message_id = self._new_id()
        if uuid:
            self._uuids[uuid] = message_id
        self._record(
            Sent(
                message_id,
                "create",
                body["receive_id"],
                query.get("receive_id_type", ""),
                body["msg_type"],
                json.loads(body["content"]),
                uuid,
            )
        )
        return 200, {"code": 0, "msg": "success", "data": {"message_id": message_id}}, {}

    def _reply(self, parent: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        limited = self._limited()
        if limited is not None:
            return limited
        uuid = body.get("uuid")
        if uuid and uuid in self._uuids:
            return 200, {"code": 0, "msg": "success", "data": {"message_id": self._uuids[uuid]}}, {}
        message_id = self._new_id()
        if uuid:
            self._uuids[uuid] = message_id
        self._record(
            Sent(
                message_id,
                "reply",
                parent,
                "message",
                body["msg_type"],
                json.loads(body["content"]),
                uuid,
            )
        )
        return 200, {"code": 0, "msg": "success", "data": {"message_id": message_id}}, {}

    def _patch(self, message_id: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        self._record(
            Sent(
                message_id,
                "patch",
                message_id,
                "message",
                "interactive",
                json.loads(body["content"]),
            )
        )
        return 200, {"code": 0, "msg": "success", "data": {}}, {}

    def _new_id(self) -> str:
        return f"om_fake_{next(self._ids)}"

    def _record(self, sent: Sent) -> None:
        with self.lock:
            self.sent.append(sent)
