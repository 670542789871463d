"""A week of real-shaped Feishu traffic against a running `okrbot run` webhook.

Every payload comes from tests/fixtures/feishu/events/, written in the shapes
of Feishu's event docs and lark-oapi's event models (P2ImMessageReceiveV1 with
text and rich-text `post` content, P2ImChatMemberBotAddedV1,
P2ImChatAccessEventBotP2pChatEnteredV1, message-read receipts, card callbacks,
the schema 1.0 envelope), with obvious fake ids. Each is encrypted and signed
as Feishu does and posted over HTTP to a real bot process whose answers go
through lark-oapi to the fake Open Platform. Every answer is 2xx within 3 s,
people get the answers they would expect and nothing else, and the log has no
ERROR and no traceback. Stale, replayed and forged requests get 4xx, store
nothing and log one line; a replay is refused by another replica too.
"""

from __future__ import annotations

import copy
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel, select

from bot.http import HttpRequest
from storage.db import SessionFactory, make_engine
from storage.models import Checkin, Member, ProcessedEvent, WebhookNonce
from tests.bot_process import BotProcess, Bots, ClockFile, wait_for
from tests.fakes.feishu_api import APP_SECRET, FakeFeishu, Sent
from tests.fakes.feishu_driver import PATH, FeishuDriver, encrypt, sign
from tests.feishu.world import ALICE, ENCRYPT_KEY, GROUP, PEOPLE, TOKEN, card_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feishu" / "events"
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
STEP = 3.0  # the platforms' patience with an answer
ARRIVES = 10.0  # a reply sent after the answer: bounded, generous on a busy machine


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    return data


@pytest.fixture
def fake() -> Iterator[FakeFeishu]:
    fake = FakeFeishu(app_id=f"cli_fake_{uuid.uuid4().hex[:10]}", app_secret=APP_SECRET)
    fake.users.update(PEOPLE)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def bots(tmp_path: Path, database_url: str, fake: FakeFeishu) -> Iterator[Bots]:
    made = Bots(
        workdir=tmp_path,
        database_url=database_url,
        clock=ClockFile(tmp_path / "now.txt", NOW),
        extra={
            "FEISHU_APP_ID": fake.app_id,
            "FEISHU_APP_SECRET": fake.app_secret,
            "FEISHU_DOMAIN": fake.url,
            "FEISHU_CONNECTION": "webhook",
            "FEISHU_VERIFICATION_TOKEN": TOKEN,
            "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY,
            "DEFAULT_TIMEZONE": "Asia/Shanghai",
        },
    )
    try:
        yield made
    finally:
        made.close()


class Replay:
    def __init__(self, bot: BotProcess, fake: FakeFeishu) -> None:
        self.fake = fake
        self.driver = FeishuDriver(
            send=f"http://127.0.0.1:{bot.port}",
            token=TOKEN,
            encrypt_key=ENCRYPT_KEY,
            app_id=fake.app_id,
        )
        self.n = 0

    def fresh(self, name: str) -> dict[str, Any]:
        """The fixture with a new event id and the time of now, as a new push carries."""
        self.n += 1
        payload = copy.deepcopy(fixture(name))
        header = payload.get("header")
        if isinstance(header, dict):
            header["event_id"] = f"ev_replay_{self.n}_{os.urandom(3).hex()}"
            header["create_time"] = str(int(time.time() * 1000))
        message = (payload.get("event") or {}).get("message")
        if isinstance(message, dict):
            message["message_id"] = f"{message['message_id']}_{self.n}"
        return payload

    def post(self, payload: dict[str, Any]) -> dict[str, Any]:
        posted = self.driver.post(payload)
        assert 200 <= posted.status < 300, (posted.status, posted.body)
        assert posted.seconds < STEP, "Feishu waits 3 s"
        return posted.json()

    def answered(self, before: int, test: Callable[[Sent], bool]) -> Sent:
        found: list[Sent] = []

        def arrived() -> bool:
            found[:] = [s for s in self.fake.messages()[before:] if test(s)]
            return bool(found)

        wait_for("the answer in Feishu", arrived, timeout=ARRIVES)
        return found[0]


def clean(log: str) -> None:
    assert " ERROR " not in log and "Traceback" not in log, log


def rows(database_url: str, model: type[SQLModel]) -> list[Any]:
    engine = make_engine(database_url)
    try:
        with SessionFactory(engine).begin() as session:
            return list(session.exec(select(model)).all())
    finally:
        engine.dispose()


