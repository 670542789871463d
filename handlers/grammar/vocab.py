"""The words of the grammar: verbs with their aliases, keywords, and usage lines.

Aliases are matched in `norm` form, so "CheckIn", "ＫＲ" and "？" work; the
tables hold them as people read them in help.
"""

from __future__ import annotations

from typing import TypeVar

from handlers.grammar.commands import (
    AskAction,
    CycleKind,
    KRField,
    Language,
    Moment,
    ReviewQuestion,
)
from handlers.grammar.lexer import norm

T = TypeVar("T")

VERBS: dict[str, tuple[str, ...]] = {
    "my": ("我的",),
    "help": ("帮助", "?"),
    "new": ("新建", "新目标"),
    "kr": ("关键结果",),
    "checkin": ("签到", "打卡", "更新", "update"),
    "plan": ("计划", "周计划"),
    "show": ("查看", "看"),
    "team": ("团队",),
    "ask": ("求助", "请求协助"),
    "kudos": ("点赞", "夸夸", "感谢", "thanks"),
    "align": ("对齐",),
    "score": ("评分", "打分"),
    "draft": ("共创", "头脑风暴"),
    "review": ("述职",),
    "feedback": ("反馈",),
    "committee": ("委员会", "评分委员会"),
    "settings": ("设置",),
    "away": ("请假", "休假"),
    "export": ("导出",),
    "import": ("导入",),
}

# Canonical first so USAGE and help list verbs in this order.
VERB_OF: dict[str, str] = {}
for _verb, _aliases in VERBS.items():
    for _word in (_verb, *_aliases):
        VERB_OF[norm(_word)] = _verb

# Aliases that Chinese speakers may glue to what follows ("签到KR12 6000"), longest first
# so that "周计划" wins over "计划".
GLUED_ALIASES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        (
            (alias, verb)
            for verb, aliases in VERBS.items()
            for alias in aliases
            if not alias.isascii()
        ),
        key=lambda pair: -len(pair[0]),
    )
)


def words(*forms: str) -> frozenset[str]:
    return frozenset(norm(f) for f in forms)


def table(*rows: tuple[frozenset[str], T]) -> dict[str, T]:
    """Word -> canonical meaning, from (words, meaning) rows."""
    return {word: meaning for forms, meaning in rows for word in forms}


HELP_WORDS = words("help", "帮助", "?", "-h", "--help")

# new
COMMITTED = words("committed", "承诺型", "承诺")
ASPIRATIONAL = words("aspirational", "挑战型", "挑战")
TEAM_WORDS = words("team", "团队")
WEIGHT_WORDS = words("weight", "权重")
ARROWS = words("->", "→", "=>", "⟶", "~", "to", "到", "至")
MILESTONE_WORDS = words("done", "milestone", "里程碑")

# kr
ADD_WORDS = words("add", "添加", "新增")
DELETE_WORDS = words("delete", "remove", "删除")
KR_FIELDS: dict[str, KRField] = table(
    (words("target", "目标值", "目标"), "target"),
    (words("start", "起始值", "起点", "初始值"), "start"),
    (words("current", "当前值", "当前"), "current"),
    (words("unit", "单位"), "unit"),
    (words("weight", "权重"), "weight"),
    (words("title", "标题", "名称"), "title"),
    (words("owner", "负责人"), "owner"),
)

# checkin
DONE_VALUES = words("done", "完成", "已完成")
CONFIDENCE_WORDS = words("confidence", "conf", "c", "信心", "信心指数", "信心值")
# "checkin KR12 by -500": a change, whatever the KR allows.
CHANGE_WORDS = words("by", "change", "变化", "增减", "变动")

# plan
LIST_WORDS = words("list", "列表")
PLAN_ACTIONS: dict[str, str] = table(
    (LIST_WORDS, "list"),
    (ADD_WORDS, "add"),
    (words("done", "完成"), "done"),
    (words("drop", "放弃", "取消"), "drop"),
    (words("carry", "顺延"), "carry"),
    (words("edit", "修改", "编辑"), "edit"),
)
TITLE_WORDS = words("title", "标题", "名称")
HELPER_WORDS = words("with", "helper", "helpers", "协助", "协助人")
OWNER_WORDS = words("owner", "负责人")
DUE_WORDS = words("due", "by", "截止", "截至", "到期")

# team
TEAM_ACTIONS: dict[str, str] = table(
    (words("digest", "庆功", "周报"), "digest"),
    (words("new", "创建", "新建"), "new"),
    (words("join", "加入"), "join"),
    (ADD_WORDS, "add"),
)

