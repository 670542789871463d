"""The trial's journey in Chinese, in Feishu, against a running `okrbot run`.

A real bot process serves the webhook; every request is encrypted and signed as
Feishu does; every answer goes through the real lark-oapi client to the fake
Feishu Open Platform. Each step is answered, and its card is in Feishu, within
3 seconds, and the right data is stored. The Friday digest reaches the team's
group when the bot's scheduler sees 17:00 pass.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel, select

from storage.db import SessionFactory, make_engine
from storage.models import Checkin, HelpRequest, Kudos, Objective, OutboxMessage, PlanTask, Team
from tests.bot_process import Bots, ClockFile, wait_for
from tests.fakes.feishu_api import APP_SECRET, FakeFeishu, Sent
from tests.fakes.feishu_driver import FeishuDriver
from tests.feishu.world import (
    ALICE,
    BOB,
    ENCRYPT_KEY,
    GROUP,
    PEOPLE,
    TOKEN,
    bot_mention,
    buttons,
    card_text,
)

# Friday of 2026-W48, 16:00 in Shanghai: an hour before the team's digest.
FRIDAY_1600 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
FRIDAY_1705 = datetime(2026, 11, 27, 9, 5, tzinfo=UTC)
STEP = 3.0  # Feishu's patience, and ours


@pytest.fixture
def fake() -> Iterator[FakeFeishu]:
    fake = FakeFeishu(app_id=f"cli_fake_{uuid.uuid4().hex[:10]}", app_secret=APP_SECRET)
    fake.users.update(PEOPLE)
    fake.start()
    yield fake
    fake.stop()


class Journey:
    def __init__(self, fake: FakeFeishu, driver: FeishuDriver, database_url: str) -> None:
        self.fake = fake
        self.driver = driver
        self.engine = make_engine(database_url)
        self.sessions = SessionFactory(self.engine)

    def rows(self, model: type[SQLModel]) -> list[Any]:
        with self.sessions.begin() as session:
            return list(session.exec(select(model)).all())

    def step(self, payload: dict[str, Any], arrives: Any) -> Sent:
        """Post one event; within 3 s it is answered and the card it causes is in Feishu."""
        before = len(self.fake.messages())
        started = time.monotonic()
        posted = self.driver.post(payload)
        assert posted.status == 200, posted.body
        found: list[Sent] = []

        def arrived() -> bool:
            found[:] = [s for s in self.fake.messages()[before:] if arrives(s)]
            return bool(found)

        wait_for("the answer in Feishu", arrived, timeout=STEP)
        assert time.monotonic() - started < STEP
        return found[0]

    def say(self, open_id: str, text: str, **kwargs: Any) -> Sent:
        payload = self.driver.message(open_id, text, **kwargs)
        return self.step(
            payload,
            lambda s: s.to in (payload["event"]["message"]["message_id"], f"{GROUP}/{open_id}"),
        )

    def press(self, open_id: str, value: dict[str, Any]) -> dict[str, Any]:
        posted = self.driver.post(self.driver.card_action(open_id, value))
        assert posted.status == 200 and posted.seconds < STEP, posted
        return posted.json()

    def close(self) -> None:
        self.engine.dispose()


def bob(key: str = "@_user_1") -> list[dict[str, Any]]:
    return [FeishuDriver.mention(key, BOB, "王博")]


def test_the_trial_journey_in_chinese_through_okrbot_run(
    fake: FakeFeishu, tmp_path: Path, database_url: str
) -> None:
    clock = ClockFile(tmp_path / "now.txt", FRIDAY_1600)
    bots = Bots(
        workdir=tmp_path,
        database_url=database_url,
        clock=clock,
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
    journey: Journey | None = None
    try:
        bot = bots.new().start()
        driver = FeishuDriver(
            send=f"http://127.0.0.1:{bot.port}",
            token=TOKEN,
            encrypt_key=ENCRYPT_KEY,
            app_id=fake.app_id,
        )
        journey = Journey(fake, driver, database_url)
        assert driver.post(driver.url_verification("c-1")).json() == {"challenge": "c-1"}

        # 新建目标
        sent = journey.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
        assert "已创建 O1" in card_text(sent.content)
        assert [o.title for o in journey.rows(Objective)] == ["拓展海外粉丝"]

        # 团队 (set up in the group, by @-mentioning the bot)
        journey.say(
            ALICE,
            f"@_user_1 团队 新建 市场部 #{GROUP}",
            chat_type="group",
            chat_id=GROUP,
            mentions=[bot_mention()],
        )
        journey.say(
            ALICE,
            "@_user_1 团队 添加 市场部 @_user_2",
            chat_type="group",
            chat_id=GROUP,
            mentions=[bot_mention(), *bob("@_user_2")],
        )
        assert [t.channel_external_id for t in journey.rows(Team)] == [GROUP]

        # 计划
        sent = journey.say(ALICE, "计划 新增 写推荐邮件 KR1")
        assert "T1 写推荐邮件" in card_text(sent.content)
        assert [t.title for t in journey.rows(PlanTask)] == ["写推荐邮件"]

        # 签到 6000 of 10000 → 60%
        sent = journey.say(ALICE, "签到 KR1 6000 信心 7 两个视频火了")
        assert "60%" in card_text(sent.content)
        assert [(c.value, c.confidence) for c in journey.rows(Checkin)] == [(6000, 7)]

        # 求助: Alice asks Bob; the ask reaches Bob's direct chat through the outbox
        before = len(fake.messages())
        journey.say(ALICE, "求助 @_user_1 KR1 帮忙看看视频脚本", mentions=bob())
        wait_for(
            "the ask in Bob's chat",
            lambda: any(s.to == BOB for s in fake.messages()[before:]),
            timeout=STEP,
        )
        [ask] = [s for s in fake.messages()[before:] if s.to == BOB]
        assert "帮忙看看视频脚本" in card_text(ask.content)
        accept = next(v for _label, v in buttons(ask.content) if v["action"] == "help.accept")
        answer = journey.press(BOB, accept)
        assert answer["toast"]["type"] == "success"
        assert [h.status for h in journey.rows(HelpRequest)] == ["accepted"]

        # 点赞
        journey.say(ALICE, "点赞 @_user_1 新闻稿写得好", mentions=bob())
        assert [k.text for k in journey.rows(Kudos)] == ["新闻稿写得好"]

        # 团队: the rollup now, asked in the group
        sent = journey.say(
            ALICE, "@_user_1 团队", chat_type="group", chat_id=GROUP, mentions=[bot_mention()]
        )
        assert "团队进展汇总" in card_text(sent.content) and "60%" in card_text(sent.content)

        # The Friday digest: the scheduler sees 17:00 pass and the group gets the celebration.
        before = len(fake.messages())
        clock.set(FRIDAY_1705)

        def digest_posted() -> bool:
            return any(
                s.to == GROUP and "庆功" in card_text(s.content) for s in fake.messages()[before:]
            )

        wait_for("the Friday digest in the group", digest_posted, timeout=10)
        [digest] = [
            s for s in fake.messages()[before:] if s.to == GROUP and "庆功" in card_text(s.content)
        ]
        assert (digest.how, digest.to_kind) == ("create", "chat_id")
        assert "60%" in card_text(digest.content) and "新闻稿写得好" in card_text(digest.content)

        def recorded() -> bool:
            rows = [r for r in journey.rows(OutboxMessage) if r.recipient_id == GROUP]
            return [(r.state, r.platform_ref) for r in rows] == [("sent", digest.message_id)]

        wait_for("the digest's row marked sent with its Feishu message id", recorded, timeout=STEP)
        assert bot.terminate() == 0
    finally:
        if journey is not None:
            journey.close()
        bots.close()
