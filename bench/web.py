"""The web view's alignment tree of a generated company, over HTTP, with its queries counted.

    python -m bench.probe tree URL SAMPLES

The real server (`bot.server.HttpServer` with the web view mounted) answers
GET /tree for a signed-in member of the generated company; the time is the
whole request (reads, tree, templates, bytes on the socket), the queries are
those the database saw during one request.
"""

from __future__ import annotations

import statistics
import time
import urllib.request
from typing import Any

from sqlalchemy import event

from bench.generate import PLATFORM, WORKSPACE, user_id
from bot.server import HttpServer
from bot.web.app import WebView
from bot.web.session import SESSION_COOKIE, Codec, new_session
from bot.wiring import Runtime
from storage.repos import workspaces

SECRET = "bench-web-secret-0000000000000000000000"


def measure(runtime: Runtime, samples: int) -> dict[str, Any]:
    with runtime.sessions.begin() as session:
        found = workspaces.find_workspace(session=session, platform=PLATFORM, external_id=WORKSPACE)
        assert found is not None and found.id is not None
        member = workspaces.get_member_by_external(
            session=session, workspace_id=found.id, external_id=user_id(0)
        )
        assert member is not None and member.id is not None
        cookie = new_session(workspace_id=found.id, member_id=member.id)
    codec = Codec(SECRET, max_age=3600)
    web = WebView(sessions=runtime.sessions, clock=runtime.clock, codec=codec)
    server = HttpServer(host="127.0.0.1", port=0, routes={}, pages=web.asgi())
    server.start()
    queries = [0]

    def count(*_args: Any) -> None:
        queries[0] += 1

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/tree",
            headers={"Cookie": f"{SESSION_COOKIE}={codec.dump(cookie)}"},
        )
        times: list[float] = []
        size = 0
        per_request: list[int] = []
        for _ in range(max(1, samples)):
            before = queries[0]
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=600) as response:
                size = len(response.read())
                assert response.status == 200
            times.append(time.perf_counter() - started)
            per_request.append(queries[0] - before)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)
        server.stop()
    return {
        "seconds": statistics.median(times),
        "queries": max(per_request),
        "kilobytes": round(size / 1024, 1),
    }
