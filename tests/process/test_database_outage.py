"""When the database cannot be reached: a polite "try again", and a bot that recovers alone."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.app import OkrApp
from handlers.clock import ManualClock
from handlers.events import Actor, Command
from storage import migrate
from storage.db import SessionFactory, make_engine
from tests.bot_process import Bots, ClockFile, wait_for
from tests.conftest import WEDNESDAY, text_of
from tests.databases import on_postgres
from tests.fakes.slack_api import (
    GOOD_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    FakeUser,
    SlackDriver,
    http_post,
)
from tests.process.test_bot_process import FRIDAY_1600, Db, seed_teams, watermark_reached


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unreachable_url(tmp_path: Path) -> str:
    if on_postgres():
        return f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/okrbot"
    return f"sqlite:///{tmp_path}"  # a directory: SQLite cannot open it as a database


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "I can't reach my database right now, so nothing was saved."),
        ("zh", "我暂时连不上数据库，这次没有保存任何内容。"),
    ],
)
def test_a_command_while_the_database_is_down_gets_a_clear_try_again(
    tmp_path: Path, locale: str, expected: str
) -> None:
    engine = make_engine(_unreachable_url(tmp_path))
    try:
        app = OkrApp(sessions=SessionFactory(engine), clock=ManualClock(WEDNESDAY))
        actor = Actor(platform="slack", workspace_id="T1", user_id="U1", locale=locale)
        outcome = app.handle(Command(actor=actor, text="checkin KR1 5"))
    finally:
        engine.dispose()
    assert expected in text_of(outcome).replace("\n", " ")


# --- a real outage under a running bot ---------------------------------------------


class OwnPostgres:
    """A PostgreSQL cluster of this test's own, so the test may stop and start it."""

    def __init__(self, workdir: Path) -> None:
        self.bindir = _postgres_bindir()
        self.data = workdir / "pgdata"
        self.port = _closed_port()
        self.user = "postgres" if _is_root() else None

    def _run(self, *args: str) -> None:
        command = [*args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self.data.mkdir()
        if self.user is not None:
            shutil.chown(self.data, self.user)
            shutil.chown(self.data.parent, self.user)
        self._run(
            f"{self.bindir}/initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            f"{self.bindir}/pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.data / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        self._run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


def _postgres_bindir() -> str | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return str(found[-1].parent)
    pg_ctl = shutil.which("pg_ctl")
    return str(Path(pg_ctl).parent) if pg_ctl else None


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    if _postgres_bindir() is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    # Not under pytest's root-only temp dir: the server runs as an unprivileged user.
    workdir = Path(tempfile.mkdtemp(prefix="okrbot-test-pg-"))
    server = OwnPostgres(workdir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()  # unless the test left it stopped
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.postgres_only("stopping the database server under a running bot needs a server")
def test_a_database_restart_under_a_running_bot_is_survived_without_losing_anything(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    engine = make_engine(own_postgres.url)
    migrate.upgrade(engine=engine)
    engine.dispose()
    team_ids = seed_teams(own_postgres.url, 3)
    clock = ClockFile(tmp_path / "now.txt", FRIDAY_1600)
    bots = Bots(workdir=tmp_path, database_url=own_postgres.url, clock=clock, extra={})
    db = Db(own_postgres.url)
    slack = FakeSlack(users={"U0ALICE": FakeUser("Alice")}).start()
    try:
        bot = bots.new(
            SLACK_API_URL=slack.api_url,
            SLACK_BOT_TOKEN=GOOD_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
        ).start()
        driver = SlackDriver(http_post(f"http://127.0.0.1:{bot.port}/slack/events"), slack)
        wait_for("the first tick", lambda: watermark_reached(db, FRIDAY_1600), timeout=20)
        assert bot.get("/healthz")[0] == 200
        db.engine.dispose()

        own_postgres.stop()
        status, health = bot.get("/healthz")
        assert status == 503
        assert health["database"]["reachable"] is False
        # The digest falls due during the outage: it must not be lost.
        clock.set(FRIDAY_1600 + timedelta(hours=1, minutes=1))
        wait_for("a failed tick", lambda: "tick failed" in bot.log(), timeout=20)
        assert "I can't reach my database right now" in answer_of(
            driver, slack, "kudos @bob thanks"
        )

        own_postgres.start()
        wait_for("health again", lambda: bot.get("/healthz")[0] == 200, timeout=30)
        # The teams are in a Slack workspace: their digests go to the fake Slack.
        channels = {f"C{n:04d}" for n in range(len(team_ids))}

        def posted() -> list[str]:
            return [str(call.args.get("channel")) for call in slack.of("chat.postMessage")]

        wait_for("the digests due during the outage", lambda: set(posted()) == channels, timeout=30)
        assert sorted(posted()) == sorted(channels)  # each once
        assert "Objective" in answer_of(driver, slack, "new Objective | Things: 0 -> 10 things")
        assert bot.alive()
        assert bot.terminate() == 0
    finally:
        bots.close()
        db.close()
        slack.stop()


def answer_of(driver: SlackDriver, slack: FakeSlack, text: str) -> str:
    """A slash command's private answer, as the bot posts it to the response_url."""
    sent = driver.command("U0ALICE", text)
    assert sent.status == 200, sent.body
    url = driver.last_response_url
    answer = slack.wait_until(lambda c: c.method == "response_url" and url.endswith(c.path))
    return json.dumps(answer.args, ensure_ascii=False)