# ask
ASK_UPDATES: dict[str, AskAction] = table(
    (words("accept", "接受"), "accept"),
    (words("decline", "拒绝"), "decline"),
    (words("done", "完成"), "done"),
    (words("cancel", "取消", "撤销"), "cancel"),
)

# align
NONE_WORDS = words("none", "取消", "清除", "无")

# settings
LANGUAGE_WORDS = words("language", "lang", "语言")
TIMEZONE_WORDS = words("timezone", "tz", "时区")
CYCLE_WORDS = words("cycle", "周期")
CHANNEL_WORDS = words("channel", "频道", "群")
HOLIDAY_WORDS = words("holiday", "holidays", "假期")
LANGUAGES: dict[str, Language] = table(
    (words("en", "english", "英文", "英语", "en-us", "en_us", "en-gb"), "en"),
    (words("zh", "chinese", "中文", "汉语", "简体中文", "zh-cn", "zh_cn", "zh-hans", "cn"), "zh"),
)
MOMENTS: dict[str, Moment] = table(
    (words("plan", "计划", "周计划", "规划"), "plan"),
    (words("checkin", "签到", "打卡", "更新"), "checkin"),
    (words("digest", "庆功", "周报"), "digest"),
)
CYCLES: dict[str, CycleKind] = table(
    (words("quarter", "quarterly", "季度"), "quarter"),
    (words("bimonthly", "two-monthly", "双月"), "bimonthly"),
    (words("monthly", "month", "月度"), "monthly"),
    (words("annual", "annually", "yearly", "year", "年度"), "annual"),
    (
        words("annual-quarterly", "yearly-quarterly", "年度+季度", "年度季度", "年目标季度结果"),
        "annual-quarterly",
    ),
)
SCALES: dict[str, int] = table(
    (words("1", "0-1", "0~1", "0..1"), 1),
    (words("10", "0-10", "0~10", "0..10", "10分", "十分制", "10分制"), 10),
)
COMMITTEE_WORDS = words("committee", "委员会", "评分委员会")
SETTINGS_ACTIONS: dict[str, str] = table(
    (LANGUAGE_WORDS, "language"),
    (TIMEZONE_WORDS, "timezone"),
    (TEAM_WORDS, "team"),
    (CYCLE_WORDS, "cycle"),
    (words("reminders", "reminder", "提醒"), "reminders"),
    (words("scale", "评分制", "分制"), "scale"),
)
ON_OFF: dict[str, bool] = table(
    (words("on", "yes", "开", "打开", "开启"), True),
    (words("off", "no", "关", "关闭"), False),
)
QUEUE_WORDS = words("queue", "review", "队列", "审核")
TEAM_SETTINGS: dict[str, str] = table(
    (frozenset(MOMENTS), "rhythm"),
    (CHANNEL_WORDS, "channel"),
    (TIMEZONE_WORDS, "timezone"),
    (HOLIDAY_WORDS, "holiday"),
    (LANGUAGE_WORDS, "language"),
    (COMMITTEE_WORDS, "committee"),
    (CYCLE_WORDS, "cycle"),
)

# draft
ANONYMOUS_WORDS = words("anonymous", "anon", "匿名")
ALIGN_WORDS = words("align", "aligned", "对齐")
DRAFT_ACTIONS: dict[str, str] = table(
    (words("start", "开始", "发起"), "start"),
    (words("propose", "idea", "提议", "提案"), "propose"),
    (words("kr", "关键结果"), "kr"),
    (words("vote", "投票"), "vote"),
    (words("next", "下一轮"), "next"),
    (words("finish", "finalise", "finalize", "定稿"), "finish"),
    (words("cancel", "取消"), "cancel"),
    (words("status", "状态"), "status"),
)

# review
REVIEW_QUESTIONS: dict[str, ReviewQuestion] = table(
    (words("breakthroughs", "breakthrough", "突破"), "breakthroughs"),
    (words("problems", "problem", "问题"), "problems"),
    (words("lessons", "lesson", "经验", "教训"), "lessons"),
)
REVIEW_ACTIONS: dict[str, str] = table(
    (words("pack", "材料"), "pack"),
    (words("agenda", "议程"), "agenda"),
    (words("answer", "answers", "回答"), "answer"),
    (frozenset(REVIEW_QUESTIONS), "question"),
)

# feedback
FEEDBACK_ACTIONS: dict[str, str] = table(
    (words("ask", "征求", "邀请"), "ask"),
    (words("give", "填写"), "give"),
    (LIST_WORDS, "list"),
)

