"""The trial on the outbox and the operators' commands, through the real `okrbot` command."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.delivery import Bucket, Outgoing, SendFailed
from bot.outbox import OutboxSender
from bot.settings import Settings, env_name
from handlers.clock import ManualClock
from handlers.views import Message, Text, to_json
from storage import migrate
from storage.db import SessionFactory, make_engine
from storage.repos import installs, outbox, workspaces
from storage.repos.outbox import NewMessage

pytestmark = pytest.mark.sqlite_only(
    "the trial and these commands' fixtures use SQLite files by design"
)

START = "2026-11-27T09:00:00+08:00"  # Friday of 2026-W48 in Shanghai, where the demo works


@pytest.fixture(autouse=True)
def cwd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
    monkeypatch.setenv("OKRBOT_CONSOLE_START", START)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@dataclass
class Run:
    code: int
    out: str
    err: str


def okrbot(
    argv: Sequence[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str = "",
) -> Run:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


DIGEST_HEADERS = ("── to #marketing ──", "── to #sales ──", "── to #rnd ──")


def test_the_trial_restarted_after_friday_evening_shows_no_digest_twice(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = okrbot([], capsys, monkeypatch, ":time fri 17:30\n:quit\n")
    assert first.code == 0, first.err
    for header in DIGEST_HEADERS:
        assert first.out.count(header) == 1, header
    # The check-in prompt at 15:00 and the reminder at 16:00 (she has not checked in).
    assert first.out.count("── DM to Alice Smith (@alice) ──") == 2

    again = okrbot([], capsys, monkeypatch, ":time fri 17:45\n:time +1h\n:quit\n")
    assert again.code == 0, again.err
    # The trial continues at the time it stopped, not at OKRBOT_CONSOLE_START.
    assert "[Fri 27 Nov 17:30 Asia/Shanghai] alice> :time fri 17:45" in again.out
    for header in (*DIGEST_HEADERS, "── DM to"):
        assert header not in again.out, header
    assert again.out.count("Nothing fell due on the way.") == 2


def test_a_triggered_digest_shows_in_the_trial_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    okrbot([], capsys, monkeypatch, ":quit\n")
    queued = okrbot(["trigger", "digest", "--team", "Marketing", "--trial"], capsys, monkeypatch)
    assert queued.code == 0, queued.err
    assert queued.out == (
        "Queued 1 delivery of the digest of team Marketing for week 2026-W48; "
        "the running bot sends it.\n"
    )
    again = okrbot(["trigger", "digest", "--team", "marketing", "--trial"], capsys, monkeypatch)
    assert "is already in the outbox (1 delivery): nothing written" in again.out

    trial = okrbot([], capsys, monkeypatch, ":time fri 17:30\n:quit\n")
    # Shown when the trial opens, and not again when its moment comes.
    assert trial.out.count("── to #marketing ──") == 1
    assert trial.out.index("── to #marketing ──") < trial.out.index("alice> :time fri 17:30")
    assert trial.out.count("── to #sales ──") == 1


def test_trigger_refuses_an_unknown_team_or_week_clearly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    okrbot([], capsys, monkeypatch, ":quit\n")
    team = okrbot(["trigger", "digest", "--team", "Finance", "--trial"], capsys, monkeypatch)
    assert (team.code, team.err) == (
        2,
        "okrbot: there is no team named 'Finance'; the teams are: Marketing, R&D, Sales\n",
    )
    week = okrbot(
        ["trigger", "plan", "--team", "Sales", "--week", "49", "--trial"], capsys, monkeypatch
    )
    assert (week.code, week.err) == (2, "okrbot: '49' is not a week; write it like 2026-W49\n")


def test_status_shows_the_trials_next_moments_and_last_deliveries(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    okrbot([], capsys, monkeypatch, ":time fri 17:30\n:quit\n")
    run = okrbot(["status", "--trial"], capsys, monkeypatch)
    assert run.code == 0, run.err
    assert "Terminal clock of demo: Fri 27 Nov 2026 09:30 UTC" in run.out
    assert (
        "Demo Co. (console) · Marketing (Asia/Shanghai): "
        "plan Mon 30 Nov 09:30, checkin Fri 04 Dec 15:00, remind Fri 04 Dec 16:00, "
        "digest Fri 04 Dec 17:00"
    ) in run.out
    # Friday's check-in prompts, reminders and digests, all sent.
    assert re.search(r"Outbox: 0 pending, 0 sending, [1-9][0-9]* sent, 0 dead", run.out)
    assert "console channel marketing · digest:team3:2026-W48" in run.out


@dataclass
class Down:
    """A platform that is down, then comes back."""

    platform: str = "slack"
    up: bool = False
    posted: list[str] = field(default_factory=list)

    def buckets(self, item: Outgoing) -> Sequence[Bucket]:
        return ()

    def send(self, item: Outgoing) -> str:
        if not self.up:
            raise SendFailed("HTTP 503 from chat.postMessage", retryable=True)
        self.posted.append(item.key)
        return "1700000000.000100"

    def update(self, item: Outgoing) -> str:
        return self.send(item)


def test_a_dead_message_is_shown_by_status_and_sent_after_outbox_retry(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{cwd / 'bot.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine=engine)
    sessions = SessionFactory(engine)
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    view = json.dumps(to_json(Message("Digest", (Text("Wins"),))))
    with sessions.begin() as session:
        ws = workspaces.get_or_create_workspace(session=session, platform="slack", external_id="T1")
        assert ws.id is not None
        outbox.enqueue(
            session=session,
            workspace_id=ws.id,
            platform="slack",
            messages=[NewMessage("channel", "C0GROWTH", view, key="digest:team1:2026-W48")],
            now=now,
        )
    clock = ManualClock(now)
    platform = Down()

    def sleep(seconds: float) -> None:
        clock.set(clock.now() + timedelta(seconds=seconds))

    sender = OutboxSender(
        sessions=sessions, senders=[platform], clock=clock, sleep=sleep, max_attempts=3
    )
    for _ in range(3):
        sender.run_once()
        clock.set(clock.now() + timedelta(hours=1))

    status = okrbot(["status", "--database-url", url], capsys, monkeypatch)
    assert "Outbox: 0 pending, 0 sending, 0 sent, 1 dead" in status.out
    assert (
        "    slack channel C0GROWTH · digest:team1:2026-W48 after 3 attempts: "
        "HTTP 503 from chat.postMessage"
    ) in status.out

    retry = okrbot(["outbox", "retry", "--database-url", url], capsys, monkeypatch)
    assert retry.out == "Requeued 1 dead message; the running bot sends them now.\n"
    platform.up = True
    clock.set(datetime.now(UTC))  # requeued at the real time the command ran
    sender.run_once()
    assert platform.posted == ["digest:team1:2026-W48"]
    after = okrbot(["status", "--database-url", url], capsys, monkeypatch)
    assert "Outbox: 0 pending, 0 sending, 1 sent, 0 dead" in after.out
    assert (
        "No dead messages"
        in okrbot(["outbox", "retry", "--database-url", url], capsys, monkeypatch).out
    )
    engine.dispose()


def test_workspaces_lists_each_install_with_its_state_and_what_it_holds(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{cwd / 'bot.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine=engine)
    sessions = SessionFactory(engine)
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    left = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
    view = json.dumps(to_json(Message("Digest", (Text("Wins"),))))
    with sessions.begin() as session:
        installs.installed(
            session=session, platform="slack", external_id="T0ACME0001", at=at, now=at, name="Acme"
        )
        beta = installs.installed(
            session=session, platform="slack", external_id="T0BETA0001", at=at, now=at, name="Beta"
        ).workspace
        assert beta.id is not None
        workspaces.upsert_member(
            session=session, workspace_id=beta.id, external_id="U0BEN00001", display_name="Ben"
        )
        outbox.enqueue(
            session=session,
            workspace_id=beta.id,
            platform="slack",
            messages=[NewMessage("channel", "C0GROWTH", view, key="digest:team1:2026-W48")],
            now=at,
        )
        installs.uninstall(session=session, platform="slack", external_id="T0BETA0001", at=left)
    monkeypatch.setenv("OKRBOT_RETENTION_DAYS", "30")
    listed = okrbot(["workspaces", "--database-url", url], capsys, monkeypatch)
    assert listed.code == 0, listed.err
    assert listed.out.splitlines() == [
        "Workspaces: 2",
        "  slack T0ACME0001 · Acme · installed Fri 20 Nov 2026 09:00 UTC · 0 members, 0 teams"
        " · outbox 0 pending, 0 parked, 0 dead",
        "  slack T0BETA0001 · Beta · uninstalled Wed 25 Nov 2026 12:30 UTC, forgotten after"
        " Fri 25 Dec 2026 12:30 UTC · 1 members, 0 teams · outbox 0 pending, 1 parked, 0 dead",
    ]
    monkeypatch.delenv("OKRBOT_RETENTION_DAYS")
    status = okrbot(["status", "--database-url", url], capsys, monkeypatch)
    assert "  slack T0BETA0001 · Beta · uninstalled Wed 25 Nov 2026 12:30 UTC · 1 members" in (
        status.out
    )


def _dead_digest(sessions: SessionFactory, workspace_id: int, key: str, at: datetime) -> None:
    """A channel post given up on, as the sender leaves it after its last attempt."""
    view = json.dumps(to_json(Message("Digest", (Text("Wins"),))))
    with sessions.begin() as session:
        outbox.enqueue(
            session=session,
            workspace_id=workspace_id,
            platform="slack",
            messages=[NewMessage("channel", "C0GROWTH", view, key=key)],
            now=at,
        )
        claimed = outbox.claim_due(
            session=session, now=at, holder="sender", limit=50, claim_for=timedelta(minutes=1)
        )
        for row in claimed:
            assert row.id is not None
            outbox.mark_dead(session=session, message_id=row.id, error="HTTP 503", holder="sender")


def test_workspace_keeps_every_operator_command_to_one_workspace(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{cwd / 'bot.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine=engine)
    sessions = SessionFactory(engine)
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    ids = {}
    with sessions.begin() as session:
        for team, name in (("T0ACME0001", "Acme"), ("T0BETA0001", "Beta")):
            made = installs.installed(
                session=session, platform="slack", external_id=team, at=at, now=at, name=name
            ).workspace
            assert made.id is not None
            ids[name] = made.id
    _dead_digest(sessions, ids["Acme"], "digest:acme:2026-W47", at)
    _dead_digest(sessions, ids["Beta"], "digest:beta:2026-W47", at)
    args = ["--database-url", url]

    status = okrbot(["status", "--workspace", "Beta", *args], capsys, monkeypatch)
    assert status.code == 0, status.err
    assert "Beta (slack:T0BETA0001) only" in status.out.splitlines()[0]
    assert "Outbox: 0 pending, 0 sending, 0 sent, 1 dead" in status.out
    assert "digest:beta:2026-W47" in status.out and "acme" not in status.out.lower()
    assert "Workspaces: 1" in status.out
    everyone = okrbot(["status", *args], capsys, monkeypatch)
    assert "Outbox: 0 pending, 0 sending, 0 sent, 2 dead" in everyone.out

    listed = okrbot(["workspaces", "--workspace", "slack:T0ACME0001", *args], capsys, monkeypatch)
    assert listed.code == 0, listed.err
    assert listed.out.splitlines()[0] == "Workspaces: 1"
    assert "T0ACME0001 · Acme" in listed.out and "Beta" not in listed.out

    retry = okrbot(["outbox", "retry", "--workspace", "acme", *args], capsys, monkeypatch)
    assert retry.out == (
        "Requeued 1 dead message in Acme (slack:T0ACME0001); the running bot sends them now.\n"
    )
    with sessions.read() as session:
        assert outbox.counts(session=session, workspace_id=ids["Acme"])["dead"] == 0
        assert outbox.counts(session=session, workspace_id=ids["Beta"])["dead"] == 1
    again = okrbot(["outbox", "retry", "--workspace", "Acme", *args], capsys, monkeypatch)
    assert again.out == "No dead messages in Acme (slack:T0ACME0001): nothing to retry.\n"

    # A workspace that is not there is named, with the ones that are; nothing changes.
    known = "Acme (slack:T0ACME0001), Beta (slack:T0BETA0001)"
    for command in (
        ["status"],
        ["workspaces"],
        ["outbox", "retry"],
        ["trigger", "digest", "--team", "Growth"],
    ):
        refused = okrbot([*command, "--workspace", "Gamma", *args], capsys, monkeypatch)
        assert (refused.code, refused.out) == (2, ""), command
        assert refused.err == (
            f"okrbot: There is no workspace Gamma; the workspaces are: {known}.\n"
        ), command
    with sessions.read() as session:
        assert outbox.counts(session=session, workspace_id=ids["Beta"])["dead"] == 1
    engine.dispose()
