"""Reading single values out of tokens: numbers, references, people, dates, times, links.

Readers return None when a token is not of their kind at all, so the caller can
treat it as text, and raise ParseError when it clearly tries to be one but is
wrong ("2026-13-01" is a bad date; "diligence" is just not a date).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from handlers.grammar.commands import PersonRef, Ref, RefKind
from handlers.grammar.errors import ParseError
from handlers.grammar.lexer import Token, norm

# --- numbers ---------------------------------------------------------------------

_MULTIPLIERS = {
    "k": Decimal(10) ** 3,
    "m": Decimal(10) ** 6,
    "b": Decimal(10) ** 9,
    "千": Decimal(10) ** 3,
    "万": Decimal(10) ** 4,
    "w": Decimal(10) ** 4,  # 万 in chat shorthand: "10w粉丝"
    "亿": Decimal(10) ** 8,
}
_CURRENCIES = "$¥€£"  # NFKC folds ￥ and ＄ into these
_DIGITS = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+"
_NUMBER = re.compile(
    rf"(?P<sign>[+-]?)(?P<cur>[{_CURRENCIES}]?)(?P<digits>{_DIGITS})"
    r"(?P<mult>[kmbw千万亿])?(?P<pct>%)?",
    re.IGNORECASE,
)
# Glued units only after a plain number or a Chinese multiplier: "500人",
# "1.5万粉丝", "10kg". "10k" alone is ten thousand, but "10kg" is ten kilograms.
_QUANTITY = re.compile(
    rf"(?P<sign>[+-]?)(?P<cur>[{_CURRENCIES}]?)(?P<digits>{_DIGITS})(?P<mult>[千万亿])?(?P<unit>.+)",
)
# Anything longer is noise, and Decimal/int work grows with length.
_MAX_NUMBER_CHARS = 40
_NUMBERISH = re.compile(r"[+-]?[$¥€£]?\.?[0-9]")


def looks_numeric(tok: Token) -> bool:
    """Starts like a number, so a wrong one is an error rather than text."""
    return not tok.quoted and _NUMBERISH.match(_fold_number(tok.text)) is not None


def _fold_number(text: str) -> str:
    return norm(text).replace("−", "-")


# What the database keeps exactly: a double holds 15 significant digits, and
# every whole number up to 10^15.
MAX_ABS_NUMBER = Decimal(10) ** 15
MAX_SIGNIFICANT_DIGITS = 15


def _decimal(match: re.Match[str]) -> Decimal | None:
    digits = match["digits"].replace(",", "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    mult = match["mult"]
    if mult:
        value *= _MULTIPLIERS[mult.lower()]
    return -value if match["sign"] == "-" else value


def _significant_digits(value: Decimal) -> int:
    return len(value.normalize().as_tuple().digits) if value else 1


def _number(match: re.Match[str]) -> float | None:
    value = _decimal(match)
    if value is None or abs(value) > MAX_ABS_NUMBER:
        return None
    if _significant_digits(Decimal(match["digits"].replace(",", ""))) > MAX_SIGNIFICANT_DIGITS:
        return None
    result = float(value)
    return result if math.isfinite(result) else None


_NOT_FINITE = frozenset({"nan", "inf", "infinity", "∞", "无穷", "无穷大"})
_EXPONENT = re.compile(
    r"(?P<sign>[+-]?)(?P<mantissa>[0-9]+(?:\.[0-9]+)?)"
    r"(?:e|\*\*|(?:[x×*]10)?\^)(?P<exp>[+-]?[0-9]+)",
    re.IGNORECASE,
)


def number_error(text: str, verb: str | None) -> ParseError:
    """Why `text` is not a number the bot keeps, as specific as the text allows."""
    folded = _fold_number(text.strip()).lower()
    params = {"token": text.strip(), "limit": "1,000,000,000,000,000"}
    if folded.lstrip("+-") in _NOT_FINITE:
        return ParseError("number_not_finite", verb, params)
    exponent = _EXPONENT.fullmatch(folded)
    if exponent is not None:
        mantissa = Decimal(exponent["mantissa"])
        exp = max(-(10**4), min(10**4, int(exponent["exp"])))
        times_ten = "e" in folded or "10^" in folded
        size = mantissa.scaleb(exp) if times_ten else mantissa**exp  # "10^40" or "2**60"
        if abs(size) > MAX_ABS_NUMBER:
            return ParseError("number_too_large", verb, params)
        return ParseError("number_exponent", verb, params)
    match = _NUMBER.fullmatch(folded) or _QUANTITY.fullmatch(folded)
    if match is not None and not (match.groupdict().get("pct") and match["mult"]):
        value = _decimal(match)
        if value is not None and abs(value) > MAX_ABS_NUMBER:
            return ParseError("number_too_large", verb, params)
        digits = Decimal(match["digits"].replace(",", ""))
        if _significant_digits(digits) > MAX_SIGNIFICANT_DIGITS:
            return ParseError("number_too_precise", verb, params)
    if len(folded) > _MAX_NUMBER_CHARS and folded.lstrip("+-$¥€£").replace(",", "").isdigit():
        return ParseError("number_too_large", verb, params)
    return ParseError("bad_number", verb, {"token": text.strip()})


def read_number(tok: Token) -> tuple[float, str] | None:
    """A number and the unit glued to it: "" or "%" or a currency sign.

    Accepts "6000", "6,000", "6，000", "1.5", "-3", "10k", "1.2m", "2%",
    "1.5万", "3千", "2亿", "$5k", full-width digits. None when it is not one.
    """
    if tok.quoted or len(tok.text) > _MAX_NUMBER_CHARS:
        return None
    match = _NUMBER.fullmatch(_fold_number(tok.text))
    if match is None or (match["pct"] and match["mult"]):
        return None
    value = _number(match)
    if value is None:
        return None
    return value, match["pct"] or match["cur"] or ""


def read_quantity(tok: Token) -> tuple[float, str] | None:
    """A number with any unit glued on: "10000", "2%", "500万元" (5,000,000 元), "10kg"."""
    plain = read_number(tok)
    if plain is not None:
        return plain
    if tok.quoted or len(tok.text) > _MAX_NUMBER_CHARS:
        return None
    # Units keep their case ("USD", "MAU"), so fold width only.
    folded = unicodedata.normalize("NFKC", tok.text).replace("−", "-")
    if _EXPONENT.fullmatch(folded.lower()) or folded.lower().lstrip("+-") in _NOT_FINITE:
        return None  # "1e26" is a number written with an exponent, not 1 "e26"
    match = _QUANTITY.fullmatch(folded)
    if match is None or not match["unit"][0].isalpha():
        return None
    value = _number(match)
    if value is None:
        return None
    return value, match["cur"] + match["unit"]


def number(tok: Token, verb: str) -> tuple[float, str]:
    value = read_number(tok)
    if value is None:
        raise number_error(tok.text, verb)
    return value


# --- references ------------------------------------------------------------------

_REF = re.compile(r"#?(kr|o|t|h)0*([1-9][0-9]{0,8})")
_REF_KINDS: dict[str, RefKind] = {"o": "O", "kr": "KR", "t": "T", "h": "H"}
_LIST_PUNCTUATION = ",，、;；:："


def read_ref(tok: Token) -> Ref | None:
    """ "O3", "kr12", "#KR12", "T40", "H5"; a trailing list comma is allowed ("T40,")."""
    if tok.quoted:
        return None
    match = _REF.fullmatch(tok.key.rstrip(_LIST_PUNCTUATION))
    if match is None:
        return None
    return Ref(_REF_KINDS[match[1]], int(match[2]))


def ref(tok: Token | None, verb: str, kinds: tuple[RefKind, ...]) -> Ref:
    """The reference `tok` must be, of one of `kinds`."""
    if tok is None:
        raise ParseError("missing_ref", verb)
    found = read_ref(tok)
    if found is None or found.kind not in kinds:
        raise ParseError("bad_ref", verb, {"token": tok.text})
    return found


def refs(tokens: Sequence[Token], verb: str, kinds: tuple[RefKind, ...]) -> tuple[Ref, ...]:
    """One or more references, separated by spaces or commas ("T40,T41 T42")."""
    found: list[Ref] = []
    for tok in tokens:
        for piece in re.split(r"[,，、;；]+", tok.text):
            if piece:
                one = ref(tok.piece(piece), verb, kinds)
                if one not in found:
                    found.append(one)
    if not found:
        raise ParseError("missing_ref", verb)
    return tuple(found)


def read_person(tok: Token) -> PersonRef | None:
    """An @-mention, kept as written; a trailing list comma or colon is dropped ("@bob,")."""
    if tok.quoted:
        return None
    text = tok.text.rstrip(_LIST_PUNCTUATION)
    if len(text) < 2 or text[0] not in "@＠":
        return None
    return PersonRef(text)


# --- dates -----------------------------------------------------------------------

_RELATIVE_DAYS = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "tomorrow": 1,
    "tmr": 1,
    "明天": 1,
    "明日": 1,
    "后天": 2,
}
_WEEKDAYS: dict[str, int] = {}
for _number_of_day, _names in enumerate(
    (
        ("mon", "monday"),
        ("tue", "tues", "tuesday"),
        ("wed", "weds", "wednesday"),
        ("thu", "thur", "thurs", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
        ("sun", "sunday"),
    ),
    start=1,
):
    for _name in _names:
        _WEEKDAYS[_name] = _number_of_day
for _number_of_day, _char in enumerate("一二三四五六日", start=1):
    for _prefix in ("周", "星期", "礼拜"):
        _WEEKDAYS[_prefix + _char] = _number_of_day
for _prefix in ("周", "星期", "礼拜"):
    _WEEKDAYS[_prefix + "天"] = 7

_FULL_DATE = re.compile(
    r"(?P<y>[0-9]{4})(?:[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})"
    r"|年(?P<m2>[0-9]{1,2})月(?P<d2>[0-9]{1,2})[日号]?)"
)
# No "." here: "1.5" is far more often a number than the fifth of January.
_MONTH_DAY = re.compile(
    r"(?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})|(?P<m2>[0-9]{1,2})月(?P<d2>[0-9]{1,2})[日号]?"
)
# "下周五" is Friday of next week, "本周五"/"这周五" Friday of this one.
_WEEK_OF_DAY = re.compile(r"(?P<which>下|本|这)(?:周|星期|礼拜)(?P<day>[一二三四五六日天])")
# Leap days recur at most eight years apart (2096 -> 2104).
_YEARS_TO_FIND_A_DAY = 9


def weekday_number(key: str) -> int | None:
    """ISO weekday (1 = Monday) of a day name in English or Chinese."""
    return _WEEKDAYS.get(key)


def read_date(tok: Token, verb: str, today: date, *, not_before: date | None = None) -> date | None:
    """A calendar day, or None when the token is not trying to be one.

    Weekday names are the next such day on or after today; a month and day
    without a year are the next such date on or after today. `not_before`
    moves that reference for the end of a range, so "12-28 01-03" crosses the
    new year and "fri to tue" ends the Tuesday after; "today" stays today.
    """
    base = max(today, not_before) if not_before is not None else today
    if tok.quoted:
        return None
    key = tok.key
    try:
        if key in _RELATIVE_DAYS:
            return today + timedelta(days=_RELATIVE_DAYS[key])
        if key in _WEEKDAYS:
            return base + timedelta(days=(_WEEKDAYS[key] - base.isoweekday()) % 7)
        if match := _WEEK_OF_DAY.fullmatch(key):
            monday = today - timedelta(days=today.isoweekday() - 1)
            weeks = 1 if match["which"] == "下" else 0
            weekday = "一二三四五六日".find(match["day"].replace("天", "日")) + 1
            return monday + timedelta(days=7 * weeks + weekday - 1)
        if match := _FULL_DATE.fullmatch(key):
            month, day = match["m"] or match["m2"], match["d"] or match["d2"]
            return date(int(match["y"]), int(month), int(day))
        if match := _MONTH_DAY.fullmatch(key):
            month, day = match["m"] or match["m2"], match["d"] or match["d2"]
            return _next_month_day(int(month), int(day), base)
    except (ValueError, OverflowError):
        raise ParseError("bad_date", verb, {"token": tok.text}) from None
    return None


def _next_month_day(month: int, day: int, today: date) -> date:
    last_error: ValueError | None = None
    for year in range(today.year, today.year + _YEARS_TO_FIND_A_DAY):
        try:
            candidate = date(year, month, day)
        except ValueError as error:
            last_error = error
            continue
        if candidate >= today:
            return candidate
    raise last_error or ValueError("no such day")


# --- times of day ----------------------------------------------------------------

_TIME = re.compile(
    r"(?P<h>[0-9]{1,2})(?:(?::|点|时|h)(?P<m>[0-9]{2}|半)?分?)?(?P<ampm>am|pm)?",
)


def read_time(tok: Token) -> str | None:
    """ "HH:MM" from "9:30", "09:30", "17：00", "17h", "17点", "17点30", "5pm", "5:30pm".

    A bare number is not a time (it is a weekday number, 1..7), so something
    must say "time": a separator, 点/时, or am/pm.
    """
    if tok.quoted:
        return None
    match = _TIME.fullmatch(tok.key)
    if match is None or (match["m"] is None and match["ampm"] is None and tok.key.isdigit()):
        return None
    hour = int(match["h"])
    minute = 30 if match["m"] == "半" else int(match["m"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"] == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


# --- links -----------------------------------------------------------------------

# Slack wraps links as <https://x|label>; chat text glues Chinese punctuation to them.
_LINK = re.compile(
    r"(?P<lead>[ \t\u3000]*)"
    r"(?:<(?P<wrapped>https?://[^\s<>|]+)(?:\|[^>]*)?>"
    r"|(?P<bare>https?://[^\s<>\"'“”‘’「」『』，。；！？、（）]+))"
    r"(?P<trail>[ \t\u3000]*)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\""
_PUNCTUATION = ".,;:!?)]}，。；：！？、）」』”’"


def pull_links(text: str) -> tuple[str, tuple[str, ...]]:
    """Text with its http(s) links taken out, and the links in order, without repeats.

    The words around a link close up as if it had never been there:
    "see https://x. Thanks" gives "see. Thanks", "见https://x。" gives "见。".
    """
    links: list[str] = []

    def take(match: re.Match[str]) -> str:
        link = match["wrapped"] or match["bare"]
        kept = link.rstrip(_TRAILING)
        # Keep a closing bracket that belongs to the link, as in Wikipedia URLs.
        if kept.count("(") > kept.count(")") and link[len(kept) :].startswith(")"):
            kept += ")"
        if kept not in links:
            links.append(kept)
        tail = link[len(kept) :] if match["bare"] else ""
        if tail:
            return tail + match["trail"]
        after = match.string[match.end() : match.end() + 1]
        if not after or after in _PUNCTUATION:
            return ""
        return match["lead"] or match["trail"]

    remaining = _LINK.sub(take, text)
    return remaining.strip(), tuple(links)