# committee
COMMITTEE_ACTIONS: dict[str, str] = table(
    (words("propose", "提议", "建议"), "propose"),
    (words("confirm", "确认"), "confirm"),
)

# away
AWAY_ACTIONS: dict[str, str] = table(
    (LIST_WORDS, "list"),
    (words("cancel", "取消", "撤销"), "cancel"),
)
UNTIL_WORDS = words("until", "till", "直到", "到")
RANGE_WORDS = words("to", "到", "至", "~", "-", "–", "—", "until", "till")

# Lines in English syntax, each a working example: help and error messages
# show them, and a test parses every one.
USAGE: dict[str, list[str]] = {
    "my": ["my"],
    "help": ["help", "help checkin"],
    "new": [
        "new",
        "new Raise brand awareness aspirational team:Marketing"
        " | Followers in target countries: 0 -> 10000 followers weight 2 @alice"
        " | Engagement rate: 2%",
        "new Launch the EU store committed | Store live: done @bob | Payment providers",
    ],
    "kr": [
        "kr add O3 Newsletter subscribers: 0 -> 5000 weight 2 @bob",
        "kr KR12 target 12000",
        "kr KR12 current 500",
        "kr KR12 unit followers",
        "kr KR12 owner @bob",
        "kr KR12 delete",
    ],
    "checkin": [
        "checkin",
        "checkin KR12",
        'checkin KR12 6000 confidence 7 "note"',
        "checkin KR12 +500 c8 https://docs.example.com/weekly",
        "checkin KR7 done",
    ],
    "plan": [
        "plan",
        "plan list @alice",
        "plan list team Growth",
        "plan add Draft the launch post KR12 with @bob due fri",
        "plan done T40 T41",
        "plan drop T40",
        "plan carry T40",
        "plan edit T40 title Draft the launch post KR12 due thu with @bob",
    ],
    "show": ["show @alice", "show team Growth", "show KR12"],
    "team": [
        "team",
        "team Growth",
        "team digest Growth",
        "team new Growth #growth",
        "team join Growth",
        "team add Growth @alice @bob",
    ],
    "ask": [
        'ask @bob KR12 "Can you review the landing page?"',
        "ask list",
        "ask accept H5",
        "ask decline H5 no time this week",
        "ask done H5 thanks!",
        "ask cancel H5",
    ],
    "kudos": ["kudos @alice KR12 the launch post brought 800 sign-ups"],
    "align": ["align O3 to O1", "align O3 to KR2", "align O3 none"],
    "score": [
        "score",
        "score O3",
        "score KR12 0.7 reached 7,000 of 10,000",
        "score queue",
    ],
    "draft": [
        "draft",
        "draft start Marketing anonymous align O1",
        "draft propose Be the brand buyers name first | Inbound leads: 300 -> 600 leads",
        "draft kr #2 Newsletter subscribers: 1000 -> 5000",
        "draft vote #1 #3",
        "draft next",
        "draft finish #1 #3",
        "draft cancel",
    ],
    "review": [
        "review",
        "review pack @alice",
        "review agenda Marketing",
        "review answer",
        "review breakthroughs Reels in Brazil tripled our reach",
        "review problems Influencer contracts took four weeks",
        "review lessons Test a format small before scaling it",
    ],
    "feedback": [
        "feedback @alice",
        "feedback ask @alice",
        "feedback ask @alice @zhao @bob",
        'feedback give @alice 4 "the launch posts brought partners in"',
        "feedback list",
    ],
    "committee": [
        "committee",
        "committee @alice",
        'committee propose KR11 0.6 "the target was lowered in November"',
        "committee confirm KR11",
        'committee confirm KR11 0.5 "agreed in the committee"',
    ],
    "settings": [
        "settings",
        "settings language zh",
        "settings timezone Asia/Shanghai",
        "settings cycle quarter",
        "settings scale 10",
        "settings reminders off",
        "settings team Growth plan mon 09:30",
        "settings team Growth digest fri 17:00",
        "settings team Growth channel #growth",
        "settings team Growth timezone Europe/Paris",
        "settings team Growth holiday 2026-10-01 2026-10-02",
        "settings team Growth holidays CN",
        "settings team Growth language en",
        "settings team Growth cycle bimonthly",
        "settings team Growth committee @chen @li",
    ],
    "away": [
        "away 2026-12-01 2026-12-05 family trip",
        "away until fri",
        "away list",
        "away cancel",
    ],
    "export": ["export", "export Growth"],
    "import": ["import"],
}

