"""Numbers and edits a person types, answered specifically, in English and Chinese."""

from __future__ import annotations

import pytest

from bot.console.demo import DemoWorkspace
from handlers.events import FormSubmitted
from handlers.views import FormErrors, Outcome
from storage.repos import okrs, rhythm
from tests.conftest import Harness, words_of

APOLOGY = "Sorry, something went wrong"
WEEK = "2026-W48"


def kr(h: Harness, demo: DemoWorkspace, number: int) -> tuple[float, float | None]:
    with h.sessions.begin() as s:
        row = okrs.get_key_result(session=s, workspace_id=demo.workspace_id, number=number)
        assert row is not None
        return row.current_value, row.target_value


@pytest.mark.parametrize(
    ("typed", "en", "zh"),
    [
        ("1e26", '"1e26" is too large: I keep numbers up to 1,000,000,000,000,000.',
         "“1e26”太大了：我能保存的数字最大为 1,000,000,000,000,000。"),
        ("10^40", '"10^40" is too large: I keep numbers up to 1,000,000,000,000,000.',
         "“10^40”太大了：我能保存的数字最大为 1,000,000,000,000,000。"),
        ("-1e309", '"-1e309" is too large: I keep numbers up to 1,000,000,000,000,000.',
         "“-1e309”太大了：我能保存的数字最大为 1,000,000,000,000,000。"),
        ("12345678901234567890",
         '"12345678901234567890" is too large: I keep numbers up to 1,000,000,000,000,000.',
         "“12345678901234567890”太大了：我能保存的数字最大为 1,000,000,000,000,000。"),
        ("3.14159265358979323",
         '"3.14159265358979323" has more digits than I keep (15 significant digits).'
         " Round it, like 1234.56.",
         "“3.14159265358979323”的位数超过了我能保存的精度（15 位有效数字）。请四舍五入，例如 1234.56。"),
        ("1e3", '"1e3" is written with an exponent. Write the number out, like 1000, 1k, 1.5m or 3万.',
         "“1e3”用了指数写法。请直接写出数字，例如 1000、1k、1.5m 或 3万。"),
        ("NaN", '"NaN" is not a value a key result can have. Use a number like 6000.',
         "“NaN”不是关键结果可以取的值。请输入像 6000 这样的数字。"),
        ("-inf", '"-inf" is not a value a key result can have. Use a number like 6000.',
         "“-inf”不是关键结果可以取的值。请输入像 6000 这样的数字。"),
        ("∞", '"∞" is not a value a key result can have. Use a number like 6000.',
         "“∞”不是关键结果可以取的值。请输入像 6000 这样的数字。"),
    ],
)  # fmt: skip
def test_a_number_the_database_cannot_keep_gets_its_own_answer(
    harness: Harness, demo: DemoWorkspace, typed: str, en: str, zh: str
) -> None:
    before = kr(harness, demo, 11)
    for user, line, expected in [
        ("alice", f"checkin KR11 {typed} confidence 7", en),
        ("alice", f"kr KR11 target {typed}", en),
        ("alice", f"new Win | Signups: 0 -> {typed} signups", en),
        ("chen", f"签到 KR1 {typed} 信心 7", zh),
    ]:
        text = words_of(harness.say(user, line))
        assert text.splitlines()[0] == expected, line
        assert APOLOGY not in text
    assert kr(harness, demo, 11) == before


