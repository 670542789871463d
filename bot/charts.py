"""Draw the product's charts: views.Chart (data) becomes a views.Image (a PNG).

Headless (matplotlib's Agg backend), with a CJK font so Chinese KR titles and
names render as glyphs, not boxes. The outbox sender and the terminal trial
call `prepare` on a message before a platform sends it.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from pathlib import Path
from typing import TypeVar

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, ever

from matplotlib import font_manager
from matplotlib.figure import Figure

from bot.delivery import Outgoing
from handlers.views import Block, Chart, Home, Image, Message, ProgressNote

log = logging.getLogger(__name__)

# Pixels: 1000 × 560 at 100 dpi, wide enough for a quarter's 13 weeks.
WIDTH_IN, HEIGHT_IN, DPI = 10.0, 5.6, 100

# Fonts with CJK glyphs, first found wins: Debian's fonts-wqy-microhei (what
# .ci/run installs), then the Noto CJK and WenQuanYi families elsewhere.
CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
CJK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK JP")


def cjk_font_family() -> str | None:
    """The family name of an installed CJK font, registering it with matplotlib."""
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    return None


def draw(chart: Chart) -> Image:
    """The chart as a PNG of WIDTH_IN × HEIGHT_IN inches at DPI."""
    family = cjk_font_family()
    if family is None:
        log.warning("no CJK font found: Chinese text in charts will show as boxes")
    fonts = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": fonts}):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        axes = figure.add_subplot()
        for series in chart.series:
            xs = [x for x, _ in series.points]
            ys = [y for _, y in series.points]
            axes.plot(xs, ys, marker="o", label=series.label)
        axes.set_title(chart.title)
        axes.set_ylabel(chart.y_label)
        axes.grid(True, alpha=0.3)
        if chart.series:
            axes.legend(loc="upper left", fontsize="small")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    return Image(filename=chart.filename, alt=chart.title, data=buffer.getvalue())


V = TypeVar("V", bound=Message | Home)


def prepare_outgoing(item: Outgoing) -> Outgoing:
    """The outbox sender's hook: the row's charts drawn before the platform sends it."""
    if isinstance(item.message, ProgressNote):
        return item
    prepared = prepare(item.message)
    return item if prepared is item.message else dataclasses.replace(item, message=prepared)


def prepare(view: V) -> V:
    """The view with every Chart block drawn as an Image block."""
    if not any(isinstance(block, Chart) for block in view.blocks):
        return view
    blocks: tuple[Block, ...] = tuple(
        draw(block) if isinstance(block, Chart) else block for block in view.blocks
    )
    return dataclasses.replace(view, blocks=blocks)
