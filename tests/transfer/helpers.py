"""Running the operator's commands in-process, and reading back what a workspace holds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text

from bot.cli import main
from storage.db import SessionFactory
from storage.repos import okrs, workspaces


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`okrbot ARGS` in this process: exit code, stdout, stderr."""
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def okr_state(sessions: SessionFactory, workspace_id: int) -> list[tuple[Any, ...]]:
    """Objectives and key results as plain values, by title: what an import must reproduce."""
    with sessions.begin() as session:
        members = {
            m.id: m.handle
            for m in workspaces.list_members(session=session, workspace_id=workspace_id)
        }
        teams = {
            t.id: t.name for t in workspaces.list_teams(session=session, workspace_id=workspace_id)
        }
        cycles = {
            c.id: c.name for c in okrs.list_cycles(session=session, workspace_id=workspace_id)
        }
        objectives = okrs.list_objectives(session=session, workspace_id=workspace_id)
        by_id = {o.id: o for o in objectives}
        krs = okrs.list_key_results(session=session, workspace_id=workspace_id)
        kr_by_id = {k.id: k for k in krs}
        by_objective: dict[Any, list[Any]] = {}
        for k in krs:
            by_objective.setdefault(k.objective_id, []).append(k)
        state: list[tuple[Any, ...]] = []
        for o in objectives:
            parent = (
                by_id[o.parent_objective_id].title
                if o.parent_objective_id in by_id
                else (kr_by_id[o.parent_kr_id].title if o.parent_kr_id in kr_by_id else None)
            )
            state.append(
                (
                    "O",
                    o.title,
                    members.get(o.owner_member_id),
                    teams.get(o.owner_team_id),
                    o.kind,
                    cycles[o.cycle_id],
                    parent,
                )
            )
            for k in sorted(by_objective.get(o.id, []), key=lambda k: k.title):
                state.append(
                    (
                        "KR",
                        o.title,
                        k.title,
                        k.kind,
                        k.start_value,
                        k.target_value,
                        k.current_value,
                        k.unit,
                        k.weight,
                        members.get(k.owner_member_id),
                    )
                )
        return sorted(state, key=repr)


def all_rows(sessions: SessionFactory) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: to show that nothing at all changed."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with sessions.begin() as session:
        bind = session.get_bind()
        for table in inspect(bind).get_table_names():
            if table == "alembic_version":
                continue
            found[table] = [tuple(r) for r in session.execute(text(f'SELECT * FROM "{table}"'))]
    return {k: sorted(v, key=repr) for k, v in found.items()}
