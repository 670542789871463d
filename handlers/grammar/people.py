"""People and teams: `show`, `team`, `ask`, `kudos`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.grammar import vocab
from handlers.grammar.commands import (
    Ask,
    AskList,
    AskUpdate,
    Cmd,
    Kudos,
    PersonRef,
    Ref,
    ShowPerson,
    ShowRef,
    ShowTeam,
    TeamAdd,
    TeamDigest,
    TeamJoin,
    TeamNew,
    TeamRollup,
)
from handlers.grammar.common import no_more
from handlers.grammar.errors import ParseError
from handlers.grammar.lexer import Line, Token, tokenize
from handlers.grammar.values import read_person, read_ref, ref

# --- show ---------------------------------------------------------------------------


def parse_show(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        raise ParseError("missing_value", "show")
    first = toks[0]
    person = read_person(first)
    if person is not None:
        no_more(toks[1:], "show")
        return ShowPerson(person)
    if first.word in vocab.TEAM_WORDS:
        return ShowTeam(_name(line, toks[1:], "show"))
    found = ref(first, "show", ("O", "KR", "T", "H"))
    no_more(toks[1:], "show")
    return ShowRef(found)


def _name(line: Line, toks: Sequence[Token], verb: str) -> str:
    name = line.words(toks)
    if not name:
        raise ParseError("missing_text", verb)
    return name


# --- team ---------------------------------------------------------------------------


def parse_team(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        return TeamRollup()
    first = toks[0]
    # Anything that is not an action word is a team name: a team called
    # "New York" has to be quoted.
    action = None if first.quoted else vocab.TEAM_ACTIONS.get(first.word)
    args = toks[1:]
    if action is None:
        return TeamRollup(line.words(toks) or None)
    if action == "digest":
        return TeamDigest(line.words(args) or None)
    if action == "join":
        return TeamJoin(_name(line, args, "team"))
    if action == "new":
        channel = None
        if args and not args[-1].quoted and _is_channel(args[-1].text):
            channel = args[-1].text
            args = args[:-1]
        # "team new #growth Growth": a channel where the name goes could never be
        # found again by its name; say the right order instead.
        for tok in args:
            if _is_channel(tok.text) or (tok.quoted and tok.text[:1] in "#＃"):
                raise ParseError("name_is_channel", "team", {"token": tok.text})
        return TeamNew(_name(line, args, "team"), channel)
    return _team_add(line, args)


def _is_channel(text: str) -> bool:
    return len(text) > 1 and text[0] in "#＃"


def _team_add(line: Line, toks: Sequence[Token]) -> Cmd:
    at = next((i for i, t in enumerate(toks) if read_person(t) is not None), len(toks))
    name = _name(line, toks[:at], "team")
    people: list[PersonRef] = []
    for tok in toks[at:]:
        person = read_person(tok)
        if person is None:
            raise ParseError("unexpected", "team", {"token": tok.text})
        if person not in people:
            people.append(person)
    if not people:
        raise ParseError("missing_person", "team")
    return TeamAdd(name, tuple(people))


# --- ask, kudos -----------------------------------------------------------------------


def parse_ask(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        raise ParseError("missing_person", "ask")
    first = toks[0]
    if not first.quoted and first.word in vocab.LIST_WORDS:
        no_more(toks[1:], "ask")
        return AskList()
    action = None if first.quoted else vocab.ASK_UPDATES.get(first.word)
    if action is not None:
        request = ref(toks[1] if len(toks) > 1 else None, "ask", ("H",))
        return AskUpdate(request, action, line.text(toks[2:]))
    person, kr, text = _addressed(line, toks, "ask")
    return Ask(person, kr, text)


def parse_kudos(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    person, kr, text = _addressed(line, line.tokens, "kudos")
    return Kudos(person, kr, text)


def _addressed(line: Line, toks: Sequence[Token], verb: str) -> tuple[PersonRef, Ref | None, str]:
    """`@person [KR12] text`; "KR12 @person text" is read the same way."""
    i = 0
    kr = _kr_ref(toks[0]) if toks else None
    if kr is not None and len(toks) > 1 and read_person(toks[1]) is not None:
        i = 1
    else:
        kr = None
    if i >= len(toks):
        raise ParseError("missing_person", verb)
    person = read_person(toks[i])
    if person is None:
        raise ParseError("missing_person", verb, {"token": toks[i].text})
    i += 1
    if kr is None and i < len(toks):
        kr = _kr_ref(toks[i])
        if kr is not None:
            i += 1
    text = line.text(toks[i:])
    if not text:
        raise ParseError("missing_text", verb)
    return person, kr, text


def _kr_ref(tok: Token) -> Ref | None:
    found = read_ref(tok)
    return found if found is not None and found.kind == "KR" else None
