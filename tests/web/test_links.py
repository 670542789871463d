"""Chat messages link to their page of the web view once a public URL is set, and only then."""

from __future__ import annotations

from datetime import timedelta

from bot.console.demo import DemoWorkspace
from handlers.app import OkrApp
from handlers.views import Link, Message
from storage.repos import okrs, workspaces
from tests.conftest import Harness, first_message

BASE = "https://okr.example.com"


def links_of(message: Message) -> list[str]:
    return [block.url for block in message.blocks if isinstance(block, Link)]


def linked(harness: Harness) -> Harness:
    app = OkrApp(
        sessions=harness.sessions,
        clock=harness.clock,
        default_timezone="Asia/Shanghai",
        public_url=BASE + "/",
    )
    return Harness(app=app, sessions=harness.sessions, clock=harness.clock)


def test_digests_rollups_and_show_link_to_their_pages(
    harness: Harness, demo: DemoWorkspace
) -> None:
    with harness.sessions.begin() as session:
        team = workspaces.find_team(
            session=session, workspace_id=demo.workspace_id, name="Marketing"
        )
        kr = okrs.get_key_result(session=session, workspace_id=demo.workspace_id, number=11)
        objective = okrs.get_objective(session=session, workspace_id=demo.workspace_id, number=5)
        alice = workspaces.find_member(
            session=session, workspace_id=demo.workspace_id, name="alice"
        )
        assert team and kr and objective and alice
    bot = linked(harness)
    assert links_of(first_message(bot.say("alice", "team digest Marketing"))) == [
        f"{BASE}/teams/{team.id}"
    ]
    assert links_of(first_message(bot.say("alice", "team Marketing"))) == [
        f"{BASE}/teams/{team.id}"
    ]
    assert links_of(first_message(bot.say("alice", "show KR11"))) == [f"{BASE}/krs/{kr.id}"]
    assert links_of(first_message(bot.say("alice", "show O5"))) == [
        f"{BASE}/objectives/{objective.id}"
    ]
    assert links_of(first_message(bot.say("mei", "show @alice"))) == [f"{BASE}/people/{alice.id}"]


def test_friday_digest_posted_by_the_clock_links_to_the_team_page(
    harness: Harness, demo: DemoWorkspace
) -> None:
    bot = linked(harness)
    now = harness.clock.now()
    due = bot.app.run_due(since=now, until=now + timedelta(days=3))
    digests = [d for d in due if d.key and d.key.startswith("digest:")]
    assert digests
    for delivery in digests:
        team_id = delivery.key.split(":")[1].removeprefix("team") if delivery.key else ""
        assert isinstance(delivery.message, Message)
        assert links_of(delivery.message) == [f"{BASE}/teams/{team_id}"]


def test_without_a_public_url_messages_carry_no_link(harness: Harness, demo: DemoWorkspace) -> None:
    for text in ("team digest Marketing", "show KR11", "show @alice"):
        assert links_of(first_message(harness.say("alice", text))) == []
    now = harness.clock.now()
    for delivery in harness.app.run_due(since=now, until=now + timedelta(days=3)):
        assert isinstance(delivery.message, Message) and links_of(delivery.message) == []