# The same examples in Chinese words, line for line: Chinese help and error
# messages show these, so a Chinese reader never has to type an English
# keyword. A test checks each parses to the command its English line does.
USAGE_ZH: dict[str, list[str]] = {
    "my": ["我的"],
    "help": ["帮助", "帮助 签到"],
    "new": [
        "新建",
        "新建 提升品牌知名度 挑战型 团队:Marketing"
        " | 目标国家粉丝数：0 -> 10000 粉丝 权重 2 @alice"
        " | 互动率：2%",
        "新建 上线欧洲商店 承诺型 | 商店上线：里程碑 @bob | 支付渠道",
    ],
    "kr": [
        "关键结果 添加 O3 订阅用户数：0 -> 5000 权重 2 @bob",
        "关键结果 KR12 目标值 12000",
        "关键结果 KR12 当前值 500",
        "关键结果 KR12 单位 粉丝",
        "关键结果 KR12 负责人 @bob",
        "关键结果 KR12 删除",
    ],
    "checkin": [
        "签到",
        "签到 KR12",
        "签到 KR12 6000 信心 7 “备注”",
        "签到 KR12 +500 信心 8 https://docs.example.com/weekly",
        "签到 KR7 完成",
    ],
    "plan": [
        "计划",
        "计划 列表 @alice",
        "计划 列表 团队 Growth",
        "计划 添加 起草发布文章 KR12 协助 @bob 截止 周五",
        "计划 完成 T40 T41",
        "计划 放弃 T40",
        "计划 顺延 T40",
        "计划 修改 T40 标题 起草发布文章 KR12 截止 周四 协助 @bob",
    ],
    "show": ["查看 @alice", "查看 团队 Growth", "查看 KR12"],
    "team": [
        "团队",
        "团队 Growth",
        "团队 周报 Growth",
        "团队 新建 Growth #growth",
        "团队 加入 Growth",
        "团队 添加 Growth @alice @bob",
    ],
    "ask": [
        "求助 @bob KR12 “能帮忙看看落地页吗？”",
        "求助 列表",
        "求助 接受 H5",
        "求助 拒绝 H5 这周没时间",
        "求助 完成 H5 谢谢！",
        "求助 取消 H5",
    ],
    "kudos": ["点赞 @alice KR12 发布文章带来了 800 个注册"],
    "align": ["对齐 O3 到 O1", "对齐 O3 到 KR2", "对齐 O3 取消"],
    "score": ["评分", "评分 O3", "评分 KR12 0.7 完成了 7,000 / 10,000", "评分 审核"],
    "draft": [
        "共创",
        "共创 开始 Marketing 匿名 对齐 O1",
        "共创 提议 成为买家首先想到的品牌 | 入站线索：300 -> 600 条",
        "共创 关键结果 #2 订阅用户数：1000 -> 5000",
        "共创 投票 #1 #3",
        "共创 下一轮",
        "共创 定稿 #1 #3",
        "共创 取消",
    ],
    "review": [
        "述职",
        "述职 材料 @alice",
        "述职 议程 Marketing",
        "述职 回答",
        "述职 突破 巴西的短视频让曝光翻了三倍",
        "述职 问题 网红合同花了四周才签下来",
        "述职 经验 新形式先小范围试，再放大",
    ],
    "feedback": [
        "反馈 @alice",
        "反馈 征求 @alice",
        "反馈 征求 @alice @zhao @bob",
        "反馈 填写 @alice 4 “发布文章带来了合作伙伴”",
        "反馈 列表",
    ],
    "committee": [
        "委员会",
        "委员会 @alice",
        "委员会 提议 KR11 0.6 “十一月下调了目标”",
        "委员会 确认 KR11",
        "委员会 确认 KR11 0.5 “委员会一致同意”",
    ],
    "settings": [
        "设置",
        "设置 语言 zh",
        "设置 时区 Asia/Shanghai",
        "设置 周期 季度",
        "设置 评分制 10",
        "设置 提醒 关闭",
        "设置 团队 Growth 计划 周一 09:30",
        "设置 团队 Growth 周报 周五 17:00",
        "设置 团队 Growth 频道 #growth",
        "设置 团队 Growth 时区 Europe/Paris",
        "设置 团队 Growth 假期 2026-10-01 2026-10-02",
        "设置 团队 Growth 假期 CN",
        "设置 团队 Growth 语言 en",
        "设置 团队 Growth 周期 双月",
        "设置 团队 Growth 委员会 @chen @li",
    ],
    "away": [
        "请假 2026-12-01 2026-12-05 家庭旅行",
        "请假 直到 周五",
        "请假 列表",
        "请假 取消",
    ],
    "export": ["导出", "导出 Growth"],
    "import": ["导入"],
}
