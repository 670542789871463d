"""The rhythm's days on SQLite and on PostgreSQL, for one big workspace and many small ones.

The same company size is generated in two shapes, 1 workspace of N members and
N/10 workspaces of 10 (as many small installs share one database), on SQLite and
(given a server) on PostgreSQL. Each day is one tick's work in a process of its
own: the build of every due team's messages, then their outbox rows written as
a tick writes them (timed apart, rolled back). Printed side by side from the one
run: wall and CPU time, the statements sent (each a round trip, which PostgreSQL
pays for and SQLite hardly does), the process's peak RSS, and the ratios
PostgreSQL / SQLite and many workspaces / one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.generate import TEAM_SIZE

Result = dict[str, Any] | None
DATABASES = ("SQLite", "PostgreSQL")
RSS_TARGET_MB = 300  # what a day may peak at, at 10,000 members
PG_TARGET = 1.5  # PostgreSQL's tick within this many times SQLite's
SHAPE_TARGET = 1.3  # many small workspaces' CPU within this many times one big one's


@dataclass(frozen=True, slots=True)
class Shape:
    workspaces: int
    members: int  # in each

    @property
    def label(self) -> str:
        return f"{self.workspaces:,} x {self.members:,}"


def shapes(members: int) -> tuple[Shape, Shape]:
    """One workspace of `members`, and the same people as workspaces of one team each."""
    return Shape(1, members), Shape(max(1, members // TEAM_SIZE), TEAM_SIZE)


Measure = Callable[[str, Shape, str], Result]  # (database, shape, day) -> a probe's result


def run(
    *, databases: Sequence[str], members: int, days: Sequence[str], measure: Measure
) -> dict[tuple[str, str, str], Result]:
    """Every (database, shape, day) measured, keyed by (database, shape label, day)."""
    found: dict[tuple[str, str, str], Result] = {}
    for database in databases:
        for shape in shapes(members):
            for day in days:
                found[(database, shape.label, day)] = measure(database, shape, day)
    return found


def tick_seconds(result: dict[str, Any], key: str = "seconds") -> float:
    """A day's build and its outbox write together: what the tick costs."""
    return float(result[key]) + float(result["write"][key])


def tick_statements(result: dict[str, Any]) -> int:
    return int(result["statements"]) + int(result["write"]["statements"])


def report(
    found: dict[tuple[str, str, str], Result],
    *,
    databases: Sequence[str],
    members: int,
    weeks: int,
    days: Sequence[str],
    late: str,
) -> list[str]:
    """The printed section: one row per day and shape, each database side by side."""
    labels = [s.label for s in shapes(members)]
    head = " | ".join(f"{d} tick wall (CPU) | statements | peak RSS" for d in databases)
    lines = [
        f"Scale: the same {members:,} people as one workspace and as workspaces of "
        f"{TEAM_SIZE} (W={weeks}; a tick = the day's build + its outbox write, one process "
        "per run, statements = round trips)",
        "",
        f"| day | workspaces x members | {head} |"
        + (" PostgreSQL / SQLite wall (CPU) |" if len(databases) > 1 else ""),
        "|---|---|" + "---:|" * (3 * len(databases) + (1 if len(databases) > 1 else 0)),
    ]

    def cells(result: Result) -> str:
        if result is None:
            return f"{late} | - | -"
        return (
            f"{tick_seconds(result):.2f} s ({tick_seconds(result, 'cpu_seconds'):.2f} s) | "
            f"{tick_statements(result):,} | {result['rss_mb']:.0f} MB"
        )

    for day in days:
        for label in labels:
            row = [cells(found.get((d, label, day))) for d in databases]
            ratio = ""
            if len(databases) > 1:
                ratio = (
                    " "
                    + _ratio(
                        found.get((databases[0], label, day)), found.get((databases[1], label, day))
                    )
                    + " |"
                )
            lines.append(f"| {day} | {label} | " + " | ".join(row) + " |" + ratio)

    notes: list[str] = []
    one, many = labels
    for database in databases:
        for day in days:
            first, second = found.get((database, one, day)), found.get((database, many, day))
            if first is not None and second is not None:
                notes.append(
                    f"{database} {day}: {many} / {one} = {_ratio(first, second)} "
                    f"(target CPU <= {SHAPE_TARGET}x)"
                )
    if len(databases) > 1:
        for label in labels:
            for day in days:
                sqlite, pg = (found.get((d, label, day)) for d in databases[:2])
                if sqlite is not None and pg is not None:
                    notes.append(
                        f"{label} {day}: PostgreSQL / SQLite = {_ratio(sqlite, pg)} "
                        f"(target wall <= {PG_TARGET}x), "
                        f"{tick_statements(pg):,} vs {tick_statements(sqlite):,} statements"
                    )
    peaks = [r["rss_mb"] for r in found.values() if r is not None]
    if peaks:
        notes.append(
            f"highest peak RSS of any run: {max(peaks):.0f} MB (target <= {RSS_TARGET_MB} MB)"
        )
    return [*lines, "", *(f"- {n}" for n in notes)]


def _ratio(first: Result, second: Result) -> str:
    if first is None or second is None:
        return "-"
    wall = tick_seconds(second) / tick_seconds(first)
    cpu = tick_seconds(second, "cpu_seconds") / tick_seconds(first, "cpu_seconds")
    return f"{wall:.2f}x ({cpu:.2f}x CPU)"
