"""The rest of the rhythm through OkrApp.handle and the scheduler's moments.

The cut-off and its approvals, the Friday reminder, nudges, the monthly
review and the end-of-cycle scoring flow.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.console.demo import DemoWorkspace
from handlers.moments import planner
from handlers.okr.weeks import cycle_for
from handlers.reports import teammonth
from handlers.views import (
    Actions,
    Chart,
    Delivery,
    Form,
    Message,
    Move,
    MoveWords,
    Outcome,
    Progress,
    ToUser,
)
from storage.repos import okrs, workspaces
from storage.repos import rhythm as rhythm_repo
from tests.conftest import Harness, words_of

SHANGHAI_THURSDAY = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # Thu 10:00 Shanghai, W48
SHANGHAI_MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Mon 10:00, W49


def build(h: Harness) -> None:
    """Maya manages Growth (Shanghai, #growth); Ann and Ben each own a KR."""
    h.say("maya", "team new Growth #growth")
    h.say("maya", "settings team Growth timezone Asia/Shanghai")
    for who in ("ann", "ben"):
        h.say(who, "team join Growth")
    h.say("ann", "new Grow reach | Followers: 0 -> 1000 followers")
    h.say("ben", "new Ship the store aspirational | Orders: 0 -> 100 orders")


def written_until(h: Harness, at: datetime) -> None:
    """Run the scheduler's ticks from now to `at`: what was due is in the outbox, as when running."""
    h.app.tick(until=h.clock.now(), catch_up=None, own_clocks=())
    h.clock.set(at)
    h.app.tick(until=at, catch_up=None, own_clocks=())


def moments(h: Harness, since: datetime, until: datetime) -> list[tuple[datetime, str, Delivery]]:
    with h.sessions.begin() as session:
        due = planner.due_moments(session=session, since=since, until=until)
    return [(d.at, d.moment, d.delivery) for d in due]


def dm_to(deliveries: list[Delivery], user: str) -> list[Delivery]:
    return [d for d in deliveries if isinstance(d.to, ToUser) and d.to.user_id == user]


def text(view: object) -> str:
    return words_of(Outcome(replies=[view]))  # type: ignore[list-item]  # a view


def buttons(message: Message) -> list[tuple[str, str]]:
    return [
        (b.action, b.value)
        for blk in message.blocks
        if isinstance(blk, Actions)
        for b in blk.buttons
    ]


def task_numbers(h: Harness, week: str) -> dict[str, tuple[str, bool]]:
    with h.sessions.begin() as session:
        ws = workspaces.find_workspace(session=session, platform="console", external_id="demo")
        assert ws is not None and ws.id is not None
        return {
            t.title: (t.status, t.changed_late)
            for t in rhythm_repo.list_tasks(session=session, workspace_id=ws.id, week=week)
        }


# --- the cut-off ------------------------------------------------------------------------


def test_before_the_cut_off_owners_change_their_plan_freely(harness: Harness) -> None:
    build(harness)
    outcome = harness.say("ann", "plan add Draft the post")
    assert not outcome.deliveries
    assert task_numbers(harness, "2026-W48") == {"Draft the post": ("planned", False)}


def test_after_the_cut_off_a_change_waits_for_the_manager_until_approved(
    harness: Harness,
) -> None:
    build(harness)
    harness.say("ann", "plan add Draft the post")
    harness.clock.set(SHANGHAI_THURSDAY)
    asked = harness.say("ann", "plan add Film the reel")
    assert "maya approves late changes" in words_of(asked).lower() or "Maya" in words_of(asked)
    assert "Film the reel" not in task_numbers(harness, "2026-W48")
    (to_manager,) = asked.deliveries
    assert to_manager.to == ToUser("maya")
    assert isinstance(to_manager.message, Message)
    (approve, decline) = buttons(to_manager.message)
    assert approve[0] == "change.approve" and decline[0] == "change.decline"
    refused = harness.press("ben", *approve)
    assert "Only the manager" in words_of(refused)
    done = harness.press("maya", *approve)
    assert done.updated is not None and "Approved" in done.updated.summary
    assert [d.to for d in done.deliveries] == [ToUser("ann")]
    assert "approved your late change" in done.deliveries[0].message.summary
    assert task_numbers(harness, "2026-W48")["Film the reel"] == ("planned", True)
    again = harness.press("maya", *approve)
    assert "already answered" in words_of(again)
    plan_view = harness.say("maya", "plan team Growth")
    assert "changed after the cut-off" in words_of(plan_view)


def test_a_declined_change_never_applies_and_the_owner_hears_the_reason(harness: Harness) -> None:
    build(harness)
    planned = harness.say("ann", "plan add Draft the post")
    ref = planned.replies[0].summary.split()[1]  # type: ignore[union-attr]  # "Planned T1 ..."
    harness.clock.set(SHANGHAI_THURSDAY)
    asked = harness.say("ann", f"plan edit {ref} title Draft two posts")
    assert task_numbers(harness, "2026-W48") == {"Draft the post": ("planned", False)}
    _, decline = buttons(asked.deliveries[0].message)  # type: ignore[arg-type]  # a Message
    form = harness.press("maya", *decline).replies[0]
    assert isinstance(form, Form)
    answered = harness.submit("maya", form, {"reason": "Keep the week focused"})
    (to_owner,) = answered.deliveries
    assert to_owner.to == ToUser("ann")
    assert "Keep the week focused" in text(to_owner.message)
    assert task_numbers(harness, "2026-W48") == {"Draft the post": ("planned", False)}


def test_managers_own_changes_and_teams_without_a_manager_are_not_held(harness: Harness) -> None:
    build(harness)
    harness.clock.set(SHANGHAI_THURSDAY)
    harness.say("maya", "plan add Review the budget")
    assert task_numbers(harness, "2026-W48")["Review the budget"] == ("planned", False)
    harness.say("zoe", "plan add Solo work")  # in no team
    assert "Solo work" in task_numbers(harness, "2026-W48")


def test_the_new_week_opens_the_plan_again_on_monday(harness: Harness) -> None:
    build(harness)
    harness.clock.set(SHANGHAI_THURSDAY)
    assert harness.say("ann", "plan add Late idea").deliveries
    harness.clock.set(SHANGHAI_MONDAY)
    assert not harness.say("ann", "plan add Monday idea").deliveries
    assert task_numbers(harness, "2026-W49") == {"Monday idea": ("planned", False)}


# --- reminders and nudges ------------------------------------------------------------


def test_the_friday_reminder_goes_only_to_those_missing_and_stops_after_check_in(
    harness: Harness,
) -> None:
    build(harness)
    harness.say("ann", "checkin KR1 300 confidence 7")
    friday = datetime(2026, 11, 27, 7, 59, tzinfo=UTC)  # 15:59 Shanghai
    reminded = [
        d
        for _, name, d in moments(harness, friday, friday + timedelta(minutes=2))
        if name == "remind"
    ]
    assert [d.to for d in reminded] == [ToUser("ben")]
    assert "KR2" in text(reminded[0].message)
    harness.say("ben", "checkin KR2 10 confidence 6")
    after = [
        d
        for _, name, d in moments(harness, friday, friday + timedelta(minutes=2))
        if name == "remind"
    ]
    assert after == []


def test_reminders_can_be_turned_off_in_english_and_chinese(harness: Harness) -> None:
    build(harness)
    assert "off" in words_of(harness.say("ben", "settings reminders off"))
    friday = datetime(2026, 11, 27, 7, 59, tzinfo=UTC)
    names = {
        d.to
        for _, name, d in moments(harness, friday, friday + timedelta(minutes=2))
        if name == "remind"
    }
    assert names == {ToUser("ann")}
    harness.say("ben", "设置 提醒 开")
    names = {
        d.to
        for _, name, d in moments(harness, friday, friday + timedelta(minutes=2))
        if name == "remind"
    }
    assert names == {ToUser("ann"), ToUser("ben")}


def test_an_unanswered_help_request_is_nudged_once_after_two_working_days(
    harness: Harness,
) -> None:
    build(harness)
    harness.say("ann", 'ask @ben KR1 "review my post"')  # Wednesday W48
    start = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    found = [
        (at, d)
        for at, name, d in moments(harness, start, start + timedelta(days=10))
        if d.key and d.key.startswith("nudge:")
    ]
    assert len(found) == 1
    at, nudge = found[0]
    # Wednesday + two working days = Friday, at the team's 09:30.
    assert at == datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    assert nudge.to == ToUser("ben")
    cancelled = harness.say("ann", "ask cancel H1")
    assert "cancelled" in words_of(cancelled)
    assert [
        d
        for _, name, d in moments(harness, start, start + timedelta(days=10))
        if d.key and d.key.startswith("nudge:")
    ] == []


def test_a_nudge_names_an_asker_from_outside_the_helpers_team(harness: Harness) -> None:
    build(harness)
    harness.say("zoe", "help")  # in the workspace, in no team
    harness.say("zoe", 'ask @ben KR2 "a quote for the launch post"')  # Wednesday W48
    start = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    (nudge,) = [
        d
        for _, _, d in moments(harness, start, start + timedelta(days=10))
        if d.key and d.key.startswith("nudge:")
    ]
    assert nudge.to == ToUser("ben")
    assert nudge.message.summary.startswith("A gentle nudge: Zoe asked for your help")


def test_a_task_past_its_due_date_is_pointed_out_to_its_owner_once(harness: Harness) -> None:
    build(harness)
    harness.say("ann", "plan add Send the brief due thu")
    start = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    found = [
        (at, d)
        for at, _, d in moments(harness, start, start + timedelta(days=12))
        if d.key and d.key.startswith("overdue:")
    ]
    assert len(found) == 1
    assert found[0][0] == datetime(2026, 11, 27, 1, 30, tzinfo=UTC)  # Friday 09:30
    assert found[0][1].to == ToUser("ann")


# --- the digest's chart and the monthly review ------------------------------------------


def test_the_digest_charts_the_week_and_the_monthly_review_the_cycle(harness: Harness) -> None:
    build(harness)
    harness.say("ann", "checkin KR1 300 confidence 7")
    harness.say("ben", "checkin KR2 10 confidence 6")
    harness.say("ann", "plan add Draft the post")
    harness.say("ann", "plan done T1")
    friday = datetime(2026, 11, 27, 8, 59, tzinfo=UTC)
    (digest,) = [
        d
        for _, name, d in moments(harness, friday, friday + timedelta(minutes=2))
        if name == "digest"
    ]
    (week,) = [b for b in digest.message.blocks if isinstance(b, Chart)]
    assert (week.filename, week.title) == ("digest-week.png", "This week · Growth · 2026-W48")
    assert week.series == ()
    assert week.moves == (
        Move("KR1 Followers", 0.0, 30.0, 7, "300 of 1,000 followers"),
        Move("KR2 Orders", 0.0, 10.0, 6, "10 of 100 orders"),
    )
    assert week.words == MoveWords("start of the week", "now", "target", "confidence")
    monday = datetime(2026, 12, 7, 1, 59, tzinfo=UTC)  # first Monday of December, 09:59
    (review,) = [
        d
        for _, name, d in moments(harness, monday, monday + timedelta(minutes=2))
        if name == "review"
    ]
    words = text(review.message)
    assert "Monthly review · Growth · November 2026" in words
    assert "0 → 300 (+300)" in words
    assert "confidence 7" in words
    assert "1 of 1 done" in words
    assert any(isinstance(b, Chart) for b in review.message.blocks)


def test_the_monthly_review_starts_from_the_last_value_before_the_month(
    harness: Harness,
) -> None:
    # Read as the cycle's and the month's check-ins plus the last one before them:
    # October's 100 is where November started, whatever came earlier.
    harness.clock.set(datetime(2026, 10, 28, 4, 0, tzinfo=UTC))  # Wednesday of W44
    build(harness)
    harness.say("ann", "checkin KR1 100 confidence 5")
    harness.clock.set(datetime(2026, 11, 11, 4, 0, tzinfo=UTC))  # W46
    harness.say("ann", "checkin KR1 250 confidence 6")
    harness.clock.set(datetime(2026, 11, 18, 4, 0, tzinfo=UTC))  # W47
    harness.say("ann", "checkin KR1 300 confidence 7")
    monday = datetime(2026, 12, 7, 1, 59, tzinfo=UTC)
    (review,) = [
        d
        for _, name, d in moments(harness, monday, monday + timedelta(minutes=2))
        if name == "review"
    ]
    words = text(review.message)
    assert "100 → 300 (+200)" in words
    assert "confidence 6 → 7" in words
    progress = next(b for b in review.message.blocks if isinstance(b, Chart))
    (followers,) = [s for s in progress.series if s.label == "KR1 Followers"]
    assert followers.points[-6:] == (
        ("W43", 0.0),
        ("W44", 10.0),
        ("W45", 10.0),
        ("W46", 25.0),
        ("W47", 30.0),
        ("W48", 30.0),
    )


# --- end of cycle ----------------------------------------------------------------------


def test_scoring_flow_self_scores_review_queue_adjustment_and_summary(harness: Harness) -> None:
    build(harness)
    harness.say("ann", "checkin KR1 800 confidence 8")
    harness.say("ben", "checkin KR2 65 confidence 6")
    last_monday = datetime(2026, 12, 28, 1, 29, tzinfo=UTC)  # Mon 09:29 of the cycle's last week
    asked = [
        d
        for _, name, d in moments(harness, last_monday, last_monday + timedelta(minutes=2))
        if name == "selfscore"
    ]
    assert {d.to for d in asked} == {ToUser("ann"), ToUser("ben")}
    ann_prompt = text(dm_to(asked, "ann")[0].message)
    assert "suggested 0.8" in ann_prompt and "committed" in ann_prompt
    ben_prompt = text(dm_to(asked, "ben")[0].message)
    assert "(aspirational)" in ben_prompt and "(committed)" not in ben_prompt
    harness.clock.set(last_monday + timedelta(hours=1))
    refused = harness.say("ann", "score KR1 1.5")
    assert "A score is 0–1" in words_of(refused)
    scored = harness.say("ann", "score KR1 0.8")
    (to_maya,) = scored.deliveries
    assert to_maya.to == ToUser("maya")
    assert "1 of 2 self-scored" in text(to_maya.message)
    harness.say("ben", "score KR2 0.7")
    queue = harness.say("maya", "score queue").replies[0]
    assert isinstance(queue, Message)
    assert "Ann" in text(queue) and "self 0.8" in text(queue) and "self 0.7" in text(queue)
    confirmed = harness.press("maya", "score.confirm", "KR1")
    assert [d.to for d in confirmed.deliveries] == [ToUser("ann")]
    assert "It is final" in confirmed.deliveries[0].message.summary
    adjusted = harness.say("maya", 'score KR2 0.6 "two orders were refunded"')
    to_ben = dm_to(adjusted.deliveries, "ben")[0]
    assert "from 0.7 to 0.6" in to_ben.message.summary
    assert "two orders were refunded" in text(to_ben.message)
    (summary,) = [d for d in adjusted.deliveries if d.key and d.key.startswith("cycle-summary:")]
    words = text(summary.message)
    assert "score 0.8" in words and "score 0.6" in words
    final = harness.say("ann", "score KR1 0.9")
    assert "final" in words_of(final)


# --- what a check-in changes in messages already posted --------------------------------


def test_a_check_in_after_the_digest_updates_the_posted_digest_in_place(harness: Harness) -> None:
    build(harness)
    harness.say("ann", "checkin KR1 300 confidence 7")
    written_until(harness, datetime(2026, 11, 27, 9, 30, tzinfo=UTC))  # Friday 17:30: it is out
    outcome = harness.say("ben", "checkin KR2 10 confidence 6")
    (update,) = [d for d in outcome.deliveries if d.replaces == "digest:team1:2026-W48"]
    assert update.key and update.key != update.replaces
    assert "Not checked in yet" not in text(update.message)


def test_a_check_in_before_the_digest_touches_no_digest(harness: Harness) -> None:
    build(harness)
    outcome = harness.say("ben", "checkin KR2 10 confidence 6")  # Wednesday
    assert not [d for d in outcome.deliveries if d.replaces]


def test_the_answered_prompt_and_reminder_are_updated_to_say_so(harness: Harness) -> None:
    build(harness)
    written_until(harness, datetime(2026, 11, 27, 8, 30, tzinfo=UTC))  # Friday 16:30: both out
    outcome = harness.say("ben", "checkin KR2 10 confidence 6")
    replaced = sorted(d.replaces or "" for d in outcome.deliveries if d.to == ToUser("ben"))
    assert replaced == ["checkin:member3:2026-W48", "remind:member3:2026-W48"]
    harness.clock.set(datetime(2026, 11, 27, 8, 31, tzinfo=UTC))
    again = harness.say("ben", "checkin KR2 12 confidence 6")  # an edit answers nothing new
    assert not [d for d in again.deliveries if d.to == ToUser("ben")]


# --- digest fixes ---------------------------------------------------------------------


def test_a_kr_created_this_week_is_not_behind_pace_and_objectives_show_weighted_progress(
    harness: Harness,
) -> None:
    build(harness)
    harness.say("ann", "kr add O1 Newsletter: 0 -> 100 subscribers weight 3")
    harness.say("ann", "checkin KR1 500 confidence 7")
    digest = harness.say("maya", "team digest Growth")
    words = words_of(digest)
    assert "behind pace" not in words
    message = digest.replies[0]
    assert isinstance(message, Message)
    bars = {b.label: b.fraction for b in message.blocks if isinstance(b, Progress)}
    # (1 × 50% + 3 × 0%) / 4
    assert bars["O1 Grow reach"] == pytest.approx(0.125)


def test_a_help_request_asked_on_thursday_is_nudged_on_monday_not_over_the_weekend(
    harness: Harness,
) -> None:
    build(harness)
    harness.clock.set(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))  # Thursday 10:00 in Shanghai
    harness.say("ann", 'ask @ben KR1 "review my post"')
    start = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    found = [
        at
        for at, _name, d in moments(harness, start, start + timedelta(days=10))
        if d.key and d.key.startswith("nudge:")
    ]
    # Thursday + two working days skips Saturday and Sunday: Monday at the team's 09:30.
    assert found == [datetime(2026, 11, 30, 1, 30, tzinfo=UTC)]


