"""The rollup and the Friday digest, pinned section by section to exact text.

Three weeks of a team's history, built only through commands, chosen so that
each section's rule gives a different answer if it is wrong: a KR that reached
its target last week is not celebrated again, a fourth mover is cut, a fall of
one point of confidence is not a drop, a task due today is not overdue, help
resolved last week and last week's kudos stay out, a carried-over task is not
"planned", a partly checked-in member is listed as partly (not missing), and a member
who is away is neither missing nor counted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.views import Message, Outcome, Progress
from tests.conftest import Harness, first_message, words_of

# Fridays 16:00 in Asia/Shanghai (UTC+8), ISO weeks 46, 47 and 48 of 2026.
FRI_W46 = datetime(2026, 11, 13, 8, 0, tzinfo=UTC)
MON_W47 = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)
FRI_W47 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
MON_W48 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
FRI_W48 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def ok(h: Harness, user: str, line: str) -> str:
    out = words_of(h.say(user, line))
    assert "Sorry" not in out and "The right form" not in out, f"{line!r}: {out}"
    return out


@pytest.fixture
def team(harness: Harness) -> Harness:
    h = harness
    h.clock.set(FRI_W46)
    people = ("carol", "alice", "bob", "dan", "erin", "frank")
    for user in people:
        ok(h, user, "settings timezone Asia/Shanghai")
    ok(h, "carol", "team new Growth #growth")
    ok(h, "carol", "team add Growth @alice @bob @dan @erin @frank")
    ok(h, "alice", "new Raise awareness | Followers: 0 -> 10000 followers | Engagement: 0 -> 2 %")
    ok(
        h,
        "bob",
        "new Ship the newsletter | Subscribers: 0 -> 500 subscribers"
        " | Newsletter live: done | Open rate: 0 -> 50 %",
    )
    ok(h, "dan", "new Keep customers | Churn: 10 -> 5 % | Demos: 0 -> 40 demos")
    ok(h, "erin", "new Build partnerships | Partners: 0 -> 10 partners")
    ok(h, "frank", "new Tell our story | Case studies: 0 -> 8 case studies")
    # Week 46: everyone checks in; bob's newsletter goes live.
    for user, line in [
        ("alice", "checkin KR1 2000 confidence 8"),
        ("alice", "checkin KR2 0.5 confidence 7"),
        ("bob", "checkin KR3 100 confidence 9"),
        ("bob", "checkin KR4 done confidence 9"),
        ("bob", "checkin KR5 5 confidence 5"),
        ("dan", "checkin KR6 9 confidence 6"),
        ("dan", "checkin KR7 10 confidence 7"),
        ("erin", "checkin KR8 2 confidence 8"),
        ("frank", "checkin KR9 1 confidence 6"),
    ]:
        ok(h, user, line)
    # Week 47: help asked and resolved, kudos given, more check-ins.
    h.clock.set(MON_W47)
    ok(h, "alice", 'ask @bob KR1 "old request"')  # H1
    ok(h, "bob", "ask accept H1")
    ok(h, "bob", 'ask @dan KR3 "review the signup form"')  # H2
    ok(h, "dan", "ask accept H2")
    ok(h, "alice", 'ask @frank KR2 "share the survey"')  # H3, never answered
    h.clock.set(FRI_W47)
    ok(h, "alice", "ask done H1 thanks")
    ok(h, "alice", 'kudos @bob "last week kudos"')
    for user, line in [
        ("alice", "checkin KR1 4000 confidence 8"),
        ("alice", "checkin KR2 1 confidence 7"),
        ("bob", "checkin KR3 200 confidence 9"),
        ("bob", "checkin KR5 10 confidence 4"),
        ("dan", "checkin KR6 8 confidence 6"),
        ("dan", "checkin KR7 20 confidence 5"),
        ("erin", "checkin KR8 3 confidence 8"),
        ("frank", "checkin KR9 1 confidence 6"),
    ]:
        ok(h, user, line)
    # Week 48.
    h.clock.set(MON_W48)
    ok(h, "erin", "away 2026-11-23 2026-11-29 conference")
    ok(h, "alice", "plan add Publish three reels KR1 due wed")  # T1, done
    ok(h, "alice", "plan add Interview two customers KR2")  # T2, open, no due date
    ok(h, "bob", "plan add Write the welcome email KR3 due tue")  # T3, overdue
    ok(h, "bob", "plan add Fix the signup form KR3 due fri")  # T4, due today: not overdue
    ok(h, "dan", "plan add Call churned customers KR6")  # T5, carried over to next week
    ok(h, "dan", "plan add Record a demo video KR7 due mon")  # T6, done late
    h.clock.set(FRI_W48)
    ok(h, "alice", "plan done T1")
    ok(h, "dan", "plan done T6")
    # After the Wednesday cut-off the manager carries it (a member would need approval).
    ok(h, "carol", "plan carry T5")  # T7 in week 49
    ok(h, "bob", 'ask done H2 "the form converts better"')
    ok(h, "alice", 'kudos @dan "great demo video"')
    for user, line in [
        ("alice", 'checkin KR1 6000 confidence 7 "two reels took off"'),  # +20 points, -1 conf
        ("alice", "checkin KR2 2 confidence 8"),  # reaches the target this week
        ("bob", 'checkin KR3 450 confidence 6 "list provider slow"'),  # +50 points, -3 conf
        ("bob", "checkin KR4 done confidence 9"),  # reached in week 46: no new trophy
        ("dan", 'checkin KR6 6 confidence 4 "pricing change"'),  # +40 points, -2 conf
        ("dan", "checkin KR7 24 confidence 5"),  # +10 points: the fourth mover
    ]:
        ok(h, user, line)
    return h


DIGEST_W48 = """\
Growth: 8 wins, 2 of 5 key tasks done
🎉 Friday celebration · Growth · week 2026-W48
Wins this week
🏆 Alice reached the target of KR2 Engagement!
📈 Bob moved KR3 Subscribers: +250 subscribers (40% → 90%)
📈 Dan moved KR6 Churn: -2% (40% → 80%)
📈 Alice moved KR1 Followers: +2,000 followers (40% → 60%)
✅ Alice finished T1 Publish three reels
✅ Dan finished T6 Record a demo video
🤝 Dan helped Bob: review the signup form — “the form converts better”
👏 Alice → Dan: great demo video
Objectives (weighted by their key results)
O1 Raise awareness
O2 Ship the newsletter
O3 Keep customers
O4 Build partnerships
O5 Tell our story
Planned vs done
Key tasks
2 of 5 done
Confidence drops
KR3 Subscribers (Bob): 9 → 6 · list provider slow
KR6 Churn (Dan): 6 → 4 · pricing change
Stuck or waiting
KR5 Open rate (Bob): low confidence and behind pace
KR8 Partners (Erin): behind pace
KR9 Case studies (Frank): behind pace
T3 Write the welcome email (Bob) was due Nov 24
H3: Alice is waiting for Frank: share the survey
Not checked in yet: Frank
Partly checked in: Bob
Team rollup"""


def test_the_friday_digest_of_a_busy_week_reads_exactly(team: Harness) -> None:
    assert words_of(team.say("carol", "team digest Growth")) == DIGEST_W48


ROLLUP_W48 = """\
Growth: 2 of 4 checked in, 5 key results at risk
Team Growth · rollup · week 2026-W48
2 of 4 checked in · 1 away · cycle 2026-Q4
Partly checked in: Bob
· Carol · no key results
✅ Alice · checked in
KR1 Followers
6,000 of 10,000 followers · +2,000 this week · confidence 7/10 (↓1)
KR2 Engagement
2% of 2% · +1 this week · confidence 8/10 (↑1)
◐ Bob · partly checked in
KR3 Subscribers
450 of 500 subscribers · +250 this week · confidence 6/10 (↓3) · ⚠ confidence dropped
KR4 Newsletter live
done · confidence 9/10
KR5 Open rate
10% of 50% · confidence 4/10 · ⚠ low confidence and behind pace
✅ Dan · checked in
KR6 Churn
6%, target 5% · -2 this week · confidence 4/10 (↓2) · ⚠ low confidence and confidence dropped
KR7 Demos
24 of 40 demos · +4 this week · confidence 5/10
🌴 Erin · away
KR8 Partners
3 of 10 partners · confidence 8/10 · ⚠ behind pace
⏳ Frank · not checked in yet
KR9 Case studies
1 of 8 case studies · confidence 6/10 · ⚠ behind pace"""


def test_the_rollup_of_a_busy_week_reads_exactly(team: Harness) -> None:
    """Away is neither missing nor counted; partly checked in is not "checked in"."""
    assert words_of(team.say("carol", "team Growth")) == ROLLUP_W48


def test_the_rollup_bars_are_the_krs_progress(team: Harness) -> None:
    bars = {
        b.label: b.fraction
        for b in first_message(team.say("carol", "team Growth")).blocks
        if isinstance(b, Progress)
    }
    assert bars == pytest.approx(
        {
            "KR1 Followers": 0.6,
            "KR2 Engagement": 1.0,
            "KR3 Subscribers": 0.9,
            "KR4 Newsletter live": 1.0,
            "KR5 Open rate": 0.2,
            "KR6 Churn": 0.8,
            "KR7 Demos": 0.6,
            "KR8 Partners": 0.3,
            "KR9 Case studies": 0.125,
        }
    )


def test_last_weeks_digest_is_unchanged_by_this_weeks_work(team: Harness) -> None:
    """Help resolved, kudos and trophies belong to the week they happened in."""
    team.clock.set(FRI_W47)
    text = words_of(team.say("carol", "team digest Growth"))
    assert text == DIGEST_W47


DIGEST_W47 = """\
Growth: 5 wins, 0 of 0 key tasks done
🎉 Friday celebration · Growth · week 2026-W47
Wins this week
📈 Alice moved KR2 Engagement: +0.5% (25% → 50%)
📈 Dan moved KR7 Demos: +10 demos (25% → 50%)
📈 Alice moved KR1 Followers: +2,000 followers (20% → 40%)
🤝 Bob helped Alice: old request — “thanks”
👏 Alice → Bob: last week kudos
Objectives (weighted by their key results)
O1 Raise awareness
O2 Ship the newsletter
O3 Keep customers
O4 Build partnerships
O5 Tell our story
Planned vs done
No key tasks were planned this week.
Confidence drops
KR7 Demos (Dan): 7 → 5
Stuck or waiting
KR9 Case studies (Frank): behind pace
H3: Alice is waiting for Frank: share the survey
Partly checked in: Bob
Team rollup"""


def test_the_scheduled_digest_is_the_same_message(team: Harness) -> None:
    sent = team.app.run_due(since=FRI_W48, until=FRI_W48.replace(hour=10))
    digest = next(d for d in sent if d.key == "digest:team1:2026-W48")
    assert isinstance(digest.message, Message)
    assert words_of(Outcome(replies=[digest.message])) == DIGEST_W48
