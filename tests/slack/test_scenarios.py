"""What a Slack user does, through signed requests to the real Bolt app and the fake Slack API."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import timedelta
from typing import Any

import pytest

from bot.http import HttpRequest, HttpResponse
from bot.slack.app import SlackConnection
from handlers.app import OkrApp
from handlers.clock import ManualClock
from handlers.events import Event
from handlers.views import Message, Outcome
from storage.db import SessionFactory
from storage.models import (
    Checkin,
    HelpRequest,
    KeyResult,
    Kudos,
    Member,
    Objective,
    OutboxMessage,
    PlanTask,
    ProcessedEvent,
    Team,
)
from tests.conftest import WEDNESDAY
from tests.fakes.slack_api import BOT_USER, Call, FakeSlack, SlackDriver
from tests.slack.conftest import (
    ALICE,
    BOB,
    CHEN,
    Bot,
    route_post,
    rows,
    slack_settings,
)

NEW_OBJECTIVE = "new Grow our reach | Followers: 0 -> 10000 followers"


def said(call: Call) -> str:
    """Everything a call showed, as one searchable string (mentions and all)."""
    return json.dumps(call.args, ensure_ascii=False)


def reply(bot: Bot, user: str, text: str, **kwargs: Any) -> str:
    """A command's private answer, as posted to its response_url."""
    sent = bot.slack.command(user, text, **kwargs)
    assert sent.status == 200, sent.body
    assert sent.seconds < 3, f"acknowledged after {sent.seconds:.1f}s"
    url = bot.slack.last_response_url
    bot.fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
    return " ".join(said(c) for c in bot.fake.answers_to(url))


def create_objective(bot: Bot, user: str = ALICE) -> None:
    assert "Followers" in reply(bot, user, NEW_OBJECTIVE)


# --- each verb of the grammar ---------------------------------------------------


def test_a_new_member_is_created_with_slack_name_timezone_and_locale(bot: Bot) -> None:
    text = reply(bot, CHEN, "")
    (member,) = rows(bot.sessions, Member)
    assert (member.external_id, member.display_name) == (CHEN, "陈静")
    assert (member.timezone, member.locale) == ("Asia/Shanghai", "zh")
    assert "目标" in text  # answered in the member's language


def test_people_are_looked_up_once_and_then_cached(bot: Bot) -> None:
    reply(bot, ALICE, "")
    reply(bot, ALICE, "help")
    assert len(bot.fake.of("users.info")) == 1


def test_new_objective_in_one_line_is_stored(bot: Bot) -> None:
    text = reply(bot, ALICE, NEW_OBJECTIVE)
    (objective,) = rows(bot.sessions, Objective)
    (kr,) = rows(bot.sessions, KeyResult)
    assert objective.title == "Grow our reach"
    assert (kr.title, kr.target_value, kr.unit) == ("Followers", 10000, "followers")
    assert '"response_type": "ephemeral"' in text


def test_checkin_stores_the_value_and_shows_progress(bot: Bot) -> None:
    create_objective(bot)
    text = reply(bot, ALICE, "checkin KR1 6000 conf 7")
    (checkin,) = rows(bot.sessions, Checkin)
    assert (checkin.value, checkin.confidence) == (6000, 7)
    assert "60%" in text


def test_kr_edit(bot: Bot) -> None:
    create_objective(bot)
    reply(bot, ALICE, "kr KR1 target 12000")
    (kr,) = rows(bot.sessions, KeyResult)
    assert kr.target_value == 12000


def test_plan_add_and_list(bot: Bot) -> None:
    create_objective(bot)
    reply(bot, ALICE, "plan add KR1 Draft the launch post")
    (task,) = rows(bot.sessions, PlanTask)
    assert task.title == "Draft the launch post"
    assert "Draft the launch post" in reply(bot, ALICE, "plan")


def test_show_a_person_by_slack_mention(bot: Bot) -> None:
    create_objective(bot, BOB)
    text = reply(bot, ALICE, f"show <@{BOB}|bob>")
    assert "Grow our reach" in text


def test_team_new_with_a_slack_channel_and_rollup(bot: Bot) -> None:
    reply(bot, ALICE, "team new Growth <#C0GROWTH1|growth>")
    (team,) = rows(bot.sessions, Team)
    assert (team.name, team.channel_external_id) == ("Growth", "C0GROWTH1")
    reply(bot, ALICE, f"team add Growth <@{BOB}|bob>")
    create_objective(bot, BOB)
    assert "Growth" in reply(bot, ALICE, "team")


