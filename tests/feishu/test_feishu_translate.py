"""Reading what Feishu sends: text, mention placeholders, menu keys, card values."""

from __future__ import annotations

import json

import pytest

from bot.feishu import translate
from handlers.events import MentionedUser

BOT = "ou_bot_okrbot"


def test_the_bots_own_mention_and_okr_prefix_are_removed_and_colleagues_kept() -> None:
    mentions = [
        translate.MentionIn("@_user_1", BOT, "okrbot", is_bot=True),
        translate.MentionIn("@_user_2", "ou_bob", "王博"),
    ]
    parsed = translate.command_text("@_user_1 /okr  求助 @_user_2 KR1 看看", mentions, BOT)
    assert parsed.text == "求助 @_user_2 KR1 看看"
    assert parsed.mentions == {"@_user_2": MentionedUser("ou_bob", "王博")}
    assert parsed.mentions_bot


def test_placeholder_ten_is_not_read_as_placeholder_one() -> None:
    mentions = [translate.MentionIn(f"@_user_{n}", f"ou_{n}", f"p{n}") for n in range(1, 11)]
    mentions[0] = translate.MentionIn("@_user_1", BOT, "okrbot")
    parsed = translate.command_text("@_user_1 点赞 @_user_10 好", mentions, BOT)
    assert parsed.text == "点赞 @_user_10 好"
    assert set(parsed.mentions) == {f"@_user_{n}" for n in range(2, 11)}


def test_without_the_bots_id_a_bot_typed_mention_is_the_bot() -> None:
    mentions = [translate.MentionIn("@_user_1", "ou_someone", "okrbot", is_bot=True)]
    assert translate.command_text("@_user_1 我的", mentions, None).mentions_bot


def test_only_text_messages_are_commands() -> None:
    assert translate.message_text("text", json.dumps({"text": "签到"})) == "签到"
    assert translate.message_text("image", json.dumps({"image_key": "img"})) is None
    assert translate.message_text("text", "not json") is None


def test_menu_keys_map_to_verbs_and_unknown_keys_to_nothing() -> None:
    assert [translate.menu_command(k) for k in ("my_okrs", "checkin", "plan", "team")] == [
        "",
        "checkin",
        "plan",
        "team",
    ]
    assert translate.menu_command("something_else") is None


def test_form_values_come_back_under_our_names_with_dates_and_people_cleaned() -> None:
    value = {"form": "plan.add", "context": "KR1", "names": ["title", "due", "helpers", "gone"]}
    form_value = {"f0": "写邮件", "f1": "2026-12-02 +0800", "f2": ["ou_bob", "ou_chen"]}
    assert translate.form_submission(value, form_value) == (
        "plan.add",
        "KR1",
        {"title": "写邮件", "due": "2026-12-02", "helpers": ["ou_bob", "ou_chen"], "gone": None},
    )


def test_buttons_carry_our_action_and_value() -> None:
    assert translate.button_value({"action": "task.done", "value": "T1"}) == ("task.done", "T1")
    assert translate.button_value({"value": "T1"}) is None
    assert translate.button_value(None) is None


def _post(content: object) -> str:
    return json.dumps(content, ensure_ascii=False)


def test_a_rich_text_post_reads_as_its_lines_with_mentions_as_placeholders() -> None:
    content = _post(
        {
            "title": "",
            "content": [
                [
                    {"tag": "at", "user_id": "@_user_1", "user_name": "okrbot"},
                    {"tag": "text", "text": "签到 KR1 ", "style": ["bold"]},
                    {"tag": "text", "text": "600"},
                ],
                [{"tag": "img", "image_key": "img_v3_fake"}],
                [{"tag": "text", "text": "信心 7 "}, {"tag": "emotion", "emoji_type": "SMILE"}],
            ],
        }
    )
    text = translate.message_text("post", content)
    assert text is not None
    mentions = [translate.MentionIn("@_user_1", BOT, "okrbot", is_bot=True)]
    parsed = translate.command_text(text, mentions, BOT)
    assert parsed.mentions_bot and parsed.text == "签到 KR1 600 信心 7"


def test_a_post_under_any_locale_key_links_as_text_and_a_title_alone() -> None:
    linked = _post(
        {"ja_jp": {"title": "x", "content": [[{"tag": "a", "href": "https://e.x", "text": "my"}]]}}
    )
    assert translate.message_text("post", linked) == "my"
    titled = _post({"en_us": {"title": "help", "content": [[{"tag": "hr"}]]}})
    assert translate.message_text("post", titled) == "help"


@pytest.mark.parametrize(
    "content",
    ["", "not json", "[]", _post({"content": "not a list"}), _post({"zh_cn": {"title": ""}})],
)
def test_a_post_that_holds_nothing_to_read_is_not_text(content: str) -> None:
    assert translate.message_text("post", content) is None


def test_the_kind_of_a_webhook_payload_for_each_schema() -> None:
    assert translate.event_kind({"schema": "2.0", "header": {"event_type": "a.b_v1"}}) == (
        "2.0",
        "a.b_v1",
    )
    assert translate.event_kind({"uuid": "u", "event": {"type": "message"}}) == ("1.0", "message")
    assert translate.event_kind({"type": "url_verification"}) == ("", "url_verification")
    assert translate.event_kind({"open_id": "ou_x", "action": {}}) == ("", "")
