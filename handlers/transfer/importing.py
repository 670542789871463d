"""Importing OKRs: read a table into rows, check every row, then apply all or nothing.

`plan_import` reads a `Table` (a sheet as the bot read it from a file, or
Feishu OKR as the bot fetched it), checks every row against the layout and the
workspace (owners, cycles, teams, alignment), matches each row to what is there
already (by the file's keys, else by owner and titles) and decides what to
create, update or leave alone. It writes nothing. `apply_import` carries a plan
without problems out in the caller's transaction. Re-importing the same table
finds everything unchanged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlmodel import Session

from handlers.grammar import ParseError, parse_number
from handlers.grammar.limits import NAME_LIMIT, TITLE_LIMIT
from handlers.i18n import N_, Translator
from handlers.okr.weeks import CycleBounds, cycle_for
from handlers.transfer import layout
from handlers.transfer.layout import Col
from storage.models import (
    Cycle,
    KeyResult,
    KRKind,
    Member,
    Objective,
    ObjectiveKind,
    Source,
    Team,
    TeamRole,
    Workspace,
)
from storage.repos import okrs, transfer, workspaces

UNIT_LIMIT = 32  # the unit column's width
KEY_LIMIT = 200
CYCLE_LIMIT = 64
NUMBER_LIMIT = 1e15  # beyond this a float no longer holds every digit
WEIGHT_LIMIT = 1000.0
MAX_ROWS = 20_000
_CHUNK = 500  # key results written per flush (and per step of the progress bar)  # more than any one workspace's OKRs; a bigger file is refused unread
_REF = re.compile(r"^(O|KR)([0-9]{1,9})$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FORMULA_START = ("=", "+", "-", "@")


# --- what the bot hands over ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell as read; `formula` holds the formula when the cell has one instead of a value."""

    value: str | float | int | bool | date | datetime | None = None
    formula: str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A sheet: its header, where the header was, and the rows under it with their numbers."""

    name: str
    header: tuple[str, ...]
    rows: Sequence[tuple[int, tuple[Cell, ...]]]
    header_row: int = 1


@dataclass(frozen=True, slots=True)
class Person:
    """Someone the platform knows: their platform id and name."""

    external_id: str
    name: str = ""


class Directory(Protocol):
    """The platform's people, for owners who never talked to the bot (by email or id)."""

    def by_emails(self, emails: Sequence[str]) -> Mapping[str, Person]:
        """Email (lower case) -> the person, for those the platform knows."""
        ...

    def by_ids(self, ids: Sequence[str]) -> Mapping[str, Person]:
        """Platform id -> the person, for those the platform knows."""
        ...


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the table (`error`) or worth knowing (a note), where it is."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)
    row: int | None = None
    column: str | None = None  # the header as the file writes it
    error: bool = True

    def text(self, tr: Translator) -> str:
        what = tr.t(self.msgid, **self.params)
        if self.row is not None and self.column:
            return tr.t(
                "Row {row}, column {column}: {what}", row=self.row, column=self.column, what=what
            )
        if self.row is not None:
            return tr.t("Row {row}: {what}", row=self.row, what=what)
        if self.column:
            return tr.t("Column {column}: {what}", column=self.column, what=what)
        return what


