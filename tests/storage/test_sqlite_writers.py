"""On SQLite, concurrent writers queue for the write lock instead of failing.

A transaction that reads and then writes, begun deferred, is refused at once
("database is locked") when another connection wrote in between: its
snapshot is stale, so the busy timeout cannot help. Begun IMMEDIATE, it waits.
Four threads here do what a command, the tick and the sender do: read a row,
then write, many times over.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from storage.db import SessionFactory, make_engine
from storage.repos import workspaces


@pytest.fixture
def file_sessions(database_url: str) -> Iterator[SessionFactory]:
    engine = make_engine(database_url)
    yield SessionFactory(engine)
    engine.dispose()


@pytest.mark.sqlite_only("the write lock is SQLite's; PostgreSQL locks rows")
def test_four_clients_reading_then_writing_at_once_all_succeed(
    file_sessions: SessionFactory,
) -> None:
    with file_sessions.begin() as session:
        ws = workspaces.get_or_create_workspace(session=session, platform="slack", external_id="T1")
        assert ws.id is not None
        ws_id = ws.id
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def client(n: int) -> None:
        try:
            start.wait(5)
            for i in range(40):
                with file_sessions.begin() as session:
                    # Read first (the snapshot), then write: the pattern that fails deferred.
                    session.execute(text("SELECT count(*) FROM member")).one()
                    workspaces.upsert_member(
                        session=session,
                        workspace_id=ws_id,
                        external_id=f"U{n}x{i}",
                        display_name=f"Member {n}.{i}",
                    )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with file_sessions.read() as session:
        assert len(workspaces.list_members(session=session, workspace_id=ws_id)) == 160


@pytest.mark.sqlite_only("the write lock is SQLite's")
def test_a_read_only_session_does_not_wait_for_a_writer(file_sessions: SessionFactory) -> None:
    with file_sessions.begin() as session:
        workspaces.get_or_create_workspace(session=session, platform="slack", external_id="T1")
    with file_sessions.begin() as writer:
        writer.execute(text("UPDATE workspace SET name = 'changing'"))
        # The writer holds the lock; a reader still reads the last committed state.
        with file_sessions.read() as reader:
            (name,) = reader.execute(text("SELECT name FROM workspace")).one()
        assert name != "changing"
