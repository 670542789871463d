"""Message catalogs and locale-aware formatting, English and Chinese.

Messages are English msgids in the code, marked as `tr.t("...")` and
`tr.tn("...", "...", n)` so Babel can extract them; Chinese lives in
`locales/zh/LC_MESSAGES/okrbot.po`. The .po is read and compiled in memory on
first use, so there is no build step and no binary .mo in the repository.
`python -m handlers.i18n.extract --update` merges new msgids into the .po.

Placeholders use `str.format` syntax with names (`{kr}`, `{n}`), because word
order differs between the languages and translators move them around.
"""

from __future__ import annotations

import functools
import gettext
import logging
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date as Date
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_skeleton, get_day_names
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    format_decimal,
    format_percent,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
    get_plus_sign_symbol,
)

__all__ = [
    "DEFAULT",
    "DOMAIN",
    "LOCALE_DIR",
    "N_",
    "SOURCE_LOCALE",
    "SUPPORTED",
    "Translator",
    "load_translations",
    "negotiate",
    "po_path",
    "translator",
]

logger = logging.getLogger(__name__)

SUPPORTED = ("en", "zh")
DEFAULT = "en"
SOURCE_LOCALE = "en"
DOMAIN = "okrbot"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"

# What people type into a "language" setting, beyond locale codes.
_ALIASES = {
    "chinese": "zh",
    "中文": "zh",
    "简体中文": "zh",
    "繁體中文": "zh",
    "汉语": "zh",
    "漢語": "zh",
    "english": "en",
    "英文": "en",
    "英语": "en",
    "英語": "en",
}

# Covers BCP 47 ("zh-Hans-CN"), POSIX ("zh_CN.UTF-8", "en_US@euro") and
# Feishu's lower-case "zh_cn". Only the language subtag matters: there is one
# Chinese catalog, and a zh-TW reader is better served by it than by English.
_SUBTAG_SEPARATORS = re.compile(r"[-_.@\s]")

# House style is no serial comma ("a, b and c"); CLDR's en_GB list patterns say
# exactly that, while plain "en" follows US style ("a, b, and c").
_LIST_LOCALES = {"en": "en_GB"}


def N_(msgid: str) -> str:
    """Mark a msgid for extraction where it is translated later, e.g. in a table.

    `N_("Saved.")` returns "Saved." unchanged; pass it to `tr.t` when showing it.
    """
    return msgid


def negotiate(*candidates: str | None) -> str:
    """The first supported locale among `candidates`, most preferred first; else English.

    Pass what is known in order of precedence, e.g.
    `negotiate(user_setting, platform_locale, workspace_default)`.
    """
    for candidate in candidates:
        code = _supported_code(candidate)
        if code is not None:
            return code
    return DEFAULT


def _supported_code(candidate: str | None) -> str | None:
    if not candidate:
        return None
    text = candidate.strip().casefold()
    if text in _ALIASES:
        return _ALIASES[text]
    language = _SUBTAG_SEPARATORS.split(text, maxsplit=1)[0]
    return language if language in SUPPORTED else None


def po_path(locale: str, localedir: Path = LOCALE_DIR) -> Path:
    return localedir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(locale: str, localedir: Path = LOCALE_DIR) -> gettext.NullTranslations:
    """Read `locale`'s .po and compile it in memory; English (the source) needs none.

    Untranslated and fuzzy entries are left out so that gettext falls back to
    the English msgid, with English plural rules, instead of showing "".
    """
    if locale == SOURCE_LOCALE:
        return gettext.NullTranslations()
    with po_path(locale, localedir).open("rb") as fileobj:
        catalog = read_po(fileobj, locale=locale, domain=DOMAIN)
    for message in list(catalog)[1:]:  # [0] is the header
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(forms):
            catalog.delete(message.id, context=message.context)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


