"""Charts as SVG drawn on the server: a views.Chart (data) becomes an inline <svg>.

No script and no style attributes (the page's CSP allows neither inline):
presentation attributes only. Each chart has a title and a description for
screen readers, and the same numbers are in the page's table beside it.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from handlers.views import Chart

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 36
# Eight lines stay apart on white and for the common colour blindnesses (Okabe–Ito).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B")


def colour(index: int) -> str:
    return COLOURS[index % len(COLOURS)]


def chart_svg(chart: Chart, *, chart_id: str) -> Markup:
    """The chart as an accessible inline SVG: its lines, axes, week labels and values,
    or, for a week's movement, a bar per key result from where it was to where it is."""
    if chart.moves:
        return _moves_svg(chart, chart_id=chart_id)
    labels: list[str] = []
    for series in chart.series:
        for x, _ in series.points:
            if x not in labels:
                labels.append(x)
    values = [y for series in chart.series for _, y in series.points]
    if not labels or not values:
        return Markup("")
    top = max(10.0, max(values))
    top = 100.0 if chart.y_label == "%" and top <= 100 else top
    bottom = min(0.0, min(values))
    span = (top - bottom) or 1.0
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(1, len(labels) - 1)

    def x_at(label: str) -> float:
        return LEFT + (labels.index(label) * step if len(labels) > 1 else inner_w / 2)

    def y_at(value: float) -> float:
        return TOP + inner_h - (value - bottom) / span * inner_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(chart.title)}</title>',
    ]
    for i in range(5):
        value = bottom + span * i / 4
        y = y_at(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#d0d4da" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#3b4350">{value:g}</text>'
        )
    every = max(1, len(labels) // 13 + 1)
    for n, label in enumerate(labels):
        if n % every == 0 or n == len(labels) - 1:
            parts.append(
                f'<text x="{x_at(label):.1f}" y="{HEIGHT - 14}" text-anchor="middle" '
                f'font-size="11" fill="#3b4350">{escape(label)}</text>'
            )
    for index, series in enumerate(chart.series):
        points = " ".join(f"{x_at(x):.1f},{y_at(y):.1f}" for x, y in series.points)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour(index)}" '
            'stroke-width="2.5" stroke-linejoin="round"/>'
        )
        for x, y in series.points:
            parts.append(
                f'<circle cx="{x_at(x):.1f}" cy="{y_at(y):.1f}" r="3.5" fill="{colour(index)}">'
                f"<title>{escape(series.label)}: {escape(x)} {y:g}</title></circle>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


ROW, LABEL_W, BAR_W = 34, 300, 280
TONES = {"good": "#1b6b36", "watch": "#b07a00", "risk": "#a4161a", "none": "#6b7480"}


def _tone(confidence: int | None) -> str:
    if confidence is None:
        return TONES["none"]
    return (
        TONES["risk"] if confidence <= 4 else TONES["good"] if confidence >= 7 else TONES["watch"]
    )


def _moves_svg(chart: Chart, *, chart_id: str) -> Markup:
    """This week's movement: the way to each KR's target (100 %), grey up to where the
    week started, coloured by the owner's confidence up to where it is now."""
    top = max(100.0, *(max(m.before, m.after) for m in chart.moves))
    height = TOP + ROW * len(chart.moves) + BOTTOM
    width = LABEL_W + BAR_W + 120

    def x_at(value: float) -> float:
        return LABEL_W + max(0.0, min(value, top)) / top * BAR_W

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(chart.title)}</title>',
        f'<line x1="{x_at(100):.1f}" y1="{TOP - 6}" x2="{x_at(100):.1f}" '
        f'y2="{height - BOTTOM + 4}" stroke="#1d232b" stroke-dasharray="4 3"/>',
        f'<text x="{x_at(100):.1f}" y="{height - 8}" text-anchor="middle" font-size="11" '
        f'fill="#3b4350">{escape(chart.words.target)}</text>',
    ]
    for n, move in enumerate(chart.moves):
        y = TOP + n * ROW
        label = move.label if len(move.label) <= 44 else move.label[:43] + "…"
        low, high = sorted((move.before, move.after))
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + 16}" text-anchor="end" font-size="12" '
            f'fill="#1d232b">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{x_at(low) - LABEL_W:.1f}" height="16" '
            'fill="#c9ced6"/>'
        )
        parts.append(
            f'<rect x="{x_at(low):.1f}" y="{y + 4}" width="{max(2.0, x_at(high) - x_at(low)):.1f}" '
            f'height="16" fill="{_tone(move.confidence)}">'
            f"<title>{escape(move.label)}: {move.before:g}% → {move.after:g}%"
            f"{' · ' + escape(move.value) if move.value else ''}</title></rect>"
        )
        parts.append(
            f'<text x="{LABEL_W + BAR_W + 8}" y="{y + 16}" font-size="12" fill="#1d232b">'
            f"{move.before:.0f}% → {move.after:.0f}%</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
