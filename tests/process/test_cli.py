"""The `okrbot` command and the terminal trial, through their real entry points."""

from __future__ import annotations

import io
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.console.demo import seed_demo
from bot.console.repl import Console, parse_time
from bot.settings import Settings, env_name
from handlers.app import OkrApp, TickReport
from handlers.clock import ManualClock
from handlers.deliveries import enqueue
from handlers.events import ButtonPressed, Command, Event, FormSubmitted
from handlers.views import (
    Actions,
    Button,
    Delivery,
    Form,
    Input,
    InputKind,
    Message,
    Outcome,
    Text,
    ToChannel,
    ToUser,
    View,
)
from storage import migrate
from storage.db import SessionFactory, make_engine
from storage.repos import workspaces

# Friday of ISO week 2026-W48, 09:00 in Shanghai, where the demo teams work.
START = "2026-11-27T09:00:00+08:00"
START_AT = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cwd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean working directory and environment: no .env, no tokens, a fixed start time."""
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


# --- the command line ---------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    run = okrbot(["--version"], capsys, monkeypatch)
    assert run.code == 0
    assert run.out.strip() == "okrbot 0.1.0"


def test_db_upgrade_then_current(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{cwd / 'team.db'}")
    head = migrate.head_revision()

    before = okrbot(["db", "current"], capsys, monkeypatch)
    assert before.code == 0
    assert "has no schema yet" in before.out and "okrbot db upgrade" in before.out

    upgraded = okrbot(["db", "upgrade"], capsys, monkeypatch)
    assert upgraded.code == 0
    assert f"to revision {head}" in upgraded.out

    current = okrbot(["db", "current"], capsys, monkeypatch)
    assert current.code == 0
    assert f"at revision {head}" in current.out and "up to date" in current.out

    again = okrbot(["db", "upgrade"], capsys, monkeypatch)
    assert again.code == 0 and "already at revision" in again.out


def test_a_database_that_is_behind_is_refused_with_the_command_that_fixes_it(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite3.connect(cwd / "old.db") as connection:
        connection.execute("CREATE TABLE leftover (id INTEGER)")
    run = okrbot(
        ["console", "--database-url", f"sqlite:///{cwd / 'old.db'}"], capsys, monkeypatch, ":quit\n"
    )
    assert run.code == 2
    assert "okrbot db upgrade" in run.err
    assert "Traceback" not in run.err and len(run.err.strip().splitlines()) == 1


def test_with_a_slack_token_plain_okrbot_runs_the_bot_which_wants_an_upgraded_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "0-test-signing")
    run = okrbot([], capsys, monkeypatch)
    assert run.code == 2
    assert "okrbot db upgrade" in run.err  # `okrbot run`, not the trial, refused the new file


def test_a_bad_setting_is_one_line_naming_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Mars/Olympus_Mons")
    run = okrbot(["db", "current"], capsys, monkeypatch)
    assert run.code == 2
    assert run.err.startswith("okrbot: ") and "DEFAULT_TIMEZONE" in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_an_unknown_command_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = okrbot(["launch"], capsys, monkeypatch)
    assert run.code == 2
    assert "invalid choice" in run.err


# --- the terminal trial, end to end --------------------------------------------


def test_bare_okrbot_starts_the_demo_in_a_trial_database_of_its_own(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = okrbot([], capsys, monkeypatch, ":quit\n")
    assert run.code == 0
    assert "okrbot terminal trial · Demo Co." in run.out
    assert "You are Alice Smith (@alice)." in run.out
    assert (cwd / "okrbot-trial.db").exists()
    assert not (cwd / "okrbot.db").exists()  # the default DATABASE_URL stays untouched


def test_a_piped_console_session(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    script = ":who\n:as alice\n:time fri 17:30\n:quit\n"
    run = okrbot(["console", "--demo", "--as", "chen"], capsys, monkeypatch, script)
    assert run.code == 0, run.err
    out = run.out

    assert "[Fri 27 Nov 09:00 Asia/Shanghai] chen> :who\n" in out
    assert "→ @chen" in out
    # Chen reads Chinese, Alice English: each sees the console in their own language.
    assert "okrbot 终端试用 · Demo Co." in out
    for line in ("@chen   Chen Jing", "Sales（主管）", "@alice  Alice Smith", "Marketing"):
        assert line in out
    assert "You are now Alice Smith (@alice)." in out
    assert "[Fri 27 Nov 09:00 Asia/Shanghai] alice> :time fri 17:30\n" in out
    assert "Fri 27 Nov 17:30 Asia/Shanghai" in out
    # Friday's check-in prompts (15:00) and digests (17:00) fell due on the way.
    assert "── DM to Alice Smith (@alice) ──" in out
    assert "── to #marketing ──" in out
    assert "── to #sales ──" in out
    assert out.rstrip().endswith("[Fri 27 Nov 17:30 Asia/Shanghai] alice> :quit")


def test_rerunning_continues_the_trial_and_fresh_starts_over(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = okrbot(["console", "--demo"], capsys, monkeypatch, ":quit\n")
    assert "Your trial data lives in ./okrbot-trial.db." in first.out
    again = okrbot(["console", "--demo"], capsys, monkeypatch, ":quit\n")
    assert "Continuing the trial" in again.out
    fresh = okrbot(["console", "--demo", "--fresh"], capsys, monkeypatch, ":quit\n")
    assert "Your trial data lives in ./okrbot-trial.db." in fresh.out


def test_fresh_never_deletes_a_database_it_was_pointed_at(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = cwd / "mine.db"
    mine.write_bytes(b"")
    run = okrbot(
        ["console", "--demo", "--fresh", "--database-url", f"sqlite:///{mine}"],
        capsys,
        monkeypatch,
    )
    assert run.code == 2
    assert "--fresh only resets the trial database" in run.err
    assert mine.exists()


def test_an_unknown_demo_member_is_refused_with_the_members_listed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = okrbot(["console", "--demo", "--as", "nobody"], capsys, monkeypatch)
    assert run.code == 2
    assert "@nobody" in run.err and "@alice" in run.err


# --- the console loop, with a fake app -------------------------------------------


class FakeApp(OkrApp):
    """Records what the console sends and answers with canned views."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        clock: ManualClock,
        replies: Sequence[View] = (),
        deliveries: Sequence[Delivery] = (),
        fail: bool = False,
    ) -> None:
        super().__init__(sessions=sessions, clock=clock)
        self.replies = list(replies)
        self.deliveries = list(deliveries)
        self.fail = fail
        self.events: list[Event] = []
        self.windows: list[tuple[datetime, datetime]] = []
        self.started = clock.now()

    def handle(self, event: Event) -> Outcome:
        self.events.append(event)
        if self.fail:
            raise RuntimeError("boom")
        return Outcome(replies=list(self.replies))

    def tick(
        self,
        *,
        until: datetime,
        catch_up: timedelta | None,
        name: str = "rhythm",
        platform: str | None = None,
        workspace: str | None = None,
    ) -> TickReport:
        assert (platform, workspace) == ("console", "demo"), "the console asks for its own only"
        assert catch_up is None, "the trial's clock jumps: nothing on the way is skipped"
        since = self.windows[-1][1] if self.windows else self.started
        self.windows.append((since, until))
        # The canned deliveries go through the real outbox, as the real tick's do.
        with self.sessions.begin() as session:
            found = workspaces.find_workspace(
                session=session, platform="console", external_id="demo"
            )
            assert found is not None and found.id is not None
            enqueue(
                session,
                workspace_id=found.id,
                platform="console",
                workspace="demo",
                deliveries=self.deliveries,
                now=self.clock.now(),
            )
        return TickReport(since=since, until=until, written=len(self.deliveries))


