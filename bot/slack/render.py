"""Neutral views as Block Kit: the only code that writes Slack's message and view JSON.

Every payload is built with slack_sdk's block models and validated by them
(`to_dict()` runs their checks), and is cut to Slack's limits first so that
Slack never refuses a long digest: texts are split across sections, fields
grouped by ten, blocks past the limit summarised in one closing line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from handlers import views as v

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
TEXT_CHARS = 3000
FIELD_CHARS = 2000
HEADER_CHARS = 150
FIELDS_PER_SECTION = 10
BUTTONS_PER_BLOCK = 25
TITLE_CHARS = 24
BUTTON_CHARS = 75
VALUE_CHARS = 2000
PLACEHOLDER_CHARS = 150
FALLBACK_CHARS = 3000
OPTIONS = 100
BAR_CELLS = 10

# Input values come back under the block id (the input's name) and this action id.
INPUT_ACTION = "value"
# A repeated action ("Done" on five tasks) gets "~N" so action ids stay unique in a block.
ACTION_SUFFIX = "~"
# The button that opens a form a command produced where no modal could be opened.
OPEN_FORM_ACTION = "okrbot.form"


# --- text --------------------------------------------------------------------


def escape(text: str) -> str:
    """Text for a mrkdwn field: Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """A view text as mrkdwn: escaped, with each mention a real `<@U…>` mention."""
    out: list[str] = []
    for part in v.split_mentions(text):
        if isinstance(part, v.Mention):
            out.append(f"<@{part.user_id}>" if _USER_ID.match(part.user_id) else escape(part.name))
        else:
            out.append(escape(part))
    return "".join(out)


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


_PARTIAL_ESCAPE = re.compile(r"&[a-z]*$")


def fallback(summary: str) -> str:
    """A message's `text`: its summary escaped, within Slack's limit, never empty."""
    text = escape(v.plain(summary))
    if len(text) > FALLBACK_CHARS:
        # Never end on half an escape ("&am").
        text = _PARTIAL_ESCAPE.sub("", text[: FALLBACK_CHARS - 1]) + "…"
    return text if text.strip() else " "


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_text(text: str, limit: int) -> str:
    """A plain_text field: mentions as names, never empty, within `limit`."""
    return cut(v.plain(text).strip() or "·", limit)


