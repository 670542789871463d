"""Start-up checks, the long connection's dispatcher seam, and the outbox sender."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlmodel import select

from bot.delivery import Outgoing, SendFailed
from bot.feishu.client import FeishuApi, default_locale, send_uuid
from bot.feishu.connection import FeishuConnection
from bot.feishu.sender import FeishuSender
from bot.outbox import RateLimiter, limited_buckets
from bot.settings import SettingsError
from bot.wiring import build
from handlers.views import Header, Image, Message, Text, ToChannel, ToUser, mention
from storage.models import Checkin
from tests.fakes.feishu_api import FakeFeishu
from tests.fakes.feishu_driver import FeishuDriver
from tests.feishu.world import (
    ALICE,
    BOB,
    GROUP,
    World,
    buttons,
    card_text,
    feishu_settings,
    make_world,
    press,
)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    yield from make_world(database_url)


@pytest.fixture
def fake() -> Iterator[FakeFeishu]:
    fake = FakeFeishu(app_id=f"cli_fake_{uuid.uuid4().hex[:10]}").start()
    yield fake
    fake.stop()


# --- start ----------------------------------------------------------------------------


def test_check_gets_a_tenant_token_and_learns_the_bots_own_id(
    fake: FakeFeishu, database_url: str
) -> None:
    api = FeishuApi(feishu_settings(database_url, fake))
    api.check()
    assert len(fake.calls_to("/open-apis/auth/v3/tenant_access_token/internal")) == 1
    assert api.bot_open_id == "ou_bot_okrbot"


def test_a_wrong_secret_stops_the_start_naming_the_secret(
    fake: FakeFeishu, database_url: str
) -> None:
    api = FeishuApi(feishu_settings(database_url, fake, feishu_app_secret="wrong-secret-value"))
    with pytest.raises(SettingsError, match="FEISHU_APP_SECRET"):
        api.check()


def test_a_wrong_app_id_stops_the_start_naming_the_app_id(
    fake: FakeFeishu, database_url: str
) -> None:
    api = FeishuApi(
        feishu_settings(database_url, fake, feishu_app_id=f"cli_nobody_{uuid.uuid4().hex[:8]}")
    )
    with pytest.raises(SettingsError, match="FEISHU_APP_ID"):
        api.check()


def test_an_unreachable_domain_stops_the_start_naming_the_domain(database_url: str) -> None:
    fake = FakeFeishu(app_id=f"cli_fake_{uuid.uuid4().hex[:10]}").start()
    settings = feishu_settings(database_url, fake)
    fake.stop()
    with pytest.raises(SettingsError, match="FEISHU_DOMAIN"):
        FeishuApi(settings).check()


def test_webhook_mode_without_a_token_or_key_refuses_to_start(
    fake: FakeFeishu, database_url: str
) -> None:
    settings = feishu_settings(
        database_url, fake, feishu_verification_token=None, feishu_encrypt_key=None
    )
    runtime = build(settings, auto_upgrade=True)
    try:
        with pytest.raises(SettingsError, match="FEISHU_VERIFICATION_TOKEN"):
            FeishuConnection.from_settings(settings, runtime)
    finally:
        runtime.close()


def test_feishu_starts_in_chinese_and_lark_in_english(fake: FakeFeishu, database_url: str) -> None:
    assert default_locale(feishu_settings(database_url, fake, feishu_domain="feishu")) == "zh"
    assert default_locale(feishu_settings(database_url, fake, feishu_domain="lark")) == "en"
    assert (
        default_locale(
            feishu_settings(database_url, fake, feishu_domain="https://open.larksuite.com")
        )
        == "en"
    )
    assert default_locale(feishu_settings(database_url, fake)) == "zh"


def test_the_long_connection_mode_serves_no_route(fake: FakeFeishu, database_url: str) -> None:
    settings = feishu_settings(database_url, fake, feishu_connection="long")
    runtime = build(settings, auto_upgrade=True)
    try:
        connection = FeishuConnection.from_settings(settings, runtime)
        assert connection.routes() == {}
        connection.stop()
    finally:
        runtime.close()


# --- the long connection, at its dispatcher seam ------------------------------------------


def test_an_event_given_to_the_long_connections_handler_reaches_the_core(world: World) -> None:
    """lark.ws.Client hands each event's JSON to the dispatcher's _do_without_validation."""
    dispatcher = world.connection.receiver.dispatcher
    for text in ("新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人", "签到 KR1 6000"):
        payload = world.driver.message(ALICE, text)
        assert dispatcher._do_without_validation(json.dumps(payload).encode()) is None
        world.connection.receiver.drain()
    with world.runtime.sessions.begin() as session:
        assert [c.value for c in session.exec(select(Checkin)).all()] == [6000]
    assert "60%" in card_text(world.fake.messages()[-1].content)


def test_a_card_callback_over_the_long_connection_returns_the_new_card(world: World) -> None:
    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    world.say(ALICE, "计划 新增 写推荐邮件 KR1")
    payload = world.driver.card_action(ALICE, {"action": "task.done", "value": "T1"})
    result = world.connection.receiver.dispatcher._do_without_validation(
        json.dumps(payload).encode()
    )
    assert result.toast.type == "success"
    assert result.card.type == "raw"


# --- the sender -------------------------------------------------------------------------


def outgoing(
    to: ToUser | ToChannel,
    message: Message,
    key: str = "digest:t1:2026-W48",
    ref: str | None = None,
) -> Outgoing:
    return Outgoing(
        id=1, platform="feishu", workspace="tenant_fake_1", to=to, message=message, key=key, ref=ref
    )


DIGEST = Message(
    summary="市场部 周五庆功会",
    blocks=(Header("市场部 · 周五庆功会"), Text(f"感谢 {mention(BOB, '王博')} 的帮助")),
)


def test_sends_to_people_by_open_id_and_to_groups_by_chat_id_with_the_key_as_uuid(
    world: World,
) -> None:
    sender = FeishuSender(world.connection.api)
    first = sender.send(outgoing(ToUser(ALICE), DIGEST, key="prompt:alice:2026-W48"))
    second = sender.send(outgoing(ToChannel(GROUP), DIGEST))
    sent = world.fake.messages()
    assert [(s.to_kind, s.to, s.uuid, s.message_id) for s in sent] == [
        ("open_id", ALICE, "prompt:alice:2026-W48", first),
        ("chat_id", GROUP, "digest:t1:2026-W48", second),
    ]
    assert f"<at id={BOB}></at>" in card_text(sent[1].content)


def test_a_long_key_is_hashed_to_feishus_uuid_limit_and_stays_the_same() -> None:
    key = "digest:" + "x" * 80
    assert len(send_uuid(key)) == 50 and send_uuid(key) == send_uuid(key)
    assert send_uuid("short") == "short"


def test_an_update_patches_the_card_in_place(world: World) -> None:
    sender = FeishuSender(world.connection.api)
    ref = sender.send(outgoing(ToChannel(GROUP), DIGEST))
    changed = Message(summary="更新", blocks=(Text("已更新"),))
    assert sender.update(outgoing(ToChannel(GROUP), changed, ref=ref)) == ref
    patch = world.fake.messages()[-1]
    assert (patch.how, patch.to) == ("patch", ref)
    assert "已更新" in card_text(patch.content)


def test_rate_limited_send_is_retryable_after_the_reset_and_delivered_once(world: World) -> None:
    sender = FeishuSender(world.connection.api)
    world.fake.rate_limit_next, world.fake.rate_limit_reset = 1, "7"
    with pytest.raises(SendFailed) as failed:
        sender.send(outgoing(ToChannel(GROUP), DIGEST))
    assert failed.value.retryable and failed.value.retry_after == 7.0
    assert world.fake.messages() == []
    # The outbox tries again later with the same key; a lost answer and a third try still post once.
    first = sender.send(outgoing(ToChannel(GROUP), DIGEST))
    again = sender.send(outgoing(ToChannel(GROUP), DIGEST))
    assert first == again
    assert len(world.fake.messages()) == 1


def test_a_refused_send_is_not_retried(world: World) -> None:
    world.connection.api.client._config.domain = world.fake.url  # same fake
    original = world.fake.answer

    def refuse(method, path, query, raw, headers):  # type: ignore[no-untyped-def]
        if path == "/open-apis/im/v1/messages":
            return 400, {"code": 230002, "msg": "Bot/User can NOT be out of the chat."}, {}
        return original(method, path, query, raw, headers)

    world.fake.answer = refuse  # type: ignore[method-assign]
    with pytest.raises(SendFailed) as failed:
        FeishuSender(world.connection.api).send(outgoing(ToChannel(GROUP), DIGEST))
    assert not failed.value.retryable


def test_buckets_are_the_app_and_the_recipient(world: World) -> None:
    sender = FeishuSender(world.connection.api)
    to_group = sender.buckets(outgoing(ToChannel(GROUP), DIGEST))
    to_alice = sender.buckets(outgoing(ToUser(ALICE), DIGEST))
    assert [b.per_second for b in to_group] == [50.0, 5.0]
    assert to_group[0] == to_alice[0]
    assert to_group[1] != to_alice[1]


def test_one_tenants_rate_limit_holds_only_that_tenants_sends(world: World) -> None:
    """Feishu's limits hold per app and per tenant: a 429 for one tenant pauses only it."""
    sender = FeishuSender(world.connection.api)
    limiter = RateLimiter(world.clock)
    ours = sender.buckets(outgoing(ToChannel(GROUP), DIGEST))
    theirs = sender.buckets(replace(outgoing(ToChannel(GROUP), DIGEST), workspace="tenant_fake_2"))
    refused = SendFailed("app limit", retryable=True, retry_after=30.0, limit=50.0)
    limiter.pause(limited_buckets(ours, refused), 30.0)
    assert limiter.wait_for(ours) == pytest.approx(30.0)
    assert limiter.wait_for(theirs) == 0.0