class TableError(Exception):
    """A file that cannot be read as a table at all (encoding, size, no sheet)."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.problem = Problem(msgid, params)


# --- rows ------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """One key result row, read and checked, before it is matched to the workspace."""

    number: int
    objective: str
    kr: str
    key: str = ""
    objective_key: str = ""
    owner: str = ""
    kind: str = ""  # "", committed, aspirational
    aligned: str = ""
    start: float | None = None
    target: float | None = None
    current: float | None = None
    milestone: bool = False
    unit: str = ""
    weight: float | None = None
    kr_owner: str = ""
    cycle: str = ""
    team: str = ""


class _Reader:
    """Reads the cells of one table into Rows, collecting every problem on the way."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.problems: list[Problem] = []
        self.columns: dict[Col, int] = {}
        self.headers: dict[Col, str] = {}
        self.skipped = 0

    def problem(self, msgid: str, row: int | None, col: Col | None, **params: object) -> None:
        column = self.headers.get(col) if col is not None else None
        self.problems.append(Problem(msgid, params, row, column))

    def map_header(self) -> None:
        seen_unknown: list[str] = []
        for index, name in enumerate(self.table.header):
            name = (name or "").strip()
            if not name:
                continue
            col = layout.column_of(name)
            if col is None:
                seen_unknown.append(name)
                continue
            if col in self.columns:
                self.problems.append(
                    Problem(
                        N_("Two columns, {first} and {second}, both give the {what}; keep one."),
                        {"first": self.headers[col], "second": name, "what": self.headers[col]},
                        self.table.header_row,
                    )
                )
                continue
            self.columns[col] = index
            self.headers[col] = name
        for name in seen_unknown:
            self.problems.append(
                Problem(
                    N_("Column {column} is not one okrbot knows; it is ignored."),
                    {"column": name},
                    error=False,
                )
            )
        missing = [c for c in layout.REQUIRED if c not in self.columns]
        for col in missing:
            self.problems.append(
                Problem(
                    N_(
                        "There is no {column} column; the first row must name the columns "
                        "(see the template)."
                    ),
                    {"column": layout.BY_COL[col].english + " / " + layout.BY_COL[col].chinese},
                    self.table.header_row,
                )
            )

    def cell(self, cells: tuple[Cell, ...], col: Col) -> Cell:
        index = self.columns.get(col)
        if index is None or index >= len(cells):
            return Cell()
        return cells[index]

    def text(self, cells: tuple[Cell, ...], col: Col, row: int, limit: int) -> str:
        cell = self.cell(cells, col)
        if cell.formula is not None:
            self.problem(
                "the cell holds a formula ({formula}), not a value; paste the values instead.",
                row,
                col,
                formula=_short(cell.formula),
            )
            return ""
        value = cell.value
        if value is None:
            return ""
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, float):
            text = _number_text(value)
        elif isinstance(value, datetime | date):
            text = value.isoformat()
        else:
            text = str(value)
        text = " ".join(text.split())
        if text[:1] in _FORMULA_START and len(text) > 1 and text[0] == "=":
            self.problem(
                "the cell holds a formula ({formula}), not a value; paste the values instead.",
                row,
                col,
                formula=_short(text),
            )
            return ""
        if text.startswith("'") and text[1:2] in _FORMULA_START:
            text = text[1:]  # the apostrophe that keeps a spreadsheet from reading a formula
        if len(text) > limit:
            self.problem(
                "the text is {length} characters long; at most {limit} fit.",
                row,
                col,
                length=len(text),
                limit=limit,
            )
            return ""
        return text

    def number(self, cells: tuple[Cell, ...], col: Col, row: int) -> tuple[float | None, str]:
        """The cell's number (None when empty), and "%" when it was written as a percentage."""
        cell = self.cell(cells, col)
        if (
            cell.formula is None
            and isinstance(cell.value, int | float)
            and not isinstance(cell.value, bool)
        ):
            value = float(cell.value)
            percent = ""
        else:
            raw = self.text(cells, col, row, 60)
            if not raw:
                return None, ""
            percent = "%" if raw.endswith(("%", "％")) else ""
            try:
                value = parse_number(raw.rstrip("%％"))
            except ParseError:
                self.problem("{value} is not a number.", row, col, value=_short(raw))
                return None, ""
        if math.isnan(value) or abs(value) > NUMBER_LIMIT:
            self.problem("the number is too large to keep exactly.", row, col)
            return None, ""
        return value, percent

    def read(self) -> list[Row]:
        self.map_header()
        if any(p.error for p in self.problems):
            return []
        rows: list[Row] = []
        for number, cells in self.table.rows:
            if all(_blank(c) for c in cells):
                self.skipped += 1
                continue
            row = self.read_row(number, cells)
            if row is not None:
                rows.append(row)
        if not rows and not any(p.error for p in self.problems):
            self.problems.append(
                Problem(
                    N_("The sheet {sheet} has no rows under its header: nothing to import."),
                    {"sheet": self.table.name},
                )
            )
        return rows

    def read_row(self, number: int, cells: tuple[Cell, ...]) -> Row | None:
        before = len([p for p in self.problems if p.error])
        row = Row(
            number=number,
            objective=self.text(cells, Col.OBJECTIVE, number, TITLE_LIMIT),
            kr=self.text(cells, Col.KR, number, TITLE_LIMIT),
            key=self.text(cells, Col.KEY, number, KEY_LIMIT),
            objective_key=self.text(cells, Col.OBJECTIVE_KEY, number, KEY_LIMIT),
            owner=self.text(cells, Col.OWNER, number, TITLE_LIMIT),
            aligned=self.text(cells, Col.ALIGNED, number, TITLE_LIMIT),
            unit=self.text(cells, Col.UNIT, number, UNIT_LIMIT),
            kr_owner=self.text(cells, Col.KR_OWNER, number, TITLE_LIMIT),
            cycle=self.text(cells, Col.CYCLE, number, CYCLE_LIMIT),
            team=self.text(cells, Col.TEAM, number, NAME_LIMIT),
        )
        kind = self.text(cells, Col.TYPE, number, 40)
        if kind:
            folded = layout.fold(kind)
            if folded in layout.COMMITTED:
                row.kind = ObjectiveKind.COMMITTED.value
            elif folded in layout.ASPIRATIONAL:
                row.kind = ObjectiveKind.ASPIRATIONAL.value
            else:
                self.problem(
                    "{value} is not a type; write committed or aspirational (承诺型 or 挑战型).",
                    number,
                    Col.TYPE,
                    value=kind,
                )
        if not row.objective:
            if row.kr or not any(p.error for p in self.problems[before:]):
                self.problem(
                    "the objective is empty; every key result belongs to one.",
                    number,
                    Col.OBJECTIVE,
                )
            return None
        if row.kr:
            self.read_measure(row, cells)
        if row.unit and layout.fold(row.unit) in layout.MILESTONE:
            row.milestone, row.unit = True, ""
        return row

    def read_measure(self, row: Row, cells: tuple[Cell, ...]) -> None:
        number = row.number
        target_cell = self.cell(cells, Col.TARGET)
        written = target_cell.value.strip() if isinstance(target_cell.value, str) else ""
        held = written.startswith(layout.HOLD_MARKS)
        if written and layout.fold(written) in layout.MILESTONE:
            row.milestone = True
        else:
            if held:
                # "≥ 100": a level to hold; the key result starts where it must stay.
                for mark in layout.HOLD_MARKS:
                    written = written.removeprefix(mark)
                replaced = list(cells)
                replaced[self.columns[Col.TARGET]] = Cell(written.strip())
                row.target, percent = self.number(tuple(replaced), Col.TARGET, number)
            else:
                row.target, percent = self.number(cells, Col.TARGET, number)
            if percent and not row.unit:
                row.unit = "%"
            row.start, _ = self.number(cells, Col.START, number)
            if held and row.start is None:
                row.start = row.target
        current_cell = self.cell(cells, Col.CURRENT)
        if row.milestone and isinstance(current_cell.value, str) and current_cell.value.strip():
            folded = layout.fold(current_cell.value)
            if folded in layout.DONE:
                row.current = 1.0
            elif folded in layout.NOT_DONE:
                row.current = 0.0
            else:
                self.problem(
                    "{value} is not done or not done; a milestone is either.",
                    number,
                    Col.CURRENT,
                    value=_short(current_cell.value),
                )
        else:
            row.current, _ = self.number(cells, Col.CURRENT, number)
            if row.milestone and row.current is not None and row.current not in (0.0, 1.0):
                self.problem(
                    "a milestone is done (1) or not (0), not {value}.",
                    number,
                    Col.CURRENT,
                    value=_number_text(row.current),
                )
        if held and row.target is not None and row.start != row.target:
            self.problem(
                "a level to hold (≥ {value}) starts where it must stay: leave the start empty "
                "or make it the same.",
                number,
                Col.START,
                value=_number_text(row.target),
            )
        elif not (held or row.milestone) and row.target == (row.start or 0.0):
            self.problem(
                "the target equals the start ({value}): a key result must move from one "
                "to the other (to hold a level, write the target as ≥ {value}).",
                number,
                Col.TARGET,
                value=_number_text(row.target or 0.0),
            )
        weight, _ = self.number(cells, Col.WEIGHT, number)
        if weight is not None and not 0 < weight <= WEIGHT_LIMIT:
            self.problem(
                "the weight must be a number above 0 and at most {limit}.",
                number,
                Col.WEIGHT,
                limit=int(WEIGHT_LIMIT),
            )
        else:
            row.weight = weight


