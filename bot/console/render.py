"""Neutral views as plain terminal text, for the console adapter.

Buttons are numbered in display order across the whole message so the user can
press one with `:press N` (`button_list` gives the same order), and a form ends
with a ready-to-edit `:form name=value ...` line. Wrapping counts East Asian
wide characters as two columns, as terminals draw them. Colour is opt-in so
tests and logs compare plain text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from handlers.views import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Chart,
    Context,
    Divider,
    Fields,
    File,
    Form,
    FormErrors,
    Header,
    Home,
    Image,
    Input,
    InputKind,
    Link,
    Message,
    Page,
    Progress,
    Spreadsheet,
    Text,
    View,
)

__all__ = [
    "BAR_CELLS",
    "button_list",
    "display_width",
    "form_command",
    "quote_value",
    "render_form",
    "render_form_errors",
    "render_message",
    "render_view",
    "wrap",
]

BAR_CELLS = 10

_BOLD, _DIM, _RED, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[0m"

# Kinsoku: closing punctuation never starts a line, opening never ends one.
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉…,.;:?!)]}%")
_NO_LINE_END = frozenset("（《「『【〔〈([{")

_WORDS = re.compile(r"\s+|\S+")


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide and fullwidth characters count 2, marks 0."""
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _tokens(text: str) -> Iterator[str]:
    """Words and spaces; each wide character on its own, since CJK breaks between any two."""
    for match in _WORDS.finditer(text):
        word = match.group()
        if word.isspace():
            yield word
            continue
        run = ""
        for char in word:
            if _char_width(char) == 2:
                if run:
                    yield run
                    run = ""
                yield char
            else:
                run += char
        if run:
            yield run


def _split_to_width(token: str, width: int) -> tuple[str, str]:
    used = 0
    for index, char in enumerate(token):
        used += _char_width(char)
        if used > width:
            return token[: max(index, 1)], token[max(index, 1) :]
    return token, ""


def wrap(text: str, width: int) -> list[str]:
    """`text` broken into lines of at most `width` columns; its own newlines are kept."""
    width = max(width, 2)
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(_wrap_paragraph(paragraph, width))
    return lines


def _wrap_paragraph(paragraph: str, width: int) -> list[str]:
    indent = paragraph[: len(paragraph) - len(paragraph.lstrip())]
    if display_width(indent) >= width // 2:
        indent = ""
    lines: list[str] = []
    current, used = indent, display_width(indent)
    for token in _tokens(paragraph.lstrip()):
        size = display_width(token)
        if token.isspace():
            if current.strip():
                current, used = current + token, used + size
            continue
        if used + size <= width:
            current, used = current + token, used + size
            continue
        if current.strip():
            current, carried = _kinsoku(current, token)
            lines.append(current.rstrip())
            current = carried
        else:
            current = ""
        token = current + token
        while display_width(token) > width:
            piece, token = _split_to_width(token, width)
            lines.append(piece)
        current, used = token, display_width(token)
    lines.append(current.rstrip())
    return lines


def _kinsoku(line: str, next_token: str) -> tuple[str, str]:
    """Split `line` so neither it ends with an opening nor the next starts with a closing mark.

    Returns the line to emit and the text carried over to the next line.
    """
    carried = ""
    body = line.rstrip()
    if next_token[0] in _NO_LINE_START and len(body) > 1 and _char_width(body[-1]) == 2:
        body, carried = body[:-1], body[-1]
    while len(body) > 1 and body[-1] in _NO_LINE_END:
        body, carried = body[:-1], body[-1] + carried
    return body, carried


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