def test_ask_names_the_helper_by_mention_and_dms_them(bot: Bot) -> None:
    create_objective(bot)
    text = reply(bot, ALICE, f"ask <@{BOB}> KR1 can you review the deck?")
    (request,) = rows(bot.sessions, HelpRequest)
    helper = next(m for m in rows(bot.sessions, Member) if m.external_id == BOB)
    assert request.helper_id == helper.id
    assert helper.display_name == "Bob"  # looked up, though Slack sent no name
    assert "H1" in text


def test_kudos(bot: Bot) -> None:
    reply(bot, ALICE, f"kudos <@{BOB}|bob> for the great launch")
    (kudos,) = rows(bot.sessions, Kudos)
    assert kudos.text == "for the great launch"


def test_align_score_settings_away_and_help_answer(bot: Bot) -> None:
    create_objective(bot)
    reply(bot, ALICE, "new Parent goal | Revenue: 0 -> 5 m")
    assert "O1" in reply(bot, ALICE, "align O1 O2")
    assert "KR1" in reply(bot, ALICE, "score")
    assert "Asia/Shanghai" in reply(bot, ALICE, "settings")
    assert "away" in reply(bot, ALICE, "away until 2026-12-03").lower()
    assert "checkin" in reply(bot, ALICE, "help checkin")


def test_a_typo_gets_a_polite_answer(bot: Bot) -> None:
    text = reply(bot, ALICE, "chekin KR1 6000")
    assert "checkin" in text


def test_a_reply_the_core_makes_public_is_posted_in_the_channel(
    fake: FakeSlack, sessions: SessionFactory
) -> None:
    class PublicApp(OkrApp):
        def handle(self, event: Event) -> Outcome:
            outcome = super().handle(event)
            outcome.replies = [
                dataclasses.replace(r, in_channel=True) if isinstance(r, Message) else r
                for r in outcome.replies
            ]
            return outcome

    okr = PublicApp(sessions=sessions, clock=ManualClock(WEDNESDAY))
    connection = SlackConnection(slack_settings(fake), okr)
    slack = SlackDriver(route_post(connection), fake)
    slack.command(ALICE, "help")
    url = slack.last_response_url
    answer = fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
    assert answer.args["response_type"] == "in_channel"
    slack.event(
        {
            "type": "app_mention",
            "user": ALICE,
            "text": f"<@{BOT_USER}> help",
            "channel": "C0PUBLIC1",
        }
    )
    posted = fake.wait_for("chat.postMessage")[0]
    assert posted.args["channel"] == "C0PUBLIC1"
    assert fake.of("chat.postEphemeral") == []
    connection.app.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]


# --- modals ---------------------------------------------------------------------


def opened_modal(bot: Bot, user: str, text: str) -> dict[str, Any]:
    before = len(bot.fake.of("views.open"))
    sent = bot.slack.command(user, text)
    assert sent.status == 200
    call = bot.fake.wait_for("views.open", before + 1)[before]
    view = call.args["view"]
    assert isinstance(view, dict)
    return view


def test_new_objective_modal_round_trip(bot: Bot) -> None:
    view = opened_modal(bot, ALICE, "new")
    assert view["type"] == "modal" and view["callback_id"] == "objective.new"
    sent = bot.slack.submit(
        ALICE,
        view,
        {"title": "Win the EU market", "kind": "aspirational", "kr1": "Stores: 0 -> 3 stores"},
    )
    assert sent.status == 200 and not sent.body  # closed
    (objective,) = rows(bot.sessions, Objective)
    assert (objective.title, objective.kind) == ("Win the EU market", "aspirational")
    confirmation = bot.fake.wait_for("chat.postEphemeral")[0]
    assert confirmation.args["channel"] == "C0FAKEGEN" and confirmation.args["user"] == ALICE
    assert "Win the EU market" in said(confirmation)


def test_modal_validation_error_shows_beside_the_input(bot: Bot) -> None:
    view = opened_modal(bot, ALICE, "new")
    sent = bot.slack.submit(
        ALICE, view, {"title": "  ", "kind": "committed", "kr1": "Stores: 0 -> 3"}
    )
    assert sent.status == 200
    answer = sent.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["title"]
    assert rows(bot.sessions, Objective) == []


