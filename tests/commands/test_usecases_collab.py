"""Collaboration through the real entry point: help requests, kudos and teams."""

from __future__ import annotations

import pytest

from bot.console.demo import DemoWorkspace
from handlers.events import Command, MentionedUser
from handlers.views import Actions, Delivery, Outcome, ToUser
from storage.models import HelpRequest, HelpStatus, Kudos, Member, Team
from storage.repos import collab, okrs, workspaces
from tests.conftest import Harness, text_of

APOLOGY = "Sorry, something went wrong"
WEEK = "2026-W48"


# --- helpers ---------------------------------------------------------------------


def flat(outcome: Outcome) -> str:
    return " ".join(text_of(outcome).split())


def request(harness: Harness, demo: DemoWorkspace, ref: str) -> HelpRequest:
    with harness.sessions.begin() as s:
        row = collab.get_help_request(
            session=s, workspace_id=demo.workspace_id, number=int(ref.lstrip("H"))
        )
    assert row is not None, ref
    return row


def member(harness: Harness, demo: DemoWorkspace, handle: str) -> Member:
    with harness.sessions.begin() as s:
        row = workspaces.find_member(session=s, workspace_id=demo.workspace_id, name=handle)
    assert row is not None, handle
    return row


def kudos_this_week(harness: Harness, demo: DemoWorkspace) -> list[Kudos]:
    with harness.sessions.begin() as s:
        return collab.list_kudos(session=s, workspace_id=demo.workspace_id, week=WEEK)


def find_team(harness: Harness, demo: DemoWorkspace, name: str) -> Team | None:
    with harness.sessions.begin() as s:
        return workspaces.find_team(session=s, workspace_id=demo.workspace_id, name=name)


def team_members(harness: Harness, demo: DemoWorkspace, name: str) -> set[str]:
    found = find_team(harness, demo, name)
    assert found is not None and found.id is not None
    with harness.sessions.begin() as s:
        ids = workspaces.team_member_ids(
            session=s, workspace_id=demo.workspace_id, team_id=found.id
        )
        return {
            m.handle
            for m in workspaces.list_members(session=s, workspace_id=demo.workspace_id, ids=ids)
        }


def assert_polite(outcome: Outcome, phrase: str) -> None:
    text = flat(outcome)
    assert APOLOGY not in text
    assert phrase in text, text
    assert not outcome.deliveries


def only_dm(outcome: Outcome, to: str) -> Delivery:
    (dm,) = outcome.deliveries
    assert dm.to == ToUser(to)
    return dm


def ask_bob(harness: Harness, demo: DemoWorkspace) -> str:
    """Alice asks Bob for help on her followers KR; returns the request's reference."""
    harness.say("alice", f'ask @bob {demo.key_results["followers"]} "Can you review the page?"')
    with harness.sessions.begin() as s:
        rows = collab.list_help_requests(session=s, workspace_id=demo.workspace_id)
    return f"H{rows[-1].number}"


# --- ask ------------------------------------------------------------------------------


def test_ask_stores_an_open_request_and_dms_the_helper_with_accept_decline_done_buttons(
    harness: Harness, demo: DemoWorkspace
) -> None:
    kr_ref = demo.key_results["followers"]
    outcome = harness.say("alice", f'ask @bob {kr_ref} "Can you review the landing page?"')
    assert "Asked Bob Jones for help (H2)." in flat(outcome)
    row = request(harness, demo, "H2")
    assert row.requester_id == member(harness, demo, "alice").id
    assert row.helper_id == member(harness, demo, "bob").id
    assert row.text == "Can you review the landing page?"
    assert row.status == HelpStatus.OPEN.value
    with harness.sessions.begin() as s:
        kr = okrs.get_key_result(session=s, workspace_id=demo.workspace_id, number=11)
    assert kr is not None and row.kr_id == kr.id

    dm = only_dm(outcome, "bob")
    assert f"asks for your help on {kr_ref} Followers in target countries" in dm.message.summary
    assert "Can you review the landing page?" in dm.message.summary
    (actions,) = [b for b in dm.message.blocks if isinstance(b, Actions)]
    assert [(b.action, b.value) for b in actions.buttons] == [
        ("help.accept", "H2"),
        ("help.decline", "H2"),
        ("help.done", "H2"),
    ]


