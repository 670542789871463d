"""Every repository function stays inside the workspace it is given, found by introspection.

The test walks `storage.repos`, so a function added tomorrow is covered the
day it is written. Two workspaces are seeded as twins (the demo company in
Slack and in Feishu); the second also gets rows of its own (a member, team,
cycle, objective, key result, task, help request and change request, numbered
900 where rows have numbers). Each function that takes `workspace_id` is called
with the first workspace's id and, for every id-like argument, the id of one
of the second workspace's own rows (a number, name or platform id only the
second workspace has). It must return nothing of the second workspace and
change none of its rows; refusing (ValueError, LookupError) is fine.

What a new repository function must satisfy to pass:

- it is keyword-only with a `session` and, when it reads or writes rows of a
  workspace, a `workspace_id` that scopes every query;
- its arguments are named as the others are (`member_id`, `kr_ids`, `team_id`,
  `number`, `week`, ...), or are added to VALUES below;
- a function that takes no `workspace_id` (the process's own state, or a row
  the caller already loaded inside its workspace) is listed in UNSCOPED with
  the reason.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlmodel import Session, SQLModel, select

import storage.repos
from bot.console.demo import seed_demo
from handlers.okr.weeks import week_of
from storage.db import SessionFactory
from storage.models import (
    HelpRequest,
    KeyResult,
    Member,
    Objective,
    PlanTask,
    Team,
)
from storage.repos import changes, collab, ends, okrs, rhythm, workspaces
from storage.repos.outbox import NewMessage
from tests.conftest import Harness

# Functions without a workspace_id, and why that is right.
UNSCOPED: dict[str, str] = {
    "_util.insert_ignore": "a helper of the other repositories, given whole rows",
    "changes.decide": "a request the caller loaded inside its workspace",
    "changes.edit_task": "a task the caller loaded inside its workspace",
    "collab.update_help_request": "a request the caller loaded inside its workspace",
    "events.claim_event": "platform event ids, global per platform",
    "lease.take_lease": "the process's scheduler lease",
    "lease.release_lease": "the process's scheduler lease",
    "lease.read_lease": "the process's scheduler lease",
    "okrs.update_key_result": "a key result the caller loaded inside its workspace",
    "okrs.set_alignment": "an objective the caller loaded inside its workspace",
    "okrs.update_objective": "an objective the caller loaded inside its workspace",
    "outbox.claim_due": "the sender claims for every workspace",
    "outbox.mark_sent": "a row the sender claimed",
    "outbox.mark_progress": "a row the sender claimed",
    "outbox.mark_sent_many": "rows the sender claimed",
    "outbox.mark_retry": "a row the sender claimed",
    "outbox.mark_dead": "a row the sender claimed",
    "outbox.release": "rows the sender claimed",
    "outbox.get": "the operator's look at one row by its id",
    "rhythm.set_task_status": "a task the caller loaded inside its workspace",
    "schedule.get_state": "the process's scheduler state",
    "schedule.list_states": "the process's scheduler state",
    "schedule.ensure_state": "the process's scheduler state",
    "schedule.read_watermark": "the process's scheduler state",
    "schedule.advance_watermark": "the process's scheduler state",
    "workspaces.get_or_create_workspace": "finds a workspace by its platform id",
    "workspaces.find_workspace": "finds a workspace by its platform id",
    "workspaces.update_member": "a member the caller loaded inside its workspace",
    "workspaces.update_team": "a team the caller loaded inside its workspace",
    "workspaces.list_all_teams": "the scheduler's tick walks every workspace",
    "workspaces.list_workspaces": "the operator chooses a workspace (import, export, forget)",
    "_util.insert_new": "a helper of the other repositories, given whole rows",
    "_util.id_in": "a helper of the other repositories, given ids they scoped",
    "okrs.slices": "splits ids the caller scoped into statement-sized lists",
    "installs.uninstall": "the platform names the workspace by its own id",
    "installs.reinstall": "the platform names the workspace by its own id",
    "installs.is_installed": "the platform names the workspace by its own id",
    "installs.uninstalled_since": "the platform names the workspace by its own id",
    "installs.installed": "the platform names the workspace by its own id",
    "installs.note_grant": "the platform names the workspace by its own id",
    "installs.grant_of": "the platform names the workspace by its own id",
    "installs.of_enterprise": "the platform names the org, whose workspaces it lists",
    "installs.expired": "retention looks across workspaces for those whose period is over",
    "installs.overview": "operators see every workspace (or the ids they name)",
    "nonces.first_use": "signed requests' nonces, global per platform",
    "outbox.mark_parked": "a row the sender claimed",
    "tickets.save_ticket": "a Feishu store app's app_ticket, one per app, before any tenant",
    "tickets.ticket_of": "a Feishu store app's app_ticket, one per app, before any tenant",
}
ONLY = 900  # the number of the other workspace's own numbered rows
ONLY_NAME = "elsewhere"
ONLY_EXTERNAL = "U0ELSEWHERE"

# Argument name -> the kind of the other workspace's row whose id it gets.
ID_OF = {
    **dict.fromkeys(
        (
            "member_id",
            "requester_id",
            "manager_id",
            "helper_id",
            "from_member_id",
            "to_member_id",
            "owner_member_id",
            "reviewer_id",
            "author_id",
            "subject_id",
            "giver_id",
            "asked_by",
            "started_by",
        ),
        "member",
    ),
    "team_id": "team",
    "kr_id": "kr",
    "parent_kr_id": "kr",
    "objective_id": "objective",
    "parent_objective_id": "objective",
    "cycle_id": "cycle",
    "task_id": "task",
    "request_id": "request",
    "draft_id": "draft",
    "feedback_id": "feedback",
    "parent_id": "idea",
}
IDS_OF = {
    "member_ids": "member",
    "owner_member_ids": "member",
    "team_ids": "team",
    "kr_ids": "kr",
    "task_ids": "task",
    "objective_ids": "objective",
    "ids": "task",
    "draft_ids": "draft",
    "idea_ids": "idea",
    "among": "idea",
    "subject_ids": "member",
}
# `kind` where it is not an objective's short letter ("O": references, source keys).
KIND_IN = {"okrs.get_or_create_cycle": "quarter", "changes.create_request": "add"}

# `ids` of another kind of row, for the functions that take them so.
IDS_IN = {
    "pages.key_results_by_id": "kr",
    "pages.objectives_by_id": "objective",
    "pages.people": "member",
}
# Rows passed whole: the caller's own (loaded inside the workspace it names).
ROW_OF = {
    "kr": "kr",
    "task": "task",
    "request": "request",
    "member": "member",
    "team": "team",
    "objective": "objective",
}


def repo_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    for found in pkgutil.iter_modules(storage.repos.__path__):
        module = importlib.import_module(f"storage.repos.{found.name}")
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__ != module.__name__:
                continue
            if "session" in inspect.signature(value).parameters:
                yield f"{found.name}.{name}", value


FUNCTIONS = dict(repo_functions())


def takes_workspace(function: Callable[..., Any]) -> bool:
    return "workspace_id" in inspect.signature(function).parameters


SCOPED = sorted(name for name, function in FUNCTIONS.items() if takes_workspace(function))


@dataclasses.dataclass
class World:
    ours: int  # the workspace the calls name
    theirs: int  # the other one
    now: datetime
    week: str
    their_ids: dict[str, int]  # kind -> the id of a row only the other workspace has
    our_rows: dict[str, Any]  # kind -> a row of ours


def _own_rows(session: Session, ws: int, now: datetime, week: str) -> dict[str, Any]:
    """A member, team, cycle, objective, KR, task, help and change request, numbered ONLY."""
    member = workspaces.upsert_member(
        session=session,
        workspace_id=ws,
        external_id=ONLY_EXTERNAL,
        display_name=ONLY_NAME,
        handle=ONLY_NAME,
    )
    team = workspaces.create_team(session=session, workspace_id=ws, name=ONLY_NAME)
    cycle = okrs.get_or_create_cycle(
        session=session,
        workspace_id=ws,
        name=ONLY_NAME,
        kind="quarter",
        start=now.date() - timedelta(days=400),
        end=now.date() - timedelta(days=310),
    )
    assert member.id and team.id and cycle.id
    objective = okrs.create_objective(
        session=session,
        workspace_id=ws,
        cycle_id=cycle.id,
        title=ONLY_NAME,
        owner_member_id=member.id,
    )
    assert objective.id
    kr = okrs.create_key_result(
        session=session,
        workspace_id=ws,
        objective_id=objective.id,
        title=ONLY_NAME,
        owner_member_id=member.id,
    )
    assert kr.id
    task = rhythm.create_task(
        session=session,
        workspace_id=ws,
        week=week,
        title=ONLY_NAME,
        owner_member_id=member.id,
        kr_id=kr.id,
        now=now,
    )
    help_request = collab.create_help_request(
        session=session,
        workspace_id=ws,
        requester_id=member.id,
        helper_id=member.id,
        text=ONLY_NAME,
        kr_id=kr.id,
        now=now,
    )
    request = changes.create_request(
        session=session,
        workspace_id=ws,
        team_id=team.id,
        requester_id=member.id,
        manager_id=member.id,
        kind="add",
        change={},
        task_id=task.id,
        now=now,
    )
    for model, row in (
        (Objective, objective),
        (KeyResult, kr),
        (PlanTask, task),
        (HelpRequest, help_request),
    ):
        session.execute(update(model).where(model.id == row.id).values(number=ONLY))  # type: ignore[arg-type, attr-defined]
    session.flush()
    assert team.id
    draft = ends.create_draft(
        session=session,
        workspace_id=ws,
        team_id=team.id,
        cycle_id=cycle.id,
        started_by=member.id,
        anonymous=False,
        parent_objective_id=None,
        parent_kr_id=None,
        proposals_until=now,
        objectives_until=now,
        krs_until=now,
        now=now,
    )
    assert draft.id
    idea = ends.add_idea(
        session=session,
        workspace_id=ws,
        draft_id=draft.id,
        kind="O",
        author_id=member.id,
        text=ONLY_NAME,
        parent_id=None,
        now=now,
    )
    feedback, _ = ends.ask_feedback(
        session=session,
        workspace_id=ws,
        cycle_id=cycle.id,
        subject_id=member.id,
        giver_id=member.id,
        kr_id=kr.id,
        why=ONLY_NAME,
        asked_by=member.id,
        now=now,
    )
    return {
        "draft": draft,
        "idea": idea,
        "feedback": feedback,
        "member": member,
        "team": team,
        "cycle": cycle,
        "objective": objective,
        "kr": kr,
        "task": task,
        "request": request,
    }


@pytest.fixture
def world(harness: Harness) -> World:
    now = harness.clock.now()
    week = week_of(now, "Asia/Shanghai")
    with harness.sessions.begin() as session:
        ids = [
            seed_demo(session=session, now=now, platform=p, external_id="T0TWIN").workspace_id
            for p in ("slack", "feishu")
        ]
        ours, theirs = ids
        theirs_only = _own_rows(session, theirs, now, week)
        # Our rows to pass whole; a change request of our own too.
        kr = session.exec(select(KeyResult).where(KeyResult.workspace_id == ours)).first()
        task = session.exec(select(PlanTask).where(PlanTask.workspace_id == ours)).first()
        member = session.exec(select(Member).where(Member.workspace_id == ours)).first()
        team = session.exec(select(Team).where(Team.workspace_id == ours)).first()
        objective = session.exec(select(Objective).where(Objective.workspace_id == ours)).first()
        assert kr and task and member and team and objective
        assert member.id and team.id
        request = changes.create_request(
            session=session,
            workspace_id=ours,
            team_id=team.id,
            requester_id=member.id,
            manager_id=member.id,
            kind="add",
            change={},
            task_id=task.id,
            now=now,
        )
        session.flush()
        our_rows = {
            "kr": kr,
            "task": task,
            "member": member,
            "team": team,
            "objective": objective,
            "request": request,
        }
        their_ids = {kind: row.id for kind, row in theirs_only.items()}
    return World(ours, theirs, now, week, their_ids, our_rows)


def value(name: str, hint: Any, world: World, function: str) -> Any:
    """What a call passes for argument `name` (of type `hint`)."""
    if name in ID_OF:
        return world.their_ids[ID_OF[name]]
    if name == "ids" and function in IDS_IN:
        return [world.their_ids[IDS_IN[function]]]
    if name in IDS_OF:
        return [world.their_ids[IDS_OF[name]]]
    if name in ROW_OF:
        return world.our_rows[ROW_OF[name]]
    named: dict[str, Any] = {
        "number": ONLY,
        "name": ONLY_NAME,
        "external_id": ONLY_EXTERNAL,
        "week": world.week,
        "first_week": world.week,
        "last_week": world.week,
        "up_to_week": world.week,
        "weeks": [world.week],
        "platform": "slack",
        "kind": KIND_IN.get(function, "O"),
        "messages": [NewMessage("channel", "C0ELSEWHERE", "{}", key="elsewhere")],
        "states": ["pending", "sent", "dead"],
        "change": {},
        "links": [],
        "answers": {"lessons": ONLY_NAME},
        "deadlines": {"proposals_until": world.now},
    }
    if name in named:
        return named[name]
    text_hint = str(hint)
    if "tuple[datetime.datetime, datetime.datetime]" in text_hint:
        return (world.now - timedelta(days=400), world.now + timedelta(days=1))
    if "datetime.datetime" in text_hint:
        return world.now
    if "datetime.date" in text_hint:
        return world.now.date()
    if hint is str or text_hint.startswith("str"):
        return ONLY_NAME
    if hint is int or text_hint.startswith("int"):
        return 1
    if hint is float or text_hint.startswith("float"):
        return 0.5
    if hint is bool:
        return False
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return next(iter(hint))
    raise AssertionError(
        f"{function}: the workspace test does not know what to pass for `{name}` ({hint}); "
        "name it as the other repository functions do, or add it to this test's values"
    )


def their_rows(session: Session, ws: int) -> dict[str, list[tuple[Any, ...]]]:
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table in SQLModel.metadata.sorted_tables:
        where = "id = :ws" if table.name == "workspace" else "workspace_id = :ws"
        if table.name != "workspace" and "workspace_id" not in table.c:
            continue
        found = session.execute(
            text(f'SELECT * FROM "{table.name}" WHERE {where}'), {"ws": ws}
        ).all()
        rows[table.name] = sorted((tuple(r) for r in found), key=repr)
    return rows


def strays(result: Any, world: World, our_ids: set[int], seen: set[int] | None = None) -> list[Any]:
    """What in `result` belongs to the other workspace."""
    seen = set() if seen is None else seen
    if id(result) in seen:
        return []
    seen.add(id(result))
    found: list[Any] = []
    if isinstance(result, SQLModel):
        ws = getattr(result, "workspace_id", None)
        if ws is None and type(result).__name__ == "Workspace":
            ws = getattr(result, "id", None)
        if ws is not None and ws != world.ours:
            found.append(result)
        return found
    if isinstance(result, bool) or result is None:
        return found
    if isinstance(result, int):
        # An id of the other workspace's own rows, which no row of ours has.
        if result in world.their_ids.values() and result not in our_ids:
            found.append(result)
        return found
    if isinstance(result, dict):
        for key, item in result.items():
            found += strays(key, world, our_ids, seen) + strays(item, world, our_ids, seen)
    elif isinstance(result, list | tuple | set | frozenset):
        for item in result:
            found += strays(item, world, our_ids, seen)
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        for item in dataclasses.fields(result):
            found += strays(getattr(result, item.name), world, our_ids, seen)
    return found


def our_ids(session: Session, ws: int) -> set[int]:
    ids: set[int] = set()
    for table in SQLModel.metadata.sorted_tables:
        if "workspace_id" in table.c and "id" in table.c:
            ids |= {
                r[0]
                for r in session.execute(
                    text(f'SELECT id FROM "{table.name}" WHERE workspace_id = :ws'), {"ws": ws}
                )
            }
    return ids


def test_every_repository_function_without_a_workspace_is_listed_with_its_reason() -> None:
    unscoped = {name for name, function in FUNCTIONS.items() if not takes_workspace(function)}
    assert unscoped == set(UNSCOPED), (
        "a repository function without workspace_id must scope its rows another way; "
        f"new: {sorted(unscoped - set(UNSCOPED))}, gone: {sorted(set(UNSCOPED) - unscoped)}"
    )
    assert len(SCOPED) > 50  # the walk found the repositories


def test_every_repository_function_stays_inside_the_workspace_it_is_given(
    sessions: SessionFactory, world: World
) -> None:
    failures: list[str] = []
    called = 0
    for name in SCOPED:
        function = FUNCTIONS[name]
        hints = typing.get_type_hints(function)
        with sessions.begin() as session:
            before = their_rows(session, world.theirs)
            ours = our_ids(session, world.ours)
            arguments: dict[str, Any] = {"session": session, "workspace_id": world.ours}
            for parameter in inspect.signature(function).parameters.values():
                if parameter.name in arguments or parameter.default is not inspect.Parameter.empty:
                    continue
                arguments[parameter.name] = value(
                    parameter.name, hints.get(parameter.name), world, name
                )
            try:
                with session.begin_nested():
                    result = function(**arguments)
                    session.flush()
                    if their_rows(session, world.theirs) != before:
                        failures.append(f"{name} changed the other workspace's rows")
                called += 1
            except (ValueError, LookupError):
                result = None  # refused: inside the rule
            stray = strays(result, world, ours)
            if stray:
                failures.append(f"{name} returned the other workspace's {stray!r}")
            session.rollback()
    assert failures == []
    assert called > len(SCOPED) * 3 // 4  # most ran to the end: the checks meant something
