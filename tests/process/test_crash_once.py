"""`kill -9` in the middle of a Friday and of a Monday, against a flaky, rate-limited Slack.

Real `okrbot run` processes send through the real Slack connection to the
limited fake Slack of tests/fakes/limited.py: 15 % of every call answers 5xx
(half of them after Slack acted, the answer lost), 5 % answers 429 with
Retry-After, and posts keep Slack's one a second per channel. On PostgreSQL
two replicas share the work; on SQLite one process does. Processes are
killed with -9 at random points of the run (seeded, so a failure repeats)
and started again. What must hold: every digest and DM is in its
conversation exactly once (counted by the outbox key its metadata names),
each update edited the message it replaces, and every row ends sent.

The bots' clock is the test's clock file, moved on faster than real time by
a thread so that retries and expired claims come round in seconds. Slack's
clock (message timestamps) is the same file. The sizes here are small enough
for the suite; `OKRBOT_CRASH_SCALE=full` runs the 100-team Friday and the
1,000-DM Monday.
"""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from storage.db import SessionFactory, make_engine
from storage.models import OutboxMessage, SchedulerState
from storage.repos import outbox, workspaces
from storage.repos.outbox import NewMessage
from tests.bot_process import BotProcess, Bots, ClockFile, wait_for
from tests.databases import on_postgres
from tests.fakes.limited import LimitedSlack
from tests.fakes.slack_api import GOOD_TOKEN, SIGNING_SECRET, TEAM

FULL = os.environ.get("OKRBOT_CRASH_SCALE") == "full"
FRIDAY_1659 = datetime(2026, 12, 4, 16, 59, 30, tzinfo=UTC)  # digests at 17:00
MONDAY_0929 = datetime(2026, 11, 30, 9, 29, 30, tzinfo=UTC)  # planning DMs at 09:30
SPEED = 5.0  # the bots' clock runs this many times faster than real time
LEASE = "PT30S"  # on that clock: 6 s of real time before a killed replica's rows come back


