"""Collaborators' feedback and the scoring committee, in the demo company.

Mei (Marketing's manager) and Chen (the sales head, on the committee) score
Alice's cycle: the bot finds who worked with her, asks them, nudges once; the
committee sees everything side by side, proposes with reasons, Mei confirms,
and Alice hears the final scores and why; the summary shows self against final.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.console.demo import DemoWorkspace
from handlers.events import Actor, ButtonPressed, Command, FormSubmitted
from handlers.views import Actions, Form, Message, Outcome, ToChannel, ToUser
from storage.models import CommitteeScore, Score
from tests.commands.test_review_pack import NAMES, alices_cycle
from tests.conftest import Harness, words_of

MONDAY = datetime(2026, 12, 28, 1, 40, tzinfo=UTC)  # Mon 09:40 Shanghai: the cycle's last week
WEDNESDAY_0930 = datetime(2026, 12, 30, 1, 30, tzinfo=UTC)


def actor(user: str) -> Actor:
    return Actor(platform="console", workspace_id="demo", user_id=user, display_name=NAMES[user])


def act(h: Harness, user: str, text: str) -> Outcome:
    return h.app.handle(Command(actor=actor(user), text=text))


def said(outcome: Outcome) -> str:
    return words_of(outcome)


def message_text(message: Message) -> str:
    return words_of(Outcome(replies=[message]))


def buttons(message: Message) -> list[tuple[str, str, str]]:
    return [
        (b.label, b.action, b.value)
        for block in message.blocks
        if isinstance(block, Actions)
        for b in block.buttons
    ]


def scoring_week(h: Harness, demo: DemoWorkspace) -> None:
    alices_cycle(h, demo)
    act(h, "mei", "settings team Marketing committee @chen")
    h.clock.set(MONDAY)


def test_the_committee_asks_the_people_alice_worked_with_and_reads_their_answers(
    harness: Harness, demo: DemoWorkspace
) -> None:
    scoring_week(harness, demo)
    for who in ("bob", "alice", "zhao"):
        refused = act(harness, who, "feedback @alice")
        assert "Only Alice Smith's scoring committee asks for and reads feedback" in said(
            refused
        ), who
    view = act(harness, "mei", "feedback @alice").replies[0]
    assert isinstance(view, Message)
    text = message_text(view)
    # Zhao helped on her landing page task and asked her for help: first; Bob helped
    # on the giveaway. Chen and Mei decide, so they are not asked.
    assert "Zhao Lei · helped on KR11 Followers in target countries" in text
    assert "Bob Jones · helped on KR11 Followers in target countries" in text
    assert text.index("Zhao Lei ·") < text.index("Bob Jones ·")
    assert "Chen Jing ·" not in text and "Mei Lin ·" not in text
    assert buttons(view) == [("Ask 2 people", "feedback.ask", "6")]

    asked = harness.app.handle(ButtonPressed(actor=actor("mei"), action="feedback.ask", value="6"))
    assert "Asked Zhao Lei and Bob Jones for feedback on Alice Smith." in said(asked)
    by_user = {d.to: d for d in asked.deliveries}
    assert set(by_user) == {ToUser("zhao"), ToUser("bob")}
    to_zhao = by_user[ToUser("zhao")].message
    assert "Only the scoring committee sees your answer." in message_text(to_zhao)
    assert "Already asked: Zhao Lei and Bob Jones." in said(
        act(harness, "mei", "feedback ask @alice")
    )

    (_label, action, value) = buttons(to_zhao)[0]
    form = harness.app.handle(
        ButtonPressed(actor=actor("zhao"), action=action, value=value)
    ).replies[0]
    assert isinstance(form, Form) and [i.name for i in form.inputs] == ["rating", "comment"]
    assert [o.value for o in form.inputs[0].options] == ["5", "4", "3", "2", "1"]
    refused = harness.app.handle(
        FormSubmitted(
            actor=actor("zhao"), form_id=form.form_id, values={"rating": "9"}, context=form.context
        )
    )
    assert "Choose how much it moved the goal, from 1 to 5." in repr(refused.replies)
    answered = harness.app.handle(
        FormSubmitted(
            actor=actor("zhao"),
            form_id=form.form_id,
            values={"rating": "4", "comment": "the launch posts brought partners in"},
            context=form.context,
        )
    )
    assert "Thank you: your feedback on Alice Smith (4/5) is with the scoring committee." in said(
        answered
    )
    (note,) = answered.deliveries
    assert note.to == ToUser(
        "mei"
    ) and "Zhao Lei gave feedback on Alice Smith: 4/5" in message_text(note.message)
    shown = said(act(harness, "mei", "feedback @alice"))
    assert (
        "Zhao Lei · KR11 Followers in target countries: 4/5 · “the launch posts brought partners in”"
        in shown
    )
    assert "Bob Jones · KR11 Followers in target countries: asked Dec 28, no answer yet" in shown
    # Typed answers work too, and the person never sees any of it.
    assert "(3/5)" in said(act(harness, "bob", 'feedback give @alice 3 "solid giveaway work"'))
    # Chen reads Chinese.
    assert "没有人邀请你对 Alice Smith 给出反馈。" in said(
        act(harness, "chen", "feedback give @alice 5")
    )


def test_an_unanswered_request_is_nudged_once_two_working_days_later(
    harness: Harness, demo: DemoWorkspace
) -> None:
    scoring_week(harness, demo)
    act(harness, "mei", "feedback ask @alice")
    act(harness, "zhao", "feedback give @alice 4 helpful")
    harness.app.tick(until=harness.clock.now(), catch_up=None, own_clocks=())
    due = harness.app.run_due(since=MONDAY, until=WEDNESDAY_0930)
    nudged = [d for d in due if (d.key or "").endswith(":nudged")]
    assert [(d.to, d.key) for d in nudged] == [(ToUser("bob"), "feedback:2:nudged")]
    assert "the scoring committee would like your feedback on Alice Smith's work" in message_text(
        nudged[0].message
    )
    harness.clock.set(WEDNESDAY_0930)
    first = harness.app.tick(until=WEDNESDAY_0930, catch_up=None, own_clocks=())
    assert first.written > 0
    later = harness.app.run_due(since=WEDNESDAY_0930, until=datetime(2027, 1, 8, 2, 0, tzinfo=UTC))
    assert [d for d in later if (d.key or "").endswith(":nudged")] == []


def test_the_committee_proposes_with_reasons_the_manager_confirms_and_alice_sees_why(
    harness: Harness, demo: DemoWorkspace
) -> None:
    scoring_week(harness, demo)
    followers, engagement = demo.key_results["followers"], demo.key_results["engagement"]
    act(harness, "mei", "feedback ask @alice")
    act(harness, "zhao", "feedback give @alice 4 the launch posts brought partners in")
    assert "要等负责人先给 KR12 自评" in said(
        act(harness, "chen", f"committee propose {engagement} 0.5 why")
    )
    act(harness, "alice", f"score {followers} 0.6 reached 6,000")
    act(harness, "alice", f"score {engagement} 0.7")
    assert "Only Alice Smith's scoring committee sees their scores side by side." in said(
        act(harness, "bob", "committee @alice")
    )
    side = act(harness, "mei", "committee @alice").replies[0]
    assert isinstance(side, Message)
    text = message_text(side)
    assert "KR11 Followers in target countries: progress 42% · suggested 0.4 · self 0.6" in text
    assert "Feedback from Zhao Lei: 4/5 · “the launch posts brought partners in”" in text
    assert "Help given: H2 for Zhao Lei (R&D)" in text
    assert ("Confirm KR11 at 0.6", "committee.confirm", "KR11") in buttons(side)
    # Chen sees the same, in Chinese, and proposes; only the manager confirms.
    chens = act(harness, "chen", "committee @alice").replies[0]
    assert isinstance(chens, Message)
    assert "来自 Zhao Lei 的反馈" in message_text(chens) or "Zhao Lei 的反馈：4/5" in message_text(
        chens
    )
    assert [action for _, action, _ in buttons(chens)] == ["committee.propose", "committee.propose"]
    assert "需要写明理由" in said(act(harness, "chen", f"committee propose {engagement} 0.5"))
    proposed = act(
        harness, "chen", f'committee propose {engagement} 0.5 "engagement fell in December"'
    )
    assert "已为 KR12 提议 0.5（Alice Smith 的自评：0.7）。" in said(proposed)
    (to_mei,) = proposed.deliveries
    assert to_mei.to == ToUser("mei")
    assert "委员会负责提议，Marketing 的主管确认委员会的评分。" in said(
        act(harness, "chen", f"committee confirm {engagement}")
    )
    view = act(harness, "mei", "committee @alice").replies[0]
    assert ("Confirm KR12 at 0.5", "committee.confirm", "KR12") in buttons(view)  # type: ignore[arg-type]  # a Message
    confirmed = harness.app.handle(
        ButtonPressed(actor=actor("mei"), action="committee.confirm", value=engagement)
    )
    assert "KR12 is final at 0.5 (self score 0.7)." in said(confirmed)
    (to_alice,) = [d for d in confirmed.deliveries if d.to == ToUser("alice")]
    told = message_text(to_alice.message)
    assert (
        "Mei Lin adjusted your score of KR12 Engagement rate from 0.7 to 0.5. It is final." in told
    )
    assert "Chen Jing for the committee: engagement fell in December" in told
    last = act(harness, "mei", f"committee confirm {followers}")
    summary = next(d for d in last.deliveries if d.to == ToChannel("marketing"))
    shown = message_text(summary.message)
    assert "Self scores against final scores" in shown
    assert "Alice Smith: self 0.65 → final 0.55 (−0.1) · 1 of 2 corrected" in shown
    assert "Self scores were corrected by 0.1 on average; 1 of 2 changed." in shown
    with harness.sessions.begin() as session:
        rows = {
            r.kr_id: (r.self_score, r.reviewed_score) for r in session.exec(select(Score)).all()
        }
        assert sorted(rows.values()) == [(0.6, 0.6), (0.7, 0.5)]
        (proposal,) = session.exec(select(CommitteeScore)).all()
        assert (proposal.score, proposal.reason) == (0.5, "engagement fell in December")


def test_scores_on_the_10_point_scale_are_shown_as_such_and_typed_either_way(
    harness: Harness, demo: DemoWorkspace
) -> None:
    scoring_week(harness, demo)
    engagement = demo.key_results["engagement"]
    assert "Only a team manager" in said(act(harness, "alice", "settings scale 10"))
    assert "10-point scale" in said(act(harness, "mei", "settings scale 10"))
    assert "Scored KR12 7/10" in said(act(harness, "alice", f"score {engagement} 7"))
    proposed = act(harness, "chen", f'committee propose {engagement} 0.5 "engagement fell"')
    assert "已为 KR12 提议 5/10（Alice Smith 的自评：7/10）。" in said(proposed)
    confirmed = act(harness, "mei", f"committee confirm {engagement}")
    assert "KR12 is final at 5/10 (0.5) (self score 7/10)." in said(confirmed)
    (to_alice,) = [d for d in confirmed.deliveries if d.to == ToUser("alice")]
    assert "from 7/10 to 5/10 (0.5)" in message_text(to_alice.message)
    prompts = harness.app.run_due(since=MONDAY.replace(hour=1, minute=0), until=MONDAY)
    selfscore = next(d for d in prompts if d.key == "selfscore:member6:2026-Q4")
    assert "Score each of your key results from 0 to 10" in message_text(selfscore.message)


def test_a_committee_is_set_and_cleared_by_the_manager(
    harness: Harness, demo: DemoWorkspace
) -> None:
    assert "Only the manager of Marketing can change it." in said(
        act(harness, "alice", "settings team Marketing committee @chen")
    )
    said_set = said(act(harness, "mei", "settings team Marketing committee @chen @zhao"))
    assert "Marketing's scoring committee: Mei Lin, Chen Jing and Zhao Lei." in said_set
    assert "Scoring committee: Mei Lin, Chen Jing and Zhao Lei" in said(
        act(harness, "mei", "settings")
    )
    assert "with no committee" in said(
        act(harness, "mei", "settings team Marketing committee none")
    )
    # Chen is still Sales's committee (its manager), and no longer Marketing's.
    shown = said(act(harness, "chen", "committee"))
    assert "评分委员会 · Sales · 2026-Q4" in shown and "Marketing" not in shown
    assert "You are on no scoring committee." in said(act(harness, "bob", "committee"))
