"""The grammar of the cycle's two ends: draft, review, feedback, committee, and their settings."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.grammar import (
    Cmd,
    CommitteeConfirm,
    CommitteePropose,
    CommitteeShow,
    DraftAddKR,
    DraftCancel,
    DraftFinish,
    DraftNext,
    DraftPropose,
    DraftStart,
    DraftStatus,
    DraftVote,
    FeedbackAsk,
    FeedbackGive,
    FeedbackList,
    FeedbackShow,
    KRSpec,
    ParseError,
    PersonRef,
    PlanDone,
    Ref,
    ReviewAgenda,
    ReviewAnswer,
    ReviewAnswerForm,
    ReviewPack,
    SetCycleKind,
    SetScoreScale,
    SetTeamCommittee,
    SetTeamCycle,
    kr_spec_text,
    parse,
)

TODAY = date(2026, 12, 2)
ALICE, ZHAO = PersonRef("@alice"), PersonRef("@zhao")
LEADS = KRSpec("Inbound leads", 300.0, 600.0, "leads")


def p(text: str) -> Cmd:
    return parse(text, today=TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("draft", DraftStatus()),
        ("共创 状态", DraftStatus()),
        ("draft start", DraftStart()),
        ("draft start Growth EU", DraftStart("Growth EU")),
        ("draft start Growth anonymous align to KR2", DraftStart("Growth", True, Ref("KR", 2))),
        ("头脑风暴 发起 匿名 对齐 O1", DraftStart(None, True, Ref("O", 1))),
        ("draft propose", DraftPropose()),
        (
            "draft propose Be known | Inbound leads: 300 -> 600 leads",
            DraftPropose("Be known", (LEADS,)),
        ),
        (
            "共创 提议 被买家记住 ｜ 线索：300 -> 600 条",
            DraftPropose("被买家记住", (KRSpec("线索", 300.0, 600.0, "条"),)),
        ),
        ("draft kr #2 Inbound leads: 300 -> 600 leads", DraftAddKR(2, LEADS)),
        ("draft vote #1 #3", DraftVote(("1", "3"))),
        ("draft vote 1, #2.1，#02.03", DraftVote(("1", "2.1", "2.3"))),
        ("共创 投票 ＃1 ＃1", DraftVote(("1",))),
        ("draft next", DraftNext()),
        ("draft finish", DraftFinish()),
        ("共创 定稿 #1 #3", DraftFinish((1, 3))),
        ("draft cancel", DraftCancel()),
    ],
)
def test_draft(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "token"),
    [
        ("draft brainstorm", "unknown_action", "brainstorm"),
        ("draft vote", "bad_idea", None),
        ("draft vote banana", "bad_idea", "banana"),
        ("draft vote #0", "bad_idea", "#0"),
        ("draft finish #1.2", "bad_idea", "#1.2"),
        ("draft kr Leads: 0 -> 10", "bad_idea", "Leads:"),
        ("draft kr #2", "missing_text", None),
        ("draft propose | Leads: 0 -> 10", "missing_text", None),
        ("draft propose Win | Leads: 0 -> lots", "bad_number", "lots"),
        ("draft start Growth anonymous extra", "unexpected", "extra"),
        ("draft start align T4", "bad_ref", "T4"),
        ("draft next now", "unexpected", "now"),
    ],
)
def test_draft_errors(text: str, code: str, token: str | None) -> None:
    with pytest.raises(ParseError) as caught:
        p(text)
    assert (caught.value.code, caught.value.verb) == (code, "draft")
    assert caught.value.params.get("token") == token


@pytest.mark.parametrize(
    "spec",
    [
        LEADS,
        KRSpec("Portal live", 0.0, 1.0, milestone=True),
        KRSpec("Page load", 3.0, 1.5, "s", weight=2.0, owner=ZHAO),
        KRSpec("Engagement", 0.0, 2.0, "%"),
        KRSpec("Revenue", 0.0, 1e12, "元"),
        KRSpec("Idea with no measure yet"),
        KRSpec("巴西粉丝", 0.0, 5000.0, "人"),
    ],
)
def test_a_key_result_written_back_reads_as_the_same_key_result(spec: KRSpec) -> None:
    text = kr_spec_text(spec)
    assert p(f"new x | {text}").krs == (spec,)  # type: ignore[union-attr]  # a NewObjective


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("review", ReviewPack()),
        ("review @alice", ReviewPack(ALICE)),
        ("review pack", ReviewPack()),
        ("述职 材料 @alice", ReviewPack(ALICE)),
        ("review agenda", ReviewAgenda()),
        ("review agenda Growth EU", ReviewAgenda("Growth EU")),
        ("review answer", ReviewAnswerForm()),
        (
            "review breakthroughs Reels tripled reach",
            ReviewAnswer("breakthroughs", "Reels tripled reach"),
        ),
        ("述职 教训 先小范围试", ReviewAnswer("lessons", "先小范围试")),
        ("review problem “contracts were slow”", ReviewAnswer("problems", "contracts were slow")),
    ],
)
def test_review(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("review lessons", "missing_text"),
        ("review pack alice", "missing_person"),
        ("review answer now", "unexpected"),
        ("review verdict", "unknown_action"),
    ],
)
def test_review_errors(text: str, code: str) -> None:
    with pytest.raises(ParseError) as caught:
        p(text)
    assert (caught.value.code, caught.value.verb) == (code, "review")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("feedback @alice", FeedbackShow(ALICE)),
        ("feedback ask @alice", FeedbackAsk(ALICE)),
        ("反馈 征求 @alice @zhao @alice", FeedbackAsk(ALICE, (ZHAO,))),
        ("feedback give @alice", FeedbackGive(ALICE)),
        ("feedback give @alice 4 moved it a lot", FeedbackGive(ALICE, 4, "moved it a lot")),
        ("反馈 填写 @alice 5分 “没有她做不成”", FeedbackGive(ALICE, 5, "没有她做不成")),
        ("feedback give @alice 3/5", FeedbackGive(ALICE, 3)),
        ("feedback list", FeedbackList()),
    ],
)
def test_feedback(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("feedback", "missing_person"),
        ("feedback give", "missing_person"),
        ("feedback give alice 4", "missing_person"),
        ("feedback give @alice 6", "bad_rating"),
        ("feedback give @alice 0", "bad_rating"),
        ("feedback give @alice 4.5", "bad_rating"),
        ("feedback give @alice great", "bad_rating"),
        ("feedback ask @alice bob", "unexpected"),
    ],
)
def test_feedback_errors(text: str, code: str) -> None:
    with pytest.raises(ParseError) as caught:
        p(text)
    assert (caught.value.code, caught.value.verb) == (code, "feedback")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("committee", CommitteeShow()),
        ("委员会 @alice", CommitteeShow(ALICE)),
        (
            "committee propose KR11 0.6 target was lowered",
            CommitteePropose(Ref("KR", 11), 0.6, "target was lowered"),
        ),
        ("评分委员会 建议 KR11 6分 目标下调了", CommitteePropose(Ref("KR", 11), 0.6, "目标下调了")),
        ("committee confirm KR11", CommitteeConfirm(Ref("KR", 11))),
        ("committee confirm KR11 5/10 agreed", CommitteeConfirm(Ref("KR", 11), 0.5, "agreed")),
    ],
)
def test_committee(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("committee propose KR11", "missing_value"),
        ("committee propose O5 0.5 why", "bad_ref"),
        ("committee propose KR11 11 why", "bad_score"),
        ("committee KR11", "unknown_action"),
        ("committee vote KR11", "unknown_action"),
    ],
)
def test_committee_errors(text: str, code: str) -> None:
    with pytest.raises(ParseError) as caught:
        p(text)
    assert (caught.value.code, caught.value.verb) == (code, "committee")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("settings scale 10", SetScoreScale(10)),
        ("设置 评分制 十分制", SetScoreScale(10)),
        ("settings scale 0-1", SetScoreScale(1)),
        ("settings cycle annual-quarterly", SetCycleKind("annual-quarterly")),
        ("设置 周期 年度+季度", SetCycleKind("annual-quarterly")),
        ("settings team Growth EU cycle bimonthly", SetTeamCycle("Growth EU", "bimonthly")),
        ("settings team Growth cycle none", SetTeamCycle("Growth", None)),
        (
            "settings team Growth committee @chen @li",
            SetTeamCommittee("Growth", (PersonRef("@chen"), PersonRef("@li"))),
        ),
        ("设置 团队 增长组 评分委员会 无", SetTeamCommittee("增长组", ())),
        (
            "plan done T4 https://docs.example.com/x",
            PlanDone((Ref("T", 4),), ("https://docs.example.com/x",)),
        ),
        (
            "计划 完成 T4，T5 https://docs.example.com/x。",
            PlanDone((Ref("T", 4), Ref("T", 5)), ("https://docs.example.com/x",)),
        ),
    ],
)
def test_settings_and_plan_of_the_cycle_ends(text: str, expected: Cmd | None) -> None:
    if expected is None:
        with pytest.raises(ParseError):
            p(text)
        return
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("settings scale 5", "bad_scale"),
        ("settings team Growth cycle weekly", "bad_cycle"),
        ("settings team Growth committee", "missing_person"),
        ("settings team Growth committee chen", "missing_person"),
    ],
)
def test_settings_errors_of_the_cycle_ends(text: str, code: str) -> None:
    with pytest.raises(ParseError) as caught:
        p(text)
    assert (caught.value.code, caught.value.verb) == (code, "settings")