def test_checkin_modal_round_trip(bot: Bot) -> None:
    create_objective(bot)
    view = opened_modal(bot, ALICE, "checkin")
    names = [b["block_id"] for b in view["blocks"]]
    assert names == ["value:KR1", "confidence:KR1", "note:KR1"]
    sent = bot.slack.submit(
        ALICE, view, {"value:KR1": "6000", "confidence:KR1": "7", "note:KR1": "good week"}
    )
    assert sent.status == 200
    (checkin,) = rows(bot.sessions, Checkin)
    assert (checkin.value, checkin.confidence, checkin.note) == (6000, 7, "good week")
    assert "60%" in said(bot.fake.wait_for("chat.postEphemeral")[0])


# --- buttons --------------------------------------------------------------------


def pressed_reply(bot: Bot, user: str, action: str, value: str = "") -> Call:
    sent = bot.slack.press(user, action, value)
    assert sent.status == 200 and sent.seconds < 3
    url = bot.slack.last_response_url
    return bot.fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))


def test_check_in_button_opens_the_modal(bot: Bot) -> None:
    create_objective(bot)
    bot.slack.press(ALICE, "checkin.open", "KR1")
    view = bot.fake.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "checkin"


def test_new_objective_button_opens_the_modal(bot: Bot) -> None:
    bot.slack.press(ALICE, "objective.new")
    assert bot.fake.wait_for("views.open")[0].args["view"]["callback_id"] == "objective.new"


def test_plan_and_rollup_buttons_answer_privately(bot: Bot) -> None:
    create_objective(bot)
    reply(bot, ALICE, "plan add KR1 Draft the launch post")
    assert "Draft the launch post" in said(pressed_reply(bot, ALICE, "plan.list"))
    reply(bot, ALICE, "team new Growth")
    assert "Growth" in said(pressed_reply(bot, ALICE, "team.rollup", "Growth"))


@pytest.mark.parametrize(("action", "status"), [("task.done", "done"), ("task.drop", "dropped")])
def test_task_buttons_change_the_task(bot: Bot, action: str, status: str) -> None:
    create_objective(bot)
    reply(bot, ALICE, "plan add KR1 Draft the launch post")
    pressed_reply(bot, ALICE, action, "T1")
    (task,) = rows(bot.sessions, PlanTask)
    assert task.status == status


def test_a_repeated_action_gets_unique_ids_and_still_means_the_same(bot: Bot) -> None:
    create_objective(bot)
    for title in ("one", "two", "three"):
        reply(bot, ALICE, f"plan add KR1 {title}")
    text = reply(bot, ALICE, "plan")
    assert "task.done~1" in text and "task.done~2" in text
    pressed_reply(bot, ALICE, "task.done~2", "T3")
    done = [t.title for t in rows(bot.sessions, PlanTask) if t.status == "done"]
    assert done == ["three"]


def test_a_double_click_is_handled_once(bot: Bot) -> None:
    create_objective(bot)
    reply(bot, ALICE, "plan add KR1 Draft")
    moment = time.time() // 5 * 5 + 1
    first = bot.slack.press(ALICE, "task.carry", "T1", action_ts=moment)
    second = bot.slack.press(ALICE, "task.carry", "T1", action_ts=moment + 0.3)
    assert first.status == second.status == 200
    bot.fake.wait_for("response_url", 3)
    bot.idle()
    assert len(bot.fake.of("response_url")) == 3  # the command, the plan add, one press


def test_a_press_of_the_same_button_a_minute_later_is_handled_again(bot: Bot) -> None:
    create_objective(bot)
    reply(bot, ALICE, "plan add KR1 Draft")
    moment = time.time() // 5 * 5 + 1
    assert bot.slack.press(ALICE, "task.carry", "T1", action_ts=moment).status == 200
    bot.fake.wait_for("response_url", 3)
    assert bot.slack.press(ALICE, "task.carry", "T1", action_ts=moment + 60).status == 200
    bot.fake.wait_for("response_url", 4)
    bot.idle()
    assert len(bot.fake.of("response_url")) == 4  # the command, the plan add, two presses
    presses = [e for e in rows(bot.sessions, ProcessedEvent) if e.event_id.startswith("btn:")]
    assert len(presses) == 2


# --- mention → help request → helper's DM → Accept → updated in place --------------


