"""The review pack (述职材料) and the review meeting's agenda, checked against the data.

In the demo company, Alice (Marketing) helps R&D's head on his portal, plans a
task with him, gets kudos, aligns her objective to the sales head's and answers
her three questions; her pack must show each of these, section by section, and
the meeting's agenda must put the team in order and invite R&D.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.console.demo import DemoWorkspace
from bot.pages import draw
from handlers.events import Actor, ButtonPressed, Command, FormSubmitted
from handlers.reports import reviewpack
from handlers.views import Context, Form, Header, Message, Outcome, Page, Progress, Text, ToUser
from storage.repos import okrs, workspaces
from tests.conftest import Harness, words_of

NAMES = {
    "alice": "Alice Smith",
    "bob": "Bob Jones",
    "mei": "Mei Lin",
    "zhao": "Zhao Lei",
    "chen": "Chen Jing",
}


def act(h: Harness, user: str, text: str) -> Outcome:
    """A command typed by a demo person, under their own name."""
    actor = Actor(platform="console", workspace_id="demo", user_id=user, display_name=NAMES[user])
    return h.app.handle(Command(actor=actor, text=text))


def press(h: Harness, user: str, action: str, value: str) -> Outcome:
    actor = Actor(platform="console", workspace_id="demo", user_id=user, display_name=NAMES[user])
    return h.app.handle(ButtonPressed(actor=actor, action=action, value=value))


def sections(message: Message) -> dict[str, list[str]]:
    """The pack's sections by title, each with its lines (progress bars as label: caption)."""
    found: dict[str, list[str]] = {}
    current = ""
    for block in message.blocks:
        if isinstance(block, Text):
            current = block.text
            found[current] = []
        elif isinstance(block, Context) and current:
            found[current].append(block.text)
        elif isinstance(block, Progress):
            found[current].append(f"{block.label}: {block.caption}")
    return found


def alices_cycle(h: Harness, demo: DemoWorkspace) -> None:
    portal, followers = demo.key_results["portal"], demo.key_results["followers"]
    act(h, "zhao", f'ask @alice {portal} "announce the partner portal to our followers?"')
    act(h, "alice", "ask accept H2")
    act(h, "alice", "ask done H2 posted on all three channels")
    act(h, "alice", f"plan add Speed up the Brazil landing page {followers} with @zhao due fri")
    act(h, "alice", "plan done T9 https://docs.example.com/brazil-landing")
    act(h, "bob", 'kudos @alice "the landing page converts twice as well"')
    act(h, "alice", f"align {demo.objectives['alice']} to {demo.objectives['chen']}")
    act(h, "alice", "review breakthroughs Reels in Brazil tripled our reach")
    act(h, "alice", "review problems Influencer contracts took four weeks")
    act(h, "alice", "review lessons Test a format small before scaling it")


