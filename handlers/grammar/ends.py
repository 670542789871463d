"""The cycle's two ends: `draft`, `review`, `feedback`, `committee`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from handlers.grammar import vocab
from handlers.grammar.commands import (
    Cmd,
    CommitteeConfirm,
    CommitteePropose,
    CommitteeShow,
    DraftAddKR,
    DraftCancel,
    DraftFinish,
    DraftNext,
    DraftPropose,
    DraftStart,
    DraftStatus,
    DraftVote,
    FeedbackAsk,
    FeedbackGive,
    FeedbackList,
    FeedbackShow,
    PersonRef,
    Ref,
    ReviewAgenda,
    ReviewAnswer,
    ReviewAnswerForm,
    ReviewPack,
)
from handlers.grammar.common import action_of, no_more
from handlers.grammar.errors import ParseError
from handlers.grammar.lexer import COLONS, PIPES, Line, Token, tokenize
from handlers.grammar.objectives import kr_spec, score_value
from handlers.grammar.values import read_person, read_ref, ref

# "#2", "＃2", "2", "#2.1" (the first key result of #2), and "#2," in a list.
_IDEA = re.compile(r"#?0*([1-9][0-9]{0,5})(?:\.0*([1-9][0-9]{0,5}))?")
_LIST_PUNCTUATION = ",，、;；"

# --- draft ----------------------------------------------------------------------------


def parse_draft(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        return DraftStatus()
    action = action_of(toks[0], "draft", vocab.DRAFT_ACTIONS)
    args = toks[1:]
    if action == "status":
        no_more(args, "draft")
        return DraftStatus()
    if action == "start":
        return _draft_start(line, args)
    if action == "propose":
        return _draft_propose(rest[toks[0].end :])
    if action == "kr":
        if not args:
            raise ParseError("bad_idea", "draft")
        number = _idea(args[0])
        kr_line = tokenize(rest[args[0].end :], separators=COLONS)
        if not kr_line.tokens:
            raise ParseError("missing_text", "draft")
        return DraftAddKR(number, kr_spec(kr_line, kr_line.tokens, "draft"))
    if action == "vote":
        labels = _labels(args)
        if not labels:
            raise ParseError("bad_idea", "draft")
        return DraftVote(labels)
    if action == "finish":
        return DraftFinish(tuple(_objective(tok, label) for tok, label in _pieces(args)))
    no_more(args, "draft")
    return DraftNext() if action == "next" else DraftCancel()


def _draft_start(line: Line, toks: Sequence[Token]) -> Cmd:
    """`start [TEAM] [anonymous] [align O1|KR2]`, the options after the team's name."""
    anonymous = False
    parent: Ref | None = None
    name: list[Token] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if not tok.quoted and tok.word in vocab.ANONYMOUS_WORDS:
            anonymous = True
        elif not tok.quoted and tok.word in vocab.ALIGN_WORDS:
            target = toks[i + 1] if i + 1 < len(toks) else None
            if target is not None and target.word in vocab.ARROWS:
                i += 1
                target = toks[i + 1] if i + 1 < len(toks) else None
            parent = ref(target, "draft", ("O", "KR"))
            i += 1
        elif anonymous or parent is not None:
            raise ParseError("unexpected", "draft", {"token": tok.text})
        else:
            name.append(tok)
        i += 1
    return DraftStart(line.words(name) or None, anonymous, parent)


def _draft_propose(rest: str) -> Cmd:
    line = tokenize(rest, separators=PIPES | COLONS)
    if not line.tokens:
        return DraftPropose()
    parts: list[list[Token]] = [[]]
    for tok in line.tokens:
        if tok.key in ("|",):
            parts.append([])
        else:
            parts[-1].append(tok)
    title = line.text(parts[0])
    if not title:
        raise ParseError("missing_text", "draft")
    krs = tuple(kr_spec(line, part, "draft") for part in parts[1:] if part)
    return DraftPropose(title, krs)


def _label(tok: Token) -> str:
    """An idea's label as people write it, normalised: "#02" -> "2", "#2.1" -> "2.1"."""
    match = None if tok.quoted else _IDEA.fullmatch(tok.key.rstrip(_LIST_PUNCTUATION))
    if match is None:
        raise ParseError("bad_idea", "draft", {"token": tok.text})
    return match[1] if match[2] is None else f"{match[1]}.{match[2]}"


