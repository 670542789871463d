"""The weekly rhythm through the real entry point: check-ins, the plan, time away, settings.

The harness clock is Wednesday 2026-11-25 10:00 in Shanghai (week 2026-W48).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.console.demo import DemoWorkspace
from handlers.views import Actions, Form, FormErrors, Outcome, ToUser
from storage.models import Checkin, KeyResult, Member, PlanTask, TaskStatus, Team
from storage.repos import okrs, rhythm, workspaces
from tests.conftest import Harness, first_message, text_of

APOLOGY = "Sorry, something went wrong"
WEEK = "2026-W48"
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- helpers ---------------------------------------------------------------------


def flat(outcome: Outcome) -> str:
    return " ".join(text_of(outcome).split())


def num(ref: str) -> int:
    return int(ref.lstrip("OKRTH"))


def kr(harness: Harness, demo: DemoWorkspace, key: str) -> KeyResult:
    with harness.sessions.begin() as s:
        row = okrs.get_key_result(
            session=s, workspace_id=demo.workspace_id, number=num(demo.key_results[key])
        )
    assert row is not None
    return row


def week_checkins(harness: Harness, demo: DemoWorkspace, key: str) -> list[Checkin]:
    """All of this week's check-ins of a KR (the history lists one row per week)."""
    row = kr(harness, demo, key)
    with harness.sessions.begin() as s:
        history = rhythm.checkin_history(
            session=s, workspace_id=demo.workspace_id, kr_id=row.id or -1, limit=100
        )
    return [c for c in history if c.week == WEEK]


def task(harness: Harness, demo: DemoWorkspace, ref: str) -> PlanTask:
    with harness.sessions.begin() as s:
        row = rhythm.get_task(session=s, workspace_id=demo.workspace_id, number=num(ref))
    assert row is not None, ref
    return row


def all_tasks(harness: Harness, demo: DemoWorkspace, week: str = WEEK) -> list[PlanTask]:
    with harness.sessions.begin() as s:
        return rhythm.list_tasks(session=s, workspace_id=demo.workspace_id, week=week)


def helper_ids(harness: Harness, demo: DemoWorkspace, row: PlanTask) -> list[int]:
    with harness.sessions.begin() as s:
        return rhythm.helpers_of(
            session=s, workspace_id=demo.workspace_id, task_ids=[row.id or -1]
        ).get(row.id or -1, [])


def member(harness: Harness, demo: DemoWorkspace, handle: str) -> Member:
    with harness.sessions.begin() as s:
        row = workspaces.find_member(session=s, workspace_id=demo.workspace_id, name=handle)
    assert row is not None
    return row


def team(harness: Harness, demo: DemoWorkspace, name: str) -> Team:
    with harness.sessions.begin() as s:
        row = workspaces.find_team(session=s, workspace_id=demo.workspace_id, name=name)
    assert row is not None
    return row


def assert_polite(outcome: Outcome, phrase: str) -> None:
    text = flat(outcome)
    assert APOLOGY not in text
    assert phrase in text, text
    assert not outcome.deliveries


def created_task_ref(outcome: Outcome) -> str:
    match = re.search(r"\bT(\d+)\b", first_message(outcome).summary)
    assert match, first_message(outcome).summary
    return f"T{match.group(1)}"


# --- check-in by command ------------------------------------------------------------


