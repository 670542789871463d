"""What typed text may contain and how long it may be.

Invisible characters (zero-width spaces, joiners between letters, byte-order
marks) and direction overrides are removed from everything a person types, so
"KR\u200b12" is KR12 and a name cannot be made to read backwards; the
private-use delimiters of inline mentions are removed too, so typed text can
never forge a mention. Titles, names and notes have documented limits
(docs/COMMANDS.md) that keep them readable in a message and a card.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import fields, is_dataclass

from handlers.grammar.errors import ParseError
from handlers.views import MENTION_MARKS

TITLE_LIMIT = 200  # an objective, a key result or a task
NAME_LIMIT = 80  # a team
TEXT_LIMIT = 1000  # a note, a request for help, kudos, a reason, thanks
UNIT_LIMIT = 40

# Zero-width space, non-joiner, joiner, word joiner, invisible operators, BOM,
# and the bidirectional marks, embeddings, overrides and isolates.
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_ZWJ = "\u200d"


def _is_emoji_part(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk", "Mn") or "\ufe00" <= ch <= "\ufe0f"


def clean_typed(text: str) -> str:
    """`text` without invisible or direction characters and mention delimiters.

    A zero-width joiner between two emoji (👩‍💻) is part of the emoji and stays.
    """
    if not any(c in _INVISIBLE or c in MENTION_MARKS for c in text):
        return text
    kept: list[str] = []
    for i, ch in enumerate(text):
        if ch in MENTION_MARKS:
            continue
        if ch == _ZWJ and 0 < i < len(text) - 1:
            if _is_emoji_part(text[i - 1]) and _is_emoji_part(text[i + 1]):
                kept.append(ch)
            continue
        if ch not in _INVISIBLE:
            kept.append(ch)
    return "".join(kept)


_FIELD_LIMITS = {
    "title": ("title_too_long", TITLE_LIMIT),
    "note": ("text_too_long", TEXT_LIMIT),
    "text": ("text_too_long", TEXT_LIMIT),
    "reason": ("text_too_long", TEXT_LIMIT),
    "unit": ("unit_too_long", UNIT_LIMIT),
}
_NAMED = {"TeamNew", "TeamJoin", "TeamAdd"}


def form_field(values: Mapping[str, str | list[str] | None], name: str) -> str:
    """A form's field as typed: the first of a list, cleaned like typed text, trimmed."""
    value = values.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return clean_typed(value or "").strip()


def too_long(code: str, verb: str | None, text: str, limit: int) -> ParseError:
    return ParseError(code, verb, {"limit": str(limit), "length": str(len(text))})


def check_lengths(cmd: object, verb: str | None) -> None:
    """Raise ParseError when a title, name, unit or note of `cmd` is over its limit."""
    if not is_dataclass(cmd) or isinstance(cmd, type):
        return
    for field in fields(cmd):
        value = getattr(cmd, field.name)
        if isinstance(value, tuple):
            for item in value:
                check_lengths(item, verb)
        elif is_dataclass(value):
            check_lengths(value, verb)
        elif isinstance(value, str):
            code, limit = _FIELD_LIMITS.get(field.name, ("", 0))
            if field.name == "name" and type(cmd).__name__ in _NAMED:
                code, limit = "name_too_long", NAME_LIMIT
            edited = getattr(cmd, "field", "")
            if field.name == "value" and edited in ("title", "unit"):
                code, limit = _FIELD_LIMITS[edited]
            if code and len(value) > limit:
                raise too_long(code, verb, value, limit)
