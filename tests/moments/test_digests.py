"""The team rollup, the Friday celebration digest and the scheduled rhythm, with known numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.events import MentionedUser
from handlers.views import Delivery, Header, Message, Progress, ToChannel, ToUser
from tests.conftest import Harness, first_message, text_of, words_of

# Times in the Growth team's zone (Asia/Shanghai, UTC+8) during ISO weeks 47 and 48 of 2026.
LAST_FRIDAY = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # Fri 20 Nov 16:00 local, 2026-W47
MONDAY = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Mon 23 Nov 09:00 local, 2026-W48
FRIDAY_NOON = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # Fri 27 Nov 12:00 local


@pytest.fixture
def growth(harness: Harness) -> Harness:
    """A team built only through commands: carol manages alice and bob in #growth."""
    h = harness
    h.clock.set(LAST_FRIDAY)
    for user in ("carol", "alice", "bob"):
        h.say(user, "settings timezone Asia/Shanghai")
    assert "Created team" in text_of(h.say("carol", "team new Growth #growth"))
    h.say("carol", "team add Growth @alice @bob")
    created = text_of(
        h.say(
            "alice",
            "new Raise brand awareness aspirational"
            " | Followers in target countries: 0 -> 10000 followers"
            " | Engagement rate: 0 -> 2 %",
        )
    )
    assert "KR1" in created and "KR2" in created
    h.say("bob", "new Ship the newsletter | Subscribers: 0 -> 500 subscribers")  # KR3
    h.say("alice", 'checkin KR1 4200 confidence 8 "first campaign"')
    h.say("alice", "checkin KR2 1.5 confidence 7")
    h.say("bob", "checkin KR3 400 confidence 9")
    return h


def week48(h: Harness) -> None:
    """Alice's week: two check-ins, a task done, help received and kudos given."""
    h.clock.set(MONDAY)
    h.say("alice", "plan add Publish three reels KR1 with @bob due wed")  # T1
    h.say("alice", "plan add Interview two customers KR2")  # T2
    h.say("bob", "plan add Write the welcome email KR3")  # T3
    h.say("alice", 'ask @bob KR1 "review the reel scripts?"')  # H1
    h.press("bob", "help.accept", "H1")
    h.clock.set(FRIDAY_NOON)
    h.say("alice", "plan done T1")
    h.say("alice", 'ask done H1 "thanks, the hooks are much better"')
    h.say("alice", 'kudos @bob "great scripts"')
    h.say("alice", 'checkin KR1 6000 confidence 6 "two reels took off"')
    h.say("alice", "checkin KR2 2 confidence 8")


def test_rollup_shows_value_change_progress_and_confidence_per_kr(growth: Harness) -> None:
    week48(growth)
    message = first_message(growth.say("carol", "team Growth"))
    bars = {b.label: b for b in message.blocks if isinstance(b, Progress)}
    followers = bars["KR1 Followers in target countries"]
    assert followers.fraction == pytest.approx(0.6)
    assert "6,000 of 10,000 followers" in followers.caption
    assert "+1,800 this week" in followers.caption
    assert "confidence 6/10 (↓2)" in followers.caption
    assert bars["KR2 Engagement rate"].fraction == pytest.approx(1.0)
    text = text_of(growth.say("carol", "team Growth"))
    assert "60%" in text
    assert "1 of 2 checked in" in text  # alice yes, bob no; carol owns no KR
    assert "Bob · not checked in yet" in text


def test_a_confidence_fall_of_two_or_more_is_flagged_at_risk(growth: Harness) -> None:
    growth.clock.set(MONDAY)
    growth.say("bob", 'checkin KR3 410 confidence 4 "list provider blocked us"')
    caption = next(
        b.caption
        for b in first_message(growth.say("carol", "team Growth")).blocks
        if isinstance(b, Progress) and b.label.startswith("KR3")
    )
    assert "confidence 4/10 (↓5)" in caption
    assert "low confidence" in caption and "confidence dropped" in caption


def test_celebration_digest_leads_with_wins_and_names_people(growth: Harness) -> None:
    week48(growth)
    text = words_of(growth.say("carol", "team digest Growth"))
    wins = text.index("Wins this week")
    assert wins < text.index("Planned vs done") < text.index("Not checked in yet")
    assert "🏆 Alice reached the target of KR2 Engagement rate!" in text
    assert "📈 Alice moved KR1 Followers in target countries: +1,800 followers (42% → 60%)" in text
    assert "✅ Alice finished T1 Publish three reels" in text
    assert (
        "🤝 Bob helped Alice: review the reel scripts? — “thanks, the hooks are much better”"
        in text
    )
    assert "👏 Alice → Bob: great scripts" in text
    assert "1 of 3 done" in text
    assert "Not checked in yet: Bob" in text


def test_digest_shows_confidence_drops_and_what_is_overdue(growth: Harness) -> None:
    week48(growth)
    growth.clock.set(MONDAY)
    growth.say("bob", "plan add Fix the signup bug due wed")  # T4, still open on Friday
    growth.clock.set(FRIDAY_NOON)
    text = words_of(growth.say("carol", "team digest Growth"))
    assert "KR1 Followers in target countries (Alice): 8 → 6 · two reels took off" in text
    assert "T4 Fix the signup bug (Bob) was due Nov 25" in text
    # Tasks with no due date, or done, are not called stuck.
    stuck = text.split("Stuck or waiting")[1]
    assert "Interview two customers" not in stuck and "Publish three reels" not in stuck


def test_a_quiet_week_is_still_encouraging(growth: Harness) -> None:
    growth.clock.set(MONDAY)
    text = text_of(growth.say("carol", "team digest Growth"))
    assert "A quiet week" in text
    assert "No key tasks were planned this week." in text


