"""The cycle's two ends in Slack: signed commands, buttons and modals, and the outbox.

Mei's team drafts next quarter's OKRs in its channel (the proposal form is a
modal opened from the channel post's button, votes are buttons on the posted
vote), finalises, and Alice writes her own in a modal; at the quarter's end
Alice's review pack reaches her DM with its picture uploaded, Zhao answers the
committee's feedback request in a modal, and the committee's score reaches
Alice with its reason. Every message is posted once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot import pages
from bot.outbox import OutboxSender, SendReport
from storage.models import FeedbackRequest, Objective, OutboxMessage, Score
from tests.fakes.slack_api import Call, FakeSlack, FakeUser
from tests.slack.conftest import Bot, rows

MEI, ALICE, BOB, ZHAO, CHEN = "U0MEI0001", "U0ALICE01", "U0BOB0001", "U0ZHAO001", "U0CHEN001"
MARKETING, RND = "C0MKT0001", "C0RND0001"
LAST_WEEK = datetime(2026, 12, 28, 1, 40, tzinfo=UTC)  # Mon 09:40 Shanghai, the quarter's last week


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack(
        users={
            MEI: FakeUser("Mei"),
            ALICE: FakeUser("Alice"),
            BOB: FakeUser("Bob"),
            ZHAO: FakeUser("Zhao"),
            CHEN: FakeUser("Chen"),
        }
    ).start()
    yield slack
    slack.stop()


def drain(bot: Bot) -> SendReport:
    """Send what the outbox holds as the running bot does: charts and pages drawn first."""
    return OutboxSender(
        sessions=bot.sessions,
        senders=[bot.connection.sender()],
        clock=bot.clock,
        prepare=pages.prepare_outgoing,
    ).drain()


def said(call: Call) -> str:
    return json.dumps(call.args, ensure_ascii=False)


def command(bot: Bot, user: str, text: str, channel: str = "C0FAKEGEN") -> str:
    sent = bot.slack.command(user, text, channel=channel)
    assert sent.status == 200 and sent.seconds < 3, (text, sent.status, sent.seconds)
    url = bot.slack.last_response_url
    bot.fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
    return " ".join(said(c) for c in bot.fake.answers_to(url))


def press(bot: Bot, user: str, action: str, value: str, channel: str = "C0FAKEGEN") -> str:
    sent = bot.slack.press(user, action, value, channel=channel)
    assert sent.status == 200 and sent.seconds < 3
    url = bot.slack.last_response_url
    bot.fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
    return " ".join(said(c) for c in bot.fake.answers_to(url))


def opened_by_press(bot: Bot, user: str, action: str, value: str, channel: str) -> dict[str, Any]:
    before = len(bot.fake.of("views.open"))
    sent = bot.slack.press(user, action, value, channel=channel)
    assert sent.status == 200 and sent.seconds < 3
    view = bot.fake.wait_for("views.open", before + 1)[before].args["view"]
    assert isinstance(view, dict)
    return view


def posts_to(bot: Bot, channel: str) -> list[Call]:
    return [c for c in bot.fake.of("chat.postMessage") if c.args.get("channel") == channel]


def buttons(call: Call) -> list[tuple[str, str]]:
    blocks = call.args["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return [
        (e["action_id"].split("~")[0], e.get("value", ""))
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_drafting_review_feedback_and_the_committee_through_slack(bot: Bot) -> None:
    command(bot, MEI, f"team new Marketing <#{MARKETING}|marketing>")
    command(bot, MEI, f"team add Marketing <@{ALICE}|alice> <@{BOB}|bob>")
    command(bot, ZHAO, f"team new RnD <#{RND}|rnd>")
    command(bot, ZHAO, "new Ship the partner portal | Portal live: done")
    command(bot, ALICE, "new Raise brand awareness | Followers: 0 -> 10000 followers")

    # Drafting, started in the team's channel.
    assert "Started drafting 2027-Q1 with Marketing." in command(
        bot, MEI, "draft start", channel=MARKETING
    )
    assert drain(bot).sent == 1
    (opened,) = posts_to(bot, MARKETING)
    assert buttons(opened) == [("draft.propose", "1")]
    view = opened_by_press(bot, ALICE, "draft.propose", "1", channel=MARKETING)
    assert view["callback_id"] == "draft.propose"
    bad = bot.slack.submit(ALICE, view, {"title": "Be known", "kr1": "Leads: 0 -> lots"})
    assert bad.json()["response_action"] == "errors" and "kr1" in bad.json()["errors"]
    good = bot.slack.submit(
        ALICE, view, {"title": "Be the name buyers know", "kr1": "Inbound leads: 300 -> 600 leads"}
    )
    assert good.status == 200 and not good.body
    command(bot, BOB, "draft propose Win Brazil | Brazil signups: 0 -> 500 signups")
    command(bot, MEI, "draft next", channel=MARKETING)
    drain(bot)
    vote = posts_to(bot, MARKETING)[-1]
    assert "Vote for 2027-Q1" in said(vote)
    assert buttons(vote) == [("draft.vote", "1:#1"), ("draft.vote", "1:#2")]
    assert "Your votes: #1" in press(bot, ALICE, "draft.vote", "1:#1", channel=MARKETING)
    command(bot, BOB, "draft vote #1 #2")
    command(bot, MEI, "draft next", channel=MARKETING)
    command(bot, ALICE, "draft vote #1.1")
    assert "Created Marketing's objectives for 2027-Q1: O3 Be the name buyers know" in command(
        bot, MEI, "draft finish", channel=MARKETING
    )
    drain(bot)
    invite = next(
        c
        for c in bot.fake.of("chat.postMessage")
        if c.args["channel"] == ALICE and "draft.own" in said(c)
    )
    own = opened_by_press(bot, ALICE, "draft.own", "1", channel="D0ALICE01")
    assert own["callback_id"] == "objective.new"
    align = next(b for b in own["blocks"] if b["block_id"] == "align")
    assert align["element"]["type"] == "static_select"
    bot.slack.submit(
        ALICE,
        own,
        {
            "title": "Win Brazil on Instagram",
            "kind": "committed",
            "kr1": "Followers: 0 -> 5000",
            "align": "O3",
        },
    )
    assert invite is not None
    objectives = {o.number: o for o in rows(bot.sessions, Objective)}
    assert objectives[5].parent_objective_id == objectives[3].id
    assert objectives[5].cycle_id == objectives[3].cycle_id != objectives[2].cycle_id

    # Alice helps R&D; at the quarter's end her pack reaches her with its picture.
    command(bot, ZHAO, f"ask <@{ALICE}|alice> KR1 announce the portal to our followers?")
    command(bot, ALICE, "ask accept H1")
    command(bot, ALICE, "ask done H1 posted it")
    drain(bot)
    bot.clock.set(LAST_WEEK - timedelta(minutes=20))
    bot.okr.tick(until=bot.clock.now(), catch_up=timedelta(hours=2))
    bot.clock.set(LAST_WEEK)
    bot.okr.tick(until=LAST_WEEK, catch_up=timedelta(hours=2))
    drain(bot)
    pack = next(
        c
        for c in bot.fake.of("chat.postMessage")
        if "Review pack · Alice" in said(c) and c.args["channel"] == ALICE
    )
    assert "H1 for Zhao (RnD)" in said(pack) and "Helped RnD on Portal live (H1)" in said(pack)
    uploads = [c.args.get("filename") for c in bot.fake.of("files.getUploadURLExternal")]
    assert "review-pack-alice-2026-Q4.png" in uploads

    # Feedback in a modal, for the committee.
    command(bot, MEI, f"settings team Marketing committee <@{CHEN}|chen>")
    assert "Asked Zhao for feedback on" in command(bot, MEI, f"feedback ask <@{ALICE}|alice>")
    drain(bot)
    asked = next(
        c
        for c in bot.fake.of("chat.postMessage")
        if c.args["channel"] == ZHAO and "feedback.form" in said(c)
    )
    (request,) = rows(bot.sessions, FeedbackRequest)
    assert ("feedback.form", str(request.id)) in buttons(asked)
    form = opened_by_press(bot, ZHAO, "feedback.form", str(request.id), channel="D0ZHAO001")
    rating = next(b for b in form["blocks"] if b["block_id"] == "rating")
    assert [o["value"] for o in rating["element"]["options"]] == ["5", "4", "3", "2", "1"]
    bot.slack.submit(ZHAO, form, {"rating": "4", "comment": "the posts brought partners in"})
    (request,) = rows(bot.sessions, FeedbackRequest)
    assert (request.rating, request.comment) == (4, "the posts brought partners in")

    # The committee's score, with its reason, reaches Alice.
    command(bot, ALICE, "score KR2 0.7")
    command(bot, CHEN, 'committee propose KR2 0.5 "reach grew slower than planned"')
    assert "KR2 is final at 0.5 (self score 0.7)." in command(bot, MEI, "committee confirm KR2")
    drain(bot)
    told = [
        c
        for c in bot.fake.of("chat.postMessage")
        if c.args["channel"] == ALICE and "adjusted your score of KR2" in said(c)
    ]
    assert len(told) == 1 and "Chen for the committee: reach grew slower than planned" in said(
        told[0]
    )
    (score,) = rows(bot.sessions, Score)
    assert (score.self_score, score.reviewed_score) == (0.7, 0.5)
    # Every outbox row went out once.
    sent = rows(bot.sessions, OutboxMessage)
    assert {r.state for r in sent} == {"sent"}
    with bot.sessions.begin() as session:
        assert len(session.exec(select(OutboxMessage.key)).all()) == len({r.key for r in sent})