def test_help_request_from_a_mention_to_an_accepted_dm(bot: Bot) -> None:
    create_objective(bot)
    sent = bot.slack.event(
        {
            "type": "app_mention",
            "user": ALICE,
            "text": f"<@{BOT_USER}> ask <@{BOB}> KR1 can you review the deck?",
            "channel": "C0FAKEGEN",
            "ts": "1700000001.000100",
        }
    )
    assert sent.status == 200 and sent.seconds < 3
    ack = bot.fake.wait_for("chat.postEphemeral")[0]
    assert ack.args["user"] == ALICE and "H1" in said(ack)

    # The outbox's sender delivers the DM to the helper.
    (request,) = rows(bot.sessions, HelpRequest)
    sent = bot.drain_outbox()
    assert sent.sent == 1 and not sent.errors
    dm = bot.fake.wait_for("chat.postMessage")[0]
    assert dm.args["channel"] == BOB
    assert "help.accept" in said(dm)
    assert f"<@{ALICE}> asks for your help" in said(dm)  # a real mention: Slack links it
    (row,) = rows(bot.sessions, OutboxMessage)
    assert row.state == "sent" and row.platform_ref is not None
    channel, ts = row.platform_ref.split(":")

    bot.slack.press(BOB, "help.accept", "H1", message={"ts": ts}, channel=channel)
    replaced = bot.fake.wait_until(lambda c: c.args.get("replace_original") is True)
    assert "accepted" in said(replaced) and "help.accept" not in said(replaced)
    (request,) = rows(bot.sessions, HelpRequest)
    assert request.status == "accepted"


# --- DMs and App Home -----------------------------------------------------------


def test_a_dm_is_a_command_without_slash_okr(bot: Bot) -> None:
    sent = bot.slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0ALICE01",
            "user": ALICE,
            "text": NEW_OBJECTIVE,
            "ts": "1700000002.000100",
        }
    )
    assert sent.status == 200
    answer = bot.fake.wait_for("chat.postMessage")[0]
    assert answer.args["channel"] == "D0ALICE01"
    assert len(rows(bot.sessions, Objective)) == 1


def test_bot_messages_and_edits_in_a_dm_are_ignored(bot: Bot) -> None:
    for extra in ({"bot_id": "B0FAKEBOT"}, {"subtype": "message_changed"}, {"user": BOT_USER}):
        bot.slack.event(
            {
                "type": "message",
                "channel_type": "im",
                "channel": "D0ALICE01",
                "user": ALICE,
                "text": NEW_OBJECTIVE,
                "ts": "1700000003.000100",
                **extra,
            }
        )
    bot.idle()
    assert rows(bot.sessions, Objective) == []
    assert bot.fake.of("chat.postMessage") == []


def test_a_dm_arrives_with_slacks_three_entities_and_is_read_as_typed(bot: Bot) -> None:
    # Slack escapes &, < and > in message text; a typed "&lt;" arrives as "&amp;lt;".
    sent = bot.slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0ALICE01",
            "user": ALICE,
            "text": "new Sales &amp; marketing &amp;lt;3 | Deals: 0 -&gt; 10 deals",
            "ts": "1700000005.000100",
        }
    )
    assert sent.status == 200
    bot.fake.wait_for("chat.postMessage")
    bot.idle()
    [objective] = rows(bot.sessions, Objective)
    assert objective.title == "Sales & marketing &lt;3"
    [kr] = rows(bot.sessions, KeyResult)
    assert (kr.title, kr.start_value, kr.target_value) == ("Deals", 0, 10)


def test_another_bot_mentioning_okrbot_in_a_channel_is_not_answered(bot: Bot) -> None:
    mention = f"<@{BOT_USER}> {NEW_OBJECTIVE}"
    common = {"type": "app_mention", "text": mention, "channel": "C0FAKEGEN"}
    bot.slack.event({**common, "user": "U0OTHERBOT", "bot_id": "B0OTHER", "ts": "1.1"})
    # A person's mention after it is the marker: once it is answered, the bot's was seen.
    bot.slack.event({**common, "user": ALICE, "ts": "1.2"})
    bot.fake.wait_for("chat.postEphemeral")
    bot.idle()
    assert [c.args["user"] for c in bot.fake.of("chat.postEphemeral")] == [ALICE]
    assert [o.title for o in rows(bot.sessions, Objective)] == ["Grow our reach"]
    assert "U0OTHERBOT" not in [m.external_id for m in rows(bot.sessions, Member)]


