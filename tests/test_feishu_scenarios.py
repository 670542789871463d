"""Feishu scenarios: signed, encrypted webhook requests through the real lark-oapi
dispatcher, okrbot's answers sent through the real lark-oapi client to a fake Feishu."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.feishu_world import ALICE, World, card_text, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def test_checkin_typed_in_a_direct_chat_is_answered_in_chinese(world: World) -> None:
    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    sent = world.say(ALICE, "签到 KR1 6000 信心 7 两个视频火了")
    assert len(sent) == 1
    reply = sent[0]
    assert reply.how == "reply" and reply.msg_type == "interactive"
    text = card_text(reply.content)
    assert "60%" in text, text
