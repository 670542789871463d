"""Small pieces every verb's reader shares."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from handlers.grammar.errors import ParseError
from handlers.grammar.lexer import Token
from handlers.grammar.values import read_date

# Close enough for a typo ("chekin", "dnoe"), far enough not to guess wildly.
_SUGGEST_CUTOFF = 0.6


def suggest(word: str, candidates: Iterable[str]) -> dict[str, str]:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=_SUGGEST_CUTOFF)
    return {"suggestion": close[0]} if close else {}


def no_more(tokens: Sequence[Token], verb: str) -> None:
    if tokens:
        raise ParseError("unexpected", verb, {"token": tokens[0].text})


def action_of(tok: Token, verb: str, actions: Mapping[str, str]) -> str:
    """The sub-action `tok` names, or an "unknown_action" error with a suggestion."""
    action = None if tok.quoted else actions.get(tok.word)
    if action is None:
        params = {"token": tok.text, **suggest(tok.word or tok.text, actions)}
        raise ParseError("unknown_action", verb, params)
    return action


def one_value(tokens: Sequence[Token], verb: str) -> Token:
    """The single token a setting takes."""
    if not tokens:
        raise ParseError("missing_value", verb)
    no_more(tokens[1:], verb)
    return tokens[0]


# "2026-10-01~2026-10-07", "10/1..10/7", "10月1日至10月7日"
_GLUED_RANGE = re.compile(r"(.+?)(?:~|～|\.\.|至|到)(.+)")


def date_span(
    tokens: Sequence[Token],
    i: int,
    verb: str,
    today: date,
    *,
    range_words: frozenset[str],
    adjacent_is_range: bool,
) -> tuple[date, date, int] | None:
    """A day or a range of days starting at tokens[i], and where reading stopped.

    None when tokens[i] is not a date at all. A range is "A to B", "A~B", and,
    when `adjacent_is_range`, plain "A B". The end must not be before the start.
    """
    tok = tokens[i]
    glued = None if tok.quoted else _GLUED_RANGE.fullmatch(tok.text)
    if glued is not None:
        first, last = tok.piece(glued[1]), tok.piece(glued[2])
        start = read_date(first, verb, today)
        end = None if start is None else read_date(last, verb, today, not_before=start)
        if start is not None and end is not None:
            return _ordered(start, end, first, last, verb, i + 1)
    start = read_date(tok, verb, today)
    if start is None:
        return None
    j = i + 1
    if j + 1 < len(tokens) and tokens[j].word in range_words:
        end = read_date(tokens[j + 1], verb, today, not_before=start)
        if end is not None:
            return _ordered(start, end, tok, tokens[j + 1], verb, j + 2)
    if adjacent_is_range and j < len(tokens):
        end = read_date(tokens[j], verb, today, not_before=start)
        if end is not None:
            return _ordered(start, end, tok, tokens[j], verb, j + 1)
    return start, start, j


def _ordered(
    start: date, end: date, start_token: Token, end_token: Token, verb: str, stop: int
) -> tuple[date, date, int]:
    if end < start:
        params = {"start": start_token.text, "end": end_token.text}
        raise ParseError("date_order", verb, params)
    return start, end, stop
