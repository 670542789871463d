"""Files that are not what they seem: refused, or read with a clear note; never half-imported."""

from __future__ import annotations

import codecs
import time
import tracemalloc
from pathlib import Path

import openpyxl
import pytest

from bot.transfer.files import read_table
from handlers.transfer.importing import MAX_ROWS, TableError
from storage.db import SessionFactory
from tests.transfer.helpers import all_rows, okr_state, run
from tests.transfer.test_import import new_workspace

HEADER = "Objective,Owner,Key result,Target\n"


def _import(capsys: pytest.CaptureFixture[str], path: Path, url: str) -> tuple[int, str]:
    code, out, _ = run(capsys, "import", str(path), "--database-url", url)
    return code, out


def test_a_byte_order_mark_is_read_as_utf8(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = new_workspace(sessions)
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + (HEADER + "Grow,ada,Sign-ups,100\n").encode())
    code, out = _import(capsys, path, database_url)
    assert code == 0, out
    assert [s[1] for s in okr_state(sessions, ws) if s[0] == "O"] == ["Grow"]


def test_a_chinese_excel_csv_in_gb18030_is_read_with_a_note(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = new_workspace(sessions)
    path = tmp_path / "gbk.csv"
    path.write_bytes("目标,负责人,关键结果,目标值\n提升品牌,ada,粉丝数,10000\n".encode("gb18030"))
    code, out = _import(capsys, path, database_url)
    assert code == 0, out
    assert "GB18030" in out
    assert [s[2] for s in okr_state(sessions, ws) if s[0] == "KR"] == ["粉丝数"]


def test_a_binary_file_is_refused(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    new_workspace(sessions)
    path = tmp_path / "okrs.csv"
    path.write_bytes(b"\x00\x01\x02\xff" * 100)
    before = all_rows(sessions)
    code, out = _import(capsys, path, database_url)
    assert code == 1 and "NUL bytes" in out and "Nothing was imported." in out
    assert all_rows(sessions) == before


def test_a_wrong_file_type_is_refused(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    new_workspace(sessions)
    fake = tmp_path / "okrs.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    code, out = _import(capsys, fake, database_url)
    assert code == 1 and "is not an Excel workbook" in out
    old = tmp_path / "okrs.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    code, out = _import(capsys, old, database_url)
    assert code == 1 and "old Excel file (.xls)" in out


def _workbook(path: Path, rows: list[list[object]], *, title: str = "OKRs") -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return book


def test_a_formula_in_a_workbook_is_named_by_row_and_column(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    new_workspace(sessions)
    path = tmp_path / "f.xlsx"
    _workbook(
        path,
        [
            ["Objective", "Owner", "Key result", "Start", "Target"],
            ["Grow", "ada", "Sign-ups", 10, "=D2*2"],
        ],
    )
    before = all_rows(sessions)
    code, out = _import(capsys, path, database_url)
    assert code == 1
    assert "Row 2, column Target: the cell holds a formula (=D2*2), not a value" in out
    assert all_rows(sessions) == before


def test_merged_objective_cells_give_every_row_their_objective(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = new_workspace(sessions)
    path = tmp_path / "merged.xlsx"
    book = _workbook(
        path,
        [
            ["目标", "负责人", "关键结果", "目标值"],
            ["提升品牌知名度", "ada", "粉丝数", 10000],
            [None, None, "互动率", 2],
            [None, None, "文章数", 40],
        ],
        title="目标与关键结果",
    )
    sheet = book.active
    assert sheet is not None
    sheet.merge_cells("A2:A4")
    sheet.merge_cells("B2:B4")
    book.save(path)
    code, out = _import(capsys, path, database_url)
    assert code == 0, out
    assert "A2:A4" in out  # a note says how they were read
    state = okr_state(sessions, ws)
    assert [s[1] for s in state if s[0] == "O"] == ["提升品牌知名度"]
    assert sorted(s[2] for s in state if s[0] == "KR") == ["互动率", "文章数", "粉丝数"]


def test_empty_sheets_are_skipped_and_a_workbook_of_them_refused(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = new_workspace(sessions)
    empty = tmp_path / "empty.xlsx"
    book = openpyxl.Workbook()
    book.create_sheet("Second")
    book.save(empty)
    code, out = _import(capsys, empty, database_url)
    assert code == 1 and "Every sheet of empty.xlsx is empty" in out
    second = tmp_path / "second.xlsx"
    book = openpyxl.Workbook()
    data = book.create_sheet("Data")
    data.append(["Objective", "Owner", "Key result", "Target"])
    data.append(["Grow", "ada", "Sign-ups", 100])
    book.save(second)
    code, out = _import(capsys, second, database_url)
    assert code == 0 and "the OKRs were read from Data" in out
    assert len(okr_state(sessions, ws)) == 2


def test_a_one_megabyte_cell_is_refused_by_its_length(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    new_workspace(sessions)
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + "Grow,ada," + "x" * 1_048_576 + ",100\n", encoding="utf-8")
    before = all_rows(sessions)
    started = time.monotonic()
    code, out = _import(capsys, path, database_url)
    assert code == 1
    assert "Row 2, column Key result: the text is 1048576 characters long; at most 200 fit." in out
    assert len(out) < 2000  # the cell is named, not echoed
    assert all_rows(sessions) == before
    print(f"1 MB cell refused in {time.monotonic() - started:.2f} s")


def test_a_hundred_thousand_rows_are_refused_quickly_and_in_bounded_memory(
    tmp_path: Path, database_url: str, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    new_workspace(sessions)
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as file:
        file.write(HEADER)
        for i in range(100_000):
            file.write(f"Objective {i},ada,KR {i},{i + 1}\n")
    tracemalloc.start()
    try:
        with pytest.raises(TableError) as refused:
            read_table(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.problem.params["limit"] == f"{MAX_ROWS:,}"
    assert peak < 64 * 1024 * 1024  # stops reading one row past the limit
    before = all_rows(sessions)
    code, out = _import(capsys, path, database_url)
    assert code == 1 and "more than 20,000 rows" in out
    assert all_rows(sessions) == before


def test_a_workbook_that_unpacks_too_far_is_refused_unread(tmp_path: Path) -> None:
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (210 * 1024 * 1024))
    with pytest.raises(TableError) as refused:
        read_table(bomb)
    assert "unpacks to" in refused.value.problem.msgid
