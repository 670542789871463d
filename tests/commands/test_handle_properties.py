"""Generated command lines and form submissions through `OkrApp.handle`.

Thousands per run: unicode, Chinese, quotes, huge and negative numbers,
unknown references and references that exist only in another workspace. Every
one is answered with a specific message (never the apology, never the generic
"couldn't read"), and a refused one changes nothing in the database.

`OKRBOT_HYPOTHESIS=thorough` runs ten times as many.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from bot.console.demo import seed_demo
from handlers import grammar as g
from handlers.app import OkrApp
from handlers.clock import ManualClock
from handlers.events import Actor, Command, FormSubmitted
from handlers.views import Context, FormErrors, Message, Outcome
from storage import migrate
from storage.db import SessionFactory, make_engine
from tests.conftest import WEDNESDAY, text_of

settings.register_profile(
    "handle",
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "handle-thorough", parent=settings.get_profile("handle"), max_examples=15000
)
PROFILE = settings.get_profile(
    "handle-thorough" if os.environ.get("OKRBOT_HYPOTHESIS") == "thorough" else "handle"
)

APOLOGIES = ("Sorry, something went wrong", "抱歉")
GENERIC = ("I couldn't read that command.", "我看不懂这条命令")
REFUSALS = {
    "The right form:",
    "Type /okr help to see every command.",
    "正确写法：",
    "输入 /okr 帮助 查看全部命令。",
}


class World:
    """One database for the whole module: the demo, and another workspace with its own KRs."""

    def __init__(self, root: Path) -> None:
        self.engine = make_engine(f"sqlite:///{root / 'okrbot.db'}")
        migrate.upgrade(engine=self.engine)
        self.sessions = SessionFactory(self.engine)
        self.clock = ManualClock(WEDNESDAY)
        self.app = OkrApp(
            sessions=self.sessions, clock=self.clock, default_timezone="Asia/Shanghai"
        )
        with self.sessions.begin() as session:
            seed_demo(session=session, now=WEDNESDAY)
        for n in range(4):  # KR1..KR20 and O1..O4 there; KR14..KR20 exist only there
            self.say(
                "zed",
                f"new Other {n} | A: 0 -> 10 | B: 0 -> 10 | C: 0 -> 10 | D: 0 -> 10 | E: 0 -> 5",
                "other",
            )
        self.say("zed", "plan add Foreign task KR20 due fri", "other")  # T1 there
        # Everyone acting below has been seen once, in their language, so an answer
        # to them writes nothing about them.
        for user in ("alice", "bob", "mei"):
            self.say(user, "settings language en")
        for user in ("chen", "wei"):
            self.say(user, "settings language zh")

    def actor(self, user: str, workspace: str = "demo", locale: str | None = None) -> Actor:
        return Actor("console", workspace, user, user.title(), locale)

    def say(
        self, user: str, line: str, workspace: str = "demo", locale: str | None = None
    ) -> Outcome:
        return self.app.handle(Command(actor=self.actor(user, workspace, locale), text=line))

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        rows: dict[str, list[tuple[Any, ...]]] = {}
        with self.engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                if table in ("processed_event", "alembic_version"):
                    continue
                result = connection.execute(text(f'SELECT * FROM "{table}"'))
                rows[table] = sorted(tuple(map(repr, r)) for r in result)
        return rows


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("properties"))
    yield w
    w.engine.dispose()


def refused(outcome: Outcome) -> bool:
    for view in outcome.replies:
        if isinstance(view, FormErrors):
            return True
        if isinstance(view, Message) and any(
            isinstance(b, Context) and b.text in REFUSALS for b in view.blocks
        ):
            return True
    return False


def check(world: World, handle: Any) -> None:
    before = world.dump()
    outcome = handle()
    shown = text_of(outcome)
    assert outcome.replies, "every event gets an answer"
    assert not any(a in shown for a in APOLOGIES), shown
    assert not any(a in shown for a in GENERIC), shown
    if refused(outcome):
        assert outcome.deliveries == []
        assert world.dump() == before, shown


# --- what people type -----------------------------------------------------------------

VERB_WORDS = sorted({w for verb, aliases in g.VERBS.items() for w in (verb, *aliases)})
KEYWORDS = [
    "add", "done", "drop", "carry", "list", "team", "digest", "new", "join", "accept",
    "decline", "to", "none", "target", "start", "current", "unit", "owner", "delete",
    "weight", "confidence", "c", "with", "due", "until", "cancel", "language", "timezone",
    "cycle", "channel", "holiday", "plan", "checkin", "|", "->", ":", "添加", "完成", "信心",
    "目标值", "团队", "截止", "协助", "周五", "fri", "tomorrow", "2026-12-01", "17:00",
]  # fmt: skip
REFS = ["KR11", "KR12", "KR13", "KR1", "O5", "O1", "T2", "H1", "KR14", "KR20", "O4", "T1",
        "KR0", "KR999999999", "O1234567890", "kr11", "#KR11", "KR\u200b11", "T99", "H9"]  # fmt: skip
PEOPLE = ["@alice", "@bob", "@mei", "@chen", "@zed", "@nobody", "@", "＠bob", "@b\u202eob"]
NUMBERS = ["6000", "-3", "+500", "1e26", "10^40", "-1e309", "nan", "inf", "1,200万", "3.5亿",
           "12345678901234567890", "0.000000000000000001", "2%", "1.5k", "$5k", "−7", "１２"]  # fmt: skip

numbers = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
)
words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12
)
quoted = words.map(lambda w: f'"{w}"') | words.map(lambda w: f"“{w}”")
chinese = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=6
)
token = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(REFS),
    st.sampled_from(PEOPLE),
    numbers,
    words,
    quoted,
    chinese,
)
lines = st.builds(
    lambda verb, rest: " ".join([verb, *rest]),
    st.sampled_from(VERB_WORDS) | words,
    st.lists(token, max_size=8),
)
kr_specs = st.builds(
    lambda title, start, target, owner: f"{title}: {start} -> {target} {owner}".strip(),
    chinese | st.sampled_from(["Signups", "Leads", "Load time"]),
    numbers,
    numbers,
    st.sampled_from(["", "", "@bob", "@nobody", "@zed", "weight 2", "weight 0"]),
)
structured = st.one_of(
    st.builds(
        lambda title, specs: " | ".join([f"new {title}", *specs]),
        chinese | words,
        st.lists(kr_specs, min_size=1, max_size=4),
    ),
    st.builds(lambda ref, spec: f"kr add {ref} {spec}", st.sampled_from(REFS), kr_specs),
    st.builds(
        lambda title, ref, person, due: f"plan add {title} {ref} with {person} due {due}",
        chinese | words,
        st.sampled_from(REFS),
        st.sampled_from(PEOPLE),
        st.sampled_from(["fri", "2026-11-20", "tomorrow", "2027-13-01", "周五"]),
    ),
    st.builds(
        lambda person, ref, note: f"ask {person} {ref} {note}",
        st.sampled_from(PEOPLE),
        st.sampled_from(REFS),
        quoted | chinese,
    ),
)
lines = lines | structured
users = st.sampled_from(["alice", "bob", "chen", "mei", "wei"])  # wei and chen read Chinese


@PROFILE
@given(user=users, line=lines)
def test_any_typed_line_gets_a_specific_answer_and_a_refusal_changes_nothing(
    world: World, user: str, line: str
) -> None:
    check(world, lambda: world.say(user, line))


form_values = st.one_of(
    st.none(), numbers, words, st.sampled_from(["", " ", "7", "11", "0", "done"])
)


@PROFILE
@given(
    user=users,
    refs=st.lists(st.sampled_from(REFS) | words, min_size=0, max_size=3),
    values=st.dictionaries(
        st.sampled_from(["value", "confidence", "note"]).flatmap(
            lambda kind: st.sampled_from(REFS).map(lambda ref: f"{kind}:{ref}")
        ),
        form_values,
        max_size=6,
    ),
)
def test_any_checkin_form_gets_a_specific_answer_and_a_refusal_changes_nothing(
    world: World, user: str, refs: list[str], values: dict[str, str | None]
) -> None:
    event = FormSubmitted(
        actor=world.actor(user), form_id="checkin", values=dict(values), context=",".join(refs)
    )
    check(world, lambda: world.app.handle(event))
