"""The weekly rhythm: `checkin`, `plan`, `away`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from handlers.grammar import vocab
from handlers.grammar.commands import (
    Away,
    AwayCancel,
    AwayList,
    Checkin,
    CheckinAll,
    CheckinOne,
    Cmd,
    PersonRef,
    PlanAdd,
    PlanCarry,
    PlanDone,
    PlanDrop,
    PlanEdit,
    PlanList,
    Ref,
)
from handlers.grammar.common import action_of, date_span, no_more
from handlers.grammar.errors import ParseError
from handlers.grammar.lexer import Line, Token, norm, tokenize, unquoted
from handlers.grammar.values import (
    looks_numeric,
    number_error,
    pull_links,
    read_date,
    read_number,
    read_person,
    read_ref,
    ref,
    refs,
)

# --- checkin ----------------------------------------------------------------------

# A confidence in Chinese numerals: "信心 八", "信心八分".
_ZH_VALUES = {c: n for n, c in enumerate("一二三四五六七八九十", start=1)} | {"两": 2}
_ZH_DIGITS = "".join(_ZH_VALUES)
_ZH_NUMBER = re.compile(rf"[{_ZH_DIGITS}](?:分|/10)?")

# "c7", "conf:8", "信心7", "信心：7分", "confidence=7/10", "信心八分"; "c2c" is just a word.
_GLUED_CONFIDENCE = re.compile(
    rf"(?:confidence|conf|c|信心指数|信心值|信心)[:=]?(?P<value>(?:[0-9]+|[{_ZH_DIGITS}])(?:/10|分)?)"
)
_CONFIDENCE_VALUE = re.compile(rf"(?P<n>[0-9]+|[{_ZH_DIGITS}])(?:/10|分)?")
# Chinese writes a confidence inside a word too: "进展顺利信心8分", "信心7本周不错".
# Digits only: "信心十足" is "full of confidence", not a ten.
_CONFIDENCE_IN_WORD = re.compile(
    r"(?:信心指数|信心值|信心)[:：=＝]?[0-9０-９]{1,2}(?![0-9０-９.．])(?:分|/10|／10)?"
)
_CONFIDENCE_WORD_AT_START = re.compile(r"^(?:信心指数|信心值|信心)[:=]?")
# "信心7.5", "confidence-1": a confidence that is wrong, never note text.
_TRIES_CONFIDENCE = re.compile(r"(?:confidence|conf|信心指数|信心值|信心)[:=]?[-+.]?[0-9]")
_POINTS = vocab.words("分", "/10", "分/10")
_VALUE_SIGN = "="


def parse_checkin(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        return CheckinAll()
    kr = ref(toks[0], "checkin", ("KR",))
    if len(toks) == 1:
        return CheckinOne(kr)
    value, relative, unclear, done, used = _value(toks, 1)
    confidence, note_tokens = _take_confidence(line, toks[1 + used :], "checkin")
    note, links = pull_links(line.text(note_tokens))
    # '"reels took off" https://…': once the link is out, the note is one quoted run.
    return Checkin(
        kr,
        value,
        relative,
        confidence,
        unquoted(note) if links else note,
        links,
        done=done,
        unclear_sign=unclear,
    )


def _value(toks: Sequence[Token], i: int) -> tuple[float, bool, bool, bool, int]:
    """(value, relative, unclear sign, done, tokens used) of the value at toks[i].

    "6000", "+500" and "-3" (changes), "=-3" or "= -3" (the value itself),
    "by -3" / "变化 -3" (a change, said so), "done".
    """
    tok = toks[i]
    if not tok.quoted and tok.word in vocab.DONE_VALUES:
        return 1.0, False, False, True, 1
    said_change = not tok.quoted and tok.word in vocab.CHANGE_WORDS and i + 1 < len(toks)
    said_value = not tok.quoted and tok.key == _VALUE_SIGN and i + 1 < len(toks)
    if said_change or said_value:
        found = read_number(toks[i + 1])
        if found is None:
            raise number_error(toks[i + 1].text, "checkin")
        return found[0], said_change, False, False, 2
    if not tok.quoted and tok.key.startswith(_VALUE_SIGN):
        found = read_number(tok.piece(tok.text.lstrip()[1:]))
        if found is None:
            raise number_error(tok.text, "checkin")
        return found[0], False, False, False, 1
    found = read_number(tok)
    if found is None:
        if _confidence_at(toks, i, "checkin") is not None:
            raise ParseError("missing_value", "checkin")
        raise number_error(tok.text, "checkin")
    sign = norm(tok.text)[:1]
    return found[0], sign in ("+", "-", "−"), sign in ("-", "−"), False, 1


def _take_confidence(
    line: Line, tokens: Sequence[Token], verb: str
) -> tuple[int | None, list[Token]]:
    """The confidence clause anywhere in the note, and the note without it.

    A second confidence clause is not read as note text: the person meant
    something by it, so it is an error naming it.
    """
    kept: list[Token] = []
    confidence: int | None = None
    i = 0
    while i < len(tokens):
        found = _confidence_at(tokens, i, verb)
        if found is not None:
            value, used = found
            if confidence is not None:
                raise ParseError("unexpected", verb, {"token": line.text(tokens[i : i + used])})
            confidence = value
            i += used
            continue
        inside = None if tokens[i].quoted else _CONFIDENCE_IN_WORD.search(tokens[i].text)
        if inside is not None:
            if confidence is not None:
                raise ParseError("unexpected", verb, {"token": inside[0]})
            confidence = _confidence(_value_of_clause(inside[0]), inside[0], verb)
            kept.extend(_around(tokens[i], inside.start(), inside.end()))
            i += 1
            continue
        kept.append(tokens[i])
        i += 1
    return confidence, kept


def _value_of_clause(text: str) -> str:
    """The value of a confidence clause found inside a word: "信心：７分" -> "7分"."""
    return _CONFIDENCE_WORD_AT_START.sub("", norm(text))


def _around(tok: Token, start: int, end: int) -> list[Token]:
    """The parts of `tok` before and after text[start:end], each spanning only itself."""
    parts: list[Token] = []
    offset = tok.start
    for a, b in ((0, start), (end, len(tok.text))):
        piece = tok.text[a:b]
        if piece.strip():
            parts.append(Token(piece, norm(piece), offset + a, offset + b, tok.index, quoted=False))
    return parts


def _confidence_at(tokens: Sequence[Token], i: int, verb: str) -> tuple[int, int] | None:
    """(confidence, tokens used) when a confidence clause starts at tokens[i].

    "confidence" followed by a word is note text ("gained confidence with
    the client"); followed by a number it must be a valid confidence. A
    "分" or "/10" after the number is part of it ("信心 7 分").
    """
    tok = tokens[i]
    if tok.quoted:
        return None
    if tok.word in vocab.CONFIDENCE_WORDS and i + 1 < len(tokens):
        value_token = tokens[i + 1]
        if looks_numeric(value_token) or _ZH_NUMBER.fullmatch(value_token.key):
            value = _confidence(value_token.key, value_token.text, verb)
            return value, 2 + _points_after(tokens, i + 2)
        return None
    glued = _GLUED_CONFIDENCE.fullmatch(tok.key)
    if glued is not None:
        return _confidence(glued["value"], tok.text, verb), 1 + _points_after(tokens, i + 1)
    if _TRIES_CONFIDENCE.match(tok.key) and not _CONFIDENCE_IN_WORD.search(tok.text):
        raise ParseError("bad_confidence", verb, {"token": tok.text})
    return None


def _points_after(tokens: Sequence[Token], i: int) -> int:
    """1 when tokens[i] is a lone "分" or "/10" closing a confidence, else 0."""
    return int(i < len(tokens) and not tokens[i].quoted and tokens[i].key in _POINTS)


def _confidence(text: str, written: str, verb: str) -> int:
    match = _CONFIDENCE_VALUE.fullmatch(text)
    # Few digits: int() of a long digit string is slow, and 1..10 needs two.
    if match is None or len(match["n"]) > 2:
        raise ParseError("bad_confidence", verb, {"token": written})
    n = _ZH_VALUES.get(match["n"]) or int(match["n"])
    if not 1 <= n <= 10:
        raise ParseError("bad_confidence", verb, {"token": written})
    return n


# --- plan ---------------------------------------------------------------------------


def parse_plan(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        return PlanList()
    first = toks[0]
    # "plan @bob" and "plan team Growth" can only mean the list.
    if read_person(first) is not None or first.word in vocab.TEAM_WORDS:
        return _plan_list(line, toks)
    action = action_of(first, "plan", vocab.PLAN_ACTIONS)
    if action == "list":
        return _plan_list(line, toks[1:])
    if action == "add":
        return _plan_add(line, toks[1:], today)
    if action == "edit":
        return _plan_edit(line, toks[1:], today)
    if action == "done":
        # Links after the tasks are where their results can be seen.
        text, links = pull_links(line.rest(toks[1]) if len(toks) > 1 else "")
        # A link closing the sentence leaves its full stop behind ("T4 https://x。").
        text = text.rstrip("。.") if links else text
        return PlanDone(refs(tokenize(text).tokens, "plan", ("T",)), links)
    tasks = refs(toks[1:], "plan", ("T",))
    if action == "drop":
        return PlanDrop(tasks)
    return PlanCarry(tasks)


def _plan_list(line: Line, toks: Sequence[Token]) -> Cmd:
    if not toks:
        return PlanList()
    person = read_person(toks[0])
    if person is not None:
        no_more(toks[1:], "plan")
        return PlanList(person=person)
    if toks[0].word in vocab.TEAM_WORDS:
        name = line.words(toks[1:])
        if not name:
            raise ParseError("missing_text", "plan")
        return PlanList(team=name)
    raise ParseError("unexpected", "plan", {"token": toks[0].text})


@dataclass
class _TaskWords:
    """What a task's words say: title words, a KR, @helpers, an owner and a due day."""

    title: list[Token] = field(default_factory=list)
    kr: Ref | None = None
    helpers: list[PersonRef] = field(default_factory=list)
    owner: PersonRef | None = None
    due: date | None = None


def _task_words(toks: Sequence[Token], today: date, *, owners: bool, second_kr: str) -> _TaskWords:
    """Read a task's words, a KR, helpers, (with `owners`) an owner and a due day anywhere
    among them; `second_kr` is the error code for a second KR reference."""
    found = _TaskWords()
    i = 0
    while i < len(toks):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        person = read_person(tok)
        found_ref = read_ref(tok)
        if person is not None:
            if person not in found.helpers:
                found.helpers.append(person)
        elif found_ref is not None:
            if found_ref.kind != "KR":
                raise ParseError("bad_ref", "plan", {"token": tok.text})
            if found.kr is not None:
                raise ParseError(second_kr, "plan", {"token": tok.text})
            found.kr = found_ref
        elif owners and nxt is not None and tok.word in vocab.OWNER_WORDS and read_person(nxt):
            if found.owner is not None:
                raise ParseError("unexpected", "plan", {"token": tok.text})
            found.owner = read_person(nxt)
            i += 1
        elif nxt is not None and tok.word in vocab.HELPER_WORDS and read_person(nxt):
            pass  # the @mentions after it are helpers, as any @mention is
        elif (day := _due(tok, nxt, today)) is not None:
            if found.due is not None:
                raise ParseError("unexpected", "plan", {"token": tok.text})
            found.due, used = day
            i += used - 1
        else:
            found.title.append(tok)
        i += 1
    return found


def _plan_add(line: Line, toks: Sequence[Token], today: date) -> Cmd:
    """Title words, with a KR, helpers, an owner and a due day anywhere among them."""
    found = _task_words(toks, today, owners=True, second_kr="unexpected")
    text = line.text(found.title)
    if not text:
        raise ParseError("missing_text", "plan")
    helpers = [h for h in found.helpers if h != found.owner]
    return PlanAdd(text, found.kr, tuple(helpers), found.owner, found.due)


def _plan_edit(line: Line, toks: Sequence[Token], today: date) -> Cmd:
    """`edit T12` then any of: a new title (after "title" or bare words), a KR, @helpers, a due day."""
    task = ref(toks[0] if toks else None, "plan", ("T",))
    rest = list(toks[1:])
    if rest and not rest[0].quoted and rest[0].word in vocab.TITLE_WORDS:
        rest = rest[1:]
    if not rest:
        raise ParseError("missing_value", "plan")
    found = _task_words(rest, today, owners=False, second_kr="bad_ref")
    text = line.text(found.title)
    helpers = tuple(found.helpers) if found.helpers else None
    return PlanEdit(task, text or None, found.kr, helpers, found.due)


def _due(tok: Token, nxt: Token | None, today: date) -> tuple[date, int] | None:
    """A due clause: "due fri", "by 12/1", "截止 周五", glued "截止周五"."""
    if tok.quoted:
        return None
    if tok.word in vocab.DUE_WORDS and nxt is not None:
        day = read_date(nxt, "plan", today)
        if day is None and not tok.word.isascii():
            # "截止 下个月" cannot be a title: 截止 only ever says when.
            raise ParseError("bad_date", "plan", {"token": nxt.text})
        return None if day is None else (day, 2)
    for word in vocab.DUE_WORDS:
        if not word.isascii() and tok.key.startswith(word) and len(tok.key) > len(word):
            day = read_date(tok.piece(tok.text[len(word) :]), "plan", today)
            if day is not None:
                return day, 1
    return None


# --- away ---------------------------------------------------------------------------


def parse_away(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        raise ParseError("missing_value", "away")
    first = toks[0]
    action = None if first.quoted else vocab.AWAY_ACTIONS.get(first.word)
    if action is not None:
        no_more(toks[1:], "away")
        return AwayList() if action == "list" else AwayCancel()
    if first.word in vocab.UNTIL_WORDS and len(toks) > 1:
        end = read_date(toks[1], "away", today)
        if end is None:
            raise ParseError("bad_date", "away", {"token": toks[1].text})
        if end < today:
            raise ParseError(
                "date_order", "away", {"start": today.isoformat(), "end": toks[1].text}
            )
        return Away(today, end, line.text(toks[2:]))
    span = date_span(toks, 0, "away", today, range_words=vocab.RANGE_WORDS, adjacent_is_range=True)
    if span is None:
        raise ParseError("bad_date", "away", {"token": first.text})
    start, end, stop = span
    return Away(start, end, line.text(toks[stop:]))