def _idea(tok: Token) -> int:
    """An objective idea's number ("#2"); a key result's label is refused here."""
    return _objective(tok, _label(tok))


def _objective(tok: Token, label: str) -> int:
    if "." in label:
        raise ParseError("bad_idea", "draft", {"token": tok.text})
    return int(label)


def _pieces(toks: Sequence[Token]) -> list[tuple[Token, str]]:
    """Labels separated by spaces or commas ("#1, #3 4"), each once, with its token."""
    found: list[tuple[Token, str]] = []
    for tok in toks:
        for piece in re.split(r"[,，、;；]+", tok.text):
            if piece:
                label = _label(tok.piece(piece))
                if all(label != seen for _, seen in found):
                    found.append((tok, label))
    return found


def _labels(toks: Sequence[Token]) -> tuple[str, ...]:
    return tuple(label for _, label in _pieces(toks))


# --- review ---------------------------------------------------------------------------


def parse_review(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        return ReviewPack()
    person = read_person(toks[0])
    if person is not None:
        no_more(toks[1:], "review")
        return ReviewPack(person)
    action = action_of(toks[0], "review", vocab.REVIEW_ACTIONS)
    args = toks[1:]
    if action == "pack":
        if not args:
            return ReviewPack()
        found = read_person(args[0])
        if found is None:
            raise ParseError("missing_person", "review", {"token": args[0].text})
        no_more(args[1:], "review")
        return ReviewPack(found)
    if action == "agenda":
        return ReviewAgenda(line.words(args) or None)
    if action == "answer":
        no_more(args, "review")
        return ReviewAnswerForm()
    text = line.text(args)
    if not text:
        raise ParseError("missing_text", "review")
    return ReviewAnswer(vocab.REVIEW_QUESTIONS[toks[0].word], text)


# --- feedback -------------------------------------------------------------------------


def parse_feedback(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        raise ParseError("missing_person", "feedback")
    person = read_person(toks[0])
    if person is not None:
        no_more(toks[1:], "feedback")
        return FeedbackShow(person)
    action = action_of(toks[0], "feedback", vocab.FEEDBACK_ACTIONS)
    args = toks[1:]
    if action == "list":
        no_more(args, "feedback")
        return FeedbackList()
    subject = _person(args[0] if args else None)
    if action == "ask":
        people: list[PersonRef] = []
        for tok in args[1:]:
            other = read_person(tok)
            if other is None:
                raise ParseError("unexpected", "feedback", {"token": tok.text})
            if other not in people and other != subject:
                people.append(other)
        return FeedbackAsk(subject, tuple(people))
    if len(args) == 1:
        return FeedbackGive(subject)
    return FeedbackGive(subject, _rating(args[1]), line.text(args[2:]))


def _person(tok: Token | None) -> PersonRef:
    found = read_person(tok) if tok is not None else None
    if found is None:
        raise ParseError("missing_person", "feedback", {"token": tok.text} if tok else None)
    return found


def _rating(tok: Token) -> int:
    text = tok.key.removesuffix("分").removesuffix("/5")
    if tok.quoted or not text.isdigit() or len(text) > 1 or not 1 <= int(text) <= 5:
        raise ParseError("bad_rating", "feedback", {"token": tok.text})
    return int(text)


# --- committee ------------------------------------------------------------------------


def parse_committee(rest: str, today: date) -> Cmd:
    line = tokenize(rest)
    toks = line.tokens
    if not toks:
        return CommitteeShow()
    person = read_person(toks[0])
    if person is not None:
        no_more(toks[1:], "committee")
        return CommitteeShow(person)
    if read_ref(toks[0]) is not None:
        raise ParseError("unknown_action", "committee", {"token": toks[0].text})
    action = action_of(toks[0], "committee", vocab.COMMITTEE_ACTIONS)
    args = toks[1:]
    kr = ref(args[0] if args else None, "committee", ("KR",))
    if action == "propose":
        if len(args) < 2:
            raise ParseError("missing_value", "committee")
        return CommitteePropose(kr, score_value(args[1], "committee"), line.text(args[2:]))
    if len(args) < 2:
        return CommitteeConfirm(kr)
    return CommitteeConfirm(kr, score_value(args[1], "committee"), line.text(args[2:]))
