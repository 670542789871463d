"""A whole cycle's two ends in the terminal trial, typed into the real `okrbot console --demo`.

The demo company, from the quarter's third-to-last week: the marketing team
drafts next quarter's OKRs by vote (with a tie at the cut) and Alice writes her
own, aligned; she helps R&D's head and plans with him; at the quarter's end she
answers her three questions, receives her review pack with her key results, her
tasks and the help she gave R&D; R&D's head is asked for feedback on her key
result and answers (Bob, asked too, is nudged); the committee corrects one
score with a reason on the 10-point scale, and Alice sees it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings, env_name

pytestmark = pytest.mark.sqlite_only("the trial keeps its data in a SQLite file by design")

MONDAY = "2026-12-14T09:00:00+08:00"  # 2026-W51, the quarter's third-to-last week

STORY = """\
:as zhao
/okr ask @alice KR9 "announce the partner portal to our followers?"
:as alice
/okr ask accept H2
/okr ask done H2 posted on all three channels
/okr plan add Speed up the Brazil landing page KR11 with @zhao due fri
/okr plan done T9 https://docs.example.com/brazil-landing
:as mei
/okr draft start Marketing align O1
:as alice
:press 1
:form title="Be the brand buyers name first" kr1="Qualified inbound leads: 300 -> 600 leads" kr2="Followers: 10000 -> 20000 followers"
/okr draft propose Win Brazil | Brazil signups: 0 -> 500 signups
:as bob
/okr draft propose Grow the newsletter | Subscribers: 1000 -> 5000
:as mei
/okr draft propose Speak at three trade fairs | Fairs: 0 -> 3 fairs
:time wed 18:05
:as alice
/okr draft vote #1 #4
:as bob
/okr draft vote #2 #3 #4
:as mei
:press 1
/okr draft vote #1 #2 #3
:time thu 18:05
:as alice
/okr draft vote #1.1 #2.1
:as bob
/okr draft vote #1.1 #1.2
:time fri 18:05
:as mei
/okr draft finish #1 #2
:as alice
:press 1
:form title="Win Brazil on Instagram" kr1="Brazil followers: 0 -> 5000 followers" align=O8
:time 2026-12-21 09:45
/okr review answer
:form breakthroughs="Reels in Brazil tripled our reach" problems="Influencer contracts took four weeks" lessons="Test a format small before scaling it"
:as mei
/okr settings team Marketing committee @chen
/okr settings scale 10
:time 2026-12-28 09:45
:as alice
/okr score KR11 6 reached 6,000
/okr score KR12 7
:as mei
/okr feedback ask @alice
:as zhao
:press 1
:form rating=4 comment="the launch posts brought partners in"
:time wed 09:45
:as chen
/okr committee propose KR12 5 "engagement fell in December"
:as mei
/okr committee confirm KR12
/okr committee confirm KR11
:quit
"""

# What the story shows, in the order it happens.
IN_ORDER = (
    "Asked Alice Smith for help (H2).",
    "Nice work! Marked done:",
    "Started drafting 2027-Q1 with Marketing. Proposals close Wed Dec 16 18:00.",
    "── to #marketing ──\nDrafting 2027-Q1 together · Marketing",
    "Proposed #1 Be the brand buyers name first with 2 key results.",
    "── to #marketing ──\nVote for 2027-Q1's objectives · Marketing",
    "4 objective ideas from the team.",
    "── to #marketing ──\nVote for the key results · Marketing · 2027-Q1",
    "#1, #2, #3 and #4 are tied at the cut, so all of them go on",
    "── to #marketing ──\nWhat Marketing chose for 2027-Q1",
    "Created Marketing's objectives for 2027-Q1: O7 Be the brand buyers name first; O8 Win",
    "── DM to Alice Smith (@alice) ──\nMarketing's OKRs for 2027-Q1 are set (O7 and O8).",
    "── DM to Chen Jing (@chen) ──\nMarketing 共创了 2027-Q1 的 OKR，并把 O7 和 O8 对齐到你的目标。",
    "Aligned O9 to O8.",
    "── DM to Alice Smith (@alice) ──\nYour review meeting is next week · 2026-Q4",
    "Saved for your review pack of 2026-Q4.",
    "Scores are shown on the 10-point scale now",
    "── DM to Alice Smith (@alice) ──\nReview pack · Alice Smith · 2026-Q4",
    "── to #marketing ──\nReview meeting · Marketing · 2026-Q4",
    "Scored KR11 6/10",
    "Asked Zhao Lei and Bob Jones for feedback on Alice Smith.",
    "── DM to Zhao Lei (@zhao) ──\nMei Lin asks for your feedback on Alice Smith's work on KR11",
    "Thank you: your feedback on Alice Smith (4/5) is with the scoring committee.",
    "── DM to Bob Jones (@bob) ──\nA gentle nudge: the scoring committee would like your",
    "KR12 is final at 5/10 (0.5) (self score 7/10).",
    "── DM to Alice Smith (@alice) ──\nMei Lin adjusted your score of KR12 Engagement rate from",
    "Chen Jing for the committee: engagement fell in December",
    "── to #marketing ──\nCycle 2026-Q4 · Marketing · scores",
)


@pytest.fixture
def trial_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)
    monkeypatch.setenv("OKRBOT_CONSOLE_START", MONDAY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def flat(text: str) -> str:
    """Undo the terminal's word wrapping, so sentences can be matched whole."""
    return re.sub(r"[ \t]*\n[ \t]*(?=\S)", " ", text)


