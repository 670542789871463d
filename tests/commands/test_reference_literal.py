"""The user reference, written out: aliases, examples and translations as people read them.

These tests list what is documented literally instead of reading it from the
code, so deleting an alias, changing what an example means or mistranslating
a message with its placeholders swapped fails here.
"""

from __future__ import annotations

import datetime  # noqa: F401  (the expected reprs below name datetime.date)
from datetime import date

import pytest

from handlers import grammar as g
from handlers.grammar.commands import *  # noqa: F403  (the expected reprs name them)
from handlers.i18n import translator
from handlers.usecases.help import usage_lines
from tests.commands.test_grammar import _documented_examples

TODAY = date(2026, 11, 25)  # a Wednesday

# Every verb with every alias docs/COMMANDS.md promises ("All commands at a glance").
ALIASES = {
    "my": ["我的"],
    "help": ["帮助", "?"],
    "new": ["新建", "新目标"],
    "kr": ["关键结果"],
    "checkin": ["签到", "打卡", "更新", "update"],
    "plan": ["计划", "周计划"],
    "show": ["查看", "看"],
    "team": ["团队"],
    "ask": ["求助", "请求协助"],
    "kudos": ["点赞", "夸夸", "感谢", "thanks"],
    "align": ["对齐"],
    "score": ["评分", "打分"],
    "draft": ["共创", "头脑风暴"],
    "review": ["述职"],
    "feedback": ["反馈"],
    "committee": ["委员会", "评分委员会"],
    "settings": ["设置"],
    "away": ["请假", "休假"],
}
# One line per verb that each alias must read the same as.
SAMPLES = {
    "my": "",
    "help": "checkin",
    "new": "Win | Signups: 0 -> 10",
    "kr": "KR12 target 12000",
    "checkin": "KR12 6000 confidence 7",
    "plan": "add Draft the post KR12 due fri",
    "show": "KR12",
    "team": "digest Growth",
    "ask": "@bob KR12 review please",
    "kudos": "@bob thanks for the review",
    "align": "O3 to O1",
    "score": "KR12 0.7",
    "draft": "vote #1 #3",
    "review": "pack @alice",
    "feedback": "give @alice 4 great help",
    "committee": "propose KR12 0.6 harder than it looked",
    "settings": "language zh",
    "away": "until fri",
}


@pytest.mark.parametrize(
    ("verb", "alias"), [(verb, alias) for verb, aliases in ALIASES.items() for alias in aliases]
)
def test_every_documented_alias_reads_as_its_verb(verb: str, alias: str) -> None:
    line = f"{alias} {SAMPLES[verb]}".strip()
    assert g.parse(line, today=TODAY) == g.parse(f"{verb} {SAMPLES[verb]}", today=TODAY)


def test_the_reference_table_lists_exactly_these_aliases() -> None:
    table = open_reference().split("## All commands at a glance")[1]
    for verb, aliases in ALIASES.items():
        row = next(r for r in table.splitlines() if r.startswith(f"| `{verb}`"))
        assert row.split("|")[2].strip() == ", ".join(f"`{a}`" for a in aliases)


def open_reference() -> str:
    from tests.commands.test_grammar import COMMANDS_MD

    return COMMANDS_MD.read_text(encoding="utf-8")


# The usage lines help and error messages show, in each language, as printed.
USAGE_CHECKIN = {
    "en": [
        "/okr checkin",
        "/okr checkin KR12",
        '/okr checkin KR12 6000 confidence 7 "note"',
        "/okr checkin KR12 +500 c8 https://docs.example.com/weekly",
        "/okr checkin KR7 done",
    ],
    "zh": [
        "/okr 签到",
        "/okr 签到 KR12",
        "/okr 签到 KR12 6000 信心 7 “备注”",
        "/okr 签到 KR12 +500 信心 8 https://docs.example.com/weekly",
        "/okr 签到 KR7 完成",
    ],
}
USAGE_PLAN_ZH = [
    "/okr 计划",
    "/okr 计划 列表 @alice",
    "/okr 计划 列表 团队 Growth",
    "/okr 计划 添加 起草发布文章 KR12 协助 @bob 截止 周五",
    "/okr 计划 完成 T40 T41",
    "/okr 计划 放弃 T40",
    "/okr 计划 顺延 T40",
    "/okr 计划 修改 T40 标题 起草发布文章 KR12 截止 周四 协助 @bob",
]


