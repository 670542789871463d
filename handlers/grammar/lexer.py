"""Splitting a command line into tokens, and putting free text back together.

Tokens remember where they came from so that free text (notes, titles,
messages) is returned as the person typed it: Chinese is not written with
spaces between words, and re-joining tokens with " " would invent some.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Slack and macOS turn "..." into curly quotes, which are also the Chinese ones.
_QUOTES = {
    '"': '"',
    "'": "'",
    "“": "”",
    "‘": "’",
    "「": "」",
    "『": "』",
    "«": "»",
}
# These double as apostrophes ("don't", "don’t"), so they only close a quoted
# token at the end of a word, and an unclosed one is just a character.
_AMBIGUOUS_QUOTES = frozenset({'"', "'", "‘"})


def unquoted(text: str) -> str:
    """`text` without the quotes around it, when it is one quoted run ('"a b"' -> 'a b')."""
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] == _QUOTES[text[0]]:
        inner = text[1:-1]
        if _QUOTES[text[0]] not in inner:
            return inner.strip()
    return text


PIPES = frozenset({"|", "｜"})
COLONS = frozenset({":", "："})

# Punctuation that separates the parts of a command as a space does: "6000，信心 7",
# "信心 7。", "T40、T41", "great week, confidence 8". Such a mark is not a token
# of its own; free text keeps it as typed. Between two digits it is part of a
# number or a time ("6,000", "6，000", "17：00"), never a separator.
MARKS = frozenset("，。；：！？、,;")
# Of those, the ones that end a sentence: a note keeps one that follows it.
SENTENCE_ENDS = frozenset("。！？")
# A full-width bracket or a Chinese quote opens a new word even when glued
# ("7（还行）", "7“不错”"), so what is inside reads as text of its own.
_OPENERS = frozenset("（“「『")


def norm(text: str) -> str:
    """The matching form of a word: full-width folded to ASCII, case-folded.

    Only for comparing; text the person wrote is kept as written.
    """
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # as written; for a quoted token, what is between the quotes
    key: str  # norm(text) for matching, "" for quoted tokens: quotes make text literal
    start: int  # span in the line, quotes included
    end: int
    index: int  # position in the line's token list
    quoted: bool = False

    @property
    def word(self) -> str:
        """The key without a trailing colon, so "confidence:" and "团队：" read as keywords."""
        return self.key.rstrip(":")

    def piece(self, text: str) -> Token:
        """A part of this token read on its own ("0" of "0->100"); it keeps the
        whole token's span, so free text built from it stays as typed."""
        key = "" if self.quoted else norm(text)
        return Token(text, key, self.start, self.end, self.index, self.quoted)


@dataclass(frozen=True, slots=True)
class Line:
    raw: str
    tokens: tuple[Token, ...]

    def rest(self, token: Token) -> str:
        """The raw text from `token` on, for re-reading it another way."""
        return self.raw[token.start :]

    def text(self, tokens: Iterable[Token]) -> str:
        """Free text from tokens, as typed between neighbours.

        Where tokens were taken out of the middle (a confidence, a KR
        reference), the two sides are joined by the mark that separated them
        ("great week, more next week", "进展顺利，继续") or else one space. A
        mark at either end went with what was taken out, except a full stop,
        exclamation or question mark ending the text. A lone quoted run gives
        its content without quotes.
        """
        groups: list[list[Token]] = []
        for tok in tokens:
            if groups and self._adjacent(groups[-1][-1], tok):
                groups[-1].append(tok)
            else:
                groups.append([tok])
        text = ""
        last_end = 0
        for group in groups:
            part, end = self._span(group)
            if not part:
                continue
            if text:
                text += self._joiner(last_end, group[0].start)
            text += part
            last_end = end
        return text.strip()

    def words(self, tokens: Iterable[Token]) -> str:
        """Tokens joined by single spaces: for names that must compare equal
        however they were spaced ("Growth  EU" is "Growth EU")."""
        return " ".join(t.text.strip() for t in tokens if t.text.strip())

    def _adjacent(self, before: Token, after: Token) -> bool:
        """Nothing but spaces and separating marks between the two (or one token's pieces)."""
        if after.start < before.end:
            return True
        return all(c.isspace() or c in MARKS for c in self.raw[before.end : after.start])

    def _span(self, group: Sequence[Token]) -> tuple[str, int]:
        if len(group) == 1 and group[0].quoted:
            return group[0].text.strip(), group[0].end
        end = max(t.end for t in group)
        while end < len(self.raw) and self.raw[end] in SENTENCE_ENDS:
            end += 1
        return self.raw[group[0].start : end].strip(), end

    def _joiner(self, end: int, start: int) -> str:
        gap = self.raw[end:start].strip()
        for mark in (gap[:1], gap[-1:]):
            if mark and mark in MARKS:
                return mark + " " if mark.isascii() else mark
        return " "


