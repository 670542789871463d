"""`/okr export` through Feishu (a file message) and `/okr import` anywhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Harness, text_of
from tests.feishu.world import CHEN, World, make_world


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    yield from make_world(database_url)


def test_a_feishu_manager_gets_the_spreadsheet_as_a_file_message(world: World) -> None:
    world.say(CHEN, "团队 新建 Sales")
    world.say(CHEN, "新建 营收增长 50% | A 业务收入：0 -> 80 %")
    sent = world.say(CHEN, "导出")
    files = [s for s in sent if s.msg_type == "file"]
    assert len(files) == 1 and files[0].to == CHEN and files[0].to_kind == "open_id"
    (uploaded,) = world.fake.files
    assert uploaded["file_key"] == files[0].content["file_key"]
    assert world.fake.calls_to("/open-apis/im/v1/files")[0].body["multipart_bytes"] > 1000


def test_import_in_chat_explains_how(harness: Harness, demo: object) -> None:
    said = text_of(harness.say("alice", "import"))
    assert "okrbot import" in said and "--dry-run" in said
    assert "okrbot import" in text_of(harness.say("alice", "导入", locale="zh-CN"))
