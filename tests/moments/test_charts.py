"""Charts are drawn headless as PNGs a phone can read, Chinese in real glyphs.

The CJK font is the one okrbot ships: the glyph checks hold in a process whose
matplotlib sees no system font at all. Legends and labels are measured, not
looked at: their boxes never cross the data's.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import struct
import subprocess
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.font_manager import get_font
from matplotlib.text import Text as MplText
from matplotlib.transforms import Bbox

from bot import charts
from bot.console.demo import DemoWorkspace
from bot.delivery import Bucket, Outgoing
from bot.outbox import OutboxSender
from handlers.moments import planner
from handlers.views import Chart, Image, Message, Move, MoveWords, Series, Text
from storage.repos import workspaces
from tests.conftest import Harness

CHINESE = Chart(
    title="关键结果进度",
    series=(
        Series("KR1 海外粉丝数量", (("W45", 10.0), ("W46", 35.0), ("W47", 52.5))),
        Series("KR2 互动率", (("W45", 5.0), ("W46", 20.0), ("W47", 40.0))),
    ),
    y_label="%",
    filename="review-progress.png",
)
WEEK = Chart(
    title="本周进展 · 市场部",
    moves=(
        Move("KR11 海外目标国家粉丝数", 42, 60, 7, "6,000 / 10,000 粉丝"),
        Move("KR12 互动率", 55, 50, 4, "1.1% / 2%"),
        Move("KR14 新用户订阅数（海外市场，含 Instagram 与 TikTok 两个渠道）🚀", 0, 12, None),
        Move("KR15 Page load under 1.5 s for 95% of customers, $5k budget", 20, 120, 9),
        Move("KR16 Net promoter score", -10, -30, 5),
    ),
    words=MoveWords("周初", "现在", "目标", "信心", "未填信心"),
    filename="digest-week.png",
)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def texts_of(fig: Figure) -> list[MplText]:
    """Every piece of text drawn on the figure, legends and ticks included.

    Matplotlib keeps labels for ticks just outside the plotted range too, and
    does not draw them: those are left out.
    """
    hidden: set[int] = set()
    for axes in fig.axes:
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    hidden.update((id(tick.label1), id(tick.label2)))
    return [
        t
        for t in fig.findobj(MplText)
        if t.get_visible() and t.get_text().strip() and id(t) not in hidden
    ]


def glyph_problems(fig: Figure) -> list[str]:
    """Texts with Chinese not drawn from the shipped font, or characters no font drawn has."""
    problems = []
    for text in texts_of(fig):
        files = font_manager.fontManager._find_fonts_by_props(text.get_fontproperties())
        maps = [set(get_font(f).get_charmap()) for f in files]
        if CJK.search(text.get_text()) and Path(files[0]) != charts.FONT_FILE:
            problems.append(f"{text.get_text()!r} drawn with {files[0]}")
        for ch in text.get_text().replace("\\$", "$"):
            if not ch.isspace() and not any(ord(ch) in m for m in maps):
                problems.append(f"{ch!r} of {text.get_text()!r} has no glyph in {files}")
    return problems


def drawn_quietly(chart: Chart, caplog: pytest.LogCaptureFixture) -> tuple[Image, ...]:
    """The chart drawn; nothing warned or logged while it was."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.INFO):
        warnings.simplefilter("always")
        images = charts.draw(chart)
    assert [str(w.message) for w in caught] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    return images


def test_a_trend_becomes_a_png_sized_for_a_phone(caplog: pytest.LogCaptureFixture) -> None:
    (image,) = drawn_quietly(CHINESE, caplog)
    assert (image.filename, image.alt) == ("review-progress.png", "关键结果进度")
    assert png_size(image.data) == (960, int(charts.TREND_HEIGHT_IN * charts.DPI))


def test_a_weeks_movement_becomes_one_row_per_key_result(caplog: pytest.LogCaptureFixture) -> None:
    (image,) = drawn_quietly(WEEK, caplog)
    width, height = png_size(image.data)
    assert width == 960
    assert height == int((charts.FRAME_HEIGHT_IN + 5 * charts.ROW_HEIGHT_IN) * charts.DPI)
    fig = charts.figure(WEEK)
    titles = [a.get_title(loc="left") for a in fig.axes]
    assert titles[:2] == ["KR11 海外目标国家粉丝数", "KR12 互动率"]
    assert titles[2].startswith("KR14 新用户订阅数") and "🚀" not in titles[2]
    assert [a.get_title(loc="right") for a in fig.axes][:2] == ["42% → 60%", "55% → 50%"]
    still = charts.figure(dataclasses.replace(WEEK, moves=(Move("KR1 a", 30, 30, 7),)))
    assert still.axes[0].get_title(loc="right") == "30%"


