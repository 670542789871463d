"""Fairness: how long a quiet workspace's post waits behind a busy workspace's backlog.

Workspace A has BACKLOG DMs due (its Monday); then workspace B's channel post
is queued. The real outbox sender (`bot.outbox.OutboxSender`, its default
claim size) sends through a platform that only records the order of sends, on
a manual clock, until B's post went out. Printed, side by side in one run:

- B's place among the sends, against its place in the queue (BACKLOG + 1,
  where a sender claiming oldest first across workspaces would send it);
- the time one claim takes with BACKLOG rows due, against BACKLOG / 10 due
  (sharing a claim out reads every workspace's due rows once per claim).

    python -m bench.fairness [--backlog 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.delivery import Bucket, Outgoing
from bot.outbox import OutboxSender
from handlers.clock import ManualClock
from handlers.views import Message, Text, to_json
from storage import migrate
from storage.db import SessionFactory, make_engine
from storage.repos import outbox, workspaces
from storage.repos.outbox import NewMessage

_T = TypeVar("_T")
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
VIEW = json.dumps(to_json(Message("Plan your week", (Text("Plan your week"),))))


class Recorder:
    """A platform that accepts everything at once and remembers the order."""

    platform = "bench"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        return ()

    def send(self, item: Outgoing) -> str:
        self.sent.append(item.key)
        return item.key

    def update(self, item: Outgoing) -> str:
        return self.send(item)


def _queue(sessions: SessionFactory, external_id: str, messages: list[NewMessage]) -> None:
    with sessions.begin() as session:
        ws = workspaces.get_or_create_workspace(
            session=session, platform="bench", external_id=external_id
        )
        assert ws.id is not None
        outbox.enqueue(
            session=session, workspace_id=ws.id, platform="bench", messages=messages, now=START
        )


def _backlog(sessions: SessionFactory, rows: int) -> None:
    dms = [NewMessage("user", f"U{n:06d}", VIEW, key=f"plan:{n}") for n in range(rows)]
    _queue(sessions, "T0BUSY", dms)


def wait_in_sends(sessions: SessionFactory, backlog: int) -> tuple[int, int]:
    """B's place among the sends, and how many sends there were by then."""
    _backlog(sessions, backlog)
    _queue(sessions, "T0QUIET", [NewMessage("channel", "C0QUIET", VIEW, key="digest:quiet")])
    platform = Recorder()
    sender = OutboxSender(sessions=sessions, senders=[platform], clock=ManualClock(START))
    while "digest:quiet" not in platform.sent:
        if sender.run_once().claimed == 0:
            raise RuntimeError("the quiet workspace's post was never claimed")
    return platform.sent.index("digest:quiet") + 1, len(platform.sent)


def claim_seconds(sessions: SessionFactory, backlog: int, claims: int = 20) -> float:
    """Seconds one claim of the sender's size takes with `backlog` rows due."""
    _backlog(sessions, backlog)
    _queue(sessions, "T0QUIET", [NewMessage("channel", "C0QUIET", VIEW, key="digest:quiet")])
    took = 0.0
    for n in range(claims):
        with sessions.begin() as session:
            began = time.perf_counter()
            outbox.claim_due(
                session=session,
                now=START,
                holder=f"bench-{n}",
                limit=200,
                claim_for=timedelta(minutes=1),
            )
            took += time.perf_counter() - began
            session.rollback()  # every claim sees the whole backlog due
    return took / claims


def _database(postgres: str | None, folder: Path) -> tuple[str, str | None]:
    """A fresh database's URL, and the name to drop afterwards on PostgreSQL."""
    if postgres is None:
        return f"sqlite:///{folder / f'fair-{uuid.uuid4().hex[:6]}.db'}", None
    name = f"okrbot_bench_fair_{uuid.uuid4().hex[:8]}"
    _admin(postgres, f'CREATE DATABASE "{name}"')
    return make_url(postgres).set(database=name).render_as_string(hide_password=False), name


def _admin(server: str, statement: str) -> None:
    admin = make_engine(server)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def _drop(postgres: str | None, name: str | None) -> None:
    if postgres is not None and name is not None:
        _admin(postgres, f'DROP DATABASE IF EXISTS "{name}"')


def _fresh(postgres: str | None, folder: Path, run: Callable[[SessionFactory], _T]) -> _T:
    """`run` on a freshly migrated database of its own."""
    url, name = _database(postgres, folder)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine=engine)
        return run(SessionFactory(engine))
    finally:
        engine.dispose()
        _drop(postgres, name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fairness")
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--postgres", metavar="URL")
    args = parser.parse_args(argv)
    backlog = args.backlog
    where = "PostgreSQL" if args.postgres else "SQLite"
    with tempfile.TemporaryDirectory() as folder:
        place, sends = _fresh(args.postgres, Path(folder), lambda s: wait_in_sends(s, backlog))
        big = _fresh(args.postgres, Path(folder), lambda s: claim_seconds(s, backlog))
        small = _fresh(args.postgres, Path(folder), lambda s: claim_seconds(s, backlog // 10))
    print(f"fairness on {where}: workspace A {backlog:,} DMs due, then B's channel post")
    print(f"  B sent as send {place:,} of {sends:,} (queue place {backlog + 1:,})")
    print(f"  B's wait in sends / its queue place: {place / (backlog + 1):.4f}")
    print(
        f"  one claim of 200: {big * 1000:.1f} ms with {backlog:,} due, "
        f"{small * 1000:.1f} ms with {backlog // 10:,} due (ratio {big / small:.1f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
