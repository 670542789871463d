"""A company-sized workspace written straight into the tables with bulk inserts.

N members in teams of ten (the first of each team manages it), one objective
with three key results per member in the current quarter, W weeks of
check-ins on every key result before the current week, a task per member per
week, a help request and two kudos per team per week, and a few people away.
The current week is half done: everyone checked in their first key result and
half of them the second too, so Friday still prompts every member and the
digests have something to say.

Rows go in through SQLAlchemy Core `executemany`, a week at a time, with ids
given explicitly (the database is fresh), so a 10,000-member company with two
years of history is built in a couple of minutes rather than hours.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, insert, text, update
from sqlalchemy.engine import Connection, Engine

from handlers.okr.weeks import cycle_for, previous_week, week_of, week_start
from storage.models import (
    Away,
    Checkin,
    Cycle,
    HelpRequest,
    KeyResult,
    Kudos,
    Member,
    Objective,
    PlanTask,
    RefCounter,
    Team,
    TeamMember,
    Workspace,
)

PLATFORM = "slack"
WORKSPACE = "TBENCH0001"
TEAM_SIZE = 10
KRS_PER_MEMBER = 3
TIMEZONE = "Asia/Shanghai"
# Friday 27 November 2026 in Shanghai is in ISO week 2026-W48; every run is
# measured against this week so the numbers compare across sizes.
FRIDAY = date(2026, 11, 27)
MONDAY = FRIDAY - timedelta(days=4)

Progress = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class Company:
    """What was generated, for the benchmarks to address people and teams."""

    workspace_id: int  # the first
    workspaces: int
    members: int  # in each workspace
    teams: int
    weeks: int
    week: str  # the current week
    rows: int  # every row written


def user_id(i: int) -> str:
    """The platform id of member i (0-based)."""
    return f"U{i:07d}"


def workspace_external_id(index: int) -> str:
    """The platform id of workspace `index` (0-based): the first is `WORKSPACE`."""
    return WORKSPACE if index == 0 else f"TBENCH{index + 1:04d}"


def team_name(t: int) -> str:
    """The name of team t (0-based); member i is in team i // TEAM_SIZE."""
    return f"Team {t:05d}"


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _at(week: str, weekday: int, hour: int) -> datetime:
    """An instant in a week, in UTC, from a local weekday (1 = Monday) and hour."""
    day = week_start(week) + timedelta(days=weekday - 1)
    return datetime.combine(day, time(hour), tzinfo=UTC) - timedelta(hours=8)


def _weeks_back(current: str, count: int) -> list[str]:
    """The `count` weeks before `current`, oldest first."""
    weeks: list[str] = []
    week = current
    for _ in range(count):
        week = previous_week(week)
        weeks.append(week)
    return list(reversed(weeks))


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class _Writer:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.rows = 0

    def put(self, model: Any, rows: list[dict[str, Any]]) -> None:
        table = _table(model)
        for chunk in _chunks(rows):
            self.connection.execute(insert(table), chunk)
        self.rows += len(rows)


