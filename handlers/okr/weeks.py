"""Weeks, cycles and the weekly rhythm's instants, in a team's timezone.

Weeks are ISO weeks keyed "2026-W48" (ISO year, Monday to Sunday), so the key of
late-December or early-January days may carry the neighbouring year. Every
instant passed in must be timezone-aware; dates are local dates in the team's
zone, and instants come back in UTC.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CYCLE_KINDS",
    "CycleBounds",
    "cycle_for",
    "elapsed_fraction",
    "first_month_over",
    "is_valid_timezone",
    "kr_cycle_for",
    "local_date",
    "next_cycle_for",
    "next_occurrence",
    "next_week",
    "occurrences_between",
    "parse_week_key",
    "plan_is_open",
    "previous_week",
    "week_end",
    "week_key",
    "week_of",
    "week_start",
]

# ASCII digits only: \d would also accept full-width and other script digits.
_WEEK_KEY = re.compile(r"([0-9]{4})-W([0-9]{2})")
_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")

# The Monday plan may still change until this ISO weekday (Wednesday), inclusive.
PLAN_OPEN_THROUGH_WEEKDAY = 3

# "annual-quarterly": yearly objectives whose key results each run for a quarter.
CYCLE_KINDS = frozenset({"quarter", "bimonthly", "monthly", "annual", "annual-quarterly"})

# "localtime" resolves to whatever the host is set to, so a team stored with it
# would change zone when the bot moves to another server.
_HOST_DEPENDENT_ZONES = frozenset({"localtime"})


def _zone(name: str) -> ZoneInfo:
    if name in _HOST_DEPENDENT_ZONES:
        raise ValueError(f"timezone {name!r} depends on the server; use an IANA name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(
            f"unknown timezone {name!r}; use an IANA name such as 'Europe/Berlin'"
        ) from exc


def is_valid_timezone(name: str) -> bool:
    """True when `name` is an IANA timezone the bot can use (e.g. "America/New_York")."""
    try:
        _zone(name)
    except ValueError:
        return False
    return True


def _require_aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value


def _require_date(name: str, value: date) -> date:
    # datetime is a subclass of date; letting one through would silently use its
    # own (often UTC) calendar day instead of the team's local day.
    if isinstance(value, datetime):
        raise TypeError(f"{name} must be a date, not a datetime; use local_date() first")
    return value


def local_date(instant: datetime, tz: str) -> date:
    """The calendar date of an aware instant in timezone `tz`.

    Raises ValueError for a naive datetime or an unknown timezone.
    """
    return _require_aware("instant", instant).astimezone(_zone(tz)).date()


def week_key(d: date) -> str:
    """ISO week key of a local date, e.g. "2026-W48"; 2026-12-31 and 2027-01-01 are "2026-W53".

    Raises TypeError for a datetime: convert with local_date() so the day is the
    team's, not UTC's.
    """
    iso = _require_date("d", d).isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def week_of(instant: datetime, tz: str) -> str:
    """ISO week key of an aware instant as seen in timezone `tz`."""
    return week_key(local_date(instant, tz))


def _weeks_in_iso_year(year: int) -> int:
    # 28 December is always in the last ISO week of its year.
    return date(year, 12, 28).isocalendar().week


def parse_week_key(key: str) -> tuple[int, int]:
    """(ISO year, ISO week) of a key such as "2026-W48".

    The form is strict: four-digit year, capital W, two-digit week. Raises
    ValueError for anything else, including week 53 in a 52-week year.
    """
    match = _WEEK_KEY.fullmatch(key)
    if match is None:
        raise ValueError(f"not a week key like '2026-W48': {key!r}")
    year, week = int(match.group(1)), int(match.group(2))
    if year < 1 or not 1 <= week <= _weeks_in_iso_year(year):
        raise ValueError(f"no such ISO week: {key!r}")
    return year, week


def week_start(key: str) -> date:
    """Monday of the week `key`."""
    year, week = parse_week_key(key)
    return date.fromisocalendar(year, week, 1)


def week_end(key: str) -> date:
    """Sunday of the week `key` (inclusive end)."""
    year, week = parse_week_key(key)
    return date.fromisocalendar(year, week, 7)


def previous_week(key: str) -> str:
    """Key of the week before `key`, across ISO year boundaries ("2027-W01" → "2026-W53")."""
    return week_key(week_start(key) - timedelta(days=7))


def next_week(key: str) -> str:
    """Key of the week after `key`, across ISO year boundaries ("2026-W53" → "2027-W01")."""
    return week_key(week_start(key) + timedelta(days=7))


def plan_is_open(today: date, week: str) -> bool:
    """Whether the plan of `week` may still change on local date `today`.

    Open before the week starts and from its Monday through its Wednesday
    (inclusive); closed from Thursday on.
    """
    last_open = week_start(week) + timedelta(days=PLAN_OPEN_THROUGH_WEEKDAY - 1)
    return _require_date("today", today) <= last_open


@dataclass(frozen=True, slots=True)
class CycleBounds:
    """A calendar OKR cycle; `end` is inclusive."""

    name: str
    kind: str
    start: date
    end: date


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def cycle_for(kind: str, d: date) -> CycleBounds:
    """The calendar cycle of kind `kind` containing local date `d`.

    Kinds and names: "quarter" → "2026-Q4" (Oct 1–Dec 31); "bimonthly" →
    two-month blocks from January, "2026-B6" is Nov–Dec; "monthly" → "2026-11";
    "annual" → "2026"; "annual-quarterly" → the year, like "annual" (its key
    results' quarters come from `kr_cycle_for`). Raises ValueError for any
    other kind (a "custom" cycle has no calendar rule).
    """
    _require_date("d", d)
    year, month = d.year, d.month
    if kind == "quarter":
        quarter = (month - 1) // 3 + 1
        first = 3 * quarter - 2
        return CycleBounds(
            f"{year:04d}-Q{quarter}", kind, date(year, first, 1), _month_end(year, first + 2)
        )
    if kind == "bimonthly":
        block = (month - 1) // 2 + 1
        first = 2 * block - 1
        return CycleBounds(
            f"{year:04d}-B{block}", kind, date(year, first, 1), _month_end(year, first + 1)
        )
    if kind == "monthly":
        return CycleBounds(
            f"{year:04d}-{month:02d}", kind, date(year, month, 1), _month_end(year, month)
        )
    if kind in ("annual", "annual-quarterly"):
        return CycleBounds(f"{year:04d}", "annual", date(year, 1, 1), date(year, 12, 31))
    raise ValueError(f"cycle kind must be one of {sorted(CYCLE_KINDS)}, got {kind!r}")


def kr_cycle_for(kind: str, d: date) -> CycleBounds:
    """The cycle a key result written on `d` runs in, and is scored at the end of.

    The objective's cycle, except under "annual-quarterly", where a yearly
    objective's key results run for the quarter of `d`.
    """
    return cycle_for("quarter" if kind == "annual-quarterly" else kind, d)


def next_cycle_for(kind: str, d: date) -> CycleBounds:
    """The cycle after the one of kind `kind` containing `d` (what a team drafts for)."""
    return cycle_for(kind, cycle_for(kind, d).end + timedelta(days=1))


def first_month_over(start: date, today: date) -> bool:
    """Whether a cycle that started on `start` is past its first month on `today`.

    The first month runs to the same day of the next month (Jan 15 → Feb 14),
    or to that month's end when it is shorter (Jan 31 → Feb 28).
    """
    _require_date("start", start)
    _require_date("today", today)
    year, month = (start.year, start.month + 1) if start.month < 12 else (start.year + 1, 1)
    day = min(start.day, calendar.monthrange(year, month)[1])
    return today >= date(year, month, day)


def elapsed_fraction(start: date, end: date, today: date) -> float:
    """Share of a cycle elapsed on local date `today`, counting today, in [0, 1].

    (days from start through today) / (days from start through end): the first
    day gives 1/total, the last day 1.0; before start 0.0, after end 1.0.
    Raises ValueError when end is before start.
    """
    _require_date("start", start)
    _require_date("end", end)
    _require_date("today", today)
    if end < start:
        raise ValueError(f"cycle ends ({end}) before it starts ({start})")
    if today < start:
        return 0.0
    if today > end:
        return 1.0
    return ((today - start).days + 1) / ((end - start).days + 1)


def _parse_hhmm(hhmm: str) -> time:
    match = _HHMM.fullmatch(hhmm)
    if match is None:
        raise ValueError(f"time must look like '09:30', got {hhmm!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"no such time of day: {hhmm!r}")
    return time(hour, minute)


def _first_valid_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant the zone's clocks show `wall` on `day`, or the first one after a gap.

    Ambiguous wall times (clocks set back) take the first occurrence. A wall time
    skipped by clocks going forward resolves to the instant the clocks jump, the
    first moment that exists after it.
    """
    naive = datetime.combine(day, wall)
    earlier = naive.replace(tzinfo=zone, fold=0)
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        return earlier.astimezone(UTC)
    # In a gap, fold=0 applies the offset from before the jump and fold=1 the one
    # after, which brackets the jump instant: search between them to the second.
    lo = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    hi = earlier.astimezone(UTC)
    before = lo.astimezone(zone).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi


def _check_weekday(weekday: int) -> int:
    if not 1 <= weekday <= 7:
        raise ValueError(f"weekday is ISO, 1 (Monday) to 7 (Sunday), got {weekday!r}")
    return weekday


def next_occurrence(*, after: datetime, weekday: int, hhmm: str, tz: str) -> datetime:
    """First instant strictly after `after` at ISO `weekday` (1=Mon..7=Sun), local `hhmm`, in UTC.

    The wall time is read in zone `tz`. When that wall time does not exist that
    day (clocks jump forward), the occurrence is the instant the clocks jump:
    02:30 on New York's spring-forward Sunday fires at 03:00 EDT. When it exists
    twice (clocks set back), only the first counts, so a weekly job never runs
    twice in one day.

    Raises ValueError for a naive `after`, a weekday outside 1..7, a time other
    than "H:MM"/"HH:MM" within 00:00–23:59, or an unknown timezone.
    """
    _require_aware("after", after)
    _check_weekday(weekday)
    wall = _parse_hhmm(hhmm)
    zone = _zone(tz)

    today = after.astimezone(zone).date()
    # Start at the last matching day on or before today: its occurrence may still
    # be ahead (later today, or pushed forward by a gap), while the one a week
    # earlier is always past, and occurrences only grow from week to week.
    day = today - timedelta(days=(today.isoweekday() - weekday) % 7)
    while True:
        candidate = _first_valid_instant(day, wall, zone)
        if candidate > after:
            return candidate
        day += timedelta(days=7)


def occurrences_between(
    *, start: datetime, end: datetime, weekday: int, hhmm: str, tz: str
) -> list[datetime]:
    """All occurrences in (start, end] of next_occurrence's rule, in UTC, in order.

    Empty when end <= start. Raises the same ValueErrors as next_occurrence,
    and for a naive `end`.
    """
    _require_aware("end", end)
    found: list[datetime] = []
    current = next_occurrence(after=start, weekday=weekday, hhmm=hhmm, tz=tz)
    while current <= end:
        found.append(current)
        current = next_occurrence(after=current, weekday=weekday, hhmm=hhmm, tz=tz)
    return found