def test_the_form_path_gives_the_same_specific_answer(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.app.handle(
        FormSubmitted(
            actor=harness.actor("alice"),
            form_id="checkin",
            values={"value:KR11": "1e26", "confidence:KR11": "7"},
            context="KR11",
        )
    )
    assert outcome.replies == [
        FormErrors(
            (("value:KR11", '"1e26" is too large: I keep numbers up to 1,000,000,000,000,000.'),)
        )
    ]


def test_a_target_equal_to_the_start_is_refused_with_the_reason(
    harness: Harness, demo: DemoWorkspace
) -> None:
    for line in ("new Win | Signups: 50 -> 50 signups", "kr add O5 Signups: 50 -> 50 signups"):
        text = words_of(harness.say("alice", line))
        assert text.splitlines()[0] == (
            "Signups: the target equals the start (50), so there is nothing to measure."
            " Give a target different from the start, like 0 -> 100."
        )
    assert (
        words_of(harness.say("alice", "kr KR11 target 0"))
        .splitlines()[0]
        .startswith("Followers in target countries: the target equals the start (0)")
    )
    assert kr(harness, demo, 11) == (4_200, 10_000)
    assert words_of(harness.say("chen", "新建 提速 | 加载时间：3 -> 3 秒")).splitlines()[0] == (
        "加载时间：目标值等于起始值（3），没有可衡量的进展。请设置一个不同于起始值的目标，例如 0 -> 100。"
    )


def test_a_target_below_the_start_is_allowed_and_read_as_lower_is_better(
    harness: Harness, demo: DemoWorkspace
) -> None:
    text = words_of(harness.say("alice", "new Faster pages | Load time: 3 -> 1.5 s"))
    assert "Created O7." in text
    assert "↓ KR14: lower is better (from 3 s down to 1.5 s)." in text.splitlines()
    text = words_of(harness.say("chen", "新建 更快 | 加载时间：3 -> 1.5 秒"))
    assert "↓ KR15：越低越好（从 3 秒 降到 1.5 秒）。" in text.splitlines()
    text = words_of(harness.say("alice", "checkin KR14 2 confidence 7"))
    assert "KR14 Load time" in text


# --- edits -------------------------------------------------------------------------


def week_row(h: Harness, demo: DemoWorkspace, number: int) -> tuple[object, ...]:
    with h.sessions.begin() as s:
        row = okrs.get_key_result(session=s, workspace_id=demo.workspace_id, number=number)
        assert row is not None and row.id is not None
        c = rhythm.checkins_for_week(
            session=s, workspace_id=demo.workspace_id, week=WEEK, kr_ids=[row.id]
        ).get(row.id)
        if c is None:
            return ()
        return (c.previous_value, c.value, c.confidence, c.note, tuple(c.links))


def test_a_second_checkin_without_confidence_note_or_links_keeps_them(
    harness: Harness, demo: DemoWorkspace
) -> None:
    harness.say("alice", "checkin KR11 5000 confidence 8 reels took off https://x.example/r")
    assert "Updated this week's check-in of KR11." in words_of(
        harness.say("alice", "checkin KR11 5600")
    )
    assert week_row(harness, demo, 11) == (
        4_200,
        5_600,
        8,
        "reels took off",
        ("https://x.example/r",),
    )
    harness.say("alice", "checkin KR11 +100 c6")
    assert week_row(harness, demo, 11) == (
        4_200,
        5_700,
        6,
        "reels took off",
        ("https://x.example/r",),
    )


@pytest.mark.parametrize(
    ("who", "kr", "expected"),
    [
        ("alice", 11, "would take KR11 to 1,000,000,000,004,200, beyond the largest number I keep"),
        ("chen", 1, "会让 KR1 变成 1,000,000,000,000,035，超出了我能保存的最大数字"),
    ],
)
def test_a_relative_checkin_past_the_largest_number_is_refused_and_changes_nothing(
    harness: Harness, demo: DemoWorkspace, who: str, kr: int, expected: str
) -> None:
    before = week_row(harness, demo, kr)
    answer = harness.say(who, f"checkin KR{kr} +1000000000000000")
    assert expected in words_of(answer)
    assert week_row(harness, demo, kr) == before


def submit(h: Harness, values: dict[str, str | list[str] | None], context: str) -> Outcome:
    return h.app.handle(
        FormSubmitted(actor=h.actor("alice"), form_id="checkin", values=values, context=context)
    )


def test_a_form_records_only_the_krs_whose_fields_were_changed(
    harness: Harness, demo: DemoWorkspace
) -> None:
    # The form as opened: KR11 at 4200 (confidence 7 last week), KR12 at 1.1 (6).
    outcome = submit(
        harness,
        {
            "value:KR11": "4800",
            "confidence:KR11": "7",
            "note:KR11": "",
            "value:KR12": "1.1",
            "confidence:KR12": "6",
            "note:KR12": "",
        },
        "KR11,KR12",
    )
    assert [words_of(Outcome(replies=[r])).splitlines()[0] for r in outcome.replies] == [
        "Checked in KR11."
    ]
    assert week_row(harness, demo, 11)[:3] == (4_200, 4_800, 7)
    assert week_row(harness, demo, 12) == ()  # untouched: still to check in


def test_an_unchanged_form_records_every_kr_as_unmoved(
    harness: Harness, demo: DemoWorkspace
) -> None:
    values = {
        "value:KR11": "4200",
        "confidence:KR11": "7",
        "value:KR12": "1.1",
        "confidence:KR12": "6",
    }
    outcome = submit(harness, dict(values), "KR11,KR12")
    assert len(outcome.replies) == 2
    assert week_row(harness, demo, 11)[:3] == (4_200, 4_200, 7)
    assert week_row(harness, demo, 12)[:3] == (1.1, 1.1, 6)


def test_the_form_enforces_its_required_fields_whatever_the_platform_did(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = submit(harness, {"value:KR11": "4800", "confidence:KR11": None}, "KR11")
    assert outcome.replies == [
        FormErrors((("confidence:KR11", "Choose your confidence, from 1 to 10."),))
    ]
    outcome = submit(harness, {"value:KR11": " ", "confidence:KR11": "7"}, "KR11")
    assert outcome.replies == [FormErrors((("value:KR11", "Enter the current value, like 6000."),))]
    assert week_row(harness, demo, 11) == ()


# --- large amounts in Chinese ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (10_000, "10,000", "10,000"),
        (100_000, "10万", "100,000"),
        (12_000_000, "1,200万", "12,000,000"),
        (350_000_000, "3.5亿", "350,000,000"),
        (123_450_000, "12,345万", "123,450,000"),
        (12_345_678, "12,345,678", "12,345,678"),  # not exact in 万: the full figure
        (-2_500_000, "-250万", "-2,500,000"),
        (1_500_000_000_000_000, "1,500万亿", "1,500,000,000,000,000"),
    ],
)
def test_chinese_counts_large_amounts_in_wan_and_yi_only_when_exact(
    value: float, zh: str, en: str
) -> None:
    from handlers.i18n import translator

    assert translator("zh").number(value) == zh
    assert translator("en").number(value) == en
    assert translator("zh").exact(value) == en


