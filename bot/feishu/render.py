"""Neutral views as Feishu interactive cards (card JSON 2.0).

The only code that writes card JSON. Text from the product is plain, so it is
escaped before it goes into a markdown element; mentions become `<at>` tags.
Buttons carry our own action and value back in `behaviors[].value`; a form's
submit button carries the form id, its context and the input names, because
Feishu component names are restricted and ours ("value:KR12") are not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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
    Mention,
    Message,
    Page,
    Progress,
    Spreadsheet,
    Text,
    move_text,
    plain,
    split_mentions,
)

BAR_CELLS = 10
FORM_NAME = "okr_form"
SUBMIT_NAME = "okr_submit"

_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "*": "&#42;",
    "_": "&#95;",
    "~": "&#126;",
    "`": "&#96;",
    "[": "&#91;",
    "]": "&#93;",
    "#": "&#35;",
}
_ID_JUNK = re.compile(r"[^A-Za-z0-9_-]")  # open ids are ou_ and hex; nothing else gets into a tag
_BUTTON_TYPES = {
    ButtonStyle.DEFAULT: "default",
    ButtonStyle.PRIMARY: "primary",
    ButtonStyle.DANGER: "danger",
}


def escape(text: str) -> str:
    """Plain text made safe for a card markdown element."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def markdown(text: str) -> str:
    """A product text (plain, with mention tokens) as card markdown."""
    out: list[str] = []
    for part in split_mentions(text):
        if isinstance(part, Mention):
            out.append(f"<at id={_ID_JUNK.sub('', part.user_id)}></at>")
        else:
            out.append(escape(part))
    return "".join(out)


def _plain_text(text: str) -> dict[str, str]:
    return {"tag": "plain_text", "content": plain(text)}


def _md(content: str, **extra: Any) -> dict[str, Any]:
    return {"tag": "markdown", "content": content, **extra}


