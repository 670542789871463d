"""`okrbot import`: the templates, validation before anything is written, and re-imports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bot.console.demo import seed_demo
from bot.transfer import commands
from handlers.clock import ManualClock
from storage.db import SessionFactory
from storage.repos import workspaces
from tests.conftest import WEDNESDAY
from tests.transfer.helpers import all_rows, okr_state, run
from tests.transfer.sample import SALES, SOUTH, WIN

DOCS = Path(__file__).resolve().parents[2] / "docs"
TEMPLATES = [
    DOCS / "import-template.csv",
    DOCS / "import-template.xlsx",
    DOCS / "import-template-zh.csv",
    DOCS / "import-template-zh.xlsx",
]


def new_workspace(
    sessions: SessionFactory, *, platform: str = "console", external_id: str = "acme"
) -> int:
    with sessions.begin() as session:
        ws = workspaces.get_or_create_workspace(
            session=session, platform=platform, external_id=external_id, name="Acme"
        )
        assert ws.id is not None
        return ws.id


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_a_template_imports_the_demo_company_with_one_command(
    template: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each template (English and Chinese headers, CSV and .xlsx) makes the same OKRs."""
    ws = new_workspace(sessions)
    code, out, _ = run(capsys, "import", str(template), "--database-url", database_url)
    assert code == 0, out
    state = okr_state(sessions, ws)
    objectives = [s for s in state if s[0] == "O"]
    assert len(objectives) == 6
    assert len([s for s in state if s[0] == "KR"]) == 13
    parents = {s[1]: s[6] for s in objectives}
    assert parents[SOUTH] == SALES  # aligned to an objective by its key
    assert parents[WIN] == "South China A-business revenue +100%"  # to a key result
    assert (
        "O",
        "Make Demo Co. the name buyers know",
        None,
        "Marketing",
        "committed",
        "2026-Q4",
        None,
    ) in state
    portal = next(s for s in state if s[0] == "KR" and s[2] == "Release the partner portal")
    assert portal[3:7] == ("milestone", 0.0, 1.0, 0.0)
    flat = next(s for s in state if s[0] == "KR" and s[2].startswith("B-business"))
    assert flat[4:7] == (100.0, 100.0, 98.0)  # "≥ 100": a level to hold
    if "zh" in template.name:
        assert "创建" in out or "导入" in out  # the operator reads Chinese for a Chinese file
    english = DOCS / "import-template.csv"
    other = new_workspace(sessions, external_id="other")
    assert (
        run(
            capsys,
            "import",
            str(english),
            "--workspace",
            "console:other",
            "--database-url",
            database_url,
        )[0]
        == 0
    )
    assert okr_state(sessions, other) == state