def test_rich_text_pictures_groups_receipts_and_old_schema_get_what_a_person_expects(
    bots: Bots, fake: FakeFeishu, database_url: str
) -> None:
    bot = bots.new("feishu").start()
    replay = Replay(bot, fake)
    assert replay.post(fixture("url_verification")) == {"challenge": "ajls384kdjx98XX"}

    before = len(fake.messages())
    replay.post(replay.driver.message(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人"))
    replay.answered(before, lambda s: "已创建 O1" in card_text(s.content))

    # A pasted, formatted check-in over two lines reads as the text it shows.
    before = len(fake.messages())
    checkin = replay.fresh("message_post_checkin_p2p")
    replay.post(checkin)
    answer = replay.answered(before, lambda s: s.to == checkin["event"]["message"]["message_id"])
    assert "6%" in card_text(answer.content)
    assert [(c.value, c.confidence) for c in rows(database_url, Checkin)] == [(600, 7)]

    # Rich text under a locale key, and an @-mention picked from the list in a group.
    for name in ("message_post_locale_key_p2p", "message_post_group_mention"):
        before = len(fake.messages())
        payload = replay.fresh(name)
        replay.post(payload)
        replay.answered(
            before,
            lambda s, p=payload: s.to in (p["event"]["message"]["message_id"], f"{GROUP}/{ALICE}"),
        )

    # Pictures, files and stickers in a direct chat: "send me text".
    for name in ("message_image_p2p", "message_file_p2p", "message_sticker_p2p"):
        before = len(fake.messages())
        payload = replay.fresh(name)
        replay.post(payload)
        said = replay.answered(
            before, lambda s, p=payload: s.to == p["event"]["message"]["message_id"]
        )
        assert "我只能读文字" in card_text(said.content)

    # Added to a group: one card there on how to make it a team's channel.
    before = len(fake.messages())
    replay.post(replay.fresh("bot_added_to_group"))
    welcome = replay.answered(before, lambda s: s.to == GROUP)
    assert welcome.to_kind == "chat_id" and "团队 新建" in card_text(welcome.content)

    # A first direct chat gets a welcome; coming back to it does not.
    before = len(fake.messages())
    replay.post(replay.fresh("p2p_chat_entered_first_time"))
    hello = replay.answered(before, lambda s: s.to == "ou_bob_fake")
    assert "欢迎使用 okrbot" in card_text(hello.content)

    # An expired button answers with a warning toast and keeps its card.
    answer_json = replay.post(replay.fresh("card_action_expired_button"))
    assert answer_json["toast"]["type"] == "warning" and "card" not in answer_json

    settled = len(fake.messages())
    for name in (
        "p2p_chat_entered_again",
        "message_post_group_not_addressed",
        "message_image_group",
        "message_from_another_bot",
        "message_read",
        "reaction_created",
        "chat_disbanded",
        "unsubscribed_contact_user_updated",
        "schema1_message",
    ):
        replay.post(replay.fresh(name))

    # The marker: a plain message answered after everything above was taken.
    before = len(fake.messages())
    marker = replay.driver.message(ALICE, "我的")
    replay.post(marker)
    replay.answered(before, lambda s: s.to == marker["event"]["message"]["message_id"])
    assert len(fake.messages()) == settled + 1, [s.to for s in fake.messages()[settled:]]

    log = bot.log()
    clean(log)
    assert log.count("schema 1.0 event (message)") == 1
    assert bot.terminate() == 0


def _signed(body: bytes, *, timestamp: str, nonce: str) -> HttpRequest:
    headers = {
        "content-type": "application/json; charset=utf-8",
        "x-lark-request-timestamp": timestamp,
        "x-lark-request-nonce": nonce,
        "x-lark-signature": sign(timestamp, nonce, ENCRYPT_KEY, body),
    }
    return HttpRequest(method="POST", path=PATH, headers=headers, body=body)


def test_stale_replayed_and_forged_requests_are_refused_with_one_line_and_nothing_stored(
    bots: Bots, fake: FakeFeishu, database_url: str
) -> None:
    first = bots.new("feishu").start()
    second = bots.new("feishu-replica").start()
    replay = Replay(first, fake)
    to_second = Replay(second, fake)

    def body_of(text: str) -> bytes:
        plain = json.dumps(replay.driver.message(ALICE, text), ensure_ascii=False).encode()
        return json.dumps({"encrypt": encrypt(ENCRYPT_KEY, plain)}).encode()

    now = int(time.time())
    stale = _signed(body_of("我的"), timestamp=str(now - 360), nonce="nonce-stale")
    future = _signed(body_of("我的"), timestamp=str(now + 360), nonce="nonce-future")
    odd = _signed(body_of("我的"), timestamp="soon", nonce="nonce-odd")
    forged = _signed(body_of("我的"), timestamp=str(now), nonce="nonce-forged")
    forged.headers["x-lark-signature"] = "0" * 64
    unsigned = HttpRequest(
        method="POST",
        path=PATH,
        headers={"content-type": "application/json"},
        body=json.dumps(replay.driver.message(ALICE, "我的")).encode(),
    )
    wrong_key = replay.driver.request(replay.driver.message(ALICE, "我的"), encrypt_key="other-key")
    wrong_token = replay.driver.request(
        {**(m := replay.driver.message(ALICE, "我的")), "header": {**m["header"], "token": "x"}}
    )
    garbage = HttpRequest(method="POST", path=PATH, headers={}, body=b"\x00not json")
    statuses = [
        replay.driver.post_request(request).status
        for request in (stale, future, odd, forged, unsigned, wrong_key, wrong_token, garbage)
    ]
    assert statuses == [401, 401, 401, 401, 401, 401, 401, 400]

    # A good request, captured and sent again: to the same bot, and to another replica.
    captured = _signed(body_of("我的"), timestamp=str(now), nonce="nonce-captured-1")
    before = len(fake.messages())
    assert replay.driver.post_request(captured).status == 200
    replay.answered(before, lambda s: True)
    assert replay.driver.post_request(captured).status == 401
    assert to_second.driver.post_request(captured).status == 401

    assert len(rows(database_url, ProcessedEvent)) == 1
    assert len(rows(database_url, Member)) == 1
    assert [n.nonce for n in rows(database_url, WebhookNonce)] == ["nonce-captured-1"]
    logs = first.log() + second.log()
    clean(logs)
    assert logs.count("refused a request to /feishu/events") == 10
    assert " Lark: " not in logs  # the SDK's own logger never spoke
