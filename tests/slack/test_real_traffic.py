"""A week of real-shaped Slack traffic against a running `okrbot run`.

Every payload comes from tests/fixtures/slack/: written in the shapes of
Slack's Events API, interactivity and slash command docs (the envelope,
`authorizations`, Enterprise Grid's fields, message subtypes), with obvious
fake ids. Each is signed as Slack signs and posted over HTTP to a real bot
process talking to the fake Slack Web API. Every answer is 2xx within 3 s; the
ones a person would expect arrive where they belong (a thread's reply in the
thread); nothing else is posted; and the log has no ERROR and no traceback.
Forged, stale and malformed requests get 4xx, store nothing and log one line.

"Nothing else was posted" is checked after a marker: a DM sent after the
others whose answer proves the earlier events' work was taken up before it.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from handlers.views import Message, to_json
from storage.db import SessionFactory, make_engine
from storage.models import OutboxMessage, ProcessedEvent, Workspace
from storage.repos import outbox
from tests.bot_process import BotProcess, Bots, ClockFile, wait_for
from tests.fakes.slack_api import (
    GOOD_TOKEN,
    SIGNING_SECRET,
    TEAM,
    FakeSlack,
    FakeUser,
    SlackDriver,
    http_post,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
STEP = 3.0  # the platforms' patience with an answer
ARRIVES = 10.0  # a reply sent after the answer: bounded, generous on a busy machine

# What a person would expect from each event: nothing, except where named.
IGNORED = [
    "message_im_from_another_app",
    "message_im_from_a_bot_user",
    "message_im_from_okrbot",
    "message_changed",
    "message_deleted",
    "message_file_share",
    "message_channel_not_addressed",
    "app_mention_edited",
    "app_mention_from_another_bot",
    "app_home_opened_messages_tab",
    "reaction_added",
    "member_joined_channel",
    "member_joined_channel_okrbot",
    "team_access_granted",
    "channel_rename",
    "user_change",
    "tokens_revoked_people_only",
]


def fixture(name: str) -> dict[str, Any]:
    kind = "interactivity" if (FIXTURES / "interactivity" / f"{name}.json").exists() else "events"
    data: dict[str, Any] = json.loads((FIXTURES / kind / f"{name}.json").read_text("utf-8"))
    return data


class Replay:
    """Signs and posts fixtures to a running bot, as Slack would, timing each answer."""

    def __init__(self, bot: BotProcess, fake: FakeSlack) -> None:
        self.post = http_post(f"http://127.0.0.1:{bot.port}/slack/events")
        self.driver = SlackDriver(self.post, fake)
        self.fake = fake
        self.n = 0

    def raw(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
    ) -> tuple[int, bytes]:
        ts = timestamp if timestamp is not None else str(int(time.time()))
        headers = {"content-type": content_type, "x-slack-request-timestamp": ts}
        if signature != "":
            headers["x-slack-signature"] = signature or signed(ts, body)
        started = time.monotonic()
        status, answer = self.post(body, headers)
        assert time.monotonic() - started < STEP, "Slack waits 3 s"
        return status, answer

    def event(self, name: str, **changes: Any) -> dict[str, Any]:
        """Post an Events API fixture with a fresh event id and time; returns what was sent."""
        self.n += 1
        body = copy.deepcopy(fixture(name))
        if body.get("type") == "event_callback":
            body["event_id"] = f"Ev0REPLAY{self.n:04d}"
            body["event_time"] = int(time.time())
        body.update(changes)
        status, answer = self.raw(json.dumps(body).encode(), "application/json")
        assert 200 <= status < 300, (name, status, answer)
        return body

    def interaction(self, name: str) -> None:
        form = urllib.parse.urlencode({"payload": json.dumps(fixture(name))}).encode()
        status, answer = self.raw(form, "application/x-www-form-urlencoded")
        assert 200 <= status < 300, (name, status, answer)

    def command(self, name: str) -> str:
        fields = fixture(name)
        fields["response_url"] = self.fake.response_url()
        status, answer = self.raw(
            urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        )
        assert 200 <= status < 300, (name, status, answer)
        return str(fields["response_url"])


def signed(timestamp: str, body: bytes) -> str:
    """Slack's signature over whatever the timestamp header says, a number or not."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