@pytest.mark.parametrize("count", [7, 13])
def test_more_rows_or_lines_than_a_phone_can_tell_apart_are_split(count: int) -> None:
    moves = tuple(Move(f"KR{n} 指标 {n}", n, n + 5, 7) for n in range(count))
    parts = charts.parts(dataclasses.replace(WEEK, moves=moves))
    assert all(len(p.moves) <= charts.MAX_MOVES for p in parts)
    assert [m for p in parts for m in p.moves] == list(moves)
    assert max(len(p.moves) for p in parts) - min(len(p.moves) for p in parts) <= 1
    assert [p.filename for p in parts] == [f"digest-week-{n}.png" for n in range(1, len(parts) + 1)]
    assert parts[0].title == f"本周进展 · 市场部 (1/{len(parts)})"
    series = tuple(Series(f"KR{n}", (("W1", n), ("W2", n + 1))) for n in range(count))
    trend = charts.parts(dataclasses.replace(CHINESE, series=series))
    assert all(len(p.series) <= charts.MAX_SERIES for p in trend)
    assert [s for p in trend for s in p.series] == list(series)
    images = charts.draw(dataclasses.replace(WEEK, moves=moves))
    assert [i.filename for i in images] == [p.filename for p in parts]


@pytest.mark.parametrize("chart", [CHINESE, WEEK], ids=["trend", "movement"])
def test_chinese_is_drawn_with_the_shipped_font_and_every_glyph_exists(chart: Chart) -> None:
    fig = charts.figure(chart)
    assert any(CJK.search(t.get_text()) for t in texts_of(fig))
    assert glyph_problems(fig) == []


def test_the_glyph_check_fails_for_chinese_drawn_without_the_font() -> None:
    """The check above can fail: the same figure in matplotlib's default font has no Chinese."""
    fig = charts.figure(WEEK)
    for text in texts_of(fig):
        text.set_fontfamily("DejaVu Sans")
    assert any("has no glyph" in p for p in glyph_problems(fig))


def test_text_no_font_has_is_left_out_and_dollars_stay_dollars() -> None:
    assert charts.drawable_text("KR1 🚀 launch  $5k and $10k") == r"KR1 launch \$5k and \$10k"


_WITHOUT_SYSTEM_FONTS = """
import warnings
from pathlib import Path

import matplotlib
from matplotlib import font_manager

# This machine as one with no font installed: matplotlib knows its own fonts only.
bundled = Path(matplotlib.get_data_path()).resolve()
font_manager.fontManager.ttflist = [
    f for f in font_manager.fontManager.ttflist if Path(f.fname).resolve().is_relative_to(bundled)
]
font_manager.fontManager._findfont_cached.cache_clear()
assert not [f for f in font_manager.fontManager.ttflist if "CJK" in f.name or "Hei" in f.name]

from bot import charts
from handlers.views import Chart, Move, Series
from tests.moments.test_charts import WEEK, CHINESE, glyph_problems

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for chart in (WEEK, CHINESE):
        charts.draw(chart)
        problems = glyph_problems(charts.figure(chart))
        assert problems == [], problems
assert [str(w.message) for w in caught] == [], [str(w.message) for w in caught]
print("drawn:", charts.FONT_FILE.name)
"""


def test_charts_draw_chinese_on_a_machine_without_any_font_installed(tmp_path: Path) -> None:
    """In a fresh process whose matplotlib sees no system font at all, and a fresh font cache."""
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl")}
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_SYSTEM_FONTS],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "drawn: NotoSansSC-Regular.otf"
    assert done.stderr == ""