def test_images_are_uploaded_and_shown_in_the_card(world: World) -> None:
    sender = FeishuSender(world.connection.api)
    picture = Message(summary="趋势", blocks=(Image("trend.png", "KR1 趋势", b"\x89PNG fake"),))
    sender.send(outgoing(ToChannel(GROUP), picture))
    assert len(world.fake.calls_to("/open-apis/im/v1/images", "POST")) == 1
    [sent] = world.fake.messages()
    [img] = sent.content["body"]["elements"]
    assert img["tag"] == "img" and img["img_key"].startswith("img_v3_fake_")


def test_the_teams_friday_digest_goes_to_the_group_through_the_sender(world: World) -> None:
    """What the scheduler finds due becomes a card in the team's group."""
    from datetime import timedelta

    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    world.say(ALICE, f"团队 新建 市场部 #{GROUP}")
    world.say(ALICE, "签到 KR1 6000 信心 7")
    since = world.clock.now()
    until = since + timedelta(days=7)
    due = world.runtime.app.run_due(since=since, until=until)
    sender = FeishuSender(world.connection.api)
    before = len(world.fake.messages())
    for n, delivery in enumerate(due):
        sender.send(outgoing(delivery.to, delivery.message, key=delivery.key or f"k{n}"))  # type: ignore[arg-type]
    to_group = [s for s in world.fake.messages()[before:] if s.to == GROUP]
    assert to_group, [d.to for d in due]
    assert any("庆功" in card_text(s.content) for s in to_group)