def posts(fake: FakeSlack) -> list[tuple[str, dict[str, Any]]]:
    return [(c.method, c.args) for c in fake.calls if c.method.startswith(("chat.", "views."))]


def clean(log: str) -> None:
    assert " ERROR " not in log and "Traceback" not in log, log


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(
        users={
            "U0ALICE": FakeUser("Alice"),
            "W0ALICE": FakeUser("Alice"),
            "W0PARTNER": FakeUser("Pat"),
            "U0BOB": FakeUser("Bob"),
        }
    ).start()
    yield slack
    slack.stop()


@pytest.fixture
def bot(tmp_path: Path, database_url: str, fake: FakeSlack) -> Iterator[BotProcess]:
    bots = Bots(
        workdir=tmp_path,
        database_url=database_url,
        clock=ClockFile(tmp_path / "now.txt", NOW),
        extra={
            "SLACK_API_URL": fake.api_url,
            "SLACK_BOT_TOKEN": GOOD_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        },
    )
    try:
        yield bots.new("slack").start()
    finally:
        bots.close()


def test_every_event_slack_delivers_is_answered_and_only_people_get_answers(
    bot: BotProcess, fake: FakeSlack
) -> None:
    replay = Replay(bot, fake)
    status, answer = replay.raw(
        json.dumps(fixture("url_verification")).encode(), "application/json"
    )
    assert status == 200 and fixture("url_verification")["challenge"] in answer.decode()

    for name in IGNORED:
        replay.event(name)
    for name in ("view_closed", "shortcut", "block_suggestion"):
        replay.interaction(name)
    status, _ = replay.raw(json.dumps(fixture("app_rate_limited")).encode(), "application/json")
    assert status == 200

    # A thread's reply goes into the thread, in a DM and in a channel.
    replay.event("message_im_in_thread")
    threaded = fake.wait_until(lambda c: c.method == "chat.postMessage", timeout=ARRIVES)
    assert threaded.args["channel"] == "D0ALICE"
    assert threaded.args["thread_ts"] == "1764763200.000100"
    replay.event("app_mention_in_thread")
    in_channel = fake.wait_until(lambda c: c.method == "chat.postEphemeral", timeout=ARRIVES)
    assert in_channel.args["channel"] == "C0GENERAL"
    assert in_channel.args["thread_ts"] == "1764763200.000900"

    # Enterprise Grid: a shared channel's partner, an org-wide install, a slash command.
    replay.event("app_mention_shared_channel_grid")
    fake.wait_until(
        lambda c: c.method == "chat.postEphemeral" and c.args.get("user") == "W0PARTNER",
        timeout=ARRIVES,
    )
    replay.event("message_im_grid_org_install")
    fake.wait_until(
        lambda c: c.method == "chat.postMessage" and "thread_ts" not in c.args, timeout=ARRIVES
    )
    url = replay.command("slash_command_grid")
    fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path), timeout=ARRIVES)
    replay.interaction("block_actions_grid_org_install")
    expired = fake.wait_until(
        lambda c: c.method == "chat.postEphemeral" and "expired" in str(c.args)
    )
    assert expired.args["user"] == "W0ALICE"

    replay.event("app_home_opened")
    fake.wait_until(lambda c: c.method == "views.publish", timeout=ARRIVES)

    # The marker: a plain DM, answered at the top level of the DM.
    before = len(posts(fake))
    replay.event("message_im")
    fake.wait_for("chat.postMessage", count=3, timeout=ARRIVES)
    marker = [args for method, args in posts(fake)[before:] if method == "chat.postMessage"]
    assert len(marker) == 1 and "thread_ts" not in marker[0]
    assert "checkin" in json.dumps(marker[0])

    # Exactly the answers above: two threaded replies, the partner's, the org install's DM,
    # the expired button's, the Home, the marker's. None for bots, edits, files or chatter.
    assert [method for method, _ in posts(fake)] == [
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.postEphemeral",
        "chat.postMessage",
        "chat.postEphemeral",
        "views.publish",
        "chat.postMessage",
    ]
    log = bot.log()
    clean(log)
    assert "rate limiting this app's events" in log  # the one notice that deserves a line