def section(out: str, start: str, end: str) -> str:
    begin = out.index(start)
    return out[begin : out.index(end, begin + len(start))]


def test_a_whole_cycles_two_ends_in_the_trial(
    trial_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(STORY))
    assert main(["console", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "Traceback" not in out and "Sorry, something went wrong" not in out
    assert "The right form:" not in out, "every line of the story is understood"
    shown, position = flat(out), 0
    for marker in IN_ORDER:
        found = shown.find(flat(marker), position)
        assert found >= 0, f"{marker!r} missing after position {position}"
        position = found

    # The pack, section by section, as Alice received it, and its picture and PDF.
    pack = flat(section(out, "── DM to Alice Smith (@alice) ──\nReview pack", "📄 Review pack"))
    assert "KR11 Followers in target countries" in pack and "confidence 6 → 7 ↑" in pack
    assert (
        "✅ T9 Speed up the Brazil landing page (KR11) · with Zhao Lei · "
        "https://docs.example.com/brazil-landing"
    ) in pack
    assert (
        "H2 for Zhao Lei (R&D) · KR9 Release the partner portal: announce the partner portal "
        "to our followers? · done"
    ) in pack
    assert "Helped R&D on Release the partner portal (H2)" in pack
    assert "Breakthroughs: Reels in Brazil tripled our reach" in pack
    images = trial_dir / "okrbot-trial-images"
    saved = sorted(p.name for p in images.glob("pack-member6-2026-Q4-to6-*"))
    assert saved == [
        "pack-member6-2026-Q4-to6-review-pack-alice-2026-Q4.pdf",
        "pack-member6-2026-Q4-to6-review-pack-alice-2026-Q4.png",
    ]
    assert (images / saved[0]).read_bytes().startswith(b"%PDF")
    assert (images / saved[1]).read_bytes().startswith(b"\x89PNG")

    # The tie went on to the key result vote; the manager kept what the team agreed.
    votes = flat(section(out, "Vote for the key results · Marketing", "alice>"))
    for label in ("#1 Be the brand buyers name first", "#2 Win Brazil", "#3 Grow the newsletter"):
        assert f"✅ {label}" in votes
    # The summary shows self against final on the 10-point scale.
    summary = flat(section(out, "Cycle 2026-Q4 · Marketing · scores", "Thank you all"))
    assert "Alice Smith: self 6.5/10 → final 5.5/10 (−1/10) · 1 of 2 corrected" in summary
    # Marketing drafted already, so only the other teams' managers are asked to.
    assert "Draft 2027-Q1's OKRs together with Marketing" not in shown
    assert "和 Sales 一起共创 2027-Q1 的 OKR 吧" in shown
    # Bob was nudged once, and only Bob.
    assert out.count("A gentle nudge: the scoring committee would like your feedback") == 1
