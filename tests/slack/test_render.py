"""Block Kit from neutral views: golden files per view kind, and Slack's limits.

Run with OKRBOT_UPDATE_GOLDEN=1 to rewrite tests/fixtures/slack/*.json after a
deliberate change, and read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.console.demo import DemoWorkspace
from bot.slack import render
from handlers.views import (
    Actions,
    Button,
    ButtonStyle,
    Chart,
    Context,
    Divider,
    Fields,
    Form,
    FormErrors,
    Header,
    Home,
    Image,
    Input,
    InputKind,
    Link,
    Message,
    Option,
    Progress,
    Series,
    Text,
    mention,
)
from tests.conftest import Harness

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "slack"


def golden(name: str, payload: dict[str, Any]) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("OKRBOT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with OKRBOT_UPDATE_GOLDEN=1"
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8"))


def valid_blocks(blocks: list[dict[str, Any]], limit: int) -> None:
    """Every block parses back into slack_sdk's models and passes their checks."""
    assert 0 < len(blocks) <= limit
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()
        assert parsed.to_dict() == raw


def valid_view(view: dict[str, Any]) -> None:
    View(**view).validate_json()
    valid_blocks(view["blocks"], render.VIEW_BLOCKS)


EVERY_BLOCK = Message(
    summary=f"Week 48 for {mention('U0ALICE01', 'Alice')}",
    blocks=(
        Header("Your OKRs · 2026-Q4"),
        Text(f"Asked {mention('U0BOB0001', 'Bob')} for help <on> KR1 & more"),
        Fields((("Owner", "Alice"), ("Confidence", "7/10"))),
        Progress("KR1 Followers", 0.6, "6,000 of 10,000 followers"),
        Progress("KR2 Engagement rate", None),
        Progress("KR3 Launch", 1.25),
        Divider(),
        Context("Checked in on Wednesday"),
        Link("Open in the web view", "https://okr.example.com/teams/7"),
        Actions(
            (
                Button("Check in", "checkin.open", "KR1", ButtonStyle.PRIMARY),
                Button("Done", "task.done", "T1"),
                Button("Done", "task.done", "T2"),
                Button("Drop", "task.drop", "T2", ButtonStyle.DANGER),
            )
        ),
        Image("trend.png", "Followers by week", b"png"),
        Chart("Followers", (Series("KR1", (("W47", 4000.0), ("W48", 6000.0))),)),
    ),
)

FORM = Form(
    form_id="objective.new",
    title="New objective",
    submit_label="Create",
    inputs=(
        Input("title", "Objective", placeholder="Where do you want to go?"),
        Input(
            "kind",
            "Kind",
            InputKind.SELECT,
            initial="committed",
            options=(Option("committed", "committed"), Option("aspirational", "aspirational")),
        ),
        Input("value", "Value", InputKind.NUMBER, initial="6000", hint="Now 6,000"),
        Input("note", "Note", InputKind.MULTILINE, required=False),
        Input("who", "Who", InputKind.USER),
        Input("team", "Team", InputKind.USERS, required=False),
        Input("due", "Due", InputKind.DATE, initial="2026-12-01"),
    ),
    context="KR1,KR2",
)


def test_every_block_kind_as_a_message() -> None:
    payload = render.message(EVERY_BLOCK)
    valid_blocks(payload["blocks"], render.MESSAGE_BLOCKS)
    golden("message_every_block", payload)
    flat = json.dumps(payload, ensure_ascii=False)
    assert "<@U0BOB0001>" in flat and "&lt;on&gt;" in flat and "&amp;" in flat
    assert "`██████░░░░` *60%*" in flat and "*125%*" in flat


def test_form_as_modal() -> None:
    view = render.modal(FORM, channel_id="C0GROWTH1")
    valid_view(view)
    golden("modal_every_input", view)
    assert render.modal_metadata(view["private_metadata"]) == ("KR1,KR2", "C0GROWTH1")


def test_home_tab() -> None:
    view = render.home(Home(summary="Home", blocks=EVERY_BLOCK.blocks))
    valid_view(view)
    golden("home", view)


def test_form_errors_go_beside_their_inputs() -> None:
    answer = render.form_errors(
        FormErrors((("kr1", "Write a target"), ("nowhere", "Something else"))), ["title", "kr1"]
    )
    golden("form_errors", answer)
    assert answer["errors"] == {"kr1": "Write a target", "title": "Something else"}


def test_real_views_of_the_product_are_valid_block_kit(
    harness: Harness, demo: DemoWorkspace
) -> None:
    """The demo's own messages and forms, as Slack gets them (no golden file: their
    wording belongs to the product and changes with it)."""
    for text in ("", "team", "team digest", "plan", "ask list", "help", "settings"):
        for reply in harness.say("alice", text).replies:
            assert isinstance(reply, Message), text
            valid_blocks(render.message(reply)["blocks"], render.MESSAGE_BLOCKS)
    for text in ("checkin", "new"):
        form = harness.say("alice", text).replies[0]
        assert isinstance(form, Form)
        valid_view(render.modal(form))