def test_app_home_is_published(bot: Bot) -> None:
    create_objective(bot)
    bot.slack.event(
        {"type": "app_home_opened", "user": ALICE, "channel": "D0ALICE01", "tab": "home"}
    )
    call = bot.fake.wait_for("views.publish")[0]
    assert call.args["user_id"] == ALICE and call.args["view"]["type"] == "home"
    assert "Grow our reach" in said(call)


# --- refusals and retries ---------------------------------------------------------


@pytest.mark.parametrize("how", ["forged", "stale", "unsigned", "tampered"])
def test_refused_requests_get_401_and_store_nothing(bot: Bot, how: str) -> None:
    body = bot.slack.command_body(ALICE, NEW_OBJECTIVE)
    now = int(time.time())
    from tests.fakes.slack_api import sign

    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": str(now),
        "x-slack-signature": sign(bot.slack.secret, now, body),
    }
    if how == "forged":
        headers["x-slack-signature"] = sign("not-the-secret", now, body)
    elif how == "stale":
        old = now - 6 * 60
        headers["x-slack-request-timestamp"] = str(old)
        headers["x-slack-signature"] = sign(bot.slack.secret, old, body)
    elif how == "unsigned":
        del headers["x-slack-signature"], headers["x-slack-request-timestamp"]
    else:
        body = body.replace(b"Grow", b"Shrink")
    status, _ = bot.slack.post(body, headers)
    assert status == 401
    bot.idle()
    assert rows(bot.sessions, Objective) == [] and rows(bot.sessions, Member) == []
    assert bot.fake.of("users.info") == []


def test_an_event_delivered_three_times_is_handled_once(bot: Bot) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0ALICE01",
        "user": ALICE,
        "text": NEW_OBJECTIVE,
        "ts": "1700000004.000100",
    }
    for retry in (None, 1, 2):
        assert bot.slack.event(event, event_id="Ev0SAME01", retry=retry).status == 200
    bot.idle()
    assert len(rows(bot.sessions, Objective)) == 1
    assert len(bot.fake.of("chat.postMessage")) == 1
    assert [e.event_id for e in rows(bot.sessions, ProcessedEvent)].count("ev:Ev0SAME01") == 1


def test_a_retry_that_reaches_a_restarted_bot_is_not_handled_again(bot: Bot) -> None:
    # Slack retries a delivery it got no answer to; the process that took the
    # first one may have been restarted since (a deploy, a crash after the work).
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0ALICE01",
        "user": ALICE,
        "text": NEW_OBJECTIVE,
        "ts": "1700000005.000100",
    }
    assert bot.slack.event(event, event_id="Ev0AGAIN1").status == 200
    bot.idle()
    assert len(bot.fake.of("chat.postMessage")) == 1
    bot.connection.stop()

    okr = OkrApp(sessions=bot.sessions, clock=bot.clock, default_timezone="Asia/Shanghai")
    restarted = SlackConnection(slack_settings(bot.fake), okr)
    try:
        driver = SlackDriver(route_post(restarted), bot.fake)
        assert driver.event(event, event_id="Ev0AGAIN1", retry=1).status == 200
        # A marker the restarted bot answers: once it has, the retry's work is done too.
        marker = {**event, "text": "help", "ts": "1700000006.000100"}
        assert driver.event(marker, event_id="Ev0MARKER").status == 200
        assert restarted.background.wait_idle(10), "the restarted bot's work did not finish"
        bot.fake.wait_for("chat.postMessage", 2)
    finally:
        restarted.stop()
        restarted.app.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]
    assert len(rows(bot.sessions, Objective)) == 1
    assert len(bot.fake.of("chat.postMessage")) == 2  # the first answer and the marker's
    assert "Followers" not in said(bot.fake.of("chat.postMessage")[1])


def test_a_refused_token_stops_the_start_naming_the_setting(fake: FakeSlack, bot: Bot) -> None:
    from bot.settings import SettingsError
    from tests.slack.conftest import slack_settings

    fake.refused_tokens.add("xoxb-000-fake-revoked")
    connection = SlackConnection(
        slack_settings(fake, slack_bot_token="xoxb-000-fake-revoked"), bot.okr
    )
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        connection.check()
    bot.connection.check()  # the good token passes


