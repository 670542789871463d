"""The floor of the HTTP command benchmark: a bare Bolt app that acks `/okr` with static text.

It is served exactly as `okrbot run` serves Slack in HTTP mode (the same
settings, Web API client, Bolt `App` options, request translation and
`bot.server.HttpServer` on uvicorn), so the only difference between the two
is okrbot's own work: its listeners, and the work it starts after each ack.
Run as `python -m bench.floor` with SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and
SLACK_API_URL in the environment; it prints the line
`floor is serving on http://HOST:PORT` and serves until SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from slack_bolt import Ack, App, BoltRequest

from bot.http import HttpRequest, HttpResponse, Route
from bot.server import HttpServer
from bot.settings import load_settings
from bot.slack.app import EVENTS_PATH, make_client

ANSWER = "okrbot floor: acknowledged"


def build_app() -> App:
    settings = load_settings()
    secret = settings.slack_signing_secret
    app = App(
        client=make_client(settings),
        signing_secret=secret.get_secret_value() if secret else "",
        token_verification_enabled=False,
        logger=logging.getLogger("bench.floor.bolt"),
        name="floor",
        # As okrbot's App does: the ack in the request's thread. Bolt's default runs it
        # on a pool and polls for it every 10 ms, which would hide okrbot's own cost.
        process_before_response=True,
    )

    @app.command("/okr")
    def okr(ack: Ack) -> None:
        ack(ANSWER)

    return app


def route(app: App) -> Route:
    """POST /slack/events the way bot.slack.app.SlackConnection.handle_http does it."""

    def handle(request: HttpRequest) -> HttpResponse:
        if request.method.upper() != "POST":
            return HttpResponse(405, b"method not allowed", {"allow": "POST"})
        bolt_request = BoltRequest(
            body=request.body.decode("utf-8"), query=request.query, headers=dict(request.headers)
        )
        response = app.dispatch(bolt_request)
        headers = {name: values[0] for name, values in response.headers.items() if values}
        content = response.body.encode("utf-8") if isinstance(response.body, str) else b""
        return HttpResponse(response.status, content, headers)

    return handle


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    server = HttpServer(host="127.0.0.1", port=0, routes={EVENTS_PATH: route(build_app())})
    server.start()
    sys.stdout.write(f"floor is serving on http://{server.host}:{server.port}\n")
    sys.stdout.flush()
    try:
        stop.wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
