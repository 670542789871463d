"""`settings`: the person's language and timezone, the cycle, each team's rhythm."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from handlers.grammar import vocab
from handlers.grammar.commands import (
    Cmd,
    CycleKind,
    Language,
    SetCycleKind,
    SetLanguage,
    SetReminders,
    SetScoreScale,
    SetTeamChannel,
    SetTeamCommittee,
    SetTeamCycle,
    SetTeamHolidayCountry,
    SetTeamHolidays,
    SetTeamLanguage,
    SetTeamRhythm,
    SetTeamTimezone,
    SetTimezone,
    SettingsShow,
)
from handlers.grammar.common import action_of, date_span, no_more, one_value
from handlers.grammar.errors import ParseError
from handlers.grammar.lexer import Line, Token, tokenize
from handlers.grammar.values import read_person, read_time, weekday_number

_COUNTRY = re.compile(r"[A-Za-z]{2}")

# A range longer than a year is a typo in the year, not a holiday.
_MAX_HOLIDAY_DAYS = 366


def parse_settings(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        return SettingsShow()
    action = action_of(toks[0], "settings", vocab.SETTINGS_ACTIONS)
    args = toks[1:]
    if action == "language":
        return SetLanguage(_language(one_value(args, "settings")))
    if action == "timezone":
        return SetTimezone(one_value(args, "settings").text.strip())
    if action == "reminders":
        tok = one_value(args, "settings")
        on = None if tok.quoted else vocab.ON_OFF.get(tok.word)
        if on is None:
            raise ParseError("unexpected", "settings", {"token": tok.text})
        return SetReminders(on)
    if action == "cycle":
        return SetCycleKind(_cycle(one_value(args, "settings")))
    if action == "scale":
        tok = one_value(args, "settings")
        scale = None if tok.quoted else vocab.SCALES.get(tok.word)
        if scale is None:
            raise ParseError("bad_scale", "settings", {"token": tok.text})
        return SetScoreScale(scale)
    return _team_setting(line, args, today)


def _cycle(tok: Token) -> CycleKind:
    kind = None if tok.quoted else vocab.CYCLES.get(tok.word)
    if kind is None:
        raise ParseError("bad_cycle", "settings", {"token": tok.text})
    return kind


def _language(tok: Token) -> Language:
    code = None if tok.quoted else vocab.LANGUAGES.get(tok.word)
    if code is None:
        raise ParseError("bad_language", "settings", {"token": tok.text})
    return code


def _team_setting(line: Line, args: Sequence[Token], today: date) -> Cmd:
    """`team NAME <setting> <values>`.

    The last setting word splits name from values, so a team called
    "Growth Plan" needs no quotes; values never contain setting words.
    """
    at = max(
        (i for i, t in enumerate(args) if i > 0 and not t.quoted and t.word in vocab.TEAM_SETTINGS),
        default=None,
    )
    if at is None:
        named = bool(args) and args[0].word not in vocab.TEAM_SETTINGS
        raise ParseError("missing_value" if named else "missing_text", "settings")
    team = line.words(args[:at])
    keyword, values = args[at], args[at + 1 :]
    setting = vocab.TEAM_SETTINGS[keyword.word]
    if setting == "rhythm":
        weekday, hhmm = _day_and_time(values)
        return SetTeamRhythm(team, vocab.MOMENTS[keyword.word], weekday, hhmm)
    if setting == "channel":
        return SetTeamChannel(team, one_value(values, "settings").text.strip())
    if setting == "timezone":
        return SetTeamTimezone(team, one_value(values, "settings").text.strip())
    if setting == "language":
        return SetTeamLanguage(team, _language(one_value(values, "settings")))
    if setting == "cycle":
        tok = one_value(values, "settings")
        if not tok.quoted and tok.word in vocab.NONE_WORDS:
            return SetTeamCycle(team, None)
        return SetTeamCycle(team, _cycle(tok))
    if setting == "committee":
        return _committee(team, values)
    if len(values) == 1 and not values[0].quoted:
        word = values[0].text.strip()
        if _COUNTRY.fullmatch(word):
            return SetTeamHolidayCountry(team, word.upper())
        if values[0].word in vocab.NONE_WORDS:
            return SetTeamHolidayCountry(team, None)
    return SetTeamHolidays(team, _holidays(values, today))


def _committee(team: str, values: Sequence[Token]) -> Cmd:
    """`committee @a @b`, or `committee none` to clear it."""
    if len(values) == 1 and not values[0].quoted and values[0].word in vocab.NONE_WORDS:
        return SetTeamCommittee(team, ())
    if not values:
        raise ParseError("missing_person", "settings")
    people = []
    for tok in values:
        person = read_person(tok)
        if person is None:
            raise ParseError("missing_person", "settings", {"token": tok.text})
        if person not in people:
            people.append(person)
    return SetTeamCommittee(team, tuple(people))


def _day_and_time(values: Sequence[Token]) -> tuple[int, str]:
    """A weekday and a time, in either order: "fri 17:00", "17:00 周五"."""
    if len(values) < 2:
        raise ParseError("missing_value", "settings")
    no_more(values[2:], "settings")
    weekday: int | None = None
    hhmm: str | None = None
    for tok in values:
        day = _weekday(tok)
        time = read_time(tok)
        if weekday is None and day is not None:
            weekday = day
        elif hhmm is None and time is not None:
            hhmm = time
        else:
            code = "bad_day" if weekday is None else "bad_time"
            raise ParseError(code, "settings", {"token": tok.text})
    if weekday is None or hhmm is None:  # pragma: no cover - each token filled one
        raise ParseError("missing_value", "settings")
    return weekday, hhmm


def _weekday(tok: Token) -> int | None:
    if tok.quoted:
        return None
    if tok.key in {"1", "2", "3", "4", "5", "6", "7"}:
        return int(tok.key)
    return weekday_number(tok.key)


def _holidays(values: Sequence[Token], today: date) -> tuple[date, ...]:
    if not values:
        raise ParseError("missing_value", "settings")
    days: set[date] = set()
    i = 0
    while i < len(values):
        span = date_span(
            values, i, "settings", today, range_words=vocab.RANGE_WORDS, adjacent_is_range=False
        )
        if span is None:
            raise ParseError("bad_date", "settings", {"token": values[i].text})
        start, end, i = span
        length = (end - start).days + 1
        if length > _MAX_HOLIDAY_DAYS:
            raise ParseError("bad_date", "settings", {"token": values[i - 1].text})
        days.update(start + timedelta(days=n) for n in range(length))
    return tuple(sorted(days))