def test_the_pack_shows_every_section_from_the_data(harness: Harness, demo: DemoWorkspace) -> None:
    alices_cycle(harness, demo)
    act(harness, "alice", f"score {demo.key_results['followers']} 0.6 reached 6,000")
    outcome = act(harness, "mei", "review pack @alice")
    message = outcome.replies[0]
    assert isinstance(message, Message)
    assert message.blocks[0] == Header("Review pack · Alice Smith · 2026-Q4")
    assert message.blocks[1] == Context("Marketing · Oct 1 – Dec 31")
    shown = sections(message)
    assert shown["Key results"] == [
        "KR11 Followers in target countries: 0 followers → 4,200 followers · target 10,000 "
        "followers · confidence 6 → 7 ↑ · suggested 0.4 · self 0.6",
        "KR12 Engagement rate: 0% → 1.1% · target 2% · confidence 6 → 6 → · suggested 0.6",
    ]
    assert shown["Key tasks done"] == [
        "✅ T1 Publish three Reels for the Brazil campaign (KR11)",
        "✅ T9 Speed up the Brazil landing page (KR11) · with Zhao Lei · "
        "https://docs.example.com/brazil-landing",
        "2 of 3 key tasks done",
    ]
    assert shown["Help given"] == [
        "H2 for Zhao Lei (R&D) · KR9 Release the partner portal: announce the partner portal "
        "to our followers? · done"
    ]
    assert shown["Help received"] == ["None this cycle."]
    assert shown["Kudos"] == [
        "👏 Mei Lin: The Brazil Reels brought 600 new followers in a week. Brilliant!",
        "👏 Bob Jones: the landing page converts twice as well",
    ]
    assert shown["Contributions to other teams' objectives"] == [
        "Aligned to Sales's O1 Grow revenue 50% with better quality and sustainability",
        "Helped R&D on Release the partner portal (H2)",
    ]
    assert shown["In their own words"] == [
        "Breakthroughs: Reels in Brazil tripled our reach",
        "Problems: Influencer contracts took four weeks",
        "Lessons: Test a format small before scaling it",
    ]
    # The same pack as a one-page picture, through the outbox to whoever asked.
    (picture,) = outcome.deliveries
    assert picture.to == ToUser("mei")
    page = next(b for b in picture.message.blocks if isinstance(b, Page))
    assert [s.title for s in page.sections] == list(shown)
    assert page.sections[1].lines == tuple(shown["Key tasks done"])
    png = draw(page)
    assert png.startswith(b"\x89PNG") and draw(page, fmt="pdf").startswith(b"%PDF")


def test_the_pack_is_in_chinese_for_a_chinese_reader(harness: Harness, demo: DemoWorkspace) -> None:
    alices_cycle(harness, demo)
    outcome = act(harness, "chen", "述职 材料 @alice")  # Chen reads Chinese
    text = words_of(outcome)
    assert "述职材料 · Alice Smith · 2026-Q4" in text
    assert "提供的协助" in text and "对其他团队目标的贡献" in text and "本人自述" in text
    assert "协助 R&D 完成 Release the partner portal（H2）" in text


def test_the_three_questions_are_answered_in_a_form_and_asked_a_week_before(
    harness: Harness, demo: DemoWorkspace
) -> None:
    act(harness, "alice", "review breakthroughs Reels in Brazil tripled our reach")
    form = act(harness, "alice", "review answer").replies[0]
    assert isinstance(form, Form) and form.form_id == "review.answer"
    assert [i.initial for i in form.inputs] == ["Reels in Brazil tripled our reach", None, None]
    actor = Actor(
        platform="console", workspace_id="demo", user_id="alice", display_name="Alice Smith"
    )
    too_long = harness.app.handle(
        FormSubmitted(
            actor=actor, form_id=form.form_id, values={"problems": "x" * 1001}, context=form.context
        )
    )
    assert "At most 1000 characters" in repr(too_long.replies)
    saved = harness.app.handle(
        FormSubmitted(
            actor=actor,
            form_id=form.form_id,
            values={
                "breakthroughs": "Reels in Brazil tripled our reach",
                "problems": "Contracts were slow",
                "lessons": "",
            },
            context=form.context,
        )
    )
    assert "Saved for your review pack of 2026-Q4." in words_of(saved)
    pack = sections(act(harness, "alice", "review").replies[0])  # type: ignore[arg-type]  # a Message
    assert pack["In their own words"][1] == "Problems: Contracts were slow"
    # The clock asks on the plan morning of the week before the quarter's last.
    due = harness.app.run_due(
        since=datetime(2026, 12, 21, 1, 0, tzinfo=UTC),
        until=datetime(2026, 12, 21, 2, 0, tzinfo=UTC),
    )
    asked = [d for d in due if (d.key or "").startswith("review-questions:")]
    assert "review-questions:member6:2026-Q4" in {d.key for d in asked}
    alice = next(d for d in asked if d.to == ToUser("alice"))
    assert "You have started already" in words_of(Outcome(replies=[alice.message]))
    form = press(harness, "alice", "review.answer", "").replies[0]
    assert isinstance(form, Form) and form.inputs[1].initial == "Contracts were slow"


