"""The bad inputs a new user tries in the terminal trial, each answered specifically.

Typed into the real `okrbot console --demo`, in English (alice) and in Chinese
(chen), never with the apology and never silently accepted.
"""

from __future__ import annotations

import builtins
import io
from collections.abc import Iterator

import pytest

from bot.console.repl import TERMINAL_LINE_LIMIT, Console
from handlers.app import OkrApp
from handlers.clock import ManualClock
from storage.db import SessionFactory
from tests.conftest import WEDNESDAY
from tests.console.test_trial_story import run_trial, trial_dir  # noqa: F401  (a fixture)

LONG_TITLE = "x" * 201
LONG_NOTE = "y" * 1001

# (what alice types, what she reads), (what chen types, what he reads)
CASES = [
    (("/okr checkin KR11 1e26 confidence 7",
      '"1e26" is too large: I keep numbers up to 1,000,000,000,000,000.'),
     ("/okr 签到 KR1 1e26 信心 7", "“1e26”太大了：我能保存的数字最大为 1,000,000,000,000,000。")),
    (("/okr kr KR11 target 10^40",
      '"10^40" is too large: I keep numbers up to 1,000,000,000,000,000.'),
     ("/okr 关键结果 KR1 目标值 10^40", "“10^40”太大了：我能保存的数字最大为 1,000,000,000,000,000。")),
    (("/okr checkin KR11 -1e309",
      '"-1e309" is too large: I keep numbers up to 1,000,000,000,000,000.'),
     ("/okr 签到 KR1 -1e309", "“-1e309”太大了：我能保存的数字最大为 1,000,000,000,000,000。")),
    (("/okr checkin KR11 3.14159265358979323",
      '"3.14159265358979323" has more digits than I keep (15 significant digits).'),
     ("/okr 签到 KR1 3.14159265358979323", "“3.14159265358979323”的位数超过了我能保存的精度（15 位有效数字）。")),
    (("/okr checkin KR11 nan", '"nan" is not a value a key result can have.'),
     ("/okr 签到 KR1 nan", "“nan”不是关键结果可以取的值。")),
    (("/okr checkin KR11 infinity", '"infinity" is not a value a key result can have.'),
     ("/okr 签到 KR1 infinity", "“infinity”不是关键结果可以取的值。")),
    (("/okr new Win | Signups: 5 -> 5 signups",
      "Signups: the target equals the start (5), so there is nothing to measure."),
     ("/okr 新建 赢 | 注册数：5 -> 5 人", "注册数：目标值等于起始值（5），没有可衡量的进展。")),
    (("/okr new Faster | Load time: 3 -> 1.5 s",
      "↓ KR14: lower is better (from 3 s down to 1.5 s)."),
     ("/okr 新建 更快 | 加载时间：3 -> 1.5 秒", "↓ KR15：越低越好（从 3 秒 降到 1.5 秒）。")),
    ((f"/okr plan add {LONG_TITLE}",
      "A title can be at most 200 characters; this one has 201."),
     (f"/okr 计划 添加 {LONG_TITLE}", "标题最多 200 个字符，这个有 201 个。")),
    ((f'/okr checkin KR11 5000 confidence 7 "{LONG_NOTE}"',
      "A note or message can be at most 1000 characters; this one has 1001."),
     (f'/okr 签到 KR1 31 信心 7 "{LONG_NOTE}"', "备注或消息最多 1000 个字符，这个有 1001 个。")),
    (("/okr show KR\u200b11", "KR11 Followers in target countries"),
     ("/okr 查看 K\u200bR1", "KR1 A-business revenue +80%")),
    (("/okr show @b\u202eob", "Bob Jones's OKRs"),
     ("/okr 查看 @\u2066li\u2069", "Li Na 的 OKR")),
]  # fmt: skip


@pytest.mark.parametrize(("alice", "chen"), CASES, ids=[c[0][0][:30] for c in CASES])
def test_each_bad_input_gets_its_own_answer_in_the_trial_in_both_languages(
    trial_dir: object,  # noqa: F811  (the fixture imported above)
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    alice: tuple[str, str],
    chen: tuple[str, str],
) -> None:
    script = f"{alice[0]}\n:as chen\n{chen[0]}\n:quit\n"
    out = run_trial(script, capsys, monkeypatch)
    flat = " ".join(out.split())
    assert "Sorry" not in out and "抱歉" not in out
    english, chinese = flat.rsplit(":as chen", 1)
    assert " ".join(alice[1].split()) in english
    assert " ".join(chen[1].split()) in chinese


@pytest.fixture
def sessions_for_console(sessions: SessionFactory) -> Iterator[SessionFactory]:
    from bot.console.demo import seed_demo

    with sessions.begin() as session:
        seed_demo(session=session, now=WEDNESDAY)
    yield sessions


def test_a_line_cut_by_the_terminal_is_reported_and_not_run(
    sessions_for_console: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(WEDNESDAY)
    app = OkrApp(sessions=sessions_for_console, clock=clock, default_timezone="Asia/Shanghai")
    out = io.StringIO()
    console = Console(
        app=app,
        sessions=sessions_for_console,
        clock=clock,
        workspace="demo",
        handle="alice",
        stdin=io.StringIO(""),
        stdout=out,
        log_path="okrbot-test.log",
    )
    console.interactive = True  # as on a real terminal
    cut = "/okr checkin KR11 5000 confidence 7 " + "z" * (TERMINAL_LINE_LIMIT - 36)
    assert len(cut.encode()) == TERMINAL_LINE_LIMIT
    lines = iter([cut, "/okr show KR11"])

    def typed(prompt: str = "") -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr(builtins, "input", typed)
    assert console.run() == 0
    text = " ".join(out.getvalue().split())
    assert (
        "That line reached the terminal's limit of 4,095 bytes and was probably cut off,"
        " so I did not run it." in text
    )
    assert "4,200 of 10,000 followers" in text  # the cut check-in was not recorded
