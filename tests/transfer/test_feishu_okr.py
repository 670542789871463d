"""Feishu OKR as a source and a destination, through the real lark-oapi client and a fake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from storage.models import Source
from storage.repos import okrs, transfer, workspaces
from tests.fakes.feishu_api import TENANT
from tests.feishu.world import ALICE, CHEN, TOKEN, World, make_world
from tests.transfer.helpers import okr_state, run

SHANGHAI = timezone(timedelta(hours=8))
PERIOD = "6951461264858777132"


def _ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    yield from make_world(database_url, feishu_okr_sync=True)


def _feishu_okrs(world: World) -> None:
    fake = world.fake
    fake.okr_periods = [
        {
            "id": "6951461264858777000",
            "zh_name": "2026 年 7 月 - 9 月",
            "en_name": "Jul - Sep 2026",
            "status": 1,
            "period_start_time": _ms(datetime(2026, 7, 1, tzinfo=SHANGHAI)),
            "period_end_time": _ms(datetime(2026, 9, 30, 23, 59, 59, tzinfo=SHANGHAI)),
        },
        {
            "id": PERIOD,
            "zh_name": "2026 年 10 月 - 12 月",
            "en_name": "Oct - Dec 2026",
            "status": 1,
            "period_start_time": _ms(datetime(2026, 10, 1, tzinfo=SHANGHAI)),
            "period_end_time": _ms(datetime(2026, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)),
        },
    ]
    fake.okrs = {
        ALICE: [
            {
                "id": "7001",
                "permission": 1,
                "period_id": PERIOD,
                "name": "2026 年 10 月 - 12 月",
                "objective_list": [
                    {
                        "id": "7101",
                        "permission": 1,
                        "content": "提升品牌在目标市场的知名度",
                        "progress_rate": {"percent": 40, "status": "0"},
                        "kr_list": [
                            {
                                "id": "7201",
                                "content": "目标国家粉丝数达到 10000",
                                "kr_weight": 60.0,
                                "progress_rate": {"percent": 30, "status": "0"},
                            },
                            {
                                "id": "7202",
                                "content": "互动率达到 2%",
                                "kr_weight": 40.0,
                                "progress_rate": {"percent": 55, "status": "1"},
                            },
                        ],
                        "aligned_objective_list": [
                            {"id": "7102", "okr_id": "7002", "owner": {"open_id": CHEN}}
                        ],
                        "aligning_objective_list": [],
                    }
                ],
            }
        ],
        CHEN: [
            {
                "id": "7002",
                "permission": 1,
                "period_id": PERIOD,
                "name": "2026 年 10 月 - 12 月",
                "objective_list": [
                    {
                        "id": "7102",
                        "content": "营收增长 50%",
                        "kr_list": [
                            {
                                "id": "7203",
                                "content": "A 业务收入增长 80%",
                                "kr_weight": 100.0,
                                "progress_rate": {"percent": 35},
                            }
                        ],
                        "aligned_objective_list": [],
                        "aligning_objective_list": [
                            {"id": "7101", "okr_id": "7001", "owner": {"open_id": ALICE}}
                        ],
                    }
                ],
            }
        ],
    }
    fake.scope_users = [ALICE]
    fake.departments = {"od_sales_fake": [CHEN]}


@pytest.fixture
def feishu_env(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "FEISHU_APP_ID": world.fake.app_id,
        "FEISHU_APP_SECRET": world.fake.app_secret,
        "FEISHU_DOMAIN": world.fake.url,
        "FEISHU_CONNECTION": "webhook",
        "FEISHU_VERIFICATION_TOKEN": TOKEN,
        "DEFAULT_TIMEZONE": "Asia/Shanghai",
    }.items():
        monkeypatch.setenv(name, value)


def test_a_period_of_feishu_okr_imports_every_visible_persons_okrs_once(
    world: World, feishu_env: None, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _feishu_okrs(world)
    code, out, _ = run(
        capsys,
        "import",
        "--from",
        "feishu-okr",
        "--period",
        "Oct - Dec 2026",
        "--lang",
        "en",
        "--database-url",
        database_url,
    )
    assert code == 0, out
    assert "created 3" in out and "2 people added" in out
    sessions = world.runtime.sessions
    with sessions.begin() as session:
        ws = workspaces.find_workspace(session=session, platform="feishu", external_id=TENANT)
        assert ws is not None and ws.id is not None
        keys = transfer.source_keys(
            session=session, workspace_id=ws.id, source=Source.FEISHU_OKR.value
        )
        alice = workspaces.get_member_by_external(
            session=session, workspace_id=ws.id, external_id=ALICE
        )
        assert alice is not None and alice.display_name == "李爱丽"  # from the contact API
    assert {k for _, k in keys} == {"7101", "7102", "7201", "7202", "7203"}
    state = okr_state(sessions, ws.id)
    assert (
        "O",
        "提升品牌在目标市场的知名度",
        alice.handle,
        None,
        "committed",
        "2026-Q4",
        "营收增长 50%",
    ) in state
    fans = next(s for s in state if s[0] == "KR" and s[2].startswith("目标国家粉丝数"))
    assert fans[4:9] == (0.0, 100.0, 30.0, "%", 60.0)
    code, out, _ = run(
        capsys, "import", "--from", "feishu-okr", "--lang", "en", "--database-url", database_url
    )  # the current period
    assert code == 0 and "created 0, updated 0, unchanged 3" in out
    periods = world.fake.calls_to("/open-apis/okr/v1/users/")
    assert {c.query.get("period_ids") for c in periods} == {PERIOD}


def test_each_check_in_on_an_imported_key_result_is_written_to_feishu_okr_once(
    world: World, feishu_env: None, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _feishu_okrs(world)
    assert (
        run(
            capsys, "import", "--from", "feishu-okr", "--lang", "en", "--database-url", database_url
        )[0]
        == 0
    )
    sessions = world.runtime.sessions
    with sessions.begin() as session:
        ws = workspaces.find_workspace(session=session, platform="feishu", external_id=TENANT)
        assert ws is not None and ws.id is not None
        kr_id = transfer.source_keys(
            session=session, workspace_id=ws.id, source=Source.FEISHU_OKR.value
        )[("KR", "7201")]
        kr = okrs.get_key_result_by_id(session=session, workspace_id=ws.id, kr_id=kr_id)
        assert kr is not None
    answers = world.say(
        ALICE, f"签到 KR{kr.number} 60 信心 7 巴西的短视频火了", event_id="ev-checkin-1"
    )
    assert answers  # the check-in is answered in chat
    world.say(
        ALICE, f"签到 KR{kr.number} 60 信心 7 巴西的短视频火了", event_id="ev-checkin-1"
    )  # a retry
    world.outbox.drain()
    records = world.fake.progress_records
    assert len(records) == 1
    record = records[0]
    assert record["target_id"] == "7201" and record["target_type"] == 2
    assert record["progress_rate"]["percent"] == 60.0
    words = record["content"]["blocks"][0]["paragraph"]["elements"][0]["text_run"]["text"]
    assert "巴西的短视频火了" in words and "7/10" in words
    assert record["source_url"].startswith("https://applink.feishu.cn/client/bot/open?appId=")
    world.outbox.drain()
    assert len(world.fake.progress_records) == 1  # sent once
    with sessions.begin() as session:
        rows = session.execute(
            text(
                "SELECT recipient_kind, recipient_id, state FROM outbox WHERE recipient_kind = 'okr'"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("okr", "7201", "sent")]
    world.runtime.app.okr_sync = False  # FEISHU_OKR_SYNC off: nothing goes to Feishu OKR
    world.say(ALICE, f"签到 KR{kr.number} 65 信心 8", event_id="ev-checkin-2")
    world.outbox.drain()
    assert len(world.fake.progress_records) == 1


def test_without_the_okr_edition_the_import_says_what_is_missing(
    world: World, feishu_env: None, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _feishu_okrs(world)
    world.fake.okr_enabled = False
    code, out, _ = run(
        capsys, "import", "--from", "feishu-okr", "--lang", "en", "--database-url", database_url
    )
    assert code == 1 and "okr:okr:readonly" in out


def test_owners_given_by_email_are_looked_up_in_the_feishu_contact_directory(
    world: World,
    feishu_env: None,
    database_url: str,
    tmp_path: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pathlib import Path

    world.fake.users[CHEN] = {**world.fake.users[CHEN], "email": "chen@example.com"}
    path = Path(str(tmp_path)) / "okrs.csv"
    path.write_text(
        "目标,负责人,关键结果,目标值\n营收增长,chen@example.com,新客户数,40\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, "import", str(path), "--lang", "en", "--database-url", database_url)
    assert code == 0, out
    with world.runtime.sessions.begin() as session:
        ws = workspaces.find_workspace(session=session, platform="feishu", external_id=TENANT)
        assert ws is not None and ws.id is not None
        chen = workspaces.get_member_by_external(
            session=session, workspace_id=ws.id, external_id=CHEN
        )
        assert chen is not None and chen.display_name == "陈晨"
    assert world.fake.calls_to("/open-apis/contact/v3/users/batch_get_id")
