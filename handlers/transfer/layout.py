"""The spreadsheet layout: one row per key result, columns by name in English or Chinese.

Columns may come in any order; a header is matched ignoring case, spaces and
punctuation, so "KR owner", "kr_owner" and "关键结果负责人" all name the same
column. Unknown columns are ignored with a note. An export writes these same
headers (in the reader's language), so it imports back as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from handlers.i18n import N_, Translator


class Col(StrEnum):
    KEY = "key"
    OBJECTIVE_KEY = "objective_key"
    OBJECTIVE = "objective"
    OWNER = "owner"
    TYPE = "type"
    ALIGNED = "aligned"
    KR = "kr"
    START = "start"
    TARGET = "target"
    CURRENT = "current"
    UNIT = "unit"
    WEIGHT = "weight"
    KR_OWNER = "kr_owner"
    CYCLE = "cycle"
    TEAM = "team"
    # Written by an export, read by people, ignored by an import.
    PROGRESS = "progress"
    CONFIDENCE = "confidence"
    SELF_SCORE = "self_score"
    REVIEWED_SCORE = "reviewed_score"
    SCORE_REASON = "score_reason"


@dataclass(frozen=True, slots=True)
class Column:
    col: Col
    english: str  # the header an English export and template write
    chinese: str  # the header a Chinese export and template write
    aliases: tuple[str, ...] = ()
    imported: bool = True


COLUMNS: tuple[Column, ...] = (
    Column(Col.KEY, "Key", "编号", ("KR key", "KR id", "ID", "关键结果编号")),
    Column(Col.OBJECTIVE_KEY, "Objective key", "目标编号", ("O key", "Objective id")),
    Column(Col.OBJECTIVE, "Objective", "目标", ("O", "Objective title", "目标名称")),
    Column(
        Col.OWNER,
        "Owner",
        "负责人",
        ("Objective owner", "O owner", "目标负责人", "Owner email", "所有者"),
    ),
    Column(Col.TYPE, "Type", "类型", ("Kind", "Committed/aspirational", "目标类型")),
    Column(Col.ALIGNED, "Aligned to", "对齐", ("Alignment", "Aligns to", "Parent", "对齐到")),
    Column(
        Col.KR, "Key result", "关键结果", ("KR", "Key result title", "KR title", "关键结果名称")
    ),
    Column(Col.START, "Start", "起始值", ("Baseline", "Start value", "初始值", "起点")),
    Column(Col.TARGET, "Target", "目标值", ("Target value", "Goal")),
    Column(Col.CURRENT, "Current", "当前值", ("Current value", "Actual", "当前")),
    Column(Col.UNIT, "Unit", "单位", ()),
    Column(Col.WEIGHT, "Weight", "权重", ()),
    Column(Col.KR_OWNER, "KR owner", "关键结果负责人", ("Key result owner", "KR负责人")),
    Column(Col.CYCLE, "Cycle", "周期", ("Period", "Quarter", "季度")),
    Column(Col.TEAM, "Team", "团队", ("Department", "部门")),
    Column(Col.PROGRESS, "Progress", "进度", (), imported=False),
    Column(Col.CONFIDENCE, "Confidence", "信心指数", ("信心",), imported=False),
    Column(Col.SELF_SCORE, "Self score", "自评分", (), imported=False),
    Column(Col.REVIEWED_SCORE, "Reviewed score", "复核分", (), imported=False),
    Column(Col.SCORE_REASON, "Score reason", "评分理由", (), imported=False),
)
BY_COL: dict[Col, Column] = {c.col: c for c in COLUMNS}
# The columns a file must have for its rows to mean anything.
REQUIRED = (Col.OBJECTIVE, Col.KR)
# The template's columns, in its order (the export adds the read-only ones after).
TEMPLATE = tuple(c.col for c in COLUMNS if c.imported)

_JUNK = re.compile(r"[\s_\-.:：/()（）*＊#]+")


def fold(text: str) -> str:
    """A header or a word as compared: no case, spaces or punctuation, full-width folded."""
    import unicodedata

    return _JUNK.sub("", unicodedata.normalize("NFKC", text)).casefold()


_BY_WORD: dict[str, Col] = {}
for _column in COLUMNS:
    for _word in (_column.english, _column.chinese, _column.col.value, *_column.aliases):
        _BY_WORD.setdefault(fold(_word), _column.col)


def column_of(header: str) -> Col | None:
    """The column a header names, or None."""
    return _BY_WORD.get(fold(header)) if header else None


def header(col: Col, locale: str) -> str:
    column = BY_COL[col]
    return column.chinese if locale == "zh" else column.english


# Words in cells, in both languages.
COMMITTED = frozenset(map(fold, ("committed", "commit", "承诺型", "承诺", "c")))
ASPIRATIONAL = frozenset(
    map(fold, ("aspirational", "aspire", "stretch", "moonshot", "挑战型", "挑战", "a"))
)
MILESTONE = frozenset(map(fold, ("done", "milestone", "里程碑", "完成")))
DONE = frozenset(map(fold, ("done", "yes", "true", "x", "✓", "✔", "完成", "已完成", "是")))
NOT_DONE = frozenset(map(fold, ("not done", "open", "no", "false", "未完成", "否", "进行中")))
HOLD_MARKS = ("≥", ">=", "＞＝", "⩾")  # a level to hold: "≥ 100" (start and target the same)
NONE = frozenset(map(fold, ("none", "-", "—", "无")))


def kind_word(kind: str, tr: Translator) -> str:
    return tr.t(N_("aspirational")) if kind == "aspirational" else tr.t(N_("committed"))


def done_word(done: bool, tr: Translator) -> str:
    return tr.t(N_("done")) if done else tr.t(N_("not done"))
