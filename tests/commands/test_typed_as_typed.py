"""Check-in lines as people type them, in English and Chinese, down to what is stored.

Each line goes through the grammar and through `OkrApp.handle`; the value of
the key result, the confidence and the note stored must be exactly the ones
meant. Full-width punctuation and digits, 分, notes after a comma, "done" on a
number and a leading minus are read as a person means them, and a line whose
meaning is unclear is answered with a question or an error, storing nothing.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.console.demo import DemoWorkspace
from handlers import grammar as g
from storage.models import Checkin, KeyResult
from storage.repos import okrs, rhythm
from tests.conftest import Harness, words_of

TODAY = date(2026, 11, 25)
WEEK = "2026-W48"
# Alice's key results in the demo: followers 4,200 of 10,000, engagement 1.1 of 2 %.
FOLLOWERS, ENGAGEMENT = "KR11", "KR12"
FOLLOWERS_NOW, ENGAGEMENT_TARGET = 4_200.0, 2.0

# (line, value stored, confidence stored, note stored)
RECORDED: list[tuple[str, float, int | None, str]] = [
    # The lines from the field, exactly as they were typed.
    ("签到 KR11 6000，信心 7", 6000, 7, ""),
    ("签到 KR11 6000 信心 7。", 6000, 7, ""),
    ("签到 KR11 6000 信心 7，“不错”", 6000, 7, "不错"),
    ("签到 KR11 6000 信心７分，本周不错", 6000, 7, "本周不错"),
    ("签到 KR11 6500，信心 8，“视频不错”", 6500, 8, "视频不错"),
    # Full-width digits, signs and marks.
    ("签到 KR11 ６５００ 信心 ８", 6500, 8, ""),
    ("签到 KR11 ６，５００，信心：８", 6500, 8, ""),
    ("签到 KR11 ＋５００ 信心 ６", 4700, 6, ""),
    ("签到　KR11　6500　信心　7　进展顺利", 6500, 7, "进展顺利"),
    ("签到 KR11 6500；信心 7；两条视频爆了！", 6500, 7, "两条视频爆了！"),
    ("签到 KR11 6500 两条视频爆了！信心 7", 6500, 7, "两条视频爆了！"),
    # 分 and other ways of writing a confidence.
    ("签到 KR11 6500 信心 7 分", 6500, 7, ""),
    ("签到 KR11 6500 信心7分", 6500, 7, ""),
    ("签到 KR11 6500 信心7分 本周不错", 6500, 7, "本周不错"),
    ("签到 KR11 6500 信心 八", 6500, 8, ""),
    ("签到 KR11 6500 信心八分，还行", 6500, 8, "还行"),
    ("签到 KR11 6500 进展顺利信心8分", 6500, 8, "进展顺利"),
    ("签到 KR11 6500 信心十足", 6500, None, "信心十足"),
    # Notes keep what was typed inside them, and lose the marks that only separated.
    ("签到 KR11 6500 本周不错，信心 7，继续加油", 6500, 7, "本周不错，继续加油"),
    ("签到 KR11 6500 信心 7 视频（Reels）表现不错。", 6500, 7, "视频（Reels）表现不错。"),
    ("checkin KR11 6500, confidence 7, two reels took off", 6500, 7, "two reels took off"),
    (
        "checkin KR11 6500 great week, confidence 8, more next week",
        6500,
        8,
        "great week, more next week",
    ),
    ('checkin KR11 6500 confidence 7 "two reels took off"', 6500, 7, "two reels took off"),
    # Done on a number is its target; a sign written out says what it is.
    ("checkin KR12 done", ENGAGEMENT_TARGET, None, ""),
    ("签到 KR12 完成，信心 9", ENGAGEMENT_TARGET, 9, ""),
    ("checkin KR11 +500 c8", 4700, 8, ""),
    ("checkin KR11 by -200 c6", 4000, 6, ""),
    ("签到 KR11 变化 -200 信心 6", 4000, 6, ""),
    ("checkin KR11 =-5", -5, None, ""),
    ("checkin KR11 = -5 c3", -5, 3, ""),
]


def _kr(harness: Harness, demo: DemoWorkspace, ref: str) -> KeyResult:
    with harness.sessions.begin() as session:
        row = okrs.get_key_result(
            session=session, workspace_id=demo.workspace_id, number=int(ref[2:])
        )
    assert row is not None
    return row


def _this_week(harness: Harness, demo: DemoWorkspace, ref: str) -> list[Checkin]:
    kr = _kr(harness, demo, ref)
    with harness.sessions.begin() as session:
        rows = rhythm.checkins_for_week(
            session=session, workspace_id=demo.workspace_id, week=WEEK, kr_ids=[kr.id or -1]
        )
    return list(rows.values())


def _ref_of(line: str) -> str:
    return FOLLOWERS if FOLLOWERS in line else ENGAGEMENT


@pytest.mark.parametrize(("line", "value", "confidence", "note"), RECORDED)
def test_the_grammar_reads_the_line_as_meant(
    line: str, value: float, confidence: int | None, note: str
) -> None:
    cmd = g.parse(line, today=TODAY)
    assert isinstance(cmd, g.Checkin)
    assert (cmd.confidence, cmd.note) == (confidence, note)
    if cmd.done:
        assert value == ENGAGEMENT_TARGET  # the use case sets the target
    else:
        assert (FOLLOWERS_NOW + cmd.value if cmd.relative else cmd.value) == value


@pytest.mark.parametrize(("line", "value", "confidence", "note"), RECORDED)
def test_the_app_stores_exactly_what_was_meant(
    harness: Harness,
    demo: DemoWorkspace,
    line: str,
    value: float,
    confidence: int | None,
    note: str,
) -> None:
    ref = _ref_of(line)
    outcome = harness.say("alice", line)
    assert "Sorry" not in words_of(outcome)
    assert _kr(harness, demo, ref).current_value == value
    (row,) = _this_week(harness, demo, ref)
    assert (row.value, row.confidence, row.note) == (value, confidence, note)


def test_done_on_a_number_says_it_set_the_target(harness: Harness, demo: DemoWorkspace) -> None:
    english = words_of(harness.say("alice", "checkin KR12 done"))
    assert "“Done” on KR12 sets it to its target, 2%." in english
    harness.say("alice", "settings language zh")
    chinese = words_of(harness.say("alice", "签到 KR12 完成"))
    assert "“完成”会把 KR12 设为目标值 2%。" in chinese


def _added_kr(harness: Harness, demo: DemoWorkspace, spec: str) -> str:
    """Add a key result to Alice's objective; its reference."""
    outcome = harness.say("alice", f"kr add {demo.objectives['alice']} {spec}")
    ref = next(w.rstrip(".") for w in words_of(outcome).split() if w.startswith("KR"))
    assert ref not in (FOLLOWERS, ENGAGEMENT), words_of(outcome)
    return ref


