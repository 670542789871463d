"""The terminal's platform sender: outbox rows printed as the trial shows them.

A DM or channel post is a header line (who it goes to) and the message as
terminal text. The terminal has no mentions, tabs, pictures or edits: a
mention shows the person's name, a Home is a message, a picture is saved to
a file whose path is printed, a chart nobody drew is one line of numbers, and
an update is posted again below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot import pages
from bot.console.render import render_view
from bot.delivery import Bucket, Outgoing, chat_parts
from handlers.views import (
    Block,
    Chart,
    Home,
    Image,
    Message,
    Page,
    Text,
    from_json,
    move_text,
    plain,
    to_json,
)

PLATFORM = "console"


def for_terminal(view: Message | Home) -> Message:
    """The message the terminal can show: names for mentions, pictures and charts as text."""
    message = Message(summary=view.summary, blocks=view.blocks) if isinstance(view, Home) else view
    blocks: list[Block] = []
    for block in message.blocks:
        if isinstance(block, Image):
            blocks.append(Text(f"🖼 {block.alt}"))
        elif isinstance(block, Chart):
            blocks.append(Text(chart_line(block)))
        else:
            blocks.append(block)
    shown = Message(summary=message.summary, blocks=tuple(blocks), in_channel=message.in_channel)
    result = from_json(_strings(to_json(shown), plain))
    assert isinstance(result, Message)
    return result


def chart_line(chart: Chart) -> str:
    """`📈 Title — Series: 3 → 5 → 8; Other: …`, for a chart the terminal cannot draw."""
    parts = [
        f"{series.label}: {' → '.join(_number(value) for _, value in series.points)}"
        for series in chart.series
        if series.points
    ] + [f"{move.label}: {move_text(move)}" for move in chart.moves]
    return f"📈 {chart.title} — {'; '.join(parts)}" if parts else f"📈 {chart.title}"


def _number(value: float) -> str:
    return f"{value:g}"


def save_images(view: Message | Home, *, image_dir: Path, key: str) -> list[Path]:
    """Write the message's pictures (and each page as a PDF) into `image_dir`, named after
    the delivery; their paths."""
    paths: list[Path] = []
    for block in view.blocks:
        if isinstance(block, Image) and block.data:
            filename, data = block.filename, block.data
        elif isinstance(block, Page):
            filename, data = pages.pdf_name(block), pages.draw(block, fmt="pdf")
        else:
            continue
        image_dir.mkdir(parents=True, exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_." else "-" for c in f"{key}-{filename}")
        path = image_dir / name.strip("-")
        path.write_bytes(data)
        paths.append(path)
    return paths


def _strings(data: Any, change: Callable[[str], str]) -> Any:
    """Every string of a to_json structure through `change`, except the type names."""
    if isinstance(data, str):
        return change(data)
    if isinstance(data, list):
        return [_strings(item, change) for item in data]
    if isinstance(data, dict):
        return {k: v if k == "type" else _strings(v, change) for k, v in data.items()}
    return data


class ConsoleSender:
    """Prints each outbox row to the terminal; `label` names the recipient for the header."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        write: Callable[[str], None],
        label: Callable[[Outgoing], str],
        shown: Callable[[Outgoing, Message], None] | None = None,
        width: int = 78,
        color: bool = False,
        image_dir: Path | None = None,
    ) -> None:
        self.write = write
        self.label = label
        self.shown = shown
        self.width = width
        self.color = color
        self.image_dir = image_dir

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        return ()  # a terminal has no rate limit

    def send(self, item: Outgoing) -> str:
        _, shown = chat_parts(item)
        message = for_terminal(shown)
        header = f"── {self.label(item)} ──"
        self.write("")
        self.write(f"\x1b[36m{header}\x1b[0m" if self.color else header)
        self.write(render_view(message, width=self.width, color=self.color))
        if self.image_dir is not None:
            # A path is printed whole, never wrapped, so it can be copied.
            for path in save_images(shown, image_dir=self.image_dir, key=item.key):
                self.write(f"🖼 {path}")
        if self.shown is not None:
            self.shown(item, message)
        return f"console:{item.key}"

    def update(self, item: Outgoing) -> str:
        # A terminal cannot change what it printed: the new version follows below.
        return self.send(item)