def test_usage_lines_are_printed_as_documented() -> None:
    for locale, lines in USAGE_CHECKIN.items():
        assert usage_lines(translator(locale), "checkin") == lines
    assert usage_lines(translator("zh"), "plan") == USAGE_PLAN_ZH


# English keywords a Chinese reader must never be shown as something to type.
ENGLISH_KEYWORDS = {
    "add", "done", "confidence", "conf", "with", "due", "list", "drop", "carry", "team",
    "digest", "new", "join", "accept", "decline", "to", "none", "target", "current", "unit",
    "owner", "delete", "weight", "language", "timezone", "cycle", "channel", "holiday",
    "until", "cancel", "quarter", "plan", "committed", "aspirational", "milestone",
}  # fmt: skip


@pytest.mark.parametrize("verb", sorted(g.USAGE))
def test_chinese_usage_uses_chinese_words_and_means_the_english_line(verb: str) -> None:
    english = usage_lines(translator("en"), verb)
    chinese = usage_lines(translator("zh"), verb)
    assert len(english) == len(chinese) > 0
    for en, zh in zip(english, chinese, strict=True):
        words = {w.casefold().strip('“”"') for w in zh.removeprefix("/okr ").split()}
        assert not words & ENGLISH_KEYWORDS, zh
        assert shape(g.parse(zh.removeprefix("/okr "), today=TODAY)) == shape(
            g.parse(en.removeprefix("/okr "), today=TODAY)
        ), zh


def shape(cmd: object) -> object:
    """The command with its free text (titles, notes, units) left out."""
    from dataclasses import fields, is_dataclass

    if isinstance(cmd, tuple):
        return tuple(shape(c) for c in cmd)
    if is_dataclass(cmd) and not isinstance(cmd, type):
        text = {"title", "note", "text", "reason", "unit"}
        if getattr(cmd, "field", None) in ("title", "unit"):
            text.add("value")
        return (
            type(cmd).__name__,
            tuple((f.name, shape(getattr(cmd, f.name))) for f in fields(cmd) if f.name not in text),
        )
    return cmd