def test_done_on_a_number_without_a_target_is_refused_with_the_right_form(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = _added_kr(harness, demo, "Newsletter issues sent")
    text = words_of(harness.say("alice", f"checkin {ref} done"))
    assert f"{ref} has no target, so it cannot be done" in text
    assert f"/okr checkin {ref} 6000" in text
    assert _kr(harness, demo, ref).current_value == 0 and not _this_week(harness, demo, ref)


@pytest.mark.parametrize(
    ("line", "locale", "asked"),
    [
        (
            "checkin KR11 -5000",
            "en",
            [
                "KR11 is never below zero, so did you mean a change of -5,000 (to -800 followers)"
                " or the value -5,000?",
                "A change: /okr checkin KR11 by -5000",
                "The value: /okr checkin KR11 =-5000",
            ],
        ),
        (
            "checkin KR11 -200 c6 two unfollows",
            "en",
            [
                "a change of -200 (to 4,000 followers)",
                'A change: /okr checkin KR11 by -200 confidence 6 "two unfollows"',
                'The value: /okr checkin KR11 =-200 confidence 6 "two unfollows"',
            ],
        ),
        (
            "签到 KR11 －２００ 信心 6",
            "zh",
            [
                "KR11 的数值不会低于零。你是想变化 -200（变为 4,000 followers），还是把数值设为 -200？",
                "按变化量：/okr 签到 KR11 变化 -200 信心 6",
                "按数值：/okr 签到 KR11 =-200 信心 6",
            ],
        ),
    ],
)
def test_a_leading_minus_on_a_count_asks_which_was_meant(
    harness: Harness, demo: DemoWorkspace, line: str, locale: str, asked: list[str]
) -> None:
    if locale == "zh":
        harness.say("alice", "settings language zh")
    text = words_of(harness.say("alice", line))
    for phrase in asked:
        assert phrase in text
    assert _kr(harness, demo, FOLLOWERS).current_value == FOLLOWERS_NOW
    assert not _this_week(harness, demo, FOLLOWERS)
    # Either answer, typed as offered, is recorded as it says.
    harness.say("alice", "checkin KR11 by -200")
    assert _kr(harness, demo, FOLLOWERS).current_value == 4_000


def test_a_leading_minus_is_a_change_on_a_kr_that_goes_below_zero(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = _added_kr(harness, demo, "Net promoter score: -20 -> 10")
    outcome = harness.say("alice", f"checkin {ref} -5 c6")
    assert "(-5)" in words_of(outcome)
    assert _kr(harness, demo, ref).current_value == -25


@pytest.mark.parametrize(
    ("line", "phrase"),
    [
        ("签到 KR11 6500 信心7.5", "信心指数应为 1 到 10 的整数，不能是“信心7.5”"),
        ("签到 KR11 6500 信心 7 信心 8", "这里不该出现“信心 8”"),
        ("checkin KR11 6500 confidence 11 great", "Confidence is a whole number from 1 to 10"),
        ("checkin KR11 6500 conf-1", "conf-1"),
    ],
)
def test_a_confidence_that_cannot_be_read_is_never_folded_into_the_note(
    harness: Harness, demo: DemoWorkspace, line: str, phrase: str
) -> None:
    if "签到" in line:
        harness.say("alice", "settings language zh")
    text = words_of(harness.say("alice", line))
    assert phrase in text
    assert not _this_week(harness, demo, FOLLOWERS)
    assert _kr(harness, demo, FOLLOWERS).current_value == FOLLOWERS_NOW


# --- every verb reads full-width marks as separators and keeps them inside text -------

T40, T41 = g.Ref("T", 40), g.Ref("T", 41)


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("计划 添加 写周报，截止周五", g.PlanAdd("写周报", None, (), None, date(2026, 11, 27))),
        ("计划 添加 写周报 截止 下周五", g.PlanAdd("写周报", None, (), None, date(2026, 12, 4))),
        ("计划 完成 T40、T41。", g.PlanDone((T40, T41))),
        (
            "求助 @bob KR11：能帮忙看看脚本吗？",
            g.Ask(g.PersonRef("@bob"), g.Ref("KR", 11), "能帮忙看看脚本吗？"),
        ),
        ("点赞 @bob，周报写得很好！", g.Kudos(g.PersonRef("@bob"), None, "周报写得很好！")),
        ("评分 KR12 0.7，目标下调了", g.Score(g.Ref("KR", 12), 0.7, "目标下调了")),
        ("关键结果 KR12 目标值 １２，０００", g.EditKR(g.Ref("KR", 12), "target", 12000.0)),
        ("设置 语言 英文。", g.SetLanguage("en")),
        ("对齐 O3 到 O1。", g.Align(g.Ref("O", 3), g.Ref("O", 1))),
        (
            "请假 12月24日至1月2日，回老家",
            g.Away(date(2026, 12, 24), date(2027, 1, 2), "回老家"),
        ),
    ],
)
def test_every_verb_reads_chinese_punctuation_as_typed(line: str, command: g.Cmd) -> None:
    assert g.parse(line, today=TODAY) == command


