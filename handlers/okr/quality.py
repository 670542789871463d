"""Coaching checks on how OKRs are written, as codes the UI layer words.

These are hints, not rules: nothing here blocks saving. The heuristics lean
towards staying quiet, because a coach that nags about good KRs gets ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "MAX_KRS_PER_OBJECTIVE",
    "MAX_OBJECTIVES_PER_OWNER",
    "QualityCode",
    "QualityWarning",
    "kr_warnings",
    "looks_like_task",
    "objective_warnings",
]

# The method's focus rule: 2–3 objectives per person and at most 3–5 KRs each.
MAX_OBJECTIVES_PER_OWNER = 3
MAX_KRS_PER_OBJECTIVE = 5


class QualityCode(StrEnum):
    """Warning codes; members compare equal to their plain string values."""

    TOO_MANY_OBJECTIVES = "too_many_objectives"
    TOO_MANY_KRS = "too_many_krs"
    NO_TARGET = "no_target"
    NO_OWNER = "no_owner"
    TASK_LIKE = "task_like"


@dataclass(frozen=True, slots=True)
class QualityWarning:
    """One coaching hint: a code from QualityCode and the O/KR reference it is about."""

    code: str
    ref: str | None = None


def objective_warnings(
    *, owner_objective_count: int, kr_count: int, ref: str | None = None
) -> list[QualityWarning]:
    """Focus hints for an objective.

    `owner_objective_count` is how many objectives its owner has in the cycle,
    this one included; `kr_count` how many KRs it has. Warns "too_many_objectives"
    above 3 and "too_many_krs" above 5, in that order. Raises ValueError for a
    negative count.
    """
    if owner_objective_count < 0 or kr_count < 0:
        raise ValueError("counts cannot be negative")
    warnings: list[QualityWarning] = []
    if owner_objective_count > MAX_OBJECTIVES_PER_OWNER:
        warnings.append(QualityWarning(QualityCode.TOO_MANY_OBJECTIVES, ref))
    if kr_count > MAX_KRS_PER_OBJECTIVE:
        warnings.append(QualityWarning(QualityCode.TOO_MANY_KRS, ref))
    return warnings


def kr_warnings(
    *,
    title: str,
    target: float | None,
    has_owner: bool,
    milestone: bool,
    ref: str | None = None,
) -> list[QualityWarning]:
    """Hints for one key result, in the order no_target, no_owner, task_like.

    Milestone KRs are done/not done and never get "no_target", but can still be
    worded as a task.
    """
    warnings: list[QualityWarning] = []
    if target is None and not milestone:
        warnings.append(QualityWarning(QualityCode.NO_TARGET, ref))
    if not has_owner:
        warnings.append(QualityWarning(QualityCode.NO_OWNER, ref))
    if looks_like_task(title):
        warnings.append(QualityWarning(QualityCode.TASK_LIKE, ref))
    return warnings


# English verbs that open a to-do rather than a result ("Launch the newsletter").
# Result verbs (reach, grow, increase, reduce, improve, double) are deliberately
# absent: "Grow followers" is vague but not a task.
_EN_TASK_VERBS = frozenset(
    {
        "analyse", "analyze", "arrange", "attend", "build", "complete", "conduct",
        "configure", "coordinate", "create", "deliver", "deploy", "design", "develop",
        "do", "document", "draft", "establish", "execute", "finalise", "finalize",
        "finish", "hire", "hold", "host", "implement", "install", "integrate",
        "introduce", "launch", "make", "migrate", "organise", "organize", "perform",
        "plan", "prepare", "produce", "publish", "recruit", "redesign", "refactor",
        "release", "research", "review", "rewrite", "run", "schedule", "send", "ship",
        "start", "submit", "test", "train", "translate", "update", "upgrade", "write",
    }
)  # fmt: skip

# Two-word openings whose first word alone is too common to count.
_EN_TASK_PHRASES = frozenset({("set", "up"), ("roll", "out"), ("kick", "off")})

# Words that make a title measurable even without a digit. Audience nouns are
# plural on purpose: "Launch the user portal" is still a task.
_EN_MEASURE_WORDS = frozenset(
    {
        "arr", "churn", "conversion", "conversions", "customers", "decrease",
        "double", "followers", "growth", "increase", "leads", "mrr", "nps",
        "percent", "percentage", "rate", "ratio", "reduce", "retention", "revenue",
        "roi", "share", "signups", "subscribers", "triple", "users", "visitors",
    }
)  # fmt: skip

# Spelled-out numbers count like digits: "Hire two engineers" names a result.
# "one" is left out: "a one-pager" or "one-stop portal" is not a count.
_EN_NUMBER_WORDS = frozenset(
    {
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "hundred",
        "thousand", "million", "billion", "dozen", "dozens", "hundreds", "thousands",
    }
)  # fmt: skip

# Chinese verbs that open a to-do (上线新版官网, 举办发布会).
_ZH_TASK_VERBS = frozenset(
    {
        "上线", "举办", "优化", "准备", "出席", "创建", "制作", "制定", "召开", "启动",
        "参与", "参加", "发布", "发送", "安排", "实施", "对接", "建立", "建设", "开发",
        "开展", "开设", "开通", "执行", "拍摄", "招聘", "推出", "推进", "搭建", "撰写",
        "整理", "梳理", "更新", "策划", "筹备", "组建", "组织", "编写", "编制", "落地",
        "落实", "设计", "输出", "迁移", "部署", "重构", "升级", "完成",
    }
)  # fmt: skip

# Chinese words that make a title measurable (率 covers 转化率, 留存率, 完成率…).
_ZH_MEASURE_WORDS = frozenset(
    {
        "%", "％", "百分之", "率", "占比", "增长", "提升", "提高", "降低", "减少",
        "收入", "营收", "销售额", "销量", "用户", "客户", "粉丝", "份额", "线索",
        "访问量", "流量", "翻倍", "翻番",
    }
)  # fmt: skip

# A Chinese numeral is a count when it carries a unit (五千, 十万, 二十) or, for
# numerals other than 一, a measure word (两场, 四个行业). 一 with a measure word
# is usually just "a/an" (一个平台), and a lone 百 is often a name (百度).
_ZH_NUMBER = re.compile(
    "[零〇一二两三四五六七八九十百千万][十百千万亿]"
    "|[二两三四五六七八九十][个场次家名位篇款项条份套本人倍成户]"
)

# Dates say when, not how much: "Launch the newsletter by Dec 31" is still a task,
# so date-like text is removed before looking for numbers. A bare year stays a
# number ("Send 2000 emails" must not turn into a task).
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# Boundaries on ASCII only: \b would not split "Q4" from a following Chinese word.
_B = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"
_DATE_LIKE = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # 2026-12-31
    rf"|{_B}\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?{_E}"  # 12/31, 31/12/2026
    rf"|{_B}{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?{_E}(?:,?\s*\d{{4}})?"  # Dec 31, 2026
    rf"|{_B}\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}{_E}(?:\s+\d{{4}})?"  # 31 Dec
    rf"|{_B}(?:q[1-4]|h[12]|w\d{{1,2}}|fy\s?\d{{2,4}}){_E}(?:\s+\d{{4}})?"  # Q4, H1, W48
    # "by 2026", but not "in 2000 stores"
    rf"|{_B}(?:by|in|before|until|till|since|during)\s+\d{{4}}{_E}(?!\s*[a-z])"
    r"|\d{1,2}:\d{2}"  # 17:00
    r"|\d{4}\s*年|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?|\d{1,2}\s*[日号]",  # 12月31日
    re.IGNORECASE,
)

_EN_WORD = re.compile(r"[a-z]+")
_EN_OPENING = re.compile(r"(?:to\s+)?([a-z]+)(?:[\s-]+([a-z]+))?")
# Bullets and numbering people paste in front of a title ("- ", "1. ", "•").
_LEADING_NOISE = re.compile(r"^[\s\-*•·–—>]*(?:\d+[.)、]\s*)?")


def _opens_with_task_verb(text: str) -> bool:
    if any(text.startswith(verb) for verb in _ZH_TASK_VERBS):
        return True
    opening = _EN_OPENING.match(text.lower())
    if opening is None:
        return False
    first, second = opening.group(1), opening.group(2)
    return first in _EN_TASK_VERBS or (first, second) in _EN_TASK_PHRASES


def _is_measurable(text: str) -> bool:
    without_dates = _DATE_LIKE.sub(" ", text)
    if any(ch.isdigit() for ch in without_dates):
        return True
    if _ZH_NUMBER.search(without_dates):
        return True
    if any(word in text for word in _ZH_MEASURE_WORDS):
        return True
    words = set(_EN_WORD.findall(text.lower()))
    return not words.isdisjoint(_EN_MEASURE_WORDS | _EN_NUMBER_WORDS)


def looks_like_task(title: str) -> bool:
    """Whether a KR title reads as a task to do rather than a result to reach.

    True when the title opens with an action verb (English, also after "to ";
    or Chinese such as 上线/举办/完成) and nothing in it is measurable: no digit
    (ASCII or full-width), no spelled-out or Chinese number (五千, 两场), no
    measurable word (rate, revenue, followers, 率, 用户, %…). Dates do not count
    as numbers, so "Launch the newsletter by Dec 31" is still a task.
    """
    text = _LEADING_NOISE.sub("", title.strip())
    return bool(text) and _opens_with_task_verb(text) and not _is_measurable(text)
