"""Draw the product's charts: a views.Chart (data) becomes views.Image blocks (PNGs).

Headless (matplotlib's Agg backend), sized to be read in a chat on a phone,
with the CJK font okrbot ships (`bot/fonts/NotoSansSC-Regular.otf`, under the
SIL Open Font License in `bot/fonts/OFL.txt`): Chinese renders as glyphs on
any machine, whatever fonts it has installed. Text is limited to characters
the fonts can draw, so drawing never warns; anything matplotlib still says
while drawing goes to the log, never to the terminal.

A trend chart (the monthly review) draws at most `MAX_SERIES` lines per
picture, its legend below the plot; a movement chart (the Friday digest)
draws one row per key result, at most `MAX_MOVES` per picture. A chart with
more becomes several pictures. The outbox sender and the terminal trial call
`prepare` on a message before a platform sends it.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import logging
import unicodedata
import warnings
from pathlib import Path
from typing import Any, TypeVar

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, ever

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D

from bot.delivery import Outgoing
from handlers.views import Block, Chart, Home, Image, Message, Move, MoveWords, ProgressNote

log = logging.getLogger(__name__)

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular.otf"
# Matplotlib's own, for the few symbols the CJK font lacks.
FALLBACK_FONT_FILE = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"

# 960 pixels wide: a phone shows it at full width, and 13 pt text stays readable.
WIDTH_IN, DPI = 6.4, 150
TREND_HEIGHT_IN = 5.2
ROW_HEIGHT_IN, FRAME_HEIGHT_IN = 0.78, 1.9
# More lines or rows than this cannot be told apart on a phone: the chart is split.
MAX_SERIES = 5
MAX_MOVES = 6
TITLE_PT, TEXT_PT, SMALL_PT = 15, 13, 11
LEGEND_COLUMNS = 30  # half-width characters of a trend's legend entry, two entries a line
# Confidence colours, with a shape each so colour is never the only cue.
LOW, MIDDLE, HIGH, UNKNOWN = "#c0392b", "#d68910", "#1e8449", "#808b96"
TRACK, TARGET, INK = "#e5e8e8", "#34495e", "#2c3e50"
LINE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
LINE_MARKERS = ("o", "s", "^", "D", "v")


@functools.cache
def font_family() -> str:
    """The shipped CJK font's family name, registered with matplotlib once."""
    font_manager.fontManager.addfont(str(FONT_FILE))
    return str(font_manager.FontProperties(fname=FONT_FILE).get_name())


@functools.cache
def drawable() -> frozenset[int]:
    """Every code point the shipped font or its fallback has a glyph for."""
    points: set[int] = set()
    for path in (FONT_FILE, FALLBACK_FONT_FILE):
        points.update(FT2Font(str(path)).get_charmap())
    return frozenset(points)


def drawable_text(text: str) -> str:
    """`text` without what no font here can draw (emoji), with `$` kept literal."""
    known = drawable()
    kept = "".join(c for c in text if c.isspace() or ord(c) in known)
    # Two dollar signs would start matplotlib's maths mode.
    return " ".join(kept.split()).replace("$", r"\$")


def _width(text: str) -> int:
    """Display width in half-width columns: a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, columns: int) -> str:
    """`text` cut to `columns` display columns, with an ellipsis when it was longer."""
    if _width(text) <= columns:
        return text
    kept = ""
    for c in text:
        if _width(kept + c) > columns - 1:
            break
        kept += c
    return kept.rstrip() + "…"


def parts(chart: Chart) -> list[Chart]:
    """The chart split into pictures a phone can read, numbered "(1/2)" when split."""
    total = len(chart.moves) if chart.moves else len(chart.series)
    size = MAX_MOVES if chart.moves else MAX_SERIES
    if total <= size:
        return [chart]
    # Even pieces: eight rows are four and four, not six and two.
    count = -(-total // size)
    small, extra = divmod(total, count)
    stem, dot, ext = chart.filename.rpartition(".")
    result = []
    start = 0
    for n in range(count):
        end = start + small + (1 if n < extra else 0)
        piece = dataclasses.replace(
            chart,
            title=f"{chart.title} ({n + 1}/{count})",
            filename=f"{stem}-{n + 1}{dot}{ext}" if dot else f"{chart.filename}-{n + 1}",
        )
        if chart.moves:
            piece = dataclasses.replace(piece, moves=chart.moves[start:end])
        else:
            piece = dataclasses.replace(piece, series=chart.series[start:end])
        result.append(piece)
        start = end
    return result


def figure(chart: Chart) -> Figure:
    """One picture's figure, laid out (a chart that fits in one; see `parts`)."""
    with matplotlib.rc_context(_style()):
        fig = _moves_figure(chart) if chart.moves else _trend_figure(chart)
        fig.canvas.draw()  # lays the figure out, so what tests measure is what is saved
    return fig


