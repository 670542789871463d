"""The command grammar: every verb, alias, value form and error code."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.grammar import (
    ERROR_CODES,
    USAGE,
    VERBS,
    AddKR,
    Align,
    Ask,
    AskList,
    AskUpdate,
    Away,
    AwayCancel,
    AwayList,
    Checkin,
    CheckinAll,
    CheckinOne,
    Cmd,
    DeleteKR,
    EditKR,
    Help,
    KRSpec,
    Kudos,
    MyOkrs,
    NewObjective,
    NewObjectiveForm,
    ParseError,
    PersonRef,
    PlanAdd,
    PlanCarry,
    PlanDone,
    PlanDrop,
    PlanList,
    Ref,
    Score,
    ScoreList,
    ScoreShow,
    SetCycleKind,
    SetLanguage,
    SetTeamChannel,
    SetTeamHolidays,
    SetTeamLanguage,
    SetTeamRhythm,
    SetTeamTimezone,
    SetTimezone,
    SettingsShow,
    ShowPerson,
    ShowRef,
    ShowTeam,
    TeamAdd,
    TeamDigest,
    TeamJoin,
    TeamNew,
    TeamRollup,
    parse,
    parse_number,
    parse_ref,
)

# A Wednesday, so weekday names fall on both sides of it.
TODAY = date(2026, 11, 18)

KR12 = Ref("KR", 12)
O3 = Ref("O", 3)
ALICE = PersonRef("@alice")
BOB = PersonRef("@bob")


def p(text: str) -> Cmd:
    return parse(text, today=TODAY)


def error(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        p(text)
    return caught.value


# --- verbs and aliases -------------------------------------------------------------

# Arguments that make each verb parse, so an alias can be compared with its verb.
SAMPLE_ARGS = {
    "my": "",
    "help": "checkin",
    "new": "Grow the brand | Followers: 0 -> 10k",
    "kr": "KR12 target 5000",
    "checkin": "KR12 6000 confidence 7 note",
    "plan": "add Draft post KR12 with @bob due fri",
    "show": "KR12",
    "team": "digest Growth",
    "ask": "@bob KR12 please review",
    "kudos": "@alice KR12 great week",
    "align": "O3 to O1",
    "score": "KR12 0.7 solid",
    "draft": "vote #1 #3",
    "review": "pack @alice",
    "feedback": "ask @alice @bob",
    "committee": "propose KR12 0.6 harder than it looked",
    "settings": "team Growth digest fri 17:00",
    "away": "12-01 12-05 trip",
    "export": "Growth",
    "import": "",
}

ALIAS_CASES = [(verb, alias) for verb, aliases in VERBS.items() for alias in aliases]


def test_sample_args_cover_every_verb() -> None:
    assert set(SAMPLE_ARGS) == set(VERBS)


@pytest.mark.parametrize(("verb", "alias"), ALIAS_CASES)
def test_every_alias_parses_like_its_canonical_verb(verb: str, alias: str) -> None:
    args = SAMPLE_ARGS[verb]
    assert p(f"{alias} {args}") == p(f"{verb} {args}")


@pytest.mark.parametrize("verb", list(VERBS))
def test_verbs_are_case_insensitive(verb: str) -> None:
    args = SAMPLE_ARGS[verb]
    assert p(f"{verb.upper()} {args}") == p(f"{verb} {args}")


@pytest.mark.parametrize(
    ("verb", "alias"), [c for c in ALIAS_CASES if not c[1].isascii() and SAMPLE_ARGS[c[0]]]
)
def test_a_chinese_alias_may_be_glued_to_its_argument(verb: str, alias: str) -> None:
    args = SAMPLE_ARGS[verb]
    assert p(f"{alias}{args}") == p(f"{verb} {args}")


@pytest.mark.parametrize(
    ("verb", "line"), [(v, line) for v, lines in USAGE.items() for line in lines]
)
def test_every_usage_line_parses(verb: str, line: str) -> None:
    assert line.split()[0] == verb
    p(line)


def test_usage_has_lines_for_exactly_the_verbs() -> None:
    assert set(USAGE) == set(VERBS)
    assert all(USAGE[verb] for verb in USAGE)


def test_commands_are_frozen() -> None:
    cmd = p("checkin KR12 6000")
    assert isinstance(cmd, Checkin)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cmd.value = 1  # type: ignore[misc]


# --- my, help -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\u3000", "my", "MY", "我的"])
def test_empty_text_and_my_show_my_okrs(text: str) -> None:
    assert p(text) == MyOkrs()


def test_my_takes_no_arguments() -> None:
    e = error("my stuff")
    assert (e.code, e.verb, e.params) == ("unexpected", "my", {"token": "stuff"})


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("help", None),
        ("?", None),
        ("？", None),
        ("help checkin", "checkin"),
        ("help 签到", "checkin"),
        ("帮助 周计划", "plan"),
        ("help ?", "help"),
    ],
)
def test_help_normalises_its_topic_to_a_canonical_verb(text: str, topic: str | None) -> None:
    assert p(text) == Help(topic)


@pytest.mark.parametrize(
    ("text", "unknown"),
    [("help nonsense", "nonsense"), ("帮助 不存在", "不存在"), ("help sing a song", "sing a song")],
)
def test_help_on_an_unknown_topic_keeps_what_was_asked(text: str, unknown: str) -> None:
    assert p(text) == Help(None, unknown=unknown)


@pytest.mark.parametrize("text", ["checkin ?", "checkin help", "打卡 帮助", "kr ？", "team help"])
def test_a_verb_followed_by_help_asks_for_that_verbs_help(text: str) -> None:
    assert p(text) == Help(p(f"help {text.split()[0]}").topic)  # type: ignore[union-attr]


# --- unknown verbs -------------------------------------------------------------------


def test_unknown_verb_reports_the_token_and_the_closest_verb() -> None:
    e = error("chekin KR12 5")
    assert (e.code, e.verb) == ("unknown_verb", None)
    assert e.params == {"token": "chekin", "suggestion": "checkin"}


def test_unknown_verb_without_a_close_match_has_no_suggestion() -> None:
    e = error("zzzzzz")
    assert e.params == {"token": "zzzzzz"}


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("KR12 6000", "checkin"), ("KR12", "show"), ("O3", "show"), ("@alice", "show")],
)
def test_a_line_starting_with_a_reference_suggests_a_verb(text: str, suggestion: str) -> None:
    e = error(text)
    assert e.code == "unknown_verb"
    assert e.params["suggestion"] == suggestion


def test_a_quoted_first_word_is_not_a_verb() -> None:
    assert error('"checkin" KR12 5').code == "unknown_verb"


def test_errors_carry_codes_not_sentences() -> None:
    e = error("checkin KR12 lots")
    assert e.args == ("bad_number", "checkin")
    assert e.params == {"token": "lots"}


# --- tokens: quotes, spaces, references, people ---------------------------------------


@pytest.mark.parametrize(
    "quoted",
    [
        '"great week, 2 deals"',
        "'great week, 2 deals'",
        "“great week, 2 deals”",
        "「great week, 2 deals」",
        "『great week, 2 deals』",
    ],
)
def test_quoted_text_is_one_token_in_any_quote_style(quoted: str) -> None:
    cmd = p(f"checkin KR12 6000 {quoted} c7")
    assert cmd == Checkin(KR12, 6000.0, False, 7, "great week, 2 deals")


def test_full_width_space_separates_words() -> None:
    assert p("签到\u3000KR12\u30006000\u3000信心\u30007") == Checkin(KR12, 6000.0, False, 7)


@pytest.mark.parametrize("note", ["don't worry", "don’t worry", "‘twas fine, don’t worry"])
def test_an_apostrophe_does_not_open_or_close_a_quote(note: str) -> None:
    assert p(f"checkin KR12 5 {note}").note == note  # type: ignore[union-attr]


def test_a_missing_closing_chinese_quote_takes_the_rest_of_the_line() -> None:
    assert p("checkin KR12 5 “本周新增两千粉丝").note == "本周新增两千粉丝"  # type: ignore[union-attr]


def test_free_text_keeps_its_original_spacing() -> None:
    note = p("checkin KR12 5 本周 新增两千粉丝,  超预期").note  # type: ignore[union-attr]
    assert note == "本周 新增两千粉丝,  超预期"


@pytest.mark.parametrize("written", ["KR12", "kr12", "Kr12", "#KR12", "ＫＲ１２", "KR012"])
def test_references_are_case_insensitive_and_accept_a_hash(written: str) -> None:
    assert p(f"show {written}") == ShowRef(KR12)


@pytest.mark.parametrize(
    ("written", "ref"), [("O3", Ref("O", 3)), ("T40", Ref("T", 40)), ("h5", Ref("H", 5))]
)
def test_every_reference_kind_is_read(written: str, ref: Ref) -> None:
    assert p(f"show {written}") == ShowRef(ref)


def test_a_ref_prints_as_people_type_it() -> None:
    assert str(KR12) == "KR12"


@pytest.mark.parametrize("token", ["@alice", "@U024BE7LH", "@_user_1", "＠小王", "@Alice.Smith"])
def test_person_references_keep_the_token_exactly_as_written(token: str) -> None:
    assert p(f"show {token}") == ShowPerson(PersonRef(token))


def test_parse_ref_reads_a_reference_on_its_own() -> None:
    assert parse_ref(" kr12 ") == KR12
    assert parse_ref("#O3") == O3


@pytest.mark.parametrize("text", ["", "KR", "KR12 KR13", "twelve", '"KR12"'])
def test_parse_ref_rejects_anything_but_one_reference(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_ref(text)
    assert (caught.value.code, caught.value.verb) == ("bad_ref", None)


def test_parse_number_reads_a_form_value_in_any_written_form() -> None:
    assert parse_number(" 6，000 ") == 6000.0
    assert parse_number("1.5万") == 15000.0
    assert parse_number("-3") == -3.0


@pytest.mark.parametrize("text", ["", "six", "6 000", "1,5"])
def test_parse_number_rejects_text(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_number(text)
    assert caught.value.params == {"token": text.strip()}


# --- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("6000", 6000.0),
        ("6,000", 6000.0),
        ("6，000", 6000.0),
        ("1,234,567", 1234567.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("10k", 10000.0),
        ("10K", 10000.0),
        ("1.2m", 1200000.0),
        ("1.5万", 15000.0),
        ("1.15万", 11500.0),
        ("3千", 3000.0),
        ("2亿", 200000000.0),
        ("10w", 100000.0),
        ("６０００", 6000.0),
        ("2%", 2.0),
        ("$5k", 5000.0),
    ],
)
def test_numbers_in_every_written_form(written: str, value: float) -> None:
    assert p(f"kr KR12 target {written}") == EditKR(KR12, "target", value)


@pytest.mark.parametrize("written", ["abc", "1,5", "6,00", "10kk", "2%万", "1..5"])
def test_text_where_a_number_is_expected_is_bad_number(written: str) -> None:
    e = error(f"kr KR12 target {written}")
    assert (e.code, e.verb, e.params) == ("bad_number", "kr", {"token": written})


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("1e5", "number_exponent"),
        ("2.5E3", "number_exponent"),
        ("2^10", "number_exponent"),
        ("1e26", "number_too_large"),
        ("10^40", "number_too_large"),
        ("-1e309", "number_too_large"),
        ("1x10^20", "number_too_large"),
        ("1000000000000001", "number_too_large"),
        ("-2,000,000,000,000,000", "number_too_large"),
        ("2000万亿", "bad_number"),  # two multipliers are not a number at all
        ("1.2345678901234567", "number_too_precise"),
        ("nan", "number_not_finite"),
        ("NaN", "number_not_finite"),
        ("inf", "number_not_finite"),
        ("-Infinity", "number_not_finite"),
        ("∞", "number_not_finite"),
    ],
)
def test_a_number_the_database_cannot_keep_says_why(written: str, code: str) -> None:
    e = error(f"kr KR12 target {written}")
    assert (e.code, e.verb, e.params["token"]) == (code, "kr", written)


@pytest.mark.parametrize(
    "written", ["1000000000000000", "-1000000000000000", "10亿", "123456789012.345"]
)
def test_the_largest_and_most_precise_numbers_kept_are_read(written: str) -> None:
    assert isinstance(p(f"kr KR12 target {written}"), EditKR)


def test_a_number_too_large_for_a_float_says_it_is_too_large() -> None:
    assert error("kr KR12 target " + "9" * 400).code == "number_too_large"


# --- new -----------------------------------------------------------------------------


def test_new_alone_opens_the_form() -> None:
    assert p("new") == NewObjectiveForm()


def test_new_reads_an_objective_with_its_key_results() -> None:
    cmd = p(
        "new Raise brand awareness aspirational team:Marketing"
        " | Followers in target countries: 0 -> 10,000 followers weight 2 @alice"
        " | Engagement rate: 2%"
        " | Launch the newsletter: done"
        " | Quality of leads"
    )
    assert cmd == NewObjective(
        "Raise brand awareness",
        "aspirational",
        "Marketing",
        (
            KRSpec("Followers in target countries", 0.0, 10000.0, "followers", False, 2.0, ALICE),
            KRSpec("Engagement rate", 0.0, 2.0, "%"),
            KRSpec("Launch the newsletter", 0.0, 1.0, "", True),
            KRSpec("Quality of leads"),
        ),
    )


def test_new_in_chinese_with_full_width_punctuation() -> None:
    cmd = p(
        "新建 提升品牌知名度 挑战型 团队：市场部 ｜ 目标国家粉丝数：0 → 1万 粉丝 权重 2 @小王 ｜ 里程碑：里程碑"
    )
    assert cmd == NewObjective(
        "提升品牌知名度",
        "aspirational",
        "市场部",
        (
            KRSpec("目标国家粉丝数", 0.0, 10000.0, "粉丝", False, 2.0, PersonRef("@小王")),
            KRSpec("里程碑", 0.0, 1.0, "", True),
        ),
    )


def test_new_objectives_are_committed_unless_said_otherwise() -> None:
    assert p("new Ship v2 | Uptime: 99.9%").kind == "committed"  # type: ignore[union-attr]
    assert p("new Ship v2 承诺型").kind == "committed"  # type: ignore[union-attr]


def test_new_recognises_kind_and_team_only_at_the_end_of_the_head() -> None:
    cmd = p("new Stay committed to aspirational goals")
    assert cmd == NewObjective("Stay committed to aspirational goals", "committed", None, ())
    both = p("new Be committed aspirational")
    assert both == NewObjective("Be committed", "aspirational", None, ())
    assert p('new Grow team:"Growth EU" committed').team == "Growth EU"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("measure", "start", "target", "unit"),
    [
        ("0 -> 10000", 0.0, 10000.0, ""),
        ("0->10000", 0.0, 10000.0, ""),
        ("0 → 1万", 0.0, 10000.0, ""),
        ("100 => 50 ms", 100.0, 50.0, "ms"),
        ("5 to 10 markets", 5.0, 10.0, "markets"),
        ("5 到 10 个城市", 5.0, 10.0, "个城市"),
        ("从0到500", 0.0, 500.0, ""),
        ("from 20% to 40%", 20.0, 40.0, "%"),
        ("10000 followers", 0.0, 10000.0, "followers"),
        ("2%", 0.0, 2.0, "%"),
        ("500 万元", 0.0, 500.0, "万元"),
        ("500万元", 0.0, 5000000.0, "元"),
        ("300人", 0.0, 300.0, "人"),
        ("10kg", 0.0, 10.0, "kg"),
        ("$0 -> $1m", 0.0, 1000000.0, "$"),
        ("-5 -> 5 NPS", -5.0, 5.0, "NPS"),
        ("8% -> 5%", 8.0, 5.0, "%"),
    ],
)
def test_kr_measures(measure: str, start: float, target: float, unit: str) -> None:
    spec = p(f"new O | KR: {measure}").krs[0]  # type: ignore[union-attr]
    assert (spec.start, spec.target, spec.unit, spec.milestone) == (start, target, unit, False)


@pytest.mark.parametrize("word", ["done", "milestone", "里程碑", "DONE"])
def test_a_milestone_kr_runs_from_zero_to_one(word: str) -> None:
    assert p(f"new O | Site live: {word}").krs[0] == KRSpec("Site live", 0.0, 1.0, "", True)  # type: ignore[union-attr]


def test_a_kr_without_a_colon_has_no_target() -> None:
    assert p("new O | Better onboarding").krs == (KRSpec("Better onboarding"),)  # type: ignore[union-attr]


def test_a_kr_without_a_colon_but_with_an_arrow_still_has_its_measure() -> None:
    spec = p("new O | Instagram followers 0 → 10000 weight 2").krs[0]  # type: ignore[union-attr]
    assert spec == KRSpec("Instagram followers", 0.0, 10000.0, "", False, 2.0)


def test_a_kr_title_keeps_times_and_earlier_colons() -> None:
    spec = p("new O | Q4: demo at 17:00 booked: 0 -> 20").krs[0]  # type: ignore[union-attr]
    assert spec.title == "Q4: demo at 17:00 booked"
    assert spec.target == 20.0


@pytest.mark.parametrize(
    "written",
    ["weight 2 @alice", "@alice weight 2", "权重 2 @alice", "@alice 权重2", "weight: 2 @alice"],
)
def test_kr_weight_and_owner_come_in_either_order(written: str) -> None:
    spec = p(f"new O | Leads: 50 {written}").krs[0]  # type: ignore[union-attr]
    assert (spec.weight, spec.owner, spec.target) == (2.0, ALICE, 50.0)


def test_weight_and_owner_before_the_colon_are_read_too() -> None:
    spec = p("new O | Leads weight 3 @alice: 50").krs[0]  # type: ignore[union-attr]
    assert spec == KRSpec("Leads", 0.0, 50.0, "", False, 3.0, ALICE)


def test_a_quoted_kr_title_is_taken_literally() -> None:
    spec = p('new O | "Revenue: A business" : 0 -> 80').krs[0]  # type: ignore[union-attr]
    assert spec.title == "Revenue: A business"


def test_empty_kr_parts_are_ignored() -> None:
    assert len(p("new O || A: 1 | ").krs) == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("new | KR: 10", "missing_text", {}),
        ("new committed", "missing_text", {}),
        ('new ""', "missing_text", {}),
        ("new O | : 10", "missing_text", {}),
        ("new O | KR:", "missing_value", {}),
        ("new O | KR: -> 10", "missing_value", {}),
        ("new O | KR: 0 ->", "missing_value", {}),
        ("new O | KR: lots", "bad_number", {"token": "lots"}),
        ("new O | KR: about 0 -> 10", "bad_number", {"token": "about"}),
        ("new O | KR: 10 weight 0", "bad_weight", {"token": "0"}),
        ("new O | KR: 10 weight -1", "bad_weight", {"token": "-1"}),
        ("new O | KR: done later", "unexpected", {"token": "later"}),
        ('new O team:""', "missing_text", {"token": "team"}),
    ],
)
def test_new_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "new", params)


# --- kr ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "kr add O3 Subscribers: 0 -> 5000 weight 2 @bob",
        "kr O3 Subscribers: 0 -> 5000 weight 2 @bob",
        "关键结果 添加 O3 Subscribers：0 → 5000 权重 2 @bob",
        "kr 新增 o3 Subscribers:0->5000 weight 2 @bob",
    ],
)
def test_kr_add_reads_a_kr_spec_for_an_objective(text: str) -> None:
    assert p(text) == AddKR(O3, KRSpec("Subscribers", 0.0, 5000.0, "", False, 2.0, BOB))


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("kr KR12 target 12000", "target", 12000.0),
        ("kr KR12 目标值 1.2万", "target", 12000.0),
        ("kr KR12 start 0", "start", 0.0),
        ("kr KR12 起始值 100", "start", 100.0),
        ("kr KR12 current 500", "current", 500.0),
        ("kr KR12 当前值 500", "current", 500.0),
        ("kr KR12 unit followers", "unit", "followers"),
        ("kr KR12 单位 万元", "unit", "万元"),
        ('kr KR12 unit ""', "unit", ""),
        ("kr KR12 weight 2", "weight", 2.0),
        ("kr KR12 权重 0.5", "weight", 0.5),
        ("kr KR12 title Followers in DE and FR", "title", "Followers in DE and FR"),
        ("kr KR12 标题 “德法粉丝数”", "title", "德法粉丝数"),
        ("kr KR12 owner @bob", "owner", BOB),
        ("kr KR12 负责人 @bob", "owner", BOB),
        ("kr KR12 target: 12000", "target", 12000.0),
    ],
)
def test_kr_edits_each_field(text: str, field: str, value: object) -> None:
    assert p(text) == EditKR(KR12, field, value)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["kr KR12 delete", "kr KR12 删除", "关键结果 kr12 remove"])
def test_kr_delete(text: str) -> None:
    assert p(text) == DeleteKR(KR12)


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("kr", "missing_ref", {}),
        ("kr add", "missing_ref", {}),
        ("kr add KR12 Leads: 5", "bad_ref", {"token": "KR12"}),
        ("kr add O3", "missing_text", {}),
        ("kr O3", "missing_text", {}),
        ("kr T40 target 5", "bad_ref", {"token": "T40"}),
        ("kr twelve target 5", "bad_ref", {"token": "twelve"}),
        ("kr KR12", "missing_value", {}),
        ("kr KR12 colour red", "bad_field", {"token": "colour"}),
        ("kr KR12 traget 5", "bad_field", {"token": "traget", "suggestion": "target"}),
        ("kr KR12 target", "missing_value", {}),
        ("kr KR12 target many", "bad_number", {"token": "many"}),
        ("kr KR12 target 5 10", "unexpected", {"token": "10"}),
        ("kr KR12 weight 0", "bad_weight", {"token": "0"}),
        ("kr KR12 title", "missing_text", {}),
        ('kr KR12 title ""', "missing_text", {}),
        ("kr KR12 unit", "missing_text", {}),
        ("kr KR12 owner", "missing_person", {}),
        ("kr KR12 owner bob", "missing_person", {"token": "bob"}),
        ("kr KR12 owner @bob @carol", "unexpected", {"token": "@carol"}),
        ("kr KR12 delete now", "unexpected", {"token": "now"}),
    ],
)
def test_kr_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "kr", params)


# --- checkin -------------------------------------------------------------------------


def test_checkin_alone_walks_through_all_krs() -> None:
    assert p("checkin") == CheckinAll()


def test_checkin_with_only_a_kr_opens_its_form() -> None:
    assert p("checkin KR12") == CheckinOne(KR12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'checkin KR12 6000 confidence 7 "note"',
            Checkin(KR12, 6000.0, False, 7, "note"),
        ),
        (
            "签到 KR12 6000 信心 7 “本周新增两千粉丝”",
            Checkin(KR12, 6000.0, False, 7, "本周新增两千粉丝"),
        ),
        ("checkin KR12 +500", Checkin(KR12, 500.0, True)),
        ("checkin KR12 -3 c4", Checkin(KR12, -3.0, True, 4, unclear_sign=True)),
        ("checkin KR12 +1.5万", Checkin(KR12, 15000.0, True)),
        ("checkin KR12 done", Checkin(KR12, 1.0, done=True)),
        ("打卡 KR12 完成 信心10", Checkin(KR12, 1.0, False, 10, done=True)),
        ("checkin KR12 60% conf 6", Checkin(KR12, 60.0, False, 6)),
        (
            "checkin KR12 6000 great week, confidence 8",
            Checkin(KR12, 6000.0, False, 8, "great week"),
        ),
        (
            "checkin KR12 6000 signed two deals c9 more next week",
            Checkin(KR12, 6000.0, False, 9, "signed two deals more next week"),
        ),
    ],
)
def test_checkin_reads_value_confidence_and_note(text: str, expected: Checkin) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    "clause",
    [
        "confidence 7",
        "conf 7",
        "c 7",
        "c7",
        "C7",
        "confidence:7",
        "confidence: 7",
        "conf=7",
        "信心 7",
        "信心7",
        "信心：7",
        "信心指数 7",
        "信心 7分",
        "confidence 7/10",
        "ｃ７",
    ],
)
def test_every_confidence_form(clause: str) -> None:
    assert p(f"checkin KR12 5 {clause}").confidence == 7  # type: ignore[union-attr]


@pytest.mark.parametrize("clause", ["confidence 0", "c11", "confidence 7.5", "信心 -1", "conf 100"])
def test_confidence_outside_1_to_10_is_bad_confidence(clause: str) -> None:
    e = error(f"checkin KR12 5 {clause}")
    assert (e.code, e.verb) == ("bad_confidence", "checkin")


@pytest.mark.parametrize(
    "note", ["gained confidence with the client", "c2c channel grew", "plan c is ready"]
)
def test_confidence_words_without_a_number_stay_in_the_note(note: str) -> None:
    cmd = p(f"checkin KR12 5 {note}")
    assert cmd == Checkin(KR12, 5.0, False, None, note)


def test_links_are_pulled_out_of_the_note() -> None:
    cmd = p(
        "checkin KR12 6000 c7 report https://docs.example.com/a?b=1 and "
        "<https://wiki.example.com/x|wiki>, again https://docs.example.com/a?b=1."
    )
    assert cmd.links == ("https://docs.example.com/a?b=1", "https://wiki.example.com/x")  # type: ignore[union-attr]
    assert cmd.note == "report and, again."  # type: ignore[union-attr]


def test_links_inside_quotes_and_glued_to_chinese_are_pulled_out() -> None:
    cmd = p("签到 KR12 6000 “详见https://feishu.cn/docx/abc。谢谢”")
    assert cmd.links == ("https://feishu.cn/docx/abc",)  # type: ignore[union-attr]
    assert cmd.note == "详见。谢谢"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ('checkin KR12 6000 "reels took off" https://x.example/r', "reels took off"),
        ("签到 KR12 6000 “视频爆了” https://x.example/r", "视频爆了"),
        ('checkin KR12 6000 https://x.example/r "reels took off"', "reels took off"),
        ('checkin KR12 6000 "reels" took "off" https://x.example/r', '"reels" took "off"'),
    ],
)
def test_a_quoted_note_beside_a_link_loses_its_quotes(text: str, note: str) -> None:
    cmd = p(text)
    assert (cmd.note, cmd.links) == (note, ("https://x.example/r",))  # type: ignore[union-attr]


def test_a_link_alone_leaves_an_empty_note() -> None:
    cmd = p("checkin KR12 6000 https://example.com/report")
    assert (cmd.note, cmd.links) == ("", ("https://example.com/report",))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("checkin 6000", "bad_ref", {"token": "6000"}),
        ("checkin O3 6000", "bad_ref", {"token": "O3"}),
        ("checkin great 6000", "bad_ref", {"token": "great"}),
        ("checkin KR12 lots", "bad_number", {"token": "lots"}),
        ('checkin KR12 "6000"', "bad_number", {"token": "6000"}),
        ("checkin KR12 confidence 7", "missing_value", {}),
        ("checkin KR12 c7 note", "missing_value", {}),
        ("checkin KR12 6000 confidence 11", "bad_confidence", {"token": "11"}),
        ("checkin KR12 6000 c0", "bad_confidence", {"token": "c0"}),
    ],
)
def test_checkin_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "checkin", params)


# --- plan ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plan", PlanList()),
        ("plan list", PlanList()),
        ("plan list @alice", PlanList(person=ALICE)),
        ("plan @alice", PlanList(person=ALICE)),
        ("plan list team Growth EU", PlanList(team="Growth EU")),
        ("计划 列表 团队 增长组", PlanList(team="增长组")),
    ],
)
def test_plan_lists(text: str, expected: PlanList) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "plan add Draft the launch post KR12 with @bob due fri",
            PlanAdd("Draft the launch post", KR12, (BOB,), None, date(2026, 11, 20)),
        ),
        (
            "plan add KR12 Draft the launch post owner @alice @bob",
            PlanAdd("Draft the launch post", KR12, (BOB,), ALICE),
        ),
        (
            "plan add due 12/1 Draft @bob the launch post",
            PlanAdd("Draft the launch post", None, (BOB,), None, date(2026, 12, 1)),
        ),
        (
            "计划 添加 写推广文章 KR12 协助人 @bob @carol 负责人 @alice 截止 周五",
            PlanAdd("写推广文章", KR12, (BOB, PersonRef("@carol")), ALICE, date(2026, 11, 20)),
        ),
        (
            "计划 新增 写推广文章 截止周五",
            PlanAdd("写推广文章", due=date(2026, 11, 20)),
        ),
        (
            'plan add "Call @bob about KR12" by tomorrow',
            PlanAdd("Call @bob about KR12", due=date(2026, 11, 19)),
        ),
        ("plan add Finish due diligence for Acme", PlanAdd("Finish due diligence for Acme")),
        ("plan add Sync with sales", PlanAdd("Sync with sales")),
        ("plan add Review owner handbook", PlanAdd("Review owner handbook")),
        ("plan add Pair on it owner @bob with @bob", PlanAdd("Pair on it", owner=BOB)),
    ],
)
def test_plan_add_finds_kr_helpers_owner_and_due_anywhere(text: str, expected: PlanAdd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plan done T40", PlanDone((Ref("T", 40),))),
        ("plan done T40 T41", PlanDone((Ref("T", 40), Ref("T", 41)))),
        ("plan done T40,T41，t42、T40", PlanDone((Ref("T", 40), Ref("T", 41), Ref("T", 42)))),
        ("计划 完成 T40", PlanDone((Ref("T", 40),))),
        ("plan drop T40", PlanDrop((Ref("T", 40),))),
        ("plan 放弃 T40", PlanDrop((Ref("T", 40),))),
        ("plan 取消 T40", PlanDrop((Ref("T", 40),))),
        ("plan carry T40 T41", PlanCarry((Ref("T", 40), Ref("T", 41)))),
        ("plan 顺延 T40", PlanCarry((Ref("T", 40),))),
    ],
)
def test_plan_task_actions(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("plan add", "missing_text", {}),
        ("plan add KR12 @bob due fri", "missing_text", {}),
        ("plan add Write O3 post", "bad_ref", {"token": "O3"}),
        ("plan add Write KR12 and KR13", "unexpected", {"token": "KR13"}),
        ("plan add Write owner @a owner @b", "unexpected", {"token": "owner"}),
        ("plan add Write due fri due mon", "unexpected", {"token": "due"}),
        ("plan add Write due 13/45", "bad_date", {"token": "13/45"}),
        ("plan done", "missing_ref", {}),
        ("plan done KR12", "bad_ref", {"token": "KR12"}),
        ("plan carry soon", "bad_ref", {"token": "soon"}),
        ("plan dnoe T40", "unknown_action", {"token": "dnoe", "suggestion": "done"}),
        ("plan list @alice @bob", "unexpected", {"token": "@bob"}),
        ("plan list someone", "unexpected", {"token": "someone"}),
        ("plan list team", "missing_text", {}),
    ],
)
def test_plan_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "plan", params)


# --- show ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("show @alice", ShowPerson(ALICE)),
        ("show team Growth EU", ShowTeam("Growth EU")),
        ("show 团队 增长组", ShowTeam("增长组")),
        ("查看 O3", ShowRef(O3)),
        ("看 KR12", ShowRef(KR12)),
        ("show H5", ShowRef(Ref("H", 5))),
    ],
)
def test_show(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("show", "missing_value", {}),
        ("show team", "missing_text", {}),
        ("show alice", "bad_ref", {"token": "alice"}),
        ("show @alice @bob", "unexpected", {"token": "@bob"}),
        ("show KR12 now", "unexpected", {"token": "now"}),
    ],
)
def test_show_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "show", params)


# --- team ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("team", TeamRollup()),
        ("team Growth EU", TeamRollup("Growth EU")),
        ('team "New York"', TeamRollup("New York")),
        ("团队 增长组", TeamRollup("增长组")),
        ("team digest", TeamDigest()),
        ("team digest Growth", TeamDigest("Growth")),
        ("团队 庆功 增长组", TeamDigest("增长组")),
        ("team 周报", TeamDigest()),
        ("team new Growth EU #growth-eu", TeamNew("Growth EU", "#growth-eu")),
        ("team new Growth", TeamNew("Growth")),
        ("团队 创建 增长组 ＃增长", TeamNew("增长组", "＃增长")),
        ("team join Growth EU", TeamJoin("Growth EU")),
        ("团队 加入 增长组", TeamJoin("增长组")),
        ("team add Growth EU @alice @bob", TeamAdd("Growth EU", (ALICE, BOB))),
        ("team add Growth @alice, @bob, @alice", TeamAdd("Growth", (ALICE, BOB))),
    ],
)
def test_team(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("team new", "missing_text", {}),
        ("team new #growth", "missing_text", {}),
        ("team join", "missing_text", {}),
        ("team add @alice", "missing_text", {}),
        ("team add Growth", "missing_person", {}),
        ("team add Growth @alice and @bob", "unexpected", {"token": "and"}),
    ],
)
def test_team_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "team", params)


# --- ask, kudos -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'ask @bob KR12 "Can you review the landing page?"',
            Ask(BOB, KR12, "Can you review the landing page?"),
        ),
        ("ask @bob can you review the page", Ask(BOB, None, "can you review the page")),
        ("ask KR12 @bob review please", Ask(BOB, KR12, "review please")),
        ("ask @bob: review KR13 please", Ask(BOB, None, "review KR13 please")),
        ("求助 @bob KR12 帮忙看下落地页", Ask(BOB, KR12, "帮忙看下落地页")),
        ("ask list", AskList()),
        ("ask 列表", AskList()),
        ("ask accept H5", AskUpdate(Ref("H", 5), "accept")),
        ("ask 接受 H5", AskUpdate(Ref("H", 5), "accept")),
        (
            "ask decline H5 no time this week",
            AskUpdate(Ref("H", 5), "decline", "no time this week"),
        ),
        ("ask 拒绝 h5", AskUpdate(Ref("H", 5), "decline")),
        ("ask done H5 thanks!", AskUpdate(Ref("H", 5), "done", "thanks!")),
        ("求助 完成 H5 “多谢”", AskUpdate(Ref("H", 5), "done", "多谢")),
    ],
)
def test_ask(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("ask", "missing_person", {}),
        ("ask bob please", "missing_person", {"token": "bob"}),
        ("ask @bob", "missing_text", {}),
        ("ask @bob KR12", "missing_text", {}),
        ('ask @bob ""', "missing_text", {}),
        ("ask accept", "missing_ref", {}),
        ("ask accept T5", "bad_ref", {"token": "T5"}),
        ("ask list all", "unexpected", {"token": "all"}),
    ],
)
def test_ask_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "ask", params)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kudos @alice KR12 great launch", Kudos(ALICE, KR12, "great launch")),
        ("kudos @alice great launch", Kudos(ALICE, None, "great launch")),
        ("点赞 @alice “发布会很成功”", Kudos(ALICE, None, "发布会很成功")),
        ("夸夸 @alice KR12 辛苦了", Kudos(ALICE, KR12, "辛苦了")),
    ],
)
def test_kudos(text: str, expected: Kudos) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("kudos", "missing_person", {}),
        ("kudos everyone", "missing_person", {"token": "everyone"}),
        ("kudos @alice", "missing_text", {}),
        ("kudos @alice KR12", "missing_text", {}),
    ],
)
def test_kudos_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "kudos", params)


# --- align ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("align O3 to O1", Align(O3, Ref("O", 1))),
        ("align O3 O1", Align(O3, Ref("O", 1))),
        ("align O3 to KR2", Align(O3, Ref("KR", 2))),
        ("align O3 -> KR2", Align(O3, Ref("KR", 2))),
        ("align O3→O1", Align(O3, Ref("O", 1))),
        ("对齐 O3 到 O1", Align(O3, Ref("O", 1))),
        ("align O3 none", Align(O3, None)),
        ("对齐 O3 取消", Align(O3, None)),
    ],
)
def test_align(text: str, expected: Align) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("align", "missing_ref", {}),
        ("align O3", "missing_ref", {}),
        ("align O3 to", "missing_ref", {}),
        ("align KR3 to O1", "bad_ref", {"token": "KR3"}),
        ("align O3 to T1", "bad_ref", {"token": "T1"}),
        ("align O3 to O3", "align_self", {"token": "O3"}),
        ("对齐 O3 到 o3", "align_self", {"token": "o3"}),
        ("align O3 to O1 O2", "unexpected", {"token": "O2"}),
    ],
)
def test_align_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "align", params)


# --- score ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("score", ScoreList()),
        ("score O3", ScoreShow(O3)),
        ("score KR12", ScoreShow(KR12)),
        ("score KR12 0.7", Score(KR12, 0.7)),
        ("score KR12 1", Score(KR12, 1.0)),
        ("score KR12 7", Score(KR12, 0.7)),
        ("score KR12 10", Score(KR12, 1.0)),
        ("score KR12 70%", Score(KR12, 0.7)),
        ("score KR12 7/10", Score(KR12, 0.7)),
        ("评分 KR12 7分 reached 7,000 of 10,000", Score(KR12, 0.7, "reached 7,000 of 10,000")),
        ("打分 KR12 0 “没有启动”", Score(KR12, 0.0, "没有启动")),
    ],
)
def test_score_reads_0_to_1_or_0_to_10_or_percent(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("score 0.7", "bad_ref", {"token": "0.7"}),
        ("score O3 0.7", "bad_ref", {"token": "O3"}),
        ("score T4", "bad_ref", {"token": "T4"}),
        ("score KR12 high", "bad_number", {"token": "high"}),
        ("score KR12 11", "bad_score", {"token": "11"}),
        ("score KR12 -0.5", "bad_score", {"token": "-0.5"}),
        ("score KR12 150%", "bad_score", {"token": "150%"}),
    ],
)
def test_score_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "score", params)


# --- settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("settings", SettingsShow()),
        ("settings language zh", SetLanguage("zh")),
        ("settings lang English", SetLanguage("en")),
        ("设置 语言 中文", SetLanguage("zh")),
        ("settings language 英文", SetLanguage("en")),
        ("settings timezone Asia/Shanghai", SetTimezone("Asia/Shanghai")),
        ("设置 时区 Europe/Paris", SetTimezone("Europe/Paris")),
        ("settings tz UTC", SetTimezone("UTC")),
        ("settings team Growth plan mon 09:30", SetTeamRhythm("Growth", "plan", 1, "09:30")),
        ("settings team Growth checkin fri 3pm", SetTeamRhythm("Growth", "checkin", 5, "15:00")),
        ("settings team Growth digest 17:00 friday", SetTeamRhythm("Growth", "digest", 5, "17:00")),
        ("设置 团队 增长组 庆功 周五 17：00", SetTeamRhythm("增长组", "digest", 5, "17:00")),
        ("设置 团队 增长组 签到 5 16点", SetTeamRhythm("增长组", "checkin", 5, "16:00")),
        ("设置 团队 增长组 计划 星期一 9点半", SetTeamRhythm("增长组", "plan", 1, "09:30")),
        (
            "settings team Growth Plan plan mon 9:00",
            SetTeamRhythm("Growth Plan", "plan", 1, "09:00"),
        ),
        ("settings team Growth channel #growth", SetTeamChannel("Growth", "#growth")),
        ("settings team Growth timezone Europe/Paris", SetTeamTimezone("Growth", "Europe/Paris")),
        ("settings team Growth language zh", SetTeamLanguage("Growth", "zh")),
        (
            "settings team Growth holiday 2026-10-01 2026-10-02",
            SetTeamHolidays("Growth", (date(2026, 10, 1), date(2026, 10, 2))),
        ),
        (
            "设置 团队 增长组 假期 2027-10-01~2027-10-03 2027-01-01",
            SetTeamHolidays(
                "增长组",
                (date(2027, 1, 1), date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)),
            ),
        ),
        (
            "settings team Growth holiday 12-24 to 12-26",
            SetTeamHolidays("Growth", (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26))),
        ),
        ("settings cycle quarter", SetCycleKind("quarter")),
        ("settings cycle bimonthly", SetCycleKind("bimonthly")),
        ("设置 周期 月度", SetCycleKind("monthly")),
        ("设置 周期 年度", SetCycleKind("annual")),
        ("设置 周期 季度", SetCycleKind("quarter")),
        ("设置 周期 双月", SetCycleKind("bimonthly")),
    ],
)
def test_settings(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("settings colour blue", "unknown_action", {"token": "colour"}),
        ("settings langauge zh", "unknown_action", {"token": "langauge", "suggestion": "language"}),
        ("settings language", "missing_value", {}),
        ("settings language klingon", "bad_language", {"token": "klingon"}),
        ("settings language zh en", "unexpected", {"token": "en"}),
        ("settings timezone", "missing_value", {}),
        ("settings cycle weekly", "bad_cycle", {"token": "weekly"}),
        ("settings team", "missing_text", {}),
        ("settings team plan mon 9:00", "missing_text", {}),
        ("settings team Growth", "missing_value", {}),
        ("settings team Growth plan mon", "missing_value", {}),
        ("settings team Growth plan someday 9:00", "bad_day", {"token": "someday"}),
        ("settings team Growth plan mon 25:00", "bad_time", {"token": "25:00"}),
        ("settings team Growth plan mon tue", "bad_time", {"token": "tue"}),
        ("设置 团队 增长组 计划 星期一 9点钟", "bad_time", {"token": "9点钟"}),
        ("settings team Growth plan mon 9:00 weekly", "unexpected", {"token": "weekly"}),
        ("settings team Growth channel", "missing_value", {}),
        ("settings team Growth holiday", "missing_value", {}),
        ("settings team Growth holiday soon", "bad_date", {"token": "soon"}),
        ("settings team Growth holiday 2026-02-30", "bad_date", {"token": "2026-02-30"}),
        (
            "settings team Growth holiday 2026-10-07 to 2026-10-01",
            "date_order",
            {"start": "2026-10-07", "end": "2026-10-01"},
        ),
        (
            "settings team Growth holiday 2026-01-01~2028-01-01",
            "bad_date",
            {"token": "2026-01-01~2028-01-01"},
        ),
        ("settings team Growth language fr", "bad_language", {"token": "fr"}),
    ],
)
def test_settings_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "settings", params)


# --- away and dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("away 2026-12-01", Away(date(2026, 12, 1), date(2026, 12, 1))),
        (
            "away 2026-12-01 2026-12-05 family trip",
            Away(date(2026, 12, 1), date(2026, 12, 5), "family trip"),
        ),
        ("away 12-01 to 12-05", Away(date(2026, 12, 1), date(2026, 12, 5))),
        ("away 12/1~12/5 conference", Away(date(2026, 12, 1), date(2026, 12, 5), "conference")),
        ("away 12-28 01-03", Away(date(2026, 12, 28), date(2027, 1, 3))),
        ("away fri mon long weekend", Away(date(2026, 11, 20), date(2026, 11, 23), "long weekend")),
        (
            "away fri to visit family",
            Away(date(2026, 11, 20), date(2026, 11, 20), "to visit family"),
        ),
        ("away until fri", Away(TODAY, date(2026, 11, 20))),
        ("away today", Away(TODAY, TODAY)),
        ("请假 明天 “看牙医”", Away(date(2026, 11, 19), date(2026, 11, 19), "看牙医")),
        ("休假 12月1日 到 12月5日 年假", Away(date(2026, 12, 1), date(2026, 12, 5), "年假")),
        ("请假 直到 周五", Away(TODAY, date(2026, 11, 20))),
        ("away list", AwayList()),
        ("away cancel", AwayCancel()),
        ("请假 取消", AwayCancel()),
    ],
)
def test_away(text: str, expected: Cmd) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("away", "missing_value", {}),
        ("away soon", "bad_date", {"token": "soon"}),
        ("away 2026-12-05 2026-12-01", "date_order", {"start": "2026-12-05", "end": "2026-12-01"}),
        ("away 2027-01-02 2026-12-24", "date_order", {"start": "2027-01-02", "end": "2026-12-24"}),
        ("请假 2027-01-02~2026-12-24", "date_order", {"start": "2027-01-02", "end": "2026-12-24"}),
        ("away 2026-13-01", "bad_date", {"token": "2026-13-01"}),
        ("away until later", "bad_date", {"token": "later"}),
        ("away until 2026-01-01", "date_order", {"start": "2026-11-18", "end": "2026-01-01"}),
        ("away list all", "unexpected", {"token": "all"}),
        ("away cancel it", "unexpected", {"token": "it"}),
    ],
)
def test_away_errors(text: str, code: str, params: dict[str, str]) -> None:
    e = error(text)
    assert (e.code, e.verb, e.params) == (code, "away", params)


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("today", TODAY),
        ("今天", TODAY),
        ("tomorrow", date(2026, 11, 19)),
        ("明天", date(2026, 11, 19)),
        ("后天", date(2026, 11, 20)),
        ("wed", TODAY),
        ("Wednesday", TODAY),
        ("thu", date(2026, 11, 19)),
        ("mon", date(2026, 11, 23)),
        ("tue", date(2026, 11, 24)),
        ("sun", date(2026, 11, 22)),
        ("周一", date(2026, 11, 23)),
        ("周三", TODAY),
        ("周日", date(2026, 11, 22)),
        ("星期天", date(2026, 11, 22)),
        ("星期五", date(2026, 11, 20)),
        ("2026-12-01", date(2026, 12, 1)),
        ("2026/12/1", date(2026, 12, 1)),
        ("2027年1月5日", date(2027, 1, 5)),
        ("12-01", date(2026, 12, 1)),
        ("12/1", date(2026, 12, 1)),
        ("12月1日", date(2026, 12, 1)),
        ("11-18", TODAY),
        ("11-17", date(2027, 11, 17)),
        ("02-29", date(2028, 2, 29)),
        ("１２／１", date(2026, 12, 1)),
    ],
)
def test_dates_resolve_against_today(written: str, day: date) -> None:
    assert p(f"away {written}") == Away(day, day)


def test_relative_dates_follow_the_given_today() -> None:
    assert parse("away tomorrow", today=date(2026, 12, 31)) == Away(
        date(2027, 1, 1), date(2027, 1, 1)
    )
    assert parse("away fri", today=date(2026, 11, 20)) == Away(
        date(2026, 11, 20), date(2026, 11, 20)
    )


def test_a_date_past_the_calendar_is_bad_date_not_a_crash() -> None:
    with pytest.raises(ParseError) as caught:
        parse("away tomorrow", today=date.max)
    assert caught.value.code == "bad_date"


# --- every error is a ParseError with a known code ---------------------------------------

FUZZ_WORDS = sorted(
    {word for verb, aliases in VERBS.items() for word in (verb, *aliases)}
    | {
        "add",
        "list",
        "done",
        "drop",
        "carry",
        "team",
        "团队",
        "new",
        "join",
        "digest",
        "accept",
        "decline",
        "to",
        "到",
        "none",
        "language",
        "timezone",
        "cycle",
        "holiday",
        "plan",
        "checkin",
        "channel",
        "owner",
        "with",
        "due",
        "截止",
        "weight",
        "权重",
        "confidence",
        "c",
        "信心",
        "target",
        "unit",
        "title",
        "delete",
        "until",
        "cancel",
        "O3",
        "KR12",
        "T40",
        "H5",
        "#KR1",
        "O0",
        "KR" + "9" * 30,
        "@alice",
        "@",
        "＠",
        "6000",
        "6,000",
        "+5",
        "-3",
        "10k",
        "1.5万",
        "2%",
        "0.7",
        "7/10",
        "11",
        "0",
        "9" * 50,
        "1e309",
        "fri",
        "周五",
        "today",
        "12-01",
        "2026-02-30",
        "02-29",
        "13/45",
        "12-01~12-05",
        "17:00",
        "25:00",
        "9am",
        "mon",
        ":",
        "：",
        "|",
        "｜",
        "->",
        "→",
        "~",
        '"',
        "'",
        "“",
        "”",
        "「",
        "」",
        "<https://x.io|x>",
        "https://example.com/a.",
        "zh",
        "en",
        "quarter",
        "#growth",
        "",
        "\u3000",
    }
)


def _check_outcome(text: str, today: date = TODAY) -> None:
    try:
        cmd = parse(text, today=today)
    except ParseError as e:
        assert e.code in ERROR_CODES
        assert e.verb is None or e.verb in VERBS
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in e.params.items())
    else:
        assert isinstance(cmd, Cmd)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises_anything_but_parse_error(text: str) -> None:
    _check_outcome(text)


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(FUZZ_WORDS), max_size=10),
    st.sampled_from([" ", "", "\u3000", "  "]),
    st.dates(),
)
def test_commands_built_from_grammar_words_never_raise_anything_but_parse_error(
    words: list[str], glue: str, today: date
) -> None:
    _check_outcome(glue.join(words), today)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(VERBS)), st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_each_verb_followed_by_arbitrary_text_never_raises_anything_but_parse_error(
    verb: str, tail: str
) -> None:
    _check_outcome(f"{verb} {tail}")


# --- the user reference stays true ----------------------------------------------------------

COMMANDS_MD = Path(__file__).resolve().parents[2] / "docs" / "COMMANDS.md"


def _documented_examples() -> list[str]:
    """Lines of the plain ``` blocks in docs/COMMANDS.md (```text blocks show syntax)."""
    examples: list[str] = []
    fence: str | None = None
    for line in COMMANDS_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fence = line if fence is None else None
            continue
        if fence == "```" and line.startswith("/okr"):
            examples.append(line.removeprefix("/okr"))
    return examples


def test_the_user_reference_has_examples() -> None:
    assert len(_documented_examples()) > 50


@pytest.mark.parametrize("text", _documented_examples())
def test_every_example_in_the_user_reference_parses(text: str) -> None:
    p(text)