def generate(
    *,
    engine: Engine,
    members: int,
    weeks: int,
    workspaces: int = 1,
    seed: int = 7,
    progress: Progress | None = None,
) -> Company:
    """Fill a freshly migrated, empty database with one company (see the module doc).

    With `workspaces`, that many companies of `members` each, as many small
    installs share one database: the first is `WORKSPACE`, workspace i's id is
    `workspace_external_id(i)`, and within each, members and teams are numbered
    from 0 as in the first.
    """
    rnd = random.Random(seed)
    report = progress or (lambda _label, _fraction: None)
    current = week_of(datetime.combine(FRIDAY, time(8), tzinfo=UTC), TIMEZONE)
    past = _weeks_back(current, weeks)
    teams = (members + TEAM_SIZE - 1) // TEAM_SIZE
    created = datetime.combine(week_start(past[0]) if past else MONDAY, time(0), tzinfo=UTC)
    bounds = cycle_for("quarter", FRIDAY)

    with engine.begin() as connection:
        w = _Writer(connection)
        checkin_id = task_id = help_id = kudos_id = away_id = 0
        for index in range(workspaces):
            ws, mo, to = index + 1, index * members, index * teams
            ko = mo * KRS_PER_MEMBER
            report("people and teams", index / workspaces)
            w.put(
                Workspace,
                [
                    {
                        "id": ws,
                        "platform": PLATFORM,
                        "external_id": workspace_external_id(index),
                        "name": f"Bench Co. {index + 1}",
                        "default_locale": "en",
                        "default_timezone": TIMEZONE,
                        "cycle_kind": "quarter",
                        "created_at": created,
                    }
                ],
            )
            w.put(
                Member,
                [
                    {
                        "id": mo + i + 1,
                        "workspace_id": ws,
                        "external_id": user_id(i),
                        "handle": f"m{i}",
                        "display_name": f"Member {i}",
                        "timezone": None,
                        # One in five reads Chinese, so both catalogs are exercised.
                        "locale": "zh" if i % 5 == 4 else None,
                        "is_active": True,
                        "created_at": created,
                    }
                    for i in range(members)
                ],
            )
            w.put(
                Team,
                [
                    {
                        "id": to + t + 1,
                        "workspace_id": ws,
                        "name": team_name(t),
                        "channel_external_id": f"C{to + t:07d}",
                        "manager_id": mo + t * TEAM_SIZE + 1,
                        "timezone": TIMEZONE,
                        "locale": "en",
                        "plan_weekday": 1,
                        "plan_time": "09:30",
                        "checkin_weekday": 5,
                        "checkin_time": "15:00",
                        "digest_weekday": 5,
                        "digest_time": "17:00",
                        "holidays": [],
                        "created_at": created,
                    }
                    for t in range(teams)
                ],
            )
            w.put(
                TeamMember,
                [
                    {
                        "workspace_id": ws,
                        "team_id": to + i // TEAM_SIZE + 1,
                        "member_id": mo + i + 1,
                        "role": "manager" if i % TEAM_SIZE == 0 else "member",
                    }
                    for i in range(members)
                ],
            )
            w.put(
                Cycle,
                [
                    {
                        "id": ws,
                        "workspace_id": ws,
                        "name": bounds.name,
                        "kind": bounds.kind,
                        "start_date": bounds.start,
                        "end_date": bounds.end,
                    }
                ],
            )
            w.put(
                Objective,
                [
                    {
                        "id": mo + i + 1,
                        "workspace_id": ws,
                        "number": i + 1,
                        "cycle_id": ws,
                        "title": f"Grow what member {i} owns",
                        "owner_member_id": mo + i + 1,
                        "owner_team_id": None,
                        "kind": "committed" if i % 3 else "aspirational",
                        "parent_objective_id": None,
                        "parent_kr_id": None,
                        "archived": False,
                        "created_at": created,
                        "updated_at": created,
                    }
                    for i in range(members)
                ],
            )

            # Each KR climbs from 0 toward its target a little most weeks; its
            # current value is set to its latest check-in's once history is written.
            kr_count = members * KRS_PER_MEMBER
            targets = [float(rnd.choice((10, 50, 100, 500, 1000))) for _ in range(kr_count)]
            values = [0.0] * kr_count
            confidence = [rnd.randint(5, 8) for _ in range(kr_count)]
            all_weeks = [*past, current]
            w.put(
                KeyResult,
                [
                    {
                        "id": ko + k + 1,
                        "workspace_id": ws,
                        "number": k + 1,
                        "objective_id": mo + k // KRS_PER_MEMBER + 1,
                        "title": f"Key result {k % KRS_PER_MEMBER + 1} of member {k // KRS_PER_MEMBER}",
                        "owner_member_id": mo + k // KRS_PER_MEMBER + 1,
                        "kind": "numeric",
                        "start_value": 0.0,
                        "target_value": targets[k],
                        "current_value": 0.0,
                        "unit": "",
                        "weight": 1.0,
                        "archived": False,
                        "created_at": created,
                        "updated_at": created,
                    }
                    for k in range(kr_count)
                ],
            )

            pace = max(len(all_weeks), 13)
            for week_index, week in enumerate(all_weeks):
                report("weeks of history", (index + week_index / len(all_weeks)) / workspaces)
                friday = _at(week, 5, 14)
                rows: list[dict[str, Any]] = []
                for k in range(kr_count):
                    if week == current and not _checks_in_now(k):
                        continue
                    before = values[k]
                    value = values[k] = round(before + targets[k] / pace * rnd.uniform(0, 1.6), 1)
                    conf = min(10, max(1, confidence[k] + rnd.choice((-2, -1, 0, 0, 0, 1))))
                    confidence[k] = conf
                    checkin_id += 1
                    rows.append(
                        {
                            "id": checkin_id,
                            "workspace_id": ws,
                            "kr_id": ko + k + 1,
                            "member_id": mo + k // KRS_PER_MEMBER + 1,
                            "week": week,
                            "value": value,
                            "previous_value": before,
                            "confidence": conf,
                            "note": "steady progress" if k % 4 else "",
                            "links": [],
                            "created_at": friday,
                            "updated_at": friday,
                        }
                    )
                w.put(Checkin, rows)

                tasks: list[dict[str, Any]] = []
                for i in range(members):
                    task_id += 1
                    if week == current:
                        status = "done" if i % 3 == 0 else "planned"
                    elif week_index == len(all_weeks) - 2:
                        status = "planned" if i % 4 == 0 else "done"  # Monday's leftovers
                    else:
                        status = rnd.choice(("done", "done", "done", "dropped", "carried_over"))
                    tasks.append(
                        {
                            "id": task_id,
                            "workspace_id": ws,
                            "number": task_id,
                            "week": week,
                            "title": f"Key task {task_id}",
                            "kr_id": ko + i * KRS_PER_MEMBER + 1 + i % KRS_PER_MEMBER,
                            "owner_member_id": mo + i + 1,
                            "due_date": week_start(week) + timedelta(days=2),
                            "status": status,
                            "carried_from_id": None,
                            "done_at": friday if status == "done" else None,
                            "created_at": _at(week, 1, 10),
                        }
                    )
                w.put(PlanTask, tasks)

                helps: list[dict[str, Any]] = []
                kudos: list[dict[str, Any]] = []
                for t in range(teams):
                    size = min(TEAM_SIZE, members - t * TEAM_SIZE)
                    if size < 2:
                        continue
                    first = mo + t * TEAM_SIZE + 1
                    asker = first + rnd.randrange(size)
                    helper = first + (asker - first + 1) % size
                    help_id += 1
                    open_now = week == current and t % 2 == 0
                    helps.append(
                        {
                            "id": help_id,
                            "workspace_id": ws,
                            "number": help_id,
                            "requester_id": asker,
                            "helper_id": helper,
                            "kr_id": (asker - 1) * KRS_PER_MEMBER + 1,
                            "text": "a second pair of eyes on the plan",
                            "status": "accepted" if open_now else "done",
                            "thanks": "" if open_now else "thank you!",
                            "created_at": _at(week, 2, 10),
                            "resolved_at": None if open_now else _at(week, 4, 16),
                        }
                    )
                    for _ in range(2):
                        kudos_id += 1
                        giver = first + rnd.randrange(size)
                        kudos.append(
                            {
                                "id": kudos_id,
                                "workspace_id": ws,
                                "from_member_id": giver,
                                "to_member_id": first + (giver - first + 1) % size,
                                "kr_id": None,
                                "text": "great work this week",
                                "week": week,
                                "created_at": _at(week, 4, 11),
                            }
                        )
                w.put(HelpRequest, helps)
                w.put(Kudos, kudos)

            w.put(
                Away,
                [
                    {
                        "id": away_id + n + 1,
                        "workspace_id": ws,
                        "member_id": mo + i + 1,
                        "start_date": MONDAY,
                        "end_date": FRIDAY + timedelta(days=2),
                        "note": "",
                    }
                    for n, i in enumerate(range(7, members, 50))
                ],
            )
            w.put(
                RefCounter,
                [
                    {"workspace_id": ws, "kind": "O", "next_number": members + 1},
                    {"workspace_id": ws, "kind": "KR", "next_number": kr_count + 1},
                    {"workspace_id": ws, "kind": "T", "next_number": task_id + 1},
                    {"workspace_id": ws, "kind": "H", "next_number": help_id + 1},
                ],
            )
            table = _table(KeyResult)
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("kr"))
                .values(current_value=bindparam("v")),
                [{"kr": ko + k + 1, "v": values[k]} for k in range(kr_count)],
            )
            away_id += len(range(7, members, 50))
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection)
        report("weeks of history", 1.0)
    return Company(
        workspace_id=1,
        workspaces=workspaces,
        members=members,
        teams=teams,
        weeks=weeks,
        week=current,
        rows=w.rows,
    )


def _checks_in_now(k: int) -> bool:
    """This week so far: every first KR, and the second KR of every other member."""
    position, member = k % KRS_PER_MEMBER, k // KRS_PER_MEMBER
    return position == 0 or (position == 1 and member % 2 == 0)


def _advance_sequences(connection: Connection) -> None:
    # Ids were given explicitly, so PostgreSQL's sequences still start at 1:
    # move each past the largest id, or the bot's own inserts would collide.
    for model in (
        Workspace,
        Member,
        Team,
        Cycle,
        Objective,
        KeyResult,
        Checkin,
        PlanTask,
        HelpRequest,
        Kudos,
        Away,
    ):
        _advance(connection, _table(model).name)


def _advance(connection: Connection, name: str) -> None:
    connection.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f'(SELECT COALESCE(MAX(id), 1) FROM "{name}"))'
        )
    )