@pytest.fixture
def sessions(cwd: Path) -> Iterator[SessionFactory]:
    engine = make_engine(f"sqlite:///{cwd / 'console.db'}")
    migrate.upgrade(engine=engine)
    factory = SessionFactory(engine)
    with factory.begin() as session:
        seed_demo(session=session, now=START_AT)
    yield factory
    engine.dispose()


def play(app: FakeApp, script: str, *, handle: str = "alice") -> str:
    out = io.StringIO()
    assert isinstance(app.clock, ManualClock)
    console = Console(
        app=app,
        sessions=app.sessions,
        clock=app.clock,
        workspace="demo",
        handle=handle,
        stdin=io.StringIO(script),
        stdout=out,
        log_path="okrbot-test.log",
    )
    assert console.run() == 0
    return out.getvalue()


def test_lines_become_commands_from_the_acting_member(sessions: SessionFactory) -> None:
    app = FakeApp(sessions=sessions, clock=ManualClock(START_AT))
    out = play(app, "/okr help\nokr plan\nmy okrs @bob\n/okr\n/remind me\n:as chen\n/okr\n")
    commands = [e for e in app.events if isinstance(e, Command)]
    assert [c.text for c in commands] == ["help", "plan", "my okrs @bob", "", ""]
    alice, chen = commands[0].actor, commands[-1].actor
    assert (alice.platform, alice.workspace_id, alice.user_id) == ("console", "demo", "alice")
    assert (alice.display_name, alice.locale) == ("Alice Smith", "en")
    assert (chen.user_id, chen.locale) == ("chen", "zh")
    assert len({c.event_id for c in commands}) == len(commands)
    assert "Only /okr commands work here" in out