def _blank(cell: Cell) -> bool:
    return cell.formula is None and (
        cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())
    )


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


# --- the plan --------------------------------------------------------------------


@dataclass(slots=True)
class _NewPerson:
    external_id: str
    name: str
    handle: str | None = None
    member_id: int | None = None  # once created


Owner = int | _NewPerson  # a member's id, or someone to add


@dataclass(slots=True)
class KRPlan:
    row: Row
    kr: KeyResult | None  # None: to create
    owner: Owner | None
    changes: dict[str, Any] = field(default_factory=dict)
    created_id: int | None = None

    @property
    def state(self) -> str:
        return "created" if self.kr is None else ("updated" if self.changes else "unchanged")


@dataclass(slots=True)
class ObjectivePlan:
    rows: list[Row]
    title: str
    cycle: str  # the cycle's name
    bounds: CycleBounds | None  # to create the cycle, when it is new
    kind: str
    owner: Owner | None  # a member, when the objective is a person's
    team: str  # the team's name ("" for none): the owner when `owner` is None
    objective: Objective | None  # None: to create
    objective_key: str = ""
    aligned: str = ""
    krs: list[KRPlan] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)
    parent: tuple[str, Any] | None = None  # ("objective"|"kr", id) or ("plan"|"krplan", plan)
    parent_given: bool = False  # the row said something about alignment (a parent or none)
    created_id: int | None = None

    @property
    def state(self) -> str:
        if self.objective is None:
            return "created"
        return "updated" if self.changes else "unchanged"


@dataclass(slots=True)
class Summary:
    created: int = 0  # key results (and objectives without any) created
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # empty rows and exact repeats
    objectives_created: int = 0
    objectives_updated: int = 0
    people_added: int = 0
    teams_added: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Plan:
    workspace_id: int
    source: str
    problems: list[Problem]
    objectives: list[ObjectivePlan] = field(default_factory=list)
    people: list[_NewPerson] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)
    memberships: set[tuple[str, int | str]] = field(default_factory=set)  # (team, member)
    skipped: int = 0
    rows: int = 0

    @property
    def errors(self) -> list[Problem]:
        """The problems, in the order of their rows."""
        return sorted((p for p in self.problems if p.error), key=lambda p: p.row or 0)

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if not p.error]

    def summary(self) -> Summary:
        found = Summary(skipped=self.skipped, people_added=len(self.people))
        found.teams_added = list(self.new_teams)
        for plan in self.objectives:
            if plan.state == "created":
                found.objectives_created += 1
            elif plan.state == "updated":
                found.objectives_updated += 1
            for kr in plan.krs:
                setattr(found, kr.state, getattr(found, kr.state) + 1)
            if not plan.krs:
                setattr(found, plan.state, getattr(found, plan.state) + 1)
        return found


class _People:
    """Who an owner cell names: a member by platform id, handle, name or email."""

    def __init__(
        self,
        session: Session,
        workspace: Workspace,
        directory: Directory | None,
        texts: set[str],
        problems: list[Problem],
    ) -> None:
        assert workspace.id is not None
        self.workspace = workspace
        self.members = workspaces.list_members(session=session, workspace_id=workspace.id)
        self.by_external = {m.external_id: m for m in self.members}
        self.by_handle = {m.handle.casefold(): m for m in self.members}
        self.by_name: dict[str, list[Member]] = {}
        for m in self.members:
            if m.display_name:
                self.by_name.setdefault(m.display_name.casefold(), []).append(m)
        self.new: dict[str, _NewPerson] = {}
        self.found: dict[str, Person] = {}
        self.looked_up = False
        self.directory = directory
        emails = sorted({t.casefold() for t in texts if _EMAIL.match(t)})
        ids = sorted(
            {
                t
                for t in texts
                if not _EMAIL.match(t) and t not in self.by_external and self._local(t) is None
            }
        )
        if directory is not None:
            try:
                if emails:
                    self.found.update(
                        (k.casefold(), v) for k, v in directory.by_emails(emails).items()
                    )
                if ids:
                    self.found.update(directory.by_ids(ids))
                self.looked_up = True
            except LookupError as error:
                problems.append(
                    Problem(
                        N_(
                            "The platform could not be asked about people ({error}); owners given "
                            "by email or id that okrbot does not know yet are refused."
                        ),
                        {"error": str(error)},
                        error=False,
                    )
                )

    def _local(self, text: str) -> Member | None:
        token = text.lstrip("@＠").strip()
        found = self.by_external.get(token) or self.by_handle.get(token.casefold())
        if found is not None:
            return found
        named = self.by_name.get(token.casefold(), [])
        return named[0] if len(named) == 1 else None

    def resolve(self, text: str) -> Owner | str:
        """The owner, or the msgid of why not."""
        member = self._local(text)
        if member is not None:
            assert member.id is not None
            return member.id
        token = text.lstrip("@＠").strip()
        if len(self.by_name.get(token.casefold(), [])) > 1:
            return N_("several people are called {who}; give their handle or email instead.")
        person = self.found.get(token.casefold()) or self.found.get(token)
        if person is not None:
            known = self.by_external.get(person.external_id)
            if known is not None:
                assert known.id is not None
                return known.id
            return self.new.setdefault(
                person.external_id, _NewPerson(person.external_id, person.name or token)
            )
        if self.workspace.platform == "console" and not _EMAIL.match(token):
            # The terminal has no platform to ask: a new name is a new person of the trial.
            handle = re.sub(r"[\s@#,;:|\"'“”]+", "", token.split(" ")[0]).casefold()[:48] or token
            return self.new.setdefault(f"handle:{handle}", _NewPerson(handle, token, handle=handle))
        if _EMAIL.match(token):
            if self.directory is None:
                return N_(
                    "nobody in okrbot has the email {who}, and no platform is connected to "
                    "look it up."
                )
            return N_("nobody in this workspace has the email {who}.")
        return N_("okrbot knows nobody called {who} in this workspace.")


