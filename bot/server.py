"""The bot's one HTTP server: a Starlette router on uvicorn, serving every route.

Routes are the neutral, synchronous `bot.http.Route` functions: each request
runs on a worker thread, so a slow route (a platform SDK, a busy database)
never stalls the others or the server's own loop. `GET /healthz` is built in;
each platform connection adds its own routes (`POST /slack/events`, ...); the
web view's pages (`bot.web`) are mounted under whatever those leave.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn
from starlette.routing import BaseRoute, Mount, Router
from starlette.routing import Route as StarletteRoute
from starlette.types import ASGIApp

from bot.http import HttpRequest, HttpResponse, Route

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 1024 * 1024  # platform events are a few kilobytes; refuse anything huge
WORKERS = 16


def json_response(status: int, payload: object) -> HttpResponse:
    return HttpResponse(
        status=status,
        body=json.dumps(payload, ensure_ascii=False, indent=1).encode(),
        headers={"content-type": "application/json; charset=utf-8"},
    )


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(
        status=status, body=text.encode(), headers={"content-type": "text/plain; charset=utf-8"}
    )


class NeutralEndpoint:
    """One neutral route as an ASGI app: the body read (and bounded), the route run on
    the pool, its answer sent, then its `after` work started."""

    def __init__(self, route: Route, pool: ThreadPoolExecutor) -> None:
        self.route = route
        self._pool = pool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, too_big = await _read_body(receive)
        response = (
            _plain(413, "request body too large") if too_big else await self._run(scope, body)
        )
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
        ]
        try:
            await send(
                {"type": "http.response.start", "status": response.status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": response.body})
        finally:
            if response.after is not None:
                _start_after(response.after)

    async def _run(self, scope: Scope, body: bytes) -> HttpResponse:
        path = scope.get("path", "")
        request = HttpRequest(
            method=scope.get("method", "GET"),
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={
                k.decode("latin-1").lower(): v.decode("latin-1")
                for k, v in scope.get("headers", [])
            },
            body=body,
        )
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, self.route, request)
        except Exception:
            log.exception("the route for %s %s failed", request.method, path)
            return _plain(500, "internal error")


class RouterApp:
    """The ASGI application: Starlette's routing over the neutral routes (each on the
    thread pool, any method: the route answers for itself) and, when given, the web
    view's pages mounted under everything else.

    This is the one route table of the process: `/healthz`, each platform's routes
    and the web view all meet here.
    """

    def __init__(
        self,
        routes: Mapping[str, Route],
        *,
        pages: ASGIApp | None = None,
        workers: int = WORKERS,
    ) -> None:
        self.routes = dict(routes)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="okrbot-http")
        table: list[BaseRoute] = [
            StarletteRoute(path, NeutralEndpoint(route, self.pool))
            for path, route in self.routes.items()
        ]
        if pages is not None:
            table.append(Mount("", app=pages))
        # A trailing slash is another path, as it always was here: no redirects.
        self._app = Router(routes=table, redirect_slashes=False)

    @property
    def paths(self) -> list[str]:
        """What is served, for the log: each route's path, then the pages under `/`."""
        found = sorted(self.routes)
        if any(isinstance(route, Mount) for route in self._app.routes):
            found.append("/ (web view)")
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan and websockets: nothing to do
        await self._app(scope, receive, send)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def _start_after(after: Callable[[], None]) -> None:
    try:
        after()
    except Exception:
        log.exception("starting the work after a response failed")


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


class HttpServer:
    """uvicorn in a thread of its own, bound where the operator says; `stop` ends it."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        routes: Mapping[str, Route],
        pages: ASGIApp | None = None,
    ) -> None:
        self.host = host
        self.app = RouterApp(routes, pages=pages)
        config = uvicorn.Config(
            self.app,
            host=host,
            port=port,
            lifespan="off",
            access_log=False,
            log_config=None,  # the process's logging setup applies
            server_header=False,
            timeout_graceful_shutdown=3,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def start(self, *, timeout: float = 10.0) -> None:
        """Start serving; returns once the socket is bound (raises if it could not be)."""
        self._thread = threading.Thread(target=self._server.run, name="okrbot-http", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise OSError(f"could not serve HTTP on {self.host}:{self._server.config.port}")
            if time.monotonic() > deadline:
                raise TimeoutError("the HTTP server did not start in time")
            time.sleep(0.02)

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        for server in self._server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return int(self._server.config.port)

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(1.0)
        self.app.close()