# --- through the outbox -------------------------------------------------------------


def test_a_help_request_reaches_the_helper_and_accepting_replaces_it_in_place(world: World) -> None:
    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    world.say(
        ALICE,
        "求助 @_user_1 KR1 帮忙看看脚本",
        mentions=[FeishuDriver.mention("@_user_1", BOB, "王博")],
    )
    world.outbox.drain()
    [ask] = [s for s in world.fake.messages() if s.to == BOB]
    assert (ask.how, ask.to_kind) == ("create", "open_id")
    assert "帮忙看看脚本" in card_text(ask.content)
    accept = next(
        value for label, value in buttons(ask.content) if value["action"] == "help.accept"
    )
    answer = press(world, BOB, accept, message_id=ask.message_id)
    assert answer["toast"]["type"] == "success"
    world.outbox.drain()
    # Alice hears that Bob accepted.
    assert any(s.to == ALICE and s.how == "create" for s in world.fake.messages())


def test_rate_limited_outbox_row_is_delivered_later_once(world: World) -> None:
    from datetime import timedelta

    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    world.say(
        ALICE, "求助 @_user_1 KR1 看看", mentions=[FeishuDriver.mention("@_user_1", BOB, "王博")]
    )
    world.fake.rate_limit_next, world.fake.rate_limit_reset = 1, "30"
    first = world.outbox.drain()
    assert (first.deferred, first.retried, first.sent) == (1, 0, 0)  # a 429 uses no attempt
    assert [s for s in world.fake.messages() if s.to == BOB] == []
    world.clock.set(world.clock.now() + timedelta(seconds=31))
    world.outbox.drain()
    world.outbox.drain()
    to_bob = [s for s in world.fake.messages() if s.to == BOB]
    assert len(to_bob) == 1
    tries = [
        c.body["uuid"]
        for c in world.fake.calls_to("/open-apis/im/v1/messages", "POST")
        if c.body.get("receive_id") == BOB
    ]
    assert len(tries) == 2 and len(set(tries)) == 1, "the retry is the same send, by its uuid"


