"""The rhythm's moments reach Slack through the outbox: each one posted once, charts uploaded."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from bot import charts
from bot.outbox import OutboxSender
from storage.models import OutboxMessage
from tests.slack.conftest import ALICE, BOB, Bot, rows
from tests.slack.test_journey import GROWTH, command

MONDAY = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # 08:00 Monday in Shanghai, 2026-W49


def test_two_weeks_of_the_rhythm_reach_slack_once_each(bot: Bot) -> None:
    bot.clock.set(MONDAY)
    bot.okr.tick(until=MONDAY, catch_up=timedelta(hours=2))  # the scheduler starts here
    command(bot, ALICE, f"team new Growth <#{GROWTH}|growth>")
    command(bot, ALICE, f"team add Growth <@{BOB}|bob>")
    command(bot, ALICE, "new Grow our reach | Followers: 0 -> 10000 followers")
    command(bot, BOB, "new Ship the newsletter | Subscribers: 0 -> 5000 subscribers")
    # Bob asks Alice, who never answers: a nudge after two working days.
    command(bot, BOB, f"ask <@{ALICE}|alice> KR2 can you share the list?")

    sender = OutboxSender(
        sessions=bot.sessions,
        senders=[bot.connection.sender()],
        clock=bot.clock,
        prepare=charts.prepare_outgoing,
    )
    hour = MONDAY
    while hour <= MONDAY + timedelta(days=8, hours=4):  # through Monday 7 December, 12:00
        if hour == MONDAY + timedelta(days=4, hours=2):  # Friday 10:00 in Shanghai
            command(bot, ALICE, "checkin KR1 4000 conf 8")  # Alice is not reminded; Bob is
        bot.clock.set(hour)
        bot.okr.tick(until=hour, catch_up=timedelta(hours=2))
        sender.drain()
        hour += timedelta(hours=1)

    sent = [r for r in rows(bot.sessions, OutboxMessage) if r.platform == "slack"]
    assert {r.state for r in sent} == {"sent"}
    kinds = Counter(r.key.split(":")[0] for r in sent)
    # Monday prompts (two people and the channel) on both Mondays, Friday's prompt and
    # reminder to Bob only, the digest, the nudge, and November's review on 7 December.
    for kind in ("plan", "checkin", "remind", "digest", "nudge", "review"):
        assert kinds[kind] >= 1, kinds
    assert {r.recipient_id for r in sent if r.key.startswith("remind:")} == {BOB}
    assert {r.recipient_id for r in sent if r.key.startswith(("digest:", "review:"))} == {GROWTH}

    # Once each: every row is one post in Slack, or one in-place edit of an earlier post.
    fresh = [r for r in sent if r.replaces is None]
    assert len(bot.fake.of("chat.postMessage")) == len(fresh)
    assert len(bot.fake.of("chat.update")) == len(sent) - len(fresh)
    assert len({r.platform_ref for r in fresh}) == len(fresh)
    # The digest and the review carry their charts as uploaded pictures.
    assert bot.fake.of("files.completeUploadExternal")