def test_reviews_built_together_read_as_each_built_alone(
    harness: Harness, demo: DemoWorkspace
) -> None:
    # A review Monday reads every reviewed team's month at once; each review must
    # still count its own people's help, tasks and KRs, across team lines too.
    for asker, helper, kr in (("li", "zhao", "KR1"), ("alice", "bob", "KR11")):
        asked = harness.say(asker, f"ask @{helper} {kr} can you take a look?")
        number = re.search(r"H\d+", words_of(asked))
        assert number is not None, words_of(asked)
        harness.say(helper, f"ask accept {number.group()}")
        harness.say(helper, f"ask done {number.group()}")
    monday = datetime(2026, 12, 7, 1, 59, tzinfo=UTC)

    def reviews(team_id: int | None) -> dict[str, str]:
        with harness.sessions.begin() as session:
            due = planner.due_moments(
                session=session,
                since=monday,
                until=monday + timedelta(minutes=2),
                moments=["review"],
                team_id=team_id,
            )
        return {d.delivery.key or "": text(d.delivery.message) for d in due}

    together = reviews(None)
    alone: dict[str, str] = {}
    with harness.sessions.begin() as session:
        team_ids = [t.id for t in workspaces.list_all_teams(session=session)]
    for team_id in team_ids:
        alone |= reviews(team_id)
    assert len(together) == 3 and together == alone
    by_team = {key.split(":")[1]: words for key, words in together.items()}
    assert sorted(by_team) == sorted(f"team{i}" for i in team_ids)
    sales, rnd, marketing = (by_team[f"team{i}"] for i in team_ids)
    assert "Li：协助他人 0 次 · 获得协助 1 次" in sales and "Zhao" not in sales
    assert "Zhao：协助他人 1 次 · 获得协助 0 次" in rnd and "Li：" not in rnd
    assert "Alice: helped 0 · was helped 1" in marketing
    assert "Bob: helped 1 · was helped 0" in marketing
    # Each review lists its team's and its members' objectives' KRs, and only those.
    with harness.sessions.begin() as session:
        for team in workspaces.list_all_teams(session=session):
            bounds = cycle_for("quarter", date(2026, 11, 30))
            cycle = okrs.get_or_create_cycle(
                session=session,
                workspace_id=team.workspace_id,
                name=bounds.name,
                kind=bounds.kind,
                start=bounds.start,
                end=bounds.end,
            )
            expected = {
                f"KR{kr.number}"
                for kr in teammonth.team_krs(session=session, team=team, cycle_id=cycle.id)
            }
            shown = set(re.findall(r"^KR\d+", by_team[f"team{team.id}"], re.MULTILINE))
            assert expected and shown == expected
