"""The acceptance in Chinese on Feishu: the demo company's cycle ends, through cards.

The demo company lives in a Feishu tenant. The marketing team drafts next
quarter's OKRs in its group by vote (the proposal form opens privately from
the group's card, votes are the card's buttons); at the quarter's end Alice
receives her review pack, as a card with its picture, showing her key results,
her tasks and the help she gave R&D; R&D's head is asked for feedback on
Alice's key result and answers in a form card; the committee corrects one
score with a reason, and Alice sees it. All in Chinese.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import pages
from bot.console.demo import seed_demo
from bot.outbox import OutboxSender
from storage.models import FeedbackRequest, Objective, Score
from storage.repos import workspaces
from tests.fakes.feishu_api import Sent
from tests.fakes.feishu_driver import FeishuDriver
from tests.feishu.world import World, bot_mention, buttons, make_world, press, submit
from tests.feishu.world import card_text as markdown_text

MONDAY = datetime(2026, 12, 14, 1, 0, tzinfo=UTC)  # Mon 09:00 Shanghai, 2026-W51
LAST_WEEK = datetime(2026, 12, 28, 1, 40, tzinfo=UTC)  # Mon 09:40, the quarter's last week
PEOPLE = {
    "alice": "Alice Smith",
    "bob": "Bob Jones",
    "mei": "Mei Lin",
    "zhao": "Zhao Lei",
    "chen": "Chen Jing",
}
MARKETING = "marketing"  # the demo team's group chat


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    for found in make_world(database_url):
        found.fake.users.update(
            {
                handle: {"name": name, "time_zone": "Asia/Shanghai"}
                for handle, name in PEOPLE.items()
            }
        )
        found.clock.set(MONDAY)
        with found.runtime.sessions.begin() as session:
            seed_demo(
                session=session,
                now=MONDAY,
                default_locale="zh",
                platform="feishu",
                external_id=found.driver.tenant,
            )
            demo = workspaces.find_workspace(
                session=session, platform="feishu", external_id=found.driver.tenant
            )
            assert demo is not None and demo.id is not None
            for handle in PEOPLE:
                member = workspaces.get_member_by_external(
                    session=session, workspace_id=demo.id, external_id=handle
                )
                assert member is not None
                workspaces.update_member(session=session, member=member, locale="zh")
            for team in workspaces.list_teams(session=session, workspace_id=demo.id):
                workspaces.update_team(session=session, team=team, changes={"locale": "zh"})
        yield found


def card_text(card: dict[str, Any]) -> str:
    """The card's visible strings, as people read them (markdown escapes undone)."""
    return html.unescape(markdown_text(card))


def mention(handle: str) -> dict[str, Any]:
    return FeishuDriver.mention("@_user_1", handle, PEOPLE[handle])


def in_group(world: World, handle: str, text: str) -> list[Sent]:
    before = len(world.fake.messages())
    posted = world.driver.post(
        world.driver.message(
            handle,
            f"@_user_1 {text}",
            chat_type="group",
            chat_id=MARKETING,
            mentions=[bot_mention()],
        )
    )
    assert posted.status == 200
    world.connection.receiver.drain()
    return world.fake.messages()[before:]


def drain(world: World) -> list[Sent]:
    """Send the outbox as the running bot does (pictures drawn); what reached Feishu."""
    before = len(world.fake.messages())
    OutboxSender(
        sessions=world.runtime.sessions,
        senders=[world.connection.sender()],
        clock=world.clock,
        sleep=lambda _seconds: None,
        jitter=lambda: 0.0,
        prepare=pages.prepare_outgoing,
    ).drain()
    return world.fake.messages()[before:]


def card(sent: Sent) -> dict[str, Any]:
    assert sent.msg_type == "interactive"
    return sent.content if isinstance(sent.content, dict) else {}


def to(sent: list[Sent], where: str) -> list[dict[str, Any]]:
    return [card(s) for s in sent if s.to == where]


def rows(world: World, model: type) -> list[Any]:
    from sqlmodel import select

    with world.runtime.sessions.begin() as session:
        found = list(session.exec(select(model)).all())
        session.expunge_all()
        return found


