"""Objectives and key results: `new`, `kr`, `align`, `score`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from handlers.grammar import vocab
from handlers.grammar.commands import (
    AddKR,
    Align,
    Cmd,
    DeleteKR,
    EditKR,
    KRField,
    KRSpec,
    NewObjective,
    NewObjectiveForm,
    ObjectiveKind,
    PersonRef,
    Score,
    ScoreList,
    ScoreQueue,
    ScoreShow,
)
from handlers.grammar.common import no_more, one_value, suggest
from handlers.grammar.errors import ParseError
from handlers.grammar.lexer import COLONS, PIPES, Line, Token, tokenize
from handlers.grammar.values import (
    looks_numeric,
    number,
    number_error,
    read_number,
    read_person,
    read_quantity,
    ref,
)

# --- new ------------------------------------------------------------------------


def parse_new(rest: str, today: date) -> Cmd:
    line = tokenize(rest, separators=PIPES | COLONS)
    if not line.tokens:
        return NewObjectiveForm()
    head, *kr_parts = _split(line.tokens, "|")
    title_tokens, kind, team = _objective_head(head)
    title = line.text(title_tokens)
    if not title:
        raise ParseError("missing_text", "new")
    # An empty part (a doubled or trailing "|") is a slip, not a KR.
    krs = tuple(kr_spec(line, part, "new") for part in kr_parts if part)
    return NewObjective(title, kind, team, krs)


def _split(tokens: Sequence[Token], key: str) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    for tok in tokens:
        if tok.key == key:
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


def _objective_head(head: list[Token]) -> tuple[list[Token], ObjectiveKind, str | None]:
    """Peel "committed"/"aspirational" and "team:NAME" off the end of the title.

    Only once each, so a title ending in such a word keeps it when the real
    marker follows ("Stay committed aspirational").
    """
    tokens = list(head)
    kind: ObjectiveKind | None = None
    team: str | None = None
    while tokens:
        last = tokens[-1]
        if kind is None and last.key in vocab.COMMITTED:
            kind = "committed"
            tokens.pop()
        elif kind is None and last.key in vocab.ASPIRATIONAL:
            kind = "aspirational"
            tokens.pop()
        elif (
            team is None
            and len(tokens) >= 3
            and tokens[-2].key == ":"
            and tokens[-3].key in vocab.TEAM_WORDS
        ):
            team = last.text.strip()
            if not team:
                raise ParseError("missing_text", "new", {"token": tokens[-3].text})
            del tokens[-3:]
        else:
            break
    # Committed is the safe default: reading a committed OKR's 0.7 as a success
    # would hide a miss, the other way round only under-celebrates.
    return tokens, kind or "committed", team


# --- KR specs ---------------------------------------------------------------------

# Arrows glued between numbers: "0->10000", "0→1万", "0~100", "0到100".
_GLUED_ARROW = re.compile(r"(->|=>|→|⟶|~|到|至)")
# Only these mark a measure in a KR written without ":"; "to" and 到 are too
# common in titles ("Grow from 5 to 10 markets" is better left alone).
_SYMBOL_ARROWS = frozenset({"->", "=>", "→", "⟶"})
_FROM_WORDS = vocab.words("from", "从")


def kr_spec_text(spec: KRSpec) -> str:
    """A key result written back the way `new` reads it: "Leads: 300 -> 600 leads weight 2"."""
    title = spec.title if ":" not in spec.title and "：" not in spec.title else f'"{spec.title}"'
    # A Chinese title takes the full-width colon, as Chinese is written.
    colon = "：" if any(unicodedata.east_asian_width(c) in "WF" for c in title) else ": "
    if spec.milestone:
        text = f"{title}{colon}done"
    elif spec.target is None:
        text = title
    else:
        text = f"{title}{colon}{_plain(spec.start)} -> {_plain(spec.target)}"
        if spec.unit:
            text += spec.unit if spec.unit == "%" else f" {spec.unit}"
    if spec.weight != 1.0:
        text += f" weight {_plain(spec.weight)}"
    if spec.owner is not None:
        text += f" {spec.owner.token}"
    return text


def _plain(value: float) -> str:
    """A number as plain digits, never with an exponent (which the grammar refuses)."""
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def kr_spec(line: Line, tokens: Sequence[Token], verb: str) -> KRSpec:
    """`<title> [: <measure>] [weight N] [@owner]` from one "|"-part of `new` or from `kr add`."""
    tokens = list(tokens)
    weight, owner = _peel_weight_owner(tokens, verb, None, None)
    colon = max((i for i, t in enumerate(tokens) if t.key == ":"), default=None)
    if colon is None:
        return _spec_without_colon(line, tokens, verb, weight, owner)
    title_tokens, measure = tokens[:colon], tokens[colon + 1 :]
    # Be forgiving about order: "Title weight 2 @bob: 0 -> 100" means the same.
    weight, owner = _peel_weight_owner(title_tokens, verb, weight, owner)
    title = line.text(title_tokens)
    if not title:
        raise ParseError("missing_text", verb)
    start, target, unit, milestone = _measure(measure, verb)
    return KRSpec(title, start, target, unit, milestone, weight or 1.0, owner)


def _spec_without_colon(
    line: Line, tokens: list[Token], verb: str, weight: float | None, owner: PersonRef | None
) -> KRSpec:
    """A KR with no ":" has no target, unless "title 0 -> 100" makes the measure plain."""
    pieces = _arrow_pieces(tokens)
    for p in range(1, len(pieces) - 1):
        if pieces[p].key not in _SYMBOL_ARROWS:
            continue
        start_piece = pieces[p - 1]
        first_of_token = p - 1 == 0 or pieces[p - 2].index != start_piece.index
        at = next(i for i, t in enumerate(tokens) if t.index == start_piece.index)
        if (
            first_of_token
            and at > 0
            and read_quantity(start_piece) is not None
            and read_quantity(pieces[p + 1]) is not None
        ):
            title = line.text(tokens[:at])
            start, target, unit, milestone = _measure(tokens[at:], verb)
            return KRSpec(title, start, target, unit, milestone, weight or 1.0, owner)
        break
    title = line.text(tokens)
    if not title:
        raise ParseError("missing_text", verb)
    return KRSpec(title, weight=weight or 1.0, owner=owner)


def _peel_weight_owner(
    tokens: list[Token], verb: str, weight: float | None, owner: PersonRef | None
) -> tuple[float | None, PersonRef | None]:
    """Take a trailing "@owner" and "weight N" (either order) off `tokens`, in place."""
    while tokens:
        person = read_person(tokens[-1])
        if owner is None and person is not None:
            owner = person
            tokens.pop()
            continue
        if weight is None:
            found = _trailing_weight(tokens, verb)
            if found is not None:
                weight, used = found
                del tokens[-used:]
                continue
        break
    return weight, owner


def _trailing_weight(tokens: list[Token], verb: str) -> tuple[float, int] | None:
    last = tokens[-1]
    if len(tokens) >= 2 and tokens[-2].word in vocab.WEIGHT_WORDS and looks_numeric(last):
        return _weight(last, verb), 2
    if (
        len(tokens) >= 3
        and tokens[-3].key in vocab.WEIGHT_WORDS
        and tokens[-2].key == ":"
        and looks_numeric(last)
    ):
        return _weight(last, verb), 3
    for word in vocab.WEIGHT_WORDS:
        glued = last.key[len(word) :].lstrip(":=")
        if last.key.startswith(word) and glued and looks_numeric(last.piece(glued)):
            return _weight(last.piece(glued), verb), 1
    return None


def _weight(tok: Token, verb: str) -> float:
    value, _unit = number(tok, verb)
    if value <= 0:
        raise ParseError("bad_weight", verb, {"token": tok.text})
    return value


def _arrow_pieces(tokens: Sequence[Token]) -> list[Token]:
    """Tokens with arrows glued between numbers split out ("0->100" is three pieces)."""
    pieces: list[Token] = []
    for tok in tokens:
        if tok.quoted or not looks_numeric(tok):
            pieces.append(tok)
            continue
        text = unicodedata.normalize("NFKC", tok.text)
        pieces.extend(tok.piece(part) for part in _GLUED_ARROW.split(text) if part)
    return pieces


def _measure(tokens: Sequence[Token], verb: str) -> tuple[float, float, str, bool]:
    """(start, target, unit, milestone) from "0 -> 10000 followers", "2%", "done"."""
    if not tokens:
        raise ParseError("missing_value", verb)
    if tokens[0].key in vocab.MILESTONE_WORDS:
        no_more(tokens[1:], verb)
        return 0.0, 1.0, "", True
    tokens = list(tokens)
    if tokens[0].key in _FROM_WORDS:
        tokens = tokens[1:]
    elif tokens[0].key.startswith("从") and len(tokens[0].key) > 1:
        tokens[0] = tokens[0].piece(tokens[0].text.lstrip()[1:])
    pieces = _arrow_pieces(tokens)
    if not pieces:
        raise ParseError("missing_value", verb)
    arrow = next((i for i, p in enumerate(pieces) if p.key in vocab.ARROWS), None)
    start, start_unit = 0.0, ""
    if arrow is not None:
        if arrow == 0:
            raise ParseError("missing_value", verb)
        if arrow > 1:
            raise number_error(pieces[0].text, verb)
        start, start_unit = _quantity(pieces[0], verb)
        pieces = pieces[arrow + 1 :]
        if not pieces:
            raise ParseError("missing_value", verb)
    target, glued_unit = _quantity(pieces[0], verb)
    words = " ".join(p.text.strip() for p in pieces[1:] if p.text.strip())
    unit = " ".join(u for u in (glued_unit, words) if u) or start_unit
    return start, target, unit, False


def _quantity(tok: Token, verb: str) -> tuple[float, str]:
    found = read_quantity(tok)
    if found is None:
        raise number_error(tok.text, verb)
    return found


# --- kr -----------------------------------------------------------------------------

_NUMERIC_FIELDS = frozenset({"target", "start", "current", "weight"})


def parse_kr(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        raise ParseError("missing_ref", "kr")
    if toks[0].word in vocab.ADD_WORDS:
        objective = ref(toks[1] if len(toks) > 1 else None, "kr", ("O",))
        return AddKR(objective, _spec_from(line, toks[2:]))
    target = ref(toks[0], "kr", ("O", "KR"))
    if target.kind == "O":
        return AddKR(target, _spec_from(line, toks[1:]))
    if len(toks) == 1:
        raise ParseError("missing_value", "kr")
    action = toks[1]
    if not action.quoted and action.word in vocab.DELETE_WORDS:
        no_more(toks[2:], "kr")
        return DeleteKR(target)
    field = None if action.quoted else vocab.KR_FIELDS.get(action.word)
    if field is None:
        params = {"token": action.text, **suggest(action.word, vocab.KR_FIELDS)}
        raise ParseError("bad_field", "kr", params)
    return EditKR(target, field, _field_value(line, field, toks[2:]))


def _spec_from(line: Line, tokens: Sequence[Token]) -> KRSpec:
    if not tokens:
        raise ParseError("missing_text", "kr")
    # Re-read from the raw text so a colon glued to a word ("Followers:") separates.
    spec_line = tokenize(line.rest(tokens[0]), separators=COLONS)
    return kr_spec(spec_line, spec_line.tokens, "kr")


def _field_value(line: Line, field: KRField, values: Sequence[Token]) -> float | str | PersonRef:
    if field in _NUMERIC_FIELDS:
        tok = one_value(values, "kr")
        return _weight(tok, "kr") if field == "weight" else number(tok, "kr")[0]
    if field == "owner":
        if not values:
            raise ParseError("missing_person", "kr")
        person = read_person(values[0])
        if person is None:
            raise ParseError("missing_person", "kr", {"token": values[0].text})
        no_more(values[1:], "kr")
        return person
    text = line.text(values)
    # A quoted "" clears the unit; a title can never be empty.
    if not values or (field == "title" and not text):
        raise ParseError("missing_text", "kr")
    return text


# --- align --------------------------------------------------------------------------

_GLUED_REF_ARROW = re.compile(r"(->|=>|→|⟶)")


def parse_align(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks: list[Token] = []
    for tok in line.tokens:
        if tok.quoted:
            toks.append(tok)
        else:
            parts = _GLUED_REF_ARROW.split(unicodedata.normalize("NFKC", tok.text))
            toks.extend(tok.piece(p) for p in parts if p)
    if not toks:
        raise ParseError("missing_ref", "align")
    objective = ref(toks[0], "align", ("O",))
    rest_tokens = toks[1:]
    if rest_tokens and rest_tokens[0].word in vocab.ARROWS:
        rest_tokens = rest_tokens[1:]
    if not rest_tokens:
        raise ParseError("missing_ref", "align")
    no_more(rest_tokens[1:], "align")
    if rest_tokens[0].word in vocab.NONE_WORDS:
        return Align(objective, None)
    parent = ref(rest_tokens[0], "align", ("O", "KR"))
    if parent == objective:
        raise ParseError("align_self", "align", {"token": rest_tokens[0].text})
    return Align(objective, parent)


# --- score --------------------------------------------------------------------------

_FRACTION = re.compile(r"(?P<num>.+)/(?P<den>10|100|1)")


def parse_score(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        return ScoreList()
    if not toks[0].quoted and toks[0].word in vocab.QUEUE_WORDS:
        no_more(toks[1:], "score")
        return ScoreQueue()
    target = ref(toks[0], "score", ("O", "KR"))
    if len(toks) == 1:
        return ScoreShow(target)
    if target.kind == "O":
        # An objective's score is the weighted mean of its KRs', never typed.
        raise ParseError("bad_ref", "score", {"token": toks[0].text})
    return Score(target, score_value(toks[1], "score"), line.text(toks[2:]))


def score_value(tok: Token, verb: str) -> float:
    """0..1 from "0.7", "7" (0..10), "70%", "7/10", "7分"."""
    text = tok.text.strip()
    if text.endswith("分"):
        text = text[:-1]
    scale = None
    fraction = _FRACTION.fullmatch(text)
    if fraction:
        text, scale = fraction["num"], float(fraction["den"])
    found = read_number(tok.piece(text))
    if found is None:
        raise number_error(tok.text, verb)
    value, unit = found
    if scale is not None:
        value /= scale
    elif unit == "%":
        value /= 100
    elif 1 < value <= 10 and value == int(value):
        value /= 10
    elif value > 1:
        # 1.5 is neither 0–1 nor a whole 0–10 score: reading it as 0.15 would be a guess.
        raise ParseError("bad_score", verb, {"token": tok.text})
    if not 0 <= value <= 1:
        raise ParseError("bad_score", verb, {"token": tok.text})
    return value