DOCUMENTED = {
    '': 'MyOkrs()',
    'my': 'MyOkrs()',
    '我的': 'MyOkrs()',
    'help': "Help(topic=None, unknown='')",
    'help checkin': "Help(topic='checkin', unknown='')",
    '帮助 签到': "Help(topic='checkin', unknown='')",
    'new Raise brand awareness in target markets aspirational | Instagram followers in target countries: 0 -> 10000 weight 2 @alice | Engagement rate: 2% | Launch the EU store: done': "NewObjective(title='Raise brand awareness in target markets', kind='aspirational', team=None, krs=(KRSpec(title='Instagram followers in target countries', start=0.0, target=10000.0, unit='', milestone=False, weight=2.0, owner=PersonRef(token='@alice')), KRSpec(title='Engagement rate', start=0.0, target=2.0, unit='%', milestone=False, weight=1.0, owner=None), KRSpec(title='Launch the EU store', start=0.0, target=1.0, unit='', milestone=True, weight=1.0, owner=None)))",
    '新建 提升目标市场品牌知名度 挑战型 团队：市场部 ｜ 目标国家粉丝数：0 → 1万 粉丝 权重 2 @alice ｜ 互动率：2% ｜ 上线欧洲商城：里程碑': "NewObjective(title='提升目标市场品牌知名度', kind='aspirational', team='市场部', krs=(KRSpec(title='目标国家粉丝数', start=0.0, target=10000.0, unit='粉丝', milestone=False, weight=2.0, owner=PersonRef(token='@alice')), KRSpec(title='互动率', start=0.0, target=2.0, unit='%', milestone=False, weight=1.0, owner=None), KRSpec(title='上线欧洲商城', start=0.0, target=1.0, unit='', milestone=True, weight=1.0, owner=None)))",
    'kr add O3 Newsletter subscribers: 0 -> 5000 weight 2 @bob': "AddKR(objective=Ref(kind='O', number=3), spec=KRSpec(title='Newsletter subscribers', start=0.0, target=5000.0, unit='', milestone=False, weight=2.0, owner=PersonRef(token='@bob')))",
    'kr KR12 target 12000': "EditKR(kr=Ref(kind='KR', number=12), field='target', value=12000.0)",
    'kr KR12 owner @bob': "EditKR(kr=Ref(kind='KR', number=12), field='owner', value=PersonRef(token='@bob'))",
    'kr KR12 delete': "DeleteKR(kr=Ref(kind='KR', number=12))",
    '关键结果 添加 O3 订阅用户数：0 → 5000 权重 2 @bob': "AddKR(objective=Ref(kind='O', number=3), spec=KRSpec(title='订阅用户数', start=0.0, target=5000.0, unit='', milestone=False, weight=2.0, owner=PersonRef(token='@bob')))",
    '关键结果 KR12 目标值 1.2万': "EditKR(kr=Ref(kind='KR', number=12), field='target', value=12000.0)",
    '关键结果 KR12 删除': "DeleteKR(kr=Ref(kind='KR', number=12))",
    'checkin KR12 6000 confidence 7 "2,000 new followers this week"': "Checkin(kr=Ref(kind='KR', number=12), value=6000.0, relative=False, confidence=7, note='2,000 new followers this week', links=(), done=False, unclear_sign=False)",
    'checkin KR12 +500 c8 weekly report https://docs.example.com/weekly': "Checkin(kr=Ref(kind='KR', number=12), value=500.0, relative=True, confidence=8, note='weekly report', links=('https://docs.example.com/weekly',), done=False, unclear_sign=False)",
    'checkin KR7 done': "Checkin(kr=Ref(kind='KR', number=7), value=1.0, relative=False, confidence=None, note='', links=(), done=True, unclear_sign=False)",
    '签到 KR12 6000 信心 7 “本周新增两千粉丝”': "Checkin(kr=Ref(kind='KR', number=12), value=6000.0, relative=False, confidence=7, note='本周新增两千粉丝', links=(), done=False, unclear_sign=False)",
    '打卡 KR12 +1.5万 信心8 详见 https://feishu.cn/docx/abc': "Checkin(kr=Ref(kind='KR', number=12), value=15000.0, relative=True, confidence=8, note='详见', links=('https://feishu.cn/docx/abc',), done=False, unclear_sign=False)",
    '签到 KR11 6500，信心 8，“视频不错”': "Checkin(kr=Ref(kind='KR', number=11), value=6500.0, relative=False, confidence=8, note='视频不错', links=(), done=False, unclear_sign=False)",
    'checkin KR11 by -200 c6 two unfollows': "Checkin(kr=Ref(kind='KR', number=11), value=-200.0, relative=True, confidence=6, note='two unfollows', links=(), done=False, unclear_sign=False)",
    'checkin KR5 =-12 margin still negative': "Checkin(kr=Ref(kind='KR', number=5), value=-12.0, relative=False, confidence=None, note='margin still negative', links=(), done=False, unclear_sign=False)",
    'plan add Draft the launch post KR12 with @bob due fri': "PlanAdd(title='Draft the launch post', kr=Ref(kind='KR', number=12), helpers=(PersonRef(token='@bob'),), owner=None, due=datetime.date(2026, 11, 27))",
    'plan done T40 T41': "PlanDone(tasks=(Ref(kind='T', number=40), Ref(kind='T', number=41)), links=())",
    'plan done T40 https://docs.example.com/launch-post': "PlanDone(tasks=(Ref(kind='T', number=40),), links=('https://docs.example.com/launch-post',))",
    '计划 添加 写推广文章 KR12 协助 @bob 截止 周五': "PlanAdd(title='写推广文章', kr=Ref(kind='KR', number=12), helpers=(PersonRef(token='@bob'),), owner=None, due=datetime.date(2026, 11, 27))",
    '周计划 完成 T40': "PlanDone(tasks=(Ref(kind='T', number=40),), links=())",
    '计划 顺延 T41': "PlanCarry(tasks=(Ref(kind='T', number=41),))",
    'plan edit T40 title Draft two launch posts due thu': "PlanEdit(task=Ref(kind='T', number=40), title='Draft two launch posts', kr=None, helpers=None, due=datetime.date(2026, 11, 26))",
    '计划 修改 T40 标题 写两篇推广文章 截止 周四': "PlanEdit(task=Ref(kind='T', number=40), title='写两篇推广文章', kr=None, helpers=None, due=datetime.date(2026, 11, 26))",
    '计划 列表 团队 增长组': "PlanList(person=None, team='增长组')",
    'show @alice': "ShowPerson(person=PersonRef(token='@alice'))",
    'show team Growth': "ShowTeam(name='Growth')",
    'show O3': "ShowRef(ref=Ref(kind='O', number=3))",
    '查看 KR12': "ShowRef(ref=Ref(kind='KR', number=12))",
    '看 团队 增长组': "ShowTeam(name='增长组')",
    'team new Growth EU #growth-eu': "TeamNew(name='Growth EU', channel='#growth-eu')",
    'team add Growth EU @alice @bob': "TeamAdd(name='Growth EU', people=(PersonRef(token='@alice'), PersonRef(token='@bob')))",
    '团队 庆功 增长组': "TeamDigest(name='增长组')",
    '团队 创建 增长组 #增长组': "TeamNew(name='增长组', channel='#增长组')",
    'ask @bob KR12 "Can you review the landing page by Thursday?"': "Ask(person=PersonRef(token='@bob'), kr=Ref(kind='KR', number=12), text='Can you review the landing page by Thursday?')",
    'ask done H5 thanks, that doubled the sign-ups!': "AskUpdate(request=Ref(kind='H', number=5), action='done', text='thanks, that doubled the sign-ups!')",
    '求助 @bob KR12 帮忙看下落地页': "Ask(person=PersonRef(token='@bob'), kr=Ref(kind='KR', number=12), text='帮忙看下落地页')",
    '求助 接受 H5': "AskUpdate(request=Ref(kind='H', number=5), action='accept', text='')",
    'kudos @alice KR12 the launch post brought 800 sign-ups': "Kudos(person=PersonRef(token='@alice'), kr=Ref(kind='KR', number=12), text='the launch post brought 800 sign-ups')",
    '点赞 @alice “发布会办得很成功”': "Kudos(person=PersonRef(token='@alice'), kr=None, text='发布会办得很成功')",
    '感谢 @bob KR12 帮忙review落地页': "Kudos(person=PersonRef(token='@bob'), kr=Ref(kind='KR', number=12), text='帮忙review落地页')",
    '对齐 O3 到 O1': "Align(objective=Ref(kind='O', number=3), parent=Ref(kind='O', number=1))",
    '对齐 O3 取消': "Align(objective=Ref(kind='O', number=3), parent=None)",
    'score KR12 0.7 reached 7,000 of 10,000': "Score(kr=Ref(kind='KR', number=12), value=0.7, reason='reached 7,000 of 10,000')",
    '评分 KR12 7分 完成七成，渠道拓展慢于预期': "Score(kr=Ref(kind='KR', number=12), value=0.7, reason='完成七成，渠道拓展慢于预期')",
    'draft start Marketing align O1': "DraftStart(team='Marketing', anonymous=False, parent=Ref(kind='O', number=1))",
    'draft propose Be the brand buyers name first | Inbound leads: 300 -> 600 leads': "DraftPropose(title='Be the brand buyers name first', krs=(KRSpec(title='Inbound leads', start=300.0, target=600.0, unit='leads', milestone=False, weight=1.0, owner=None),))",
    'draft vote #1 #3': "DraftVote(ideas=('1', '3'))",
    '共创 投票 #1.1 #1.2 #3.1': "DraftVote(ideas=('1.1', '1.2', '3.1'))",
    '共创 定稿 #1 #3': 'DraftFinish(keep=(1, 3))',
    'review pack @alice': "ReviewPack(person=PersonRef(token='@alice'))",
    '述职 突破 巴西的短视频让曝光翻了三倍': "ReviewAnswer(question='breakthroughs', text='巴西的短视频让曝光翻了三倍')",
    'feedback ask @alice': "FeedbackAsk(person=PersonRef(token='@alice'), people=())",
    '反馈 填写 @alice 4 发布文章带来了合作伙伴': "FeedbackGive(person=PersonRef(token='@alice'), rating=4, text='发布文章带来了合作伙伴')",
    'committee propose KR12 0.6 the target was lowered in November': "CommitteePropose(kr=Ref(kind='KR', number=12), value=0.6, reason='the target was lowered in November')",
    '委员会 确认 KR12': "CommitteeConfirm(kr=Ref(kind='KR', number=12), value=None, reason='')",
    'settings team Growth plan mon 09:30': "SetTeamRhythm(team='Growth', moment='plan', weekday=1, hhmm='09:30')",
    'settings team Growth digest fri 17:00': "SetTeamRhythm(team='Growth', moment='digest', weekday=5, hhmm='17:00')",
    'settings team Growth holiday 2026-10-01~2026-10-07': "SetTeamHolidays(team='Growth', dates=(datetime.date(2026, 10, 1), datetime.date(2026, 10, 2), datetime.date(2026, 10, 3), datetime.date(2026, 10, 4), datetime.date(2026, 10, 5), datetime.date(2026, 10, 6), datetime.date(2026, 10, 7)))",
    '设置 语言 中文': "SetLanguage(code='zh')",
    '设置 团队 增长组 庆功 周五 17:00': "SetTeamRhythm(team='增长组', moment='digest', weekday=5, hhmm='17:00')",
    '设置 团队 增长组 假期 2026-10-01~2026-10-07': "SetTeamHolidays(team='增长组', dates=(datetime.date(2026, 10, 1), datetime.date(2026, 10, 2), datetime.date(2026, 10, 3), datetime.date(2026, 10, 4), datetime.date(2026, 10, 5), datetime.date(2026, 10, 6), datetime.date(2026, 10, 7)))",
    '设置 周期 双月': "SetCycleKind(kind='bimonthly')",
    'settings team Marketing committee @chen @li': "SetTeamCommittee(team='Marketing', people=(PersonRef(token='@chen'), PersonRef(token='@li')))",
    '设置 团队 增长组 周期 双月': "SetTeamCycle(team='增长组', kind='bimonthly')",
    'away 2026-12-21 2027-01-03 family trip': "Away(start=datetime.date(2026, 12, 21), end=datetime.date(2027, 1, 3), note='family trip')",
    'away until fri conference': "Away(start=datetime.date(2026, 11, 25), end=datetime.date(2026, 11, 27), note='conference')",
    '请假 明天 看牙医': "Away(start=datetime.date(2026, 11, 26), end=datetime.date(2026, 11, 26), note='看牙医')",
    '休假 12月21日 到 1月3日 年假': "Away(start=datetime.date(2026, 12, 21), end=datetime.date(2027, 1, 3), note='年假')",
    '请假 取消': 'AwayCancel()',
    'export': 'Export(team=None)',
    '导出 Growth': "Export(team='Growth')",
}  # fmt: skip


