"""Coaching checks on how objectives and key results are written."""

from __future__ import annotations

import pytest

from handlers.okr.quality import (
    QualityCode,
    QualityWarning,
    kr_warnings,
    looks_like_task,
    objective_warnings,
)

# --- objectives ------------------------------------------------------------------


def test_three_objectives_and_five_krs_are_fine() -> None:
    assert objective_warnings(owner_objective_count=3, kr_count=5) == []


def test_fourth_objective_for_an_owner_is_too_many() -> None:
    assert objective_warnings(owner_objective_count=4, kr_count=3, ref="O4") == [
        QualityWarning("too_many_objectives", "O4")
    ]


def test_sixth_kr_on_an_objective_is_too_many() -> None:
    assert objective_warnings(owner_objective_count=1, kr_count=6, ref="O1") == [
        QualityWarning("too_many_krs", "O1")
    ]


def test_objective_warnings_come_in_fixed_order() -> None:
    codes = [w.code for w in objective_warnings(owner_objective_count=9, kr_count=9)]
    assert codes == ["too_many_objectives", "too_many_krs"]


def test_objective_warnings_reject_negative_counts() -> None:
    with pytest.raises(ValueError):
        objective_warnings(owner_objective_count=-1, kr_count=2)
    with pytest.raises(ValueError):
        objective_warnings(owner_objective_count=1, kr_count=-2)


def test_warning_codes_compare_equal_to_plain_strings() -> None:
    assert QualityWarning(QualityCode.NO_OWNER, "KR2") == QualityWarning("no_owner", "KR2")
    assert QualityWarning("no_owner").ref is None


# --- key results -----------------------------------------------------------------


def test_well_formed_kr_has_no_warnings() -> None:
    warnings = kr_warnings(
        title="+10,000 followers in target countries by Dec 31",
        target=10_000,
        has_owner=True,
        milestone=False,
    )
    assert warnings == []


def test_numeric_kr_without_target_is_flagged() -> None:
    warnings = kr_warnings(
        title="Engagement rate 2%", target=None, has_owner=True, milestone=False, ref="KR3"
    )
    assert warnings == [QualityWarning("no_target", "KR3")]


def test_milestone_kr_without_target_is_not_flagged_for_target() -> None:
    warnings = kr_warnings(
        title="Pricing page approved by legal", target=None, has_owner=True, milestone=True
    )
    assert warnings == []


def test_milestone_kr_can_still_read_as_a_task() -> None:
    warnings = kr_warnings(
        title="Launch the newsletter", target=None, has_owner=True, milestone=True, ref="KR1"
    )
    assert warnings == [QualityWarning("task_like", "KR1")]


def test_kr_without_owner_is_flagged() -> None:
    warnings = kr_warnings(
        title="Market share 20% → 40%", target=40, has_owner=False, milestone=False, ref="KR7"
    )
    assert warnings == [QualityWarning("no_owner", "KR7")]


def test_kr_warnings_come_in_fixed_order() -> None:
    warnings = kr_warnings(
        title="Launch the newsletter", target=None, has_owner=False, milestone=False
    )
    assert [w.code for w in warnings] == ["no_target", "no_owner", "task_like"]


def test_target_zero_is_a_target() -> None:
    # "Zero critical incidents" has a target of 0, which is not a missing target.
    warnings = kr_warnings(
        title="Critical incidents in production", target=0, has_owner=True, milestone=False
    )
    assert warnings == []


# --- task-like wording -----------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Launch the newsletter",
        "launch the newsletter",
        "LAUNCH THE NEWSLETTER",
        "To launch the newsletter",
        "Set up the CRM pipeline",
        "Set-up the CRM pipeline",
        "Roll out the new onboarding flow",
        "Organise the partner summit",
        "Organize the partner summit",
        "Hold a customer advisory board",
        "Write sales playbooks",
        "Hire a content marketer",
        "- Publish the pricing page",
        "1. Migrate the blog to the new CMS",
        "Launch the newsletter by Dec 31",  # a date says when, not how much
        "Launch the newsletter by December 31st, 2026",
        "Publish the Q4 report",
        "Ship the mobile app in H1",
        "Deploy the new site on 2026-12-31",
        "Ship the mobile app in 2027",
        "Host the webinar at 17:00",
        "Launch the user portal",  # singular audience noun is not a metric
    ],
)
def test_english_action_without_measure_is_task_like(title: str) -> None:
    assert looks_like_task(title)


@pytest.mark.parametrize(
    "title",
    [
        "Newsletter reaches 5,000 subscribers",
        "Bring in 5 front-line enterprise sales leads",  # has a digit
        "Write sales playbooks for 4 industries",
        "Launch the newsletter to 5000 readers",
        "Hire two senior engineers",  # spelled-out number
        "Launch referral program to increase signups",
        "Launch campaigns until conversion rate doubles",
        "Publish content that grows followers",
        "Run webinars with an NPS above fifty",
        "Send 2000 invitations",  # a bare number is a count even if it could be a year
        "Launch in 2000 stores",
        "Engagement rate 2%",
        "A-business revenue +80%",
        "Grow revenue 50% with better quality and sustainability",
        "Improve overall business level",  # vague, but not a task
        "Newsletter",
        "",
        "   ",
        "Planning quality",  # "planning" is not the verb "plan"
        "Documentation is complete",  # "documentation" is not the verb "document"
    ],
)
def test_english_result_or_non_verb_opening_is_not_task_like(title: str) -> None:
    assert not looks_like_task(title)


@pytest.mark.parametrize(
    "title",
    [
        "上线新版官网",
        "举办年度发布会",
        "完成品牌手册",
        "组织行业沙龙",
        "撰写案例研究",
        "搭建营销自动化流程",
        "招聘内容运营",
        "上线百度推广",  # 百度 is a name, not a hundred
        "上线统一登录",  # the 一 of 统一 is not a count
        "建立一个线上社区",  # 一个 is "a", not a count
        "上线新版官网（12月31日前）",  # a date is not a measure
        "发布第三季度报告",
        "  上线新版官网",
        "1、上线新版官网",
    ],
)
def test_chinese_action_without_measure_is_task_like(title: str) -> None:
    assert looks_like_task(title)


@pytest.mark.parametrize(
    "title",
    [
        "官网月访问量达到 10 万",
        "上线新版官网，月访问量达到10万",
        "上线新版官网，月访问量达到１０万",  # full-width digits
        "上线新版官网，月访问达到十万",  # Chinese numeral with unit
        "举办两场客户大会",  # numeral with a measure word
        "举办百万观众直播",  # 百万, a million
        "为四个行业编写销售手册",
        "完成五千条线索",
        "优化注册转化率",
        "上线会员体系，提升复购",
        "推出新品，营收增长30%",
        "开发企业客户",
        "上线新版官网，粉丝突破五万",
        "招聘渠道占比过半",
        "海外市场份额从20%到40%",
        "官网改版",  # no action verb opening
    ],
)
def test_chinese_result_or_count_is_not_task_like(title: str) -> None:
    assert not looks_like_task(title)


def test_q4_prefix_before_chinese_text_is_read_as_a_date() -> None:
    assert looks_like_task("上线新版官网 Q4")
    assert looks_like_task("上线新版官网Q4")


def test_task_like_title_yields_the_task_like_code() -> None:
    warnings = kr_warnings(
        title="上线新版官网", target=1, has_owner=True, milestone=False, ref="KR9"
    )
    assert warnings == [QualityWarning("task_like", "KR9")]
