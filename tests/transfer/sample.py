"""The demo company's OKRs in the import layout: what the templates in docs/ hold."""

from __future__ import annotations

from handlers.transfer import layout
from handlers.transfer.layout import Col

COLUMNS = (
    Col.KEY,
    Col.OBJECTIVE_KEY,
    Col.OBJECTIVE,
    Col.OWNER,
    Col.TYPE,
    Col.ALIGNED,
    Col.KR,
    Col.START,
    Col.TARGET,
    Col.CURRENT,
    Col.UNIT,
    Col.WEIGHT,
    Col.KR_OWNER,
    Col.CYCLE,
    Col.TEAM,
)

SALES = "Grow revenue 50% with better quality and sustainability"
SOUTH = "South China revenue +80%"
WIN = "Win the A-business in South China"
RND = "Ship the product the sales team can grow with"
BRAND = "Raise brand awareness in target markets"
BUYERS = "Make Demo Co. the name buyers know"

# key, objective key, objective, owner, type, aligned to, KR, start, target, current, unit,
# weight, KR owner, cycle, team: English words; CHINESE_WORDS swaps the few that differ.
ROWS: list[tuple[object, ...]] = [
    ("a-revenue", "sales", SALES, "chen", "committed", "", "A-business revenue +80%", 0, 80, 35, "%", 2, "chen", "2026-Q4", "Sales"),
    ("a-share", "sales", SALES, "chen", "", "", "A-business market share 20% → 40%", 20, 40, 27, "%", 1, "chen", "2026-Q4", "Sales"),
    ("b-revenue", "sales", SALES, "chen", "", "", "B-business revenue flat in the core regions", 100, "≥ 100", 98, "%", 1, "chen", "2026-Q4", "Sales"),
    ("c-revenue", "sales", SALES, "chen", "", "", "C-business revenue +30%, mid-market to 50% of the mix", 0, 30, 12, "%", 1, "chen", "2026-Q4", "Sales"),
    ("sc-revenue", "south", SOUTH, "li", "committed", "sales", "South China A-business revenue +100%", 0, 100, 40, "%", 1, "li", "2026-Q4", "Sales"),
    ("sc-share", "south", SOUTH, "li", "", "", "South China A-business share 60%", 30, 60, 41, "%", 1, "li", "2026-Q4", "Sales"),
    ("leads", "win", WIN, "wang", "committed", "sc-revenue", "Bring in 5 front-line enterprise sales leads", 0, 5, 2, "leads", 1, "wang", "2026-Q4", "Sales"),
    ("playbooks", "win", WIN, "wang", "", "", "Sales playbooks for 4 industries", 0, 4, 1, "playbooks", 1, "wang", "2026-Q4", "Sales"),
    ("portal", "rnd", RND, "zhao", "committed", "sales", "Release the partner portal", "", "milestone", "not done", "", 1, "zhao", "2026-Q4", "R&D"),
    ("page-load", "rnd", RND, "zhao", "", "", "Page load under 1.5 s for 95% of customers", 3, 1.5, 2.4, "s", 1, "zhao", "2026-Q4", "R&D"),
    ("followers", "brand", BRAND, "alice", "aspirational", "", "Followers in target countries", 0, 10000, 4200, "followers", 2, "alice", "2026-Q4", "Marketing"),
    ("engagement", "brand", BRAND, "alice", "", "", "Engagement rate", 0, 2, 1.1, "%", 1, "alice", "2026-Q4", "Marketing"),
    ("inbound", "buyers", BUYERS, "", "committed", "", "Qualified inbound leads per month", 120, 300, 180, "leads", 1, "mei", "2026-Q4", "Marketing"),
]
CHINESE_WORDS = {"committed": "承诺型", "aspirational": "挑战型", "milestone": "里程碑", "not done": "未完成"}


def header(locale: str) -> list[str]:
    return [layout.header(c, locale) for c in COLUMNS]


def rows(locale: str) -> list[list[object]]:
    if locale != "zh":
        return [list(r) for r in ROWS]
    return [[CHINESE_WORDS.get(v, v) if isinstance(v, str) else v for v in r] for r in ROWS]
