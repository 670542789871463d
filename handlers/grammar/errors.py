"""The one exception the grammar raises, as data for the UI to translate."""

from __future__ import annotations

from collections.abc import Mapping

# Every code `parse` can raise. The message catalogs need one entry per code, so
# a test elsewhere can check none is missing.
ERROR_CODES: frozenset[str] = frozenset(
    {
        "unknown_verb",  # token, and suggestion when one is close
        "unknown_action",  # token (a sub-action of verb), and suggestion when one is close
        "unexpected",  # token: more words than the command takes
        "missing_value",  # the command needs a value here
        "missing_text",  # a title, a note, a message or a name is required
        "missing_person",  # an @mention is required; token when something else was written
        "missing_ref",  # a reference (O3, KR12, T40, H5) is required
        "bad_ref",  # token is not a reference of the kind the command takes
        "align_self",  # token: an objective aligned to itself
        "bad_number",  # token
        "number_too_large",  # token, limit: beyond what the database keeps
        "number_too_precise",  # token: more significant digits than the database keeps
        "number_exponent",  # token: written as 1e5 or 10^5
        "number_not_finite",  # token: NaN or infinity
        "title_too_long",  # limit, length: an objective, KR or task title
        "name_too_long",  # limit, length: a team name
        "name_is_channel",  # token: a team name that is a channel (#growth, <#C…>)
        "unit_too_long",  # limit, length
        "text_too_long",  # limit, length: a note, request, kudos, reason
        "bad_confidence",  # token: must be a whole number 1..10
        "bad_weight",  # token: must be above 0
        "bad_score",  # token: must be 0..1, 0..10 or 0..100 %
        "bad_date",  # token
        "date_order",  # start, end: a range whose end is before its start
        "bad_day",  # token: not a day of the week
        "bad_time",  # token: not a time of day
        "bad_field",  # token: not a KR field
        "bad_language",  # token
        "bad_cycle",  # token
        "bad_scale",  # token: scores are shown on 0–1 or on 10 points
        "bad_rating",  # token: feedback is a whole number from 1 to 5
        "bad_idea",  # token: not an idea number of a draft, like #2
    }
)


class ParseError(Exception):
    """Why a command line did not parse, with no user-facing text.

    `verb` is the canonical verb when it was recognised, so the UI can show that
    verb's usage; `params` fills the placeholders of the translated message.
    """

    code: str
    verb: str | None
    params: dict[str, str]

    def __init__(
        self, code: str, verb: str | None = None, params: Mapping[str, str] | None = None
    ) -> None:
        # Code and verb are what a log line or a failing test needs to see.
        super().__init__(code, verb)
        self.code = code
        self.verb = verb
        self.params = dict(params or {})

    def __repr__(self) -> str:
        return f"ParseError({self.code!r}, {self.verb!r}, {self.params!r})"
