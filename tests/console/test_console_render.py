from __future__ import annotations

import shlex

import pytest

from bot.console.render import (
    button_list,
    display_width,
    form_command,
    render_form,
    render_message,
    render_view,
    wrap,
)
from handlers.views import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Context,
    Divider,
    Fields,
    Form,
    FormErrors,
    Header,
    Input,
    InputKind,
    Message,
    Option,
    Progress,
    Text,
)


def one(*blocks: Block, width: int = 78) -> str:
    return render_message(Message("summary", blocks), width=width)


# --- progress bars ----------------------------------------------------------


def test_progress_at_zero_is_an_empty_bar() -> None:
    assert one(Progress("Followers", 0.0)) == "Followers ▕░░░░░░░░░░▏ 0%"


def test_progress_at_sixty_percent_fills_six_cells_and_shows_the_caption() -> None:
    assert one(Progress("Followers", 0.6, "6,000 of 10,000")) == (
        "Followers ▕██████░░░░▏ 60%  6,000 of 10,000"
    )


def test_progress_past_the_target_clips_the_bar_but_not_the_percent() -> None:
    assert one(Progress("Followers", 1.2)) == "Followers ▕██████████▏ 120%"


def test_progress_below_the_start_shows_an_empty_bar_and_the_real_percent() -> None:
    assert one(Progress("Churn", -0.1)) == "Churn ▕░░░░░░░░░░▏ -10%"


def test_progress_without_a_target_is_a_dotted_bar() -> None:
    assert one(Progress("NPS", None, "no target yet")) == "NPS ▕··········▏ —  no target yet"


@pytest.mark.parametrize(
    ("fraction", "cells"),
    [(0.01, 1), (0.02, 1), (0.05, 1), (0.95, 9), (0.97, 9), (0.99, 9), (0.999, 9), (1.0, 10)],
)
def test_only_a_reached_target_fills_the_bar_and_any_progress_shows(
    fraction: float, cells: int
) -> None:
    assert one(Progress("KR", fraction)).count("█") == cells


def test_consecutive_progress_bars_line_up() -> None:
    assert one(Progress("Followers", 0.6), Progress("关键结果", 1.2), Progress("NPS", 0.05)) == (
        "Followers ▕██████░░░░▏  60%\n关键结果  ▕██████████▏ 120%\nNPS       ▕█░░░░░░░░░▏   5%"
    )


def test_a_label_too_long_for_the_line_goes_above_its_bar() -> None:
    label = "Grow newsletter subscribers from 5,000 to 10,000"
    assert one(Progress(label, 0.5), width=40).splitlines() == [
        "Grow newsletter subscribers from 5,000",
        "to 10,000",
        "  ▕█████░░░░░▏ 50%",
    ]


# --- text and wrapping --------------------------------------------------------


def test_display_width_counts_cjk_as_two_columns() -> None:
    assert display_width("关键结果") == 8
    assert display_width("OKR 进展：60%") == 13
    assert display_width("e\u0301") == 1  # a combining accent takes no column


def test_cjk_text_wraps_within_the_width_without_losing_characters() -> None:
    text = "本周关注者增长超出预期，新媒体渠道贡献了大部分增量，团队计划下周继续投入内容制作。"
    lines = one(Text(text), width=20).splitlines()
    assert all(display_width(line) <= 20 for line in lines)
    assert max(display_width(line) for line in lines) >= 18
    assert "".join(lines) == text
    assert not any(line.startswith(("，", "。")) for line in lines)


def test_latin_words_are_not_split_and_mixed_text_breaks_at_cjk() -> None:
    assert wrap("Followers grew faster than planned", 12) == [
        "Followers",
        "grew faster",
        "than planned",
    ]
    assert wrap("OKR进展很好", 6) == ["OKR进", "展很好"]


def test_a_word_longer_than_the_width_is_cut() -> None:
    assert wrap("https://example.com/okr", 10) == ["https://ex", "ample.com/", "okr"]


def test_text_keeps_its_own_line_breaks() -> None:
    assert one(Text("first\nsecond")) == "first\nsecond"