def _percent(fraction: float) -> str:
    whole = (Decimal(str(fraction)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole + 0}%"  # `+ 0` turns -0 into 0


def _bar(fraction: float | None, *, color: bool) -> str:
    if fraction is None:
        dots = "·" * BAR_CELLS
        return f"▕{_DIM}{dots}{_RESET}▏" if color else f"▕{dots}▏"
    clipped = min(max(fraction, 0.0), 1.0)
    cells = int(Decimal(str(clipped * BAR_CELLS)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    # A full bar means reached and an empty one means nothing moved, so keep
    # 0.97 one cell short and 0.02 one cell up.
    if 0 < clipped < 1:
        cells = min(max(cells, 1), BAR_CELLS - 1)
    return "▕" + "█" * cells + "░" * (BAR_CELLS - cells) + "▏"


def _render_progress(bars: Sequence[Progress], width: int, color: bool) -> list[str]:
    """Consecutive bars, aligned with each other when they fit on one line each."""
    percents = ["—" if bar.fraction is None else _percent(bar.fraction) for bar in bars]
    label_width = max(display_width(bar.label) for bar in bars)
    percent_width = max(len(percent) for percent in percents)
    rows = []
    for bar, percent in zip(bars, percents, strict=True):
        tail = f"{_bar(bar.fraction, color=color)} {percent.rjust(percent_width)}"
        rows.append(tail + (f"  {bar.caption}" if bar.caption else ""))
    # "label ▕bar▏ pct" must fit; a caption may run past the width rather than
    # push the bars out of line.
    if label_width + 1 + (BAR_CELLS + 2) + 1 + percent_width <= width:
        return [
            _pad(bar.label, label_width) + " " + row for bar, row in zip(bars, rows, strict=True)
        ]
    lines: list[str] = []
    for bar, row in zip(bars, rows, strict=True):
        lines.extend(wrap(bar.label, width))
        lines.append("  " + row)
    return lines


def _render_fields(fields: Fields, width: int) -> list[str]:
    if not fields.items:
        return []
    column = max(display_width(label) for label, _value in fields.items) + 2
    lines: list[str] = []
    for label, value in fields.items:
        first, *rest = wrap(value, max(width - column, 10))
        lines.append((_pad(f"{label}:", column) + first).rstrip())
        lines.extend(" " * column + line for line in rest)
    return lines


def _render_actions(actions: Actions, first_number: int, width: int, color: bool) -> list[str]:
    lines: list[str] = []
    current, used = "", 0
    for number, button in enumerate(actions.buttons, start=first_number):
        plain = f"[{number}] {button.label}"
        size = display_width(plain)
        if current and used + 2 + size > width:
            lines.append(current)
            current, used = "", 0
        shown = _style_button(plain, button.style) if color else plain
        current, used = (current + "  " + shown, used + 2 + size) if current else (shown, size)
    if current:
        lines.append(current)
    return lines


def _style_button(text: str, style: ButtonStyle) -> str:
    if style is ButtonStyle.PRIMARY:
        return f"{_BOLD}{text}{_RESET}"
    if style is ButtonStyle.DANGER:
        return f"{_RED}{text}{_RESET}"
    return text


def _render_header(text: str, width: int, color: bool) -> list[str]:
    lines = wrap(text, width)
    rule = "═" * max(display_width(line) for line in lines)
    if color:
        lines = [f"{_BOLD}{line}{_RESET}" for line in lines]
    return [*lines, rule]


def _dim(lines: list[str], color: bool) -> list[str]:
    return [f"{_DIM}{line}{_RESET}" for line in lines] if color else lines


def button_list(msg: Message) -> list[Button]:
    """The message's buttons in the order `render_message` numbers them (from 1)."""
    return [
        button for block in msg.blocks if isinstance(block, Actions) for button in block.buttons
    ]


def render_message(msg: Message, *, width: int = 78, color: bool = False) -> str:
    """`msg` as terminal text at most `width` columns wide (long captions aside)."""
    if not msg.blocks:
        return "\n".join(wrap(msg.summary, width))
    chunks: list[tuple[type[Block], list[str]]] = []
    buttons_before = 0
    for kind, group in groupby(msg.blocks, key=type):
        blocks = list(group)
        if kind is Progress:
            bars = [block for block in blocks if isinstance(block, Progress)]
            chunks.append((kind, _render_progress(bars, width, color)))
            continue
        for block in blocks:
            chunks.append((kind, _render_block(block, buttons_before + 1, width, color)))
            if isinstance(block, Actions):
                buttons_before += len(block.buttons)
    out: list[str] = []
    previous: type[Block] | None = None
    for kind, lines in chunks:
        # Small print sits under its block; a header or divider is already a separator.
        if previous is not None and not (
            kind in (Context, Divider) or previous in (Header, Divider)
        ):
            out.append("")
        out.extend(lines)
        previous = kind
    return "\n".join(out)


def _render_block(block: Block, first_button: int, width: int, color: bool) -> list[str]:
    match block:
        case Header(text=text):
            return _render_header(text, width, color)
        case Text(text=text):
            return wrap(text, width)
        case Fields():
            return _render_fields(block, width)
        case Progress():
            return _render_progress([block], width, color)
        case Divider():
            return ["─" * width]
        case Context(text=text):
            return _dim(["  " + line for line in wrap(text, width - 2)], color)
        case Actions():
            return _render_actions(block, first_button, width, color)
        case Image(filename=filename, alt=alt):
            # The trial saves each picture as a file: its name is the path.
            return wrap(f"🖼  {alt}: {filename}", width)
        case Chart(title=title):
            return wrap(f"📈 {title}", width)
        case Link(label=label, url=url):
            return _dim(["  " + line for line in wrap(f"🔗 {label}: {url}", width - 2)], color)
        case File(filename=filename, title=title) | Spreadsheet(filename=filename, title=title):
            # Like pictures, the trial saves a file it is sent: its name is the path.
            return wrap(f"📎 {title}: {filename}", width)
        case Page(title=title):
            # Its content is in the message's text; the trial saves the page as files.
            return wrap(f"📄 {title}", width)
    raise TypeError(f"cannot render {block!r}")


_BARE_VALUE = re.compile(r"[^\s\"'\\]+")


def quote_value(value: str) -> str:
    """A value as written after `name=` on a `:form` line.

    Bare when it is one word, else in double quotes with `"` and `\\` escaped
    (so `shlex.split` reads it back); a newline is written as the two
    characters `\\n`, since the console reads one line.
    """
    if _BARE_VALUE.fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def form_command(form: Form, values: Mapping[str, str] | None = None) -> str:
    """The console line that submits `form`, filled with `values` or the initial values."""
    values = values or {}
    parts = [":form"]
    for field in form.inputs:
        value = values.get(field.name, field.initial if field.initial is not None else "")
        parts.append(f"{field.name}={quote_value(value)}")
    return " ".join(parts)


def _render_input(field: Input, name_width: int, width: int, color: bool) -> list[str]:
    head = f"{_pad(field.name, name_width)}  {field.label}{' *' if field.required else ''}"
    head += f"  ({field.kind.value})"
    if field.initial is not None:
        head += f" = {quote_value(field.initial)}"
    indent = " " * (name_width + 2)
    lines = wrap(head, width)
    details: list[str] = []
    if field.kind is InputKind.SELECT and field.options:
        details.append(" · ".join(f"{option.value} = {option.label}" for option in field.options))
    details.extend(text for text in (field.placeholder, field.hint) if text)
    for detail in details:
        lines.extend(_dim([indent + line for line in wrap(detail, width - len(indent))], color))
    return lines


def render_form(form: Form, *, width: int = 78, color: bool = False) -> str:
    """`form` as a list of inputs (`*` = required) and the `:form` line that submits it."""
    lines = _render_header(form.title, width, color)
    name_width = max((display_width(field.name) for field in form.inputs), default=0)
    for field in form.inputs:
        lines.extend(_render_input(field, name_width, width, color))
    lines.append("")
    submit = f"{form.submit_label}:" if form.submit_label else ""
    lines.append(f"{submit}  {form_command(form)}".strip())
    return "\n".join(lines)


def render_form_errors(errors: FormErrors, *, width: int = 78, color: bool = False) -> str:
    lines: list[str] = []
    for name, error in errors.errors:
        mark = f"{_RED}✗{_RESET}" if color else "✗"
        first, *rest = wrap(f"{name}: {error}", width - 2)
        lines.append(f"{mark} {first}")
        lines.extend(f"  {line}" for line in rest)
    return "\n".join(lines)


def render_view(view: View | FormErrors, *, width: int = 78, color: bool = False) -> str:
    """Any reply a handler returns, as terminal text."""
    match view:
        case Message():
            return render_message(view, width=width, color=color)
        case Form():
            return render_form(view, width=width, color=color)
        case Home():
            # The terminal has no home tab: a home reads as a message.
            return render_message(Message(view.summary, view.blocks), width=width, color=color)
        case FormErrors():
            return render_form_errors(view, width=width, color=color)
    raise TypeError(f"cannot render {view!r}")
