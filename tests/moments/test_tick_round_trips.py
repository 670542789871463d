"""A tick talks to the database a fixed number of times, however many people it serves.

Each statement is a round trip, which PostgreSQL pays for with a network hop and
a parse: a tick that read per member or per team would cost a large company
seconds of waiting. The same day is run over a company of 20 people and one of
200 (ten times the teams, people, key results and history rows): the number of
statements must be the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import func, select

from bench.generate import generate, workspace_external_id
from bench.probe import DAYS, FRIDAY_START
from handlers.app import OkrApp
from handlers.clock import ManualClock
from handlers.moments import data
from handlers.views import Delivery
from storage.db import SessionFactory, make_engine
from storage.models import OutboxMessage
from tests.databases import Databases

SMALL, LARGE = 20, 200
# Days whose build still reads per person, and the statements allowed per delivery:
# on the cycle's last Monday each person's review pack is loaded on its own
# (`reviewpack.load_pack`); docs/scaling.md lists it among the limits.
PER_PERSON = {"cycle-end": 10}
# What a day's build may send, at most, whatever the size: a budget, so a new
# per-team or per-member read shows up here even on a company this small.
READ_BUDGET = 30
TICK_BUDGET = 40


@contextmanager
def counted(sessions: SessionFactory) -> Iterator[list[str]]:
    """The statements the engine sends meanwhile (an executemany counts once)."""
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        sent.append(sql)

    event.listen(sessions.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(sessions.engine, "before_cursor_execute", seen)


@contextmanager
def company(databases: Databases, members: int) -> Iterator[SessionFactory]:
    url = databases.migrated()
    engine = make_engine(url)
    try:
        generate(engine=engine, members=members, weeks=4)
        yield SessionFactory(engine)
    finally:
        engine.dispose()
        databases.drop(url)


def day_reads(sessions: SessionFactory) -> dict[str, tuple[int, int]]:
    """(deliveries, statements) of building each benchmarked day."""
    app = OkrApp(sessions=sessions, clock=ManualClock(FRIDAY_START))
    found: dict[str, tuple[int, int]] = {}
    for day, start in DAYS.items():
        with counted(sessions) as sent:
            due = app.run_due(since=start, until=start + timedelta(hours=23, minutes=59))
        found[day] = (len(due), len(sent))
    return found


def friday_tick(sessions: SessionFactory) -> tuple[int, int]:
    """(outbox rows written, statements) of the tick that writes a whole Friday."""
    clock = ManualClock(FRIDAY_START)
    app = OkrApp(sessions=sessions, clock=clock)
    app.tick(until=FRIDAY_START, catch_up=None)  # the first tick only sets the watermark
    clock.set(FRIDAY_START + timedelta(hours=23, minutes=59))
    with counted(sessions) as sent:
        report = app.tick(until=clock.now(), catch_up=None)
    with sessions.begin() as session:
        rows = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    assert report.written == rows
    return rows, len(sent)


def test_each_days_build_reads_in_as_many_statements_for_ten_times_the_people(
    databases: Databases,
) -> None:
    with company(databases, SMALL) as small:
        few = day_reads(small)
    with company(databases, LARGE) as large:
        many = day_reads(large)
    for day in DAYS:
        (small_due, small_sent), (large_due, large_sent) = few[day], many[day]
        # The larger company's day really is about ten times the work...
        assert large_due >= 9 * small_due, (day, small_due, large_due)
        if day in PER_PERSON:
            # ...in statements that grow with the people, by a bounded number each.
            per_delivery = (large_sent - small_sent) / (large_due - small_due)
            assert per_delivery <= PER_PERSON[day], (day, small_sent, large_sent)
            continue
        # ...in the same statements.
        assert large_sent == small_sent, (day, small_sent, large_sent)
        assert small_sent <= READ_BUDGET, (day, small_sent)


def test_a_fridays_tick_writes_ten_times_the_rows_in_as_many_statements(
    databases: Databases,
) -> None:
    with company(databases, SMALL) as small:
        few_rows, few_sent = friday_tick(small)
    with company(databases, LARGE) as large:
        many_rows, many_sent = friday_tick(large)
    assert many_rows >= 9 * few_rows > 0
    assert many_sent == few_sent
    assert few_sent <= TICK_BUDGET


def test_a_tick_over_many_small_workspaces_serves_each_as_if_it_were_alone(
    databases: Databases,
) -> None:
    # The benchmark's many-installs shape: what each workspace gets must not
    # depend on the others sharing the database.
    url = databases.migrated()
    engine = make_engine(url)
    try:
        generate(engine=engine, members=10, weeks=2, workspaces=3)
        app = OkrApp(sessions=SessionFactory(engine), clock=ManualClock(FRIDAY_START))
        start = DAYS["friday"]
        due = app.run_due(since=start, until=start + timedelta(hours=23, minutes=59))
    finally:
        engine.dispose()
        databases.drop(url)
    with company(databases, 10) as alone:
        app = OkrApp(sessions=alone, clock=ManualClock(FRIDAY_START))
        single = app.run_due(since=start, until=start + timedelta(hours=23, minutes=59))
    by_workspace: dict[str, list[str]] = {}
    for delivery in due:
        by_workspace.setdefault(delivery.workspace, []).append(shape_of(delivery))
    assert sorted(by_workspace) == [workspace_external_id(i) for i in range(3)]
    # Row ids differ between workspaces; the kinds of message and their weeks do not.
    expected = sorted(shape_of(d) for d in single)
    # A prompt and a reminder for each of the nine not away, and the team's digest.
    assert len(expected) == 19
    assert all(sorted(keys) == expected for keys in by_workspace.values())


def shape_of(delivery: Delivery) -> str:
    """A delivery's key without its row ids: `checkin:member#:2026-W48`."""
    return re.sub(r"(member|team)\d+", r"\1#", delivery.key or "")


def test_monthly_reviews_read_a_batch_of_teams_at_a_time_say_the_same(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A thousand teams' month of check-ins at once was the day's peak memory; read
    # in batches, every team's review must still say exactly what it said.
    start = DAYS["review"]
    with company(databases, 50) as sessions:
        app = OkrApp(sessions=sessions, clock=ManualClock(FRIDAY_START))
        with counted(sessions) as once:
            whole = app.run_due(since=start, until=start + timedelta(hours=23, minutes=59))
        monkeypatch.setattr(data, "REVIEW_BATCH", 2)
        with counted(sessions) as thrice:
            batched = app.run_due(since=start, until=start + timedelta(hours=23, minutes=59))
    reviews = [d for d in whole if (d.key or "").startswith("review:")]
    assert len(reviews) == 5  # one per team
    assert [(d.key, d.message) for d in batched] == [(d.key, d.message) for d in whole]

    # Three batches of the five teams: the month's reads of who is in each team
    # three times instead of once.
    def memberships(sent: list[str]) -> int:
        return sum("FROM teammember" in sql and "JOIN" not in sql for sql in sent)

    assert memberships(thrice) == memberships(once) + 2