def test_answering_a_request_from_home_republishes_home(bot: Bot) -> None:
    create_objective(bot, BOB)
    reply(bot, BOB, f"ask <@{ALICE}> KR1 can you review the deck?")
    bot.slack.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    first = bot.fake.wait_for("views.publish")[0]
    assert "Waiting on you" in said(first) and "help.accept" in said(first)
    sent = bot.slack.press(ALICE, "help.accept", "H1", home=True)
    assert sent.status == 200 and sent.seconds < 3
    again = bot.fake.wait_for("views.publish", 2)[1]
    assert "Waiting on you" not in said(again)
    (request,) = rows(bot.sessions, HelpRequest)
    assert request.status == "accepted"
    # No channel to answer in from Home: the confirmation comes as a DM.
    assert bot.fake.wait_for("chat.postMessage")[0].args["channel"] == ALICE


def test_a_dm_rate_limited_twice_is_delivered_after_retry_after(bot: Bot) -> None:
    create_objective(bot)
    reply(bot, ALICE, f"kudos <@{BOB}|bob> for the review")
    # The client waits out one 429 itself; a second one goes back to the outbox with its wait.
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=2, times=2)
    first = bot.drain_outbox()
    # Held back for the limit: not a failed attempt, and no lookup (a 429 posted nothing).
    assert (first.sent, first.deferred, first.errors) == (0, 1, ["rate limited (ratelimited)"])
    (row,) = rows(bot.sessions, OutboxMessage)
    assert row.state == "pending" and row.next_attempt_at >= bot.clock.now() + timedelta(seconds=2)
    assert (row.attempts, row.doubt_since) == (0, None)
    bot.clock.set(bot.clock.now() + timedelta(seconds=3))
    assert bot.drain_outbox().sent == 1
    tries = bot.fake.of("chat.postMessage")
    assert len(tries) == 3 and tries[-1].args["channel"] == BOB


def test_a_form_asked_for_in_a_dm_opens_from_a_button(bot: Bot) -> None:
    create_objective(bot)
    bot.slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0ALICE01",
            "user": ALICE,
            "text": "checkin",
            "ts": "1700000006.000100",
        }
    )
    offer = bot.fake.wait_for("chat.postMessage")[0]
    (button,) = offer.args["blocks"][-1]["elements"]
    assert button["action_id"] == "okrbot.form" and button["value"] == "checkin"
    bot.slack.press(ALICE, button["action_id"], button["value"], channel="D0ALICE01")
    view = bot.fake.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "checkin"


def test_a_modal_opened_in_a_dm_between_people_confirms_in_the_bots_dm(bot: Bot) -> None:
    bot.slack.command(ALICE, "new", channel="D0ALICEBOB")
    view = bot.fake.wait_for("views.open")[0].args["view"]
    bot.slack.submit(ALICE, view, {"title": "Win", "kind": "committed", "kr1": "Stores: 0 -> 3"})
    confirmation = bot.fake.wait_for("chat.postMessage")[0]
    assert confirmation.args["channel"] == ALICE  # not the two people's DM, where the bot is not
    assert bot.fake.of("chat.postEphemeral") == []


def test_a_team_created_in_a_channel_posts_its_rhythm_there(bot: Bot) -> None:
    assert "this channel" in reply(bot, ALICE, "team new Growth", channel="C0GROWTH")
    assert "this channel" not in reply(bot, ALICE, "team new Solo", channel="D0ALICE")
    channels = {team.name: team.channel_external_id for team in rows(bot.sessions, Team)}
    assert channels == {"Growth": "C0GROWTH", "Solo": None}


def test_a_commands_work_starts_only_once_its_ack_is_sent(bot: Bot) -> None:
    # The route answers first; the server then starts the work (response.after), so the
    # ack never waits behind the command it acknowledges.
    held: list[HttpResponse] = []

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        response = bot.connection.handle_http(
            HttpRequest(method="POST", path="/slack/events", headers=headers, body=body)
        )
        held.append(response)
        return response.status, response.body

    driver = SlackDriver(post, bot.fake)
    assert driver.command(ALICE, "").status == 200
    url = driver.last_response_url
    (response,) = held
    assert response.after is not None  # the command's work waits for the ack to be sent
    assert bot.fake.answers_to(url) == []  # nothing ran yet: the ack is not sent
    response.after()  # the server sent the ack
    bot.fake.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
    assert "OKR" in " ".join(said(c) for c in bot.fake.answers_to(url))
