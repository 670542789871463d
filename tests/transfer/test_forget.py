"""`okrbot forget`: a person leaves no trace of their words; a workspace leaves nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, text

from storage.db import SessionFactory
from storage.repos import workspaces
from tests.conftest import Harness
from tests.transfer.helpers import run


def every_text(sessions: SessionFactory) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text value stored anywhere."""
    found: list[tuple[str, str, str]] = []
    with sessions.read() as session:
        bind = session.get_bind()
        for table in inspect(bind).get_table_names():
            for column in inspect(bind).get_columns(table):
                name = column["name"]
                for (value,) in session.execute(text(f'SELECT "{name}" FROM "{table}"')):
                    if isinstance(value, str | bytes):
                        found.append(
                            (
                                table,
                                name,
                                value if isinstance(value, str) else value.decode(errors="replace"),
                            )
                        )
    return found


def _busy_alice(harness: Harness) -> list[str]:
    """Alice writes, is written to, and is quoted in posted digests; what she wrote."""
    said = [
        'checkin KR11 5000 confidence 8 "Zebra-crossing campaign went viral"',
        "plan add Film the okapi explainer KR11 due fri",
        'ask @bob KR11 "Could you proofread the narwhal thread?"',
        'kudos @bob "Thanks for the axolotl artwork"',
        "away 2026-12-21 2026-12-24 quokka holiday",
    ]
    for line in said:
        outcome = harness.say("alice", line)
        assert outcome.replies
    harness.say("bob", "ask done H2 well done @alice")
    # Friday: the digest quotes her note; her reminder and prompt go to her DMs.
    friday = harness.clock.now() + timedelta(days=2, hours=10)
    harness.app.tick(until=harness.clock.now(), catch_up=None, own_clocks=())
    harness.clock.set(friday)
    harness.app.tick(until=friday, catch_up=None, own_clocks=())
    return [
        "Zebra-crossing",
        "okapi explainer",
        "narwhal thread",
        "axolotl artwork",
        "quokka holiday",
    ]


def test_forgetting_a_person_leaves_no_trace_of_their_texts_in_any_table(
    harness: Harness, demo: Any, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    words = _busy_alice(harness)
    with harness.sessions.begin() as session:
        alice = workspaces.find_member(
            session=session, workspace_id=demo.workspace_id, name="alice"
        )
        assert alice is not None
    words.append(alice.display_name)
    stored = every_text(harness.sessions)
    for word in words:
        assert any(word in value for _, _, value in stored), word  # there before
    with harness.sessions.begin() as session:
        checkins_before = session.execute(
            text("SELECT count(*), sum(value) FROM checkin WHERE member_id = :m"), {"m": alice.id}
        ).one()
    answers = iter(["alice"])
    from bot.transfer import commands

    monkey = pytest.MonkeyPatch()
    monkey.setattr("builtins.input", lambda _question: next(answers))
    monkey.setattr(commands.sys.stdin, "isatty", lambda: True, raising=False)
    try:
        code, out, _ = run(capsys, "forget", "@alice", "--database-url", database_url)
    finally:
        monkey.undo()
    assert code == 0, out
    assert "check-in notes" in out and "direct messages in the outbox" in out
    leftovers = [
        (table, column, value[:80])
        for table, column, value in every_text(harness.sessions)
        for word in [*words, "@alice"]
        if word in value
    ]
    assert leftovers == []
    with harness.sessions.begin() as session:
        former = workspaces.get_member(
            session=session, workspace_id=demo.workspace_id, member_id=alice.id
        )
        assert former is not None and former.display_name == "former member"
        after = session.execute(
            text("SELECT count(*), sum(value) FROM checkin WHERE member_id = :m"), {"m": alice.id}
        ).one()
    assert tuple(after) == tuple(checkins_before)  # the numbers stay for the team's history
    assert harness.say("mei", "team Marketing").replies  # the team still reads


def test_forget_asks_first_and_does_nothing_without_a_yes(
    harness: Harness, demo: Any, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "forget", "@alice", "--database-url", database_url)
    assert code == 2 and "add --yes" in err  # no terminal to ask on
    monkey = pytest.MonkeyPatch()
    from bot.transfer import commands

    monkey.setattr("builtins.input", lambda _question: "bob")
    monkey.setattr(commands.sys.stdin, "isatty", lambda: True, raising=False)
    try:
        code, out, _ = run(capsys, "forget", "@alice", "--database-url", database_url)
    finally:
        monkey.undo()
    assert code == 1 and "Nothing was removed." in out
    with harness.sessions.begin() as session:
        assert (
            workspaces.find_member(session=session, workspace_id=demo.workspace_id, name="alice")
            is not None
        )


def test_forgetting_a_workspace_removes_all_it_had_and_nothing_else(
    harness: Harness, demo: Any, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.console.demo import seed_demo

    with harness.sessions.begin() as session:
        other = seed_demo(
            session=session, now=harness.clock.now(), platform="slack", external_id="T0OTHER"
        )
    _busy_alice(harness)
    from tests.storage.test_tenancy import dump

    kept = dump(harness.sessions, other.workspace_id)
    code, out, _ = run(
        capsys, "forget", "--workspace", "console:demo", "--yes", "--database-url", database_url
    )
    assert code == 0, out and "rows removed" in out
    gone = dump(harness.sessions, demo.workspace_id)
    assert all(rows == [] for rows in gone.values()), {k: len(v) for k, v in gone.items() if v}
    assert dump(harness.sessions, other.workspace_id) == kept
