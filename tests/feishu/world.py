"""The Feishu test world: the fake Open Platform, okrbot's Feishu connection, a driver."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.feishu.connection import FeishuConnection
from bot.outbox import OutboxSender
from bot.settings import Settings
from bot.wiring import Runtime, build
from handlers.clock import ManualClock
from tests.conftest import WEDNESDAY
from tests.fakes.feishu_api import APP_SECRET, FakeFeishu, Sent
from tests.fakes.feishu_driver import FeishuDriver

TOKEN = "fake-verification-token"
ENCRYPT_KEY = "fake-encrypt-key-for-tests"

ALICE, BOB, CHEN = "ou_alice_fake", "ou_bob_fake", "ou_chen_fake"
GROUP = "oc_group_fake"
PEOPLE = {
    ALICE: {"name": "李爱丽", "en_name": "Alice", "time_zone": "Asia/Shanghai"},
    BOB: {"name": "王博", "en_name": "Bob", "time_zone": "Asia/Shanghai"},
    CHEN: {"name": "陈晨", "en_name": "Chen", "time_zone": "Asia/Shanghai"},
}


@dataclass
class World:
    fake: FakeFeishu
    runtime: Runtime
    connection: FeishuConnection
    driver: FeishuDriver
    clock: ManualClock
    outbox: OutboxSender

    def say(self, open_id: str, text: str, **kwargs: Any) -> list[Sent]:
        """A direct-chat message; the bot's answers once the worker is done."""
        before = len(self.fake.messages())
        posted = self.driver.post(self.driver.message(open_id, text, **kwargs))
        assert posted.status == 200, posted.body
        self.connection.receiver.drain()
        return self.fake.messages()[before:]


def feishu_settings(database_url: str, fake: FakeFeishu, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "default_timezone": "Asia/Shanghai",
        "feishu_app_id": fake.app_id,
        "feishu_app_secret": fake.app_secret,
        "feishu_domain": fake.url,
        "feishu_connection": "webhook",
        "feishu_verification_token": TOKEN,
        "feishu_encrypt_key": ENCRYPT_KEY,
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_world(database_url: str, *, encrypted: bool = True, **extra: Any) -> Iterator[World]:
    # A fresh app id per world: lark-oapi caches tenant tokens per app id, process-wide.
    fake = FakeFeishu(app_id=f"cli_fake_{uuid.uuid4().hex[:10]}", app_secret=APP_SECRET)
    fake.users.update(PEOPLE)
    fake.start()
    settings = feishu_settings(
        database_url, fake, **({} if encrypted else {"feishu_encrypt_key": None}), **extra
    )
    clock = ManualClock(WEDNESDAY)
    runtime = build(settings, clock=clock, auto_upgrade=True)
    connection = FeishuConnection.from_settings(settings, runtime)
    outbox = OutboxSender(
        sessions=runtime.sessions,
        senders=[connection.sender()],
        clock=clock,
        sleep=lambda _seconds: None,
        jitter=lambda: 0.0,
    )
    connection.check()
    route = connection.routes()["/feishu/events"]
    driver = FeishuDriver(
        send=route, token=TOKEN, encrypt_key=ENCRYPT_KEY if encrypted else None, app_id=fake.app_id
    )
    try:
        yield World(
            fake=fake,
            runtime=runtime,
            connection=connection,
            driver=driver,
            clock=clock,
            outbox=outbox,
        )
    finally:
        connection.stop()
        runtime.close()
        fake.stop()


def card_text(card: dict[str, Any]) -> str:
    """Every visible string of a card, one per line, for assertions."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("tag") in ("plain_text", "markdown") and isinstance(
                node.get("content"), str
            ):
                out.append(node["content"])
            for key, value in node.items():
                if key != "behaviors":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(out)


def buttons(card: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, callback value) of every button in a card, in order."""
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("tag") == "button":
                found.append((node["text"]["content"], node["behaviors"][0]["value"]))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def bot_mention(key: str = "@_user_1") -> dict[str, Any]:
    from tests.fakes.feishu_api import BOT_OPEN_ID

    return FeishuDriver.mention(key, BOT_OPEN_ID, "okrbot", bot=True)


def press(world: World, open_id: str, value: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Press a card button; the callback's answer (toast and new card) as JSON."""
    posted = world.driver.post(world.driver.card_action(open_id, value, **kwargs))
    assert posted.status == 200, posted.body
    assert posted.seconds < 3.0
    world.connection.receiver.drain()
    return posted.json()


def form_of(card: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A form card's inputs (tag, name, ...) and its submit button's callback value."""
    container = card["body"]["elements"][0]
    assert container["tag"] == "form"
    inputs = [e for e in container["elements"] if "name" in e and e["tag"] != "button"]
    submit = next(e for e in container["elements"] if e["tag"] == "button")
    return inputs, submit["behaviors"][0]["value"]


def submit(
    world: World, open_id: str, card: dict[str, Any], values: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """Fill a form card by our input names and submit it as Feishu does (form_value by component name)."""
    inputs, value = form_of(card)
    names = value["names"]
    form_value: dict[str, Any] = {}
    for element in inputs:
        ours = names[int(element["name"][1:])]
        if ours in values:
            form_value[element["name"]] = values[ours]
        elif "default_value" in element:
            form_value[element["name"]] = element["default_value"]
        elif "initial_option" in element:
            form_value[element["name"]] = element["initial_option"]
    return press(world, open_id, value, form_value=form_value, **kwargs)
