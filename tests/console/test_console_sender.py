"""The terminal's sender shows what a chat platform would: names, pictures, charts, homes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.console.sender import ConsoleSender
from bot.delivery import Outgoing
from handlers.views import Chart, Home, Image, Message, Series, Text, ToChannel, ToUser, mention

PNG = b"\x89PNG\r\n\x1a\n fake picture"


def sender(out: list[str], image_dir: Path | None = None) -> ConsoleSender:
    def label(item: Outgoing) -> str:
        return f"to {getattr(item.to, 'channel_id', None) or getattr(item.to, 'user_id', '')}"

    return ConsoleSender(write=out.append, label=label, image_dir=image_dir)


def outgoing(
    message: Message | Home, key: str = "k1", to: ToUser | ToChannel | None = None
) -> Outgoing:
    to = to if to is not None else ToChannel("C1")
    return Outgoing(id=1, platform="console", workspace="demo", to=to, message=message, key=key)


def test_mentions_show_the_persons_name(tmp_path: Path) -> None:
    out: list[str] = []
    text = f"👏 {mention('alice', 'Alice Smith')} → {mention('bob', 'Bob Jones')}: great draft"
    ref = sender(out).send(outgoing(Message(summary=text, blocks=(Text(text),))))
    assert out == ["", "── to C1 ──", "👏 Alice Smith → Bob Jones: great draft"]
    assert ref == "console:k1"


def test_a_home_is_shown_as_a_message() -> None:
    out: list[str] = []
    sender(out).send(
        outgoing(Home(summary="Your OKRs", blocks=(Text("KR1 Followers"),)), to=ToUser("alice"))
    )
    assert out[1:] == ["── to alice ──", "KR1 Followers"]


def test_a_picture_is_saved_and_its_path_printed(tmp_path: Path) -> None:
    out: list[str] = []
    message = Message(summary="Digest", blocks=(Image("progress.png", "KR progress", PNG),))
    sender(out, image_dir=tmp_path / "images").send(outgoing(message, key="digest:team3:2026-W48"))
    saved = tmp_path / "images" / "digest-team3-2026-W48-progress.png"
    assert saved.read_bytes() == PNG
    assert out[2:] == ["🖼 KR progress", f"🖼 {saved}"]


def test_a_chart_nobody_drew_is_one_line_of_numbers() -> None:
    out: list[str] = []
    chart = Chart(
        "Followers",
        (Series("KR11", (("W46", 3000.0), ("W47", 4200.0), ("W48", 6000.0))), Series("KR12", ())),
    )
    sender(out).send(outgoing(Message(summary="Digest", blocks=(chart,))))
    assert out[2] == "📈 Followers — KR11: 3000 → 4200 → 6000"


def test_an_update_is_posted_again_below() -> None:
    out: list[str] = []
    item = outgoing(Message(summary="Digest v2", blocks=(Text("late check-in"),)), key="k2")
    ref = sender(out).update(replace(item, ref="console:k1"))
    assert out[1:] == ["── to C1 ──", "late check-in"] and ref == "console:k2"