def test_a_title_keeps_its_full_width_brackets() -> None:
    cmd = g.parse("新建 提升品牌（海外）｜ 粉丝数：0 -> 10000 粉丝", today=TODAY)
    assert isinstance(cmd, g.NewObjective)
    assert (cmd.title, cmd.krs[0].title, cmd.krs[0].target) == ("提升品牌（海外）", "粉丝数", 10000)


def test_a_due_word_before_something_that_is_no_day_is_an_error_not_a_title() -> None:
    with pytest.raises(g.ParseError) as caught:
        g.parse("计划 添加 写周报 截止 下个月", today=TODAY)
    assert (caught.value.code, caught.value.params) == ("bad_date", {"token": "下个月"})


# --- answers that say what was wrong ------------------------------------------------


def test_a_reversed_date_range_says_the_end_is_before_the_start(
    harness: Harness, demo: DemoWorkspace
) -> None:
    text = words_of(harness.say("alice", "away 2027-01-02 2026-12-24"))
    assert 'The end, "2026-12-24", is before the start, "2027-01-02"' in text
    harness.say("alice", "settings language zh")
    text = words_of(harness.say("alice", "请假 2027-01-02 2026-12-24"))
    assert "结束日期“2026-12-24”早于开始日期“2027-01-02”" in text


def test_an_objective_cannot_align_to_itself_or_its_own_key_results(
    harness: Harness, demo: DemoWorkspace
) -> None:
    mine = demo.objectives["alice"]
    text = words_of(harness.say("alice", f"align {mine} to {mine}"))
    assert f"An objective cannot align to itself ({mine})" in text
    text = words_of(harness.say("alice", f"align {mine} to {FOLLOWERS}"))
    assert f"{mine} cannot align to {FOLLOWERS}: that is one of its own key results." in text


def test_help_on_an_unknown_topic_says_so_and_lists_the_topics(
    harness: Harness, demo: DemoWorkspace
) -> None:
    text = words_of(harness.say("alice", "help sing"))
    assert "There is no help on “sing”. Topics: my, help, new, kr, checkin," in text
    harness.say("alice", "settings language zh")
    text = words_of(harness.say("alice", "帮助 不存在"))
    assert "没有关于“不存在”的帮助。可查看的主题：我的、帮助、新建、关键结果、签到、" in text
    assert "签到" in text and "求助和请假" not in text


def test_chinese_help_names_the_chinese_verb_first(harness: Harness, demo: DemoWorkspace) -> None:
    harness.say("alice", "settings language zh")
    overview = words_of(harness.say("alice", "帮助"))
    assert "/okr 签到（checkin）——" in overview
    assert "/okr checkin" not in overview
    one = words_of(harness.say("alice", "帮助 签到"))
    assert "帮助：/okr 签到" in one
    assert "也可以写：checkin、打卡、更新和 update" in one


def test_chinese_messages_quote_commands_with_their_chinese_verbs() -> None:
    """A Chinese reader is never shown `/okr settings …` where `/okr 设置 …` works."""
    from handlers.i18n.extract import read_catalog

    english = []
    for message in read_catalog("zh"):
        texts = message.string if isinstance(message.string, tuple | list) else [message.string]
        for text in texts:
            for verb in re.findall(r"/okr ([A-Za-z]+)", text or ""):
                if verb.lower() in g.VERBS:
                    english.append(text)
    assert english == []
