"""A month of the rhythm in the terminal trial, typed into the real `okrbot console --demo`.

Monday prompts, a help nudge, a late change approved by the manager, the
Friday reminder only to those missing, the digest with its chart files, the
monthly review, and at the cycle's end self scores, the manager's queue with
one adjustment and its reason, and the cycle summary: each in order.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings, env_name

MONDAY_MORNING = "2026-11-23T09:00:00+08:00"

STORY = """\
:time mon 09:45
/okr ask @bob KR11 "can you review the reel scripts?"
:time thu 10:00
/okr plan add Film a launch teaser KR11
:as mei
:press 1
:as alice
/okr checkin KR11 6000 confidence 7 "two reels took off"
:time fri 17:30
:time 2026-12-07 10:30
:time 2026-12-28 10:00
/okr score KR11 0.6
/okr score KR12 0.7
:as mei
/okr score queue
:press 1
/okr score KR12 0.5 "engagement fell in December"
:quit
"""

IN_ORDER = (
    "Monday planning · week 2026-W48",
    "A gentle nudge: Alice Smith asked for your help two working days ago (H2)",
    "Alice Smith asks to change the plan after the cut-off: add a task: Film a",
    "Mei Lin approved your late change: add a task: Film a launch teaser",
    "Reminder: check in for week 2026-W48",
    "🎉 Friday celebration · Marketing · week 2026-W48",
    "okrbot-trial-images/digest-team3-2026-W48-digest-week.png",
    "Monthly review · Marketing · November 2026",
    "Time to score cycle 2026-Q4",
    "Score review · Marketing · 2026-Q4",
    "Mei Lin confirmed your score of KR11",
    "from 0.7 to 0.5. It is",
    "Reason: engagement fell in December",
    "Cycle 2026-Q4 · Marketing · scores",
    "O5 Raise brand awareness in target markets · score 0.55",
)


@pytest.fixture
def trial_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
    monkeypatch.setenv("OKRBOT_CONSOLE_START", MONDAY_MORNING)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_month_of_the_rhythm_in_the_trial_shows_each_moment_in_order(
    trial_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(STORY))
    assert main(["console", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "Traceback" not in out and "Sorry, something went wrong" not in out
    position = 0
    for marker in IN_ORDER:
        found = out.find(marker, position)
        assert found >= 0, f"{marker!r} missing after position {position}"
        position = found + len(marker)
    # The reminder went to those missing a check-in, never to Bob, who has no KRs.
    reminders = out.split("Reminder: check in for week 2026-W48")
    assert all("DM to Bob Jones" not in chunk[-200:] for chunk in reminders[:-1])
    chart = trial_dir / "okrbot-trial-images" / "digest-team3-2026-W48-digest-week.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