def draw(chart: Chart) -> tuple[Image, ...]:
    """The chart as PNGs, one per part."""
    images = []
    for part in parts(chart):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig = figure(part)
            buffer = io.BytesIO()
            with matplotlib.rc_context(_style()):
                fig.savefig(buffer, format="png", dpi=DPI)
        for warning in caught:
            log.warning("drawing %s: %s", part.filename, warning.message)
        images.append(Image(filename=part.filename, alt=part.title, data=buffer.getvalue()))
    return tuple(images)


def _style() -> Any:  # matplotlib types the keys as a Literal of every rc name
    return {
        "font.family": [font_family(), "DejaVu Sans"],
        "font.size": TEXT_PT,
        "axes.unicode_minus": True,
        "figure.dpi": DPI,
    }


# --- the week's movement of each key result -----------------------------------------


def _moves_figure(chart: Chart) -> Figure:
    moves = chart.moves
    height = FRAME_HEIGHT_IN + ROW_HEIGHT_IN * len(moves)
    layout = ConstrainedLayoutEngine(h_pad=0.06, hspace=0.12)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    fig.suptitle(drawable_text(chart.title), fontsize=TITLE_PT, color=INK)
    rows = fig.subplots(len(moves), 1, sharex=True, squeeze=False)[:, 0]
    low = min(0.0, *(min(m.before, m.after) for m in moves))
    high = max(100.0, *(max(m.before, m.after) for m in moves))
    pad = (high - low) * 0.06
    for axes, move in zip(rows, moves, strict=True):
        _move_row(axes, move)
        axes.set_xlim(low - pad, high + pad)
    last = rows[-1]
    ticks = [t for t in (0, 25, 50, 75, 100) if low - pad <= t <= high + pad]
    last.set_xticks(ticks, [f"{t}%" for t in ticks], fontsize=SMALL_PT, color=INK)
    last.tick_params(axis="x", length=0, pad=2)
    fig.legend(
        handles=_move_key(chart.words, unknown=any(m.confidence is None for m in moves)),
        loc="outside lower center",
        ncols=4 if any(m.confidence is None for m in moves) else 3,
        frameon=False,
        fontsize=SMALL_PT,
        handlelength=1.6,
        columnspacing=1.2,
    )
    fig.canvas.draw()
    for axes, move in zip(rows, moves, strict=True):
        _fit_label(fig, axes, move)
    return fig


def confidence_colour(confidence: int | None) -> tuple[str, str]:
    """(colour, marker) for a confidence: low 1–4, middle 5–6, high 7–10, or none."""
    if confidence is None:
        return UNKNOWN, "o"
    if confidence <= 4:
        return LOW, "v"
    if confidence <= 6:
        return MIDDLE, "D"
    return HIGH, "o"


def _move_row(axes: Axes, move: Move) -> None:
    colour, marker = confidence_colour(move.confidence)
    axes.set_ylim(-1, 1)
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.tick_params(axis="x", length=0, labelbottom=False)
    axes.plot([0, 100], [0, 0], color=TRACK, linewidth=9, solid_capstyle="round", zorder=1)
    # The target across the track only, clear of the texts above the row.
    axes.plot([100, 100], [-0.6, 0.6], color=TARGET, linestyle="--", linewidth=1.2, zorder=2)
    axes.plot([move.before, move.after], [0, 0], color=colour, linewidth=3.5, zorder=3)
    axes.plot(
        [move.before], [0], marker="o", markersize=10, markerfacecolor="white",
        markeredgecolor=colour, markeredgewidth=2, linestyle="", zorder=4,
    )  # fmt: skip
    axes.plot([move.after], [0], marker=marker, markersize=12, color=colour, linestyle="", zorder=5)


