"""Socket Mode: the real SocketModeHandler connected to a local websocket, fed envelopes as Slack does."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest

from bot.slack.app import SlackConnection
from handlers.app import OkrApp
from handlers.clock import ManualClock
from storage.db import SessionFactory
from storage.models import Objective
from tests.conftest import WEDNESDAY
from tests.fakes.slack_api import FakeSlack, SlackDriver
from tests.fakes.slack_socket import FakeSocketMode
from tests.slack.conftest import ALICE, rows, slack_settings


@pytest.fixture
def socket_mode(fake: FakeSlack) -> Iterator[FakeSocketMode]:
    endpoint = FakeSocketMode()
    fake.socket_url = endpoint.url
    yield endpoint
    endpoint.stop()


@pytest.fixture
def connection(
    fake: FakeSlack, socket_mode: FakeSocketMode, sessions: SessionFactory
) -> Iterator[SlackConnection]:
    okr = OkrApp(sessions=sessions, clock=ManualClock(WEDNESDAY), default_timezone="Asia/Shanghai")
    settings = slack_settings(fake, slack_app_token="xapp-000-fake", slack_signing_secret=None)
    conn = SlackConnection(settings, okr)
    conn.start()
    yield conn
    conn.stop()
    conn.app.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]


def test_socket_mode_serves_no_http_route_and_needs_no_signing_secret(
    connection: SlackConnection,
) -> None:
    assert connection.routes() == {}


def test_a_command_over_socket_mode_is_acked_and_answered(
    connection: SlackConnection, fake: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    driver = SlackDriver(lambda body, headers: (500, b""), fake)
    body = driver.command_body(ALICE, "new Grow our reach | Followers: 0 -> 10000 followers")
    payload = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
    envelope = socket_mode.push("slash_commands", payload)
    assert "envelope_id" in socket_mode.ack_for(envelope, timeout=3)
    answer = fake.wait_until(lambda c: c.method == "response_url")
    assert "Grow our reach" in json.dumps(answer.args)
    assert len(rows(connection.okr.sessions, Objective)) == 1


def test_an_event_redelivered_over_socket_mode_is_handled_once(
    connection: SlackConnection, fake: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    event = {
        "team_id": "T0FAKE001",
        "api_app_id": "A0FAKE",
        "type": "event_callback",
        "event_id": "Ev0SOCKET1",
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": "D0ALICE01",
            "user": ALICE,
            "text": "new Grow our reach | Followers: 0 -> 10000 followers",
            "ts": "1700000005.000100",
        },
    }
    for attempt in (0, 1, 2):
        socket_mode.ack_for(socket_mode.push("events_api", event, retry_attempt=attempt))
    fake.wait_for("chat.postMessage")
    assert connection.background.wait_idle(10)  # every push's work is done
    assert len(rows(connection.okr.sessions, Objective)) == 1
    assert len(fake.of("chat.postMessage")) == 1
