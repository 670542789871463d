"""The webhook's gate: verification, refusal without storing anything, and de-duplication."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import SQLModel, select

from bot.http import HttpRequest
from storage.models import Checkin, Member, ProcessedEvent, Workspace
from tests.fakes.feishu_driver import encrypt
from tests.feishu.world import ALICE, World, card_text, make_world


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    yield from make_world(database_url)


@pytest.fixture
def plain_world(database_url: str) -> Iterator[World]:
    yield from make_world(database_url, encrypted=False)


def count(world: World, model: type[SQLModel]) -> int:
    with world.runtime.sessions.begin() as session:
        return len(session.exec(select(model)).all())


def nothing_stored(world: World) -> None:
    world.connection.receiver.drain()
    assert count(world, ProcessedEvent) == 0
    assert count(world, Member) == 0
    assert count(world, Workspace) == 0
    assert world.fake.messages() == []


def test_url_verification_is_answered_with_the_challenge_encrypted(world: World) -> None:
    posted = world.driver.post(world.driver.url_verification("challenge-123"))
    assert (posted.status, posted.json()) == (200, {"challenge": "challenge-123"})


def test_url_verification_is_answered_with_the_challenge_plain(plain_world: World) -> None:
    posted = plain_world.driver.post(plain_world.driver.url_verification("challenge-456"))
    assert (posted.status, posted.json()) == (200, {"challenge": "challenge-456"})


def test_a_forged_signature_is_refused_and_nothing_stored(world: World) -> None:
    payload = world.driver.message(ALICE, "签到")
    posted = world.driver.post(payload, signature="0" * 64)
    assert posted.status == 401
    nothing_stored(world)


def test_a_body_signed_with_another_key_is_refused(world: World) -> None:
    request = world.driver.request(world.driver.message(ALICE, "我的"))
    headers = dict(request.headers)
    headers["x-lark-request-nonce"] = "another-nonce"  # the signature no longer matches
    posted = world.driver.post_request(
        HttpRequest(method="POST", path=request.path, headers=headers, body=request.body)
    )
    assert posted.status == 401
    nothing_stored(world)


def test_a_wrong_verification_token_is_refused(world: World) -> None:
    world.driver.token = "not-the-token"
    posted = world.driver.post(world.driver.message(ALICE, "我的"))
    assert posted.status == 401
    nothing_stored(world)


def test_a_wrong_verification_token_is_refused_without_encryption(plain_world: World) -> None:
    plain_world.driver.token = "not-the-token"
    posted = plain_world.driver.post(plain_world.driver.message(ALICE, "我的"))
    assert posted.status == 401
    nothing_stored(plain_world)


def test_a_body_that_does_not_decrypt_is_refused(world: World) -> None:
    posted = world.driver.post(world.driver.message(ALICE, "我的"), encrypt_key="some-other-key")
    assert posted.status in (401, 403)
    nothing_stored(world)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'{"encrypt": "not base64 at all!"}',
        json.dumps({"encrypt": encrypt("x", b"{}")[:20]}).encode(),
    ],
)
def test_garbage_is_refused_never_500(world: World, body: bytes) -> None:
    posted = world.driver.post_request(HttpRequest(method="POST", path="/feishu/events", body=body))
    assert posted.status in (400, 401, 403)
    nothing_stored(world)


def test_an_unencrypted_event_is_refused_when_an_encrypt_key_is_set(world: World) -> None:
    payload: dict[str, Any] = world.driver.message(ALICE, "我的")
    posted = world.driver.post(payload, encrypt_key="")
    assert posted.status in (401, 403)
    nothing_stored(world)


def test_an_event_pushed_three_times_is_handled_once(world: World) -> None:
    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    payload = world.driver.message(ALICE, "签到 KR1 +1000")
    before = len(world.fake.messages())
    for _ in range(3):
        assert world.driver.post(payload).status == 200
    world.connection.receiver.drain()
    assert len(world.fake.messages()) == before + 1
    with world.runtime.sessions.begin() as session:
        [checkin] = session.exec(select(Checkin)).all()
        assert checkin.value == 1000  # +1000 once, not three times


def test_the_same_message_under_new_event_ids_is_handled_once(world: World) -> None:
    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    for n in range(3):
        payload = world.driver.message(
            ALICE, "签到 KR1 +1000", message_id="om_same", event_id=f"ev_{n}"
        )
        assert world.driver.post(payload).status == 200
    world.connection.receiver.drain()
    with world.runtime.sessions.begin() as session:
        assert [c.value for c in session.exec(select(Checkin)).all()] == [1000]


def test_a_re_push_after_a_restart_is_stopped_by_the_stored_message_id(database_url: str) -> None:
    """The in-memory filter is gone after a restart; the database still knows the message."""
    world = make_world(database_url)
    first = next(world)
    first.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    payload = first.driver.message(ALICE, "签到 KR1 +1000")
    first.driver.post(payload)
    first.connection.receiver.drain()
    first.connection.receiver._seen = type(first.connection.receiver._seen)()  # a new process
    first.driver.post(payload)
    first.connection.receiver.drain()
    with first.runtime.sessions.begin() as session:
        assert [c.value for c in session.exec(select(Checkin)).all()] == [1000]
    world.close()


def test_a_re_push_after_a_restart_under_a_new_event_id_is_still_handled_once(
    database_url: str,
) -> None:
    world = make_world(database_url)
    first = next(world)
    first.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    for n in range(2):
        if n:
            first.connection.receiver._seen = type(first.connection.receiver._seen)()  # restart
        payload = first.driver.message(
            ALICE, "签到 KR1 +1000", message_id="om_again", event_id=f"ev_new_{n}"
        )
        assert first.driver.post(payload).status == 200
        first.connection.receiver.drain()
    with first.runtime.sessions.begin() as session:
        assert [c.value for c in session.exec(select(Checkin)).all()] == [1000]
    world.close()


def test_a_card_callback_pushed_twice_is_handled_once(world: World) -> None:
    world.say(ALICE, "新建 拓展海外粉丝 | 海外粉丝: 0 -> 10000 人")
    world.say(ALICE, "计划 新增 写推荐邮件 KR1")
    payload = world.driver.card_action(ALICE, {"action": "task.done", "value": "T1"})
    first = world.driver.post(payload)
    second = world.driver.post(payload)
    assert first.status == second.status == 200
    assert "toast" in first.json()
    assert second.json() == {}


def test_unknown_event_types_are_taken_and_ignored(world: World) -> None:
    payload = world.driver.message(ALICE, "x")
    payload["header"]["event_type"] = "im.message.message_read_v1"
    posted = world.driver.post(payload)
    assert posted.status == 200
    nothing_stored(world)


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("image", {"image_key": "img_v3_fake"}),
        ("file", {"file_key": "file_v3_fake", "file_name": "plan.xlsx"}),
        ("sticker", {"file_key": "sticker_fake"}),
    ],
)
def test_a_picture_file_or_sticker_in_a_direct_chat_gets_send_me_text_and_stores_nothing(
    world: World, kind: str, content: dict[str, str]
) -> None:
    payload = world.driver.message(ALICE, "x")
    payload["event"]["message"]["message_type"] = kind
    payload["event"]["message"]["content"] = json.dumps(content)
    assert world.driver.post(payload).status == 200
    world.connection.receiver.drain()
    (answer,) = world.fake.messages()
    # Feishu's edition speaks Chinese first: "I can only read text".
    assert answer.how == "reply" and "我只能读文字" in card_text(answer.content)
    assert count(world, ProcessedEvent) == 0 and count(world, Member) == 0


def test_a_picture_in_a_group_gets_no_answer(world: World) -> None:
    payload = world.driver.message(ALICE, "x", chat_type="group", chat_id="oc_group_fake")
    payload["event"]["message"]["message_type"] = "image"
    payload["event"]["message"]["content"] = json.dumps({"image_key": "img_v3_fake"})
    assert world.driver.post(payload).status == 200
    nothing_stored(world)


def test_every_answer_is_within_three_seconds_even_when_feishu_is_slow(world: World) -> None:
    """Message events are answered before the work; the worker replies through the API."""
    import threading

    gate = threading.Event()
    original = world.fake.answer

    def slow(*args: Any) -> Any:
        if args[1].startswith("/open-apis/im/v1/messages"):
            gate.wait(10)
        return original(*args)

    world.fake.answer = slow  # type: ignore[method-assign]
    posted = world.driver.post(world.driver.message(ALICE, "帮助"))
    assert posted.status == 200 and posted.seconds < 1.0
    assert world.fake.messages() == []
    gate.set()
    world.connection.receiver.drain()
    assert len(world.fake.messages()) == 1


def test_only_post_is_served(world: World) -> None:
    response = world.connection.routes()["/feishu/events"](
        HttpRequest(method="GET", path="/feishu/events")
    )
    assert response.status == 405
