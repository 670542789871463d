"""The company tree reads a fixed handful of queries, whatever the size of the company."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.generate import FRIDAY, PLATFORM, WORKSPACE, generate, user_id
from handlers.pages import team, tree
from handlers.pages.viewer import viewer
from storage.db import SessionFactory, make_engine
from storage.repos import okrs, workspaces
from tests.databases import Databases

NOW = datetime.combine(FRIDAY, time(2), tzinfo=UTC)
# The tree: cycles, objectives, KRs, two check-in reads, people, teams, memberships.
# A team page: the team's week (as the digest reads it), its charts and its objectives.
MOST = (10, 10, 12, 30)


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def queries_for(databases: Databases, members: int) -> tuple[int, int, int, int]:
    """Queries of the whole tree, a filtered tree, one branch and a team page."""
    url = databases.migrated()
    engine = make_engine(url)
    try:
        generate(engine=engine, members=members, weeks=2)
        sessions = SessionFactory(engine)
        with sessions.begin() as session:
            ws = workspaces.find_workspace(
                session=session, platform=PLATFORM, external_id=WORKSPACE
            )
            assert ws is not None and ws.id is not None
            member = workspaces.get_member_by_external(
                session=session, workspace_id=ws.id, external_id=user_id(0)
            )
            assert member is not None and member.id is not None
            first_team = workspaces.list_teams(session=session, workspace_id=ws.id)[0]
            objective = okrs.list_objectives(session=session, workspace_id=ws.id)[0]
            v = viewer(session, workspace_id=ws.id, member_id=member.id, now=NOW)
            assert v is not None
            with counted(engine) as whole:
                page = tree.load_tree(v)
            assert page.objectives == members and page.shown > 0
            with counted(engine) as filtered:
                tree.load_tree(v, team_id=first_team.id, query="a")
            with counted(engine) as branch:
                tree.load_branch(v, objective.id or -1)
            with counted(engine) as team_page:
                team.load_team(v, first_team.id or -1)
        return len(whole), len(filtered), len(branch), len(team_page)
    finally:
        engine.dispose()
        databases.drop(url)


@pytest.mark.parametrize("members", [200])
def test_the_tree_of_a_larger_company_takes_no_more_queries(
    databases: Databases, members: int
) -> None:
    small = queries_for(databases, 20)
    large = queries_for(databases, members)
    assert small == large
    assert all(n <= most for n, most in zip(large, MOST, strict=True)), large


def test_a_company_of_many_roots_is_shown_a_page_of_roots_at_a_time(databases: Databases) -> None:
    url = databases.migrated()
    engine = make_engine(url)
    try:
        generate(engine=engine, members=tree.ROOTS_PER_PAGE + 30, weeks=1)
        with SessionFactory(engine).begin() as session:
            ws = workspaces.find_workspace(
                session=session, platform=PLATFORM, external_id=WORKSPACE
            )
            assert ws is not None and ws.id is not None
            member = workspaces.get_member_by_external(
                session=session, workspace_id=ws.id, external_id=user_id(0)
            )
            assert member is not None and member.id is not None
            v = viewer(session, workspace_id=ws.id, member_id=member.id, now=NOW)
            assert v is not None
            first = tree.load_tree(v)
            second = tree.load_tree(v, page=2)
            assert (first.pages, first.shown, second.page, second.shown) == (2, 100, 2, 30)
            numbers = {n.number for n in first.roots} | {n.number for n in second.roots}
            assert len(numbers) == first.objectives  # every root on one page or the other
            assert tree.load_tree(v, page=99).page == 2
    finally:
        engine.dispose()
        databases.drop(url)
