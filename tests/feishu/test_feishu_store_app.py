"""A Feishu/Lark store app: app_ticket, each tenant's own token, install, uninstall, refusals.

Against the fake Open Platform through the real lark-oapi client and the
webhook route: the ticket Feishu pushes is kept, the app and tenant tokens
come from it, every answer and every outbox send goes with its tenant's own
token, app_open makes the workspace and greets the installer, an uninstall
parks the tenant's outbox until it installs again, and tenants okrbot does
not serve are refused with nothing stored.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import pytest
from lark_oapi.core.token.manager import TokenManager
from sqlmodel import select

from bot.feishu.connection import FeishuConnection
from bot.settings import SettingsError
from handlers.deliveries import enqueue
from handlers.views import Delivery, Message, Text, ToUser
from storage.models import FeishuAppTicket, OutboxMessage, Workspace
from storage.repos import workspaces
from tests.fakes.feishu_driver import FeishuDriver
from tests.feishu.world import ALICE, BOB, World, card_text, feishu_settings, make_world

ACME, BETA, STRANGER = "tenant_acme_fake", "tenant_beta_fake", "tenant_stranger_fake"
TICKET = "fake-app-ticket-1"
REPLY = "/reply"


@pytest.fixture
def store(database_url: str) -> Iterator[World]:
    yield from make_world(database_url, feishu_app_type="marketplace")


def driver(world: World, tenant: str) -> FeishuDriver:
    return dataclasses.replace(world.driver, tenant=tenant)


def post(world: World, payload: dict[str, object]) -> None:
    posted = world.driver.post(payload)
    assert posted.status == 200, posted.body
    world.connection.receiver.drain()


def say(world: World, tenant: str, open_id: str, text: str) -> list[str]:
    """A direct message from `open_id` in `tenant`; the tokens the bot answered with."""
    before = len(reply_tokens(world))
    posted = driver(world, tenant).post(driver(world, tenant).message(open_id, text))
    assert posted.status == 200, posted.body
    world.connection.receiver.drain()
    return reply_tokens(world)[before:]


def reply_tokens(world: World) -> list[str]:
    with world.fake.lock:
        return [
            c.headers.get("Authorization", "").removeprefix("Bearer ")
            for c in world.fake.calls
            if c.path.endswith(REPLY) and c.method == "POST"
        ]


def install(world: World, tenant: str, installer: str) -> None:
    world.fake.install(tenant)
    post(world, world.driver.app_open(tenant, installer))


def ticket_arrives(world: World) -> None:
    world.fake.app_ticket = TICKET
    post(world, world.driver.app_ticket(TICKET))


def tell(world: World, tenant: str, open_id: str, text: str) -> None:
    """Something for `open_id` in `tenant`, written to the outbox as a moment would."""
    with world.runtime.sessions.begin() as session:
        workspace = workspaces.find_workspace(
            session=session, platform="feishu", external_id=tenant
        )
        assert workspace is not None and workspace.id is not None
        enqueue(
            session,
            workspace_id=workspace.id,
            platform="feishu",
            workspace=tenant,
            deliveries=[
                Delivery(
                    to=ToUser(open_id),
                    message=Message(summary=text, blocks=(Text(text),)),
                    key=f"note:{tenant}:{text}",
                )
            ],
            now=world.clock.now(),
        )


def outbox_states(world: World) -> dict[str, str]:
    with world.runtime.sessions.begin() as session:
        return {row.key: row.state for row in session.exec(select(OutboxMessage))}


def tenants(world: World) -> set[str]:
    with world.runtime.sessions.begin() as session:
        return {ws.external_id for ws in session.exec(select(Workspace))}


def sent_tokens(world: World) -> dict[str, str]:
    """Each created message's text (its first line) -> the token it was sent with."""
    found: dict[str, str] = {}
    with world.fake.lock:
        calls = [c for c in world.fake.calls if c.path == "/open-apis/im/v1/messages"]
        sent = [s for s in world.fake.sent if s.how == "create"]
    for call, message in zip(calls, sent, strict=True):
        text = card_text(message.content).splitlines()[0]
        found[text] = call.headers.get("Authorization", "").removeprefix("Bearer ")
    return found


def test_the_app_ticket_gets_tokens_and_each_tenant_is_answered_with_its_own(
    store: World,
) -> None:
    fake = store.fake
    # Started without a ticket: Feishu is asked to push one now, not at the top of the hour.
    assert fake.ticket_resends == 1
    ticket_arrives(store)
    install(store, ACME, ALICE)
    install(store, BETA, BOB)
    acme, beta = fake.store_tenant_token(ACME), fake.store_tenant_token(BETA)

    # app_open made each workspace and greeted its installer, each with its tenant's token.
    assert tenants(store) == {ACME, BETA}
    greetings = [s for s in fake.messages() if "感谢安装 okrbot" in card_text(s.content)]
    assert [(s.to_kind, s.to) for s in greetings] == [("open_id", ALICE), ("open_id", BOB)]
    assert fake.tokens_to("/open-apis/im/v1/messages") == [acme, beta]
    app_tokens = [c.body for c in fake.calls_to("/open-apis/auth/v3/app_access_token")]
    assert app_tokens and all(body["app_ticket"] == TICKET for body in app_tokens)

    # Each tenant's messages are answered with its own token, and so are its outbox sends.
    assert set(say(store, ACME, ALICE, "help")) == {acme}
    assert set(say(store, BETA, BOB, "help")) == {beta}
    tell(store, ACME, ALICE, "for acme")
    tell(store, BETA, BOB, "for beta")
    assert store.outbox.drain().sent == 2
    tokens = sent_tokens(store)
    assert (tokens["for acme"], tokens["for beta"]) == (acme, beta)