def _data_boxes(fig: Figure) -> list[Bbox]:
    """Where the data is drawn: every line and marker of every plot, with its thickness."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = []
    for axes in fig.axes:
        for line in axes.lines:
            box = line.get_window_extent(renderer)
            boxes.append(box.padded(line.get_linewidth() / 72 * fig.dpi / 2))
    return boxes


def _overlaps(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize(
    "chart",
    [
        CHINESE,
        WEEK,
        dataclasses.replace(
            CHINESE,
            series=tuple(
                Series(
                    f"KR{n} 很长的关键结果标题，长到一行放不下 number {n}", (("W1", 0), ("W9", 100))
                )
                for n in range(5)
            ),
        ),
    ],
    ids=["trend", "movement", "long-trend"],
)
def test_no_legend_or_label_overlaps_the_data_or_another_label(chart: Chart) -> None:
    fig = charts.figure(chart)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    data = _data_boxes(fig)
    texts = [(t.get_text(), t.get_window_extent(renderer)) for t in texts_of(fig)]
    tick_labels = {id(t) for a in fig.axes for t in (*a.get_xticklabels(), *a.get_yticklabels())}
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        assert not any(_overlaps(box, d) for d in data), "the legend covers the data"
    for text in texts_of(fig):
        if id(text) in tick_labels:
            continue  # ticks sit on the axis, outside the plot
        box = text.get_window_extent(renderer)
        hits = [d for d in data if _overlaps(box, d)]
        assert not hits, f"{text.get_text()!r} covers the data"
    for i, (a, box_a) in enumerate(texts):
        for b, box_b in texts[i + 1 :]:
            assert not _overlaps(box_a, box_b), f"{a!r} and {b!r} overlap"
    width, height = fig.canvas.get_width_height()
    for text, box in texts:
        assert box.x0 >= 0 and box.x1 <= width and box.y0 >= 0 and box.y1 <= height, text


def test_the_overlap_check_catches_a_legend_over_the_lines() -> None:
    """A legend put back inside the plot, as the charts once had it, is caught."""
    fig = charts.figure(CHINESE)
    fig.legends.clear()
    fig.axes[0].legend(loc="upper left", prop={"family": charts.font_family()})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legend = fig.axes[0].get_legend()
    assert any(_overlaps(legend.get_window_extent(renderer), d) for d in _data_boxes(fig))


def test_prepare_replaces_chart_blocks_by_images_and_leaves_the_rest() -> None:
    message = Message(summary="digest", blocks=(Text("wins"), CHINESE))
    prepared = charts.prepare(message)
    assert prepared.blocks[0] == Text("wins")
    assert isinstance(prepared.blocks[1], Image)
    assert png_size(prepared.blocks[1].data)[0] == 960
    plain = Message(summary="no chart", blocks=(Text("x"),))
    assert charts.prepare(plain) is plain


# --- the digest's chart reaches the platform sender as a picture ---------------------


@dataclass
class Recording:
    """A platform sender that keeps what it was given."""

    platform: str = "console"
    sent: list[Outgoing] = field(default_factory=list)

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        return ()

    def send(self, item: Outgoing) -> str:
        self.sent.append(item)
        return f"ref-{item.key}"

    def update(self, item: Outgoing) -> str:
        return self.send(item)


def test_the_scheduled_digest_reaches_the_sender_with_its_charts_as_pngs(
    harness: Harness, demo: DemoWorkspace
) -> None:
    friday_evening = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    harness.clock.set(friday_evening - timedelta(minutes=1))
    harness.app.tick(until=harness.clock.now(), catch_up=None, own_clocks=())
    harness.clock.set(friday_evening)
    harness.app.tick(until=friday_evening, catch_up=None, own_clocks=())
    platform = Recording()
    OutboxSender(
        sessions=harness.sessions,
        senders=[platform],
        clock=harness.clock,
        sleep=lambda _seconds: None,
        prepare=charts.prepare_outgoing,
        holder="test",
    ).drain()
    digests = [item for item in platform.sent if item.key.startswith("digest:")]
    assert len(digests) == 3  # one per demo team, once each
    split = 0
    for item in digests:
        assert not any(isinstance(b, Chart) for b in item.message.blocks)
        images = [b for b in item.message.blocks if isinstance(b, Image)]
        if len(images) == 1:
            assert images[0].filename == "digest-week.png"
        else:  # more KRs than a phone can tell apart: one picture per few
            split += 1
            assert [i.filename for i in images] == [
                f"digest-week-{n}.png" for n in range(1, len(images) + 1)
            ]
        for image in images:
            assert image.alt.startswith(("This week · ", "本周进展 · ")), image.alt
            assert png_size(image.data)[0] == 960
    assert split == 1, "the demo's Sales team has more KRs than one picture shows"


def test_a_chinese_teams_digest_chart_speaks_chinese(harness: Harness, demo: DemoWorkspace) -> None:
    """The Sales team works in Chinese: its week's chart is titled and keyed in Chinese."""
    friday_evening = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    since = friday_evening - timedelta(minutes=1)
    with harness.sessions.begin() as session:
        due = planner.due_moments(
            session=session, since=since, until=friday_evening, moments=["digest"]
        )
    charts_of = [
        b
        for item in due
        if isinstance(item.delivery.message, Message)
        for b in item.delivery.message.blocks
        if isinstance(b, Chart)
    ]
    chinese = [c for c in charts_of if c.title.startswith("本周进展")]
    assert chinese, [c.title for c in charts_of]
    assert chinese[0].words == MoveWords("周初", "现在", "目标", "信心", "未填信心")
    assert all(m.label.startswith("KR") for m in chinese[0].moves)
    fig = charts.figure(chinese[0])
    assert glyph_problems(fig) == []


def test_digests_built_together_chart_what_each_charts_alone(
    harness: Harness, demo: DemoWorkspace
) -> None:
    # A tick reads every due digest's week at once; each digest must still
    # chart exactly what it charts when built on its own.
    friday_evening = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    since = friday_evening - timedelta(minutes=1)

    def charts_by_key(due: Sequence[planner.Due]) -> dict[str, list[Chart]]:
        return {
            item.delivery.key or "": [
                b for b in item.delivery.message.blocks if isinstance(b, Chart)
            ]
            for item in due
            if isinstance(item.delivery.message, Message)
        }

    with harness.sessions.begin() as session:
        together = charts_by_key(
            planner.due_moments(
                session=session, since=since, until=friday_evening, moments=["digest"]
            )
        )
        alone: dict[str, list[Chart]] = {}
        for team in workspaces.list_all_teams(session=session):
            alone |= charts_by_key(
                planner.due_moments(
                    session=session,
                    since=since,
                    until=friday_evening,
                    moments=["digest"],
                    team_id=team.id,
                )
            )
    assert len(together) == 3 and together.keys() == alone.keys()
    series = {key: {m.label for c in charts for m in c.moves} for key, charts in together.items()}
    assert all(series.values()) and len({frozenset(s) for s in series.values()}) == 3
    assert together == alone