class _Placeholder:
    """Stands in for a parameter the caller forgot, so the text shows `{name}`."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __format__(self, spec: str) -> str:
        return f"{{{self._name}:{spec}}}" if spec else f"{{{self._name}}}"

    def __str__(self) -> str:
        return f"{{{self._name}}}"

    __repr__ = __str__


class _Params(dict[str, Any]):
    def __init__(self, params: Mapping[str, Any], text: str) -> None:
        super().__init__(params)
        self._text = text

    def __missing__(self, key: str) -> _Placeholder:
        # A wrong placeholder in a translation must not cost the user the
        # whole reply; the log tells us which message to fix.
        logger.warning("Message %r has no value for {%s}", self._text, key)
        return _Placeholder(key)


def _decimal(x: float | Decimal) -> Decimal:
    # Through str() so that 2.675 rounds like the 2.675 people see, not like
    # the binary float 2.67499999...
    return x if isinstance(x, Decimal) else Decimal(str(x))


def _round_half_up(x: float | Decimal, decimals: int) -> Decimal:
    rounded = _decimal(x).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return rounded + 0  # `+ 0` turns -0 into 0 so we never show "-0"


_FORMAT_CACHE_SIZE = 4096  # numbers kept formatted per locale; a full cache starts again

# From 10万 up, amounts in Chinese read in 万, 亿 or 万亿 (when exact).
_WAN_FROM = Decimal(100_000)
_CHINESE_UNITS = (
    ("万亿", Decimal(10) ** 12),
    ("亿", Decimal(10) ** 8),
    ("万", Decimal(10) ** 4),
)


class Translator:
    """Messages and number/date formatting for one locale."""

    def __init__(self, locale: str, translations: gettext.NullTranslations) -> None:
        self.locale = locale
        self._translations = translations
        self._babel = Locale.parse(locale)
        self._list_babel = Locale.parse(_LIST_LOCALES.get(locale, locale))
        # A Friday run shows tens of thousands of numbers, most of them the same few
        # hundred: each is formatted once per locale, with the locale's symbols read once.
        self._symbols = str.maketrans(
            {",": str(get_group_symbol(self._babel)), ".": str(get_decimal_symbol(self._babel))}
        )
        self._plus = str(get_plus_sign_symbol(self._babel))
        self._minus = str(get_minus_sign_symbol(self._babel))
        self._numbers: dict[tuple[float | Decimal, int], str] = {}
        self._percents: dict[Decimal, str] = {}
        self._messages: dict[str, str] = {}
        self._dates: dict[Date, str] = {}

    def __repr__(self) -> str:
        return f"Translator({self.locale!r})"

    def t(self, msgid: str, /, **params: Any) -> str:
        """The translation of `msgid`, with `{name}` placeholders filled from `params`."""
        text = self._messages.get(msgid)
        if text is None:
            text = self._translations.gettext(msgid)
            if len(self._messages) >= _FORMAT_CACHE_SIZE:
                self._messages.clear()
            self._messages[msgid] = text
        if not params and "{" not in text and "}" not in text:
            return text  # nothing to fill in: most labels and button texts
        return self._format(text, params)

    def tn(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        """The plural form for `n`; `n` is also available as `{n}` unless given in `params`."""
        text = self._translations.ngettext(singular, plural, n)
        return self._format(text, {"n": n, **params})

    def _format(self, text: str, params: Mapping[str, Any]) -> str:
        try:
            return text.format_map(_Params(params, text))
        except (ValueError, IndexError, AttributeError) as exc:
            logger.warning("Cannot fill in message %r: %s", text, exc)
            return text

    def number(self, x: float | Decimal, *, max_decimals: int = 2) -> str:
        """Grouped, at most `max_decimals` decimals, no trailing zeros: 6000.0 -> "6,000"."""
        if not math.isfinite(x):
            return str(format_decimal(x, locale=self._babel))
        key = (x, max_decimals)
        shown = self._numbers.get(key)
        if shown is None:
            shown = self._number(x, max(max_decimals, 0))
            if len(self._numbers) >= _FORMAT_CACHE_SIZE:
                self._numbers.clear()
            self._numbers[key] = shown
        return shown

    def _number(self, x: float | Decimal, decimals: int) -> str:
        value = _round_half_up(x, decimals)
        if self.locale == "zh" and abs(value) >= _WAN_FROM:
            # Chinese readers count large amounts in 万 and 亿: "1,200万", "3.5亿".
            # Only when that is exact; otherwise the full figure, never a rounded one.
            for unit, size in _CHINESE_UNITS:
                scaled = value / size
                if abs(scaled) >= 1 and scaled == scaled.quantize(Decimal("0.01")):
                    return f"{self._grouped(scaled.quantize(Decimal('0.01')), 2)}{unit}"
        return self._grouped(value, decimals)

    def _grouped(self, value: Decimal, decimals: int) -> str:
        """`value` (already rounded) as the pattern "#,##0.##…" writes it in this locale."""
        text = f"{abs(value):,.{decimals}f}"
        if decimals:
            text = text.rstrip("0").rstrip(".")
        text = text.translate(self._symbols)
        return self._minus + text if value < 0 else text

    def exact(self, x: float | Decimal) -> str:
        """The full figure, grouped, whatever the locale counts large amounts in."""
        pattern = "#,##0.##########"
        return str(format_decimal(_decimal(x), format=pattern, locale=self._babel))

    def percent(self, fraction: float | Decimal) -> str:
        """Whole percent, half rounded up: 0.625 -> "63%"."""
        if not math.isfinite(fraction):
            return str(format_percent(fraction, locale=self._babel))
        whole = _round_half_up(_decimal(fraction) * 100, 0)
        shown = self._percents.get(whole)
        if shown is None:
            shown = str(format_percent(whole / 100, locale=self._babel))
            if len(self._percents) >= _FORMAT_CACHE_SIZE:
                self._percents.clear()
            self._percents[whole] = shown
        return shown

    def signed(self, x: float | Decimal, *, max_decimals: int = 2) -> str:
        """A change, always with its sign unless it rounds to zero: "+500", "-200", "0"."""
        value = _round_half_up(x, max_decimals) if math.isfinite(x) else _decimal(x)
        magnitude = self.number(abs(value), max_decimals=max_decimals)
        if value > 0:
            return self._plus + magnitude
        if value < 0:
            return self._minus + magnitude
        return magnitude

    def date(self, d: Date) -> str:
        """Month and day, as the locale writes them: "Nov 27", "11月27日".

        A datetime is shown as is; convert it to the team's timezone first.
        """
        shown = self._dates.get(d)
        if shown is None:
            shown = str(format_skeleton("MMMd", d, locale=self._babel))
            if len(self._dates) >= _FORMAT_CACHE_SIZE:
                self._dates.clear()
            self._dates[d] = shown
        return shown

    def month(self, year: int, month: int) -> str:
        """A month of a year, as the locale writes it: "November 2026", "2026年11月"."""
        return str(format_skeleton("yMMMM", Date(year, month, 1), locale=self._babel))

    def weekday(self, iso_weekday: int) -> str:
        """Short weekday name for ISO weekday 1 (Monday) .. 7 (Sunday): "Fri", "周五"."""
        if not 1 <= iso_weekday <= 7:
            raise ValueError(f"iso_weekday must be 1..7, not {iso_weekday}")
        # Babel numbers days from Monday = 0.
        return str(get_day_names("abbreviated", locale=self._babel)[iso_weekday - 1])

    def series(self, items: Sequence[str]) -> str:
        """Items side by side, as in a parenthesis or a list of dates: "a, b, c", "a、b、c"."""
        return ("、" if self.locale == "zh" else ", ").join(items)

    def list(self, items: Sequence[str]) -> str:
        """Items joined as a sentence: "a, b and c", "a、b和c", "a、b和 Bob"."""
        if not items:
            return ""
        text = str(format_list(list(items), locale=self._list_babel))
        if self.locale == "zh":
            # 和 is a word: a Latin name beside it is set off by a space, as in running text.
            text = _LATIN_AFTER_AND.sub(r"和 \1", text)
            text = _LATIN_BEFORE_AND.sub(r"\1 和", text)
        return text


_LATIN_AFTER_AND = re.compile(r"和([A-Za-z0-9@#])")
_LATIN_BEFORE_AND = re.compile(r"([A-Za-z0-9%)])和")


@functools.cache
def _translator(code: str) -> Translator:
    return Translator(code, load_translations(code))


def translator(locale: str | None) -> Translator:
    """The shared Translator for `locale` (any spelling `negotiate` understands)."""
    return _translator(negotiate(locale))