def percent(fraction: float) -> str:
    whole = (Decimal(str(fraction)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole + 0}%"


def bar(fraction: float | None) -> str:
    if fraction is None:
        return "░" * BAR_CELLS
    clipped = min(max(fraction, 0.0), 1.0)
    cells = int(Decimal(str(clipped * BAR_CELLS)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if 0 < clipped < 1:  # full means reached, empty means nothing moved
        cells = min(max(cells, 1), BAR_CELLS - 1)
    return "█" * cells + "░" * (BAR_CELLS - cells)


def _button(button: Button, shared: bool) -> dict[str, Any]:
    value: dict[str, Any] = {"action": button.action, "value": button.value}
    if shared:
        value["shared"] = True
    return {
        "tag": "button",
        "text": _plain_text(button.label),
        "type": _BUTTON_TYPES[button.style],
        "behaviors": [{"type": "callback", "value": value}],
    }


def _row(elements: list[dict[str, Any]]) -> dict[str, Any]:
    """Elements side by side, wrapping on a narrow screen."""
    return {
        "tag": "column_set",
        "flex_mode": "flow",
        "horizontal_spacing": "8px",
        "columns": [
            {"tag": "column", "width": "auto", "elements": [element]} for element in elements
        ],
    }


def _fields(block: Fields) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    items = list(block.items)
    for start in range(0, len(items), 2):
        pair = items[start : start + 2]
        rows.append(
            {
                "tag": "column_set",
                "flex_mode": "bisect",
                "columns": [
                    {
                        "tag": "column",
                        "width": "weighted",
                        "weight": 1,
                        "elements": [_md(f"**{markdown(label)}**\n{markdown(value)}")],
                    }
                    for label, value in pair
                ],
            }
        )
    return rows


def _progress(block: Progress) -> dict[str, Any]:
    shown = "—" if block.fraction is None else percent(block.fraction)
    line = f"**{markdown(block.label)}**\n`{bar(block.fraction)}` {shown}"
    if block.caption:
        line += f"  {markdown(block.caption)}"
    return _md(line)


def _chart(block: Chart) -> dict[str, Any]:
    # Drawn as a PNG by the bot before sending when it can be; this is the text fallback.
    lines = [f"**{markdown(block.title)}**"]
    for series in block.series:
        points = " → ".join(f"{markdown(x)} {y:g}" for x, y in series.points)
        lines.append(f"{markdown(series.label)}: {points}")
    lines.extend(f"{markdown(move.label)}: {markdown(move_text(move))}" for move in block.moves)
    return _md("\n".join(lines))


def _block(block: Block, image_keys: Mapping[str, str], shared: bool) -> list[dict[str, Any]]:
    match block:
        case Header(text=text):
            return [_md(f"**{markdown(text)}**", text_size="heading")]
        case Text(text=text):
            return [_md(markdown(text))]
        case Fields():
            return _fields(block)
        case Progress():
            return [_progress(block)]
        case Divider():
            return [{"tag": "hr"}]
        case Context(text=text):
            return [_md(markdown(text), text_size="notation")]
        case Actions(buttons=buttons):
            return [_row([_button(button, shared) for button in buttons])] if buttons else []
        case Image(filename=filename, alt=alt):
            key = image_keys.get(filename)
            if key is None:
                return [_md(escape(alt))]
            return [{"tag": "img", "img_key": key, "alt": _plain_text(alt)}]
        case Link(label=label, url=url):
            target = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
            return [_md(f"[{markdown(label)}]({target})", text_size="notation")]
        case Chart():
            key = image_keys.get(block.filename)
            if key is not None:
                return [{"tag": "img", "img_key": key, "alt": _plain_text(block.title)}]
            return [_chart(block)]
        case Spreadsheet(filename=filename, title=title) | File(filename=filename, title=title):
            # The file itself follows the card as a file message.
            return [_md(escape(f"📎 {title or filename}"), text_size="notation")]
        case Page():
            # The same content is the card's text; its picture, when drawn, is an Image beside it.
            return []
    raise TypeError(f"cannot render {block!r}")


def _card(
    summary: str, title: str | None, elements: list[dict[str, Any]], template: str = "blue"
) -> dict[str, Any]:
    card: dict[str, Any] = {
        "schema": "2.0",
        "config": {"update_multi": True, "summary": {"content": plain(summary)[:120]}},
    }
    if title:
        card["header"] = {"title": _plain_text(title), "template": template}
    card["body"] = {"elements": elements}
    return card


def render_message(
    view: Message | Home, *, image_keys: Mapping[str, str] | None = None, shared: bool = False
) -> dict[str, Any]:
    """A message or home as a card; a leading Header becomes the card's header.

    A `shared` card is one a whole group sees: its buttons say so, because the
    card a callback answers with replaces the clicked card for everyone, and a
    personal answer (a form, my plan) must then go to the presser alone.
    """
    keys = image_keys or {}
    blocks = list(view.blocks)
    title: str | None = None
    if blocks and isinstance(blocks[0], Header):
        title = blocks.pop(0).text  # type: ignore[union-attr]  # checked just above
    elements = [element for block in blocks for element in _block(block, keys, shared)]
    if not elements and title is None:
        elements = [_md(markdown(view.summary))]
    return _card(view.summary, title, elements)


def _input(field: Input, name: str) -> list[dict[str, Any]]:
    label = field.label + (" *" if field.required else "")
    common: dict[str, Any] = {"name": name, "required": field.required}
    if field.placeholder:
        common["placeholder"] = _plain_text(field.placeholder)
    elements: list[dict[str, Any]] = []
    if field.kind in (InputKind.TEXT, InputKind.MULTILINE, InputKind.NUMBER):
        element: dict[str, Any] = {
            "tag": "input",
            **common,
            "label": _plain_text(label),
            "label_position": "top",
        }
        if field.kind is InputKind.MULTILINE:
            element["input_type"] = "multiline_text"
            element["rows"] = 3
        if field.initial is not None:
            element["default_value"] = field.initial
        elements.append(element)
    else:
        elements.append(_md(f"**{markdown(label)}**"))
        if field.kind is InputKind.SELECT:
            element = {
                "tag": "select_static",
                **common,
                "options": [
                    {"text": _plain_text(option.label), "value": option.value}
                    for option in field.options
                ],
            }
            if field.initial is not None:
                element["initial_option"] = field.initial
        elif field.kind is InputKind.USER:
            element = {"tag": "select_person", **common}
            if field.initial:
                element["initial_option"] = field.initial
        elif field.kind is InputKind.USERS:
            element = {"tag": "multi_select_person", **common}
            if field.initial:
                element["selected_values"] = [v for v in field.initial.split(",") if v]
        elif field.kind is InputKind.DATE:
            element = {"tag": "date_picker", **common}
            if field.initial:
                element["initial_date"] = field.initial
        else:
            raise TypeError(f"cannot render input kind {field.kind!r}")
        elements.append(element)
    if field.hint:
        elements.append(_md(markdown(field.hint), text_size="notation"))
    return elements


def render_form(form: Form, errors: FormErrors | None = None) -> dict[str, Any]:
    """A form as a card with one form container; its errors, if any, above the inputs."""
    names = [f"f{index}" for index in range(len(form.inputs))]
    elements: list[dict[str, Any]] = []
    if errors is not None and errors.errors:
        labels = {field.name: field.label for field in form.inputs}
        lines = [
            f"<font color='red'>{markdown(labels.get(name, name))}: {markdown(text)}</font>"
            for name, text in errors.errors
        ]
        elements.append(_md("\n".join(lines)))
    for field, name in zip(form.inputs, names, strict=True):
        elements.extend(_input(field, name))
    elements.append(
        {
            "tag": "button",
            "name": SUBMIT_NAME,
            "text": _plain_text(form.submit_label),
            "type": "primary",
            "form_action_type": "submit",
            "behaviors": [
                {
                    "type": "callback",
                    "value": {
                        "form": form.form_id,
                        "context": form.context,
                        "names": [field.name for field in form.inputs],
                    },
                }
            ],
        }
    )
    container = {"tag": "form", "name": FORM_NAME, "elements": elements}
    return _card(form.title, form.title, [container], template="indigo")


def render(
    view: Message | Home | Form,
    *,
    image_keys: Mapping[str, str] | None = None,
    shared: bool = False,
) -> dict[str, Any]:
    if isinstance(view, Form):
        return render_form(view)
    return render_message(view, image_keys=image_keys, shared=shared)


def text_content(text: str) -> dict[str, str]:
    """A plain text message's content, mentions as Feishu's `<at>` tags."""
    out: list[str] = []
    for part in split_mentions(text):
        if isinstance(part, Mention):
            out.append(f'<at user_id="{part.user_id}">{part.name}</at>')
        else:
            out.append(part)
    return {"text": "".join(out)}
