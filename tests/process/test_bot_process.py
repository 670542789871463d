"""`okrbot run` as a real process: health, graceful stop, crashes, restarts and replicas.

Every process here listens on 127.0.0.1 only, on a port the OS picks, and is
killed at the end of its test whatever happens. The chat platform is the
recorder of bot/testaids.py, which writes one line per send attempt; time is
the clock file the processes read, so a Friday comes in a second.

About "exactly once": the outbox records rows sent in small batches right
after the platform accepted them. A process killed with -9 in between leaves
those rows claimed; whoever takes them over finds them in the recorder's file
(its stand-in for a platform's history) and does not send them again. No key
may be missing and none repeated, after a kill -9 or a graceful stop.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.cli import main
from bot.settings import Settings, env_name
from storage.db import SessionFactory, make_engine
from storage.models import OutboxMessage, SchedulerState, Team
from storage.repos import workspaces
from tests.bot_process import Bots, ClockFile, wait_for
from tests.fakes.slack_api import (
    GOOD_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    FakeUser,
    SlackDriver,
    http_post,
)

# Friday of ISO week 2026-W49, an hour before the teams' 17:00 digest (UTC teams).
FRIDAY_1600 = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
WEEK = "2026-W49"


def seed_teams(database_url: str, count: int) -> list[int]:
    """A Slack workspace with `count` teams, each posting to its own channel; their ids.

    The teams have no members, so their moments are channel posts only: one per team.
    """
    engine = make_engine(database_url)
    try:
        with SessionFactory(engine).begin() as session:
            workspace = workspaces.get_or_create_workspace(
                session=session, platform="slack", external_id="T0PROCESS"
            )
            assert workspace.id is not None
            ids = []
            for n in range(count):
                team = workspaces.create_team(
                    session=session,
                    workspace_id=workspace.id,
                    name=f"Team {n}",
                    channel_external_id=f"C{n:04d}",
                    timezone="UTC",
                )
                assert team.id is not None
                ids.append(team.id)
            return ids
    finally:
        engine.dispose()


def digest_keys(team_ids: list[int], week: str = WEEK) -> set[str]:
    return {f"digest:team{team_id}:{week}" for team_id in team_ids}


class Db:
    """Reads the bot's database from the test's side."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = SessionFactory(self.engine)

    def rhythm(self) -> SchedulerState | None:
        with self.sessions.begin() as session:
            return session.get(SchedulerState, "rhythm")

    def outbox_states(self) -> dict[str, str]:
        with self.sessions.begin() as session:
            rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
            return {row.key: row.state for row in rows}

    def teams(self) -> list[int]:
        with self.sessions.begin() as session:
            return [t.id for t in session.exec(select(Team)).all() if t.id is not None]

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    found = Db(database_url)
    yield found
    found.close()


@pytest.fixture
def clock(tmp_path: Path) -> ClockFile:
    return ClockFile(tmp_path / "now.txt", FRIDAY_1600)


@pytest.fixture
def bots(tmp_path: Path, database_url: str, clock: ClockFile) -> Iterator[Bots]:
    made = Bots(workdir=tmp_path, database_url=database_url, clock=clock, extra={})
    try:
        yield made
    finally:
        made.close()


def watermark_reached(db: Db, instant: datetime) -> bool:
    state = db.rhythm()
    return state is not None and state.watermark is not None and state.watermark >= instant


