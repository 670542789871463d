"""`parse`: from the text after `/okr` to a command, the same on every platform."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from handlers.grammar import vocab
from handlers.grammar.commands import Cmd, Export, Help, ImportHelp, MyOkrs, Ref
from handlers.grammar.common import no_more, suggest
from handlers.grammar.ends import parse_committee, parse_draft, parse_feedback, parse_review
from handlers.grammar.errors import ParseError
from handlers.grammar.lexer import Line, Token, tokenize
from handlers.grammar.limits import check_lengths, clean_typed
from handlers.grammar.objectives import parse_align, parse_kr, parse_new, parse_score
from handlers.grammar.people import parse_ask, parse_kudos, parse_show, parse_team
from handlers.grammar.rhythm import parse_away, parse_checkin, parse_plan
from handlers.grammar.settings import parse_settings
from handlers.grammar.values import (
    looks_numeric,
    number_error,
    read_number,
    read_person,
    read_ref,
)

_Reader = Callable[[str, date], Cmd]


def _parse_my(rest: str, today: date) -> Cmd:
    no_more(tokenize(rest).tokens, "my")
    return MyOkrs()


def _parse_help(rest: str, today: date) -> Cmd:
    toks = tokenize(rest).tokens
    if not toks:
        return Help()
    # Help never fails: an unknown topic gets the overview, saying it is unknown.
    topic = None if toks[0].quoted else vocab.VERB_OF.get(toks[0].word)
    return Help(topic) if topic else Help(None, unknown=Line(rest, toks).words(toks))


def _parse_export(rest: str, today: date) -> Cmd:
    name = " ".join(t.text for t in tokenize(rest).tokens).strip().lstrip("#")
    return Export(name or None)


def _parse_import(rest: str, today: date) -> Cmd:
    # Files are imported by the operator: a file name here gets the right form, which explains.
    no_more(tokenize(rest).tokens, "import")
    return ImportHelp()


_READERS: dict[str, _Reader] = {
    "my": _parse_my,
    "help": _parse_help,
    "new": parse_new,
    "kr": parse_kr,
    "checkin": parse_checkin,
    "plan": parse_plan,
    "show": parse_show,
    "team": parse_team,
    "ask": parse_ask,
    "kudos": parse_kudos,
    "align": parse_align,
    "score": parse_score,
    "draft": parse_draft,
    "review": parse_review,
    "feedback": parse_feedback,
    "committee": parse_committee,
    "settings": parse_settings,
    "away": parse_away,
    "export": _parse_export,
    "import": _parse_import,
}


def parse(text: str, *, today: date) -> Cmd:
    """Read one command line. Raises ParseError, and nothing else, when it does not parse.

    `today` is the person's local date: it resolves "tomorrow", "fri" and
    dates written without a year.
    """
    text = clean_typed(text)
    line = tokenize(text)
    if not line.tokens:
        return MyOkrs()
    first = line.tokens[0]
    verb = None if first.quoted else vocab.VERB_OF.get(first.word)
    rest = text[first.end :]
    if verb is None:
        verb, rest = _glued_verb(first, text, line.tokens)
    args = tokenize(rest).tokens
    # "<verb> ?" and "<verb> help" ask for that verb's help.
    if verb != "help" and len(args) == 1 and args[0].key in vocab.HELP_WORDS:
        return Help(verb)
    cmd = _READERS[verb](rest, today)
    check_lengths(cmd, verb)
    return cmd


def _glued_verb(first: Token, text: str, tokens: tuple[Token, ...]) -> tuple[str, str]:
    """A Chinese verb written without a space before its argument ("签到KR12 6000")."""
    if not first.quoted:
        for alias, verb in vocab.GLUED_ALIASES:
            if first.text.startswith(alias) and len(first.text) > len(alias):
                return verb, text[first.start + len(alias) :]
    raise ParseError("unknown_verb", None, {"token": first.text, **_verb_hint(first, tokens)})


def _verb_hint(first: Token, tokens: tuple[Token, ...]) -> dict[str, str]:
    """The verb most likely meant: a typo's nearest word, or what a bare reference suggests."""
    found = read_ref(first)
    if found is not None:
        numeric = len(tokens) > 1 and looks_numeric(tokens[1])
        return {"suggestion": "checkin" if found.kind == "KR" and numeric else "show"}
    if read_person(first) is not None:
        return {"suggestion": "show"}
    return suggest(first.word, vocab.VERB_OF)


def parse_ref(text: str) -> Ref:
    """A reference on its own ("KR12", "#o3"), as a form field or a button value holds it."""
    toks = tokenize(clean_typed(text)).tokens
    found = read_ref(toks[0]) if len(toks) == 1 else None
    if found is None:
        raise ParseError("bad_ref", None, {"token": text.strip()})
    return found


def parse_number(text: str) -> float:
    """A number on its own, in any form the grammar reads ("6,000", "1.5万", "10k").

    For form fields: a sign is kept as a sign here, since a form asks for the
    value itself, never a change.
    """
    toks = tokenize(clean_typed(text)).tokens
    found = read_number(toks[0]) if len(toks) == 1 else None
    if found is None:
        raise number_error(text, None)
    return found[0]
