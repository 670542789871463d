"""Every view the product produces survives the outbox's JSON unchanged."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.console.demo import DemoWorkspace
from handlers.views import (
    Actions,
    Chart,
    Delivery,
    Form,
    FormErrors,
    Home,
    Image,
    Message,
    Outcome,
    Series,
    Text,
    ToChannel,
    from_json,
    mention,
    to_json,
)
from tests.conftest import Harness


def round_trip(value: Any) -> Any:
    return from_json(json.loads(json.dumps(to_json(value), ensure_ascii=False)))


def collect(outcome: Outcome, into: list[Any]) -> None:
    into.extend(outcome.replies)
    into.extend(outcome.deliveries)
    into.extend(d.message for d in outcome.deliveries)
    if outcome.updated is not None:
        into.append(outcome.updated)


def test_every_reply_and_delivery_of_the_demo_round_trips(
    harness: Harness, demo: DemoWorkspace
) -> None:
    kr = demo.key_results["followers"]
    seen: list[Any] = []
    script = [
        ("alice", ""),
        ("alice", "help"),
        ("alice", "help checkin"),
        ("alice", "new"),
        ("alice", "new Grow the newsletter | Subscribers: 1000 -> 5000 subscribers | Launch it"),
        ("alice", f"plan add Draft the referral email {kr} with @bob due fri"),
        ("alice", "plan"),
        ("alice", "checkin"),
        ("alice", f'checkin {kr} 6000 confidence 7 "two reels took off"'),
        ("alice", f'ask @bob {kr} "can you review the scripts?"'),
        ("alice", 'kudos @bob "great draft"'),
        ("alice", "show @bob"),
        ("alice", "show Marketing"),
        ("alice", f"show {kr}"),
        ("alice", "team"),
        ("alice", "team digest Marketing"),
        ("alice", "score"),
        ("alice", "settings"),
        ("alice", "away fri"),
        ("alice", "away"),
        ("alice", "checkin KR999 5"),
        ("alice", "frobnicate the widgets"),
        ("chen", ""),
        ("chen", "帮助"),
        ("chen", "团队"),
    ]
    for user, text in script:
        collect(harness.say(user, text), seen)
    forms = [v for v in seen if isinstance(v, Form)]
    for form in forms:
        collect(harness.submit("alice", form, {}), seen)  # empty: the refusal is a view too
    for view in list(seen):
        if isinstance(view, Message):
            for block in view.blocks:
                if isinstance(block, Actions):
                    for button in block.buttons:
                        collect(harness.press("bob", button.action, button.value), seen)
    monday = harness.clock.now() - timedelta(days=2)
    for delivery in harness.app.run_due(since=monday, until=monday + timedelta(days=7)):
        seen.extend((delivery, delivery.message))

    kinds = {type(v).__name__ for v in seen}
    assert {"Message", "Form", "FormErrors", "Delivery"} <= kinds, kinds
    blocks = {type(b).__name__ for v in seen if isinstance(v, Message) for b in v.blocks}
    assert {"Header", "Text", "Progress", "Context", "Actions"} <= blocks, blocks
    assert len(seen) > 80
    for view in seen:
        assert round_trip(view) == view, view


def test_mentions_pictures_charts_and_homes_round_trip() -> None:
    views = [
        Message(
            summary=f"{mention('U1', 'Alice')} thanked {mention('U2', 'Bob')}",
            blocks=(
                Text(f"🎉 {mention('U1', 'Alice')}"),
                Image("chart.png", "Followers", b"\x89PNG\r\n\x1a\n\x00\xff"),
                Chart("Followers", (Series("KR1", (("W47", 4200.0), ("W48", 6000.0))),), "people"),
            ),
            in_channel=True,
        ),
        Home(summary="Your OKRs", blocks=(Text("KR1"),)),
        FormErrors((("value", "A number, please"),)),
        Delivery(
            to=ToChannel("C1"),
            message=Message("Digest"),
            key="digest:team1:2026-W48",
            replaces="digest:team1:2026-W48:first",
            platform="slack",
            workspace="T1",
        ),
    ]
    for view in views:
        assert round_trip(view) == view