def tokenize(raw: str, *, separators: frozenset[str] = frozenset()) -> Line:
    """Split on whitespace (U+3000 included) and separating marks, keeping quoted runs whole.

    Characters in `separators` become tokens of their own, except a colon
    inside a time ("17:00") or a URL ("https://"), which is never a separator.
    A line of nothing but marks ("？") keeps them as its tokens.
    """
    tokens: list[Token] = []
    marks: list[int] = []
    closings = _Closings(raw)

    def emit(text: str, start: int, end: int, quoted: bool = False) -> None:
        key = "" if quoted else norm(text)
        tokens.append(Token(text, key, start, end, len(tokens), quoted))

    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c.isspace():
            i += 1
            continue
        if c in _QUOTES:
            close = closings.after(i)
            if close is not None:
                emit(raw[i + 1 : close], i, close + 1, quoted=True)
                i = close + 1
                continue
            if c not in _AMBIGUOUS_QUOTES:
                # A forgotten closing quote: the rest of the line was meant as one text.
                emit(raw[i + 1 :], i, n, quoted=True)
                break
        if _separates(raw, i, separators):
            emit(c, i, i + 1)
            i += 1
            continue
        if _is_mark(raw, i):
            marks.append(i)
            i += 1
            continue
        j = i + 1
        while j < n and not _ends_word(raw, j, separators):
            j += 1
        emit(raw[i:j], i, j)
        i = j
    if not tokens:
        for k in marks:
            emit(raw[k], k, k + 1)
    return Line(raw, tuple(tokens))


def _ends_word(raw: str, j: int, separators: frozenset[str]) -> bool:
    return (
        raw[j].isspace() or raw[j] in _OPENERS or _separates(raw, j, separators) or _is_mark(raw, j)
    )


def _is_mark(raw: str, i: int) -> bool:
    """A separating mark, unless it sits between two digits ("6,000", "17：00")."""
    if raw[i] not in MARKS:
        return False
    before = raw[i - 1] if i > 0 else ""
    after = raw[i + 1] if i + 1 < len(raw) else ""
    return not (before.isdigit() and after.isdigit())


class _Closings:
    """Where each quoted run opened at position i ends.

    Positions of closing apostrophe-like quotes are listed once, so a line full
    of apostrophes costs a binary search per quote instead of a rescan.
    """

    def __init__(self, raw: str) -> None:
        self._raw = raw
        self._word_ends: dict[str, list[int]] = {}

    def after(self, i: int) -> int | None:
        opening = self._raw[i]
        closing = _QUOTES[opening]
        if opening not in _AMBIGUOUS_QUOTES:
            j = self._raw.find(closing, i + 1)
            return None if j < 0 else j
        if closing not in self._word_ends:
            raw = self._raw
            self._word_ends[closing] = [
                j
                for j, c in enumerate(raw)
                if c == closing and not (j + 1 < len(raw) and raw[j + 1].isalnum())
            ]
        ends = self._word_ends[closing]
        k = bisect.bisect_right(ends, i)
        return ends[k] if k < len(ends) else None


def _separates(raw: str, i: int, separators: frozenset[str]) -> bool:
    c = raw[i]
    if c not in separators:
        return False
    if c in COLONS:
        before = raw[i - 1] if i > 0 else ""
        after = raw[i + 1] if i + 1 < len(raw) else ""
        if before.isdigit() and after.isdigit():
            return False
        if raw.startswith("//", i + 1):
            return False
    return True