def test_importing_the_same_file_again_changes_nothing(
    database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    new_workspace(sessions)
    template = str(DOCS / "import-template.xlsx")
    assert run(capsys, "import", template, "--database-url", database_url)[0] == 0
    before = all_rows(sessions)
    code, out, _ = run(capsys, "import", template, "--database-url", database_url)
    assert code == 0
    assert "created 0, updated 0, unchanged 13" in out
    assert all_rows(sessions) == before


def test_a_changed_row_updates_what_changed_and_duplicates_nothing(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = new_workspace(sessions)
    with (DOCS / "import-template.csv").open(encoding="utf-8-sig") as file:
        table = list(csv.reader(file))
    header, rows = table[0], table[1:]
    assert (
        run(
            capsys,
            "import",
            str(write_csv(tmp_path / "a.csv", header, rows)),
            "--database-url",
            database_url,
        )[0]
        == 0
    )
    before = okr_state(sessions, ws)
    rows[0][header.index("Target")] = "90"  # a new target
    rows[1][header.index("Key result")] = (
        "A-business market share 20% → 45%"  # a new title, same key
    )
    # Without keys, rows are matched by owner and titles.
    no_keys = [
        [v for i, v in enumerate(r) if header[i] not in ("Key", "Objective key")] for r in rows
    ]
    code, out, _ = run(
        capsys,
        "import",
        str(write_csv(tmp_path / "b.csv", header, rows)),
        "--dry-run",
        "--database-url",
        database_url,
    )
    assert code == 0 and "~ KR" in out and "target" in out
    assert okr_state(sessions, ws) == before  # a dry run writes nothing
    code, out, _ = run(
        capsys,
        "import",
        str(write_csv(tmp_path / "b.csv", header, rows)),
        "--database-url",
        database_url,
    )
    assert code == 0
    assert "created 0, updated 2, unchanged 11" in out
    after = okr_state(sessions, ws)
    assert len(after) == len(before)
    titles = {s[2] for s in after if s[0] == "KR"}
    assert "A-business market share 20% → 45%" in titles
    assert "A-business market share 20% → 40%" not in titles
    keyless = [h for h in header if h not in ("Key", "Objective key")]
    code, out, _ = run(
        capsys,
        "import",
        str(write_csv(tmp_path / "c.csv", keyless, no_keys)),
        "--database-url",
        database_url,
    )
    assert code == 0 and "created 0, updated 0, unchanged 13" in out


def _demo_on_slack(sessions: SessionFactory) -> int:
    with sessions.begin() as session:
        return seed_demo(
            session=session, now=WEDNESDAY, platform="slack", external_id="T0FAKE001"
        ).workspace_id


HEADER = [
    "Objective",
    "Owner",
    "Type",
    "Aligned to",
    "Key result",
    "Start",
    "Target",
    "Current",
    "Weight",
    "Cycle",
]


def test_every_problem_is_reported_with_its_row_and_column_and_nothing_is_written(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    _demo_on_slack(sessions)
    rows: list[list[object]] = [
        ["Fine objective", "alice", "", "", "Fine KR", 0, 10, 1, 1, "2026-Q4"],  # row 2
        ["Stranger's objective", "nobody", "", "", "A KR", 0, 10, 0, 1, "2026-Q4"],  # 3
        ["Flat objective", "bob", "", "", "Stuck", 5, 5, 5, 1, "2026-Q4"],  # 4
        ["Heavy objective", "bob", "", "", "Heavy KR", 0, 5, 0, "heavy", "2026-Q4"],  # 5
        ["Orphan objective", "bob", "", "Nothing by this title", "KR", 0, 5, 0, 1, "2026-Q4"],  # 6
        ["Circle A", "bob", "", "Circle B", "KR a", 0, 5, 0, 1, "2026-Q4"],  # 7
        ["Circle B", "bob", "", "Circle A", "KR b", 0, 5, 0, 1, "2026-Q4"],  # 8
        ["Twice", "bob", "committed", "", "KR 1", 0, 5, 0, 1, "2026-Q4"],  # 9
        ["Twice", "bob", "aspirational", "", "KR 2", 0, 5, 0, 1, "2026-Q4"],  # 10
        ["Formula objective", "bob", "", "", "KR f", 0, "=B2*2", 0, 1, "2026-Q4"],  # 11
        ["Email objective", "ghost@example.com", "", "", "KR e", 0, 5, 0, 1, "2026-Q4"],  # 12
        ["Cycle objective", "bob", "", "", "KR c", 0, 5, 0, 1, "sometime"],  # 13
    ]
    path = write_csv(tmp_path / "bad.csv", HEADER, rows)
    before = all_rows(sessions)
    code, out, _ = run(capsys, "import", str(path), "--database-url", database_url)
    assert code == 1
    expected = [
        "Row 3, column Owner: okrbot knows nobody called nobody",
        "Row 4, column Target: the target equals the start (5)",
        "Row 5, column Weight: heavy is not a number",
        "Row 6, column Aligned to: it aligns to Nothing by this title, which is neither in the file nor in okrbot",
        "column Aligned to: the alignment goes round in a circle",
        "Row 10, column Type: the objective Twice appears twice in cycle 2026-Q4",
        "Row 11, column Target: the cell holds a formula (=B2*2), not a value",
        "Row 12, column Owner: nobody in okrbot has the email ghost@example.com, and no platform is connected",
        "Row 13, column Cycle: sometime is not a cycle okrbot knows",
    ]
    for line in expected:
        assert line in out, f"{line!r} missing from:\n{out}"
    assert "nothing was imported" in out
    assert all_rows(sessions) == before


def test_problems_are_explained_in_chinese_for_a_chinese_sheet(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    _demo_on_slack(sessions)
    path = write_csv(
        tmp_path / "zh.csv",
        ["目标", "负责人", "关键结果", "起始值", "目标值", "权重"],
        [["目标一", "alice", "关键结果一", 3, 3, "很重"]],
    )
    code, out, _ = run(capsys, "import", str(path), "--database-url", database_url)
    assert code == 1
    assert "第 2 行" in out and "目标值" in out and "权重" in out


def test_an_empty_sheet_is_refused(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    new_workspace(sessions)
    only_header = write_csv(tmp_path / "header.csv", ["Objective", "Owner", "Key result"], [])
    code, out, _ = run(capsys, "import", str(only_header), "--database-url", database_url)
    assert code == 1 and "has no rows under its header" in out
    blank = tmp_path / "blank.csv"
    blank.write_text("\n\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", str(blank), "--database-url", database_url)
    assert code == 1 and "there is no header row" in out


def test_extra_columns_are_ignored_with_a_note(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = new_workspace(sessions)
    path = write_csv(
        tmp_path / "x.csv",
        ["Comment", "Key result", "Objective", "Owner", "Target"],
        [["ignore me", "Sign-ups", "Grow", "ada", 100]],
    )
    code, out, _ = run(capsys, "import", str(path), "--database-url", database_url)
    assert code == 0
    assert "Column Comment is not one okrbot knows; it is ignored." in out
    assert [s[2] for s in okr_state(sessions, ws) if s[0] == "KR"] == ["Sign-ups"]


def test_five_thousand_rows_import_with_progress_lines_off_a_terminal(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = new_workspace(sessions)
    rows = [
        [
            f"Objective {o}",
            f"person{o % 50}",
            f"KR {o}.{k}",
            0,
            100 + k,
            k,
            1,
            "2026-Q4",
            f"Team {o % 7}",
        ]
        for o in range(1000)
        for k in range(5)
    ]
    header = [
        "Objective",
        "Owner",
        "Key result",
        "Start",
        "Target",
        "Current",
        "Weight",
        "Cycle",
        "Team",
    ]
    path = write_csv(tmp_path / "big.csv", header, rows)
    code, out, err = run(capsys, "import", str(path), "--database-url", database_url)
    assert code == 0, out
    assert "created 5000, updated 0, unchanged 0, skipped 0" in out
    lines = [line for line in err.splitlines() if line.startswith("Importing:")]
    assert lines[0] == "Importing: 500/5000" and lines[-1] == "Importing: 5000/5000"
    assert len([s for s in okr_state(sessions, ws) if s[0] == "KR"]) == 5000
    code, out, _ = run(capsys, "import", str(path), "--database-url", database_url)
    assert "created 0, updated 0, unchanged 5000" in out


def test_on_a_terminal_the_import_shows_a_bar(tmp_path: Path, sessions: SessionFactory) -> None:
    new_workspace(sessions)
    path = write_csv(
        tmp_path / "a.csv",
        ["Objective", "Owner", "Key result", "Target"],
        [["Grow", "ada", f"KR {i}", 10] for i in range(40)],
    )
    import argparse

    from bot.settings import load_settings

    args = argparse.Namespace(
        file=str(path), source=None, period=None, dry_run=False, workspace=None, lang=None
    )
    out, err = io.StringIO(), io.StringIO()
    code = commands.run_import(
        args,
        sessions=sessions,
        settings=load_settings(),
        clock=ManualClock(WEDNESDAY),
        out=out,
        err=err,
        terminal=True,
    )
    assert code == 0
    assert "40/40" in err.getvalue() and "row" in err.getvalue()  # tqdm's bar, not plain lines
    assert "Importing: " not in err.getvalue().splitlines()[0] or "|" in err.getvalue()


def test_on_a_fresh_install_the_template_goes_into_the_trial_with_one_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No trial yet: `okrbot import FILE --trial` makes it, and the demo company's OKRs match."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OKRBOT_CONSOLE_START", "2026-11-25T10:00:00+08:00")
    code, out, _ = run(capsys, "import", str(DOCS / "import-template.xlsx"), "--trial")
    assert code == 0, out
    assert (tmp_path / "okrbot-trial.db").exists()
    # The template is the demo company's OKRs; it weighs two key results double.
    assert "created 0, updated 2, unchanged 11" in out
    code, out, _ = run(capsys, "import", str(DOCS / "import-template.xlsx"), "--trial")
    assert "created 0, updated 0, unchanged 13" in out
