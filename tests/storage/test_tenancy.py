"""Two workspaces whose names all collide stay apart, through every entry point.

The same company is seeded twice: in a Slack workspace and in a Feishu tenant
that have the same external id, so `alice`, `KR11`, `O5`, `T2`, `H1`, team
Marketing and the cycle all exist in both. Each workspace's titles and names
carry a tag; one workspace's commands, buttons, forms and scheduled moments
must never show the other's tag nor change any of the other's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, text, update

from bot.console.demo import seed_demo
from handlers.events import Actor, ButtonPressed, Command, Event, FormSubmitted, MentionedUser
from storage.db import SessionFactory
from storage.models import KeyResult, Member, Objective, PlanTask
from storage.repos import collab, okrs, rhythm, workspaces
from tests.conftest import WEDNESDAY, Harness, text_of

SAME_ID = "T0SAME"
SPACES = {"slack": "[S]", "feishu": "[F]"}  # platform -> the tag on its workspace's text
APOLOGY = "Sorry, something went wrong"


def tag_workspace(session: Any, workspace_id: int, tag: str) -> None:
    for model, column in (
        (Objective, Objective.title),
        (KeyResult, KeyResult.title),
        (PlanTask, PlanTask.title),
        (Member, Member.display_name),
    ):
        session.execute(
            update(model)
            .where(model.workspace_id == workspace_id)
            .values({column: column + " " + tag})
        )


@pytest.fixture
def twins(harness: Harness) -> dict[str, int]:
    """platform -> workspace row id; both workspaces seeded, Feishu second."""
    ids: dict[str, int] = {}
    with harness.sessions.begin() as session:
        for platform, tag in SPACES.items():
            demo = seed_demo(
                session=session, now=harness.clock.now(), platform=platform, external_id=SAME_ID
            )
            ids[platform] = demo.workspace_id
            tag_workspace(session, demo.workspace_id, tag)
    return ids


def dump(sessions: SessionFactory, workspace_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that belongs to the workspace, as plain values."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with sessions.read() as session:
        bind = session.get_bind()
        for table in inspect(bind).get_table_names():
            columns = [c["name"] for c in inspect(bind).get_columns(table)]
            if table == "workspace":
                where, key = "id = :ws", "id"
            elif "workspace_id" in columns:
                where, key = "workspace_id = :ws", columns[0]
            else:
                continue
            result = session.execute(
                text(f'SELECT * FROM "{table}" WHERE {where} ORDER BY "{key}"'),
                {"ws": workspace_id},
            )
            rows[table] = [tuple(r) for r in result]
    return rows


def actor(platform: str, user: str) -> Actor:
    name = {"alice": "Alice Smith", "mei": "Mei Lin", "bob": "Bob Jones", "chen": "Chen Jing"}
    return Actor(
        platform=platform,
        workspace_id=SAME_ID,
        user_id=user,
        display_name=f"{name.get(user, user)} {SPACES[platform]}",
        locale="en",
    )


# (who, what): a command line, a button (action, value) or a form.
COMMANDS: list[tuple[str, object]] = [
    ("alice", "my"),
    ("alice", "show KR11"),
    ("alice", "show O5"),
    ("alice", "show @bob"),
    ("alice", "show team Marketing"),
    ("alice", "checkin KR11 5000 confidence 8 reels"),
    ("alice", "checkin KR11"),
    ("alice", "checkin"),
    ("alice", "kr KR11 target 12000"),
    ("alice", "kr add O5 Posts per week: 0 -> 30 posts"),
    ("alice", "new Win Brazil | Signups: 0 -> 10 signups"),
    ("alice", "plan"),
    ("alice", "plan add Draft the post KR11 with @bob due fri"),
    ("alice", "plan carry T2"),
    ("alice", "plan done T9"),
    ("alice", "plan list @bob"),
    ("mei", "plan list team Marketing"),
    ("mei", "team"),
    ("mei", "team Marketing"),
    ("mei", "team digest Marketing"),
    ("mei", "team add Marketing @li"),
    ("alice", "team join Sales"),
    ("alice", "team new Growth #growth"),
    ("alice", 'ask @bob KR11 "review the reel scripts?"'),
    ("alice", "ask list"),
    ("bob", "ask list"),
    ("bob", ("help.accept", "H2")),
    ("alice", "ask done H2 thanks for the review"),
    ("bob", 'ask @alice KR13 "proofread the case study"'),
    ("alice", "ask decline H3 no time this week"),
    ("alice", 'kudos @bob "great case studies"'),
    ("alice", "align O5 to O1"),
    ("alice", "align O5 none"),
    ("alice", "score"),
    ("alice", "score O5"),
    ("alice", "score KR11 0.7 reached 7,000"),
    ("mei", 'score KR11 0.6 "good start"'),
    ("alice", "settings"),
    ("alice", "settings timezone Europe/Paris"),
    ("alice", "settings language zh"),
    ("alice", "settings language en"),
    ("mei", "settings team Marketing digest thu 16:00"),
    ("mei", "settings team Marketing channel #mkt"),
    ("mei", "settings team Marketing timezone Europe/Paris"),
    ("mei", "settings team Marketing holiday 2026-12-24"),
    ("mei", "settings team Marketing language zh"),
    ("chen", "settings cycle quarter"),
    ("alice", "away until fri"),
    ("alice", "away list"),
    ("alice", "away cancel"),
    ("alice", ("checkin.open", "KR11")),
    ("alice", ("checkin.open", "")),
    ("alice", ("task.done", "T1")),
    ("mei", ("team.rollup", "Marketing")),
    ("alice", ("plan.list", "")),
    ("alice", ("objective.new", "")),
    ("alice", "checkin form KR11 KR12"),
    ("alice", "objective form"),
    ("alice", "kr KR12 owner @bob"),
    ("alice", "kr KR14 delete"),
    ("mei", "settings team Marketing committee @chen"),
    ("mei", "settings team Marketing cycle bimonthly"),
    ("mei", "settings team Marketing cycle none"),
    ("alice", "review breakthroughs Reels in Brazil"),
    ("alice", "review pack"),
    ("mei", "review agenda Marketing"),
    ("mei", "feedback ask @alice"),
    ("bob", "feedback give @alice 4 great work"),
    ("mei", "feedback @alice"),
    ("mei", "committee @alice"),
    ("chen", 'committee propose KR11 0.5 "slower than planned"'),
    ("mei", "committee confirm KR11"),
    ("mei", "draft start Marketing"),
    ("alice", "draft propose Win Brazil | Signups: 0 -> 500"),
    ("mei", "draft next"),
    ("alice", "draft vote #1"),
    ("mei", "draft next"),
    ("mei", "draft finish"),
]


def event_for(platform: str, user: str, what: object) -> Iterator[Event]:
    who = actor(platform, user)
    if isinstance(what, tuple):
        yield ButtonPressed(actor=who, action=what[0], value=what[1])
    elif what == "checkin form KR11 KR12":
        yield FormSubmitted(
            actor=who,
            form_id="checkin",
            values={"value:KR11": "5200", "confidence:KR11": "7", "value:KR12": "1.3"},
            context="KR11,KR12",
        )
    elif what == "objective form":
        yield FormSubmitted(
            actor=who,
            form_id="objective.new",
            values={"title": "Grow in Chile", "kind": "committed", "kr1": "Signups: 0 -> 50"},
            context="",
        )
    else:
        yield Command(actor=who, text=str(what), mentions={})


@pytest.mark.parametrize("platform", ["feishu", "slack"])
def test_every_command_stays_inside_the_actors_workspace(
    harness: Harness, twins: dict[str, int], platform: str
) -> None:
    other = next(p for p in SPACES if p != platform)
    before = dump(harness.sessions, twins[other])
    answered: list[str] = []
    for user, what in COMMANDS:
        for event in event_for(platform, user, what):
            outcome = harness.app.handle(event)
            shown = text_of(outcome) + repr(outcome.deliveries)
            assert APOLOGY not in shown, (what, shown)
            # Every line here works for its actor: a lookup that strays into the
            # other workspace shows up as a refusal ("only the owner of T2 …").
            assert "The right form:" not in shown and "/okr help to see" not in shown, (
                what,
                shown,
            )
            assert SPACES[other] not in shown, (what, shown)
            answered.append(shown)
            assert dump(harness.sessions, twins[other]) == before, what
    # The commands did reach the actor's own rows (so the checks above meant something).
    everything = "\n".join(answered)
    assert everything.count(SPACES[platform]) > 50
    assert "There is no" not in everything and "I don't know anyone" not in everything


@pytest.mark.parametrize("platform", ["feishu", "slack"])
def test_the_scheduled_rhythm_of_one_workspace_names_only_its_own(
    harness: Harness, twins: dict[str, int], platform: str
) -> None:
    other = next(p for p in SPACES if p != platform)
    start = WEDNESDAY - timedelta(days=3)
    sent = harness.app.run_due(
        since=start, until=start + timedelta(days=7), platform=platform, workspace=SAME_ID
    )
    with harness.sessions.begin() as session:
        ours, theirs = (
            [t.id for t in workspaces.list_teams(session=session, workspace_id=twins[p])]
            for p in (platform, other)
        )
    keys = {d.key for d in sent}
    assert {f"digest:team{n}:2026-W48" for n in ours} <= keys
    assert not any(f"team{n}:" in (key or "") for n in theirs for key in keys)
    shown = repr(sent)
    assert SPACES[other] not in shown
    assert shown.count(SPACES[platform]) > 10
    everyone = harness.app.run_due(since=start, until=start + timedelta(days=7))
    assert len(everyone) == 2 * len(sent)


def test_a_mention_resolves_to_the_member_of_the_actors_workspace(
    harness: Harness, twins: dict[str, int]
) -> None:
    before = dump(harness.sessions, twins["slack"])
    outcome = harness.app.handle(
        Command(
            actor=actor("feishu", "alice"),
            text='kudos @U0NEW "welcome"',
            mentions={"@U0NEW": MentionedUser("bob", "Bob Jones")},
        )
    )
    assert "Kudos sent to Bob Jones" in text_of(outcome)
    assert dump(harness.sessions, twins["slack"]) == before


def test_repository_getters_never_return_another_workspaces_row(
    harness: Harness, twins: dict[str, int]
) -> None:
    """Rows found by id or by display name belong to the workspace asked about."""
    ours, theirs = twins["slack"], twins["feishu"]
    with harness.sessions.begin() as s:
        member = workspaces.find_member(session=s, workspace_id=theirs, name="Bob Jones [F]")
        team = workspaces.find_team(session=s, workspace_id=theirs, name="Marketing")
        kr = okrs.get_key_result(session=s, workspace_id=theirs, number=11)
        objective = okrs.get_objective(session=s, workspace_id=theirs, number=5)
        assert member and team and kr and objective
        assert member.id and team.id and kr.id and objective.id
        cycle_id = objective.cycle_id
        found = {
            "member by name": workspaces.find_member(
                session=s, workspace_id=ours, name="Bob Jones [F]"
            ),
            "member": workspaces.get_member(session=s, workspace_id=ours, member_id=member.id),
            "team": workspaces.get_team(session=s, workspace_id=ours, team_id=team.id),
            "kr": okrs.get_key_result_by_id(session=s, workspace_id=ours, kr_id=kr.id),
            "objective": okrs.get_objective_by_id(
                session=s, workspace_id=ours, objective_id=objective.id
            ),
            "cycle": okrs.get_cycle(session=s, workspace_id=ours, cycle_id=cycle_id),
            "members by id": workspaces.list_members(session=s, workspace_id=ours, ids=[member.id]),
            "krs by objective": okrs.list_key_results(
                session=s, workspace_id=ours, objective_ids=[objective.id]
            ),
        }
        assert {k: v for k, v in found.items() if v} == {}
        # The same calls in the right workspace do find them.
        assert workspaces.get_member(session=s, workspace_id=theirs, member_id=member.id)
        assert okrs.get_cycle(session=s, workspace_id=theirs, cycle_id=cycle_id)


def test_repository_reads_given_another_workspaces_ids_return_nothing(
    harness: Harness, twins: dict[str, int]
) -> None:
    """Every read is scoped by the workspace even when the ids come from elsewhere."""
    from datetime import date

    for line in ("away until fri", "score KR11 0.7", 'kudos @bob "thanks"', "checkin KR11 4300 c7"):
        harness.app.handle(Command(actor=actor("feishu", "alice"), text=line, mentions={}))
    ours, theirs = twins["slack"], twins["feishu"]
    week, start, end = "2026-W48", date(2026, 11, 1), date(2026, 12, 31)
    with harness.sessions.begin() as s:
        members = [m.id for m in workspaces.list_members(session=s, workspace_id=theirs) if m.id]
        teams = [t.id for t in workspaces.list_teams(session=s, workspace_id=theirs) if t.id]
        objectives = okrs.list_objectives(session=s, workspace_id=theirs)
        krs = [k.id for k in okrs.list_key_results(session=s, workspace_id=theirs) if k.id]
        tasks = [t.id for t in rhythm.list_tasks(session=s, workspace_id=theirs, week=week) if t.id]
        cycle = objectives[0].cycle_id
        assert members and teams and objectives and krs and tasks
        # The same reads in their own workspace find rows: the ids are live.
        assert rhythm.checkins_for_week(session=s, workspace_id=theirs, week=week, kr_ids=krs)
        assert rhythm.away_member_ids(
            session=s, workspace_id=theirs, member_ids=members, start=start, end=end
        )
        assert okrs.scores_for(session=s, workspace_id=theirs, kr_ids=krs)
        found: dict[str, object] = {
            "teams_of_member": [
                t
                for m in members
                for t in workspaces.teams_of_member(session=s, workspace_id=ours, member_id=m)
            ],
            "team_member_ids": [
                i
                for t in teams
                for i in workspaces.team_member_ids(session=s, workspace_id=ours, team_id=t)
            ],
            "is_manager_of": [
                (a, b)
                for a in members
                for b in members
                if workspaces.is_manager_of(session=s, workspace_id=ours, manager_id=a, member_id=b)
            ],
            "list_objectives": okrs.list_objectives(
                session=s, workspace_id=ours, owner_member_ids=members, owner_team_ids=teams
            )
            + okrs.list_objectives(
                session=s, workspace_id=ours, ids=[o.id for o in objectives if o.id]
            ),
            "count_member_objectives": sum(
                okrs.count_member_objectives(
                    session=s, workspace_id=ours, cycle_id=cycle, member_id=m
                )
                for m in members
            ),
            "list_key_results": okrs.list_key_results(
                session=s, workspace_id=ours, owner_member_ids=members
            )
            + okrs.list_key_results(session=s, workspace_id=ours, ids=krs),
            "aligned_children": [
                c
                for o in objectives
                for c in okrs.aligned_children(
                    session=s, workspace_id=ours, objective_id=o.id or -1, kr_ids=krs
                )
            ],
            "scores_for": okrs.scores_for(session=s, workspace_id=ours, kr_ids=krs),
            "list_help_requests": collab.list_help_requests(
                session=s, workspace_id=ours, member_ids=members
            ),
            "list_kudos": collab.list_kudos(
                session=s, workspace_id=ours, week=week, member_ids=members
            ),
            "checkins_for_week": rhythm.checkins_for_week(
                session=s, workspace_id=ours, week=week, kr_ids=krs
            ),
            "last_checkins_before": rhythm.last_checkins_before(
                session=s, workspace_id=ours, week=week, kr_ids=krs
            ),
            "checkin_history": [
                c
                for k in krs
                for c in rhythm.checkin_history(session=s, workspace_id=ours, kr_id=k)
            ],
            "confidence_history": rhythm.confidence_history(
                session=s, workspace_id=ours, kr_ids=krs, up_to_week=week
            ),
            "list_tasks": rhythm.list_tasks(
                session=s, workspace_id=ours, week=week, member_ids=members
            ),
            "helpers_of": rhythm.helpers_of(session=s, workspace_id=ours, task_ids=tasks),
            "list_away": [
                a
                for m in members
                for a in rhythm.list_away(
                    session=s, workspace_id=ours, member_id=m, from_date=start
                )
            ],
            "away_member_ids": rhythm.away_member_ids(
                session=s, workspace_id=ours, member_ids=members, start=start, end=end
            ),
        }
        assert {k: v for k, v in found.items() if v} == {}


def test_every_row_points_only_at_rows_of_its_own_workspace(
    harness: Harness, twins: dict[str, int]
) -> None:
    """After a busy session in both workspaces, no foreign key crosses a workspace."""
    for platform in ("feishu", "slack"):
        for user, what in COMMANDS:
            for event in event_for(platform, user, what):
                harness.app.handle(event)
    with harness.sessions.read() as session:
        bind = session.get_bind()
        crossings: list[str] = []
        for table in inspect(bind).get_table_names():
            columns = {c["name"] for c in inspect(bind).get_columns(table)}
            if "workspace_id" not in columns:
                continue
            for fk in inspect(bind).get_foreign_keys(table):
                target = fk["referred_table"]
                target_columns = {c["name"] for c in inspect(bind).get_columns(target)}
                if "workspace_id" not in target_columns:
                    continue
                (column,), (referred,) = fk["constrained_columns"], fk["referred_columns"]
                count = session.execute(
                    text(
                        f'SELECT count(*) FROM "{table}" t JOIN "{target}" r'
                        f' ON t."{column}" = r."{referred}" WHERE t.workspace_id != r.workspace_id'
                    )
                ).scalar_one()
                if count:
                    crossings.append(f"{table}.{column} -> {target}: {count}")
        assert crossings == []


@pytest.mark.parametrize(("ours", "theirs"), [("demo", "other"), ("other", "demo")])
def test_the_terminal_console_sees_only_its_own_workspace(
    harness: Harness, ours: str, theirs: str
) -> None:
    """`:who`, `:as` and what the console shows stay in the console's workspace."""
    import io

    from bot.console.repl import Console

    with harness.sessions.begin() as session:
        for external_id in ("demo", "other"):
            demo = seed_demo(
                session=session,
                now=harness.clock.now(),
                platform="console",
                external_id=external_id,
            )
            tag_workspace(session, demo.workspace_id, f"[{external_id}]")
    out = io.StringIO()
    console = Console(
        app=harness.app,
        sessions=harness.sessions,
        clock=harness.clock,
        workspace=ours,
        handle="alice",
        stdin=io.StringIO(
            ":who\n:as bob\n/okr\n/okr team Marketing\n/okr team digest Marketing\n:quit\n"
        ),
        stdout=out,
        log_path="okrbot-test.log",
    )
    assert console.run() == 0
    shown = out.getvalue()
    assert f"[{theirs}]" not in shown
    assert shown.count(f"[{ours}]") > 10
    assert "Friday celebration" in shown