def _cycle_bounds(name: str) -> CycleBounds | None:
    """The calendar cycle a name like 2026-Q4, 2026 Q4, Q4 2026, 2026-B6, 2026-11 or 2026 means."""
    text = name.strip().upper().replace("／", "/")
    patterns = (
        (r"([0-9]{4})\s*[-/ ]?\s*Q([1-4])", "quarter", 3),
        (r"Q([1-4])\s*[-/ ]?\s*([0-9]{4})", "quarter_rev", 3),
        (r"([0-9]{4})\s*-?\s*B([1-6])", "bimonthly", 2),
        (r"([0-9]{4})\s*-\s*([0-9]{1,2})", "monthly", 1),
        (r"([0-9]{4})", "annual", 12),
    )
    for pattern, kind, _ in patterns:
        match = re.fullmatch(pattern, text)
        if match is None:
            continue
        if kind == "quarter_rev":
            quarter, year = int(match.group(1)), int(match.group(2))
            return cycle_for("quarter", date(year, 3 * quarter, 1))
        year = int(match.group(1))
        if not 2000 <= year <= 2100:
            return None
        if kind == "annual":
            return cycle_for("annual", date(year, 1, 1))
        part = int(match.group(2))
        if kind == "quarter":
            return cycle_for("quarter", date(year, 3 * part, 1))
        if kind == "bimonthly":
            return cycle_for("bimonthly", date(year, 2 * part, 1))
        if 1 <= part <= 12:
            return cycle_for("monthly", date(year, part, 1))
    return None


def plan_import(
    *,
    session: Session,
    workspace: Workspace,
    table: Table,
    today: date,
    directory: Directory | None = None,
    source: str = Source.FILE.value,
) -> Plan:
    """Read, check and match every row of `table`; nothing is written."""
    assert workspace.id is not None
    reader = _Reader(table)
    rows = reader.read()
    plan = Plan(workspace_id=workspace.id, source=source, problems=reader.problems)
    plan.skipped = reader.skipped
    plan.rows = len(rows)
    if not rows:
        return plan
    # Rows with a bad cell still go on: every problem of the file is found in one run.
    _Planner(session, workspace, reader, plan, today, directory).run(rows)
    return plan