def deliveries_between(h: Harness, since: datetime, until: datetime) -> dict[str, Delivery]:
    found = h.app.run_due(since=since, until=until)
    keys = [d.key for d in found]
    assert len(keys) == len(set(keys)), "every delivery has its own key"
    return {d.key or "": d for d in found}


def test_friday_moments_send_checkin_prompts_then_the_digest_to_the_channel(
    growth: Harness,
) -> None:
    week48(growth)
    start = FRIDAY_NOON  # 12:00 local; prompts at 15:00, digest at 17:00
    sent = deliveries_between(growth, start, start + timedelta(hours=6))
    digest = sent["digest:team1:2026-W48"]
    assert digest.to == ToChannel("growth")
    assert digest.message.blocks[0] == Header("🎉 Friday celebration · Growth · week 2026-W48")
    assert digest.message.summary == "Growth: 5 wins, 1 of 3 key tasks done"
    # Alice checked in on everything this week, so only Bob is prompted.
    prompts = [d for k, d in sent.items() if k.startswith("checkin:")]
    assert [d.to for d in prompts] == [ToUser("bob")]
    assert not any(k.startswith("plan:") for k in sent)


def test_replaying_a_window_gives_the_same_keys(growth: Harness) -> None:
    """The keys are what the outbox claims, so a replay after a restart never double-posts."""
    start = MONDAY - timedelta(hours=2)
    first = deliveries_between(growth, start, start + timedelta(hours=3))
    again = deliveries_between(growth, start, start + timedelta(hours=3))
    assert sorted(first) == sorted(again)
    assert "plan:team1:2026-W48" in first
    assert {"plan:member1:2026-W48", "plan:member2:2026-W48", "plan:member3:2026-W48"} <= set(first)


def test_holidays_and_time_away_silence_prompts(growth: Harness) -> None:
    growth.say("carol", "settings team Growth holiday 2026-11-23")
    start = MONDAY - timedelta(hours=2)
    assert deliveries_between(growth, start, start + timedelta(hours=3)) == {}
    growth.clock.set(MONDAY)
    growth.say("bob", "away 2026-11-27 2026-11-27")
    sent = deliveries_between(growth, FRIDAY_NOON, FRIDAY_NOON + timedelta(hours=4))
    assert not any(k.startswith("checkin:") and d.to == ToUser("bob") for k, d in sent.items())
    rollup = text_of(growth.say("carol", "team Growth"))
    assert "Bob · away" in rollup


def test_prompts_speak_each_recipients_language(growth: Harness) -> None:
    growth.clock.set(MONDAY)
    growth.say("bob", "settings language zh")
    sent = deliveries_between(growth, FRIDAY_NOON, FRIDAY_NOON + timedelta(hours=4))
    bob = next(d for k, d in sent.items() if k.startswith("checkin:") and d.to == ToUser("bob"))
    alice = next(d for k, d in sent.items() if k.startswith("checkin:") and d.to == ToUser("alice"))
    assert alice.message.summary.startswith("Friday check-in")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in bob.message.summary)


def test_a_team_rhythm_moved_by_its_manager_moves_the_prompts(growth: Harness) -> None:
    growth.say("carol", "settings team Growth digest thu 18:00")
    thursday = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 17:00 local
    sent = deliveries_between(growth, thursday, thursday + timedelta(hours=2))
    assert "digest:team1:2026-W48" in sent
    assert isinstance(sent["digest:team1:2026-W48"].message, Message)


def test_mentions_from_a_platform_resolve_to_members(growth: Harness) -> None:
    out = growth.say(
        "alice",
        'kudos @U0DANA "thanks for the intro"',
        mentions={"@U0DANA": MentionedUser("U0DANA", "Dana Lee")},
    )
    assert "Kudos sent to Dana Lee" in text_of(out)
    assert out.deliveries[0].to == ToUser("U0DANA")


def test_one_workspaces_rhythm_never_includes_anothers(growth: Harness) -> None:
    growth.say("zed", "settings timezone Asia/Shanghai", workspace="other")
    growth.say("zed", "team new Elsewhere #elsewhere", workspace="other")
    start = MONDAY - timedelta(hours=2)
    everyone = growth.app.run_due(since=start, until=start + timedelta(hours=3))
    assert {"plan:team1:2026-W48", "plan:team2:2026-W48"} <= {d.key for d in everyone}
    ours = growth.app.run_due(
        since=start, until=start + timedelta(hours=3), platform="console", workspace="demo"
    )
    assert "plan:team1:2026-W48" in {d.key for d in ours}
    assert not any(d.to == ToChannel("elsewhere") for d in ours)
    assert not any(d.key and "team2" in d.key for d in ours)


def test_monday_prompt_offers_to_carry_last_weeks_open_tasks(growth: Harness) -> None:
    week48(growth)  # T2 "Interview two customers" stays open; T1 is done
    next_monday = MONDAY + timedelta(days=7)
    sent = deliveries_between(
        growth, next_monday - timedelta(hours=2), next_monday + timedelta(hours=1)
    )
    alice = sent["plan:member2:2026-W49"].message
    texts = [getattr(b, "text", "") for b in alice.blocks]
    assert "Still open from last week:" in texts
    assert any("T2 Interview two customers" in t for t in texts)
    assert not any("Publish three reels" in t for t in texts)
    buttons = [b for block in alice.blocks for b in getattr(block, "buttons", ())]
    carry = next(b for b in buttons if b.action == "task.carry")
    assert carry.value == "T2"
    growth.clock.set(next_monday)
    assert "T2 carried over to week 2026-W49 as T4." in words_of(
        growth.press("alice", carry.action, carry.value)
    )
    bob = sent["plan:member3:2026-W49"].message
    assert any("T3 Write the welcome email" in getattr(b, "text", "") for b in bob.blocks)
