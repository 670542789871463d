"""Acceptance: the trial's journey against a running `okrbot run`, only through signed HTTP.

The bot is a real subprocess serving POST /slack/events on 127.0.0.1, talking to
the fake Slack Web API; its clock is a file the test moves, so Friday's digest
comes from its own scheduler within seconds.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from storage.db import SessionFactory, make_engine
from storage.models import Checkin, HelpRequest, KeyResult, Kudos, Objective, PlanTask, Team
from tests.bot_process import BotProcess, Bots, ClockFile
from tests.fakes.slack_api import (
    BOT_USER,
    GOOD_TOKEN,
    SIGNING_SECRET,
    Call,
    FakeSlack,
    FakeUser,
    SlackDriver,
    http_post,
)
from tests.fakes.slack_socket import FakeSocketMode

ALICE, BOB = "U0ALICE01", "U0BOB0001"
GROWTH = "C0GROWTH1"
# Wednesday of 2026-W48, 10:00 in Shanghai; that Friday's digest is at 17:00 there (09:00 UTC).
WEDNESDAY = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
FRIDAY_AFTER_DIGEST = datetime(2026, 11, 27, 9, 1, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(
        users={
            ALICE: FakeUser("Alice", tz="Asia/Shanghai", locale="en-US"),
            BOB: FakeUser("Bob", tz="Asia/Shanghai", locale="en-US"),
        }
    ).start()
    yield slack
    slack.stop()


@pytest.fixture
def running(
    tmp_path: Path, database_url: str, fake: FakeSlack
) -> Iterator[tuple[BotProcess, ClockFile]]:
    clock = ClockFile(tmp_path / "now.txt", WEDNESDAY)
    bots = Bots(workdir=tmp_path, database_url=database_url, clock=clock, extra={})
    try:
        bot = bots.new(
            "slack",
            SLACK_API_URL=fake.api_url,
            SLACK_BOT_TOKEN=GOOD_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            DEFAULT_TIMEZONE="Asia/Shanghai",
        ).start()
        yield bot, clock
        assert bot.terminate() == 0, bot.log()
    finally:
        bots.close()


@pytest.fixture
def sessions(database_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(database_url)
    yield SessionFactory(engine)
    engine.dispose()


def stored(sessions: SessionFactory, model: type) -> list:  # type: ignore[type-arg]
    with sessions.begin() as session:
        found = list(session.exec(select(model)).all())
        session.expunge_all()
        return found


def said(call: Call) -> str:
    return json.dumps(call.args, ensure_ascii=False)


def test_the_trial_journey_against_a_running_bot(
    running: tuple[BotProcess, ClockFile], fake: FakeSlack, sessions: SessionFactory
) -> None:
    bot, clock = running
    slack = SlackDriver(http_post(f"http://127.0.0.1:{bot.port}/slack/events"), fake)

    def command(user: str, text: str) -> str:
        sent = slack.command(user, text)
        assert sent.status == 200, (text, sent.status, sent.body)
        assert sent.seconds < 3, f"{text!r} acknowledged after {sent.seconds:.1f}s"
        url = slack.last_response_url
        fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
        return " ".join(said(c) for c in fake.answers_to(url))

    command(ALICE, f"team new Growth <#{GROWTH}|growth>")
    command(ALICE, f"team add Growth <@{BOB}|bob>")
    (team,) = stored(sessions, Team)
    assert (team.name, team.channel_external_id, team.timezone) == (
        "Growth",
        GROWTH,
        "Asia/Shanghai",
    )

    command(ALICE, "new Grow our reach | Followers: 0 -> 10000 followers")
    (objective,) = stored(sessions, Objective)
    (kr,) = stored(sessions, KeyResult)
    assert objective.title == "Grow our reach" and kr.target_value == 10000

    command(ALICE, "plan add KR1 Draft the launch post")
    assert [t.title for t in stored(sessions, PlanTask)] == ["Draft the launch post"]

    assert "60%" in command(ALICE, "checkin KR1 6000 conf 7")
    (checkin,) = stored(sessions, Checkin)
    assert (checkin.value, checkin.confidence) == (6000, 7)

    sent = slack.event(
        {
            "type": "app_mention",
            "user": ALICE,
            "text": f"<@{BOT_USER}> ask <@{BOB}> KR1 can you review the post?",
            "channel": GROWTH,
            "ts": "1700000010.000100",
        }
    )
    assert sent.status == 200 and sent.seconds < 3
    assert "H1" in said(fake.wait_for("chat.postEphemeral")[0])
    dm = fake.wait_until(lambda c: c.method == "chat.postMessage" and c.args["channel"] == BOB)
    assert "review the post" in said(dm) and "help.accept" in said(dm)
    (request,) = stored(sessions, HelpRequest)
    assert request.status == "open"

    command(BOB, f"kudos <@{ALICE}|alice> for the launch post")
    (kudos,) = stored(sessions, Kudos)
    assert kudos.text == "for the launch post"

    assert "Growth" in command(ALICE, "team")

    clock.set(FRIDAY_AFTER_DIGEST)
    digest = fake.wait_until(
        lambda c: c.method == "chat.postMessage" and c.args["channel"] == GROWTH, timeout=20
    )
    assert "Growth" in said(digest) and "for the launch post" in said(digest)


def test_with_an_app_token_okrbot_run_receives_over_socket_mode(
    tmp_path: Path, database_url: str, fake: FakeSlack, sessions: SessionFactory
) -> None:
    socket_mode = FakeSocketMode()
    fake.socket_url = socket_mode.url
    bots = Bots(
        workdir=tmp_path,
        database_url=database_url,
        clock=ClockFile(tmp_path / "now.txt", WEDNESDAY),
        extra={},
    )
    try:
        bot = bots.new(
            "socket",
            SLACK_API_URL=fake.api_url,
            SLACK_BOT_TOKEN=GOOD_TOKEN,
            SLACK_APP_TOKEN="xapp-000-fake",
        ).start()
        assert "/slack/events" not in bot.log().split("okrbot is serving", 1)[1].splitlines()[0]
        driver = SlackDriver(http_post("http://127.0.0.1:9/unused"), fake)
        body = driver.command_body(ALICE, "new Grow our reach | Followers: 0 -> 10000 followers")
        payload = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        socket_mode.ack_for(socket_mode.push("slash_commands", payload), timeout=3)
        url = driver.last_response_url
        answer = fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
        assert "Grow our reach" in said(answer)
        assert [o.title for o in stored(sessions, Objective)] == ["Grow our reach"]
        assert bot.terminate() == 0, bot.log()
    finally:
        bots.close()
        socket_mode.stop()