def _move_key(words: MoveWords, *, unknown: bool) -> list[Line2D]:
    """The legend: the two ends of a move and the target on the first line, what
    each colour says on the second (a legend fills its columns top to bottom)."""
    dot: dict[str, Any] = {"linestyle": "", "markersize": 9}
    ends = [
        Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor=INK,
               markeredgewidth=2, label=drawable_text(words.before), **dot),
        Line2D([], [], marker="o", color=INK, label=drawable_text(words.after), **dot),
        Line2D([], [], color=TARGET, linestyle="--", linewidth=1.2,
               label=drawable_text(words.target)),
    ]  # fmt: skip
    colours = [
        Line2D([], [], marker=marker, color=colour, label=drawable_text(text), **dot)
        for colour, marker, text in (
            (HIGH, "o", f"{words.confidence} 7–10"),
            (MIDDLE, "D", f"{words.confidence} 5–6"),
            (LOW, "v", f"{words.confidence} 1–4"),
        )
    ]
    if unknown:
        ends.append(
            Line2D([], [], marker="o", color=UNKNOWN, label=drawable_text(words.none), **dot)
        )
        colours.append(Line2D([], [], linestyle="", label=" "))
    return [handle for pair in zip(ends, colours, strict=True) for handle in pair]


def _fit_label(fig: Figure, axes: Axes, move: Move) -> None:
    """The KR above its row on the left, where it went on the right, never touching."""
    before, after = f"{move.before:.0f}%", f"{move.after:.0f}%"
    change = after if before == after else f"{before} → {after}"
    right = axes.set_title(drawable_text(change), loc="right", fontsize=SMALL_PT, color=INK, pad=3)
    label = drawable_text(move.label)
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    renderer = canvas.get_renderer()
    columns = _width(label)
    while True:
        left = axes.set_title(_cut(label, columns), loc="left", fontsize=TEXT_PT, color=INK, pad=3)
        gap = right.get_window_extent(renderer).x0 - left.get_window_extent(renderer).x1
        if gap >= 12 or columns <= 4:
            break
        columns -= 2


# --- a trend over the weeks -----------------------------------------------------------


def _trend_figure(chart: Chart) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, TREND_HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(drawable_text(chart.title), fontsize=TITLE_PT, color=INK)
    axes = fig.add_subplot()
    for n, series in enumerate(chart.series):
        xs = [drawable_text(x) for x, _ in series.points]
        ys = [y for _, y in series.points]
        axes.plot(
            xs, ys, marker=LINE_MARKERS[n % len(LINE_MARKERS)],
            color=LINE_COLOURS[n % len(LINE_COLOURS)], linewidth=2.2, markersize=6,
            label=_cut(drawable_text(series.label), LEGEND_COLUMNS),
        )  # fmt: skip
    axes.set_ylabel(drawable_text(chart.y_label), fontsize=SMALL_PT)
    axes.tick_params(labelsize=SMALL_PT)
    axes.grid(True, alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if chart.series:
        # Below the plot, never over the lines.
        fig.legend(
            loc="outside lower center",
            ncols=2 if len(chart.series) > 1 else 1,
            frameon=False,
            fontsize=SMALL_PT,
        )
    return fig


# --- messages ---------------------------------------------------------------------


V = TypeVar("V", bound=Message | Home)


def prepare_outgoing(item: Outgoing) -> Outgoing:
    """The outbox sender's hook: the row's charts drawn before the platform sends it."""
    if isinstance(item.message, ProgressNote):
        return item
    prepared = prepare(item.message)
    return item if prepared is item.message else dataclasses.replace(item, message=prepared)


def prepare(view: V) -> V:
    """The view with every Chart block drawn as Image blocks."""
    if not any(isinstance(block, Chart) for block in view.blocks):
        return view
    blocks: list[Block] = []
    for block in view.blocks:
        if isinstance(block, Chart):
            blocks.extend(draw(block))
        else:
            blocks.append(block)
    return dataclasses.replace(view, blocks=tuple(blocks))
