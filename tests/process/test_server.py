"""The HTTP server: a real uvicorn on 127.0.0.1 routing to synchronous routes on worker threads."""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, MutableMapping

import pytest

from bot.http import HttpRequest, HttpResponse
from bot.server import HttpServer, RouterApp

SLOW_ENTERED = threading.Event()


@pytest.fixture
def server() -> Iterator[HttpServer]:
    release = threading.Event()

    def slow(request: HttpRequest) -> HttpResponse:
        SLOW_ENTERED.set()
        release.wait(10)
        return HttpResponse(200, b"slow")

    def echo(request: HttpRequest) -> HttpResponse:
        text = f"{request.method} {request.path} {request.query} {request.headers['x-who']} "
        return HttpResponse(201, text.encode() + request.body, {"x-seen": "yes"})

    running = HttpServer(host="127.0.0.1", port=0, routes={"/slow": slow, "/echo": echo})
    running.start()
    try:
        yield running
    finally:
        release.set()
        running.stop()


def _get(url: str, data: bytes | None = None) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, data=data, headers={"X-Who": "tester"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_a_slow_route_never_holds_up_another_request(server: HttpServer) -> None:
    base = f"http://127.0.0.1:{server.port}"
    stuck = threading.Thread(target=_get, args=(f"{base}/slow",), daemon=True)
    SLOW_ENTERED.clear()
    stuck.start()
    assert SLOW_ENTERED.wait(5)  # the slow request is in its route now

    started = time.monotonic()
    status, body, headers = _get(f"{base}/echo?x=1", data=b"hello")
    assert time.monotonic() - started < 2
    assert status == 201
    assert body == b"POST /echo x=1 tester hello"
    assert headers["x-seen"] == "yes"


def test_an_unknown_path_is_404_and_a_huge_body_is_refused(server: HttpServer) -> None:
    base = f"http://127.0.0.1:{server.port}"
    assert _get(f"{base}/nothing-here")[0] == 404
    assert _get(f"{base}/echo/")[0] == 404  # another path, not a redirect to /echo
    assert _get(f"{base}/echo", data=b"x" * (2 * 1024 * 1024))[0] == 413


def test_a_routes_after_work_starts_once_its_response_is_sent() -> None:
    happened: list[str] = []

    def acked(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, b"ok", after=lambda: happened.append("after"))

    def broken_after(request: HttpRequest) -> HttpResponse:
        return HttpResponse(200, b"ok", after=lambda: 1 / 0)

    app = RouterApp({"/ack": acked, "/broken": broken_after})

    async def call(path: str) -> None:
        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, object]) -> None:
            happened.append(str(message["type"]))

        await app({"type": "http", "method": "POST", "path": path, "headers": []}, receive, send)

    try:
        asyncio.run(call("/ack"))
        assert happened == ["http.response.start", "http.response.body", "after"]
        happened.clear()
        asyncio.run(call("/broken"))  # a failing `after` is logged, the response was sent
        assert happened == ["http.response.start", "http.response.body"]
    finally:
        app.close()
