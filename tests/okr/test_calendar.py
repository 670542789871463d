"""A team's working days: weekends, its own holidays, and a country's calendar with make-up days."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.okr.calendar import TeamCalendar
from storage.models import Team


def calendar(country: str | None = None, own: tuple[str, ...] = ()) -> TeamCalendar:
    return TeamCalendar(Team(workspace_id=1, name="t", holidays=list(own), holiday_country=country))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 14), True),  # a Saturday China works to bridge the Spring Festival
        (date(2026, 2, 15), False),  # the Sunday after it
        (date(2026, 2, 17), False),  # the Spring Festival, a Tuesday
        (date(2026, 10, 10), True),  # the Saturday after National Day
        (date(2026, 3, 7), False),  # a plain Saturday
        (date(2026, 3, 9), True),  # a plain Monday
    ],
)
def test_a_chinese_team_works_the_make_up_weekends_and_rests_on_the_holidays(
    day: date, working: bool
) -> None:
    assert calendar("CN").is_working_day(day) is working


def test_without_a_country_weekends_are_off_and_the_teams_own_holidays_too() -> None:
    team = calendar(own=("2026-11-30",))
    assert not team.is_working_day(date(2026, 11, 28))  # Saturday
    assert not team.is_working_day(date(2026, 11, 30))  # its own holiday, a Monday
    assert team.is_working_day(date(2026, 12, 1))
    assert team.is_holiday(date(2026, 11, 30)) and not team.is_holiday(date(2026, 11, 28))


@pytest.mark.parametrize(
    ("country", "own", "due", "next_day"),
    [
        (None, (), date(2026, 11, 27), date(2026, 11, 30)),  # due Friday: Monday
        (None, ("2026-11-30",), date(2026, 11, 27), date(2026, 12, 1)),  # Monday off: Tuesday
        ("CN", (), date(2026, 9, 30), date(2026, 10, 8)),  # before National Day: after its week
        ("CN", (), date(2026, 10, 9), date(2026, 10, 10)),  # due Friday: the make-up Saturday
        ("CN", (), date(2026, 2, 13), date(2026, 2, 14)),  # likewise before the Spring Festival
        ("CN", (), date(2026, 2, 14), date(2026, 2, 24)),  # and then after it
    ],
)
def test_the_day_after_a_tasks_due_date_is_the_next_working_day(
    country: str | None, own: tuple[str, ...], due: date, next_day: date
) -> None:
    team = calendar(country, own)
    assert team.first_working_day_after(due) == next_day
    assert team.add_working_days(due, 1) == next_day


def test_working_days_are_counted_over_weekends_and_holidays() -> None:
    # Thursday + two working days: Monday, or Tuesday when Monday is the team's holiday.
    assert calendar().add_working_days(date(2026, 11, 26), 2) == date(2026, 11, 30)
    assert calendar(own=("2026-11-30",)).add_working_days(date(2026, 11, 26), 2) == date(
        2026, 12, 1
    )
