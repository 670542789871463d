"""The cycle's two ends keep to their workspace: every repository function is scoped by it.

The repository functions of drafts, review answers, feedback and the committee
take a keyword-only `workspace_id`; given another workspace's ids they find,
change and return nothing of it.
"""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest

from bot.console.demo import seed_demo
from handlers.events import Actor, Command
from storage.repos import changes, collab, ends, okrs, rhythm, workspaces
from tests.conftest import WEDNESDAY, Harness

SAME_ID = "T0SAME"
NEW_FUNCTIONS = (
    *(
        function
        for name, function in inspect.getmembers(ends, inspect.isfunction)
        if function.__module__ == ends.__name__ and not name.startswith("_")
    ),
    rhythm.tasks_of_weeks,
    rhythm.add_task_links,
    collab.kudos_between,
    collab.help_requests_of,
    changes.decided_requests,
    okrs.cycles_covering,
)


@pytest.mark.parametrize(
    "function",
    NEW_FUNCTIONS,
    ids=lambda f: f"{f.__module__}.{f.__name__}",
)
def test_every_repository_function_takes_the_workspace_by_keyword(function: object) -> None:
    parameters = inspect.signature(function).parameters  # type: ignore[arg-type]  # a function
    assert "workspace_id" in parameters
    assert parameters["workspace_id"].kind is inspect.Parameter.KEYWORD_ONLY
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values()), (
        "keyword-only, as every repository function"
    )


def say(harness: Harness, platform: str, user: str, text: str) -> None:
    actor = Actor(platform=platform, workspace_id=SAME_ID, user_id=user, display_name=user.title())
    harness.app.handle(Command(actor=actor, text=text))


def test_the_ends_rows_of_one_workspace_are_invisible_from_another(harness: Harness) -> None:
    ids: dict[str, int] = {}
    with harness.sessions.begin() as session:
        for platform in ("slack", "feishu"):
            ids[platform] = seed_demo(
                session=session, now=WEDNESDAY, platform=platform, external_id=SAME_ID
            ).workspace_id
    for line in (
        ("mei", "settings team Marketing committee @chen"),
        ("alice", "review breakthroughs Reels in Brazil"),
        ("mei", "feedback ask @alice"),
        ("alice", "score KR11 0.6"),
        ("chen", 'committee propose KR11 0.5 "slower"'),
        ("mei", "draft start Marketing"),
        ("alice", "draft propose Win Brazil | Signups: 0 -> 500"),
        ("mei", "draft next"),
        ("alice", "draft vote #1"),
    ):
        say(harness, "feishu", *line)
    theirs, ours = ids["feishu"], ids["slack"]
    with harness.sessions.begin() as s:
        marketing = workspaces.find_team(session=s, workspace_id=theirs, name="Marketing")
        assert marketing is not None and marketing.id is not None
        (draft,) = ends.open_drafts(session=s, workspace_id=theirs, team_ids=[marketing.id])
        requests = ends.list_feedback(session=s, workspace_id=theirs)
        members = list(range(1, 20))
        assert draft.id is not None and requests
        assert ends.committee_member_ids(session=s, workspace_id=theirs, team_id=draft.team_id)
        found = {
            "open_drafts": ends.open_drafts(session=s, workspace_id=ours, team_ids=[draft.team_id]),
            "get_draft": ends.get_draft(session=s, workspace_id=ours, draft_id=draft.id),
            "list_ideas": ends.list_ideas(session=s, workspace_id=ours, draft_ids=[draft.id]),
            "list_votes": ends.list_votes(session=s, workspace_id=ours, draft_ids=[draft.id]),
            "committee_member_ids": ends.committee_member_ids(
                session=s, workspace_id=ours, team_id=draft.team_id
            ),
            "committee_team_ids": [
                t
                for m in members
                for t in ends.committee_team_ids(session=s, workspace_id=ours, member_id=m)
            ],
            "list_feedback": ends.list_feedback(
                session=s, workspace_id=ours, subject_ids=[r.subject_id for r in requests]
            ),
            "get_feedback": ends.get_feedback(
                session=s, workspace_id=ours, feedback_id=requests[0].id or -1
            ),
            "review_answers": ends.review_answers(
                session=s, workspace_id=ours, cycle_id=draft.cycle_id - 1, member_ids=members
            ),
            "committee_scores_for": ends.committee_scores_for(
                session=s, workspace_id=ours, kr_ids=range(1, 30)
            ),
        }
        assert {name: rows for name, rows in found.items() if rows} == {}
        # Writes through another workspace's ids are refused, not applied.
        with pytest.raises(LookupError):
            ends.close_draft(
                session=s, workspace_id=ours, draft_id=draft.id, cancelled_at=WEDNESDAY
            )
        with pytest.raises(LookupError):
            ends.answer_feedback(
                session=s,
                workspace_id=ours,
                feedback_id=requests[0].id or -1,
                rating=1,
                comment="",
                now=WEDNESDAY,
            )
        with pytest.raises(LookupError):
            ends.set_deadlines(
                session=s,
                workspace_id=ours,
                draft_id=draft.id,
                deadlines={"krs_until": WEDNESDAY + timedelta(days=1)},
            )
        assert ends.get_draft(session=s, workspace_id=theirs, draft_id=draft.id) is not None