def test_the_demo_cycles_two_ends_in_chinese_on_feishu(world: World) -> None:
    # Alice helps R&D's head, and plans a task with him.
    world.say(
        "zhao",
        "求助 @_user_1 KR9 “能把合作伙伴门户介绍给我们的粉丝吗？”",
        mentions=[mention("alice")],
    )
    world.say("alice", "求助 接受 H2")
    world.say("alice", "求助 完成 H2 已在三个渠道发布")
    world.say(
        "alice", "计划 添加 加快巴西落地页 KR11 协助 @_user_1 截止 周五", mentions=[mention("zhao")]
    )
    world.say("alice", "计划 完成 T9 https://docs.example.com/brazil-landing")

    # Drafting next quarter in the marketing group, by vote.
    started = in_group(world, "mei", "共创 开始 对齐 O1")
    assert "已与 Marketing 开始共创 2027-Q1。" in card_text(card(started[0]))
    (opened,) = to(drain(world), MARKETING)
    assert "共创 2027-Q1 · Marketing" in card_text(opened)
    [(label, value)] = buttons(opened)
    assert label == "提议" and value["shared"]
    # The form opens for Alice alone, in the group.
    press(world, "alice", value, chat_id=MARKETING)
    form = card(world.fake.messages()[-1])
    assert world.fake.messages()[-1].how == "ephemeral"
    answer = submit(
        world,
        "alice",
        form,
        {
            "title": "成为买家首先想到的品牌",
            "kr1": "合格线索：300 -> 600 条",
            "kr2": "粉丝：10000 -> 20000 人",
        },
    )
    assert "已提议 #1 成为买家首先想到的品牌，含 2 个关键结果。" in answer["toast"]["content"]
    world.say("bob", "共创 提议 赢得巴西 | 巴西注册：0 -> 500 个")
    in_group(world, "mei", "共创 下一轮")
    (vote,) = to(drain(world), MARKETING)
    assert "团队提出了 2 个目标提议。" in card_text(vote)
    pressed = press(world, "alice", dict(buttons(vote))["投票 #1"], chat_id=MARKETING)
    assert "你的投票：#1" in pressed["toast"]["content"]
    world.say("bob", "共创 投票 #1 #2")
    in_group(world, "mei", "共创 下一轮")
    (krs_vote,) = to(drain(world), MARKETING)
    assert "✅ #1 成为买家首先想到的品牌（Alice Smith） · 2 票" in card_text(krs_vote)
    world.say("alice", "共创 投票 #1.1 #2.1")
    world.say("mei", "共创 定稿")
    finished = drain(world)
    (final,) = [c for c in to(finished, MARKETING) if "的 2027-Q1 OKR" in card_text(c)]
    assert "O7 成为买家首先想到的品牌" in card_text(final) and "O8 赢得巴西" in card_text(final)
    (invite,) = to(finished, "alice")
    assert "Marketing 的 2027-Q1 OKR 已定（O7 和 O8）" in card_text(invite)
    form = press(world, "alice", dict(buttons(invite))["写我的 OKR"])["card"]["data"]
    answer = submit(
        world, "alice", form, {"title": "拿下巴西的 Instagram", "kr1": "巴西粉丝：0 -> 5000 人"}
    )
    assert answer["toast"]["type"] == "success"
    objectives = {o.number: o for o in rows(world, Objective)}
    assert objectives[9].parent_objective_id == objectives[7].id  # aligned to the team's first

    # The quarter's end: Alice's pack, with its picture.
    world.say("mei", "设置 团队 Marketing 委员会 @_user_1", mentions=[mention("chen")])
    world.runtime.app.tick(until=MONDAY, catch_up=timedelta(hours=2))
    world.clock.set(LAST_WEEK)
    world.runtime.app.tick(until=LAST_WEEK, catch_up=timedelta(hours=2))
    reached = drain(world)
    (pack,) = [
        c for c in to(reached, "alice") if "述职材料 · Alice Smith · 2026-Q4" in card_text(c)
    ]
    text = card_text(pack)
    assert "KR11 Followers in target countries" in text and "KR12 Engagement rate" in text
    assert (
        "✅ T9 加快巴西落地页（KR11） · 协助人 Zhao Lei · https://docs.example.com/brazil-landing"
        in text
    )
    assert "H2 协助 Zhao Lei（R&D） · KR9 Release the partner portal" in text
    assert "协助 R&D 完成 Release the partner portal（H2）" in text
    assert "👏 Mei Lin：The Brazil Reels brought 600 new followers" in text
    assert '"tag": "img"' in str(pack).replace("'", '"')
    assert world.fake.calls_to("/open-apis/im/v1/images", "POST")
    (agenda,) = [
        c for c in to(reached, MARKETING) if "述职会 · Marketing · 2026-Q4" in card_text(c)
    ]
    assert "受邀：Zhao Lei（R&D）" in card_text(agenda)

    # R&D's head is asked for feedback on Alice's key result, and answers.
    world.say("mei", "反馈 征求 @_user_1", mentions=[mention("alice")])
    (asked,) = to(drain(world), "zhao")
    assert "KR11 Followers in target countries" in card_text(asked)
    assert "你的回答只有评分委员会能看到" in card_text(asked)
    form = press(world, "zhao", dict(buttons(asked))["填写反馈"])["card"]["data"]
    answer = submit(world, "zhao", form, {"rating": "4", "comment": "落地页带来了更多合作伙伴"})
    assert "你对 Alice Smith 的反馈（4/5）已交给评分委员会" in answer["toast"]["content"]
    (request,) = [r for r in rows(world, FeedbackRequest) if r.rating is not None]
    assert (request.rating, request.comment) == (4, "落地页带来了更多合作伙伴")

    # The committee corrects one score with a reason; Alice sees it.
    world.say("alice", "评分 KR11 0.6 达到 6,000")
    world.say("alice", "评分 KR12 0.7")
    world.say("chen", "委员会 提议 KR12 0.5 “十二月互动率下降”")
    confirmed = world.say("mei", "委员会 确认 KR12")
    assert "KR12 最终评分为 0.5（自评 0.7）。" in card_text(card(confirmed[0]))
    (told,) = [c for c in to(drain(world), "alice") if "KR12" in card_text(c)]
    assert "0.7" in card_text(told) and "0.5" in card_text(told)
    assert "Chen Jing 代表委员会：十二月互动率下降" in card_text(told)
    scores = {s.kr_id: (s.self_score, s.reviewed_score) for s in rows(world, Score)}
    assert (0.7, 0.5) in scores.values()