def test_forged_stale_and_malformed_requests_get_4xx_store_nothing_and_log_one_line_each(
    bot: BotProcess, fake: FakeSlack, database_url: str
) -> None:
    replay = Replay(bot, fake)
    event = json.dumps({**fixture("message_im"), "event_id": "Ev0FORGED01"}).encode()
    now = int(time.time())
    refused = [
        replay.raw(event, "application/json", signature=""),  # unsigned
        replay.raw(event, "application/json", timestamp="soon"),  # not a number
        replay.raw(event, "application/json", timestamp=f"{now}.5"),  # not a whole number
        replay.raw(event, "application/json", signature="v0=" + "0" * 64),  # forged
        replay.raw(  # signed 6 minutes ago: a captured request replayed
            event,
            "application/json",
            timestamp=str(now - 360),
            signature=signed(str(now - 360), event),
        ),
    ]
    assert [status for status, _ in refused] == [401] * 5
    malformed = [
        replay.raw(b"{not json", "application/json"),
        replay.raw(b"[1, 2, 3]", "application/json"),
        replay.raw(b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        replay.raw(b"\xff\xfe", "application/json"),
        replay.raw(b"", "application/x-www-form-urlencoded"),
    ]
    assert [status for status, _ in malformed] == [400] * 5

    # The bot still answers a good request, and the refused ones left nothing behind.
    replay.event("message_im")
    fake.wait_for("chat.postMessage", timeout=ARRIVES)
    engine = make_engine(database_url)
    try:
        with SessionFactory(engine).begin() as session:
            ids = [e.event_id for e in session.exec(select(ProcessedEvent)).all()]
    finally:
        engine.dispose()
    assert "ev:Ev0FORGED01" not in ids and len(ids) == 1
    log = bot.log()
    clean(log)
    assert log.count("refused a request to /slack/events") == 10
    assert "Invalid request signature" not in log  # Bolt's own line, with the body, never


def test_an_uninstall_parks_the_workspace_and_a_fresh_event_after_it_resumes(
    bot: BotProcess, fake: FakeSlack, database_url: str
) -> None:
    replay = Replay(bot, fake)
    replay.event("message_im")  # the workspace's first contact
    fake.wait_for("chat.postMessage", timeout=ARRIVES)
    engine = make_engine(database_url)
    sessions = SessionFactory(engine)

    def states() -> dict[str, str]:
        with sessions.begin() as session:
            return {r.key: r.state for r in session.exec(select(OutboxMessage)).all()}

    def queue(key: str) -> None:
        # A delivery written for later (due in an hour), as the rhythm writes them.
        with sessions.begin() as session:
            workspace = session.exec(select(Workspace).where(Workspace.external_id == TEAM)).one()
        assert workspace.id is not None
        view = json.dumps(to_json(Message(summary=f"later {key}")))
        with sessions.begin() as session:
            outbox.enqueue(
                session=session,
                workspace_id=workspace.id,
                platform="slack",
                messages=[outbox.NewMessage("channel", "C0LATER", view, key=key)],
                now=NOW + timedelta(hours=1),
            )

    try:
        queue("before-uninstall")
        replay.event("tokens_revoked")
        wait_for("the row parked", lambda: states() == {"before-uninstall": "parked"}, timeout=5)
        replay.event("app_uninstalled")  # Slack sends both, in either order
        queue("while-away")
        assert states() == {"before-uninstall": "parked", "while-away": "parked"}
        status, health = bot.get("/healthz")
        assert status == 200 and health["outbox"]["parked"] == 2

        # Slack retries an event from before the uninstall: not a sign of a reinstall.
        auth_calls = len(fake.of("auth.test"))
        replay.event("reaction_added", event_time=int(time.time()) - 120)
        # A person writes after the reinstall: the token works again, the rows go out.
        replay.event("message_im", event_time=int(time.time()) + 2)
        wait_for(
            "the parked rows sent",
            lambda: set(states().values()) == {"sent"},
            timeout=10,
        )
        assert len(fake.of("auth.test")) == auth_calls + 1  # asked once, for the fresh sign
        later = [c.args for c in fake.of("chat.postMessage") if c.args.get("channel") == "C0LATER"]
        assert [args["text"] for args in later] == ["later before-uninstall", "later while-away"]
        log = bot.log()
        clean(log)
        assert "parked until the app is back" in log and "resume" in log
    finally:
        engine.dispose()
