"""Feishu scenarios: signed, encrypted webhook requests through the real lark-oapi
dispatcher, okrbot's answers sent through the real lark-oapi client to a fake Feishu."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import SQLModel, select

from storage.models import (
    Checkin,
    HelpRequest,
    KeyResult,
    Kudos,
    Member,
    Objective,
    PlanTask,
    Team,
    Workspace,
)
from tests.fakes.feishu_api import Sent
from tests.fakes.feishu_driver import FeishuDriver
from tests.feishu.world import (
    ALICE,
    BOB,
    GROUP,
    World,
    bot_mention,
    buttons,
    card_text,
    make_world,
    press,
    submit,
)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    yield from make_world(database_url)


def rows(world: World, model: type[SQLModel]) -> list[Any]:
    with world.runtime.sessions.begin() as session:
        return list(session.exec(select(model)).all())


def say_in_group(world: World, open_id: str, text: str, **kwargs: Any) -> list[Sent]:
    """`@okrbot <text>` in the group; `@BOB` in the text becomes a real @-mention of Bob."""
    mentions = [bot_mention("@_user_1")]
    if "@BOB" in text:
        text = text.replace("@BOB", "@_user_2")
        mentions.append(FeishuDriver.mention("@_user_2", BOB, "王博"))
    return world.say(
        open_id, f"@_user_1 {text}", chat_type="group", chat_id=GROUP, mentions=mentions, **kwargs
    )


def say_direct(world: World, open_id: str, text: str) -> list[Sent]:
    mentions = []
    if "@BOB" in text:
        text = text.replace("@BOB", "@_user_1")
        mentions.append(FeishuDriver.mention("@_user_1", BOB, "王博"))
    return world.say(open_id, text, mentions=mentions)


def objective(world: World) -> None:
    say_direct(world, ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")


def only_card(sent: list[Sent]) -> dict[str, Any]:
    assert len(sent) == 1, sent
    assert sent[0].msg_type == "interactive"
    return sent[0].content


# --- each verb, in a direct chat and as an @-mention in a group ---------------------

VERBS: list[tuple[str, str, str, Any]] = [
    (
        "new",
        "新建 增长新闻订阅 | 订阅数: 1000 -> 5000 人",
        "已创建 O2",
        lambda w: len(rows(w, Objective)) == 2,
    ),
    (
        "plan",
        "计划 新增 写推荐邮件 KR1",
        "T1 写推荐邮件",
        lambda w: [(t.title, t.week) for t in rows(w, PlanTask)] == [("写推荐邮件", "2026-W48")],
    ),
    (
        "checkin",
        "签到 KR1 6000 信心 7 两个视频火了",
        "60%",
        lambda w: [(c.value, c.confidence) for c in rows(w, Checkin)] == [(6000, 7)],
    ),
    (
        "checkin in English with /okr",
        "/okr checkin KR1 +2500",
        "25%",
        lambda w: [c.value for c in rows(w, Checkin)] == [2500],
    ),
    (
        "ask",
        "求助 @BOB KR1 帮忙看看脚本",
        "王博",
        lambda w: (
            [(h.text, _external(w, h.helper_id)) for h in rows(w, HelpRequest)]
            == [("帮忙看看脚本", BOB)]
        ),
    ),
    (
        "kudos",
        "点赞 @BOB 新闻稿写得好",
        "王博",
        lambda w: (
            [(k.text, _external(w, k.to_member_id)) for k in rows(w, Kudos)]
            == [("新闻稿写得好", BOB)]
        ),
    ),
    ("my okrs", "我的", "O1 拓展海外粉丝", lambda w: True),
    ("show", "查看 KR1", "海外粉丝", lambda w: True),
    ("help", "帮助", "签到", lambda w: True),
]


def _external(world: World, member_id: int) -> str:
    return next(m.external_id for m in rows(world, Member) if m.id == member_id)


@pytest.mark.parametrize(("verb", "text", "shown", "stored"), VERBS, ids=[v[0] for v in VERBS])
def test_each_verb_in_a_direct_chat(
    world: World, verb: str, text: str, shown: str, stored: Any
) -> None:
    objective(world)
    sent = say_direct(world, ALICE, text)
    card = only_card(sent)
    assert sent[0].how == "reply", "a direct message is answered as a reply to it"
    assert shown in card_text(card), card_text(card)
    assert stored(world)


@pytest.mark.parametrize(("verb", "text", "shown", "stored"), VERBS, ids=[v[0] for v in VERBS])
def test_each_verb_as_a_mention_in_a_group(
    world: World, verb: str, text: str, shown: str, stored: Any
) -> None:
    objective(world)
    sent = say_in_group(world, ALICE, text)
    card = only_card(sent)
    # Private answers in a group are cards only the sender sees; public ones reply in the group.
    assert (sent[0].how, sent[0].to) in (("ephemeral", f"{GROUP}/{ALICE}"), ("reply", sent[0].to))
    assert shown in card_text(card), card_text(card)
    assert stored(world)


def test_group_chatter_that_does_not_mention_the_bot_is_left_alone(world: World) -> None:
    sent = world.say(ALICE, "签到 明天再说", chat_type="group", chat_id=GROUP)
    assert sent == []
    assert rows(world, Member) == []


def test_a_mention_of_someone_else_in_a_group_is_not_a_command(world: World) -> None:
    mentions = [FeishuDriver.mention("@_user_1", BOB, "王博")]
    sent = world.say(
        ALICE, "@_user_1 签到了吗", chat_type="group", chat_id=GROUP, mentions=mentions
    )
    assert sent == []


def test_a_member_is_created_on_first_contact_from_the_contact_api_once(world: World) -> None:
    say_direct(world, ALICE, "我的")
    say_direct(world, ALICE, "帮助")
    [alice] = rows(world, Member)
    assert (alice.external_id, alice.display_name, alice.timezone) == (
        ALICE,
        "李爱丽",
        "Asia/Shanghai",
    )
    [workspace] = rows(world, Workspace)
    assert (workspace.platform, workspace.external_id, workspace.default_locale) == (
        "feishu",
        world.driver.tenant,
        "zh",
    )
    assert len(world.fake.calls_to(f"/open-apis/contact/v3/users/{ALICE}")) == 1


def test_a_mentioned_colleague_becomes_a_member_by_open_id(world: World) -> None:
    objective(world)
    say_in_group(world, ALICE, "团队 新建 市场部")
    say_in_group(world, ALICE, "团队 添加 市场部 @BOB")
    bob = next(m for m in rows(world, Member) if m.external_id == BOB)
    assert bob.display_name == "王博"


# --- cards: forms and buttons --------------------------------------------------------


def test_checkin_form_round_trip(world: World) -> None:
    objective(world)
    form = only_card(say_direct(world, ALICE, "签到"))
    answer = submit(
        world, ALICE, form, {"value:KR1": "6000", "confidence:KR1": "7", "note:KR1": "视频火了"}
    )
    assert answer["toast"]["type"] == "success"
    assert "60%" in card_text(answer["card"]["data"])
    assert [(c.value, c.confidence, c.note) for c in rows(world, Checkin)] == [
        (6000, 7, "视频火了")
    ]


def test_checkin_form_with_a_bad_number_is_refused_with_a_toast(world: World) -> None:
    objective(world)
    form = only_card(say_direct(world, ALICE, "签到"))
    answer = submit(world, ALICE, form, {"value:KR1": "很多", "confidence:KR1": "7"})
    assert answer["toast"]["type"] == "error"
    assert "card" not in answer, "the form stays so the person can fix it"
    assert rows(world, Checkin) == []


def test_new_objective_form_round_trip(world: World) -> None:
    form = only_card(say_direct(world, ALICE, "新建"))
    answer = submit(world, ALICE, form, {"title": "提升品牌声量", "kr1": "媒体报道: 0 -> 20 篇"})
    assert answer["toast"]["type"] == "success"
    assert "提升品牌声量" in card_text(answer["card"]["data"])
    [made] = rows(world, Objective)
    assert made.title == "提升品牌声量"
    assert [kr.target_value for kr in rows(world, KeyResult)] == [20]


def test_my_okrs_buttons_open_the_checkin_form_the_plan_and_the_new_objective_form(
    world: World,
) -> None:
    objective(world)
    card = only_card(say_direct(world, ALICE, "我的"))
    pressed = {label: press(world, ALICE, value) for label, value in buttons(card)}
    assert set(pressed) == {"签到", "本周计划", "新建目标"}
    assert pressed["签到"]["card"]["data"]["body"]["elements"][0]["tag"] == "form"
    assert "我的周计划" in card_text(pressed["本周计划"]["card"]["data"])
    assert pressed["新建目标"]["card"]["data"]["body"]["elements"][0]["tag"] == "form"


@pytest.mark.parametrize(("button", "status"), [("完成", "done")])
def test_task_button_marks_the_task_and_replaces_the_card(
    world: World, button: str, status: str
) -> None:
    objective(world)
    say_direct(world, ALICE, "计划 新增 写推荐邮件 KR1")
    card = only_card(say_direct(world, ALICE, "计划"))
    [(label, value)] = [b for b in buttons(card) if b[0].startswith(button)]
    answer = press(world, ALICE, value)
    assert answer["toast"]["type"] == "success"
    assert [t.status for t in rows(world, PlanTask)] == [status]
    assert not [b for b in buttons(answer["card"]["data"]) if b[0] == label]


def test_help_request_buttons_accept_and_done(world: World) -> None:
    objective(world)
    say_direct(world, ALICE, "求助 @BOB KR1 帮忙看看脚本")
    answer = press(world, BOB, {"action": "help.accept", "value": "H1"})
    assert answer["toast"]["type"] == "success"
    assert [h.status for h in rows(world, HelpRequest)] == ["accepted"]
    press(world, BOB, {"action": "help.done", "value": "H1"})
    assert [h.status for h in rows(world, HelpRequest)] == ["done"]


def test_help_request_decline_button(world: World) -> None:
    objective(world)
    say_direct(world, ALICE, "求助 @BOB KR1 帮忙看看脚本")
    press(world, BOB, {"action": "help.decline", "value": "H1"})
    assert [h.status for h in rows(world, HelpRequest)] == ["declined"]


def test_team_rollup_button(world: World) -> None:
    objective(world)
    say_direct(world, ALICE, "团队 新建 市场部")
    answer = press(world, ALICE, {"action": "team.rollup", "value": "市场部"})
    assert "团队进展汇总" in card_text(answer["card"]["data"])


def test_an_expired_button_gets_a_polite_answer(world: World) -> None:
    answer = press(world, ALICE, {"action": "no.such.action", "value": ""})
    assert "/okr" in json.dumps(answer, ensure_ascii=False)


# --- the bot menu ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "shown"),
    [("my_okrs", "我的 OKR"), ("checkin", "签到"), ("plan", "我的周计划"), ("team", "团队")],
)
def test_bot_menu_entries_answer_in_the_direct_chat(world: World, key: str, shown: str) -> None:
    objective(world)
    say_direct(world, ALICE, "团队 新建 市场部")
    before = len(world.fake.messages())
    posted = world.driver.post(world.driver.menu(ALICE, key))
    assert posted.status == 200
    world.connection.receiver.drain()
    [sent] = world.fake.messages()[before:]
    assert (sent.how, sent.to_kind, sent.to) == ("create", "open_id", ALICE)
    assert shown in card_text(sent.content)


def test_a_team_created_in_a_group_posts_its_rhythm_there(world: World) -> None:
    assert "这个频道" in card_text(only_card(say_in_group(world, ALICE, "团队 新建 市场部")))
    assert "这个频道" not in card_text(only_card(say_direct(world, ALICE, "团队 新建 个人")))
    channels = {team.name: team.channel_external_id for team in rows(world, Team)}
    assert channels == {"市场部": GROUP, "个人": None}
