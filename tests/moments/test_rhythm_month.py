"""Whole months of the rhythm on a controllable clock, in four timezones across DST.

Each moment fires once, at the right local time, on the right local date and
ISO week; holidays and time away are honoured; DMs follow a member's own zone.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.moments import planner
from handlers.okr.weeks import week_key
from handlers.views import Delivery, ToChannel, ToUser
from storage.repos import workspaces
from tests.conftest import Harness

ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "Pacific/Auckland")
# Each window crosses the zone's spring or autumn clock change (Auckland's are reversed).
WINDOWS = (
    (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 30, tzinfo=UTC)),
    (datetime(2026, 9, 20, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)),
)


def build_team(h: Harness, tz: str, *, channel: str = "#growth") -> None:
    """Maya manages Growth (in `tz`); Ann and Ben are members."""
    h.say("maya", f"team new Growth {channel}")
    h.say("maya", f"settings team Growth timezone {tz}")
    for who in ("ann", "ben"):
        h.say(who, "team join Growth")


def moments(h: Harness, since: datetime, until: datetime) -> list[tuple[datetime, str, Delivery]]:
    with h.sessions.begin() as session:
        due = planner.due_moments(session=session, since=since, until=until)
    return [(d.at, d.moment, d.delivery) for d in due]


def local(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz))


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("window", WINDOWS, ids=["spring", "autumn"])
def test_each_moment_fires_once_at_its_local_time_date_and_week(
    harness: Harness, tz: str, window: tuple[datetime, datetime]
) -> None:
    build_team(harness, tz)
    since, until = window
    found = moments(harness, since, until)
    keys = [d.key for _, _, d in found]
    assert len(keys) == len(set(keys)), "a moment fired twice"
    expected = {
        "plan": (1, time(9, 30)),
        "digest": (5, time(17, 0)),
        "review": (1, time(10, 0)),
    }
    seen: Counter[str] = Counter()
    for at, name, delivery in found:
        if name not in expected:
            continue
        weekday, wall = expected[name]
        when = local(at, tz)
        assert (when.isoweekday(), when.time()) == (weekday, wall), (name, when)
        assert delivery.key is not None
        if name == "review":
            assert when.day <= 7
            previous = when.date().replace(day=1) - timedelta(days=1)
            assert delivery.key.endswith(f"{previous.year:04d}-{previous.month:02d}")
        else:
            assert delivery.key.endswith(week_key(when.date())), (delivery.key, when)
        seen[name] += 1
    mondays = sum(
        1
        for n in range((until - since).days + 2)
        if (day := (since.astimezone(ZoneInfo(tz)) + timedelta(days=n))).isoweekday() == 1
        and since < datetime.combine(day.date(), time(9, 30), tzinfo=ZoneInfo(tz)) <= until
    )
    # Three members get a Monday prompt each week; the channel gets its own.
    assert seen["plan"] == 4 * mondays
    assert seen["review"] == 2


def test_replaying_a_window_in_pieces_sends_the_same_moments_once(harness: Harness) -> None:
    build_team(harness, "Pacific/Auckland")
    start = datetime(2026, 9, 20, tzinfo=UTC)
    whole = [d.key for _, _, d in moments(harness, start, start + timedelta(days=7))]
    pieces: list[str | None] = []
    for hour in range(7 * 24):
        since = start + timedelta(hours=hour)
        pieces.extend(d.key for _, _, d in moments(harness, since, since + timedelta(hours=1)))
    assert pieces == whole


def test_holidays_and_time_away_silence_the_day(harness: Harness) -> None:
    build_team(harness, "Asia/Shanghai")
    harness.say("maya", "settings team Growth holiday 2026-11-30")
    harness.say("ben", "away 2026-12-07 2026-12-07")
    found = moments(harness, datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))
    plan = [(local(at, "Asia/Shanghai").date(), d) for at, name, d in found if name == "plan"]
    assert {day for day, _ in plan} == {date(2026, 12, 7)}
    assert not any(isinstance(d.to, ToUser) and d.to.user_id == "ben" for _, d in plan)


def test_a_country_calendar_skips_its_holidays_and_counts_its_working_weekends(
    harness: Harness,
) -> None:
    build_team(harness, "Asia/Shanghai")
    outcome = harness.say("maya", "settings team Growth holidays CN")
    assert "CN" in outcome.replies[0].summary  # type: ignore[union-attr]  # a Message
    # 2026-10-01..07 is China's National Day week: no Monday prompt on Oct 5.
    found = moments(harness, datetime(2026, 10, 4, tzinfo=UTC), datetime(2026, 10, 6, tzinfo=UTC))
    assert [name for _, name, _ in found if name == "plan"] == []
    refused = harness.say("maya", "settings team Growth holidays XX")
    assert "no holiday calendar for XX" in refused.replies[0].summary  # type: ignore[union-attr]


def test_a_member_in_berlin_on_a_shanghai_team_gets_prompts_at_berlin_time(
    harness: Harness,
) -> None:
    build_team(harness, "Asia/Shanghai")
    harness.say("ben", "settings timezone Europe/Berlin")
    found = moments(harness, datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    plans = {
        d.to.user_id if isinstance(d.to, ToUser) else "#": at
        for at, name, d in found
        if name == "plan"
        for _ in [0]
        if isinstance(d.to, ToUser | ToChannel)
    }
    assert local(plans["ben"], "Europe/Berlin").time() == time(9, 30)
    assert local(plans["ann"], "Asia/Shanghai").time() == time(9, 30)
    assert local(plans["#"], "Asia/Shanghai").time() == time(9, 30)
    with harness.sessions.begin() as session:
        ws = workspaces.find_workspace(session=session, platform="console", external_id="demo")
        assert ws is not None
