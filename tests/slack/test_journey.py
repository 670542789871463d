"""The trial's journey in Slack: every step a signed request, every message through the fake."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from storage.models import Checkin, HelpRequest, KeyResult, Kudos, Objective, PlanTask
from tests.fakes.slack_api import BOT_USER, Call
from tests.slack.conftest import ALICE, BOB, Bot, rows

GROWTH = "C0GROWTH1"
# Friday of 2026-W48 in Shanghai, 17:00 (the digest), and the next Monday 09:30 (the plan prompt).
FRIDAY_DIGEST = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MONDAY_PROMPT = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)


def said(call: Call) -> str:
    return json.dumps(call.args, ensure_ascii=False)


def command(bot: Bot, user: str, text: str) -> str:
    sent = bot.slack.command(user, text)
    assert sent.status == 200 and sent.seconds < 3, (sent.status, sent.seconds)
    url = bot.slack.last_response_url
    bot.fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
    return " ".join(said(c) for c in bot.fake.answers_to(url))


def tick(bot: Bot, until: datetime) -> None:
    bot.clock.set(until)
    bot.okr.tick(until=until, catch_up=timedelta(hours=2))


def test_the_trial_journey_through_slack(bot: Bot) -> None:
    command(bot, ALICE, f"team new Growth <#{GROWTH}|growth>")
    command(bot, ALICE, f"team add Growth <@{BOB}|bob>")
    command(bot, ALICE, "new Grow our reach | Followers: 0 -> 10000 followers")
    (objective,) = rows(bot.sessions, Objective)
    (kr,) = rows(bot.sessions, KeyResult)
    assert objective.title == "Grow our reach" and kr.target_value == 10000

    command(bot, ALICE, "plan add KR1 Draft the launch post")
    assert [t.title for t in rows(bot.sessions, PlanTask)] == ["Draft the launch post"]

    assert "60%" in command(bot, ALICE, "checkin KR1 6000 conf 7")
    (checkin,) = rows(bot.sessions, Checkin)
    assert checkin.value == 6000

    # Asking for help by @-mentioning the bot in a channel; the helper gets a DM.
    sent = bot.slack.event(
        {
            "type": "app_mention",
            "user": ALICE,
            "text": f"<@{BOT_USER}> ask <@{BOB}> KR1 can you review the post?",
            "channel": GROWTH,
            "ts": "1700000010.000100",
        }
    )
    assert sent.status == 200 and sent.seconds < 3
    bot.fake.wait_for("chat.postEphemeral")
    bot.drain_outbox()
    dm = bot.fake.wait_for("chat.postMessage")[0]
    assert dm.args["channel"] == BOB and "review the post" in said(dm)
    (request,) = rows(bot.sessions, HelpRequest)
    assert request.status == "open"

    command(bot, BOB, f"kudos <@{ALICE}|alice> for the launch post")
    (kudos,) = rows(bot.sessions, Kudos)
    assert kudos.text == "for the launch post"

    assert "Growth" in command(bot, ALICE, "team")

    # The Friday digest, posted in the team's channel by the scheduler's tick.
    tick(bot, FRIDAY_DIGEST - timedelta(minutes=5))
    tick(bot, FRIDAY_DIGEST + timedelta(minutes=1))
    bot.drain_outbox()
    posts = [c for c in bot.fake.of("chat.postMessage") if c.args["channel"] == GROWTH]
    assert len(posts) == 1
    digest = said(posts[0])
    assert "Growth" in digest and "for the launch post" in digest

    # Monday's plan prompt reaches each member by DM at 09:30 their own time:
    # Alice in Shanghai first, Bob (Slack says Berlin) seven hours later.
    before = len(bot.fake.of("chat.postMessage"))
    tick(bot, MONDAY_PROMPT + timedelta(minutes=1))
    bot.drain_outbox()
    prompts = bot.fake.of("chat.postMessage")[before:]
    to_people = [c for c in prompts if c.args["channel"] in (ALICE, BOB)]
    assert [c.args["channel"] for c in to_people] == [ALICE]
    tick(bot, MONDAY_PROMPT + timedelta(hours=7, minutes=1))
    bot.drain_outbox()
    prompts = bot.fake.of("chat.postMessage")[before:]
    to_people = [c for c in prompts if c.args["channel"] in (ALICE, BOB)]
    assert [c.args["channel"] for c in to_people] == [ALICE, BOB]
    assert all("plan" in said(c).lower() for c in to_people)
