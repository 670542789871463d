"""Drafting the next cycle's OKRs together (共创), through OkrApp.handle and the clock.

A team's manager starts a draft in the team's channel; members propose
objectives with key results, vote on the objectives, then on the winners' key
results; each round ends at 18:00 team time with its results posted, and the
manager finalises: the chosen objectives become the team's, in the next cycle,
aligned to the parent the team chose, and each member is asked for their own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from handlers.events import Command
from handlers.views import Actions, Delivery, Form, Message, Outcome, ToChannel, ToUser
from storage.models import Draft, DraftVote, KeyResult, Objective, OutboxMessage
from storage.repos import okrs, workspaces
from tests.conftest import Harness, words_of

# Wednesday 2026-11-25 10:00 Shanghai: proposals close Fri 27 18:00, the objective
# vote Mon 30 18:00, the key result vote Tue Dec 1 18:00 (Shanghai; 10:00 UTC).
FRIDAY_CLOSE = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
MONDAY_CLOSE = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
TUESDAY_CLOSE = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def build(h: Harness) -> None:
    """Maya manages Growth (#growth, Shanghai); Ann, Ben and Cy are members; Sam runs Sales."""
    h.say("sam", "team new Sales #sales")
    h.say("sam", "new Grow revenue 50% | Revenue: 0 -> 50 %")
    h.say("maya", "team new Growth #growth")
    h.say("maya", "settings team Growth timezone Asia/Shanghai")
    for who in ("ann", "ben", "cy"):
        h.say(who, "team join Growth")


def said(outcome: Outcome) -> str:
    return words_of(outcome)


def written_until(h: Harness, at: datetime) -> list[Delivery]:
    """Tick to `at` as the scheduler does; the deliveries the window wrote."""
    h.app.tick(until=h.clock.now(), catch_up=None, own_clocks=())
    due = h.app.run_due(since=h.clock.now(), until=at)
    h.clock.set(at)
    h.app.tick(until=at, catch_up=None, own_clocks=())
    return due


def posted(deliveries: list[Delivery], key_part: str) -> list[Delivery]:
    return [d for d in deliveries if key_part in (d.key or "")]


def texts(message: Message | object) -> str:
    return words_of(Outcome(replies=[message]))  # type: ignore[list-item]  # a view


def buttons(message: Message) -> list[tuple[str, str, str]]:
    return [
        (b.label, b.action, b.value)
        for block in message.blocks
        if isinstance(block, Actions)
        for b in block.buttons
    ]


def start(h: Harness, extra: str = "") -> Outcome:
    """`draft start` typed by Maya in the team's channel."""
    return h.app.handle(
        Command(actor=h.actor("maya"), text=f"draft start {extra}".strip(), channel_id="growth")
    )


def test_the_manager_starts_a_draft_in_the_teams_channel_with_deadlines_in_team_time(
    harness: Harness,
) -> None:
    build(harness)
    outcome = start(harness)
    assert "Started drafting 2027-Q1 with Growth. Proposals close Fri Nov 27 18:00." in said(
        outcome
    )
    (opened,) = outcome.deliveries
    assert opened.to == ToChannel("growth") and opened.key == "draft1:opened"
    assert "Propose objectives and their key results by Fri Nov 27 18:00." in texts(opened.message)
    assert [(a, v) for _, a, v in buttons(opened.message)] == [("draft.propose", "1")]
    # A member cannot start one, and the team drafts once at a time.
    assert "Only the manager of Growth starts its draft." in said(
        harness.say("ann", "draft start Growth")
    )
    assert "Growth is drafting already" in said(harness.say("maya", "draft start Growth"))


def test_proposals_votes_and_a_tie_lead_to_the_teams_objectives_aligned_and_in_the_next_cycle(
    harness: Harness,
) -> None:
    build(harness)
    start(harness, "align O1")
    assert "Proposed #1 Be the name buyers know with 2 key results." in said(
        harness.say(
            "ann",
            "draft propose Be the name buyers know | Inbound leads: 300 -> 600 leads "
            "| Webinars: 0 -> 6 webinars",
        )
    )
    harness.say("ben", "draft propose Win Brazil | Brazil signups: 0 -> 500 signups")
    harness.say("cy", "draft propose Grow the newsletter | Subscribers: 1000 -> 5000")
    harness.say("maya", "draft propose Fix onboarding | Activation: 20 -> 40 %")
    # The form works too, and each KR line is read as `new` reads it.
    form = harness.press("cy", "draft.propose", "1").replies[0]
    assert isinstance(form, Form) and form.form_id == "draft.propose"
    refused = harness.submit("cy", form, {"title": "Ship it", "kr1": "Orders: 0 -> lots"})
    assert "not a number" in repr(refused.replies)
    harness.submit("cy", form, {"title": "Ship the app", "kr1": "Downloads: 0 -> 10k"})
    assert "Added #2.2 Brazil partners: 0 -> 5 partners to #2 Win Brazil." in said(
        harness.say("ann", "draft kr #2 Brazil partners: 0 -> 5 partners")
    )
    assert "The vote has not started" in said(harness.say("ann", "draft vote #1"))

    window = written_until(harness, FRIDAY_CLOSE)
    (vote,) = posted(window, "draft1:closed:proposing")
    shown = texts(vote.message)
    assert "5 objective ideas from the team." in shown
    assert "#1 Be the name buyers know (Ann)" in shown and "#2.2 Brazil partners" in shown
    assert "Pick up to 3 objectives by Mon Nov 30 18:00." in shown
    # Proposals are closed now.
    assert "Proposals are closed" in said(harness.say("ann", "draft propose Late | X: 0 -> 1"))

    # Votes: #1 gets 3, #2 and #3 get 2 each, #4 gets 2 (a tie at the cut), #5 none.
    harness.say("ann", "draft vote #1 #2 #4")
    harness.say("ben", "draft vote #1 #2")
    harness.say("cy", "draft vote #1, #3")
    harness.press("maya", "draft.vote", "1:#3")
    harness.press("maya", "draft.vote", "1:#4")
    assert "Pick at most 3 objectives" in said(harness.say("ann", "draft vote #1 #2 #3 #4"))
    # A second press takes a vote back.
    assert "Your votes: #3" in said(harness.press("maya", "draft.vote", "1:#4"))
    harness.press("maya", "draft.vote", "1:#4")

    window = written_until(harness, MONDAY_CLOSE)
    (krs_vote,) = posted(window, "draft1:closed:objectives")
    shown = texts(krs_vote.message)
    assert "✅ #1 Be the name buyers know (Ann) · 3 votes" in shown
    for label in ("#2 Win Brazil (Ben) · 2 votes", "#3 Grow the newsletter (Cy) · 2 votes"):
        assert f"✅ {label}" in shown
    assert "✅ #4 Fix onboarding (Maya) · 2 votes" in shown
    assert "#2, #3 and #4 are tied at the cut, so all of them go on" in shown
    assert "#5 Ship the app (Cy) · 0 votes" in shown and "✅ #5" not in shown
    assert [v for _, _, v in buttons(krs_vote.message)] == [
        "1:#1.1", "1:#1.2", "1:#2.1", "1:#2.2", "1:#3.1", "1:#4.1",
    ]  # fmt: skip

    harness.say("ann", "draft vote #1.1 #2.2")
    harness.say("ben", "draft vote #1.1 #1.2 #2.1")
    assert "#5.1 is not on this vote" in said(harness.say("cy", "draft vote #5.1"))
    window = written_until(harness, TUESDAY_CLOSE)
    (results,) = posted(window, "draft1:closed:krs")
    assert "What Growth chose for 2027-Q1" in texts(results.message)
    assert "Voting is over" in said(harness.say("ann", "draft vote #1.1"))

    # The team agreed to keep the top objective and Brazil.
    assert "Only the manager of Growth can do that." in said(harness.say("ann", "draft finish"))
    finished = harness.say("maya", "draft finish #1 #2")
    assert (
        "Created Growth's objectives for 2027-Q1: O2 Be the name buyers know; O3 Win Brazil."
        in said(finished)
    )
    with harness.sessions.begin() as session:
        created = session.exec(select(Objective).where(Objective.number.in_([2, 3]))).all()  # type: ignore[attr-defined]  # a column
        cycle = okrs.get_cycle(
            session=session, workspace_id=created[0].workspace_id, cycle_id=created[0].cycle_id
        )
        assert cycle is not None and cycle.name == "2027-Q1"
        team = workspaces.find_team(
            session=session, workspace_id=created[0].workspace_id, name="Growth"
        )
        parent = okrs.get_objective(session=session, workspace_id=created[0].workspace_id, number=1)
        assert all(o.owner_team_id == team.id for o in created) and team is not None
        assert all(o.parent_objective_id == parent.id for o in created) and parent is not None
        krs = session.exec(
            select(KeyResult).where(KeyResult.objective_id.in_([o.id for o in created]))  # type: ignore[attr-defined]  # a column
        ).all()
        people = {
            m.id: m.handle
            for m in workspaces.list_members(session=session, workspace_id=created[0].workspace_id)
        }
        chosen = sorted((k.title, people[k.owner_member_id]) for k in krs)
    # #1.1 (2 votes), #1.2 (1); #2.1 (1), #2.2 (1): the key results someone voted for,
    # owned by who proposed them.
    assert chosen == [
        ("Brazil partners", "ann"),
        ("Brazil signups", "ben"),
        ("Inbound leads", "ann"),
        ("Webinars", "ann"),
    ]
    keys = {d.key for d in finished.deliveries}
    assert {"draft1:final", "draft1:own:member3", "draft1:own:member5", "draft1:parent"} <= keys
    (parent_note,) = [d for d in finished.deliveries if d.key == "draft1:parent"]
    assert parent_note.to == ToUser("sam")
    assert "Growth drafted its OKRs for 2027-Q1 and aligned O2 and O3 to yours." in texts(
        parent_note.message
    )


def test_each_member_writes_their_own_okrs_for_the_drafted_cycle_aligned_to_the_teams(
    harness: Harness,
) -> None:
    build(harness)
    start(harness)
    harness.say("ann", "draft propose Be the name buyers know | Inbound leads: 300 -> 600 leads")
    harness.say("maya", "draft next")
    harness.say("ann", "draft vote #1")
    harness.say("maya", "draft next")
    finished = harness.say("maya", "draft finish")
    (invite,) = [d for d in finished.deliveries if d.key == "draft1:own:member3"]
    assert invite.to == ToUser("ann")
    (_label, action, value) = buttons(invite.message)[0]
    form = harness.press("ann", action, value).replies[0]
    assert isinstance(form, Form) and form.context == "cycle:2"
    align = next(i for i in form.inputs if i.name == "align")
    assert [o.value for o in align.options] == ["O2"] and align.initial == "O2"
    outcome = harness.submit(
        "ann",
        form,
        {
            "title": "Run the webinar series",
            "kind": "committed",
            "kr1": "Webinars: 0 -> 6",
            "align": "O2",
        },
    )
    assert "Aligned O3 to O2." in said(outcome)
    # The team's manager answers for the team's objective, and is told.
    assert [d.to for d in outcome.deliveries] == [ToUser("maya")]
    with harness.sessions.begin() as session:
        mine = session.exec(select(Objective).where(Objective.number == 3)).one()
        assert mine.cycle_id == 2 and mine.parent_objective_id is not None


def test_a_round_closed_early_is_posted_once_and_reminders_go_to_those_who_have_not_voted(
    harness: Harness,
) -> None:
    build(harness)
    start(harness)
    harness.say("ann", "draft propose Be the name buyers know | Inbound leads: 300 -> 600 leads")
    harness.say("ben", "draft propose Win Brazil | Brazil signups: 0 -> 500 signups")
    # Friday 10:00: whoever has not proposed yet is reminded, once.
    friday_morning = written_until(harness, datetime(2026, 11, 27, 2, 30, tzinfo=UTC))
    reminded = sorted(d.to.user_id for d in posted(friday_morning, "draft1:remind:proposing"))  # type: ignore[union-attr]  # DMs
    assert reminded == ["cy", "maya"]
    closed = harness.say("maya", "draft next")
    assert "Proposals are closed; the vote on the objectives is open." in said(closed)
    assert [d.key for d in closed.deliveries] == ["draft1:closed:proposing"]
    # The deadline moved to now: the 18:00 moment finds nothing more to post, and the
    # outbox holds the results once.
    written_until(harness, FRIDAY_CLOSE + timedelta(minutes=1))
    harness.say("ann", "draft vote #1")
    monday_morning = written_until(harness, datetime(2026, 11, 30, 2, 30, tzinfo=UTC))
    reminded = sorted(d.to.user_id for d in posted(monday_morning, "draft1:remind:objectives"))  # type: ignore[union-attr]  # DMs
    assert reminded == ["ben", "cy", "maya"]
    with harness.sessions.begin() as session:
        keys = [row.key for row in session.exec(select(OutboxMessage)).all()]
    assert keys.count("draft1:closed:proposing") == 1
    assert keys.count("draft1:remind:proposing:member2") == 1


def test_an_anonymous_draft_shows_ideas_without_names_and_gives_the_manager_their_krs(
    harness: Harness,
) -> None:
    build(harness)
    start(harness, "anonymous")
    proposed = harness.say("ann", "draft propose Be the name buyers know | Leads: 300 -> 600 leads")
    assert "The team sees it without your name." in said(proposed)
    harness.say("maya", "draft next")
    vote = harness.say("maya", "draft").replies[0]
    assert "#1 Be the name buyers know" in texts(vote) and "(Ann)" not in texts(vote)
    harness.say("ann", "draft vote #1")
    harness.say("maya", "draft next")
    harness.say("maya", "draft finish")
    with harness.sessions.begin() as session:
        (kr,) = session.exec(select(KeyResult)).all()[-1:]
        maya = workspaces.find_member(session=session, workspace_id=kr.workspace_id, name="maya")
        assert maya is not None and kr.owner_member_id == maya.id


def test_bad_draft_lines_are_answered_politely_and_change_nothing(harness: Harness) -> None:
    build(harness)
    assert "is not drafting OKRs now" in said(harness.say("ann", "draft vote #1"))
    assert "No draft is open." in said(harness.say("ann", "draft"))
    start(harness)
    for line, answer in (
        ("draft vote #1", "The vote has not started"),
        ("draft kr #9 Leads: 0 -> 10", "There is no objective idea #9 in this draft."),
        ("draft finish", "The team has not voted on the key results yet."),
        ("draft vote #x", "Name a draft's idea by its number, like #2 or #2.1"),
        ("draft propose | Leads: 0 -> 10", "That command needs some text"),
    ):
        assert answer in said(harness.say("maya", line)), line
    assert "Only members of Growth take part in its draft." in said(
        harness.press("sam", "draft.propose", "1")
    )
    assert "That button has expired." in said(harness.press("ann", "draft.vote", "99:#1"))
    with harness.sessions.begin() as session:
        assert len(session.exec(select(DraftVote)).all()) == 0
        assert session.exec(select(Draft)).one().finalised_at is None


def test_the_manager_is_asked_to_draft_in_the_cycles_last_two_weeks_once(
    harness: Harness,
) -> None:
    build(harness)
    # Monday 2026-12-21 (the week before the quarter's last): the plan moment asks.
    window = written_until(harness, datetime(2026, 12, 21, 2, 0, tzinfo=UTC))
    asked = posted(window, "draft-suggest:")
    assert [(d.to, d.key) for d in asked if d.to == ToUser("maya")] == [
        (ToUser("maya"), "draft-suggest:team2:2026-Q4")
    ]
    message = asked[-1].message
    assert "Draft 2027-Q1's OKRs together with Growth" in texts(message)
    started = harness.press("maya", "draft.start", "2")
    assert "Started drafting 2027-Q1 with Growth." in said(started)
    later = written_until(harness, datetime(2026, 12, 28, 2, 0, tzinfo=UTC))
    assert posted(later, "draft-suggest:team2") == []