class _Planner:
    def __init__(
        self,
        session: Session,
        workspace: Workspace,
        reader: _Reader,
        plan: Plan,
        today: date,
        directory: Directory | None,
    ) -> None:
        assert workspace.id is not None
        self.session = session
        self.workspace = workspace
        self.ws = workspace.id
        self.reader = reader
        self.plan = plan
        self.today = today
        self.directory = directory
        self.cycles: dict[str, Cycle] = {
            c.name.casefold(): c for c in _cycles(session, workspace.id)
        }
        self.keys = transfer.source_keys(session=session, workspace_id=self.ws, source=plan.source)
        self.teams = {
            t.name.casefold(): t
            for t in workspaces.list_teams(session=session, workspace_id=self.ws)
        }

    def problem(self, msgid: str, row: int | None, col: Col | None, **params: object) -> None:
        self.reader.problem(msgid, row, col, **params)

    def run(self, rows: list[Row]) -> None:
        owners = {r.owner for r in rows if r.owner} | {r.kr_owner for r in rows if r.kr_owner}
        people = _People(self.session, self.workspace, self.directory, owners, self.plan.problems)
        groups = self.group(rows, people)
        self.match(groups)
        self.align(groups)
        self.plan.objectives = groups
        self.plan.people = list(people.new.values())

    # -- grouping rows into objectives -------------------------------------------

    def cycle_of(self, row: Row) -> tuple[str, CycleBounds | None] | None:
        if not row.cycle:
            bounds = cycle_for(self.workspace.cycle_kind or "quarter", self.today)
            existing = self.cycles.get(bounds.name.casefold())
            return (existing.name, None) if existing else (bounds.name, bounds)
        existing = self.cycles.get(row.cycle.casefold())
        if existing is not None:
            return existing.name, None
        parsed = _cycle_bounds(row.cycle)
        if parsed is None:
            self.problem(
                "{value} is not a cycle okrbot knows; write it like 2026-Q4, 2026-B6 (two "
                "months), 2026-11 (a month) or 2026 (a year).",
                row.number,
                Col.CYCLE,
                value=row.cycle,
            )
            return None
        existing = self.cycles.get(parsed.name.casefold())
        return (existing.name, None) if existing else (parsed.name, parsed)

    def group(self, rows: list[Row], people: _People) -> list[ObjectivePlan]:
        groups: dict[tuple[Any, ...], ObjectivePlan] = {}
        first_row: dict[int, dict[str, int]] = {}
        for row in rows:
            cycle = self.cycle_of(row)
            owner: Owner | None = None
            if row.owner:
                resolved = people.resolve(row.owner)
                if isinstance(resolved, str):
                    self.problem(resolved, row.number, Col.OWNER, who=row.owner)
                    continue
                owner = resolved
            elif not row.team:
                self.problem(
                    "the objective has no owner: give a person, or a team for a team objective.",
                    row.number,
                    Col.OWNER,
                )
                continue
            kr_owner: Owner | None = owner
            if row.kr_owner:
                resolved = people.resolve(row.kr_owner)
                if isinstance(resolved, str):
                    self.problem(resolved, row.number, Col.KR_OWNER, who=row.kr_owner)
                    continue
                kr_owner = resolved
            if cycle is None:
                continue
            who: Any = (
                ("team", row.team.casefold())
                if owner is None
                else (owner if isinstance(owner, int) else ("new", owner.external_id))
            )
            gkey: tuple[Any, ...] = (
                ("key", row.objective_key)
                if row.objective_key
                else (cycle[0].casefold(), who, row.objective)
            )
            plan = groups.get(gkey)
            if plan is None:
                plan = ObjectivePlan(
                    rows=[],
                    title=row.objective,
                    cycle=cycle[0],
                    bounds=cycle[1],
                    kind=row.kind,
                    owner=owner,
                    team=row.team,
                    objective=None,
                    objective_key=row.objective_key,
                    aligned=row.aligned,
                )
                groups[gkey] = plan
                first_row[id(plan)] = {
                    "kind": row.number,
                    "aligned": row.number,
                    "team": row.number,
                }
            else:
                self.same_objective(plan, row, first_row[id(plan)])
            plan.rows.append(row)
            if row.team:
                member = owner if owner is not None else None
                if member is not None:
                    self.plan.memberships.add(
                        (row.team, member if isinstance(member, int) else member.external_id)
                    )
                known = {t.casefold() for t in self.plan.new_teams} | set(self.teams)
                if row.team.casefold() not in known:
                    self.plan.new_teams.append(row.team)
            if row.kr:
                self.add_kr(plan, row, kr_owner)
        return list(groups.values())

    def same_objective(self, plan: ObjectivePlan, row: Row, first: dict[str, int]) -> None:
        """A later row of an objective may leave its fields empty, but not contradict them."""
        for name, col in (("kind", Col.TYPE), ("aligned", Col.ALIGNED), ("team", Col.TEAM)):
            value = getattr(row, name)
            held = getattr(plan, name)
            if value and held and value.casefold() != held.casefold():
                self.problem(
                    "the objective {title} appears twice in cycle {cycle}, as {first} in row "
                    "{earlier} and as {second} here; make the rows agree, or give the two "
                    "objectives different titles.",
                    row.number,
                    col,
                    title=plan.title,
                    cycle=plan.cycle,
                    first=held,
                    earlier=first[name],
                    second=value,
                )
            elif value and not held:
                setattr(plan, name, value)
                first[name] = row.number
        if row.objective_key and row.objective != plan.title:
            self.problem(
                "objective key {key} is also used for {title} in another row; one key, one "
                "objective.",
                row.number,
                Col.OBJECTIVE_KEY,
                key=row.objective_key,
                title=plan.title,
            )

    def add_kr(self, plan: ObjectivePlan, row: Row, owner: Owner | None) -> None:
        for other in plan.krs:
            same_key = row.key and other.row.key == row.key
            same_title = not row.key and not other.row.key and other.row.kr == row.kr
            if not (same_key or same_title):
                continue
            if _same_measure(other.row, row) and other.owner == owner:
                self.plan.skipped += 1
                self.plan.problems.append(
                    Problem(
                        N_("the same key result as row {other}; skipped."),
                        {"other": other.row.number},
                        row.number,
                        error=False,
                    )
                )
                return
            self.problem(
                "the key result {title} is already in row {other} of this objective, with other "
                "values; keep one row per key result.",
                row.number,
                Col.KR,
                title=row.kr,
                other=other.row.number,
            )
            return
        plan.krs.append(KRPlan(row=row, kr=None, owner=owner))

    # -- matching with what is there ---------------------------------------------

    def match(self, groups: list[ObjectivePlan]) -> None:
        cycle_ids = {
            self.cycles[g.cycle.casefold()].id for g in groups if g.cycle.casefold() in self.cycles
        }
        existing: list[Objective] = []
        for cycle_id in cycle_ids:
            existing.extend(
                okrs.list_objectives(session=self.session, workspace_id=self.ws, cycle_id=cycle_id)
            )
        by_owner_title: dict[tuple[int, Any, str], list[Objective]] = {}
        owner: Any
        for objective in existing:
            owner = (
                objective.owner_member_id
                if objective.owner_member_id is not None
                else ("team", objective.owner_team_id)
            )
            by_owner_title.setdefault((objective.cycle_id, owner, objective.title), []).append(
                objective
            )
        self.krs_of: dict[int, list[KeyResult]] = {}
        for part in okrs.slices(o.id for o in existing if o.id is not None):
            for kr in okrs.list_key_results(
                session=self.session, workspace_id=self.ws, objective_ids=part
            ):
                self.krs_of.setdefault(kr.objective_id, []).append(kr)
        keyed_krs: dict[int, KeyResult] = {}
        kr_ids = [i for (kind, _), i in self.keys.items() if kind == "KR"]
        wanted_refs = [
            int(m.group(2))
            for g in groups
            for k in g.krs
            if (m := _REF.match(k.row.key)) and m.group(1).upper() == "KR"
        ]
        for kr in (
            okrs.list_key_results(session=self.session, workspace_id=self.ws, ids=kr_ids)
            if kr_ids
            else []
        ):
            assert kr.id is not None
            keyed_krs[kr.id] = kr
        by_number: dict[int, KeyResult] = {}
        for number in wanted_refs:
            found = okrs.get_key_result(session=self.session, workspace_id=self.ws, number=number)
            if found is not None:
                by_number[number] = found
        keyed_ids = set(keyed_krs)
        claimed: set[int] = set()
        for plan in groups:
            cycle = self.cycles.get(plan.cycle.casefold())
            # 1. the objective by its key, 2. through a key result's key, 3. by owner and title.
            if plan.objective_key:
                plan.objective = self.objective_by_key(plan.objective_key, cycle)
            for kr_plan in plan.krs:
                kr_plan.kr = self.kr_by_key(kr_plan.row.key, keyed_krs, by_number, keyed_ids, cycle)
                if kr_plan.kr is not None and kr_plan.kr.id in claimed:
                    self.problem(
                        "key {key} names a key result that another row already updates.",
                        kr_plan.row.number,
                        Col.KEY,
                        key=kr_plan.row.key,
                    )
                    continue
                if kr_plan.kr is not None:
                    assert kr_plan.kr.id is not None
                    claimed.add(kr_plan.kr.id)
                    if plan.objective is None:
                        plan.objective = okrs.get_objective_by_id(
                            session=self.session,
                            workspace_id=self.ws,
                            objective_id=kr_plan.kr.objective_id,
                        )
                    elif plan.objective.id != kr_plan.kr.objective_id:
                        self.problem(
                            "key {key} names a key result of another objective; move key "
                            "results between objectives in chat.",
                            kr_plan.row.number,
                            Col.KEY,
                            key=kr_plan.row.key,
                        )
            if plan.objective is None and cycle is not None and isinstance(plan.owner, int | None):
                who: Any = plan.owner
                if who is None:
                    found_team = self.teams.get(plan.team.casefold())
                    who = ("team", found_team.id) if found_team is not None else None
                if who is not None and cycle.id is not None:
                    candidates = by_owner_title.get((cycle.id, who, plan.title), [])
                    if candidates:
                        plan.objective = candidates[0]
            if plan.objective is not None:
                self.match_krs(plan, claimed)
                self.objective_changes(plan)
            for kr_plan in plan.krs:
                self.kr_changes(kr_plan)

    def objective_by_key(self, key: str, cycle: Cycle | None) -> Objective | None:
        found_id = self.keys.get(("O", key))
        if found_id is not None:
            return okrs.get_objective_by_id(
                session=self.session, workspace_id=self.ws, objective_id=found_id
            )
        match = _REF.match(key)
        if match and match.group(1).upper() == "O" and self.plan.source == Source.FILE.value:
            found = okrs.get_objective(
                session=self.session, workspace_id=self.ws, number=int(match.group(2))
            )
            # A reference an export wrote: this workspace's objective, if it is in the row's cycle.
            if found is not None and cycle is not None and found.cycle_id == cycle.id:
                return found
        return None

    def kr_by_key(
        self,
        key: str,
        keyed: dict[int, KeyResult],
        by_number: dict[int, KeyResult],
        keyed_ids: set[int],
        cycle: Cycle | None,
    ) -> KeyResult | None:
        if not key:
            return None
        found_id = self.keys.get(("KR", key))
        if found_id is not None and found_id in keyed:
            return keyed[found_id]
        match = _REF.match(key)
        if match and match.group(1).upper() == "KR" and self.plan.source == Source.FILE.value:
            found = by_number.get(int(match.group(2)))
            if found is not None and found.id not in keyed_ids and cycle is not None:
                objective = okrs.get_objective_by_id(
                    session=self.session, workspace_id=self.ws, objective_id=found.objective_id
                )
                if objective is not None and objective.cycle_id == cycle.id:
                    return found
        return None

    def match_krs(self, plan: ObjectivePlan, claimed: set[int]) -> None:
        assert plan.objective is not None and plan.objective.id is not None
        current = self.krs_of.get(plan.objective.id)
        if current is None:  # an objective of another cycle, found by a key
            current = okrs.list_key_results(
                session=self.session, workspace_id=self.ws, objective_ids=[plan.objective.id]
            )
        by_title = {kr.title: kr for kr in current}
        for kr_plan in plan.krs:
            if kr_plan.kr is None:
                found = by_title.get(kr_plan.row.kr)
                if found is not None and found.id not in claimed:
                    assert found.id is not None
                    kr_plan.kr = found
                    claimed.add(found.id)

    def objective_changes(self, plan: ObjectivePlan) -> None:
        objective = plan.objective
        assert objective is not None
        changes: dict[str, Any] = {}
        if objective.title != plan.title:
            changes["title"] = plan.title
        if plan.kind and objective.kind != plan.kind:
            changes["kind"] = plan.kind
        cycle = self.cycles.get(plan.cycle.casefold())
        if cycle is None or cycle.id != objective.cycle_id:
            changes["cycle"] = plan.cycle
        if plan.owner is not None:
            if plan.owner != objective.owner_member_id:
                changes["owner"] = plan.owner
        else:
            team = self.teams.get(plan.team.casefold())
            if team is None or objective.owner_team_id != team.id:
                changes["team"] = plan.team
        plan.changes = changes

    def kr_changes(self, kr_plan: KRPlan) -> None:
        kr, row = kr_plan.kr, kr_plan.row
        if kr is None:
            return
        changes: dict[str, Any] = {}
        if kr.title != row.kr:
            changes["title"] = row.kr
        kind = KRKind.MILESTONE.value if row.milestone else KRKind.NUMERIC.value
        if kr.kind != kind:
            changes["kind"] = kind
        if not row.milestone:
            start = row.start if row.start is not None else 0.0
            if not _same(kr.start_value, start):
                changes["start_value"] = start
            if row.target is not None and not _same(kr.target_value, row.target):
                changes["target_value"] = row.target
        elif kr.kind != kind:
            changes["start_value"], changes["target_value"] = 0.0, 1.0
        if row.current is not None and not _same(kr.current_value, row.current):
            changes["current_value"] = row.current
        if row.unit != kr.unit and not row.milestone:
            changes["unit"] = row.unit
        if row.weight is not None and not _same(kr.weight, row.weight):
            changes["weight"] = row.weight
        if kr_plan.owner is not None and kr_plan.owner != kr.owner_member_id:
            changes["owner_member_id"] = kr_plan.owner
        kr_plan.changes = changes

    # -- alignment -----------------------------------------------------------------

    def align(self, groups: list[ObjectivePlan]) -> None:
        by_okey = {g.objective_key: g for g in groups if g.objective_key}
        by_kkey = {k.row.key: (g, k) for g in groups for k in g.krs if k.row.key}
        by_title: dict[str, list[Any]] = {}
        for g in groups:
            by_title.setdefault(g.title, []).append(("plan", g))
            for k in g.krs:
                by_title.setdefault(k.row.kr, []).append(("krplan", k))
        kr_group = {id(k): g for g in groups for k in g.krs}
        matched = {g.objective.id: g for g in groups if g.objective is not None}
        for plan in groups:
            if not plan.aligned:
                continue
            row = next(r for r in plan.rows if r.aligned == plan.aligned or r.aligned)
            plan.parent_given = True
            text = plan.aligned.strip()
            if layout.fold(text) in layout.NONE:
                plan.parent = None
                self.parent_change(plan)
                continue
            target = self.alignment_target(text, by_okey, by_kkey, by_title, matched)
            if isinstance(target, str):
                self.problem(target, row.number, Col.ALIGNED, value=text)
                continue
            if (target[0] == "plan" and target[1] is plan) or (
                target[0] == "krplan" and kr_group[id(target[1])] is plan
            ):
                self.problem(
                    "an objective cannot align to itself or its own key result.",
                    row.number,
                    Col.ALIGNED,
                )
                continue
            plan.parent = target
            self.parent_change(plan)
        self.find_circles(groups, kr_group, matched)

    def alignment_target(
        self,
        text: str,
        by_okey: dict[str, ObjectivePlan],
        by_kkey: dict[str, tuple[ObjectivePlan, KRPlan]],
        by_title: dict[str, list[Any]],
        matched: dict[int | None, ObjectivePlan],
    ) -> tuple[str, Any] | str:
        if text in by_okey:
            return ("plan", by_okey[text])
        if text in by_kkey:
            return ("krplan", by_kkey[text][1])
        stored = self.keys.get(("O", text))
        if stored is not None:
            return self.db_target("objective", stored, matched)
        stored = self.keys.get(("KR", text))
        if stored is not None:
            return self.db_target("kr", stored, matched)
        ref = _REF.match(text)
        if ref is not None:
            number = int(ref.group(2))
            if ref.group(1).upper() == "O":
                objective = okrs.get_objective(
                    session=self.session, workspace_id=self.ws, number=number
                )
                if objective is not None:
                    assert objective.id is not None
                    return self.db_target("objective", objective.id, matched)
            else:
                kr = okrs.get_key_result(session=self.session, workspace_id=self.ws, number=number)
                if kr is not None:
                    assert kr.id is not None
                    return self.db_target("kr", kr.id, matched)
            return N_("it aligns to {value}, which does not exist.")
        in_file = by_title.get(text, [])
        if len(in_file) == 1:
            return tuple(in_file[0])  # a (kind, plan) pair
        if len(in_file) > 1:
            return N_(
                "several objectives or key results are titled {value}; align by key or reference (O3, KR12) instead."
            )
        found = _titled(self.session, self.ws, text)
        if len(found) == 1:
            return self.db_target(*found[0], matched)
        if len(found) > 1:
            return N_(
                "several objectives or key results are titled {value}; align by key or reference (O3, KR12) instead."
            )
        return N_("it aligns to {value}, which is neither in the file nor in okrbot.")

    def db_target(
        self, kind: str, item_id: int, matched: dict[int | None, ObjectivePlan]
    ) -> tuple[str, Any]:
        if kind == "objective" and item_id in matched:
            return ("plan", matched[item_id])
        if kind == "kr":
            for plan in matched.values():
                for k in plan.krs:
                    if k.kr is not None and k.kr.id == item_id:
                        return ("krplan", k)
        return (kind, item_id)

    def parent_change(self, plan: ObjectivePlan) -> None:
        objective = plan.objective
        if objective is None:
            return
        now = (objective.parent_objective_id, objective.parent_kr_id)
        wanted: tuple[int | None, int | None] | None
        if plan.parent is None:
            wanted = (None, None)
        elif plan.parent[0] == "objective":
            wanted = (plan.parent[1], None)
        elif plan.parent[0] == "kr":
            wanted = (None, plan.parent[1])
        elif plan.parent[0] == "plan" and plan.parent[1].objective is not None:
            wanted = (plan.parent[1].objective.id, None)
        elif plan.parent[0] == "krplan" and plan.parent[1].kr is not None:
            wanted = (None, plan.parent[1].kr.id)
        else:
            wanted = None  # a parent created by this import: a change for sure
        if wanted != now:
            plan.changes["aligned"] = plan.aligned

    def find_circles(
        self,
        groups: list[ObjectivePlan],
        kr_group: dict[int, ObjectivePlan],
        matched: dict[int | None, ObjectivePlan],
    ) -> None:
        """An alignment that leads back to where it started is refused, with the loop named."""
        cache: dict[int, int | None] = {}

        def db_parent(objective_id: int) -> int | None:
            if objective_id not in cache:
                found = okrs.get_objective_by_id(
                    session=self.session, workspace_id=self.ws, objective_id=objective_id
                )
                parent: int | None = None
                if found is not None:
                    if found.parent_objective_id is not None:
                        parent = found.parent_objective_id
                    elif found.parent_kr_id is not None:
                        kr = okrs.get_key_result_by_id(
                            session=self.session, workspace_id=self.ws, kr_id=found.parent_kr_id
                        )
                        parent = kr.objective_id if kr is not None else None
                cache[objective_id] = parent
            return cache[objective_id]

        def step(node: Any) -> Any:
            if isinstance(node, ObjectivePlan):
                if node.parent_given:
                    parent = node.parent
                    if parent is None:
                        return None
                    kind, value = parent
                    if kind == "plan":
                        return value
                    if kind == "krplan":
                        return kr_group[id(value)]
                    if kind == "kr":
                        kr = okrs.get_key_result_by_id(
                            session=self.session, workspace_id=self.ws, kr_id=value
                        )
                        value = kr.objective_id if kr is not None else None
                    return matched.get(value, value)
                if node.objective is None or node.objective.id is None:
                    return None
                parent_id = db_parent(node.objective.id)
                return matched.get(parent_id, parent_id)
            if node is None:
                return None
            parent_id = db_parent(node)
            return matched.get(parent_id, parent_id)

        reported: set[int] = set()
        for plan in groups:
            if not plan.parent_given or plan.parent is None or id(plan) in reported:
                continue
            path = [plan]
            node = step(plan)
            for _ in range(1000):
                if node is None:
                    break
                if node is plan:
                    names = " → ".join(
                        p.title if isinstance(p, ObjectivePlan) else f"#{p}" for p in [*path, plan]
                    )
                    row = next(r for r in plan.rows if r.aligned)
                    self.problem(
                        "the alignment goes round in a circle: {path}. An objective cannot "
                        "support itself.",
                        row.number,
                        Col.ALIGNED,
                        path=names,
                    )
                    reported.update(id(p) for p in path)
                    break
                if node in path:
                    break
                path.append(node)
                node = step(node)


