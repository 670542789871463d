"""The terminal trial's whole weekly loop, typed into the real `okrbot console --demo`.

This is the story a new user follows from the README: read the demo OKRs, write
an objective, plan the week, check in, ask for help, give kudos, move the clock
to Friday, read the rollup and the celebration digest, then switch to Chinese.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings, env_name

pytestmark = pytest.mark.sqlite_only("the trial keeps its data in a SQLite file by design")

MONDAY_MORNING = "2026-11-23T09:00:00+08:00"  # ISO week 2026-W48, in the demo teams' zone

STORY = """\
/okr
/okr new Grow the newsletter | Newsletter subscribers: 1000 -> 5000 subscribers | Launch the referral program | Open rate: 20 -> 35 %
/okr plan add Draft the referral email KR14 with @bob due wed
/okr plan add Film two customer stories KR11 with @mei due thu
/okr plan add Fix the signup form KR14 due fri
/okr checkin KR11 6000 confidence 7 "two reels took off in Brazil"
/okr checkin KR12 1.5 confidence 6 "reels beat carousels"
/okr plan done T9
/okr ask @bob KR11 "can you review the reel scripts?"
/okr kudos @bob "great newsletter draft"
:time fri 17:30
/okr team
/okr settings language zh
/okr 团队
:quit
"""


@pytest.fixture
def trial_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
    monkeypatch.setenv("OKRBOT_CONSOLE_START", MONDAY_MORNING)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_trial(
    script: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(script))
    assert main(["console", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return out


def section(out: str, start: str, end: str) -> str:
    """The output from `start` to the next `end`."""
    begin = out.index(start)
    return out[begin : out.index(end, begin + len(start))]


def flat(text: str) -> str:
    """Undo the terminal's word wrapping, so sentences can be matched whole."""
    return re.sub(r"\s*\n\s*", " ", text)


def test_the_whole_weekly_loop_in_the_terminal_trial(
    trial_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = run_trial(STORY, capsys, monkeypatch)
    assert "Sorry, something went wrong" not in out
    prompts = [line for line in out.splitlines() if re.match(r"^\[\w{3} \d\d \w{3} ", line)]
    assert len(prompts) == STORY.count("\n"), "every line typed got a prompt back"

    # The demo OKRs, as Alice the social-media specialist.
    assert "Your OKRs · 2026-Q4" in out
    assert re.search(r"KR11 Followers in target countries\s+▕████░░░░░░▏ 42%", out)

    # A new objective with three KRs; the task-like one is coached.
    created = section(out, "Created O7.", "alice> /okr plan add Draft")
    assert "KR14 Newsletter subscribers" in created and "KR16 Open rate" in created
    assert "KR15 reads like a task, not a result" in created
    assert "KR15 has no target yet" in created

    # Three tasks, helpers told by DM.
    assert "Planned T9 for week 2026-W48." in out and "Planned T11 for week 2026-W48." in out
    assert "── DM to Bob Jones (@bob) ──\nAlice Smith planned T9 with you as helper" in out
    assert "── DM to Mei Lin (@mei) ──" in out

    # Two check-ins with confidence and a note.
    checkin = section(out, "Checked in KR11.", "alice> /okr checkin KR12")
    assert "6,000 of 10,000 followers" in checkin and "60%" in checkin
    assert "4,200 → 6,000 followers this week (+1,800)" in checkin
    assert "two reels took off in Brazil" in checkin
    assert "Checked in KR12." in out

    assert "Nice work! Marked done:\n\n☑ T9 Draft the referral email" in out
    assert "Asked Bob Jones for help (H2)." in out
    assert "[1] Accept  [2] Decline  [3] Done" in out
    assert "Kudos sent to Bob Jones." in out

    # Friday 17:30: prompts went out at 15:00 and the digest at 17:00.
    friday = out[out.index("The clock moves on to Fri 27 Nov 17:30") :]
    digest = flat(
        section(friday, "── to #marketing ──\n🎉 Friday celebration · Marketing", "alice>")
    )
    assert digest.index("Wins this week") < digest.index("Planned vs done")
    assert (
        "📈 Alice Smith moved KR11 Followers in target countries: +1,800 followers (42% → 60%)"
        in digest
    )
    assert "✅ Alice Smith finished T9 Draft the referral email" in digest
    assert "👏 Alice Smith → Bob Jones: great newsletter draft" in digest
    assert "👏 Mei Lin → Alice Smith" not in digest, "last week's kudos stay in last week"
    assert "Not checked in yet: Mei Lin" in digest
    assert "── DM to Mei Lin (@mei) ──\nFriday check-in · week 2026-W48" in friday
    # Sales works in Chinese, so its channel gets the digest in Chinese.
    sales = flat(section(friday, "── to #sales ──\n🎉 周五庆功会 · Sales · 2026-W48", "[1]"))
    assert "信心指数下降" in sales
    assert "KR8 Sales playbooks for 4 industries（Wang Fang）：7 → 4" in sales

    rollup = section(friday, "Team Marketing · rollup · week 2026-W48", "alice> /okr settings")
    assert re.search(
        r"KR11 Followers in target countries\s+▕██████░░░░▏ 60%  6,000 of 10,000 followers"
        r" · \+1,800 this week · confidence 7/10",
        rollup,
    )
    assert "✅ Alice Smith · checked in" not in rollup, "KR14–16 are not checked in yet"
    assert "◐ Alice Smith · partly checked in" in rollup

    # The same rollup in Chinese, with the same numbers.
    chinese = out[out.index("alice> /okr 团队") :]
    assert "60%" in chinese and "6,000" in chinese and "+1,800" in chinese
    header = chinese.splitlines()[1]
    assert "Marketing" in header and re.search(r"[\u4e00-\u9fff]", header), header


def test_every_malformed_line_gets_a_polite_answer_and_the_trial_goes_on(
    trial_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = run_trial(
        "/okr checkin KR11 lots\n"
        "/okr checkin KR11 6000 confidence 11\n"
        "/okr frobnicate\n"
        "/okr ask @nobody KR11 hi\n"
        "/okr checkin KR1 10\n"
        "/okr show KR11\n"
        ":quit\n",
        capsys,
        monkeypatch,
    )
    assert '"lots" is not a number.' in out
    assert 'Confidence is a whole number from 1 to 10, not "11".' in out
    assert 'I don\'t know the command "frobnicate".' in out
    assert "I don't know anyone called @nobody in this workspace." in out
    assert "Only the owner of KR1 (or their manager) can check in on it." in out
    # None of it changed the KR: its history still ends at the seeded 4,200.
    shown = out[out.index("alice> /okr show KR11") :]
    assert "4,200 of 10,000 followers" in shown
    assert "Sorry, something went wrong" not in out