def test_a_restart_uses_the_kept_ticket_without_waiting_for_the_next_push(
    store: World,
) -> None:
    fake = store.fake
    ticket_arrives(store)
    install(store, ACME, ALICE)
    with store.runtime.sessions.begin() as session:
        kept = session.get(FeishuAppTicket, fake.app_id)
        assert kept is not None and kept.ticket == TICKET

    # A new process: the SDK's tokens are gone, the database still has the ticket.
    for key in (f"isv_app_token:{fake.app_id}", f"isv_tenant_token:{fake.app_id}:{ACME}"):
        TokenManager.cache.cache.pop(key, None)  # type: ignore[attr-defined]
    fake.clear()
    restarted = FeishuConnection.from_settings(store.connection.settings, store.runtime)
    try:
        restarted.check()
        assert fake.ticket_resends == 1  # only the first start asked
        assert [
            c.body["app_ticket"] for c in fake.calls_to("/open-apis/auth/v3/app_access_token")
        ] == [TICKET]
        route = restarted.routes()["/feishu/events"]
        acme = dataclasses.replace(store.driver, send=route, tenant=ACME)
        assert acme.post(acme.message(ALICE, "help")).status == 200
        restarted.receiver.drain()
        assert set(reply_tokens(store)) == {fake.store_tenant_token(ACME)}
    finally:
        restarted.stop()


def test_uninstall_parks_the_tenants_outbox_and_a_reinstall_resumes_it(store: World) -> None:
    fake = store.fake
    ticket_arrives(store)
    install(store, ACME, ALICE)
    install(store, BETA, BOB)
    tell(store, ACME, ALICE, "before")

    fake.uninstall(ACME)
    post(store, store.driver.app_uninstalled(ACME))
    assert outbox_states(store)[f"note:{ACME}:before"] == "parked"

    # Sending stops for the tenant that left, and goes on for the other.
    tell(store, ACME, ALICE, "while away")
    tell(store, BETA, BOB, "still here")
    assert store.outbox.drain().sent == 1
    assert set(sent_tokens(store)) >= {"still here"}
    assert not {"before", "while away"} & set(sent_tokens(store))
    # Its people are not answered while it is away.
    assert say(store, ACME, ALICE, "help") == []
    assert say(store, BETA, BOB, "help") == [fake.store_tenant_token(BETA)]

    # A re-install resumes the parked messages, in order, with the new install's token.
    install(store, ACME, ALICE)
    assert store.outbox.drain().sent == 2
    tokens = sent_tokens(store)
    assert tokens["before"] == tokens["while away"] == fake.store_tenant_token(ACME)
    assert fake.store_tenant_token(ACME).endswith("-2")
    assert say(store, ACME, ALICE, "help") == [fake.store_tenant_token(ACME)]


def test_a_tenant_that_never_installed_is_refused_and_nothing_is_stored(
    store: World, caplog: pytest.LogCaptureFixture
) -> None:
    ticket_arrives(store)
    install(store, ACME, ALICE)
    with caplog.at_level(logging.WARNING, logger="bot.feishu.receive"):
        assert say(store, STRANGER, BOB, "help") == []
        # The positive signal: the installed tenant's message, after, is answered.
        assert say(store, ACME, ALICE, "help") == [store.fake.store_tenant_token(ACME)]
    assert tenants(store) == {ACME}
    assert any(
        STRANGER in r.getMessage() and "not installed" in r.getMessage() for r in caplog.records
    )


def test_a_ticket_for_another_app_is_not_kept(store: World) -> None:
    ticket_arrives(store)
    other = dataclasses.replace(store.driver, app_id="cli_someone_else")
    post(store, other.app_ticket("not-ours"))  # taken inside the request, like ours
    with store.runtime.sessions.begin() as session:
        kept = [(r.app_id, r.ticket) for r in session.exec(select(FeishuAppTicket))]
    assert kept == [(store.fake.app_id, TICKET)]


def test_a_custom_app_refuses_events_from_any_tenant_but_its_own(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    for world in make_world(database_url):
        with caplog.at_level(logging.WARNING, logger="bot.feishu.receive"):
            stranger = driver(world, STRANGER)
            assert stranger.post(stranger.message(ALICE, "help")).status == 200
            world.connection.receiver.drain()
            answered = world.say(ALICE, "help")  # the app's own tenant, after
        assert [s.how for s in answered] == ["reply"]
        assert len(world.fake.messages()) == 1
        assert tenants(world) == {world.driver.tenant}
        assert any(
            STRANGER in r.getMessage() and "belongs to tenant" in r.getMessage()
            for r in caplog.records
        )


def test_a_store_app_needs_the_webhook(database_url: str) -> None:
    for world in make_world(database_url):
        settings = feishu_settings(
            database_url, world.fake, feishu_app_type="marketplace", feishu_connection="long"
        )
        with pytest.raises(SettingsError, match="FEISHU_CONNECTION=webhook"):
            FeishuConnection.from_settings(settings, world.runtime)