def test_a_chinese_reader_sees_wan_and_yi_in_views_and_digests_with_the_exact_figure(
    harness: Harness, demo: DemoWorkspace
) -> None:
    created = words_of(
        harness.say("chen", "新建 扩大收入 | 年收入：0 -> 3.5亿 元 | 新客户：0 -> 12345678 人")
    )
    assert "KR14 年收入" in created and "0 / 3.5亿 元" in created
    assert "0 / 12,345,678 人" in created
    words_of(harness.say("chen", "签到 KR14 1200万 信心 7"))
    shown = words_of(harness.say("chen", "查看 KR14"))
    assert "目标值: 3.5亿 元 (350,000,000)" in shown.splitlines()
    assert "1,200万 / 3.5亿 元" in shown
    digest = words_of(harness.say("chen", "团队 周报 Sales"))
    assert "+1,200万 元" in digest


def test_a_milestone_checkin_reads_done_or_not_done_never_plus_one(
    harness: Harness, demo: DemoWorkspace
) -> None:
    text = words_of(harness.say("zhao", "checkin KR9 done confidence 8"))
    assert "not done → done this week" in text.splitlines()
    assert "+1" not in text
    harness.say("zhao", "settings language zh")
    text = words_of(harness.say("zhao", "签到 KR9 0"))
    assert "本周 未完成 → 未完成" in text.splitlines()
    rollup = words_of(harness.say("zhao", "团队 R&D"))
    assert "+1" not in rollup and "本周 0" not in rollup
