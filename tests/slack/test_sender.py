"""The outbox's Slack sender against the fake Slack: posts, updates, uploads, and failures."""

from __future__ import annotations

import pytest

from bot.delivery import Outgoing, SendFailed
from bot.slack.app import make_client
from bot.slack.sender import SlackSender
from handlers.views import Home, Image, Message, Text, ToChannel, ToUser, mention
from tests.fakes.slack_api import TEAM, FakeSlack
from tests.slack.conftest import BOB, slack_settings


@pytest.fixture
def sender(fake: FakeSlack) -> SlackSender:
    return SlackSender(make_client(slack_settings(fake)))


def item(to: ToUser | ToChannel, message: Message | Home, ref: str | None = None) -> Outgoing:
    return Outgoing(
        id=1, platform="slack", workspace=TEAM, to=to, message=message, key="k1", ref=ref
    )


HELLO = Message(summary="Hello", blocks=(Text(f"Thanks {mention(BOB, 'Bob')}!"),))


def test_a_dm_goes_to_the_user_id_and_mentions_are_real(
    fake: FakeSlack, sender: SlackSender
) -> None:
    ref = sender.send(item(ToUser(BOB), HELLO))
    (call,) = fake.of("chat.postMessage")
    assert call.args["channel"] == BOB
    assert call.args["blocks"][0]["text"]["text"] == f"Thanks <@{BOB}>!"
    assert ref == "D0BOB0001:" + ref.split(":")[1]


def test_an_update_edits_the_posted_message_in_place(fake: FakeSlack, sender: SlackSender) -> None:
    ref = sender.send(item(ToChannel("C0GROWTH1"), HELLO))
    changed = Message(summary="Changed", blocks=(Text("Changed"),))
    assert sender.update(item(ToChannel("C0GROWTH1"), changed, ref=ref)) == ref
    (call,) = fake.of("chat.update")
    channel, ts = ref.split(":")
    assert (call.args["channel"], call.args["ts"]) == (channel, ts)
    assert call.args["text"] == "Changed"


def test_a_429_is_retried_after_retry_after(fake: FakeSlack, sender: SlackSender) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    sender.send(item(ToChannel("C0GROWTH1"), HELLO))
    first, second = fake.of("chat.postMessage")
    assert second.at - first.at >= 1.0


def test_a_429_that_persists_is_retryable_with_the_wait(
    fake: FakeSlack, sender: SlackSender
) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1, times=2)
    with pytest.raises(SendFailed) as failed:
        sender.send(item(ToChannel("C0GROWTH1"), HELLO))
    assert failed.value.retryable and failed.value.retry_after == 1


def test_a_5xx_is_retryable(fake: FakeSlack, sender: SlackSender) -> None:
    fake.fail_next("chat.postMessage", status=503, retry_after=None)
    with pytest.raises(SendFailed) as failed:
        sender.send(item(ToChannel("C0GROWTH1"), HELLO))
    assert failed.value.retryable


@pytest.mark.parametrize("token", ["xoxb-000-fake-revoked"])
def test_a_refused_token_is_not_retryable(fake: FakeSlack, token: str) -> None:
    fake.refused_tokens.add(token)
    sender = SlackSender(make_client(slack_settings(fake, slack_bot_token=token)))
    with pytest.raises(SendFailed) as failed:
        sender.send(item(ToChannel("C0GROWTH1"), HELLO))
    assert not failed.value.retryable and failed.value.reason == "invalid_auth"


def test_a_picture_is_uploaded_into_the_conversation(fake: FakeSlack, sender: SlackSender) -> None:
    chart = Image(filename="trend.png", alt="Followers by week", data=b"\x89PNG fake")
    sender.send(item(ToUser(BOB), Message(summary="Trend", blocks=(Text("Trend"), chart))))
    (upload,) = fake.of("upload")
    assert upload.args["size"] == len(chart.data)
    (complete,) = fake.of("files.completeUploadExternal")
    assert complete.args["channel_id"] == "D0BOB0001"


def test_a_home_view_is_published(fake: FakeSlack, sender: SlackSender) -> None:
    assert (
        sender.send(item(ToUser(BOB), Home(summary="Home", blocks=(Text("Hi"),)))) == f"home:{BOB}"
    )
    assert fake.of("views.publish")[0].args["view"]["type"] == "home"


def test_sends_count_against_one_bucket_per_conversation(sender: SlackSender) -> None:
    (a,) = sender.buckets(item(ToChannel("C1"), HELLO))
    (b,) = sender.buckets(item(ToUser(BOB), HELLO))
    assert a.per_second == 1.0 and a.name != b.name
