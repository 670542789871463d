"""Cycles of any length: the monthly review and the cycle-end moments follow each team's cycle.

A two-month team (ByteDance style) beside a quarterly one, across the year
boundary; a team with yearly objectives whose key results run for a quarter;
and a key result's target changed after the cycle's first month, waiting for
the manager and announced in the next monthly review.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlmodel import select

from bot.console.demo import DemoWorkspace
from handlers.moments import planner
from handlers.views import Delivery, Outcome, Text, ToUser
from storage.models import Cycle, KeyResult, Objective
from tests.conftest import Harness, words_of


def moments_between(h: Harness, since: datetime, until: datetime) -> list[tuple[str, Delivery]]:
    with h.sessions.begin() as session:
        due = planner.due_moments(session=session, since=since, until=until)
    return [(d.moment, d.delivery) for d in due]


def kinds_to(found: Iterable[tuple[str, Delivery]], user: str) -> list[str]:
    return sorted({m for m, d in found if d.to == ToUser(user)})


def teams(h: Harness) -> None:
    """Bea runs Brand on two-month cycles; Quinn runs Quota on quarters; both in Shanghai."""
    h.say("bea", "team new Brand #brand")
    h.say("bea", "settings team Brand timezone Asia/Shanghai")
    h.say("bea", "settings team Brand cycle bimonthly")
    h.say("bo", "team join Brand")
    h.say("quinn", "team new Quota #quota")
    h.say("quinn", "settings team Quota timezone Asia/Shanghai")
    h.say("qi", "team join Quota")


def test_a_two_month_team_and_a_quarterly_team_end_their_cycles_at_their_own_times(
    harness: Harness,
) -> None:
    teams(harness)
    said = words_of(harness.say("bea", "settings team Brand cycle bimonthly"))
    assert (
        "Brand now runs two-monthly cycles: its objectives go into 2026-B6 (Nov 1 – Dec 31)."
        in (said)
    )
    harness.say("bo", "new Be known in Brazil | Followers: 0 -> 1000 followers")
    harness.say("qi", "new Hit the quota | Revenue: 0 -> 100 k")
    # Both cycles end on Dec 31: the questions on Mon Dec 21, scoring and packs on Mon Dec 28.
    week_before = moments_between(
        harness, datetime(2026, 12, 21, 1, 0, tzinfo=UTC), datetime(2026, 12, 21, 2, 0, tzinfo=UTC)
    )
    assert "questions" in kinds_to(week_before, "bo") and "questions" in kinds_to(week_before, "qi")
    assert ("draftsuggest", "draft-suggest:team1:2026-B6") in {(m, d.key) for m, d in week_before}
    last = moments_between(
        harness, datetime(2026, 12, 28, 1, 0, tzinfo=UTC), datetime(2026, 12, 28, 2, 0, tzinfo=UTC)
    )
    assert {"selfscore", "packs"} <= set(kinds_to(last, "bo"))
    keys = {d.key for _, d in last}
    assert {"selfscore:member2:2026-B6", "selfscore:member4:2026-Q4"} <= keys

    # The new year: Brand's next cycle is Jan–Feb, Quota's Jan–Mar.
    harness.clock.set(datetime(2027, 1, 4, 2, 0, tzinfo=UTC))
    assert "Your OKRs · 2027-B1" in words_of(harness.say("bo", "my"))
    assert "Your OKRs · 2027-Q1" in words_of(harness.say("qi", "my"))
    harness.say("bo", "new Grow Brazil again | Followers: 1000 -> 3000 followers")
    harness.say("qi", "new Hit the Q1 quota | Revenue: 0 -> 120 k")
    # January's first Monday reviews December in each team's own cycle.
    january = moments_between(
        harness, datetime(2027, 1, 4, 1, 0, tzinfo=UTC), datetime(2027, 1, 4, 3, 0, tzinfo=UTC)
    )
    reviews = {d.key: d for m, d in january if m == "review"}
    assert {"review:team1:2026-12", "review:team2:2026-12"} <= set(reviews)
    brand = words_of(Outcome(replies=[reviews["review:team1:2026-12"].message]))
    assert "cycle 2026-B6" in brand and "cycle 2026-Q4" in words_of(
        Outcome(replies=[reviews["review:team2:2026-12"].message])
    )
    # Late February: Brand's cycle ends and is scored; Quota's quarter runs on.
    february = moments_between(
        harness, datetime(2027, 2, 15, 1, 0, tzinfo=UTC), datetime(2027, 2, 22, 2, 0, tzinfo=UTC)
    )
    assert "questions" in kinds_to(february, "bo") and "selfscore" in kinds_to(february, "bo")
    assert "selfscore" not in kinds_to(february, "qi") and "questions" not in kinds_to(
        february, "qi"
    )
    assert "selfscore:member2:2027-B1" in {d.key for _, d in february}
    # Drafting in Brand's last two weeks targets its next two months.
    harness.clock.set(datetime(2027, 2, 15, 2, 0, tzinfo=UTC))
    assert "Started drafting 2027-B2 with Brand." in words_of(
        harness.say("bea", "draft start Brand")
    )


def test_yearly_objectives_have_key_results_scored_at_the_end_of_their_quarter(
    harness: Harness,
) -> None:
    harness.clock.set(datetime(2027, 1, 5, 2, 0, tzinfo=UTC))
    harness.say("ada", "team new Ops #ops")
    harness.say("ada", "settings team Ops timezone Asia/Shanghai")
    said = words_of(harness.say("ada", "settings team Ops cycle annual-quarterly"))
    assert "Key results run for a quarter and are scored when it ends: 2027-Q1 ends Mar 31." in said
    harness.say("ed", "team join Ops")
    harness.say("ed", "new Run a calm year | Incidents in Q1: 10 -> 4 incidents")
    harness.clock.set(datetime(2027, 4, 6, 2, 0, tzinfo=UTC))
    harness.say("ed", "kr add O1 Incidents in Q2: 8 -> 3 incidents")
    with harness.sessions.begin() as session:
        objective = session.exec(select(Objective)).one()
        cycles = {c.id: c.name for c in session.exec(select(Cycle)).all()}
        krs = {kr.title: cycles.get(kr.cycle_id or -1) for kr in session.exec(select(KeyResult))}
    assert cycles[objective.cycle_id] == "2027"
    assert krs == {"Incidents in Q1": "2027-Q1", "Incidents in Q2": "2027-Q2"}
    march = moments_between(
        harness, datetime(2027, 3, 29, 1, 0, tzinfo=UTC), datetime(2027, 3, 29, 2, 0, tzinfo=UTC)
    )
    (prompt,) = [d for m, d in march if m == "selfscore" and d.to == ToUser("ed")]
    text = words_of(Outcome(replies=[prompt.message]))
    assert prompt.key == "selfscore:member2:2027-Q1"
    assert "KR1 Incidents in Q1" in text and "Incidents in Q2" not in text
    june = moments_between(
        harness, datetime(2027, 6, 28, 1, 0, tzinfo=UTC), datetime(2027, 6, 28, 2, 0, tzinfo=UTC)
    )
    (prompt,) = [d for m, d in june if m == "selfscore" and d.to == ToUser("ed")]
    text = words_of(Outcome(replies=[prompt.message]))
    assert "KR2 Incidents in Q2" in text and "Incidents in Q1" not in text


def test_a_kr_change_after_the_first_month_waits_and_is_announced_in_the_monthly_review(
    harness: Harness, demo: DemoWorkspace
) -> None:
    followers = demo.key_results["followers"]
    harness.clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    asked = harness.say("alice", f"kr {followers} target 12000")
    assert "I've asked them: change KR11's target from 10,000 to 12,000" in words_of(asked)
    (request,) = asked.deliveries
    assert request.to == ToUser("mei")
    buttons = [b for block in request.message.blocks for b in getattr(block, "buttons", ())]
    approved = harness.press("mei", buttons[0].action, buttons[0].value)
    assert "Approved: change KR11's target from 10,000 to 12,000" in words_of(approved)
    with harness.sessions.begin() as session:
        kr = session.exec(select(KeyResult).where(KeyResult.number == 11)).one()
        assert kr.target_value == 12_000
    # The manager's own change applies at once, and so does a change in a cycle's first month.
    assert "Updated KR13." in words_of(
        harness.say("mei", f"kr {demo.key_results['inbound']} weight 2")
    )
    january = moments_between(
        harness, datetime(2027, 1, 4, 1, 0, tzinfo=UTC), datetime(2027, 1, 4, 3, 0, tzinfo=UTC)
    )
    (review,) = [d for m, d in january if m == "review" and d.key == "review:team3:2026-12"]
    texts = [b.text for b in review.message.blocks if isinstance(b, Text)]
    assert "Key results changed this month" in texts
    assert "change KR11's target from 10,000 to 12,000" in words_of(
        Outcome(replies=[review.message])
    )
    # November's review had no such changes to announce.
    december = moments_between(
        harness, datetime(2026, 12, 7, 1, 0, tzinfo=UTC), datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    )
    (earlier,) = [d for m, d in december if d.key == "review:team3:2026-11"]
    assert "Key results changed this month" not in words_of(Outcome(replies=[earlier.message]))
