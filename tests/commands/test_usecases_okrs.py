"""Objectives and key results through the real entry point: my, new, kr, show, align, score.

Every test drives `OkrApp.handle` through the harness on a migrated SQLite
database seeded with the demo workspace, and checks both what the person is
told and what is stored.
"""

from __future__ import annotations

import re

import pytest

from bot.console.demo import DemoWorkspace
from handlers.events import HomeOpened
from handlers.views import Actions, Form, FormErrors, Outcome, ToUser
from storage.models import KeyResult, KRKind, Objective, Score
from storage.repos import okrs, rhythm, workspaces
from tests.conftest import Harness, first_message, text_of

APOLOGY = "Sorry, something went wrong"


# --- helpers ---------------------------------------------------------------------


def flat(outcome: Outcome) -> str:
    """The replies as one line: wrapping never splits an asserted phrase."""
    return " ".join(text_of(outcome).split())


def num(ref: str) -> int:
    return int(ref.lstrip("OKRTH"))


def created_ref(outcome: Outcome, kind: str) -> str:
    match = re.search(rf"\b{kind}(\d+)\b", first_message(outcome).summary)
    assert match, first_message(outcome).summary
    return f"{kind}{match.group(1)}"


def objective(harness: Harness, demo: DemoWorkspace, ref: str) -> Objective | None:
    with harness.sessions.begin() as s:
        return okrs.get_objective(session=s, workspace_id=demo.workspace_id, number=num(ref))


def kr(harness: Harness, demo: DemoWorkspace, ref: str) -> KeyResult | None:
    with harness.sessions.begin() as s:
        return okrs.get_key_result(session=s, workspace_id=demo.workspace_id, number=num(ref))


def krs_of(harness: Harness, demo: DemoWorkspace, o_ref: str) -> list[KeyResult]:
    with harness.sessions.begin() as s:
        o = okrs.get_objective(session=s, workspace_id=demo.workspace_id, number=num(o_ref))
        assert o is not None and o.id is not None
        return okrs.list_key_results(
            session=s, workspace_id=demo.workspace_id, objective_ids=[o.id]
        )


def member_id(harness: Harness, demo: DemoWorkspace, handle: str) -> int:
    with harness.sessions.begin() as s:
        m = workspaces.find_member(session=s, workspace_id=demo.workspace_id, name=handle)
        assert m is not None and m.id is not None
        return m.id


def all_objectives(harness: Harness, demo: DemoWorkspace) -> list[Objective]:
    with harness.sessions.begin() as s:
        return okrs.list_objectives(session=s, workspace_id=demo.workspace_id)


def score_row(harness: Harness, demo: DemoWorkspace, kr_ref: str) -> Score | None:
    row = kr(harness, demo, kr_ref)
    assert row is not None and row.id is not None
    with harness.sessions.begin() as s:
        return okrs.scores_for(session=s, workspace_id=demo.workspace_id, kr_ids=[row.id]).get(
            row.id
        )


def in_english(harness: Harness, demo: DemoWorkspace, user: str) -> None:
    """Chen's seeded language is Chinese; tests that read English replies switch him."""
    harness.say(user, "settings language en")
    with harness.sessions.begin() as s:
        m = workspaces.find_member(session=s, workspace_id=demo.workspace_id, name=user)
        assert m is not None and m.locale == "en"


def assert_polite(outcome: Outcome, phrase: str) -> None:
    text = flat(outcome)
    assert APOLOGY not in text
    assert phrase in text, text
    assert not outcome.deliveries


# --- my ------------------------------------------------------------------------------