def test_press_and_form_answer_what_the_person_last_saw(sessions: SessionFactory) -> None:
    buttons = Message(
        "Pick one",
        blocks=(Actions((Button("Yes", "pick.yes", "KR3"), Button("No", "pick.no", "KR3"))),),
    )
    form = Form(
        form_id="checkin",
        title="Check in",
        submit_label="Save",
        inputs=(
            Input("note", "Note"),
            Input("value", "Value", kind=InputKind.NUMBER, initial="5"),
            Input("helpers", "Helpers", kind=InputKind.USERS, required=False),
        ),
        context="KR3",
    )
    app = FakeApp(sessions=sessions, clock=ManualClock(START_AT), replies=[buttons])
    out = play(app, "/okr\n:press 2\n:press 7\n")
    pressed = app.events[1]
    assert isinstance(pressed, ButtonPressed)
    assert (pressed.action, pressed.value, pressed.actor.user_id) == ("pick.no", "KR3", "alice")
    assert "[1] Yes  [2] No" in out
    assert "from 1 to 2" in out
    assert len(app.events) == 2

    app = FakeApp(sessions=sessions, clock=ManualClock(START_AT), replies=[form])
    out = play(
        app, '/okr\n:form note="two words, \\"quoted\\"" helpers=@bob,@mei\n:as bob\n:form\n'
    )
    submitted = app.events[1]
    assert isinstance(submitted, FormSubmitted)
    assert (submitted.form_id, submitted.context) == ("checkin", "KR3")
    assert submitted.values == {
        "note": 'two words, "quoted"',
        "value": "5",  # untouched inputs keep their initial value
        "helpers": ["bob", "mei"],
    }
    assert len(app.events) == 2  # bob never saw the form
    assert "There is no form to submit" in out


def test_time_moves_forward_only_and_shows_what_fell_due(sessions: SessionFactory) -> None:
    deliveries = [
        Delivery(to=ToChannel("marketing"), message=Message("Digest", (Text("Wins first"),))),
        Delivery(to=ToUser("alice"), message=Message("Prompt", (Text("How did it go?"),))),
    ]
    clock = ManualClock(START_AT)
    app = FakeApp(sessions=sessions, clock=clock, deliveries=deliveries)
    out = play(app, ":time +2h\n:time 2026-11-01 10:00\n:time whenever\n:time mon 09:30\n")
    monday = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)
    assert app.windows == [
        (START_AT, START_AT + timedelta(hours=2)),
        (START_AT + timedelta(hours=2), monday),
    ]
    assert clock.now() == monday
    assert "Time only moves forward here" in out
    assert "I can't read that time" in out
    assert "── to #marketing ──\nWins first" in out
    assert "── DM to Alice Smith (@alice) ──\nHow did it go?" in out
    assert "[Mon 30 Nov 09:30 Asia/Shanghai] alice> " in out


def test_an_app_failure_is_one_polite_line_and_the_session_goes_on(
    sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    app = FakeApp(sessions=sessions, clock=ManualClock(START_AT), fail=True)
    with caplog.at_level(logging.ERROR):
        out = play(app, "/okr\n:who\n")
    assert "Sorry, something went wrong inside okrbot. Details are in okrbot-test.log." in out
    assert "Traceback" not in out and "boom" not in out
    assert "@chen" in out.split("Sorry")[1]  # the next line still ran
    assert any(record.exc_info for record in caplog.records)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fri 17:30", "2026-11-27 17:30"),  # later the same day
        ("fri 08:00", "2026-12-04 08:00"),  # already past: next week's
        ("Monday 09:30", "2026-11-30 09:30"),
        ("周一 09:30", "2026-11-30 09:30"),
        ("sat", "2026-11-28 09:00"),  # a weekday alone keeps the time of day
        ("17:30", "2026-11-27 17:30"),
        ("08:30", "2026-11-28 08:30"),
        ("+2h", "2026-11-27 11:00"),
        ("+1d30m", "2026-11-28 09:30"),
        ("2026-12-01 10:00", "2026-12-01 10:00"),
        ("2026-12-01T10:00", "2026-12-01 10:00"),
        ("2026-11-01 10:00", "2026-11-01 10:00"),  # in the past: the caller refuses it
    ],
)
def test_time_expressions_are_read_in_the_members_timezone(text: str, expected: str) -> None:
    target = parse_time(text, now=START_AT, tz="Asia/Shanghai")
    assert target is not None
    assert (
        target.astimezone(datetime.fromisoformat(START).tzinfo).strftime("%Y-%m-%d %H:%M")
        == expected
    )


@pytest.mark.parametrize("text", ["", "soon", "fri 25:00", "fri at 5", "2026-02-30 10:00", "+2x"])
def test_unreadable_times_are_none(text: str) -> None:
    assert parse_time(text, now=START_AT, tz="Asia/Shanghai") is None
