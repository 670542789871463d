"""Which local days a team works: weekends, the team's own holidays, a country's calendar.

A country calendar comes from the `holidays` package, including the weekend
days some countries (China) make working days to bridge a holiday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from storage.models import Team


def is_known_country(code: str) -> bool:
    """True when the holidays package has a calendar for this ISO 3166 code ("CN", "DE")."""
    return code.upper() in holidays.list_supported_countries()


@lru_cache(maxsize=64)
def _country(code: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(code, years=year)


class TeamCalendar:
    """A team's working days."""

    def __init__(self, team: Team) -> None:
        self.own = frozenset(team.holidays)
        self.country = (team.holiday_country or "").upper() or None

    def is_holiday(self, day: date) -> bool:
        """A day off for the whole team that is not a plain weekend."""
        if day.isoformat() in self.own:
            return True
        return self.country is not None and day in _country(self.country, day.year)

    def is_working_day(self, day: date) -> bool:
        return _is_working_day(self.own, self.country, day)

    def add_working_days(self, day: date, count: int) -> date:
        """The working day `count` working days after `day`."""
        return _add_working_days(self.own, self.country, day, count)

    def first_working_day_after(self, day: date) -> date:
        return _add_working_days(self.own, self.country, day, 1)


# A tick asks the same few questions of every team's calendar (is today a working
# day, which day follows a task's due date): answered once per calendar and day.
@lru_cache(maxsize=65536)
def _is_working_day(own: frozenset[str], country: str | None, day: date) -> bool:
    if day.isoformat() in own:
        return False
    if country is not None:
        return bool(_country(country, day.year).is_working_day(day))
    return day.isoweekday() <= 5


@lru_cache(maxsize=65536)
def _add_working_days(own: frozenset[str], country: str | None, day: date, count: int) -> date:
    current = day
    left = count
    while left > 0:
        current += timedelta(days=1)
        if _is_working_day(own, country, current):
            left -= 1
    return current