def chunks(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, broken at line ends where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        at = rest.rfind("\n", 0, limit)
        if at <= 0:
            at = rest.rfind(" ", 0, limit)
        if at <= 0:
            at = limit
        pieces.append(rest[:at])
        rest = rest[at:].lstrip("\n")
    pieces.append(rest)
    return [piece for piece in pieces if piece.strip()] or [""]


def percent(fraction: float) -> str:
    whole = (Decimal(str(fraction)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole + 0}%"


def bar(fraction: float | None) -> str:
    """A progress bar as text: ten cells, never full until reached, never empty once moved."""
    if fraction is None:
        return "·" * BAR_CELLS
    clipped = min(max(fraction, 0.0), 1.0)
    cells = int(Decimal(str(clipped * BAR_CELLS)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if 0 < clipped < 1:
        cells = min(max(cells, 1), BAR_CELLS - 1)
    return "█" * cells + "░" * (BAR_CELLS - cells)


def progress_line(item: v.Progress) -> str:
    shown = "—" if item.fraction is None else percent(item.fraction)
    line = f"`{bar(item.fraction)}` *{shown}*  {mrkdwn(item.label)}"
    return line + (f"\n      _{mrkdwn(item.caption)}_" if item.caption else "")


# --- blocks ------------------------------------------------------------------


def _section_texts(text: str) -> Iterator[Block]:
    for piece in chunks(mrkdwn(text), TEXT_CHARS):
        yield SectionBlock(text=MarkdownTextObject(text=piece or " "))


def _blocks(block: v.Block, images: Mapping[str, str]) -> Iterator[Block]:
    match block:
        case v.Header(text=text):
            yield HeaderBlock(text=PlainTextObject(text=plain_text(text, HEADER_CHARS)))
        case v.Text(text=text):
            yield from _section_texts(text)
        case v.Context(text=text):
            for piece in chunks(mrkdwn(text), TEXT_CHARS):
                yield ContextBlock(elements=[MarkdownTextObject(text=piece or " ")])
        case v.Divider():
            yield DividerBlock()
        case v.Fields(items=items):
            cells = [
                MarkdownTextObject(text=cut(f"*{mrkdwn(label)}*\n{mrkdwn(value)}", FIELD_CHARS))
                for label, value in items
            ]
            for start in range(0, len(cells), FIELDS_PER_SECTION):
                yield SectionBlock(fields=cells[start : start + FIELDS_PER_SECTION])
        case v.Progress():
            yield from _section_texts_raw(progress_line(block))
        case v.Actions(buttons=buttons):
            yield from _actions(buttons)
        case v.Image(filename=filename, alt=alt):
            file_id = images.get(filename)
            if file_id:
                yield ImageBlock(slack_file={"id": file_id}, alt_text=cut(alt or filename, 2000))
            else:
                # Uploaded beside the message by the sender, which has the bytes.
                yield ContextBlock(
                    elements=[MarkdownTextObject(text=cut(f"📈 {escape(alt)}", 300))]
                )
        case v.Chart():
            yield from _chart_summary(block)
        case v.Link(label=label, url=url):
            # A link's address is ours (an https page); `|` and `>` would end it early.
            target = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
            text = cut(f"<{target}|{escape(label)}>", TEXT_CHARS)
            yield ContextBlock(elements=[MarkdownTextObject(text=text)])
        case v.Spreadsheet(filename=filename, title=title) | v.File(filename=filename, title=title):
            # The file itself is uploaded beside the message.
            yield ContextBlock(
                elements=[MarkdownTextObject(text=cut(f"📎 {escape(title or filename)}", 300))]
            )
        case v.Page():
            # The same content is the message's text; its picture is uploaded beside it.
            return
        case _:
            raise TypeError(f"not a view block: {block!r}")


def _section_texts_raw(text: str) -> Iterator[Block]:
    for piece in chunks(text, TEXT_CHARS):
        yield SectionBlock(text=MarkdownTextObject(text=piece or " "))


def _chart_summary(chart: v.Chart) -> Iterator[Block]:
    """A chart not drawn into an image: its title and each series' latest point."""
    lines = [f"📈 *{escape(chart.title)}*"]
    for series in chart.series:
        if series.points:
            x, y = series.points[-1]
            lines.append(f"• {escape(series.label)}: {y:g} ({escape(x)})")
    lines.extend(f"• {escape(move.label)}: {escape(v.move_text(move))}" for move in chart.moves)
    yield from _section_texts_raw("\n".join(lines))


def button_element(button: v.Button, action_id: str) -> ButtonElement:
    style = None if button.style == v.ButtonStyle.DEFAULT else str(button.style)
    return ButtonElement(
        text=PlainTextObject(text=plain_text(button.label, BUTTON_CHARS)),
        action_id=action_id,
        value=button.value[:VALUE_CHARS] or None,
        style=style,
    )


def _actions(buttons: Sequence[v.Button]) -> Iterator[Block]:
    for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
        group = buttons[start : start + BUTTONS_PER_BLOCK]
        seen: dict[str, int] = {}
        elements = []
        for button in group:
            count = seen.get(button.action, 0)
            seen[button.action] = count + 1
            action_id = button.action if count == 0 else f"{button.action}{ACTION_SUFFIX}{count}"
            elements.append(button_element(button, action_id))
        yield ActionsBlock(elements=elements)


def action_name(action_id: str) -> str:
    """Our action for a rendered button's action id (the uniqueness suffix removed)."""
    return action_id.split(ACTION_SUFFIX, 1)[0]


def _grouped(blocks: Iterable[v.Block]) -> Iterator[v.Block | list[v.Progress]]:
    """Consecutive progress bars travel in one section, so a long list spends few blocks."""
    run: list[v.Progress] = []
    for block in blocks:
        if isinstance(block, v.Progress):
            run.append(block)
            continue
        if run:
            yield run
            run = []
        yield block
    if run:
        yield run


def blocks_for(
    blocks: Sequence[v.Block], *, limit: int, images: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Block Kit for view blocks, at most `limit` of them; the rest summarised in one line."""
    out: list[Block] = []
    for item in _grouped(blocks):
        if isinstance(item, list):
            out.extend(_section_texts_raw("\n".join(progress_line(p) for p in item)))
        else:
            out.extend(_blocks(item, images or {}))
    if len(out) > limit:
        dropped = len(out) - (limit - 1)
        # Buttons matter more than the middle of a long list: keep the last actions block.
        tail = [b for b in out[limit - 1 :] if isinstance(b, ActionsBlock)][-1:]
        kept = out[: limit - 1 - len(tail)]
        dropped = len(out) - len(kept) - len(tail)
        note = ContextBlock(elements=[MarkdownTextObject(text=f"… {dropped} more not shown here.")])
        out = [*kept, note, *tail]
    return [block.to_dict() for block in out]


# --- messages, modals, Home --------------------------------------------------


def message(msg: v.Message, *, images: Mapping[str, str] | None = None) -> dict[str, Any]:
    """chat.postMessage / chat.update / response_url arguments: fallback text and blocks.

    The fallback text (notifications, screen readers, clients without blocks) is
    mrkdwn too, so it is escaped as the blocks' text is: a typed `<!channel>` never
    pings. People are named there (a notification needs no second mention).
    """
    text = fallback(msg.summary)
    blocks = blocks_for(msg.blocks, limit=MESSAGE_BLOCKS, images=images)
    if not blocks:
        blocks = blocks_for((v.Text(msg.summary),), limit=MESSAGE_BLOCKS)
    return {"text": text, "blocks": blocks}


def home(view: v.Home | v.Message) -> dict[str, Any]:
    """The App Home tab for views.publish."""
    blocks = blocks_for(view.blocks or (v.Text(view.summary),), limit=VIEW_BLOCKS)
    return View(type="home", blocks=blocks).to_dict()


def modal(form: v.Form, *, channel_id: str | None = None) -> dict[str, Any]:
    """A form as a modal for views.open. The form's id, context and the channel it was
    opened from travel in callback_id and private_metadata and come back on submit."""
    inputs = [_input_block(field) for field in form.inputs]
    if len(inputs) > VIEW_BLOCKS:
        raise ValueError(f"a form of {len(inputs)} inputs cannot be a modal")
    metadata = json.dumps({"c": form.context, "ch": channel_id}, ensure_ascii=False)
    if len(metadata) > 3000:
        raise ValueError("the form's context is too long to travel with the modal")
    return View(
        type="modal",
        callback_id=form.form_id,
        title=PlainTextObject(text=plain_text(form.title, TITLE_CHARS)),
        submit=PlainTextObject(text=plain_text(form.submit_label, TITLE_CHARS)),
        blocks=inputs,
        private_metadata=metadata,
    ).to_dict()


def modal_metadata(raw: str) -> tuple[str, str | None]:
    """The form context and channel id `modal` put into private_metadata."""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return "", None
    if not isinstance(data, dict):
        return "", None
    context, channel = data.get("c"), data.get("ch")
    return (
        context if isinstance(context, str) else "",
        channel if isinstance(channel, str) else None,
    )


def _input_block(field: v.Input) -> InputBlock:
    element: Any
    placeholder = (
        PlainTextObject(text=cut(field.placeholder, PLACEHOLDER_CHARS))
        if field.placeholder
        else None
    )
    match field.kind:
        case v.InputKind.TEXT | v.InputKind.MULTILINE:
            element = PlainTextInputElement(
                action_id=INPUT_ACTION,
                multiline=field.kind == v.InputKind.MULTILINE,
                initial_value=field.initial or None,
                placeholder=placeholder,
            )
        case v.InputKind.NUMBER:
            element = NumberInputElement(
                action_id=INPUT_ACTION,
                is_decimal_allowed=True,
                initial_value=field.initial or None,
                placeholder=placeholder,
            )
        case v.InputKind.SELECT:
            options = [
                Option(text=PlainTextObject(text=plain_text(o.label, 75)), value=o.value[:150])
                for o in field.options[:OPTIONS]
            ]
            initial = next((o for o in options if o.value == field.initial), None)
            element = StaticSelectElement(
                action_id=INPUT_ACTION,
                options=options,
                initial_option=initial,
                placeholder=placeholder,
            )
        case v.InputKind.USER:
            element = UserSelectElement(
                action_id=INPUT_ACTION, initial_user=field.initial or None, placeholder=placeholder
            )
        case v.InputKind.USERS:
            element = UserMultiSelectElement(
                action_id=INPUT_ACTION,
                initial_users=[u for u in (field.initial or "").split(",") if u] or None,
                placeholder=placeholder,
            )
        case v.InputKind.DATE:
            element = DatePickerElement(
                action_id=INPUT_ACTION, initial_date=field.initial or None, placeholder=placeholder
            )
        case _:
            raise TypeError(f"not an input kind: {field.kind!r}")
    return InputBlock(
        block_id=field.name,
        label=PlainTextObject(text=plain_text(field.label, 2000)),
        element=element,
        optional=not field.required,
        hint=PlainTextObject(text=cut(field.hint, 2000)) if field.hint else None,
    )


def form_errors(errors: v.FormErrors, form_inputs: Iterable[str] = ()) -> dict[str, Any]:
    """The view_submission answer that shows each error beside its input.

    An error for a name the modal has no block for goes on the first input, so it is seen.
    """
    names = list(form_inputs)
    shown: dict[str, str] = {}
    for name, text in errors.errors:
        block = name if not names or name in names else names[0]
        shown[block] = cut((shown[block] + " " if block in shown else "") + v.plain(text), 2000)
    return {"response_action": "errors", "errors": shown}


def form_as_message(form: v.Form, command_text: str) -> v.Message:
    """A form produced where no modal can open (a mention, a DM): a button that opens it.

    Pressing it runs the command again, this time with a trigger id for the modal."""
    return v.Message(
        summary=form.title,
        blocks=(
            v.Text(form.title),
            v.Actions(
                (
                    v.Button(
                        f"{form.submit_label}…",
                        OPEN_FORM_ACTION,
                        command_text[:VALUE_CHARS],
                        v.ButtonStyle.PRIMARY,
                    ),
                )
            ),
        ),
    )
