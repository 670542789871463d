"""Invariants of `OkrApp.handle` that hold for every command.

One event is one transaction; a platform retry (same event id) is a no-op; a
workspace never sees another's rows; platform mentions become members; a
refused command writes nothing; bad input of any kind gets a polite answer
showing the right form; a crash gets an apology and rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bot.console.demo import DemoWorkspace
from handlers import dispatch
from handlers import grammar as g
from handlers.events import ButtonPressed, FormSubmitted, MentionedUser
from handlers.views import Context, Outcome, ToUser
from storage.models import Member
from storage.repos import collab, okrs, rhythm, workspaces
from tests.conftest import Harness, first_message, text_of

APOLOGY = "Sorry, something went wrong"
WEEK = "2026-W48"


# --- helpers ---------------------------------------------------------------------


def flat(outcome: Outcome) -> str:
    return " ".join(text_of(outcome).split())


@dataclass(frozen=True)
class Snapshot:
    """Everything a command could change in the demo workspace, as plain values."""

    objectives: tuple[tuple[Any, ...], ...]
    key_results: tuple[tuple[Any, ...], ...]
    checkins: tuple[tuple[Any, ...], ...]
    tasks: tuple[tuple[Any, ...], ...]
    requests: tuple[tuple[Any, ...], ...]
    kudos: tuple[tuple[Any, ...], ...]
    members: tuple[tuple[Any, ...], ...]
    teams: tuple[tuple[Any, ...], ...]


def snapshot(harness: Harness, demo: DemoWorkspace) -> Snapshot:
    ws = demo.workspace_id
    with harness.sessions.begin() as s:
        krs = okrs.list_key_results(session=s, workspace_id=ws)
        return Snapshot(
            objectives=tuple(
                (o.number, o.title, o.parent_objective_id, o.parent_kr_id, o.archived)
                for o in okrs.list_objectives(session=s, workspace_id=ws)
            ),
            key_results=tuple(
                (k.number, k.title, k.current_value, k.target_value, k.owner_member_id, k.weight)
                for k in krs
            ),
            checkins=tuple(
                (c.kr_id, c.week, c.value, c.confidence, c.note)
                for k in krs
                for c in rhythm.checkin_history(
                    session=s, workspace_id=ws, kr_id=k.id or -1, limit=100
                )
            ),
            tasks=tuple(
                (t.number, t.week, t.status, t.owner_member_id)
                for week in (WEEK, "2026-W49")
                for t in rhythm.list_tasks(session=s, workspace_id=ws, week=week)
            ),
            requests=tuple(
                (r.number, r.status, r.thanks)
                for r in collab.list_help_requests(session=s, workspace_id=ws)
            ),
            kudos=tuple(
                (k.from_member_id, k.to_member_id, k.text)
                for week in ("2026-W47", WEEK)
                for k in collab.list_kudos(session=s, workspace_id=ws, week=week)
            ),
            members=tuple(
                (m.external_id, m.handle, m.locale, m.timezone)
                for m in workspaces.list_members(session=s, workspace_id=ws)
            ),
            teams=tuple(
                (t.name, t.manager_id, t.timezone, t.digest_weekday, t.digest_time)
                for t in workspaces.list_teams(session=s, workspace_id=ws)
            ),
        )


def kr11(harness: Harness, demo: DemoWorkspace) -> Any:
    with harness.sessions.begin() as s:
        row = okrs.get_key_result(session=s, workspace_id=demo.workspace_id, number=11)
    assert row is not None
    return row


def member_by_external(harness: Harness, demo: DemoWorkspace, external_id: str) -> Member | None:
    with harness.sessions.begin() as s:
        return workspaces.get_member_by_external(
            session=s, workspace_id=demo.workspace_id, external_id=external_id
        )


def assert_polite(outcome: Outcome, phrase: str) -> None:
    text = flat(outcome)
    assert APOLOGY not in text
    assert phrase in text, text
    assert not outcome.deliveries


# --- idempotency -------------------------------------------------------------------


def test_a_retried_checkin_event_is_applied_once(harness: Harness, demo: DemoWorkspace) -> None:
    first = harness.say("alice", "checkin KR11 +500 c8", event_id="Ev-checkin-1")
    retry = harness.say("alice", "checkin KR11 +500 c8", event_id="Ev-checkin-1")
    assert "Checked in KR11." in flat(first)
    assert retry.replies == [] and retry.deliveries == []
    assert kr11(harness, demo).current_value == 4_700  # not 5,200
    with harness.sessions.begin() as s:
        rows = rhythm.checkins_for_week(session=s, workspace_id=demo.workspace_id, week=WEEK)
    assert rows[kr11(harness, demo).id].value == 4_700


def test_a_retried_kudos_event_is_stored_and_delivered_once(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcomes = [
        harness.say("mei", "kudos @bob great case studies", event_id="Ev-kudos-1") for _ in range(3)
    ]
    assert [len(o.deliveries) for o in outcomes] == [1, 0, 0]
    with harness.sessions.begin() as s:
        rows = collab.list_kudos(session=s, workspace_id=demo.workspace_id, week=WEEK)
    assert [r.text for r in rows] == ["great case studies"]


def test_distinct_event_ids_are_each_processed(harness: Harness, demo: DemoWorkspace) -> None:
    harness.say("mei", "kudos @bob one", event_id="Ev-a")
    harness.say("mei", "kudos @bob two", event_id="Ev-b")
    with harness.sessions.begin() as s:
        rows = collab.list_kudos(session=s, workspace_id=demo.workspace_id, week=WEEK)
    assert [r.text for r in rows] == ["one", "two"]


# --- tenancy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "show KR11",
        "checkin KR11 9999 confidence 9",
        "checkin KR11",
        "kr KR11 target 1",
        "kr KR11 delete",
        "score KR11 1",
        "plan add Something KR11",
    ],
)
def test_another_workspace_cannot_see_or_touch_the_demo_krs(
    harness: Harness, demo: DemoWorkspace, line: str
) -> None:
    before = snapshot(harness, demo)
    outcome = harness.say("eve", line, workspace="other")
    assert_polite(outcome, "There is no key result KR11.")
    assert snapshot(harness, demo) == before


@pytest.mark.parametrize(
    ("line", "phrase"),
    [
        ("show O5", "There is no objective O5."),
        ("align O5 none", "There is no objective O5."),
        ("kr add O5 Posts: 30", "There is no objective O5."),
        ("plan done T2", "There is no task T2."),
        ("ask accept H1", "There is no help request H1."),
        ("show @mei", "I don't know anyone called @mei in this workspace."),
        ("show team Marketing", "There is no team called Marketing."),
        ("settings team Marketing digest mon 08:00", "There is no team called Marketing."),
    ],
)
def test_another_workspace_cannot_reach_the_demo_objectives_tasks_requests_people_or_teams(
    harness: Harness, demo: DemoWorkspace, line: str, phrase: str
) -> None:
    before = snapshot(harness, demo)
    assert_polite(harness.say("eve", line, workspace="other"), phrase)
    assert snapshot(harness, demo) == before


def test_another_workspaces_button_cannot_answer_a_demo_help_request(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.app.handle(
        ButtonPressed(
            actor=harness.actor("mei", workspace="other"), action="help.accept", value="H1"
        )
    )
    assert_polite(outcome, "There is no help request H1.")
    with harness.sessions.begin() as s:
        h1 = collab.get_help_request(session=s, workspace_id=demo.workspace_id, number=1)
    assert h1 is not None and h1.status == "open"


def test_each_workspace_numbers_its_own_objectives(harness: Harness, demo: DemoWorkspace) -> None:
    before = snapshot(harness, demo)
    outcome = harness.say("eve", "new Eve's plan | Signups: 0 -> 10 signups", workspace="other")
    assert "Created O1." in flat(outcome)
    assert "Eve's plan" in flat(harness.say("eve", "show O1", workspace="other"))
    assert snapshot(harness, demo) == before
    assert "Grow revenue 50%" in flat(harness.say("alice", "show O1"))


# --- mentions ----------------------------------------------------------------------


def test_a_platform_mention_creates_the_member_and_later_resolves_to_the_same_one(
    harness: Harness, demo: DemoWorkspace
) -> None:
    assert member_by_external(harness, demo, "U123") is None
    outcome = harness.say(
        "alice", "kudos @U123 welcome aboard", mentions={"@U123": MentionedUser("U123", "Dana")}
    )
    assert "Kudos sent to Dana." in flat(outcome)
    assert [d.to for d in outcome.deliveries] == [ToUser("U123")]  # DMs use the platform id
    dana = member_by_external(harness, demo, "U123")
    assert dana is not None and dana.display_name == "Dana" and dana.handle == "dana"

    again = harness.say(
        "alice",
        "ask @U123 can you share the deck?",
        mentions={"@U123": MentionedUser("U123", "Dana Lee")},
    )
    assert [d.to for d in again.deliveries] == [ToUser("U123")]
    same = member_by_external(harness, demo, "U123")
    assert same is not None and same.id == dana.id and same.display_name == "Dana Lee"
    with harness.sessions.begin() as s:
        handles = [
            m.handle for m in workspaces.list_members(session=s, workspace_id=demo.workspace_id)
        ]
    assert handles.count("dana") == 1
    # Without a platform mention, the handle the member was given finds them.
    assert "Dana Lee's OKRs" in flat(harness.say("alice", "show @dana"))


def test_a_mention_in_a_refused_command_creates_no_member(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.say(
        "alice",
        "plan add Late task with @U999 due 2026-11-20",
        mentions={"@U999": MentionedUser("U999", "Zoe")},
    )
    assert_polite(outcome, "has already passed")
    assert member_by_external(harness, demo, "U999") is None


# --- refused commands write nothing --------------------------------------------------


def test_a_refused_new_objective_leaves_no_objective_kr_or_used_number_behind(
    harness: Harness, demo: DemoWorkspace
) -> None:
    before = snapshot(harness, demo)
    outcome = harness.say(
        "alice", "new Win Asia | Signups: 0 -> 100 signups | Leads: 50 leads @nobody"
    )
    assert_polite(outcome, "I don't know anyone called @nobody in this workspace.")
    assert snapshot(harness, demo) == before
    created = harness.say("alice", "new Win Asia | Signups: 0 -> 100 signups")
    assert "Created O7." in flat(created)  # O7 and KR14 were not burnt by the refusal
    assert "KR14 Signups" in flat(created)


# --- bad input gets the right form ---------------------------------------------------

MALFORMED = {
    "my": "my stuff",
    "help": "help nonsense",
    "new": "new | Followers: 0 -> 10",
    "kr": "kr KR11 colour red",
    "checkin": "checkin KR11 abc",
    "plan": "plan frobnicate T1",
    "show": "show",
    "team": "team add Marketing",
    "ask": "ask KR11 please",
    "kudos": "kudos",
    "align": "align O5 to T1",
    "score": "score KR11 42",
    "draft": "draft vote banana",
    "review": "review frobnicate",
    "feedback": "feedback give @bob 9",
    "committee": "committee propose KR11",
    "export": "export Nowhere",
    "import": "import okrs.xlsx",
    "settings": "settings language klingon",
    "away": "away someday",
}


def test_there_is_a_malformed_line_for_every_canonical_verb() -> None:
    assert set(MALFORMED) == set(g.USAGE)


@pytest.mark.parametrize("verb", sorted(MALFORMED))
def test_a_malformed_line_for_every_verb_is_answered_with_the_right_form(
    harness: Harness, demo: DemoWorkspace, verb: str
) -> None:
    before = snapshot(harness, demo)
    outcome = harness.say("alice", MALFORMED[verb])
    message = first_message(outcome)
    assert APOLOGY not in flat(outcome)
    shown = [b.text for b in message.blocks if isinstance(b, Context)]
    if verb == "help":  # help never fails: an unknown topic gets the overview
        for other in g.USAGE:
            assert f"/okr {other}" in flat(outcome)
    else:
        assert "The right form:" in shown
        assert [f"/okr {line}" for line in g.USAGE[verb]] == shown[
            shown.index("The right form:") + 1 :
        ]
    assert outcome.deliveries == []
    assert snapshot(harness, demo) == before


def test_a_mistyped_verb_suggests_the_closest_command(
    harness: Harness, demo: DemoWorkspace
) -> None:
    text = flat(harness.say("alice", "chekin KR11 5"))
    assert 'I don\'t know the command "chekin".' in text
    assert 'Did you mean "checkin"?' in text


@pytest.mark.parametrize(
    ("action", "value"),
    [
        ("nonsense.action", "x"),
        ("task.done", "garbage"),
        ("help.accept", ""),
        ("checkin.open", "KR"),
    ],
)
def test_an_unknown_or_expired_button_gets_a_polite_message(
    harness: Harness, demo: DemoWorkspace, action: str, value: str
) -> None:
    before = snapshot(harness, demo)
    assert_polite(harness.press("alice", action, value), "That button has expired.")
    assert snapshot(harness, demo) == before


def test_an_unknown_form_gets_a_polite_message(harness: Harness, demo: DemoWorkspace) -> None:
    outcome = harness.app.handle(
        FormSubmitted(actor=harness.actor("alice"), form_id="survey.old", values={"x": "1"})
    )
    assert_polite(outcome, "That form has expired. Type /okr to start again.")


def test_a_checkin_form_without_its_krs_gets_a_polite_message(
    harness: Harness, demo: DemoWorkspace
) -> None:
    outcome = harness.app.handle(
        FormSubmitted(actor=harness.actor("alice"), form_id="checkin", values={}, context="")
    )
    assert_polite(outcome, "That check-in form has expired")


def test_a_checkin_form_with_a_mangled_context_gets_a_polite_message(
    harness: Harness, demo: DemoWorkspace
) -> None:
    before = snapshot(harness, demo)
    outcome = harness.app.handle(
        FormSubmitted(
            actor=harness.actor("alice"),
            form_id="checkin",
            values={"value:KR11": "5000"},
            context="KR11,not-a-ref",
        )
    )
    assert_polite(outcome, "That check-in form has expired")
    assert snapshot(harness, demo) == before


# --- a crash gives the apology and rolls back ----------------------------------------


def _crash_after(handler: Any) -> Any:
    def crashing(ctx: Any, cmd: Any) -> Any:
        handler(ctx, cmd)  # do the real writes first, then fail
        raise RuntimeError("disk on fire")

    return crashing


@pytest.mark.parametrize(
    ("command", "line"),
    [(g.Kudos, "kudos @bob great work"), (g.Checkin, "checkin KR11 9000 confidence 9")],
)
def test_a_crash_inside_a_use_case_apologises_and_rolls_back_its_writes(
    harness: Harness,
    demo: DemoWorkspace,
    monkeypatch: pytest.MonkeyPatch,
    command: type,
    line: str,
) -> None:
    monkeypatch.setitem(dispatch.ROUTES, command, _crash_after(dispatch.ROUTES[command]))
    before = snapshot(harness, demo)
    outcome = harness.say("alice", line)
    assert APOLOGY in flat(outcome)
    assert "nothing was changed" in flat(outcome)
    assert outcome.deliveries == []
    assert snapshot(harness, demo) == before


def test_an_event_that_crashed_is_processed_when_the_platform_retries_it(
    harness: Harness, demo: DemoWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = dispatch.ROUTES[g.Kudos]
    monkeypatch.setitem(dispatch.ROUTES, g.Kudos, _crash_after(real))
    assert APOLOGY in flat(harness.say("mei", "kudos @bob thanks", event_id="Ev-crash"))
    monkeypatch.setitem(dispatch.ROUTES, g.Kudos, real)
    retry = harness.say("mei", "kudos @bob thanks", event_id="Ev-crash")
    assert "Kudos sent to" in flat(retry)
    with harness.sessions.begin() as s:
        rows = collab.list_kudos(session=s, workspace_id=demo.workspace_id, week=WEEK)
    assert [r.text for r in rows] == ["thanks"]
