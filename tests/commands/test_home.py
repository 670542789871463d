"""A person's home through the real entry point: where they stand on one screen."""

from __future__ import annotations

from bot.console.demo import DemoWorkspace
from handlers.events import HomeOpened
from handlers.views import Actions, Header, Home, Progress, Text
from tests.conftest import Harness


def open_home(harness: Harness, user: str, locale: str | None = None) -> Home:
    (view,) = harness.app.handle(HomeOpened(actor=harness.actor(user, locale=locale))).replies
    assert isinstance(view, Home)
    return view


def test_home_shows_okrs_plan_waiting_requests_team_and_buttons(
    harness: Harness, demo: DemoWorkspace
) -> None:
    harness.say("bob", f'ask @alice {demo.key_results["followers"]} "review the reel?"')
    home = open_home(harness, "alice")
    headers = [b.text for b in home.blocks if isinstance(b, Header)]
    assert headers[0].startswith("Your OKRs")
    assert any(h.startswith("Your plan for week") for h in headers)
    assert "Waiting on you" in headers and "Team Marketing" in headers
    assert any(isinstance(b, Progress) and "Followers" in b.label for b in home.blocks)
    texts = [b.text for b in home.blocks if isinstance(b, Text)]
    assert any("review the reel?" in t for t in texts)
    assert any("checked in" in t for t in texts)
    actions = [btn.action for b in home.blocks if isinstance(b, Actions) for btn in b.buttons]
    assert "help.accept" in actions
    assert {"checkin.open", "plan.list", "objective.new", "team.rollup"} <= set(actions)


def test_nothing_waits_on_a_member_nobody_asked(harness: Harness, demo: DemoWorkspace) -> None:
    home = open_home(harness, "alice")
    assert "Waiting on you" not in [b.text for b in home.blocks if isinstance(b, Header)]


def test_home_in_chinese(harness: Harness, demo: DemoWorkspace) -> None:
    home = open_home(harness, "chen", locale="zh-CN")
    headers = [b.text for b in home.blocks if isinstance(b, Header)]
    assert any("OKR" in h or "目标" in h for h in headers)
    labels = [btn.label for b in home.blocks if isinstance(b, Actions) for btn in b.buttons]
    assert "团队进展汇总" in labels