# --- limits --------------------------------------------------------------------


def test_too_many_blocks_are_summarised_and_buttons_kept() -> None:
    many = (*(Text(f"line {n}") for n in range(80)), Actions((Button("Go", "plan.list"),)))
    blocks = render.message(Message(summary="many", blocks=many))["blocks"]
    valid_blocks(blocks, render.MESSAGE_BLOCKS)
    assert len(blocks) == 50
    assert blocks[-1]["type"] == "actions"
    assert "32 more not shown" in blocks[-2]["elements"][0]["text"]
    home = render.home(Home(summary="many", blocks=many + many))
    assert len(home["blocks"]) == 100


def test_long_text_is_split_not_refused() -> None:
    long = "\n".join(f"{n:04d} " + "x" * 90 for n in range(80))  # about 7,600 characters
    blocks = render.message(Message(summary=long, blocks=(Text(long),)))["blocks"]
    valid_blocks(blocks, render.MESSAGE_BLOCKS)
    assert len(blocks) == 3
    joined = "\n".join(b["text"]["text"] for b in blocks)
    assert joined == long


def test_fields_go_ten_to_a_section() -> None:
    items = tuple((f"label {n}", f"value {n}") for n in range(12))
    blocks = render.message(Message(summary="f", blocks=(Fields(items),)))["blocks"]
    assert [len(b["fields"]) for b in blocks] == [10, 2]


def test_titles_headers_and_buttons_are_cut_to_size() -> None:
    form = Form("f", "A very long title for a modal in Slack", "Submit it all right now please", ())
    form = Form(form.form_id, form.title, form.submit_label, (Input("a", "A"),))
    view = render.modal(form)
    valid_view(view)
    assert len(view["title"]["text"]) == 24 and view["title"]["text"].endswith("…")
    msg = Message(
        summary="s", blocks=(Header("h" * 200), Actions((Button("b" * 100, "plan.list"),)))
    )
    blocks = render.message(msg)["blocks"]
    valid_blocks(blocks, render.MESSAGE_BLOCKS)
    assert len(blocks[0]["text"]["text"]) == 150
    assert len(blocks[1]["elements"][0]["text"]["text"]) == 75


def test_five_done_buttons_have_unique_action_ids_that_map_back() -> None:
    buttons = tuple(Button("Done", "task.done", f"T{n}") for n in range(5))
    (block,) = render.message(Message(summary="s", blocks=(Actions(buttons),)))["blocks"]
    ids = [e["action_id"] for e in block["elements"]]
    assert len(set(ids)) == 5
    assert {render.action_name(i) for i in ids} == {"task.done"}


def test_thirty_buttons_make_two_action_blocks() -> None:
    buttons = tuple(Button(f"B{n}", "task.done", f"T{n}") for n in range(30))
    blocks = render.message(Message(summary="s", blocks=(Actions(buttons),)))["blocks"]
    valid_blocks(blocks, render.MESSAGE_BLOCKS)
    assert [len(b["elements"]) for b in blocks] == [25, 5]


@pytest.mark.parametrize("count", [0, 1])
def test_an_empty_message_still_has_a_block(count: int) -> None:
    msg = Message(summary="Only a summary", blocks=(Divider(),) * count)
    blocks = render.message(msg)["blocks"]
    valid_blocks(blocks, render.MESSAGE_BLOCKS)


@pytest.mark.parametrize("fraction", [0.01, 0.02, 0.03, 0.04, 0.05])
def test_any_progress_shows_at_least_one_cell(fraction: float) -> None:
    assert render.bar(fraction) == "█" + "░" * 9


@pytest.mark.parametrize("fraction", [0.95, 0.96, 0.97, 0.98, 0.99])
def test_only_a_reached_target_fills_the_bar(fraction: float) -> None:
    assert render.bar(fraction) == "█" * 9 + "░"
    assert render.bar(1.0) == "█" * 10 and render.bar(0.0) == "░" * 10


def test_the_fallback_text_is_escaped_like_the_blocks_so_it_never_pings() -> None:
    payload = render.message(Message(summary="Ship it <!channel> & <@U0BOB> <https://x|x>"))
    assert payload["text"] == "Ship it &lt;!channel&gt; &amp; &lt;@U0BOB&gt; &lt;https://x|x&gt;"
    assert "<!channel>" not in json.dumps(payload)


def test_a_long_fallback_is_cut_without_half_an_escape() -> None:
    text = render.message(Message(summary="a" * (render.FALLBACK_CHARS - 3) + "&&&&"))["text"]
    assert len(text) <= render.FALLBACK_CHARS and text.endswith("a…")
