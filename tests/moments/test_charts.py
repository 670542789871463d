"""The digest's chart is drawn headless as a PNG, Chinese names in real glyphs."""

from __future__ import annotations

import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot import charts
from bot.console.demo import DemoWorkspace
from bot.delivery import Bucket, Outgoing
from bot.outbox import OutboxSender
from handlers.moments import planner
from handlers.views import Chart, Image, Message, Series, Text
from storage.repos import workspaces
from tests.conftest import Harness

CHINESE = Chart(
    title="关键结果进度",
    series=(
        Series("KR1 海外粉丝数量", (("W45", 10.0), ("W46", 35.0), ("W47", 52.5))),
        Series("KR2 互动率", (("W45", 5.0), ("W46", 20.0), ("W47", 40.0))),
    ),
    y_label="%",
    filename="digest-progress.png",
)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def missing_glyph_warnings(chart: Chart) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.draw(chart)
    return [str(w.message) for w in caught if "missing from" in str(w.message)]


def test_a_chart_becomes_a_png_of_the_promised_size() -> None:
    image = charts.draw(CHINESE)
    assert image.filename == "digest-progress.png"
    assert image.alt == "关键结果进度"
    assert png_size(image.data) == (
        int(charts.WIDTH_IN * charts.DPI),
        int(charts.HEIGHT_IN * charts.DPI),
    )


def test_chinese_titles_and_names_render_without_tofu_boxes() -> None:
    assert charts.cjk_font_family() is not None, "install fonts-wqy-microhei (see .ci/run)"
    assert missing_glyph_warnings(CHINESE) == []


def test_the_tofu_check_would_catch_a_font_without_chinese(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the CJK font, matplotlib reports each missing glyph: the check above can fail."""
    monkeypatch.setattr(charts, "cjk_font_family", lambda: None)
    assert any("关" in w or "U+5173" in w or "5173" in w for w in missing_glyph_warnings(CHINESE))


def test_prepare_replaces_chart_blocks_by_images_and_leaves_the_rest() -> None:
    message = Message(summary="digest", blocks=(Text("wins"), CHINESE))
    prepared = charts.prepare(message)
    assert prepared.blocks[0] == Text("wins")
    assert isinstance(prepared.blocks[1], Image)
    assert png_size(prepared.blocks[1].data)[0] == 1000
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
    for item in digests:
        assert not any(isinstance(b, Chart) for b in item.message.blocks)
        images = [b for b in item.message.blocks if isinstance(b, Image)]
        assert [i.filename for i in images] == ["digest-progress.png", "digest-confidence.png"]
        assert all(png_size(i.data) == (1000, 560) for i in images)


def test_digests_built_together_chart_what_each_charts_alone(
    harness: Harness, demo: DemoWorkspace
) -> None:
    # A tick reads the charts' check-ins for every due digest at once; each
    # digest must still chart exactly what it charts when built on its own.
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
    series = {key: {s.label for c in charts for s in c.series} for key, charts in together.items()}
    assert all(series.values()) and len({frozenset(s) for s in series.values()}) == 3
    assert together == alone