def test_in_the_last_week_packs_go_to_the_person_manager_and_committee_with_the_agenda(
    harness: Harness, demo: DemoWorkspace
) -> None:
    alices_cycle(harness, demo)
    act(harness, "mei", "settings team Marketing committee @chen")
    due = harness.app.run_due(
        since=datetime(2026, 12, 28, 1, 0, tzinfo=UTC),
        until=datetime(2026, 12, 28, 2, 0, tzinfo=UTC),
    )
    packs = {d.key: d for d in due if (d.key or "").startswith("pack:member6:")}
    assert set(packs) == {
        "pack:member6:2026-Q4:to6",
        "pack:member6:2026-Q4:to5",
        "pack:member6:2026-Q4:to1",
    }
    assert [d.to for d in packs.values()] == [ToUser("alice"), ToUser("mei"), ToUser("chen")]
    to_chen = packs["pack:member6:2026-Q4:to1"].message
    assert to_chen.summary == "述职材料 · Alice Smith · 2026-Q4"  # in Chen's language
    assert any(isinstance(b, Page) for b in to_chen.blocks)
    (agenda,) = [d for d in due if d.key == "agenda:team3:2026-Q4"]
    lines = [b.text for b in agenda.message.blocks if isinstance(b, Text)]
    assert lines == [
        "1. The team's objectives (Mei Lin): O6 Make Demo Co. the name buyers know",
        "2. Alice Smith: O5 Raise brand awareness in target markets · 2 key results",
        "3. Questions from collaborators",
        "4. Next: self scores by Dec 31, then the committee (Mei Lin and Chen Jing)",
    ]
    invited = [b.text for b in agenda.message.blocks if isinstance(b, Context)][-1]
    assert invited == "Invited: Zhao Lei (R&D) and Chen Jing (Sales)"
    # Replaying the window writes nothing twice.
    harness.app.tick(until=datetime(2026, 12, 28, 1, 0, tzinfo=UTC), catch_up=None, own_clocks=())
    first = harness.app.tick(
        until=datetime(2026, 12, 28, 2, 0, tzinfo=UTC), catch_up=None, own_clocks=()
    )
    assert first.written >= len(packs) + 1
    again = harness.app.trigger(moment="plan", team="Marketing", week="2026-W53")
    assert again.written == 0


def test_a_teams_packs_read_together_are_each_persons_pack_read_alone(
    harness: Harness, demo: DemoWorkspace
) -> None:
    """The last week reads a whole team's packs in one batch: it must give each person
    exactly the pack they get alone, with no one else's help, kudos or tasks."""
    alices_cycle(harness, demo)
    act(harness, "zhao", 'kudos @mei "the launch brief was spot on"')
    with harness.sessions.read() as session:
        ws = workspaces.find_workspace(session=session, platform="console", external_id="demo")
        assert ws is not None and ws.id is not None
        (cycle,) = [
            c for c in okrs.list_cycles(session=session, workspace_id=ws.id) if c.name == "2026-Q4"
        ]
        together: dict[int, reviewpack.ReviewPackData] = {}
        for team in workspaces.list_teams(session=session, workspace_id=ws.id):
            ids = workspaces.team_member_ids(
                session=session, workspace_id=ws.id, team_id=team.id or -1
            )
            members = workspaces.list_members(session=session, workspace_id=ws.id, ids=ids)
            batch = reviewpack.load_packs(session, members, cycle)
            for member in members:
                assert member.id is not None
                assert batch[member.id] == reviewpack.load_pack(session, member, cycle)
            together.update(batch)
        assert len(together) >= 5
        # The batches held something worth comparing: Alice's help, task, kudos, alignment.
        (alice,) = [p for p in together.values() if p.member.external_id == "alice"]
        assert alice.given and alice.kudos and alice.tasks and alice.contributions