def test_run_without_a_platform_says_what_to_set_and_points_to_the_trial(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
    monkeypatch.chdir(tmp_path)

    assert main(["run"]) == 2

    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "FEISHU_APP_ID" in err
    assert "okrbot console --demo" in err
    assert not (tmp_path / "okrbot.db").exists()  # it explained itself before touching anything


def test_run_with_a_refused_slack_token_names_the_setting(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
    monkeypatch.chdir(tmp_path)
    slack = FakeSlack(refused_tokens={"xoxb-999-revoked"}).start()
    try:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-999-revoked")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        assert main(["run", "--port", "0"]) == 2
    finally:
        slack.stop()
    err = capsys.readouterr().err
    assert "okrbot: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in err


def test_healthz_reports_the_scheduler_and_the_outbox_and_sigterm_stops_cleanly(
    bots: Bots, db: Db, database_url: str, clock: ClockFile
) -> None:
    team_ids = seed_teams(database_url, 3)
    bot = bots.new().start()
    wait_for("the first tick", lambda: watermark_reached(db, FRIDAY_1600), timeout=20)

    status, health = bot.get("/healthz")
    assert status == 200
    assert health["status"] == "ok"
    assert health["database"]["reachable"] is True
    assert health["database"]["schema"] == "current"
    assert health["scheduler"]["holder"] == bot.holder
    assert health["scheduler"]["last_tick"] is not None
    assert health["outbox"] == {"pending": 0, "dead": 0, "parked": 0}

    clock.set(FRIDAY_1600 + timedelta(hours=1, minutes=1))
    wait_for("the digests", lambda: bots.recording.keys() == digest_keys(team_ids), timeout=20)
    assert set(bots.recording.attempts().values()) == {1}
    assert bot.get("/nowhere")[0] == 404

    started = time.monotonic()
    assert bot.terminate(timeout=10) == 0
    assert time.monotonic() - started < 10
    assert "handed the scheduler lease back" in bot.log()
    state = db.rhythm()
    assert state is not None and state.holder is None  # another replica need not wait it out
    assert set(db.outbox_states().values()) == {"sent"}


def test_a_bot_killed_while_sending_a_large_friday_run_delivers_every_digest_after_restart(
    bots: Bots, db: Db, database_url: str, clock: ClockFile
) -> None:
    team_ids = seed_teams(database_url, 60)
    expected = digest_keys(team_ids)
    first = bots.new(OKRBOT_TEST_SEND_SECONDS="0.04").start()
    wait_for("the first tick", lambda: watermark_reached(db, FRIDAY_1600), timeout=20)

    clock.set(FRIDAY_1600 + timedelta(hours=1, minutes=1))
    wait_for("a part of the run", lambda: len(bots.recording.lines()) >= 15, timeout=30)
    first.kill()
    sent_before = bots.recording.keys()
    assert sent_before < expected, "the kill came after the whole run: nothing was proven"

    # A minute later by the bots' clock, the dead process's claims have run out.
    clock.set(clock.now + timedelta(minutes=1))
    second = bots.new("restarted").start()
    wait_for("every digest", lambda: bots.recording.keys() == expected, timeout=40)
    wait_for(
        "every row marked sent",
        lambda: set(db.outbox_states().values()) == {"sent"},
        timeout=20,
    )

    attempts = bots.recording.attempts()
    repeated = {key: n for key, n in attempts.items() if n > 1}
    # Rows sent but not yet recorded when the process died were found, not sent again.
    assert repeated == {}
    assert set(db.outbox_states()) == expected  # nothing else was written, nothing twice
    assert second.terminate() == 0


def test_moments_missed_while_stopped_are_caught_up_once_or_skipped_when_too_old(
    bots: Bots, db: Db, database_url: str, clock: ClockFile
) -> None:
    team_ids = seed_teams(database_url, 2)
    bot = bots.new().start()
    wait_for("the first tick", lambda: watermark_reached(db, FRIDAY_1600), timeout=20)
    assert bot.terminate() == 0

    # Down over the 17:00 digest for half an hour: well within OKRBOT_CATCH_UP (2 h).
    clock.set(FRIDAY_1600 + timedelta(hours=1, minutes=30))
    bot = bots.new("after-30-minutes").start()
    wait_for(
        "the caught-up digests", lambda: bots.recording.keys() == digest_keys(team_ids), timeout=20
    )
    wait_for("the watermark", lambda: watermark_reached(db, clock.now), timeout=20)
    assert bot.terminate() == 0
    assert set(bots.recording.attempts().values()) == {1}

    # Down from Friday evening until next Friday, 5 h after its digest: too old to send.
    next_friday_late = FRIDAY_1600 + timedelta(days=7, hours=6)
    clock.set(next_friday_late)
    bot = bots.new("after-a-week").start()
    wait_for("the watermark", lambda: watermark_reached(db, next_friday_late), timeout=20)
    assert bot.terminate() == 0
    log = bot.log()
    assert "skipped the digest of team Team 0" in log
    assert "skipped the digest of team Team 1" in log
    # Nothing of week 50 went out, and week 49's digests were not repeated by the restart.
    assert bots.recording.keys() == digest_keys(team_ids)
    assert set(bots.recording.attempts().values()) == {1}


def test_sigint_stops_like_sigterm(bots: Bots, db: Db, database_url: str) -> None:
    seed_teams(database_url, 1)
    bot = bots.new().start()
    wait_for("the first tick", lambda: watermark_reached(db, FRIDAY_1600), timeout=20)
    os.kill(bot.pid, signal.SIGINT)
    assert bot.popen is not None
    assert bot.popen.wait(10) == 0
    assert "stopped" in bot.log()


MONDAY_0000 = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # ISO week 2026-W49 begins


@pytest.mark.postgres_only("several bot processes share one database only on PostgreSQL")
def test_two_replicas_deliver_100_moments_once_and_one_takes_over_when_the_holder_dies(
    bots: Bots, db: Db, database_url: str, clock: ClockFile
) -> None:
    # Ten teams, five weeks, a Monday plan and a Friday digest each: 100 moments
    # (and the other moments of the rhythm, such as a month's review, on top).
    team_ids = seed_teams(database_url, 10)
    weeks = [f"2026-W{n}" for n in range(49, 54)]
    weekly = {
        f"{kind}:team{team}:{week}"
        for kind in ("plan", "digest")
        for team in team_ids
        for week in weeks
    }
    assert len(weekly) == 100
    # ... and November's monthly review on the first Monday of December, once per team.
    reviews = {f"review:team{team}:2026-11" for team in team_ids}
    clock.set(MONDAY_0000)
    # The clock moves a day at a time: every moment of the day is within the catch-up.
    first = bots.new("a", OKRBOT_CATCH_UP="P2D").start()
    second = bots.new("b", OKRBOT_CATCH_UP="P2D").start()
    replicas = {first.holder: first, second.holder: second}
    wait_for("the first tick", lambda: watermark_reached(db, MONDAY_0000), timeout=20)

    def holder() -> str | None:
        state = db.rhythm()
        return state.holder if state is not None else None

    def drained() -> bool:
        return set(db.outbox_states().values()) <= {"sent"}

    def day(n: int) -> None:
        # A day passes only once the sends of the last one are done: outbox claims are
        # measured on this clock, and a day's jump would expire a claim mid-send.
        wait_for("the outbox drained", drained, timeout=20)
        clock.set(MONDAY_0000 + timedelta(days=n))
        wait_for(f"day {n} ticked", lambda: watermark_reached(db, clock.now), timeout=20)

    for n in range(1, 15):  # two weeks with both processes up
        day(n)
    assert holder() in replicas
    assert sum(1 for h in (first.holder, second.holder) if h == holder()) == 1

    dead = replicas[str(holder())]
    survivor = second if dead is first else first
    dead.kill()
    killed_at = time.monotonic()
    wait_for("the survivor to take the lease", lambda: holder() == survivor.holder, timeout=15)
    taken_after = time.monotonic() - killed_at
    # The lease runs out 3 s after the dead holder's last renewal; then the survivor's
    # next tick (every 0.2 s) takes it. The rest is slack for a loaded machine.
    assert taken_after < 3 + 3, f"took {taken_after:.1f} s with OKRBOT_LEASE=PT3S"

    for n in range(15, 35):  # the rest of the five weeks on the survivor alone
        day(n)
    wait_for("all marked sent", lambda: set(db.outbox_states().values()) == {"sent"}, timeout=30)
    written = set(db.outbox_states())
    assert weekly | reviews <= written, sorted((weekly | reviews) - written)
    assert all(key.split(":")[1] in {f"team{t}" for t in team_ids} for key in written)

    # Every written delivery reached the platform; the holder died between two days,
    # with nothing in flight, so nothing may repeat.
    assert bots.recording.keys() == written
    assert set(bots.recording.attempts().values()) == {1}
    assert survivor.terminate() == 0


def test_a_signed_slack_command_reaches_the_running_bot_over_http(
    bots: Bots, db: Db, database_url: str
) -> None:
    slack = FakeSlack(users={"U0ALICE": FakeUser("Alice")}).start()
    try:
        bot = bots.new(
            "slack",
            SLACK_API_URL=slack.api_url,
            SLACK_BOT_TOKEN=GOOD_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
        ).start()
        driver = SlackDriver(http_post(f"http://127.0.0.1:{bot.port}/slack/events"), slack)

        sent = driver.command("U0ALICE", "help")
        assert sent.status == 200, sent.body
        assert sent.seconds < 3
        url = driver.last_response_url
        answer = slack.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
        assert "checkin" in json.dumps(answer.args)

        forged = driver.command("U0ALICE", "help", secret="not-the-signing-secret")
        assert forged.status == 401
        assert bot.terminate() == 0
    finally:
        slack.stop()