def test_pressing_accept_then_done_moves_the_request_on_and_tells_the_requester_each_time(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = ask_bob(harness, demo)
    accepted = harness.press("bob", "help.accept", ref)
    assert f"{ref} is now accepted." in flat(accepted)
    assert request(harness, demo, ref).status == HelpStatus.ACCEPTED.value
    note = only_dm(accepted, "alice")
    assert f"accepted your help request {ref}" in note.message.summary
    assert f"/okr ask done {ref}" in " ".join(
        getattr(b, "text", "") for b in note.message.blocks
    )  # tells the requester how to close it

    done = harness.press("bob", "help.done", ref)
    assert f"{ref} is now done." in flat(done)
    row = request(harness, demo, ref)
    assert row.status == HelpStatus.DONE.value and row.resolved_at is not None
    assert f"marked help request {ref} done" in only_dm(done, "alice").message.summary


def test_pressing_decline_declines_and_tells_the_requester(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = ask_bob(harness, demo)
    outcome = harness.press("bob", "help.decline", ref)
    assert f"{ref} is now declined." in flat(outcome)
    row = request(harness, demo, ref)
    assert row.status == HelpStatus.DECLINED.value and row.resolved_at is not None
    assert f"declined your help request {ref}" in only_dm(outcome, "alice").message.summary


def test_the_requester_closes_a_request_with_thanks_and_the_helper_is_told(
    harness: Harness, demo: DemoWorkspace
) -> None:
    ref = ask_bob(harness, demo)
    outcome = harness.say("alice", f"ask done {ref} thanks, that doubled the sign-ups!")
    row = request(harness, demo, ref)
    assert row.status == HelpStatus.DONE.value
    assert row.thanks == "thanks, that doubled the sign-ups!"
    dm = only_dm(outcome, "bob")
    assert f"marked help request {ref} done" in dm.message.summary
    assert "thanks, that doubled the sign-ups!" in " ".join(
        getattr(b, "text", "") for b in dm.message.blocks
    )


def test_the_seeded_request_can_be_accepted_by_typing(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say("mei", "ask accept H1")  # wang asked mei
    assert request(harness, demo, "H1").status == HelpStatus.ACCEPTED.value
    only_dm(outcome, "wang")


@pytest.mark.parametrize(
    ("steps", "who", "action", "phrase", "status"),
    [
        (["decline"], "bob", "accept", "is already declined.", HelpStatus.DECLINED),
        (["done"], "bob", "decline", "is already done.", HelpStatus.DONE),
        (["done"], "bob", "done", "is already done.", HelpStatus.DONE),
        (["accept"], "bob", "accept", "is already accepted.", HelpStatus.ACCEPTED),
        ([], "alice", "accept", "Only the person asked can answer", HelpStatus.OPEN),
        ([], "alice", "decline", "Only the person asked can answer", HelpStatus.OPEN),
        ([], "mei", "done", "Only the two people on", HelpStatus.OPEN),
    ],
)
def test_an_illegal_help_transition_is_refused_and_changes_nothing(
    harness: Harness,
    demo: DemoWorkspace,
    steps: list[str],
    who: str,
    action: str,
    phrase: str,
    status: HelpStatus,
) -> None:
    ref = ask_bob(harness, demo)
    for step in steps:
        harness.press("bob", f"help.{step}", ref)
    before = request(harness, demo, ref)
    outcome = harness.press(who, f"help.{action}", ref)
    assert_polite(outcome, phrase)
    after = request(harness, demo, ref)
    assert after.status == status.value
    assert after.model_dump() == before.model_dump()


def test_ask_list_shows_open_requests_with_buttons_for_the_helper(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say("mei", "ask list")
    text = flat(outcome)
    assert "H1 Wang Fang → Mei" in text
    assert "Could Marketing share retail customer stories" in text
    buttons = [
        (b.action, b.value)
        for reply in outcome.replies
        for blk in getattr(reply, "blocks", ())
        if isinstance(blk, Actions)
        for b in blk.buttons
    ]
    assert ("help.accept", "H1") in buttons


def test_asking_yourself_is_refused_and_stores_nothing(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say("alice", "ask @alice please help me")
    assert_polite(outcome, "You can't ask yourself for help")
    assert "/okr ask @bob KR12" in flat(outcome)  # the right form
    with harness.sessions.begin() as s:
        assert len(collab.list_help_requests(session=s, workspace_id=demo.workspace_id)) == 1


def test_asking_someone_unknown_is_refused_and_stores_nothing(
    harness: Harness, demo: DemoWorkspace
) -> None:
    assert_polite(harness.say("alice", "ask @nobody help"), "I don't know anyone called @nobody")
    with harness.sessions.begin() as s:
        assert len(collab.list_help_requests(session=s, workspace_id=demo.workspace_id)) == 1


# --- kudos ----------------------------------------------------------------------------


def test_kudos_is_stored_for_this_week_and_dms_the_colleague(
    harness: Harness, demo: DemoWorkspace
) -> None:
    kr_ref = demo.key_results["followers"]
    outcome = harness.say("mei", f"kudos @bob {kr_ref} the case studies landed two deals")
    assert "Kudos sent to Bob Jones." in flat(outcome)
    (row,) = kudos_this_week(harness, demo)
    assert row.from_member_id == member(harness, demo, "mei").id
    assert row.to_member_id == member(harness, demo, "bob").id
    assert row.text == "the case studies landed two deals"
    assert row.kr_id is not None
    dm = only_dm(outcome, "bob")
    assert "gave you kudos: the case studies landed two deals" in dm.message.summary


def test_kudos_to_yourself_is_refused_and_stores_nothing(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say("alice", "kudos @alice I was great")
    assert_polite(outcome, "Kudos are for colleagues; @-mention someone else.")
    assert kudos_this_week(harness, demo) == []


# --- teams ----------------------------------------------------------------------------


def test_team_new_creates_a_team_managed_by_its_creator(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say("alice", "team new Growth EU #growth-eu")
    assert "Created team Growth EU with you as its manager." in flat(outcome)
    growth = find_team(harness, demo, "Growth EU")
    assert growth is not None
    assert growth.manager_id == member(harness, demo, "alice").id
    assert growth.channel_external_id == "growth-eu"
    assert team_members(harness, demo, "Growth EU") == {"alice"}


def test_team_new_with_a_taken_name_is_refused(harness: Harness, demo: DemoWorkspace) -> None:
    assert_polite(
        harness.say("alice", "team new marketing"), "There is already a team called marketing."
    )
    with harness.sessions.begin() as s:
        assert len(workspaces.list_teams(session=s, workspace_id=demo.workspace_id)) == 3


def test_team_join_adds_me_once(harness: Harness, demo: DemoWorkspace) -> None:
    harness.say("alice", "team new Growth")
    assert "You joined Growth." in flat(harness.say("bob", "team join Growth"))
    assert "You are already in Growth." in flat(harness.say("bob", "team join Growth"))
    assert team_members(harness, demo, "Growth") == {"alice", "bob"}


def test_team_join_of_a_missing_team_is_refused(harness: Harness, demo: DemoWorkspace) -> None:
    assert_polite(harness.say("bob", "team join Nowhere"), "There is no team called Nowhere.")


def test_the_manager_adds_people_including_a_newly_mentioned_one(
    harness: Harness, demo: DemoWorkspace
) -> None:
    harness.say("alice", "team new Growth")
    outcome = harness.say(
        "alice",
        "team add Growth @li @U777",
        mentions={"@U777": MentionedUser("U777", "Priya Patel")},
    )
    assert "Added Li Na and Priya Patel to Growth." in flat(outcome)
    assert team_members(harness, demo, "Growth") == {"alice", "li", "priya"}


def test_only_the_manager_adds_people(harness: Harness, demo: DemoWorkspace) -> None:
    harness.say("alice", "team new Growth")
    outcome = harness.say("bob", "team add Growth @li")
    assert_polite(outcome, "Only the manager of Growth can change it.")
    assert team_members(harness, demo, "Growth") == {"alice"}


def test_team_add_with_one_unknown_person_adds_nobody(
    harness: Harness, demo: DemoWorkspace
) -> None:
    harness.say("alice", "team new Growth")
    outcome = harness.say("alice", "team add Growth @li @nobody")
    assert_polite(outcome, "I don't know anyone called @nobody")
    assert team_members(harness, demo, "Growth") == {"alice"}


def test_a_team_created_in_a_channel_posts_there_but_not_one_created_in_a_direct_chat(
    harness: Harness, demo: DemoWorkspace
) -> None:
    in_channel = harness.app.handle(
        Command(actor=harness.actor("alice"), text="team new Growth", channel_id="C0GROWTH")
    )
    assert "will be posted in this channel" in flat(in_channel)
    growth = find_team(harness, demo, "Growth")
    assert growth is not None and growth.channel_external_id == "C0GROWTH"

    in_dm = harness.app.handle(
        Command(
            actor=harness.actor("alice"), text="team new Solo", channel_id="D0ALICE", direct=True
        )
    )
    assert "will be posted in this channel" not in flat(in_dm)
    solo = find_team(harness, demo, "Solo")
    assert solo is not None and solo.channel_external_id is None

    # A channel named in the command wins over the one it was typed in.
    harness.app.handle(
        Command(actor=harness.actor("alice"), text="team new Named #elsewhere", channel_id="C0X")
    )
    named = find_team(harness, demo, "Named")
    assert named is not None and named.channel_external_id == "elsewhere"


def test_team_names_fold_with_unicode_rules_when_created_and_when_found(
    harness: Harness, demo: DemoWorkspace
) -> None:
    harness.say("alice", "team new Équipe Paris")
    # SQLite's lower() leaves "É" alone: the fold happens in Python, whatever the database.
    assert_polite(
        harness.say("bob", "team new ÉQUIPE paris"), "There is already a team called ÉQUIPE paris."
    )
    assert "You joined Équipe Paris." in flat(harness.say("bob", "team join équipe PARIS"))
    assert team_members(harness, demo, "équipe paris") == {"alice", "bob"}
    # Full-width letters typed with a CJK input method are the same name too.
    harness.say("alice", "team new Growth 2")
    assert "你已加入 Growth 2。" in flat(harness.say("chen", "team join ＧＲＯＷＴＨ ２"))


@pytest.mark.parametrize(
    "line", ["team new #C0GENERAL Growth", "team new ＃growth Growth", 'team new "#growth"']
)
def test_a_team_name_that_is_a_channel_is_refused_with_the_right_form(
    harness: Harness, demo: DemoWorkspace, line: str
) -> None:
    outcome = harness.say("alice", line)
    assert_polite(outcome, "is a channel, not a team name")
    assert "/okr team new NAME" in flat(outcome) or "team new" in flat(outcome)
    with harness.sessions.begin() as s:
        assert len(workspaces.list_teams(session=s, workspace_id=demo.workspace_id)) == 3


def test_a_team_name_taken_by_a_racing_request_gets_a_clear_answer(
    harness: Harness, demo: DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other request's team lands between this one's check and its insert.
    from handlers.usecases import team as team_usecase

    monkeypatch.setattr(team_usecase.workspaces, "find_team", lambda **_: None)
    outcome = harness.say("alice", "team new Marketing")
    text = flat(outcome)
    assert APOLOGY not in text and "That name is already taken here" in text
    with harness.sessions.begin() as s:
        assert len(workspaces.list_teams(session=s, workspace_id=demo.workspace_id)) == 3
