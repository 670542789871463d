"""The rhythm's moments reach Feishu through the outbox: each one sent once, charts uploaded."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot import charts
from bot.outbox import OutboxSender
from storage.models import OutboxMessage
from tests.fakes.feishu_driver import FeishuDriver
from tests.feishu.world import ALICE, BOB, GROUP, World, make_world

MONDAY = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # 08:00 Monday in Shanghai, 2026-W49


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    yield from make_world(database_url)


def test_two_weeks_of_the_rhythm_reach_feishu_once_each(world: World) -> None:
    app = world.runtime.app
    world.clock.set(MONDAY)
    app.tick(until=MONDAY, catch_up=timedelta(hours=2))  # the scheduler starts here
    world.say(ALICE, f"团队 新建 市场部 #{GROUP}")
    world.say(
        ALICE, "团队 添加 市场部 @_user_1", mentions=[FeishuDriver.mention("@_user_1", BOB, "王博")]
    )
    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    world.say(BOB, "新建 发布月刊 | 订阅: 0 -> 5000 人")
    # Bob asks Alice, who never answers: a nudge after two working days.
    world.say(
        BOB,
        "求助 @_user_1 KR2 帮忙看看名单",
        mentions=[FeishuDriver.mention("@_user_1", ALICE, "李爱丽")],
    )

    sender = OutboxSender(
        sessions=world.runtime.sessions,
        senders=[world.connection.sender()],
        clock=world.clock,
        sleep=lambda _seconds: None,
        prepare=charts.prepare_outgoing,
    )
    hour = MONDAY
    while hour <= MONDAY + timedelta(days=8, hours=4):  # through Monday 7 December, 12:00
        world.clock.set(hour)
        if hour == MONDAY + timedelta(days=4, hours=2):  # Friday 10:00 in Shanghai
            world.say(ALICE, "签到 KR1 4000 信心 8")  # Alice is not reminded; Bob is
        app.tick(until=hour, catch_up=timedelta(hours=2))
        sender.drain()
        hour += timedelta(hours=1)

    with world.runtime.sessions.begin() as session:
        sent = [r for r in session.exec(select(OutboxMessage)).all() if r.platform == "feishu"]
        session.expunge_all()
    assert {r.state for r in sent} == {"sent"}
    kinds = Counter(r.key.split(":")[0] for r in sent)
    for kind in ("plan", "checkin", "remind", "digest", "nudge", "review"):
        assert kinds[kind] >= 1, kinds
    assert {r.recipient_id for r in sent if r.key.startswith("remind:")} == {BOB}
    assert {r.recipient_id for r in sent if r.key.startswith(("digest:", "review:"))} == {GROUP}

    # Once each: every row is one message created in Feishu (with the row's key as its
    # idempotency uuid), or one in-place patch of an earlier message.
    fresh = [r for r in sent if r.replaces is None]
    created = [m for m in world.fake.messages() if m.how == "create"]
    assert len(created) == len(fresh)
    assert len({m.uuid for m in created}) == len(created)
    assert len([m for m in world.fake.messages() if m.how == "patch"]) == len(sent) - len(fresh)
    # The digest and the review carry their charts as uploaded images.
    assert world.fake.calls_to("/open-apis/im/v1/images", "POST")