def _own_ref(key: str, kind: str, number: int, source: str) -> bool:
    return source == Source.FILE.value and key.upper() == f"{kind}{number}"


def _titled(session: Session, workspace_id: int, title: str) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for objective in okrs.objectives_titled(
        session=session, workspace_id=workspace_id, title=title
    ):
        assert objective.id is not None
        found.append(("objective", objective.id))
    for kr in okrs.key_results_titled(session=session, workspace_id=workspace_id, title=title):
        assert kr.id is not None
        found.append(("kr", kr.id))
    return found


def _cycles(session: Session, workspace_id: int) -> list[Cycle]:
    return okrs.list_cycles(session=session, workspace_id=workspace_id)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def _same_measure(a: Row, b: Row) -> bool:
    return (a.start, a.target, a.current, a.unit, a.weight, a.milestone) == (
        b.start,
        b.target,
        b.current,
        b.unit,
        b.weight,
        b.milestone,
    )


# --- applying -------------------------------------------------------------------


def apply_import(
    *,
    session: Session,
    plan: Plan,
    workspace: Workspace,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Carry out a plan that has no errors, in the caller's transaction."""
    if plan.errors:
        raise ValueError("a plan with problems is not applied")
    assert workspace.id is not None
    ws = workspace.id
    members: dict[str, int] = {}
    for person in plan.people:
        member = workspaces.upsert_member(
            session=session,
            workspace_id=ws,
            external_id=person.external_id,
            display_name=person.name,
            handle=person.handle,
        )
        assert member.id is not None
        person.member_id = member.id
        members[person.external_id] = member.id

    def member_id(owner: Owner | None) -> int | None:
        if owner is None or isinstance(owner, int):
            return owner
        return members[owner.external_id]

    teams = {t.name.casefold(): t for t in workspaces.list_teams(session=session, workspace_id=ws)}
    for name in plan.new_teams:
        if name.casefold() not in teams:
            teams[name.casefold()] = workspaces.create_team(
                session=session,
                workspace_id=ws,
                name=name,
                timezone=workspace.default_timezone,
                locale=workspace.default_locale,
            )
    for team_name, who in sorted(plan.memberships, key=str):
        team = teams[team_name.casefold()]
        assert team.id is not None
        mid = who if isinstance(who, int) else members[who]
        workspaces.add_team_member(
            session=session, workspace_id=ws, team_id=team.id, member_id=mid, role=TeamRole.MEMBER
        )
    cycles: dict[str, Cycle] = {c.name.casefold(): c for c in _cycles(session, ws)}

    def cycle_id(plan_: ObjectivePlan) -> int:
        found = cycles.get(plan_.cycle.casefold())
        if found is None:
            bounds = plan_.bounds
            assert bounds is not None
            found = okrs.get_or_create_cycle(
                session=session,
                workspace_id=ws,
                name=bounds.name,
                kind=bounds.kind,
                start=bounds.start,
                end=bounds.end,
            )
            cycles[plan_.cycle.casefold()] = found
        assert found.id is not None
        return found.id

    # Numbers for everything new at once, and rows flushed in chunks: a file of thousands
    # of rows is a few statements per chunk, not several per row.
    new_objectives = [o for o in plan.objectives if o.objective is None]
    new_krs = sum(1 for o in plan.objectives for k in o.krs if k.kr is None)
    o_numbers = iter(
        okrs.allocate_numbers(session=session, workspace_id=ws, kind="O", count=len(new_objectives))
    )
    kr_numbers = iter(
        okrs.allocate_numbers(session=session, workspace_id=ws, kind="KR", count=new_krs)
    )
    made: dict[int, Objective] = {}
    for objective_plan in new_objectives:
        owning: Team | None = (
            teams.get(objective_plan.team.casefold()) if objective_plan.team else None
        )
        owner = member_id(objective_plan.owner)
        made[id(objective_plan)] = okrs.create_objective(
            session=session,
            workspace_id=ws,
            cycle_id=cycle_id(objective_plan),
            title=objective_plan.title,
            kind=ObjectiveKind(objective_plan.kind or ObjectiveKind.COMMITTED.value),
            owner_member_id=owner,
            owner_team_id=owning.id if owner is None and owning is not None else None,
            number=next(o_numbers),
            flush=False,
        )
        made[id(objective_plan)].created_at = made[id(objective_plan)].updated_at = now
    session.flush()

    done = 0
    pending: list[tuple[KRPlan, KeyResult]] = []

    def settle() -> None:
        nonlocal done
        session.flush()
        for kr_plan, kr in pending:
            assert kr.id is not None
            kr_plan.created_id = kr.id
            # A key that is the key result's own reference here (an export's) needs no keeping.
            if kr_plan.row.key and not _own_ref(kr_plan.row.key, "KR", kr.number, plan.source):
                transfer.set_key(
                    session=session,
                    workspace_id=ws,
                    source=plan.source,
                    kind="KR",
                    key=kr_plan.row.key,
                    item_id=kr.id,
                )
        done += len(pending)
        pending.clear()
        if progress is not None:
            progress(done)

    for objective_plan in plan.objectives:
        owning = teams.get(objective_plan.team.casefold()) if objective_plan.team else None
        owner = member_id(objective_plan.owner)
        team_id = owning.id if owner is None and owning is not None else None
        objective = objective_plan.objective
        if objective is None:
            objective = made[id(objective_plan)]
        elif objective_plan.changes:
            changes: dict[str, object] = {}
            for name in ("title", "kind"):
                if name in objective_plan.changes:
                    changes[name] = objective_plan.changes[name]
            if "owner" in objective_plan.changes or "team" in objective_plan.changes:
                changes["owner_member_id"], changes["owner_team_id"] = owner, team_id
            okrs.update_objective(session=session, objective=objective, changes=changes, now=now)
            if "cycle" in objective_plan.changes:
                objective.cycle_id = cycle_id(objective_plan)
                session.add(objective)
        assert objective.id is not None
        objective_plan.created_id = objective.id
        if objective_plan.objective_key and not _own_ref(
            objective_plan.objective_key, "O", objective.number, plan.source
        ):
            transfer.set_key(
                session=session,
                workspace_id=ws,
                source=plan.source,
                kind="O",
                key=objective_plan.objective_key,
                item_id=objective.id,
            )
        for kr_plan in objective_plan.krs:
            row = kr_plan.row
            kr = kr_plan.kr
            if kr is None:
                kr = okrs.create_key_result(
                    session=session,
                    workspace_id=ws,
                    objective_id=objective.id,
                    title=row.kr,
                    owner_member_id=member_id(kr_plan.owner),
                    kind=KRKind.MILESTONE if row.milestone else KRKind.NUMERIC,
                    start=row.start or 0.0,
                    target=row.target,
                    current=row.current,
                    unit=row.unit,
                    weight=row.weight if row.weight is not None else 1.0,
                    now=now,
                    number=next(kr_numbers),
                    flush=False,
                )
            elif kr_plan.changes:
                changes = dict(kr_plan.changes)
                if "owner_member_id" in changes:
                    changes["owner_member_id"] = member_id(kr_plan.changes["owner_member_id"])
                okrs.update_key_result(session=session, kr=kr, changes=changes, now=now)
            pending.append((kr_plan, kr))
            if len(pending) >= _CHUNK:
                settle()
        if not objective_plan.krs:
            done += len(objective_plan.rows)
    settle()
    session.flush()
    for objective_plan in plan.objectives:
        if not objective_plan.parent_given or (
            objective_plan.objective is not None and "aligned" not in objective_plan.changes
        ):
            continue
        parent_objective_id = parent_kr_id = None
        if objective_plan.parent is not None:
            kind, value = objective_plan.parent
            if kind == "objective":
                parent_objective_id = value
            elif kind == "kr":
                parent_kr_id = value
            elif kind == "plan":
                parent_objective_id = value.created_id
            else:
                parent_kr_id = value.created_id
        assert objective_plan.created_id is not None
        target = okrs.get_objective_by_id(
            session=session, workspace_id=ws, objective_id=objective_plan.created_id
        )
        assert target is not None
        okrs.set_alignment(
            session=session,
            objective=target,
            parent_objective_id=parent_objective_id,
            parent_kr_id=parent_kr_id,
            now=now,
        )
    session.flush()
    return plan.summary()