def test_my_okrs_lists_own_and_team_objectives_with_their_krs_and_action_buttons(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say("alice", "my")
    text = flat(outcome)
    assert "Your OKRs · 2026-Q4" in text
    assert f"{demo.objectives['alice']} Raise brand awareness in target markets" in text
    assert f"{demo.objectives['mei']} Make Demo Co. the name buyers know" in text  # her team's O
    assert f"{demo.key_results['followers']} Followers in target countries" in text
    assert "4,200 of 10,000 followers" in text
    assert "Grow revenue 50%" not in text  # Sales' objective is not hers
    actions = [b for b in first_message(outcome).blocks if isinstance(b, Actions)]
    assert [b.action for b in actions[-1].buttons] == [
        "checkin.open",
        "plan.list",
        "objective.new",
    ]


def test_an_empty_command_and_opening_the_home_both_show_my_okrs(
    harness: Harness, demo: DemoWorkspace
) -> None:
    typed = flat(harness.say("alice", ""))
    home = " ".join(text_of(harness.app.handle(HomeOpened(actor=harness.actor("alice")))).split())
    for text in (typed, home):
        assert "Your OKRs" in text
        assert "Raise brand awareness in target markets" in text


def test_a_newcomer_is_registered_and_invited_to_write_an_objective(
    harness: Harness, demo: DemoWorkspace
) -> None:
    text = flat(harness.say("dana", "my"))
    assert "No objectives yet this cycle." in text
    assert "/okr new" in text
    with harness.sessions.begin() as s:
        dana = workspaces.get_member_by_external(
            session=s, workspace_id=demo.workspace_id, external_id="dana"
        )
    assert dana is not None and dana.display_name == "Dana"


# --- new -----------------------------------------------------------------------------


def test_new_creates_the_objective_with_measures_weights_milestones_and_kr_owners(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say(
        "alice",
        "new Win Japan aspirational | Followers in Japan: 0 -> 10000 followers weight 2 @bob"
        " | Engagement rate in Japan: 2% | JP store live: done",
    )
    ref = created_ref(outcome, "O")
    assert ref == "O7"
    assert f"Created {ref}." in flat(outcome)
    stored = objective(harness, demo, ref)
    assert stored is not None
    assert stored.title == "Win Japan"
    assert stored.kind == "aspirational"
    assert stored.owner_member_id == member_id(harness, demo, "alice")
    followers, engagement, store = krs_of(harness, demo, ref)
    assert (followers.title, followers.start_value, followers.target_value) == (
        "Followers in Japan",
        0,
        10_000,
    )
    assert followers.unit == "followers" and followers.weight == 2
    assert followers.owner_member_id == member_id(harness, demo, "bob")
    assert (engagement.target_value, engagement.unit) == (2, "%")
    assert engagement.owner_member_id == member_id(harness, demo, "alice")  # defaults to author
    assert store.kind == KRKind.MILESTONE.value and store.target_value == 1


def test_new_warns_about_a_task_like_kr_and_a_kr_without_target_but_still_saves(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say(
        "bob",
        "new Grow the newsletter | Launch the newsletter | Subscribers: 0 -> 5000 subscribers",
    )
    text = flat(outcome)
    launch, subscribers = krs_of(harness, demo, created_ref(outcome, "O"))
    assert launch.target_value is None
    assert f"KR{launch.number} has no target yet" in text
    assert f"KR{launch.number} reads like a task, not a result" in text
    assert f"KR{subscribers.number} has no target" not in text
    assert f"KR{subscribers.number} reads like a task" not in text


def test_new_warns_only_when_an_objective_has_more_than_five_krs(
    harness: Harness, demo: DemoWorkspace
) -> None:
    five = " | ".join(f"Metric {i}: {i}0 signups" for i in range(1, 6))
    ok = harness.say("bob", f"new Five is fine | {five}")
    assert "more than 5 key results" not in flat(ok)
    too_many = harness.say("bob", f"new Six is too many | {five} | Metric 6: 60 signups")
    ref = created_ref(too_many, "O")
    assert f"{ref} has more than 5 key results" in flat(too_many)
    assert len(krs_of(harness, demo, ref)) == 6  # a hint, not a refusal


def test_new_warns_from_the_fourth_objective_of_the_cycle(
    harness: Harness, demo: DemoWorkspace
) -> None:
    for i in range(1, 4):
        reply = harness.say("bob", f"new Objective {i} | Signups: 0 -> {i}00 signups")
        assert "More than 3 objectives" not in flat(reply)
    fourth = harness.say("bob", "new Objective 4 | Signups: 0 -> 400 signups")
    assert "More than 3 objectives this cycle" in flat(fourth)
    bob = member_id(harness, demo, "bob")
    assert len([o for o in all_objectives(harness, demo) if o.owner_member_id == bob]) == 4


def test_a_team_objective_is_owned_by_the_team_and_only_its_members_may_write_one(
    harness: Harness, demo: DemoWorkspace
) -> None:
    in_english(harness, demo, "chen")
    before = len(all_objectives(harness, demo))
    refused = harness.say("chen", "new Brand for Sales team:Marketing | Leads: 0 -> 10 leads")
    assert_polite(refused, "Only members of Marketing can write its objectives.")
    assert len(all_objectives(harness, demo)) == before

    created = harness.say("alice", "new Brand for all team:Marketing | Leads: 0 -> 10 leads")
    stored = objective(harness, demo, created_ref(created, "O"))
    assert stored is not None and stored.owner_member_id is None
    with harness.sessions.begin() as s:
        team = workspaces.find_team(session=s, workspace_id=demo.workspace_id, name="Marketing")
    assert team is not None and stored.owner_team_id == team.id


def test_new_alone_opens_a_form_whose_submit_creates_the_objective(
    harness: Harness, demo: DemoWorkspace
) -> None:
    form = harness.say("bob", "new").replies[0]
    assert isinstance(form, Form) and form.form_id == "objective.new"
    outcome = harness.submit(
        "bob",
        form,
        {"title": "Own the case studies", "kind": "committed", "kr1": "Case studies: 0 -> 4"},
    )
    ref = created_ref(outcome, "O")
    stored = objective(harness, demo, ref)
    assert stored is not None and stored.title == "Own the case studies"
    (only,) = krs_of(harness, demo, ref)
    assert (only.title, only.target_value) == ("Case studies", 4)


def test_a_form_without_title_or_with_a_bad_kr_line_is_refused_per_field_and_saves_nothing(
    harness: Harness, demo: DemoWorkspace
) -> None:
    before = len(all_objectives(harness, demo))
    form = harness.say("bob", "new").replies[0]
    assert isinstance(form, Form)
    outcome = harness.submit("bob", form, {"title": "", "kind": "sideways", "kr1": "Leads: abc"})
    (errors,) = outcome.replies
    assert isinstance(errors, FormErrors)
    fields = dict(errors.errors)
    assert set(fields) == {"title", "kind", "kr1"}
    assert '"abc" is not a number' in fields["kr1"]
    assert len(all_objectives(harness, demo)) == before


# --- kr ------------------------------------------------------------------------------


def test_kr_add_appends_a_kr_to_the_owners_objective(harness: Harness, demo: DemoWorkspace) -> None:
    o5 = demo.objectives["alice"]
    outcome = harness.say("alice", f"kr add {o5} Posts published: 0 -> 30 posts weight 2")
    new = created_ref(outcome, "KR")
    assert f"Added {new} to {o5}." in flat(outcome)
    added = kr(harness, demo, new)
    assert added is not None
    assert (added.title, added.target_value, added.unit, added.weight) == (
        "Posts published",
        30,
        "posts",
        2,
    )
    stored_o = objective(harness, demo, o5)
    assert stored_o is not None and added.objective_id == stored_o.id
    assert added.owner_member_id == member_id(harness, demo, "alice")


def test_kr_add_warns_when_the_objective_passes_five_krs(
    harness: Harness, demo: DemoWorkspace
) -> None:
    o5 = demo.objectives["alice"]  # has two KRs
    for i in range(3):
        assert "more than 5" not in flat(harness.say("alice", f"kr {o5} Metric {i}: 10 signups"))
    sixth = harness.say("alice", f"kr add {o5} Metric 3: 10 signups")
    assert f"{o5} has more than 5 key results" in flat(sixth)
    assert len(krs_of(harness, demo, o5)) == 6


def test_kr_add_to_someone_elses_objective_is_refused_and_adds_nothing(
    harness: Harness, demo: DemoWorkspace
) -> None:
    o5 = demo.objectives["alice"]
    outcome = harness.say("bob", f"kr add {o5} Posts: 0 -> 30 posts")
    assert_polite(outcome, f"Only the owner of {o5} (or their manager) can change it.")
    assert len(krs_of(harness, demo, o5)) == 2


def test_kr_owner_edits_every_field(harness: Harness, demo: DemoWorkspace) -> None:
    """Past the cycle's first month, a new target, start or weight waits for the manager."""
    ref = demo.key_results["followers"]
    for line in (f"kr {ref} current 4500", f"kr {ref} unit fans"):
        assert f"Updated {ref}." in flat(harness.say("alice", line)), line
    for line in (f"kr {ref} target 12000", f"kr {ref} start 100", f"kr {ref} weight 3"):
        outcome = harness.say("alice", line)
        assert "approves changes to a key result's target, start or weight" in flat(outcome), line
        (asked,) = outcome.deliveries
        approve = next(b for block in asked.message.blocks for b in getattr(block, "buttons", ()))
        assert "Approved" in flat(harness.press("mei", approve.action, approve.value))
    assert f"Updated {ref}." in flat(
        harness.say("alice", f"kr {ref} title Fans in Brazil and Mexico")
    )
    stored = kr(harness, demo, ref)
    assert stored is not None
    assert (stored.target_value, stored.start_value, stored.current_value) == (12_000, 100, 4_500)
    assert (stored.unit, stored.weight, stored.title) == ("fans", 3, "Fans in Brazil and Mexico")
    assert f"Updated {ref}." in flat(harness.say("alice", f"kr {ref} owner @bob"))
    stored = kr(harness, demo, ref)
    assert stored is not None and stored.owner_member_id == member_id(harness, demo, "bob")


def test_kr_edit_is_allowed_to_the_owners_manager_and_refused_to_others(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    assert f"Updated {ref}." in flat(harness.say("mei", f"kr {ref} target 11000"))
    for stranger in ("bob", "zhao"):  # a teammate, and another team's manager
        outcome = harness.say(stranger, f"kr {ref} target 99")
        assert_polite(outcome, f"Only the owner of {ref} (or their manager) can change it.")
    stored = kr(harness, demo, ref)
    assert stored is not None and stored.target_value == 11_000


@pytest.mark.parametrize(
    ("line", "phrase"),
    [
        ("kr {followers} weight 0", 'A weight must be a number above 0, not "0"'),
        ("kr {followers} owner @nobody", "I don't know anyone called @nobody"),
        ("kr {followers} colour red", '"colour" is not a key result field'),
        ("kr {followers} target lots", '"lots" is not a number'),
        ("kr {portal} target 3", "is a milestone: it is either done or not."),
    ],
)
def test_kr_edit_with_a_bad_value_is_refused_politely_and_changes_nothing(
    harness: Harness, demo: DemoWorkspace, line: str, phrase: str
) -> None:
    before = {ref: kr(harness, demo, ref) for ref in demo.key_results.values()}
    who = "zhao" if "{portal}" in line else "alice"
    outcome = harness.say(who, line.format(**demo.key_results))
    assert_polite(outcome, phrase)
    after = {ref: kr(harness, demo, ref) for ref in demo.key_results.values()}
    assert {r: k.model_dump() for r, k in before.items() if k} == {
        r: k.model_dump() for r, k in after.items() if k
    }


def test_kr_unit_set_to_empty_quotes_clears_the_unit(harness: Harness, demo: DemoWorkspace) -> None:
    ref = demo.key_results["followers"]
    outcome = harness.say("alice", f'kr {ref} unit ""')
    assert f"Updated {ref}." in flat(outcome)
    stored = kr(harness, demo, ref)
    assert stored is not None and stored.unit == ""


def test_kr_delete_archives_the_kr_keeps_its_history_and_hides_it(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["engagement"]
    before = kr(harness, demo, ref)
    assert before is not None and before.id is not None
    outcome = harness.say("alice", f"kr {ref} delete")
    assert f"Removed {ref} Engagement rate." in flat(outcome)
    assert kr(harness, demo, ref) is None
    with harness.sessions.begin() as s:
        archived = okrs.get_key_result_by_id(
            session=s, workspace_id=demo.workspace_id, kr_id=before.id
        )
        history = rhythm.checkin_history(session=s, workspace_id=demo.workspace_id, kr_id=before.id)
    assert archived is not None and archived.archived
    assert len(history) == 2  # check-ins stay part of the team's history
    assert ref not in flat(harness.say("alice", "my"))
    assert_polite(harness.say("alice", f"show {ref}"), f"There is no key result {ref}.")


def test_kr_delete_by_someone_else_is_refused_and_keeps_the_kr(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["engagement"]
    outcome = harness.say("bob", f"kr {ref} delete")
    assert_polite(outcome, f"Only the owner of {ref} (or their manager) can change it.")
    stored = kr(harness, demo, ref)
    assert stored is not None and not stored.archived


# --- show ----------------------------------------------------------------------------


def test_show_person_shows_their_objectives(harness: Harness, demo: DemoWorkspace) -> None:
    text = flat(harness.say("alice", "show @chen"))
    assert "Chen Jing's OKRs" in text
    assert f"{demo.objectives['chen']} Grow revenue 50%" in text
    assert f"{demo.key_results['a-revenue']} A-business revenue +80%" in text
    assert "Raise brand awareness" not in text


def test_show_team_shows_the_objectives_of_its_members(
    harness: Harness, demo: DemoWorkspace
) -> None:
    text = flat(harness.say("alice", "show team Sales"))
    assert "Team Sales · OKRs" in text
    for author in ("chen", "li", "wang"):
        assert f"{demo.objectives[author]} " in text
    assert "Raise brand awareness" not in text


def test_show_objective_lists_its_krs_and_the_objectives_aligned_to_it(
    harness: Harness, demo: DemoWorkspace
) -> None:
    text = flat(harness.say("bob", f"show {demo.objectives['chen']}"))
    for key in ("a-revenue", "a-share", "b-revenue", "c-revenue"):
        assert demo.key_results[key] in text
    assert "Aligned to this objective:" in text
    assert f"{demo.objectives['li']} South China revenue +80%" in text
    assert f"{demo.objectives['zhao']} Ship the product" in text


def test_show_kr_gives_owner_target_and_check_in_history(
    harness: Harness, demo: DemoWorkspace
) -> None:
    text = flat(harness.say("bob", f"show {demo.key_results['a-revenue']}"))
    assert "Owner: Chen Jing" in text
    assert "Target: 80%" in text
    assert "2026-W47: 35% · confidence 7/10" in text
    assert "2026-W46: 30%" in text


def test_show_task_and_help_request(harness: Harness, demo: DemoWorkspace) -> None:
    task = flat(harness.say("bob", "show T1"))
    assert "T1 Publish three Reels for the Brazil campaign" in task
    assert "Week 2026-W48" in task
    request = flat(harness.say("bob", "show H1"))
    assert "H1 Wang Fang → Mei Lin" in request
    assert "waiting for an answer" in request


@pytest.mark.parametrize(
    ("line", "phrase"),
    [
        ("show O99", "There is no objective O99."),
        ("show KR99", "There is no key result KR99."),
        ("show T99", "There is no task T99."),
        ("show H99", "There is no help request H99."),
        ("show @nobody", "I don't know anyone called @nobody in this workspace."),
        ("show team Nowhere", "There is no team called Nowhere."),
    ],
)
def test_show_of_something_that_does_not_exist_is_answered_politely(
    harness: Harness, demo: DemoWorkspace, line: str, phrase: str
) -> None:
    assert_polite(harness.say("bob", line), phrase)


# --- align ---------------------------------------------------------------------------


def test_align_to_a_parent_kr_is_stored_and_its_owner_is_told(
    harness: Harness, demo: DemoWorkspace
) -> None:
    o5, kr1 = demo.objectives["alice"], demo.key_results["a-revenue"]
    outcome = harness.say("alice", f"align {o5} to {kr1}")
    assert f"Aligned {o5} to {kr1}." in flat(outcome)
    stored, parent = objective(harness, demo, o5), kr(harness, demo, kr1)
    assert stored is not None and parent is not None
    assert (stored.parent_kr_id, stored.parent_objective_id) == (parent.id, None)
    (note,) = outcome.deliveries
    assert note.to == ToUser("chen")
    assert o5 in note.message.summary and kr1 in note.message.summary
    assert "Raise brand awareness in target markets" in note.message.summary


def test_align_to_a_parent_objective_is_stored_and_its_owner_is_told(
    harness: Harness, demo: DemoWorkspace
) -> None:
    o5, o2 = demo.objectives["alice"], demo.objectives["li"]
    outcome = harness.say("alice", f"align {o5} {o2}")
    stored, parent = objective(harness, demo, o5), objective(harness, demo, o2)
    assert stored is not None and parent is not None
    assert (stored.parent_objective_id, stored.parent_kr_id) == (parent.id, None)
    assert [d.to for d in outcome.deliveries] == [ToUser("li")]


def test_aligning_to_ones_own_objective_notifies_nobody(
    harness: Harness, demo: DemoWorkspace
) -> None:
    in_english(harness, demo, "chen")
    mine = created_ref(harness.say("chen", "new Hire well | Sales leads hired: 3 leads"), "O")
    outcome = harness.say("chen", f"align {mine} to {demo.objectives['chen']}")
    assert f"Aligned {mine} to {demo.objectives['chen']}." in flat(outcome)
    assert outcome.deliveries == []


def test_aligning_to_a_team_objective_tells_the_teams_manager(
    harness: Harness, demo: DemoWorkspace
) -> None:
    o5, team_o = demo.objectives["alice"], demo.objectives["mei"]  # O6 belongs to Marketing
    outcome = harness.say("alice", f"align {o5} to {team_o}")
    assert f"Aligned {o5} to {team_o}." in flat(outcome)
    assert [d.to for d in outcome.deliveries] == [ToUser("mei")]


@pytest.mark.parametrize(
    ("who", "child", "parent"),
    [
        ("chen", "chen", "li"),  # O2 already aligns to O1
        ("chen", "chen", "kr:leads"),  # O3 → KR5 (of O2) → O1
        ("li", "li", "kr:playbooks"),  # KR8 belongs to O3, which aligns under O2
    ],
)
def test_align_refuses_a_cycle_and_keeps_the_tree(
    harness: Harness, demo: DemoWorkspace, who: str, child: str, parent: str
) -> None:
    in_english(harness, demo, who)
    child_ref = demo.objectives[child]
    parent_ref = (
        demo.key_results[parent[3:]] if parent.startswith("kr:") else demo.objectives[parent]
    )
    before = objective(harness, demo, child_ref)
    outcome = harness.say(who, f"align {child_ref} to {parent_ref}")
    assert_polite(outcome, f"{child_ref} cannot align to {parent_ref}")
    after = objective(harness, demo, child_ref)
    assert before is not None and after is not None
    assert (after.parent_objective_id, after.parent_kr_id) == (
        before.parent_objective_id,
        before.parent_kr_id,
    )


def test_align_none_removes_the_alignment(harness: Harness, demo: DemoWorkspace) -> None:
    o2 = demo.objectives["li"]
    assert f"{o2} is no longer aligned." in flat(harness.say("li", f"align {o2} none"))
    stored = objective(harness, demo, o2)
    assert stored is not None
    assert (stored.parent_objective_id, stored.parent_kr_id) == (None, None)


def test_align_by_someone_who_does_not_own_the_objective_is_refused(
    harness: Harness, demo: DemoWorkspace
) -> None:
    o5 = demo.objectives["alice"]
    outcome = harness.say("bob", f"align {o5} to {demo.objectives['chen']}")
    assert_polite(outcome, f"Only the owner of {o5} (or their manager) can change it.")
    stored = objective(harness, demo, o5)
    assert stored is not None and stored.parent_objective_id is None


# --- score ---------------------------------------------------------------------------


def test_owner_scores_first_then_the_manager_reviews_and_a_change_needs_a_reason(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    own = harness.say("alice", f"score {ref} 0.7")
    assert f"Scored {ref} 0.7 (your own score; your manager reviews it)." in flat(own)
    row = score_row(harness, demo, ref)
    assert row is not None and row.self_score == 0.7 and row.reviewed_score is None

    no_reason = harness.say("mei", f"score {ref} 0.5")
    assert_polite(no_reason, "Changing the owner's score needs a reason")
    row = score_row(harness, demo, ref)
    assert row is not None and row.reviewed_score is None

    reviewed = harness.say("mei", f"score {ref} 0.5 fewer reels than planned")
    assert f"Reviewed {ref}: 0.5." in flat(reviewed)
    row = score_row(harness, demo, ref)
    assert row is not None
    assert (row.self_score, row.reviewed_score) == (0.7, 0.5)
    assert row.reason == "fewer reels than planned"
    assert row.reviewer_id == member_id(harness, demo, "mei")


def test_a_manager_confirming_the_owners_score_needs_no_reason(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    harness.say("alice", f"score {ref} 7")  # 0–10 scale
    assert f"Reviewed {ref}: 0.7." in flat(harness.say("mei", f"score {ref} 70%"))
    row = score_row(harness, demo, ref)
    assert row is not None and row.self_score == pytest.approx(0.7)
    assert row.reviewed_score == pytest.approx(0.7) and row.reason == ""


def test_a_manager_cannot_review_before_the_owner_has_scored(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["engagement"]
    outcome = harness.say("mei", f"score {ref} 0.5 looks low")
    assert_polite(outcome, f"The owner scores {ref} first; review it after that.")
    assert score_row(harness, demo, ref) is None


def test_a_colleague_cannot_score_someone_elses_kr(harness: Harness, demo: DemoWorkspace) -> None:
    ref = demo.key_results["followers"]
    outcome = harness.say("bob", f"score {ref} 1")
    assert_polite(outcome, f"Only the owner of {ref} (or their manager) can score it.")
    assert score_row(harness, demo, ref) is None


def test_an_out_of_range_score_is_refused_with_the_right_form(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = demo.key_results["followers"]
    outcome = harness.say("alice", f"score {ref} 42")
    assert_polite(outcome, 'A score is 0–1 (or 0–10, or a percentage), not "42".')
    assert "/okr score KR12 0.7" in flat(outcome)
    assert score_row(harness, demo, ref) is None


def test_score_list_shows_my_krs_with_suggested_scores(
    harness: Harness, demo: DemoWorkspace
) -> None:
    text = flat(harness.say("alice", "score"))
    assert "Scoring · 2026-Q4" in text
    assert f"{demo.key_results['followers']} Followers in target countries: suggested 0.4" in text
    assert f"{demo.key_results['engagement']} Engagement rate: suggested 0.6" in text


@pytest.mark.parametrize(
    ("scores", "reading"),
    [
        ((1, 1, 1, 1), "Objective score 1.0: delivered as committed"),
        ((0.8, 0.8, 0.8, 0.8), "Objective score 0.8: acceptable for a committed OKR (0.8–0.9)"),
        ((0.5, 0.5, 0.6, 0.6), "missed"),
    ],
)
def test_objective_score_is_the_mean_of_kr_scores_read_as_committed(
    harness: Harness, demo: DemoWorkspace, scores: tuple[float, ...], reading: str
) -> None:
    in_english(harness, demo, "chen")
    keys = ("a-revenue", "a-share", "b-revenue", "c-revenue")
    for key, value in zip(keys, scores, strict=True):
        harness.say("chen", f"score {demo.key_results[key]} {value}")
    text = flat(harness.say("chen", f"score {demo.objectives['chen']}"))
    assert reading in text
    for key, value in zip(keys, scores, strict=True):
        row = score_row(harness, demo, demo.key_results[key])
        assert row is not None and row.self_score == pytest.approx(value)


@pytest.mark.parametrize(
    ("scores", "reading"),
    [
        ((1, 1), "1.0 on an aspirational OKR: was it ambitious enough?"),
        ((0.6, 0.7), "a success for an aspirational OKR (0.6–0.7 is the aim)"),
        ((0.4, 0.4), "partly there"),
    ],
)
def test_objective_score_of_an_aspirational_objective_is_read_as_a_stretch(
    harness: Harness, demo: DemoWorkspace, scores: tuple[float, float], reading: str
) -> None:
    for key, value in zip(("followers", "engagement"), scores, strict=True):
        harness.say("alice", f"score {demo.key_results[key]} {value}")
    assert reading in flat(harness.say("alice", f"score {demo.objectives['alice']}"))


def test_score_with_a_kr_alone_shows_that_krs_scores(harness: Harness, demo: DemoWorkspace) -> None:
    ref = demo.key_results["followers"]
    harness.say("alice", f"score {ref} 0.7")
    text = flat(harness.say("bob", f"score {ref}"))
    assert "is not an objective" not in text
    assert f"{ref} Followers in target countries" in text and "self 0.7" in text


def test_the_objective_score_shown_matches_its_reading(
    harness: Harness, demo: DemoWorkspace
) -> None:
    in_english(harness, demo, "chen")
    for key, value in (("a-revenue", 1), ("a-share", 1), ("b-revenue", 1), ("c-revenue", 0.9)):
        harness.say("chen", f"score {demo.key_results[key]} {value}")
    text = flat(harness.say("chen", f"score {demo.objectives['chen']}"))
    assert "acceptable for a committed OKR" in text  # 0.975 is below 1.0 …
    assert "Objective score 1.0" not in text  # … so it must not be shown as 1.0