def test_the_reference_has_exactly_these_examples() -> None:
    assert [e.strip() for e in _documented_examples()] == list(DOCUMENTED)


@pytest.mark.parametrize(("line", "meaning"), list(DOCUMENTED.items()))
def test_every_example_in_the_reference_means_what_it_says(line: str, meaning: str) -> None:
    assert repr(g.parse(line, today=TODAY)) == meaning


# Key messages whose placeholders a translation could swap: the Chinese must keep
# who did what to whom, and which number is the part and which the whole.
TRANSLATIONS = [
    ("{checked} of {total} checked in · {away} away · cycle {cycle}",
     {"checked": 1, "total": 4, "away": 2, "cycle": "2026-Q4"},
     "1/4 人已签到 · 2 人请假 · 周期 2026-Q4"),
    ("{name}: {checked} of {total} checked in, {risk} key results at risk",
     {"name": "Growth", "checked": 1, "total": 4, "risk": 3},
     "Growth：1/4 人已签到，3 个关键结果有风险"),
    ("{before} → {after} this week ({change})",
     {"before": "4,200", "after": "6,000 粉丝", "change": "+1,800"},
     "本周 4,200 → 6,000 粉丝（+1,800）"),
    ("confidence {old} → {new}", {"old": 8, "new": 6}, "信心指数 8 → 6"),
    ("KR{n} {title} ({who}): {old} → {new}",
     {"n": 11, "title": "粉丝", "who": "Alice", "old": 8, "new": 6}, "KR11 粉丝（Alice）：8 → 6"),
    ("👏 {giver} → {receiver}: {text}",
     {"giver": "Alice", "receiver": "Bob", "text": "谢谢"}, "👏 Alice → Bob：谢谢"),
    ("🤝 {helper} helped {requester}: {text}",
     {"helper": "Bob", "requester": "Alice", "text": "审稿"}, "🤝 Bob 帮助了 Alice：审稿"),
    ("{done} of {total} done", {"done": 2, "total": 5}, "已完成 2/5"),
    ("{name}: {wins} wins, {done} of {total} key tasks done",
     {"name": "Growth", "wins": 8, "done": 2, "total": 5}, "Growth：8 个亮点，关键任务完成 2/5"),
    ("📈 {who} moved KR{n} {title}: {change} ({before} → {after})",
     {"who": "Bob", "n": 3, "title": "订阅", "change": "+250", "before": "40%", "after": "90%"},
     "📈 Bob 推进了 KR3 订阅：+250（40% → 90%）"),
    ("H{n}: {requester} is waiting for {helper}: {text}",
     {"n": 3, "requester": "Alice", "helper": "Frank", "text": "问卷"},
     "H3：Alice 在等 Frank 回复：问卷"),
    ("{current} of {target}", {"current": "4,200", "target": "10,000 粉丝"}, "4,200 / 10,000 粉丝"),
    ("Now {current}, target {target}", {"current": "4,200 粉丝", "target": "10,000 粉丝"},
     "当前 4,200 粉丝，目标 10,000 粉丝"),
    ("🏆 {who} reached the target of KR{n} {title}!", {"who": "Alice", "n": 2, "title": "互动率"},
     "🏆 Alice 达成了 KR2 互动率 的目标！"),
    ("T{n} {title} ({who}) was due {date}",
     {"n": 3, "title": "欢迎邮件", "who": "Bob", "date": "11月24日"}, "T3 欢迎邮件（Bob）原定11月24日完成"),
    ("{old} carried over to week {week} as {new}.",
     {"old": "T2", "week": "2026-W49", "new": "T10"}, "T2 已顺延到 2026-W49，新编号 T10。"),
    ("Last week: {done} of {total} key tasks done.", {"done": 3, "total": 7}, "上周关键任务完成 3/7。"),
    ("↓ {ref}: lower is better (from {start} down to {target}).",
     {"ref": "KR14", "start": "3 秒", "target": "1.5 秒"}, "↓ KR14：越低越好（从 3 秒 降到 1.5 秒）。"),
    ('"{token}" is too large: I keep numbers up to {limit}.',
     {"token": "1e26", "limit": "1,000,000,000,000,000"},
     "“1e26”太大了：我能保存的数字最大为 1,000,000,000,000,000。"),
    ("A title can be at most {limit} characters; this one has {length}.",
     {"limit": 200, "length": 201}, "标题最多 200 个字符，这个有 201 个。"),
]  # fmt: skip


@pytest.mark.parametrize(("msgid", "params", "zh"), TRANSLATIONS)
def test_key_chinese_translations_keep_their_meaning(
    msgid: str, params: dict[str, object], zh: str
) -> None:
    assert translator("zh").t(msgid, **params) == zh
