"""The rhythm's bulk reads use the indexes made for them, on SQLite and on PostgreSQL.

The statements are captured as the real code issues them (a Friday, a Monday,
the first Monday of a month with its reviews and the cycle's last Monday with
its self-score prompts, over a generated company), then each is EXPLAINed on
the same database. A read that walks a whole table, or the whole of a workspace,
grows with the company and its history; these must not.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import ItemsView, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from bench.generate import PLATFORM, WORKSPACE, generate, user_id
from bench.probe import DAYS, FRIDAY_START, WEDNESDAY_NOON
from handlers.app import OkrApp
from handlers.clock import ManualClock
from handlers.events import Actor, Command
from handlers.views import Delivery, Message
from storage.db import SessionFactory, analyze

# Tables that grow with history: a read of this week must not read all of them.
HISTORY = ("checkin", "plantask", "kudos", "helprequest")


@contextmanager
def captured(sessions: SessionFactory) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    event.listen(sessions.engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(sessions.engine, "before_cursor_execute", keep)


def kinds(deliveries: list[Delivery]) -> ItemsView[str, int]:
    """How many deliveries of each kind ("checkin:member", "digest:team", ...)."""
    return Counter(re.sub(r"\d+:.*", "", d.key or "") for d in deliveries).items()


def plan_of(connection: Connection, sql: str, params: Any) -> str:
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
        return "\n".join(str(row[-1]) for row in rows)
    rows = connection.exec_driver_sql("EXPLAIN " + sql, params).all()
    return "\n".join(str(row[0]) for row in rows)


def full_walks(plan: str, dialect: str) -> list[str]:
    """The plan lines that read all of a big table (or all of its workspace)."""
    bad: list[str] = []
    for line in plan.splitlines():
        if dialect == "sqlite":
            scan = re.search(r"\bSCAN (\w+)", line)
            if scan and scan.group(1) in HISTORY:
                bad.append(line)
            # Only the tenant column constrained: every row of the workspace.
            walk = re.search(
                r"SEARCH (\w+) USING (?:COVERING )?INDEX \S+ \(workspace_id=\?\)$", line
            )
            if walk and walk.group(1) in HISTORY:
                bad.append(line)
        else:
            seq = re.search(r"Seq Scan on (\w+)", line)
            if seq and seq.group(1) in HISTORY:
                bad.append(line)
    return bad


def test_the_rhythms_reads_seek_instead_of_walking_history(
    sessions: SessionFactory,
) -> None:
    generate(engine=sessions.engine, members=60, weeks=6)
    dialect = sessions.engine.dialect.name
    if dialect == "sqlite":
        # No statistics (as before the first ANALYZE): the plan must not depend on them.
        with sessions.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM sqlite_stat1")
    else:
        # PostgreSQL's autovacuum analyses new data soon after it lands; do it now.
        analyze(sessions.engine)
    app = OkrApp(sessions=sessions, clock=ManualClock(FRIDAY_START))
    runs: dict[str, list[Delivery]] = {}
    statements: dict[str, list[tuple[str, Any]]] = {}
    for day, start in DAYS.items():
        with captured(sessions) as statements[day]:
            runs[day] = app.run_due(since=start, until=start + timedelta(hours=23))
    # Members 7 and 57 are away this week; everyone else is prompted, every team digested.
    assert kinds(runs["friday"]) >= {"checkin:member": 60 - 2, "digest:team": 6}.items()
    assert kinds(runs["monday"]) >= {"plan:member": 60 - 2, "plan:team": 6}.items()
    assert kinds(runs["review"]) >= {"review:team": 6}.items()
    assert kinds(runs["cycle-end"]) >= {"selfscore:member": 60}.items()

    with sessions.engine.connect() as connection:
        if dialect == "postgresql":
            # Tiny tables make a sequential scan cheapest: ask whether an index can serve.
            connection.execute(text("SET enable_seqscan = off"))
        plans = {
            day: [(sql, plan_of(connection, sql, params)) for sql, params in found]
            for day, found in statements.items()
        }
    walking = {
        sql: full_walks(plan, dialect)
        for found in plans.values()
        for sql, plan in found
        if full_walks(plan, dialect)
    }
    assert walking == {}
    # The week's latest check-in before it: one backward seek per KR, whatever the history.
    latest = [
        plan
        for day in ("friday", "monday")
        for sql, plan in plans[day]
        if "ORDER BY checkin_1.week DESC" in sql
    ]
    assert latest, "the latest check-in before the week is read"
    assert all("ix_checkin_ws_kr_week" in p for p in latest)


# What a command reads: one person's, one team's or one objective's rows, never the workspace's.
COMMAND_TABLES = ("objective", "keyresult", "checkin", "plantask", "kudos", "helprequest", "away")


def workspace_walks(plan: str, dialect: str) -> list[str]:
    """The plan lines that read every row of the workspace (or its cycle) in a command's table."""
    bad: list[str] = []
    for line in plan.splitlines():
        if dialect == "sqlite":
            scan = re.search(r"\bSCAN (\w+)", line)
            walk = re.search(
                r"SEARCH (\w+) USING (?:COVERING )?INDEX \S+ \((?:workspace_id|cycle_id)=\?\)$",
                line,
            )
            found = scan or walk
        else:
            found = re.search(r"Seq Scan on (\w+)", line)
        if found and found.group(1) in COMMAND_TABLES:
            bad.append(line)
    return bad


def test_okr_checkin_and_team_rollup_seek_one_persons_rows(sessions: SessionFactory) -> None:
    generate(engine=sessions.engine, members=60, weeks=3)
    dialect = sessions.engine.dialect.name
    if dialect == "sqlite":
        # No statistics (as before the first ANALYZE): the plan must not depend on them.
        with sessions.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM sqlite_stat1")
    else:
        analyze(sessions.engine)  # as autovacuum soon would
    app = OkrApp(sessions=sessions, clock=ManualClock(WEDNESDAY_NOON))
    asked = {
        "": "Your OKRs",
        "checkin KR39 12": "Checked in KR39.",
        "team Team 00001": "Team 00001",
    }
    with captured(sessions) as statements:
        for text_, expected in asked.items():
            actor = Actor(
                platform=PLATFORM, workspace_id=WORKSPACE, user_id=user_id(12), display_name="M"
            )
            (reply,) = app.handle(Command(actor=actor, text=text_)).replies
            assert isinstance(reply, Message) and reply.summary.startswith(expected), reply
    # The objectives, the key results and the team's rollup were all read.
    assert any("FROM objective" in sql for sql, _ in statements)
    assert any("FROM keyresult JOIN objective" in sql for sql, _ in statements)

    with sessions.engine.connect() as connection:
        if dialect == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
        plans = {sql: plan_of(connection, sql, params) for sql, params in statements}
    walking = {sql: workspace_walks(plan, dialect) for sql, plan in plans.items()}
    assert {sql: lines for sql, lines in walking.items() if lines} == {}
    kr_reads = [p for sql, p in plans.items() if "keyresult.objective_id IN" in sql]
    # An objective's key results by its id (PostgreSQL may take the single-column index).
    assert kr_reads and all(re.search(r"ix_keyresult_(ws_)?objective", p) for p in kr_reads)