def test_checkin_one_liner_records_value_confidence_note_and_links(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    outcome = harness.say(
        "alice", f"checkin {ref} 6000 confidence 8 two reels took off https://docs.example.com/w"
    )
    text = flat(outcome)
    assert f"Checked in {ref}." in text
    assert "4,200" in text and "→ 6,000 followers this week (+1,800)" in text
    assert "confidence 7 → 8" in text  # against last week's check-in
    assert kr(harness, demo, "followers").current_value == 6_000
    (row,) = week_checkins(harness, demo, "followers")
    assert (row.value, row.previous_value, row.confidence) == (6_000, 4_200, 8)
    assert "two reels took off" in row.note
    assert row.links == ["https://docs.example.com/w"]
    assert row.member_id == member(harness, demo, "alice").id


def test_checkin_with_a_relative_value_adds_to_the_current_value(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    outcome = harness.say("alice", f"checkin {ref} +500 c8")
    assert "(+500)" in flat(outcome)
    assert kr(harness, demo, "followers").current_value == 4_700
    (row,) = week_checkins(harness, demo, "followers")
    assert (row.value, row.previous_value, row.confidence) == (4_700, 4_200, 8)


def test_checkin_of_a_milestone_as_done_completes_it(harness: Harness, demo: DemoWorkspace) -> None:
    ref = demo.key_results["portal"]
    outcome = harness.say("zhao", f"checkin {ref} done")
    assert f"Checked in {ref}." in flat(outcome)
    assert "not done → done" in flat(outcome)
    assert kr(harness, demo, "portal").current_value == 1.0
    (row,) = week_checkins(harness, demo, "portal")
    assert row.value == 1.0


def test_checkin_of_a_milestone_with_a_partial_value_is_refused(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["portal"]
    assert_polite(harness.say("zhao", f"checkin {ref} 0.5"), f"{ref} is a milestone")
    assert kr(harness, demo, "portal").current_value == 0
    assert week_checkins(harness, demo, "portal") == []


def test_a_second_checkin_in_the_same_week_edits_it_and_keeps_the_weeks_starting_value(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    harness.say("alice", f"checkin {ref} +500 c8 first note")
    second = harness.say("alice", f"checkin {ref} 5000 confidence 6 second note")
    text = flat(second)
    assert f"Updated this week's check-in of {ref}." in text
    assert "4,200" in text and "→ 5,000 followers this week (+800)" in text
    (row,) = week_checkins(harness, demo, "followers")
    assert (row.value, row.previous_value, row.confidence) == (5_000, 4_200, 6)
    assert row.note == "second note"
    assert kr(harness, demo, "followers").current_value == 5_000


def test_a_second_checkin_with_only_a_value_keeps_the_first_ones_confidence_and_note(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    harness.say("alice", f"checkin {ref} +500 c8 first note")
    second = harness.say("alice", f"checkin {ref} 5000")
    assert f"Updated this week's check-in of {ref}." in flat(second)
    (row,) = week_checkins(harness, demo, "followers")
    assert (row.value, row.confidence, row.note) == (5_000, 8, "first note")


def test_a_second_checkin_after_a_seeded_one_this_week_still_starts_from_last_week(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["playbooks"]  # wang already checked in this week (1, confidence 4)
    outcome = harness.say("wang", f"checkin {ref} 2 confidence 5")
    assert f"Updated this week's check-in of {ref}." in flat(outcome)
    (row,) = week_checkins(harness, demo, "playbooks")
    assert (row.value, row.previous_value, row.confidence) == (2, 1, 5)


def test_checkin_without_confidence_saves_and_asks_for_it(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    outcome = harness.say("alice", f"checkin {ref} 4300")
    assert f"Add your confidence (1–10): /okr checkin {ref} 4300 confidence 7" in flat(outcome)
    (row,) = week_checkins(harness, demo, "followers")
    assert (row.value, row.confidence) == (4_300, None)


def test_the_owners_manager_may_check_in_but_a_colleague_may_not(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    refused = harness.say("bob", f"checkin {ref} 9000")
    assert_polite(refused, f"Only the owner of {ref} (or their manager) can check in on it.")
    assert week_checkins(harness, demo, "followers") == []
    assert f"Checked in {ref}." in flat(harness.say("mei", f"checkin {ref} 4400"))
    assert kr(harness, demo, "followers").current_value == 4_400


@pytest.mark.parametrize(
    ("tail", "phrase"),
    [
        ("abc", '"abc" is not a number'),
        ("100 confidence 11", 'Confidence is a whole number from 1 to 10, not "11"'),
        ("100 c0", "Confidence is a whole number from 1 to 10"),
    ],
)
def test_a_bad_checkin_line_is_refused_with_the_right_form_and_saves_nothing(
    harness: Harness, demo: DemoWorkspace, tail: str, phrase: str
) -> None:
    outcome = harness.say("alice", f"checkin {demo.key_results['followers']} {tail}")
    assert_polite(outcome, phrase)
    assert "The right form: /okr checkin" in flat(outcome)
    assert week_checkins(harness, demo, "followers") == []
    assert kr(harness, demo, "followers").current_value == 4_200


def test_checkin_of_an_unknown_kr_is_refused(harness: Harness, demo: DemoWorkspace) -> None:
    assert_polite(harness.say("alice", "checkin KR999 5"), "There is no key result KR999.")


# --- check-in form ----------------------------------------------------------------


def test_checkin_with_only_a_kr_opens_a_prefilled_form(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    form = harness.say("alice", f"checkin {ref}").replies[0]
    assert isinstance(form, Form)
    assert (form.form_id, form.context) == ("checkin", ref)
    initial = {i.name: i.initial for i in form.inputs}
    assert initial[f"value:{ref}"] == "4200"
    assert initial[f"confidence:{ref}"] == "7"  # last week's


def test_the_checkin_button_opens_the_form_for_one_kr_or_for_all_my_krs(
    harness: Harness, demo: DemoWorkspace
) -> None:
    followers, engagement = demo.key_results["followers"], demo.key_results["engagement"]
    one = harness.press("alice", "checkin.open", followers).replies[0]
    assert isinstance(one, Form) and one.context == followers
    every = harness.press("alice", "checkin.open").replies[0]
    assert isinstance(every, Form) and every.context == f"{followers},{engagement}"
    assert week_checkins(harness, demo, "followers") == []  # opening saves nothing


def test_the_checkin_button_for_someone_without_krs_says_what_to_do(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.press("bob", "checkin.open")
    assert_polite(outcome, "You have no key results to check in on this cycle.")


def test_submitting_the_checkin_form_saves_each_kr(harness: Harness, demo: DemoWorkspace) -> None:
    followers, engagement = demo.key_results["followers"], demo.key_results["engagement"]
    form = harness.say("alice", "checkin").replies[0]
    assert isinstance(form, Form)
    outcome = harness.submit(
        "alice",
        form,
        {
            f"value:{followers}": "6,000",
            f"confidence:{followers}": "8",
            f"note:{followers}": "Brazil giveaway https://docs.example.com/g",
            f"value:{engagement}": "1.3",
            f"confidence:{engagement}": "6",
            f"note:{engagement}": "",
        },
    )
    text = flat(outcome)
    assert f"Checked in {followers}." in text and f"Checked in {engagement}." in text
    (row,) = week_checkins(harness, demo, "followers")
    assert (row.value, row.confidence) == (6_000, 8)
    assert row.links == ["https://docs.example.com/g"]
    assert kr(harness, demo, "engagement").current_value == 1.3


def test_a_checkin_form_with_abc_and_confidence_11_gets_field_errors_and_saves_nothing(
    harness: Harness, demo: DemoWorkspace
) -> None:
    followers, engagement = demo.key_results["followers"], demo.key_results["engagement"]
    form = harness.say("alice", "checkin").replies[0]
    assert isinstance(form, Form)
    outcome = harness.submit(
        "alice",
        form,
        {
            f"value:{followers}": "abc",
            f"confidence:{followers}": "11",
            f"note:{followers}": "",
            f"value:{engagement}": "1.5",  # valid, but the form is refused whole
            f"confidence:{engagement}": "6",
            f"note:{engagement}": "",
        },
    )
    (errors,) = outcome.replies
    assert isinstance(errors, FormErrors)
    fields = dict(errors.errors)
    assert set(fields) == {f"value:{followers}", f"confidence:{followers}"}
    assert '"abc" is not a number' in fields[f"value:{followers}"]
    assert "from 1 to 10" in fields[f"confidence:{followers}"]
    assert week_checkins(harness, demo, "followers") == []
    assert week_checkins(harness, demo, "engagement") == []
    assert kr(harness, demo, "followers").current_value == 4_200
    assert kr(harness, demo, "engagement").current_value == 1.1


def test_a_checkin_form_with_an_empty_value_asks_for_one(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["portal"]
    form = harness.say("zhao", f"checkin {ref}").replies[0]
    assert isinstance(form, Form)
    outcome = harness.submit("zhao", form, {f"value:{ref}": "", f"confidence:{ref}": "5"})
    (errors,) = outcome.replies
    assert isinstance(errors, FormErrors)
    assert [name for name, _ in errors.errors] == [f"value:{ref}"]
    assert week_checkins(harness, demo, "portal") == []


# --- plan -------------------------------------------------------------------------------


def test_plan_add_stores_the_task_with_kr_helper_and_due_day_and_dms_the_helper(
    harness: Harness, demo: DemoWorkspace
) -> None:
    kr_ref = demo.key_results["followers"]
    outcome = harness.say("alice", f"plan add Draft the launch post {kr_ref} with @bob due fri")
    ref = created_task_ref(outcome)
    assert f"Planned {ref} for week {WEEK}." in flat(outcome)
    row = task(harness, demo, ref)
    assert (row.title, row.week, row.due_date) == (
        "Draft the launch post",
        WEEK,
        date(2026, 11, 27),
    )
    assert row.kr_id == kr(harness, demo, "followers").id
    assert row.owner_member_id == member(harness, demo, "alice").id
    assert row.status == TaskStatus.PLANNED.value
    assert helper_ids(harness, demo, row) == [member(harness, demo, "bob").id]
    (dm,) = outcome.deliveries
    assert dm.to == ToUser("bob")
    assert f"planned {ref} with you as helper: Draft the launch post" in dm.message.summary


def test_plan_add_for_another_owner_dms_the_owner_and_each_helper_but_not_the_author(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say("alice", "plan add Case study page owner @bob with @mei @alice")
    row = task(harness, demo, created_task_ref(outcome))
    assert row.owner_member_id == member(harness, demo, "bob").id
    assert sorted(helper_ids(harness, demo, row)) == sorted(
        [member(harness, demo, "mei").id or -1, member(harness, demo, "alice").id or -1]
    )
    roles = {d.to: d.message.summary for d in outcome.deliveries}
    assert set(roles) == {ToUser("bob"), ToUser("mei")}
    assert "as owner" in roles[ToUser("bob")] and "as helper" in roles[ToUser("mei")]


def test_plan_add_with_a_due_date_in_the_past_is_refused_and_stores_nothing(
    harness: Harness, demo: DemoWorkspace
) -> None:
    before = len(all_tasks(harness, demo))
    outcome = harness.say("alice", "plan add Old thing with @bob due 2026-11-20")
    assert_polite(outcome, "has already passed; pick today or later.")
    assert len(all_tasks(harness, demo)) == before


def test_plan_add_with_an_unknown_helper_is_refused_and_stores_nothing(
    harness: Harness, demo: DemoWorkspace
) -> None:
    before = len(all_tasks(harness, demo))
    outcome = harness.say("alice", "plan add Something with @nobody")
    assert_polite(outcome, "I don't know anyone called @nobody")
    assert len(all_tasks(harness, demo)) == before


def test_plan_done_by_the_owner_and_by_a_helper(harness: Harness, demo: DemoWorkspace) -> None:
    # T2: alice's giveaway with bob as helper; T7: wang's playbook with li as helper.
    assert "Nice work! Marked done:" in flat(harness.say("alice", "plan done T2"))
    assert "Nice work! Marked done:" in flat(harness.say("li", "plan done T7"))
    for ref in ("T2", "T7"):
        row = task(harness, demo, ref)
        assert row.status == TaskStatus.DONE.value and row.done_at is not None


def test_plan_done_by_a_stranger_is_refused(harness: Harness, demo: DemoWorkspace) -> None:
    outcome = harness.say("zhao", "plan done T2")
    assert_polite(outcome, "Only the owner of T2, a helper or their manager can change it.")
    assert task(harness, demo, "T2").status == TaskStatus.PLANNED.value


def test_plan_done_with_one_unknown_task_changes_none_of_them(
    harness: Harness, demo: DemoWorkspace
) -> None:
    assert_polite(harness.say("alice", "plan done T2,T99"), "There is no task T99.")
    assert task(harness, demo, "T2").status == TaskStatus.PLANNED.value


def test_the_done_button_marks_the_task_done(harness: Harness, demo: DemoWorkspace) -> None:
    plan = harness.say("alice", "plan")
    buttons = [
        b for blk in first_message(plan).blocks if isinstance(blk, Actions) for b in blk.buttons
    ]
    assert [(b.action, b.value) for b in buttons] == [("task.done", "T2")]
    harness.press("alice", "task.done", "T2")
    assert task(harness, demo, "T2").status == TaskStatus.DONE.value


def test_plan_drop_drops_the_task(harness: Harness, demo: DemoWorkspace) -> None:
    assert "Dropped:" in flat(harness.say("bob", "plan drop T3"))
    assert task(harness, demo, "T3").status == TaskStatus.DROPPED.value


def test_plan_carry_moves_an_open_task_to_next_week_with_its_helpers(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say("alice", "plan carry T2")
    match = re.search(r"T2 carried over to week 2026-W49 as (T\d+)\.", flat(outcome))
    assert match, flat(outcome)
    old, new = task(harness, demo, "T2"), task(harness, demo, match.group(1))
    assert old.status == TaskStatus.CARRIED_OVER.value
    assert (new.week, new.title, new.status) == ("2026-W49", old.title, TaskStatus.PLANNED.value)
    assert (new.carried_from_id, new.owner_member_id, new.kr_id) == (
        old.id,
        old.owner_member_id,
        old.kr_id,
    )
    assert helper_ids(harness, demo, new) == [member(harness, demo, "bob").id]


def test_a_task_that_is_done_cannot_be_carried(harness: Harness, demo: DemoWorkspace) -> None:
    assert_polite(
        harness.say("alice", "plan carry T1"), "T1 is not open, so it cannot be carried over."
    )
    assert task(harness, demo, "T1").status == TaskStatus.DONE.value
    assert all_tasks(harness, demo, "2026-W49") == []


def test_plan_list_shows_mine_a_persons_and_a_teams_tasks(
    harness: Harness, demo: DemoWorkspace
) -> None:
    mine = flat(harness.say("alice", "plan"))
    assert f"Your plan for week {WEEK}" in mine
    assert "T1 Publish three Reels" in mine and "T2 Giveaway" in mine
    assert "T3 Two customer case studies" not in mine
    assert "1 of 2 done" in mine

    bobs = flat(harness.say("alice", "plan list @bob"))
    assert "T3 Two customer case studies" in bobs and "T2 Giveaway" in bobs  # helping on T2
    assert "T1 Publish" not in bobs

    marketing = flat(harness.say("alice", "plan list team Marketing"))
    for ref in ("T1", "T2", "T3", "T4"):
        assert f"{ref} " in marketing
    assert "T5 " not in marketing  # Sales' task


# --- away ----------------------------------------------------------------------------


def away_rows(harness: Harness, demo: DemoWorkspace, handle: str) -> list[tuple[date, date, str]]:
    """A member's current and future time away, as (start, end, note)."""
    who = member(harness, demo, handle)
    with harness.sessions.begin() as s:
        rows = rhythm.list_away(
            session=s,
            workspace_id=demo.workspace_id,
            member_id=who.id or -1,
            from_date=date(2026, 11, 25),
        )
    return [(r.start_date, r.end_date, r.note) for r in rows]


def test_away_add_list_and_cancel(harness: Harness, demo: DemoWorkspace) -> None:
    added = harness.say("alice", "away 2026-12-21 2027-01-03 family trip")
    assert "Enjoy your time away, Dec 21 – Jan 3." in flat(added)
    assert away_rows(harness, demo, "alice") == [
        (date(2026, 12, 21), date(2027, 1, 3), "family trip")
    ]
    assert "Dec 21 – Jan 3 · family trip" in flat(harness.say("alice", "away list"))
    assert "Your time away is cancelled." in flat(harness.say("alice", "away cancel"))
    assert away_rows(harness, demo, "alice") == []
    assert "No time away planned." in flat(harness.say("alice", "away list"))
    assert "You had no time away planned." in flat(harness.say("alice", "away cancel"))


def test_away_until_a_weekday_starts_today(harness: Harness, demo: DemoWorkspace) -> None:
    harness.say("bob", "away until fri conference")
    assert away_rows(harness, demo, "bob") == [
        (date(2026, 11, 25), date(2026, 11, 27), "conference")
    ]


def test_away_in_the_past_is_refused_and_stores_nothing(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say("alice", "away 2026-11-01 2026-11-03")
    assert_polite(outcome, "Those dates are in the past")
    assert away_rows(harness, demo, "alice") == []


# --- settings --------------------------------------------------------------------------


def test_settings_language_zh_switches_my_replies_to_chinese_and_en_switches_back(
    harness: Harness, demo: DemoWorkspace
) -> None:
    assert not CJK.search(text_of(harness.say("alice", "settings")))
    switched = harness.say("alice", "settings language zh")
    assert APOLOGY not in flat(switched)
    assert member(harness, demo, "alice").locale == "zh"
    assert CJK.search(text_of(harness.say("alice", "settings")))
    assert CJK.search(text_of(harness.say("alice", "away 2026-12-21 2027-01-03")))

    harness.say("alice", "settings language english")
    assert member(harness, demo, "alice").locale == "en"
    assert not CJK.search(text_of(harness.say("alice", "settings")))


def test_settings_language_in_chinese_words_works_too(
    harness: Harness, demo: DemoWorkspace
) -> None:
    harness.say("bob", "设置 语言 中文")
    assert member(harness, demo, "bob").locale == "zh"


def test_settings_timezone_accepts_an_iana_name_and_refuses_anything_else(
    harness: Harness, demo: DemoWorkspace
) -> None:
    refused = harness.say("alice", "settings timezone Mars/Olympus_Mons")
    assert_polite(refused, "I don't know the timezone Mars/Olympus_Mons.")
    assert member(harness, demo, "alice").timezone is None
    accepted = harness.say("alice", "settings timezone Europe/Berlin")
    assert "Your timezone is now Europe/Berlin." in flat(accepted)
    assert member(harness, demo, "alice").timezone == "Europe/Berlin"
    assert "Timezone: Europe/Berlin" in flat(harness.say("alice", "settings"))


def test_only_the_manager_changes_the_team_rhythm(harness: Harness, demo: DemoWorkspace) -> None:
    refused = harness.say("alice", "settings team Marketing digest thu 16:00")
    assert_polite(refused, "Only the manager of Marketing can change it.")
    marketing = team(harness, demo, "Marketing")
    assert (marketing.digest_weekday, marketing.digest_time) == (5, "17:00")

    done = harness.say("mei", "settings team Marketing digest thu 16:00")
    assert "Marketing: Celebration digest is now Thu 16:00 (Asia/Shanghai)." in flat(done)
    harness.say("mei", "settings team Marketing plan tue 09:00")
    marketing = team(harness, demo, "Marketing")
    assert (marketing.digest_weekday, marketing.digest_time) == (4, "16:00")
    assert (marketing.plan_weekday, marketing.plan_time) == (2, "09:00")


def test_the_manager_sets_team_channel_timezone_holidays_and_language(
    harness: Harness, demo: DemoWorkspace
) -> None:
    for line in (
        "settings team Marketing channel #brand",
        "settings team Marketing timezone Europe/Paris",
        "settings team Marketing holiday 2026-12-24 2026-12-25",
        "settings team Marketing language zh",
    ):
        assert APOLOGY not in flat(harness.say("mei", line))
    marketing = team(harness, demo, "Marketing")
    assert marketing.channel_external_id == "brand"
    assert marketing.timezone == "Europe/Paris"
    assert marketing.holidays == ["2026-12-24", "2026-12-25"]
    assert marketing.locale == "zh"


def test_a_team_timezone_that_does_not_exist_is_refused(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say("mei", "settings team Marketing timezone Mars/Base")
    assert_polite(outcome, "I don't know the timezone Mars/Base.")
    assert team(harness, demo, "Marketing").timezone == "Asia/Shanghai"


def test_only_a_team_manager_changes_the_workspace_cycle(
    harness: Harness, demo: DemoWorkspace
) -> None:
    assert_polite(
        harness.say("alice", "settings cycle monthly"),
        "Only a team manager can change the workspace's OKR cycle.",
    )
    with harness.sessions.begin() as s:
        ws = workspaces.get_workspace(session=s, workspace_id=demo.workspace_id)
        assert ws is not None and ws.cycle_kind == "quarter"
    outcome = harness.say("mei", "settings cycle bimonthly")
    assert "New objectives now go into" in flat(outcome)
    with harness.sessions.begin() as s:
        ws = workspaces.get_workspace(session=s, workspace_id=demo.workspace_id)
        assert ws is not None and ws.cycle_kind == "bimonthly"