def test_the_friday_digest_is_posted_in_the_teams_group(world: World) -> None:
    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    world.say(ALICE, f"团队 新建 市场部 #{GROUP}")
    world.say(ALICE, "签到 KR1 6000 信心 7")
    world.runtime.app.trigger(
        moment="digest", team="市场部", platform="feishu", workspace=world.driver.tenant
    )
    world.outbox.drain()
    [digest] = [s for s in world.fake.messages() if s.to == GROUP]
    assert (digest.how, digest.to_kind) == ("create", "chat_id")
    assert "庆功" in card_text(digest.content) and "60%" in card_text(digest.content)


# --- the long connection, for real ------------------------------------------------------


def test_the_long_connection_carries_events_and_card_callbacks_and_stops(database_url: str) -> None:
    """lark.ws.Client in its own thread and loop, against a fake gateway pushing frames."""
    from handlers.clock import ManualClock
    from tests.conftest import WEDNESDAY
    from tests.fakes.feishu_ws import FakeGateway
    from tests.feishu.world import PEOPLE

    gateway = FakeGateway().start()
    fake = FakeFeishu(app_id=f"cli_fake_{uuid.uuid4().hex[:10]}", ws_url=gateway.url)
    fake.users.update(PEOPLE)
    fake.start()
    settings = feishu_settings(
        database_url,
        fake,
        feishu_connection="long",
        feishu_verification_token=None,
        feishu_encrypt_key=None,
    )
    runtime = build(settings, clock=ManualClock(WEDNESDAY), auto_upgrade=True)
    connection = FeishuConnection.from_settings(settings, runtime)
    try:
        connection.check()
        connection.start()
        assert gateway.connected.wait(10), "the client never connected"
        driver = FeishuDriver(send=lambda request: None, app_id=fake.app_id)  # type: ignore[arg-type,return-value]
        for text in ("新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人", "签到 KR1 6000 信心 7"):
            gateway.push(driver.message(ALICE, text))
            assert gateway.answer()["code"] == 200
            connection.receiver.drain()
        with runtime.sessions.begin() as session:
            assert [c.value for c in session.exec(select(Checkin)).all()] == [6000]
        assert "60%" in card_text(fake.messages()[-1].content)
        gateway.push(driver.card_action(ALICE, {"action": "checkin.open", "value": "KR1"}))
        answer = gateway.answer()
        assert answer["code"] == 200
        assert answer["data"]["card"]["data"]["body"]["elements"][0]["tag"] == "form"
        long = connection._long
        assert long is not None and long._thread is not None
    finally:
        connection.stop()
        runtime.close()
        fake.stop()
        gateway.stop()
    assert not long._thread.is_alive(), "stop() left the long connection running"


def test_a_button_on_a_group_card_answers_the_presser_alone(world: World) -> None:
    """The card a callback returns replaces the clicked card for everyone in the group."""
    from handlers.views import Actions, Button

    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    prompt = Message(
        summary="周五签到",
        blocks=(Text("周五了，记得签到"), Actions((Button("签到", "checkin.open"),))),
    )
    FeishuSender(world.connection.api).send(outgoing(ToChannel(GROUP), prompt, key="prompt:w48"))
    [posted] = [s for s in world.fake.messages() if s.to == GROUP]
    [(_label, value)] = buttons(posted.content)
    assert value["shared"] is True
    before = len(world.fake.messages())
    answer = press(world, ALICE, value, chat_id=GROUP, message_id=posted.message_id)
    assert "card" not in answer, "the group's card stays as it is"
    assert answer["toast"]["type"] == "success"
    [private] = world.fake.messages()[before:]
    assert (private.how, private.to) == ("ephemeral", f"{GROUP}/{ALICE}")
    assert private.content["body"]["elements"][0]["tag"] == "form"


def test_a_reply_with_a_chart_is_drawn_uploaded_and_shown_as_an_image(world: World) -> None:
    from bot.feishu.receive import _Where
    from handlers.views import Chart, Series

    chart = Chart("KR1 海外粉丝", (Series("实际", (("W47", 2500.0), ("W48", 6000.0))),))
    reply = Message(summary="KR1 趋势", blocks=(Header("KR1 趋势"), chart))
    where = _Where(tenant="tenant_fake_1", open_id=ALICE)
    world.connection.receiver._send_reply(where, reply, "reply:chart")
    assert len(world.fake.calls_to("/open-apis/im/v1/images", "POST")) == 1
    [sent] = world.fake.messages()
    [img] = sent.content["body"]["elements"]
    assert img["tag"] == "img" and img["img_key"].startswith("img_v3_fake_")
