"""Draw the product's pages: a views.Page (a review pack as data) becomes one A4 page.

As a PNG for chat (every platform shows a picture) and as a PDF to print or
file. Headless (matplotlib's Agg backend) with the CJK font the charts ship
(`bot.charts.font_family`), so Chinese titles and names are glyphs, not boxes;
what no font has a glyph for (emoji) is left out. Long lines are wrapped by how
wide they are drawn (a CJK character is two columns); a page with more than
fits is drawn in a smaller type rather than cut.
"""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
from typing import TypeVar

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, ever

from matplotlib.figure import Figure

from bot import charts
from bot.delivery import Outgoing
from handlers.views import Block, Home, Image, Message, Page, ProgressNote

# A4 portrait, at a resolution a phone can zoom into.
WIDTH_IN, HEIGHT_IN, DPI = 8.27, 11.69, 110
MARGIN_IN = 0.6
# Type sizes in points, and the smallest the body may shrink to.
TITLE_PT, HEADING_PT, BODY_PT, SMALLEST_PT = 16.0, 11.0, 9.0, 5.5
LINE_SPACING = 1.35
HEADING_COLOUR, BODY_COLOUR = "#1f4e79", "#222222"


def columns(text: str) -> int:
    """How many columns `text` takes: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """`text` cut into lines of at most `width` columns, at spaces where there are any."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in _words(paragraph):
            candidate = line + word
            if line and columns(candidate.rstrip()) > width:
                lines.append(line.rstrip())
                line = word.lstrip()
            else:
                line = candidate
            while columns(line) > width:  # one word longer than a line: cut it
                cut = _fit(line, width)
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


def _words(text: str) -> list[str]:
    """Words with the spaces after them; each CJK character is a word of its own."""
    words: list[str] = []
    current = ""
    for char in text:
        if unicodedata.east_asian_width(char) in "WF":
            if current:
                words.append(current)
                current = ""
            words.append(char)
        elif char == " ":
            words.append(current + char)
            current = ""
        else:
            current += char
    if current:
        words.append(current)
    return words


def _fit(text: str, width: int) -> int:
    used = 0
    for index, char in enumerate(text):
        used += columns(char)
        if used > width:
            return max(index, 1)
    return len(text)


def drawable(text: str) -> str:
    """`text` without what the fonts cannot draw (emoji), `$` kept literal, indent kept."""
    known = charts.drawable()
    kept = "".join(c for c in text if c.isspace() or ord(c) in known)
    # What was left out leaves no double space behind (a leading indent stays).
    kept = re.sub(r"(?<=\S) {2,}", " ", kept)
    # Two dollar signs would start matplotlib's maths mode.
    return kept.replace("$", r"\$")


def _layout(page: Page, body_pt: float) -> list[tuple[str, float, bool]]:
    """(text, size in points, bold) for every line of the page at this body size."""
    usable_in = WIDTH_IN - 2 * MARGIN_IN
    # An average Latin glyph is about half an em wide.
    width = int(usable_in * 72 / (body_pt * 0.52))
    lines: list[tuple[str, float, bool]] = [(page.title, TITLE_PT, True)]
    if page.subtitle:
        lines.extend((text, body_pt, False) for text in wrap(page.subtitle, width))
    for section in page.sections:
        lines.append(("", body_pt * 0.6, False))
        lines.append((section.title, max(HEADING_PT * body_pt / BODY_PT, body_pt), True))
        for line in section.lines:
            wrapped = wrap(line, width - 2)
            lines.append(("• " + wrapped[0], body_pt, False))
            lines.extend(("  " + rest, body_pt, False) for rest in wrapped[1:])
    return lines


def _height_in(lines: list[tuple[str, float, bool]]) -> float:
    return sum(size * LINE_SPACING / 72 for _, size, _ in lines)


def draw(page: Page, *, fmt: str = "png") -> bytes:
    """The page as one A4 sheet: "png" or "pdf" bytes."""
    fonts = [charts.font_family(), "DejaVu Sans"]
    usable = HEIGHT_IN - 2 * MARGIN_IN
    body = BODY_PT
    lines = _layout(page, body)
    while _height_in(lines) > usable and body > SMALLEST_PT:
        body = max(SMALLEST_PT, body - 0.5)
        lines = _layout(page, body)
    with matplotlib.rc_context({"font.family": fonts, "pdf.fonttype": 42}):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        y = HEIGHT_IN - MARGIN_IN
        for text, size, bold in lines:
            y -= size * LINE_SPACING / 72
            if y < MARGIN_IN / 2:
                break  # the smallest type still did not fit: the rest is in the message
            if text:
                figure.text(
                    MARGIN_IN / WIDTH_IN,
                    y / HEIGHT_IN,
                    drawable(text),
                    fontsize=size,
                    # Headings in colour rather than bold: CJK fonts often have no bold face.
                    color=HEADING_COLOUR if bold else BODY_COLOUR,
                    va="baseline",
                )
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=DPI)
    return buffer.getvalue()


def picture(page: Page) -> Image:
    """The page as the PNG a platform shows."""
    return Image(filename=page.filename, alt=page.title, data=draw(page, fmt="png"))


def pdf_name(page: Page) -> str:
    """The PDF's file name beside the picture's: review-pack.png -> review-pack.pdf."""
    stem = page.filename.rsplit(".", 1)[0] if "." in page.filename else page.filename
    return f"{stem}.pdf"


V = TypeVar("V", bound=Message | Home)


def prepare(view: V) -> V:
    """The view with its charts drawn (see `bot.charts`) and a picture before each Page.

    The Page stays, so a platform that files documents (the terminal saves a PDF)
    can print it too; the renderers show nothing for it beside its picture.
    """
    view = charts.prepare(view)
    if not any(isinstance(block, Page) for block in view.blocks):
        return view
    blocks: list[Block] = []
    for block in view.blocks:
        if isinstance(block, Page):
            blocks.append(picture(block))
        blocks.append(block)
    return dataclasses.replace(view, blocks=tuple(blocks))


def prepare_outgoing(item: Outgoing) -> Outgoing:
    """The outbox sender's hook: the row's charts and pages drawn before the platform sends it."""
    if isinstance(item.message, ProgressNote):
        return item
    prepared = prepare(item.message)
    return item if prepared is item.message else dataclasses.replace(item, message=prepared)
