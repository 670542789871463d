"""The demo workspace: the sample OKRs, their alignment and two weeks of history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from bot.console.demo import DemoWorkspace, seed_demo
from storage.db import SessionFactory
from storage.models import HelpStatus, KRKind, Objective, TaskStatus
from storage.repos import collab, okrs, rhythm, workspaces

# Wednesday of ISO week 2026-W48, 10:00 in Shanghai.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
WEEK, LAST_WEEK, TWO_WEEKS_AGO = "2026-W48", "2026-W47", "2026-W46"


@pytest.fixture
def demo(sessions: SessionFactory) -> DemoWorkspace:
    with sessions.begin() as session:
        return seed_demo(session=session, now=NOW)


@pytest.fixture
def session(sessions: SessionFactory, demo: DemoWorkspace) -> Iterator[Session]:
    with sessions.begin() as session:
        yield session


def _objective(session: Session, demo: DemoWorkspace, author: str) -> Objective:
    number = int(demo.objectives[author].removeprefix("O"))
    found = okrs.get_objective(session=session, workspace_id=demo.workspace_id, number=number)
    assert found is not None
    return found


def _kr_id(session: Session, demo: DemoWorkspace, key: str) -> int:
    number = int(demo.key_results[key].removeprefix("KR"))
    kr = okrs.get_key_result(session=session, workspace_id=demo.workspace_id, number=number)
    assert kr is not None and kr.id is not None
    return kr.id


def test_the_console_workspace_and_its_people(session: Session, demo: DemoWorkspace) -> None:
    workspace = workspaces.get_workspace(session=session, workspace_id=demo.workspace_id)
    assert workspace is not None
    assert (workspace.platform, workspace.external_id, workspace.name) == (
        "console",
        "demo",
        "Demo Co.",
    )
    assert demo.created
    assert demo.handles == ("chen", "li", "wang", "zhao", "mei", "alice", "bob")
    for handle in demo.handles:
        member = workspaces.get_member_by_external(
            session=session, workspace_id=demo.workspace_id, external_id=handle
        )
        assert member is not None and member.handle == handle
    chen = workspaces.find_member(session=session, workspace_id=demo.workspace_id, name="chen")
    alice = workspaces.find_member(session=session, workspace_id=demo.workspace_id, name="alice")
    assert chen is not None and alice is not None
    assert (chen.display_name, chen.locale, chen.timezone) == ("Chen Jing", "zh", "Asia/Shanghai")
    assert (alice.display_name, alice.locale) == ("Alice Smith", "en")


def test_teams_have_channels_managers_and_the_default_rhythm(
    session: Session, demo: DemoWorkspace
) -> None:
    teams = {
        t.name: t for t in workspaces.list_teams(session=session, workspace_id=demo.workspace_id)
    }
    assert {name: t.channel_external_id for name, t in teams.items()} == {
        "Sales": "sales",
        "R&D": "rnd",
        "Marketing": "marketing",
    }
    handles = {
        m.id: m.handle
        for m in workspaces.list_members(session=session, workspace_id=demo.workspace_id)
    }
    members = {
        name: {
            handles[i]
            for i in workspaces.team_member_ids(
                session=session, workspace_id=demo.workspace_id, team_id=t.id or 0
            )
        }
        for name, t in teams.items()
    }
    assert members == {
        "Sales": {"chen", "li", "wang"},
        "R&D": {"zhao"},
        "Marketing": {"mei", "alice", "bob"},
    }
    assert handles[teams["Sales"].manager_id] == "chen"
    assert handles[teams["Marketing"].manager_id] == "mei"
    for team in teams.values():
        assert team.timezone == "Asia/Shanghai"
        assert (team.plan_weekday, team.plan_time) == (1, "09:30")
        assert (team.checkin_weekday, team.checkin_time) == (5, "15:00")
        assert (team.digest_weekday, team.digest_time) == (5, "17:00")


def test_one_quarter_cycle_holds_every_objective(session: Session, demo: DemoWorkspace) -> None:
    objectives = okrs.list_objectives(session=session, workspace_id=demo.workspace_id)
    assert len(objectives) == 6
    assert {o.cycle_id for o in objectives} == {objectives[0].cycle_id}
    cycle = okrs.get_cycle(
        session=session, workspace_id=demo.workspace_id, cycle_id=objectives[0].cycle_id
    )
    assert cycle is not None
    assert (cycle.name, cycle.kind) == ("2026-Q4", "quarter")
    assert (cycle.start_date, cycle.end_date) == (date(2026, 10, 1), date(2026, 12, 31))


def test_alignment_forms_the_tree_of_the_sample_okrs(session: Session, demo: DemoWorkspace) -> None:
    chen = _objective(session, demo, "chen")
    assert chen.title == "Grow revenue 50% with better quality and sustainability"
    assert _objective(session, demo, "li").parent_objective_id == chen.id
    assert _objective(session, demo, "wang").parent_kr_id == _kr_id(session, demo, "sc-revenue")
    assert _objective(session, demo, "zhao").parent_objective_id == chen.id  # across teams
    assert _objective(session, demo, "alice").kind == "aspirational"
    mei = _objective(session, demo, "mei")
    marketing = workspaces.find_team(
        session=session, workspace_id=demo.workspace_id, name="Marketing"
    )
    assert marketing is not None
    assert (mei.owner_team_id, mei.owner_member_id) == (marketing.id, None)


def test_refs_point_at_the_key_results_with_their_numbers(
    session: Session, demo: DemoWorkspace
) -> None:
    assert list(demo.objectives.values()) == ["O1", "O2", "O3", "O4", "O5", "O6"]
    assert len(set(demo.key_results.values())) == len(demo.key_results) == 13
    expected = {
        "a-revenue": ("A-business revenue +80%", 0, 80, 35, "%"),
        "a-share": ("A-business market share 20% → 40%", 20, 40, 27, "%"),
        "b-revenue": ("B-business revenue flat in the core regions", 100, 100, 98, "%"),
        "sc-revenue": ("South China A-business revenue +100%", 0, 100, 40, "%"),
        "leads": ("Bring in 5 front-line enterprise sales leads", 0, 5, 2, "leads"),
        "playbooks": ("Sales playbooks for 4 industries", 0, 4, 1, "playbooks"),
        "page-load": ("Page load under 1.5 s for 95% of customers", 3, 1.5, 2.4, "s"),
        "followers": ("Followers in target countries", 0, 10_000, 4_200, "followers"),
        "engagement": ("Engagement rate", 0, 2, 1.1, "%"),
        "inbound": ("Qualified inbound leads per month", 120, 300, 180, "leads"),
    }
    for key, (title, start, target, current, unit) in expected.items():
        number = int(demo.key_results[key].removeprefix("KR"))
        kr = okrs.get_key_result(session=session, workspace_id=demo.workspace_id, number=number)
        assert kr is not None
        assert (kr.title, kr.start_value, kr.target_value, kr.current_value, kr.unit) == (
            title,
            start,
            target,
            current,
            unit,
        )
    portal_number = int(demo.key_results["portal"].removeprefix("KR"))
    portal = okrs.get_key_result(
        session=session, workspace_id=demo.workspace_id, number=portal_number
    )
    assert portal is not None
    assert (portal.kind, portal.current_value) == (KRKind.MILESTONE.value, 0)


def test_last_week_has_check_ins_and_the_playbooks_confidence_drops(
    session: Session, demo: DemoWorkspace
) -> None:
    kr_ids = [_kr_id(session, demo, key) for key in demo.key_results]
    last_week = rhythm.checkins_for_week(
        session=session, workspace_id=demo.workspace_id, week=LAST_WEEK, kr_ids=kr_ids
    )
    assert len(last_week) >= 10
    assert _kr_id(session, demo, "portal") not in last_week
    followers = last_week[_kr_id(session, demo, "followers")]
    assert (followers.previous_value, followers.value) == (3_600, 4_200)
    assert 6 <= (followers.confidence or 0) <= 8
    assert any("\u4e00" <= ch <= "\u9fff" for c in last_week.values() for ch in c.note)

    playbooks = _kr_id(session, demo, "playbooks")
    history = rhythm.confidence_history(
        session=session, workspace_id=demo.workspace_id, kr_ids=[playbooks], up_to_week=WEEK
    )
    assert history[playbooks][-2:] == [7, 4]
    this_week = rhythm.checkins_for_week(
        session=session, workspace_id=demo.workspace_id, week=WEEK, kr_ids=kr_ids
    )
    assert set(this_week) == {playbooks}
    earlier = rhythm.checkins_for_week(
        session=session, workspace_id=demo.workspace_id, week=TWO_WEEKS_AGO, kr_ids=kr_ids
    )
    assert len(earlier) >= 10
    for checkin in [*earlier.values(), *last_week.values(), *this_week.values()]:
        assert checkin.created_at <= NOW


def test_this_weeks_plan_help_request_and_kudos(session: Session, demo: DemoWorkspace) -> None:
    tasks = rhythm.list_tasks(session=session, workspace_id=demo.workspace_id, week=WEEK)
    statuses = [task.status for task in tasks]
    assert len(tasks) >= 5
    assert TaskStatus.DONE.value in statuses and TaskStatus.PLANNED.value in statuses
    assert all(task.kr_id is not None for task in tasks)
    helped = rhythm.helpers_of(
        session=session, workspace_id=demo.workspace_id, task_ids=[t.id or 0 for t in tasks]
    )
    assert helped  # some tasks name a helper (协助人)

    requests = collab.list_help_requests(
        session=session, workspace_id=demo.workspace_id, statuses=[HelpStatus.OPEN]
    )
    assert len(requests) == 1
    assert requests[0].kr_id == _kr_id(session, demo, "playbooks")
    kudos = collab.list_kudos(session=session, workspace_id=demo.workspace_id, week=LAST_WEEK)
    assert len(kudos) == 1


def test_seeding_again_leaves_the_workspace_as_it_was(
    sessions: SessionFactory, demo: DemoWorkspace
) -> None:
    with sessions.begin() as session:
        again = seed_demo(session=session, now=datetime(2026, 12, 4, 2, 0, tzinfo=UTC))
    assert not again.created
    assert again.workspace_id == demo.workspace_id
    assert again.objectives == demo.objectives
    assert again.key_results == demo.key_results
    with sessions.begin() as session:
        assert len(okrs.list_objectives(session=session, workspace_id=demo.workspace_id)) == 6
        assert len(workspaces.list_members(session=session, workspace_id=demo.workspace_id)) == 7