# --- other blocks -------------------------------------------------------------


def test_header_is_underlined_and_bold_only_in_colour() -> None:
    message = Message("s", (Header("Week 48"),))
    assert render_message(message) == "Week 48\n═══════"
    assert render_message(message, color=True) == "\x1b[1mWeek 48\x1b[0m\n═══════"


def test_fields_align_their_values() -> None:
    fields = Fields((("Owner", "Alice"), ("Due", "Nov 27"), ("负责人", "张三")))
    assert one(fields) == "Owner:  Alice\nDue:    Nov 27\n负责人: 张三"


def test_divider_spans_the_width_and_context_is_indented() -> None:
    assert one(Text("Body"), Context("Aligned to O3"), Divider(), width=16) == (
        "Body\n  Aligned to O3\n" + "─" * 16
    )


def test_blocks_are_separated_by_a_blank_line() -> None:
    assert one(Header("Title"), Text("One"), Text("Two")) == "Title\n═════\nOne\n\nTwo"


def test_message_without_blocks_shows_its_summary() -> None:
    assert render_message(Message("Saved KR12.")) == "Saved KR12."


# --- buttons ------------------------------------------------------------------


def test_buttons_are_numbered_across_the_message_in_display_order() -> None:
    accept = Button("Accept", "help.accept", "H5", ButtonStyle.PRIMARY)
    decline = Button("Decline", "help.decline", "H5", ButtonStyle.DANGER)
    later = Button("Later", "help.snooze", "H5")
    message = Message("s", (Actions((accept, decline)), Text("Or:"), Actions((later,))))

    assert render_message(message) == "[1] Accept  [2] Decline\n\nOr:\n\n[3] Later"
    assert button_list(message) == [accept, decline, later]


def test_buttons_wrap_between_buttons() -> None:
    buttons = tuple(Button(f"Option {i}", "pick", str(i)) for i in range(1, 5))
    assert one(Actions(buttons), width=30) == (
        "[1] Option 1  [2] Option 2\n[3] Option 3  [4] Option 4"
    )


# --- forms --------------------------------------------------------------------

CHECKIN = Form(
    form_id="checkin",
    title="Check in: Followers",
    submit_label="Save",
    inputs=(
        Input("current", "Current value", InputKind.NUMBER, initial="5400", hint="As of today."),
        Input(
            "status",
            "Status",
            InputKind.SELECT,
            options=(Option("On track", "on_track"), Option("At risk", "at_risk")),
        ),
        Input("note", "Note", InputKind.MULTILINE, required=False, placeholder="What moved it?"),
    ),
    context="kr:12",
)


def test_form_lists_inputs_and_ends_with_the_console_line_that_submits_it() -> None:
    assert render_form(CHECKIN) == "\n".join(
        [
            "Check in: Followers",
            "═══════════════════",
            "current  Current value *  (number) = 5400",
            "         As of today.",
            "status   Status *  (select)",
            "         on_track = On track · at_risk = At risk",
            "note     Note  (multiline)",
            "         What moved it?",
            "",
            'Save:  :form current=5400 status="" note=""',
        ]
    )


def test_form_command_quotes_values_so_shlex_reads_them_back() -> None:
    values = {"current": "6000", "status": "at_risk", "note": 'Ad "spend" ran out\\again'}
    line = form_command(CHECKIN, values)
    assert line == r':form current=6000 status=at_risk note="Ad \"spend\" ran out\\again"'
    assert shlex.split(line) == [
        ":form",
        "current=6000",
        "status=at_risk",
        'note=Ad "spend" ran out\\again',
    ]


def test_form_errors_list_each_refused_input() -> None:
    errors = FormErrors((("current", "Enter a number like 6000."), ("status", "Pick one.")))
    assert render_view(errors) == "✗ current: Enter a number like 6000.\n✗ status: Pick one."


def test_render_view_dispatches_on_the_view_type() -> None:
    assert render_view(Message("Saved.")) == "Saved."
    assert render_view(CHECKIN) == render_form(CHECKIN)
