"""Weeks, moments and delivery keys follow each team's own clock, not UTC.

Teams at UTC+13 (Auckland in summer) and UTC−8 (Los Angeles in winter) meet
their Monday on a different UTC date, and sometimes in a different ISO week;
Los Angeles also leaves daylight saving time on 1 November 2026.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.views import Message, Progress, ToChannel, ToUser
from tests.conftest import Harness, words_of


def ok(h: Harness, user: str, line: str) -> str:
    out = words_of(h.say(user, line))
    assert "Sorry" not in out and "The right form" not in out, f"{line!r}: {out}"
    return out


def team_in(h: Harness, zone: str, name: str, people: tuple[str, ...]) -> None:
    for user in people:
        ok(h, user, f"settings timezone {zone}")
    ok(h, people[0], f"team new {name} #{name.lower()}")
    ok(h, people[0], f"team add {name} " + " ".join(f"@{p}" for p in people[1:]))
    ok(h, people[0], f"settings team {name} timezone {zone}")


def keys(h: Harness, since: datetime, until: datetime) -> list[str]:
    return sorted(d.key or "" for d in h.app.run_due(since=since, until=until))


def test_auckland_plans_its_monday_on_the_utc_sunday_before(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2026, 11, 18, 0, 0, tzinfo=UTC))
    team_in(h, "Pacific/Auckland", "Kiwi", ("kate", "kim"))
    # Monday 23 Nov 09:30 NZDT (UTC+13) is Sunday 22 Nov 20:30 UTC, still ISO week 47 in UTC.
    monday = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)
    assert keys(h, monday - timedelta(minutes=1), monday) == [
        "plan:member1:2026-W48",
        "plan:member2:2026-W48",
        "plan:team1:2026-W48",
    ]
    assert keys(h, monday - timedelta(hours=1), monday - timedelta(minutes=1)) == []
    # Friday 27 Nov 17:00 NZDT is Friday 04:00 UTC.
    friday = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    assert "digest:team1:2026-W48" in keys(h, friday - timedelta(minutes=1), friday)


def test_los_angeles_on_a_sunday_evening_is_still_last_week(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2026, 11, 4, 18, 0, tzinfo=UTC))
    team_in(h, "America/Los_Angeles", "West", ("lou", "lee"))
    ok(h, "lou", "settings team West digest sun 20:00")
    # Sunday 8 Nov 20:00 PST (UTC−8) is Monday 9 Nov 04:00 UTC: ISO week 46 in UTC, 45 locally.
    sunday = datetime(2026, 11, 9, 4, 0, tzinfo=UTC)
    assert keys(h, sunday - timedelta(minutes=1), sunday) == ["digest:team1:2026-W45"]
    # Monday 9 Nov 09:30 PST is 17:30 UTC.
    monday = datetime(2026, 11, 9, 17, 30, tzinfo=UTC)
    assert keys(h, monday - timedelta(minutes=1), monday) == [
        "plan:member1:2026-W46",
        "plan:member2:2026-W46",
        "plan:team1:2026-W46",
    ]


def test_a_checkin_on_a_local_sunday_evening_counts_for_the_local_week(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2026, 11, 4, 18, 0, tzinfo=UTC))
    team_in(h, "America/Los_Angeles", "West", ("lou", "lee"))
    ok(h, "lee", "new Grow the west | Stores: 0 -> 10 stores")
    h.clock.set(datetime(2026, 11, 9, 5, 0, tzinfo=UTC))  # Sunday 21:00 PST
    assert "this week" in ok(h, "lee", "checkin KR1 3 confidence 7")
    text = ok(h, "lou", "team West")
    assert "week 2026-W45" in text and "1 of 1 checked in" in text


@pytest.mark.parametrize(
    ("friday", "instant"),
    [
        ("2026-10-30", datetime(2026, 10, 31, 0, 0, tzinfo=UTC)),  # PDT, UTC−7
        ("2026-11-06", datetime(2026, 11, 7, 1, 0, tzinfo=UTC)),  # PST, UTC−8
    ],
)
def test_the_digest_keeps_its_local_hour_across_the_dst_change(
    harness: Harness, friday: str, instant: datetime
) -> None:
    h = harness
    h.clock.set(datetime(2026, 10, 20, 18, 0, tzinfo=UTC))
    team_in(h, "America/Los_Angeles", "West", ("lou", "lee"))
    week = datetime.fromisoformat(friday).strftime("%G-W%V")
    digest = f"digest:team1:{week}"
    assert digest not in keys(h, instant - timedelta(hours=2), instant - timedelta(seconds=1))
    assert digest in keys(h, instant - timedelta(seconds=1), instant)


def test_a_member_who_checked_in_part_of_their_krs_is_prompted_for_the_rest(
    harness: Harness,
) -> None:
    h = harness
    h.clock.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # Tuesday 09:00 NZDT
    team_in(h, "Pacific/Auckland", "Kiwi", ("kate", "kim"))
    ok(h, "kim", "new Win Wellington | Cafes: 0 -> 20 cafes | Reviews: 0 -> 50 reviews")
    ok(h, "kate", "new Hire well | Hires: 0 -> 3 hires")
    ok(h, "kim", "checkin KR1 4 confidence 7")
    ok(h, "kate", "checkin KR3 1 confidence 8")
    prompt = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # Friday 15:00 NZDT
    sent = {d.key: d for d in h.app.run_due(since=prompt - timedelta(minutes=1), until=prompt)}
    assert sorted(sent) == ["checkin:member2:2026-W48"]  # kim, not kate
    kim = sent["checkin:member2:2026-W48"]
    assert kim.to == ToUser("kim")
    assert isinstance(kim.message, Message)
    bars = [b.label for b in kim.message.blocks if isinstance(b, Progress)]
    assert bars == ["KR1 Cafes", "KR2 Reviews"]


@pytest.mark.parametrize(("holiday", "silent"), [("2026-11-23", True), ("2026-11-22", False)])
def test_a_holiday_is_the_teams_local_day(harness: Harness, holiday: str, silent: bool) -> None:
    h = harness
    h.clock.set(datetime(2026, 11, 18, 0, 0, tzinfo=UTC))
    team_in(h, "Pacific/Auckland", "Kiwi", ("kate", "kim"))
    ok(h, "kate", f"settings team Kiwi holiday {holiday}")
    monday = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)  # Monday 23 Nov locally, Sunday in UTC
    expected = ["plan:member1:2026-W48", "plan:member2:2026-W48", "plan:team1:2026-W48"]
    assert keys(h, monday - timedelta(minutes=1), monday) == ([] if silent else expected)


def test_the_digest_goes_to_the_teams_channel(harness: Harness) -> None:
    h = harness
    h.clock.set(datetime(2026, 11, 18, 0, 0, tzinfo=UTC))
    team_in(h, "Pacific/Auckland", "Kiwi", ("kate", "kim"))
    friday = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
    (digest,) = [d for d in h.app.run_due(since=friday - timedelta(minutes=1), until=friday)]
    assert digest.to == ToChannel("kiwi") and digest.key == "digest:team1:2026-W48"


def test_a_window_spanning_the_dst_change_finds_each_friday_at_its_local_hour(
    harness: Harness,
) -> None:
    h = harness
    h.clock.set(datetime(2026, 10, 20, 18, 0, tzinfo=UTC))
    team_in(h, "America/Los_Angeles", "West", ("lou", "lee"))
    since = datetime(2026, 10, 29, 12, 0, tzinfo=UTC)  # Thursday, still PDT
    digests = [k for k in keys(h, since, datetime(2026, 11, 7, 0, 30, tzinfo=UTC)) if "digest" in k]
    assert digests == ["digest:team1:2026-W44"]  # 6 Nov 17:00 PST is 01:00 UTC, not 00:00
    digests = [k for k in keys(h, since, datetime(2026, 11, 7, 1, 0, tzinfo=UTC)) if "digest" in k]
    assert digests == ["digest:team1:2026-W44", "digest:team1:2026-W45"]
