"""A real Bolt app on a real OkrApp, talking to the fake Slack over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlmodel import select

from bot.http import HttpRequest
from bot.outbox import OutboxSender, SendReport
from bot.settings import Settings, load_settings
from bot.slack.app import SlackConnection
from handlers.app import OkrApp
from handlers.clock import ManualClock
from storage.db import SessionFactory
from tests.conftest import WEDNESDAY
from tests.fakes.slack_api import (
    GOOD_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    FakeUser,
    Post,
    SlackDriver,
)

ALICE, BOB, CHEN = "U0ALICE01", "U0BOB0001", "U0CHEN001"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(
        users={
            ALICE: FakeUser("Alice", tz="Asia/Shanghai", locale="en-US"),
            BOB: FakeUser("Bob", tz="Europe/Berlin", locale="en-GB"),
            CHEN: FakeUser("陈静", tz="Asia/Shanghai", locale="zh-CN"),
        }
    ).start()
    yield slack
    slack.stop()


def slack_settings(fake: FakeSlack, **extra: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": GOOD_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": None,
        "slack_api_url": fake.api_url,
        "default_timezone": "Asia/Shanghai",
    }
    values.update(extra)
    return load_settings(**values)


@dataclass
class Bot:
    """The Slack connection under test, and ways to look at what it did."""

    connection: SlackConnection
    okr: OkrApp
    sessions: SessionFactory
    clock: ManualClock
    fake: FakeSlack
    slack: SlackDriver

    def idle(self) -> None:
        """Wait for the positive signal that every event's work is done (none still running)."""
        assert self.connection.background.wait_idle(10), "the bot's work did not finish in 10 s"

    def drain_outbox(self) -> SendReport:
        """Send every due outbox row through the Slack sender with the bot's sender loop."""
        return OutboxSender(
            sessions=self.sessions, senders=[self.connection.sender()], clock=self.clock
        ).drain()


def route_post(connection: SlackConnection) -> Post:
    def post(body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        response = connection.handle_http(
            HttpRequest(method="POST", path="/slack/events", headers=headers, body=body)
        )
        if response.after is not None:
            response.after()  # what the server does once the response is sent
        return response.status, response.body

    return post


@pytest.fixture
def bot(fake: FakeSlack, sessions: SessionFactory) -> Iterator[Bot]:
    clock = ManualClock(WEDNESDAY)
    okr = OkrApp(sessions=sessions, clock=clock, default_timezone="Asia/Shanghai")
    connection = SlackConnection(slack_settings(fake), okr)
    yield Bot(
        connection=connection,
        okr=okr,
        sessions=sessions,
        clock=clock,
        fake=fake,
        slack=SlackDriver(route_post(connection), fake),
    )
    connection.stop()
    # Let lazy listeners still running finish before the database goes away.
    connection.app.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]


def rows(sessions: SessionFactory, model: type) -> list:  # type: ignore[type-arg]
    with sessions.begin() as session:
        found = list(session.exec(select(model)).all())
        session.expunge_all()
        return found
