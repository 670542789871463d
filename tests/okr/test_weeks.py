"""Weeks, cycles and the rhythm's instants in a team's timezone."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.okr.weeks import (
    CycleBounds,
    cycle_for,
    elapsed_fraction,
    first_month_over,
    is_valid_timezone,
    kr_cycle_for,
    local_date,
    next_cycle_for,
    next_occurrence,
    next_week,
    occurrences_between,
    parse_week_key,
    plan_is_open,
    previous_week,
    week_end,
    week_key,
    week_of,
    week_start,
)

NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"
SHANGHAI = "Asia/Shanghai"

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
kinds = st.sampled_from(["quarter", "bimonthly", "monthly", "annual"])


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- local dates and week keys -------------------------------------------------


def test_local_date_uses_the_team_zone_not_utc() -> None:
    instant = utc(2026, 11, 29, 23, 30)  # Sunday night in UTC
    assert local_date(instant, "UTC") == date(2026, 11, 29)
    assert local_date(instant, SHANGHAI) == date(2026, 11, 30)
    assert local_date(instant, NEW_YORK) == date(2026, 11, 29)


def test_week_of_moves_to_next_week_when_local_monday_has_begun() -> None:
    instant = utc(2026, 11, 29, 23, 30)
    assert week_of(instant, "UTC") == "2026-W48"
    assert week_of(instant, SHANGHAI) == "2026-W49"


def test_local_date_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 11, 29, 12), SHANGHAI)


def test_week_key_is_zero_padded() -> None:
    assert week_key(date(2026, 1, 7)) == "2026-W02"


@pytest.mark.parametrize(
    ("day", "key"),
    [
        (date(2026, 12, 28), "2026-W53"),
        (date(2026, 12, 31), "2026-W53"),
        (date(2027, 1, 1), "2026-W53"),
        (date(2027, 1, 3), "2026-W53"),
        (date(2027, 1, 4), "2027-W01"),
        (date(2025, 12, 29), "2026-W01"),  # a December day in the next ISO year
        (date(2025, 12, 28), "2025-W52"),
    ],
)
def test_week_key_uses_iso_year_at_year_boundaries(day: date, key: str) -> None:
    assert week_key(day) == key


def test_week_key_refuses_datetime_so_utc_day_is_not_used_by_mistake() -> None:
    with pytest.raises(TypeError):
        week_key(utc(2026, 11, 29, 23, 30))


def test_parse_week_key_returns_iso_year_and_week() -> None:
    assert parse_week_key("2026-W48") == (2026, 48)
    assert parse_week_key("2026-W53") == (2026, 53)
    assert parse_week_key("2020-W53") == (2020, 53)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "2026-W54",
        "2025-W53",  # 2025 has 52 ISO weeks
        "2026-W00",
        "2026-W4",
        "2026W48",
        "2026-w48",
        "26-W48",
        " 2026-W48",
        "2026-W48\n",
        "２０２６-W48",  # full-width digits
        "0000-W01",
        "2026-W4a",
    ],
)
def test_parse_week_key_rejects_malformed_or_nonexistent_weeks(key: str) -> None:
    with pytest.raises(ValueError):
        parse_week_key(key)


def test_week_runs_monday_to_sunday() -> None:
    assert week_start("2026-W48") == date(2026, 11, 23)
    assert week_end("2026-W48") == date(2026, 11, 29)


def test_week_53_spans_the_new_year() -> None:
    assert week_start("2026-W53") == date(2026, 12, 28)
    assert week_end("2026-W53") == date(2027, 1, 3)


def test_week_one_can_start_in_previous_december() -> None:
    assert week_start("2026-W01") == date(2025, 12, 29)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("2026-W47", "2026-W48"),
        ("2026-W52", "2026-W53"),
        ("2026-W53", "2027-W01"),  # 53-week year
        ("2025-W52", "2026-W01"),  # 52-week year
        ("2026-W09", "2026-W10"),
    ],
)
def test_previous_and_next_week_cross_iso_years(before: str, after: str) -> None:
    assert next_week(before) == after
    assert previous_week(after) == before


def test_week_navigation_rejects_bad_keys() -> None:
    with pytest.raises(ValueError):
        next_week("2026-W99")
    with pytest.raises(ValueError):
        previous_week("last week")


@given(dates)
def test_every_date_lies_in_its_week_and_weeks_chain(day: date) -> None:
    key = week_key(day)
    assert week_start(key) <= day <= week_end(key)
    assert week_start(key).isoweekday() == 1
    assert (week_end(key) - week_start(key)).days == 6
    assert previous_week(next_week(key)) == key
    assert week_start(next_week(key)) == week_end(key) + timedelta(days=1)
    assert parse_week_key(key) == (day.isocalendar().year, day.isocalendar().week)


# --- the Monday plan window ------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "is_open"),
    [
        (date(2026, 11, 20), True),  # the Friday before: planning ahead
        (date(2026, 11, 29), True),  # the Sunday before
        (date(2026, 11, 30), True),  # Monday
        (date(2026, 12, 1), True),  # Tuesday
        (date(2026, 12, 2), True),  # Wednesday, last day to change
        (date(2026, 12, 3), False),  # Thursday
        (date(2026, 12, 6), False),  # Sunday of that week
        (date(2026, 12, 9), False),  # the following week
    ],
)
def test_plan_may_change_until_wednesday_of_its_week(today: date, is_open: bool) -> None:
    assert plan_is_open(today, "2026-W49") is is_open


def test_plan_window_closes_on_thursday_in_a_week_spanning_new_year() -> None:
    assert plan_is_open(date(2026, 12, 30), "2026-W53")
    assert not plan_is_open(date(2026, 12, 31), "2026-W53")


def test_plan_window_rejects_bad_week_key() -> None:
    with pytest.raises(ValueError):
        plan_is_open(date(2026, 12, 1), "2026-W60")


# --- cycles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "day", "bounds"),
    [
        ("quarter", date(2026, 11, 15), ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))),
        ("quarter", date(2026, 1, 1), ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))),
        ("quarter", date(2026, 6, 30), ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30))),
        ("quarter", date(2026, 7, 1), ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30))),
        ("bimonthly", date(2026, 11, 15), ("2026-B6", date(2026, 11, 1), date(2026, 12, 31))),
        ("bimonthly", date(2026, 2, 28), ("2026-B1", date(2026, 1, 1), date(2026, 2, 28))),
        ("bimonthly", date(2028, 2, 29), ("2028-B1", date(2028, 1, 1), date(2028, 2, 29))),
        ("bimonthly", date(2026, 3, 1), ("2026-B2", date(2026, 3, 1), date(2026, 4, 30))),
        ("monthly", date(2026, 11, 15), ("2026-11", date(2026, 11, 1), date(2026, 11, 30))),
        ("monthly", date(2026, 2, 10), ("2026-02", date(2026, 2, 1), date(2026, 2, 28))),
        ("monthly", date(2028, 2, 10), ("2028-02", date(2028, 2, 1), date(2028, 2, 29))),
        ("annual", date(2026, 11, 15), ("2026", date(2026, 1, 1), date(2026, 12, 31))),
    ],
)
def test_cycle_for_gives_calendar_bounds_and_name(
    kind: str, day: date, bounds: tuple[str, date, date]
) -> None:
    name, start, end = bounds
    assert cycle_for(kind, day) == CycleBounds(name=name, kind=kind, start=start, end=end)


@pytest.mark.parametrize("kind", ["custom", "weekly", "Quarter", ""])
def test_cycle_for_rejects_kinds_without_a_calendar_rule(kind: str) -> None:
    with pytest.raises(ValueError):
        cycle_for(kind, date(2026, 11, 15))


@given(kinds, dates)
def test_cycles_contain_the_date_and_tile_the_calendar(kind: str, day: date) -> None:
    cycle = cycle_for(kind, day)
    assert cycle.start <= day <= cycle.end
    assert cycle_for(kind, cycle.start) == cycle
    assert cycle_for(kind, cycle.end) == cycle
    following = cycle_for(kind, cycle.end + timedelta(days=1))
    assert following.start == cycle.end + timedelta(days=1)
    assert following.name != cycle.name


@pytest.mark.parametrize(
    ("kind", "day", "objectives", "key_results", "following"),
    [
        ("quarter", date(2026, 12, 31), "2026-Q4", "2026-Q4", "2027-Q1"),
        # Two-month cycles across the year boundary: Nov–Dec, then Jan–Feb of the next year.
        ("bimonthly", date(2026, 12, 31), "2026-B6", "2026-B6", "2027-B1"),
        ("bimonthly", date(2027, 1, 1), "2027-B1", "2027-B1", "2027-B2"),
        ("annual", date(2026, 5, 2), "2026", "2026", "2027"),
        # Yearly objectives with key results that run for a quarter.
        ("annual-quarterly", date(2026, 5, 2), "2026", "2026-Q2", "2027"),
        ("annual-quarterly", date(2026, 12, 31), "2026", "2026-Q4", "2027"),
    ],
)
def test_cycles_of_each_kind_for_objectives_key_results_and_what_comes_next(
    kind: str, day: date, objectives: str, key_results: str, following: str
) -> None:
    assert cycle_for(kind, day).name == objectives
    assert kr_cycle_for(kind, day).name == key_results
    assert next_cycle_for(kind, day).name == following


def test_a_two_month_cycle_ending_at_new_year_ends_inside_iso_week_53() -> None:
    december, january = (
        cycle_for("bimonthly", date(2026, 12, 1)),
        cycle_for("bimonthly", date(2027, 1, 4)),
    )
    assert (december.end, january.start) == (date(2026, 12, 31), date(2027, 1, 1))
    # Both ends of the boundary fall in the same ISO week, keyed by its Monday's year.
    assert week_key(december.end) == week_key(january.start) == "2026-W53"


@pytest.mark.parametrize(
    ("start", "today", "over"),
    [
        (date(2026, 10, 1), date(2026, 10, 31), False),
        (date(2026, 10, 1), date(2026, 11, 1), True),
        (date(2027, 1, 31), date(2027, 2, 27), False),  # Jan 31 + a month: Feb 28
        (date(2027, 1, 31), date(2027, 2, 28), True),
        (date(2026, 12, 15), date(2027, 1, 15), True),  # across the year
        (date(2026, 12, 15), date(2027, 1, 14), False),
    ],
)
def test_a_cycles_first_month_runs_to_the_same_day_next_month(
    start: date, today: date, over: bool
) -> None:
    assert first_month_over(start, today) is over


# --- elapsed fraction ------------------------------------------------------------

Q4_START, Q4_END = date(2026, 10, 1), date(2026, 12, 31)  # 92 days


@pytest.mark.parametrize(
    ("today", "fraction"),
    [
        (date(2026, 9, 30), 0.0),
        (date(2026, 10, 1), 1 / 92),  # the first day counts as elapsed
        (date(2026, 11, 15), 46 / 92),
        (date(2026, 12, 31), 1.0),
        (date(2027, 1, 1), 1.0),
    ],
)
def test_elapsed_fraction_counts_today(today: date, fraction: float) -> None:
    assert elapsed_fraction(Q4_START, Q4_END, today) == pytest.approx(fraction)


def test_one_day_cycle_is_fully_elapsed_on_that_day() -> None:
    day = date(2026, 11, 15)
    assert elapsed_fraction(day, day, day) == 1.0


def test_elapsed_fraction_rejects_cycle_ending_before_it_starts() -> None:
    with pytest.raises(ValueError):
        elapsed_fraction(Q4_END, Q4_START, Q4_START)


@given(dates, st.integers(min_value=0, max_value=400), dates, dates)
def test_elapsed_fraction_is_within_unit_interval_and_never_goes_back(
    start: date, length: int, a: date, b: date
) -> None:
    end = start + timedelta(days=length)
    earlier, later = min(a, b), max(a, b)
    fa, fb = elapsed_fraction(start, end, earlier), elapsed_fraction(start, end, later)
    assert 0.0 <= fa <= fb <= 1.0


# --- next_occurrence -------------------------------------------------------------


def test_next_occurrence_later_the_same_day() -> None:
    # Friday 16:59 in Shanghai; the digest is Friday 17:00 local (09:00 UTC).
    after = utc(2026, 11, 27, 8, 59)
    result = next_occurrence(after=after, weekday=5, hhmm="17:00", tz=SHANGHAI)
    assert result == utc(2026, 11, 27, 9, 0)


def test_next_occurrence_is_strictly_after_so_exact_time_goes_to_next_week() -> None:
    after = utc(2026, 11, 27, 9, 0)
    result = next_occurrence(after=after, weekday=5, hhmm="17:00", tz=SHANGHAI)
    assert result == utc(2026, 12, 4, 9, 0)


def test_next_occurrence_returns_utc_whatever_zone_after_is_in() -> None:
    after = datetime(2026, 11, 27, 16, 59, tzinfo=timezone(timedelta(hours=8)))
    result = next_occurrence(after=after, weekday=5, hhmm="17:00", tz=SHANGHAI)
    assert result == utc(2026, 11, 27, 9, 0)
    assert result.utcoffset() == timedelta(0)


def test_single_digit_hour_is_accepted() -> None:
    after, monday = utc(2026, 11, 22), utc(2026, 11, 23, 9, 30)
    assert next_occurrence(after=after, weekday=1, hhmm="9:30", tz="UTC") == monday
    assert next_occurrence(after=after, weekday=1, hhmm="09:30", tz="UTC") == monday


def test_spring_forward_gap_in_new_york_fires_when_clocks_jump() -> None:
    # 2026-03-08 02:00 EST jumps to 03:00 EDT; 02:30 never happens.
    result = next_occurrence(after=utc(2026, 3, 7, 12), weekday=7, hhmm="02:30", tz=NEW_YORK)
    assert result == utc(2026, 3, 8, 7, 0)
    assert result.astimezone(ZoneInfo(NEW_YORK)).time() == time(3, 0)


def test_spring_forward_gap_in_berlin_fires_when_clocks_jump() -> None:
    # 2026-03-29 02:00 CET jumps to 03:00 CEST.
    result = next_occurrence(after=utc(2026, 3, 28, 12), weekday=7, hhmm="02:30", tz=BERLIN)
    assert result == utc(2026, 3, 29, 1, 0)


def test_half_hour_dst_gap_resolves_to_the_jump() -> None:
    # Lord Howe Island moves 02:00 → 02:30 on 2026-10-04.
    result = next_occurrence(
        after=utc(2026, 10, 2), weekday=7, hhmm="02:15", tz="Australia/Lord_Howe"
    )
    assert result == utc(2026, 10, 3, 15, 30)


def test_skipped_calendar_day_resolves_to_the_next_valid_instant() -> None:
    # Samoa skipped Friday 2011-12-30 entirely when it crossed the date line.
    apia = ZoneInfo("Pacific/Apia")
    result = next_occurrence(
        after=datetime(2011, 12, 29, 12, tzinfo=apia), weekday=5, hhmm="09:00", tz="Pacific/Apia"
    )
    assert result == utc(2011, 12, 30, 10, 0)
    assert result.astimezone(apia) == datetime(2011, 12, 31, 0, 0, tzinfo=apia)


def test_fall_back_ambiguity_uses_the_first_occurrence() -> None:
    # 2026-11-01 01:30 happens twice in New York: 05:30 UTC (EDT) then 06:30 UTC (EST).
    result = next_occurrence(after=utc(2026, 10, 31, 12), weekday=7, hhmm="01:30", tz=NEW_YORK)
    assert result == utc(2026, 11, 1, 5, 30)


def test_fall_back_ambiguity_in_berlin_uses_summer_time() -> None:
    result = next_occurrence(after=utc(2026, 10, 24, 12), weekday=7, hhmm="02:30", tz=BERLIN)
    assert result == utc(2026, 10, 25, 0, 30)


def test_second_pass_of_an_ambiguous_time_does_not_fire_again() -> None:
    # After the first 01:30 but before the repeated one: next is a week later.
    result = next_occurrence(after=utc(2026, 11, 1, 6, 0), weekday=7, hhmm="01:30", tz=NEW_YORK)
    assert result == utc(2026, 11, 8, 6, 30)


def test_weekly_wall_time_keeps_local_hour_across_dst_change() -> None:
    found = occurrences_between(
        start=utc(2026, 3, 1), end=utc(2026, 3, 20), weekday=1, hhmm="09:00", tz=NEW_YORK
    )
    assert found == [utc(2026, 3, 2, 14), utc(2026, 3, 9, 13), utc(2026, 3, 16, 13)]


@pytest.mark.parametrize(
    "hhmm",
    ["25:00", "24:00", "9:60", "ab", "", "0930", "9:5", " 9:30", "9:30 ", "１０:００", "-1:30"],
)
def test_next_occurrence_rejects_malformed_time(hhmm: str) -> None:
    with pytest.raises(ValueError):
        next_occurrence(after=utc(2026, 11, 22), weekday=1, hhmm=hhmm, tz="UTC")


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "America", "../etc/passwd", "localtime"])
def test_next_occurrence_rejects_unknown_timezone_with_clear_message(tz: str) -> None:
    with pytest.raises(ValueError, match="timezone"):
        next_occurrence(after=utc(2026, 11, 22), weekday=1, hhmm="09:00", tz=tz)


@pytest.mark.parametrize("weekday", [0, 8, -1])
def test_next_occurrence_rejects_weekday_outside_iso_range(weekday: int) -> None:
    with pytest.raises(ValueError, match="weekday"):
        next_occurrence(after=utc(2026, 11, 22), weekday=weekday, hhmm="09:00", tz="UTC")


def test_next_occurrence_rejects_naive_after() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_occurrence(after=datetime(2026, 11, 22), weekday=1, hhmm="09:00", tz="UTC")


ZONES = [
    "UTC",
    SHANGHAI,
    "Asia/Kolkata",
    NEW_YORK,
    BERLIN,
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Auckland",
]
FIXED_OFFSET_ZONES = {"UTC", SHANGHAI, "Asia/Kolkata"}


@given(
    after=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2060, 1, 1), timezones=st.just(UTC)
    ),
    weekday=st.integers(min_value=1, max_value=7),
    hour=st.integers(min_value=0, max_value=23),
    minute=st.integers(min_value=0, max_value=59),
    tz=st.sampled_from(ZONES),
)
def test_next_occurrence_is_strictly_after_on_weekday_at_wall_time(
    after: datetime, weekday: int, hour: int, minute: int, tz: str
) -> None:
    zone = ZoneInfo(tz)
    result = next_occurrence(after=after, weekday=weekday, hhmm=f"{hour}:{minute:02d}", tz=tz)
    assert result.utcoffset() == timedelta(0)
    assert result > after
    # A week apart at most, give or take one DST shift.
    assert result - after <= timedelta(days=7, hours=1)
    if tz in FIXED_OFFSET_ZONES:
        assert result - after <= timedelta(days=7)

    local = result.astimezone(zone)
    if (local.hour, local.minute) == (hour, minute):
        assert local.isoweekday() == weekday
        assert local.fold == 0  # the first of two identical wall times
    else:
        # Only when the wall time was skipped: the result is the instant clocks jumped
        # over it, so the local clock just before read earlier than the wanted time.
        just_before = (result - timedelta(seconds=1)).astimezone(zone)
        assert just_before.utcoffset() != local.utcoffset()
        wanted = [
            datetime.combine(day, time(hour, minute))
            for day in (local.date(), local.date() - timedelta(days=1))
            if day.isoweekday() == weekday
        ]
        assert any(
            just_before.replace(tzinfo=None) < w <= local.replace(tzinfo=None) for w in wanted
        )


@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=0, max_value=120),
    weekday=st.integers(min_value=1, max_value=7),
    tz=st.sampled_from(ZONES),
)
def test_occurrences_between_are_weekly_ordered_and_inside_the_range(
    start: datetime, days: int, weekday: int, tz: str
) -> None:
    end = start + timedelta(days=days)
    found = occurrences_between(start=start, end=end, weekday=weekday, hhmm="09:00", tz=tz)
    assert all(start < x <= end for x in found)
    assert found == sorted(set(found))
    if tz in FIXED_OFFSET_ZONES:
        assert days // 7 <= len(found) <= days // 7 + 1
    else:  # a DST shift can push one occurrence just outside or inside the range
        assert days // 7 - 1 <= len(found) <= days // 7 + 1
    for earlier, later in itertools.pairwise(found):
        assert timedelta(days=6, hours=23) <= later - earlier <= timedelta(days=7, hours=1)


def test_occurrences_between_includes_end_and_excludes_start() -> None:
    monday_nine = utc(2026, 11, 23, 9)
    found = occurrences_between(
        start=monday_nine, end=utc(2026, 11, 30, 9), weekday=1, hhmm="09:00", tz="UTC"
    )
    assert found == [utc(2026, 11, 30, 9)]


def test_occurrences_between_is_empty_for_an_empty_or_reversed_range() -> None:
    a, b = utc(2026, 11, 23), utc(2026, 11, 30)
    assert occurrences_between(start=b, end=a, weekday=1, hhmm="09:00", tz="UTC") == []
    assert occurrences_between(start=a, end=a, weekday=1, hhmm="09:00", tz="UTC") == []


def test_occurrences_between_rejects_naive_end() -> None:
    with pytest.raises(ValueError, match="aware"):
        occurrences_between(
            start=utc(2026, 11, 23), end=datetime(2026, 12, 1), weekday=1, hhmm="09:00", tz="UTC"
        )


# --- timezone names --------------------------------------------------------------


@pytest.mark.parametrize("name", ["UTC", BERLIN, SHANGHAI, NEW_YORK, "Asia/Kolkata"])
def test_iana_zone_names_are_valid(name: str) -> None:
    assert is_valid_timezone(name)


@pytest.mark.parametrize(
    "name", ["", "Mars/Olympus", "America", "../etc/passwd", "/etc/localtime", "localtime", "CET+1"]
)
def test_unknown_host_dependent_or_unsafe_zone_names_are_invalid(name: str) -> None:
    assert not is_valid_timezone(name)