class Clock(ClockFile):
    """The clock file, moved on by a thread at SPEED until stopped; thread-safe to read."""

    def __init__(self, path: Path, start: datetime) -> None:
        self._lock = threading.Lock()
        super().__init__(path, start)
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def set(self, instant: datetime) -> None:
        with self._lock:
            super().set(instant)

    def timestamp(self) -> float:
        with self._lock:
            return self.now.timestamp()

    def run(self) -> None:
        def tick() -> None:
            while not self._stopped.wait(0.1):
                self.set(self.now + timedelta(seconds=0.1 * SPEED))

        self._thread = threading.Thread(target=tick, daemon=True)
        self._thread.start()

    def halt(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(2)


def seed(database_url: str, *, teams: int, members_per_team: int) -> None:
    engine = make_engine(database_url)
    try:
        with SessionFactory(engine).begin() as session:
            ws = workspaces.get_or_create_workspace(
                session=session, platform="slack", external_id=TEAM
            )
            assert ws.id is not None
            for t in range(teams):
                team = workspaces.create_team(
                    session=session,
                    workspace_id=ws.id,
                    name=f"Team {t}",
                    channel_external_id=f"C{t:04d}",
                    timezone="UTC",
                )
                assert team.id is not None
                for m in range(members_per_team):
                    member = workspaces.upsert_member(
                        session=session,
                        workspace_id=ws.id,
                        external_id=f"U{t:03d}{m:03d}",
                        display_name=f"Member {t}.{m}",
                        timezone="UTC",
                    )
                    assert member.id is not None
                    workspaces.add_team_member(
                        session=session, workspace_id=ws.id, team_id=team.id, member_id=member.id
                    )
    finally:
        engine.dispose()


class Db:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = SessionFactory(self.engine)

    def rows(self) -> dict[str, OutboxMessage]:
        with self.sessions.read() as session:
            return {r.key: r for r in session.exec(select(OutboxMessage))}

    def watermark(self) -> datetime | None:
        with self.sessions.read() as session:
            state = session.get(SchedulerState, "rhythm")
            return state.watermark if state is not None else None

    def add_updates(self, keys: list[str], now: datetime) -> list[str]:
        """An edit of each of these posted messages, as a later check-in writes one."""
        added = []
        with self.sessions.begin() as session:
            ws = workspaces.find_workspace(session=session, platform="slack", external_id=TEAM)
            assert ws is not None and ws.id is not None
            for key in keys:
                row = next(
                    iter(session.exec(select(OutboxMessage).where(OutboxMessage.key == key)))
                )
                outbox.enqueue(
                    session=session,
                    workspace_id=ws.id,
                    platform="slack",
                    messages=[
                        NewMessage(
                            row.recipient_kind,
                            row.recipient_id,
                            row.view,
                            key=f"{key}:update:1",
                            replaces=key,
                        )
                    ],
                    now=now,
                )
                added.append(f"{key}:update:1")
        return added

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def slack() -> Iterator[LimitedSlack]:
    fake = LimitedSlack(latency=(0.005, 0.02), fail_5xx=0.15, fail_429=0.05, lost_5xx=0.5, seed=11)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    found = Db(database_url)
    yield found
    found.close()


def run_with_kills(
    *,
    tmp_path: Path,
    database_url: str,
    slack: LimitedSlack,
    db: Db,
    start: datetime,
    expected: set[str],
    kills: int,
    seed_number: int,
) -> tuple[Counter[str], dict[str, OutboxMessage], list[str]]:
    """Run the bots over `start`, killing one `kills` times; what Slack got, the rows, the edits."""
    chooser = random.Random(seed_number)
    clock = Clock(tmp_path / "now.txt", start)
    slack.now = clock.timestamp
    env = {
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": GOOD_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "OKRBOT_LEASE": LEASE,
        "OKRBOT_TICK_SECONDS": "0.5",
    }
    bots = Bots(workdir=tmp_path, database_url=database_url, clock=clock, extra=env)
    replicas = 2 if on_postgres() else 1
    made = 0

    def new() -> BotProcess:
        nonlocal made
        made += 1
        return bots.new(f"bot{made}").start()

    updates: list[str] = []
    try:
        running = [new() for _ in range(replicas)]
        wait_for("the first tick", lambda: (db.watermark() or start) >= start, timeout=30)
        clock.run()
        for kill in range(kills):
            # A random point of the run: after some share of the messages reached Slack.
            goal = int(len(expected) * chooser.uniform(0.15, 0.6) * (kill + 1) / kills)
            wait_for(
                f"{goal} messages before kill {kill + 1}",
                lambda goal=goal: sum(slack.posted_keys().values()) >= goal,  # type: ignore[misc]
                timeout=60,
            )
            if not updates:
                # Edits of messages already sent, written while the run goes on.
                def sent() -> list[str]:
                    return sorted(k for k, r in db.rows().items() if r.state == "sent")

                wait_for("three rows recorded sent", lambda: len(sent()) >= 3, timeout=30)
                updates = db.add_updates(sent()[:3], clock.now)
            victim = running.pop(chooser.randrange(len(running)))
            victim.kill()
            running.append(new())
        wait_for(
            "every message in Slack",
            lambda: set(slack.posted_keys()) >= expected,
            timeout=120,
        )
        wait_for(
            "every row sent",
            lambda: {r.state for r in db.rows().values()} == {"sent"},
            timeout=120,
        )
        for bot in running:
            assert bot.terminate() == 0
    finally:
        clock.halt()
        bots.close()
    return slack.posted_keys(), db.rows(), updates


def check_once(
    slack: LimitedSlack,
    posted: Counter[str],
    rows: dict[str, OutboxMessage],
    expected: set[str],
    updates: list[str],
) -> None:
    # Every row written (the moments and the edits' originals) is in Slack once.
    written = {key for key in rows if key not in updates}
    assert expected <= written
    missing = written - set(posted)
    repeated = {key: n for key, n in posted.items() if n > 1}
    assert (missing, repeated) == (set(), {})
    assert set(posted) == written
    assert slack.volume.injected_5xx > 0 and slack.volume.injected_429 > 0
    by_ts = {m.ts: m for m in slack.messages()}
    assert updates, "no edit was written: nothing about updates was proven"
    for key in updates:
        original = rows[key.removesuffix(":update:1")]
        assert rows[key].state == "sent"
        assert rows[key].platform_ref == original.platform_ref  # edited in place
        assert original.platform_ref is not None
        ts = original.platform_ref.partition(":")[2]
        assert by_ts[ts].key == original.key and by_ts[ts].edits >= 1
    for key in written:
        channel, _, ts = (rows[key].platform_ref or "").partition(":")
        assert by_ts[ts].key == key and by_ts[ts].channel == channel


def test_kill_9_mid_friday_posts_every_digest_exactly_once(
    tmp_path: Path, database_url: str, slack: LimitedSlack, db: Db
) -> None:
    teams = 100 if FULL else 24
    seed(database_url, teams=teams, members_per_team=0)
    with db.sessions.read() as session:
        ids = [t.id for t in workspaces.list_all_teams(session=session)]
    expected = {f"digest:team{i}:2026-W49" for i in ids}
    posted, rows, updates = run_with_kills(
        tmp_path=tmp_path,
        database_url=database_url,
        slack=slack,
        db=db,
        start=FRIDAY_1659,
        expected=expected,
        kills=3 if FULL else 2,
        seed_number=49,
    )
    check_once(slack, posted, rows, expected, updates)
    assert set(rows) == expected | set(updates)


def test_kill_9_mid_monday_sends_every_planning_dm_exactly_once(
    tmp_path: Path, database_url: str, slack: LimitedSlack, db: Db
) -> None:
    teams, size = (100, 10) if FULL else (6, 10)
    seed(database_url, teams=teams, members_per_team=size)
    with db.sessions.read() as session:
        ws = workspaces.find_workspace(session=session, platform="slack", external_id=TEAM)
        assert ws is not None and ws.id is not None
        members = {m.id for m in workspaces.list_members(session=session, workspace_id=ws.id)}
    plans = {f"plan:member{m}:2026-W49" for m in members}
    assert len(plans) == teams * size
    posted, rows, updates = run_with_kills(
        tmp_path=tmp_path,
        database_url=database_url,
        slack=slack,
        db=db,
        start=MONDAY_0929,
        expected=plans,
        kills=3 if FULL else 2,
        seed_number=30,
    )
    check_once(slack, posted, rows, plans, updates)
