"""The README's trial journey, typed as the README says, on every day of the week.

The README's first command opens the trial; the journey is read from the
README itself, so the test walks exactly what a new user reads. The real time
is a test aid's file clock (no sleeping): whatever day it is, the trial opens
on this week's Monday at 09:00 and the journey works; `--now` opens it at the
real time. Pictures land in the folder the README names, and no font warning
reaches the terminal or the log.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings, env_name

pytestmark = pytest.mark.sqlite_only("the trial keeps its data in a SQLite file by design")

README = Path(__file__).resolve().parents[2] / "README.md"
# The days of ISO week 2026-W48, in the afternoon in the demo teams' zone.
MONDAY = datetime.fromisoformat("2026-11-23T14:20:00+08:00")
DAYS = [MONDAY + timedelta(days=n) for n in range(7)]


def readme_journey() -> list[str]:
    """The lines the README tells a new user to type, in order.

    They are the first column of the text block under "Type what you would type
    in chat:"; a command the comment beside them suggests ("然后试试 /okr 团队")
    is typed next.
    """
    text = README.read_text(encoding="utf-8")
    start = text.index("Type what you would type in chat:")
    block = re.search(r"```text\n(.*?)```", text[start:], re.DOTALL)
    assert block is not None, "the README's trial journey is a text block"
    lines: list[str] = []
    for row in block[1].splitlines():
        command, _, comment = row.strip().partition("  ")
        lines.append(command.strip())
        suggested = re.search(r"(/okr .+)$", comment)
        if suggested:
            lines.append(suggested[1].strip())
    return lines


def readme_image_folder() -> str:
    folder = re.search(r"saved\s+under\s+`([^`/]+)/`", README.read_text(encoding="utf-8"))
    assert folder is not None, "the README names the trial's image folder"
    return folder[1]


@pytest.fixture
def trial_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
    monkeypatch.setenv("OKRBOT_TEST_CLOCK_FILE", str(tmp_path / "real-time"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def walk(
    argv: list[str],
    when: datetime,
    trial_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """The journey typed into `okrbot ARGV` at real time `when`; what the terminal showed."""
    (trial_dir / "real-time").write_text(when.isoformat(), encoding="utf-8")
    lines = readme_journey()
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join([*lines, ":quit"]) + "\n"))
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == "", "nothing reaches the terminal's error stream, no font warning either"
    log = (trial_dir / "okrbot-trial.log").read_text(encoding="utf-8")
    assert not re.search(r"font|glyph|WARNING", log, re.IGNORECASE), log
    return out


def test_the_journey_is_read_from_the_readme() -> None:
    lines = readme_journey()
    assert lines[0] == "/okr" and lines[-1] == "/okr 团队"
    assert ":time fri 17:30" in lines and "/okr plan done T9" in lines
    assert all(line.startswith(("/okr", ":")) for line in lines)


@pytest.mark.parametrize("today", DAYS, ids=[d.strftime("%A") for d in DAYS])
def test_the_readme_journey_works_whatever_the_day(
    today: datetime,
    trial_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = walk([], today, trial_dir, capsys, monkeypatch)
    flat = re.sub(r"\s+", " ", out)
    assert "The trial's clock opens at Mon 23 Nov 09:00 Asia/Shanghai, this week's Monday" in flat
    prompts = re.findall(r"^\[(\w{3} \d\d \w{3} \d\d:\d\d) [\w/]+\] \w+> (.*)$", out, re.M)
    assert [line for _, line in prompts] == [*readme_journey(), ":quit"]
    assert prompts[0][0] == "Mon 23 Nov 09:00"
    for said in (
        "Created O7.",
        "Planned T9 for week 2026-W48.",
        "Checked in KR11.",
        "Nice work! Marked done:",
        "Asked Bob Jones for help (H2).",
        "Kudos sent to Bob Jones.",
        "The clock moves on to Fri 27 Nov 17:30",
        "🎉 Friday celebration · Marketing",
        "📈 Alice Smith moved KR11 Followers in target countries: +1,800 followers",
        "好的，之后我会用中文和你交流。",
        "Marketing · 团队进展汇总 · 2026-W48",
    ):
        assert said in flat, said
    for refused in ("There is no task", "The plan is settled", "Sorry", "I don't know"):
        assert refused not in flat, refused
    # Every picture the terminal named is in the folder the README names.
    folder = readme_image_folder()
    pictures = re.findall(r"🖼 +(\S+\.png)", out)
    assert pictures, "the digest's charts are pictures"
    for picture in pictures:
        assert picture.startswith(f"{folder}/"), picture
        assert (trial_dir / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_now_opens_the_trial_at_the_real_time(
    trial_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    thursday = DAYS[3]
    (trial_dir / "real-time").write_text(thursday.isoformat(), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("/okr\n:quit\n"))
    assert main(["--now"]) == 0
    out = capsys.readouterr().out
    assert "[Thu 26 Nov 14:20 Asia/Shanghai] alice> /okr" in out
    assert "this week's Monday" not in out
