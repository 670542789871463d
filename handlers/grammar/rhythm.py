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

# "c7", "conf:8", "信心7", "信心：7分", "confidence=7/10"; "c2c" is just a word.
_GLUED_CONFIDENCE = re.compile(
    r"(?:confidence|conf|c|信心指数|信心值|信心)[:=]?(?P<value>[0-9]+(?:/10|分)?)"
)
_CONFIDENCE_VALUE = re.compile(r"(?P<n>[0-9]+)(?:/10|分)?")


def parse_checkin(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        return CheckinAll()
    kr = ref(toks[0], "checkin", ("KR",))
    if len(toks) == 1:
        return CheckinOne(kr)
    value_token = toks[1]
    relative = False
    if not value_token.quoted and value_token.word in vocab.DONE_VALUES:
        value = 1.0
    else:
        found = read_number(value_token)
        if found is None:
            if _confidence_at(toks, 1, "checkin") is not None:
                raise ParseError("missing_value", "checkin")
            raise number_error(value_token.text, "checkin")
        value = found[0]
        relative = norm(value_token.text).startswith(("+", "-", "−"))
    confidence, note_tokens = _take_confidence(toks[2:], "checkin")
    note, links = pull_links(line.text(note_tokens))
    # '"reels took off" https://…': once the link is out, the note is one quoted run.
    return Checkin(kr, value, relative, confidence, unquoted(note) if links else note, links)


def _take_confidence(tokens: Sequence[Token], verb: str) -> tuple[int | None, list[Token]]:
    """The first confidence clause anywhere in the note, and the note without it."""
    for i in range(len(tokens)):
        found = _confidence_at(tokens, i, verb)
        if found is not None:
            value, used = found
            return value, [*tokens[:i], *tokens[i + used :]]
    return None, list(tokens)


def _confidence_at(tokens: Sequence[Token], i: int, verb: str) -> tuple[int, int] | None:
    """(confidence, tokens used) when a confidence clause starts at tokens[i].

    "confidence" followed by a word is note text ("gained confidence with
    the client"); followed by a number it must be a valid confidence.
    """
    tok = tokens[i]
    if tok.quoted:
        return None
    if tok.word in vocab.CONFIDENCE_WORDS and i + 1 < len(tokens):
        value_token = tokens[i + 1]
        if looks_numeric(value_token):
            return _confidence(value_token.key, value_token.text, verb), 2
        return None
    glued = _GLUED_CONFIDENCE.fullmatch(tok.key)
    if glued is not None:
        return _confidence(glued["value"], tok.text, verb), 1
    return None


def _confidence(text: str, written: str, verb: str) -> int:
    match = _CONFIDENCE_VALUE.fullmatch(text)
    # Few digits: int() of a long digit string is slow, and 1..10 needs two.
    if match is None or len(match["n"]) > 2 or not 1 <= int(match["n"]) <= 10:
        raise ParseError("bad_confidence", verb, {"token": written})
    return int(match["n"])


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
            raise ParseError("bad_date", "away", {"token": toks[1].text})
        return Away(today, end, line.text(toks[2:]))
    span = date_span(toks, 0, "away", today, range_words=vocab.RANGE_WORDS, adjacent_is_range=True)
    if span is None:
        raise ParseError("bad_date", "away", {"token": first.text})
    start, end, stop = span
    return Away(start, end, line.text(toks[stop:]))
