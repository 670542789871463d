"""`okrbot export`: every format holds the OKRs and their history, and imports back the same."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from bot.console.demo import seed_demo
from storage.db import SessionFactory
from tests.conftest import WEDNESDAY
from tests.transfer.helpers import all_rows, okr_state, run
from tests.transfer.test_import import new_workspace


@pytest.fixture
def demo_id(sessions: SessionFactory) -> int:
    with sessions.begin() as session:
        return seed_demo(session=session, now=WEDNESDAY).workspace_id


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_an_export_imports_back_to_the_same_okrs(
    fmt: str,
    tmp_path: Path,
    database_url: str,
    sessions: SessionFactory,
    demo_id: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / f"okrs.{fmt}"
    code, out, _ = run(
        capsys, "export", "--format", fmt, "--output", str(target), "--database-url", database_url
    )
    assert code == 0, out
    assert target.exists()
    before = all_rows(sessions)
    code, out, _ = run(
        capsys, "import", str(target), "--workspace", "demo", "--database-url", database_url
    )
    assert code == 0, out
    assert "created 0, updated 0, unchanged 13" in out
    assert all_rows(sessions) == before  # into the same workspace: nothing changes at all
    fresh = new_workspace(sessions, external_id="fresh")
    code, out, _ = run(
        capsys,
        "import",
        str(target),
        "--workspace",
        "console:fresh",
        "--database-url",
        database_url,
    )
    assert code == 0, out
    assert okr_state(sessions, fresh) == okr_state(sessions, demo_id)  # and into a new one


def test_the_xlsx_holds_history_plans_help_and_kudos_and_opens_in_a_spreadsheet(
    tmp_path: Path, database_url: str, demo_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "okrs.xlsx"
    assert run(capsys, "export", "--output", str(target), "--database-url", database_url)[0] == 0
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["OKRs", "Check-ins", "Plans", "Help requests", "Kudos"]
    okrs = [[c.value for c in row] for row in book["OKRs"].iter_rows()]
    assert okrs[0][:3] == ["Key", "Objective key", "Objective"]
    assert len(okrs) == 14
    notes = {row[5] for row in book["Check-ins"].iter_rows(values_only=True)}
    assert "Two Reels took off in Brazil" in notes
    assert any(
        "Brazil campaign" in str(row[2]) for row in book["Plans"].iter_rows(values_only=True)
    )
    assert any(
        "retail customer stories" in str(row[4])
        for row in book["Help requests"].iter_rows(values_only=True)
    )
    assert any("Brilliant" in str(row[4]) for row in book["Kudos"].iter_rows(values_only=True))


def test_an_export_in_chinese_for_one_team_and_cycle(
    tmp_path: Path, database_url: str, demo_id: int, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "marketing.csv"
    code, out, _ = run(
        capsys,
        "export",
        "--format",
        "csv",
        "--team",
        "Marketing",
        "--cycle",
        "2026-Q4",
        "--lang",
        "zh",
        "--output",
        str(target),
        "--database-url",
        database_url,
    )
    assert code == 0, out
    with target.open(encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    assert rows[0][:3] == ["编号", "目标编号", "目标"]
    assert {r[2] for r in rows[1:]} == {
        "Raise brand awareness in target markets",
        "Make Demo Co. the name buyers know",
    }
    assert (tmp_path / "marketing-checkins.csv").exists()
    code, out, _ = run(capsys, "export", "--team", "Nobody", "--database-url", database_url)
    assert code == 2


def test_a_title_that_looks_like_a_formula_stays_text(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    new_workspace(sessions)
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps(
            {
                "okrs": [
                    {
                        "Objective": '=HYPERLINK("x")',
                        "Owner": "ada",
                        "Key result": "+1 sign-ups",
                        "Target": 5,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "import", str(source), "--database-url", database_url)
    assert code == 1 and "formula" in out  # a formula-looking title is not taken in silently
    source.write_text(
        json.dumps(
            {
                "okrs": [
                    {"Objective": "Grow", "Owner": "ada", "Key result": "+1 sign-ups", "Target": 5}
                ]
            }
        ),
        encoding="utf-8",
    )
    assert run(capsys, "import", str(source), "--database-url", database_url)[0] == 0
    target = tmp_path / "out.xlsx"
    assert run(capsys, "export", "--output", str(target), "--database-url", database_url)[0] == 0
    cell = openpyxl.load_workbook(target)["OKRs"]["G2"]
    assert cell.value == "'+1 sign-ups" or cell.value == "+1 sign-ups"
    assert cell.data_type == "s"
