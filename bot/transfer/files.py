"""Reading tables from files and writing spreadsheets to them, within fixed bounds.

Every read is bounded: the file's size, an .xlsx's unpacked size, the rows
taken (reading stops one past the limit), and the text of a cell (kept whole
so the import can say how long it is, but never beyond the file's own size).
Hostile input is refused with a `TableError` saying what to do, never read
half-way into the database.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

from handlers.i18n import N_
from handlers.transfer.importing import MAX_ROWS, Cell, Problem, Table, TableError
from handlers.transfer.layout import fold
from handlers.views import Sheet, Spreadsheet

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # what an .xlsx may unpack to (a zip bomb is refused)
MAX_COLUMNS = 200
_OKR_SHEETS = {fold("OKRs"), fold("OKR"), fold("目标与关键结果"), fold("目标")}
_INJECTION = ("=", "+", "-", "@", "\t", "\r")


def read_table(path: Path) -> tuple[Table, list[Problem]]:
    """The OKR table of a .csv, .xlsx or .json file, and notes on how it was read."""
    if not path.is_file():
        raise TableError("There is no file {path}.", path=str(path))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise TableError(
            "The file is {size} MB; at most {limit} MB are read. Split it, or leave out "
            "the history sheets.",
            size=round(size / 1024 / 1024, 1),
            limit=MAX_FILE_BYTES // 1024 // 1024,
        )
    if size == 0:
        raise TableError("The file {path} is empty.", path=path.name)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_csv(path.read_bytes(), path.name, "\t" if suffix == ".tsv" else None)
    if suffix == ".json":
        return _read_json(path.read_bytes(), path.name)
    if suffix == ".xls":
        raise TableError(
            "{name} is an old Excel file (.xls); save it as .xlsx or CSV and import that.",
            name=path.name,
        )
    raise TableError(
        "okrbot imports .csv, .xlsx and .json files, not {suffix}.", suffix=suffix or path.name
    )


# --- CSV ---------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, list[Problem]]:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), []
    if b"\x00" in data[:4096]:
        raise TableError(
            "The file is not text (it holds NUL bytes): export the sheet as CSV UTF-8, or "
            "import the .xlsx itself."
        )
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise TableError(
            "The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8 and try again."
        ) from None
    return text, [
        Problem(
            N_(
                "The file is not UTF-8; it was read as GB18030 (Chinese Excel's CSV). Check the "
                "names below look right."
            ),
            error=False,
        )
    ]


def _read_csv(data: bytes, name: str, delimiter: str | None) -> tuple[Table, list[Problem]]:
    text, notes = _decode(data)
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t", "，"), key=first.count) if first else ","
    csv.field_size_limit(MAX_FILE_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    try:
        for number, values in enumerate(reader, start=1):
            if header is None:
                if any(v.strip() for v in values):
                    header, header_row = tuple(v.strip() for v in values[:MAX_COLUMNS]), number
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many()
            rows.append((number, tuple(_csv_cell(v) for v in values[:MAX_COLUMNS])))
    except csv.Error as error:
        raise TableError(
            "Line {line} of the file cannot be read as CSV ({error}).",
            line=reader.line_num,
            error=str(error),
        ) from None
    if header is None:
        raise TableError("The file {name} is empty: there is no header row.", name=name)
    return Table(name=name, header=header, rows=rows, header_row=header_row), notes


def _csv_cell(value: str) -> Cell:
    if value.startswith("=") and len(value) > 1:
        return Cell(formula=value)
    return Cell(value)


def _too_many() -> TableError:
    limit = f"{MAX_ROWS:,}"
    return TableError(
        "The file has more than {limit} rows; okrbot imports at most {limit} at once. "
        "Split it into several files.",
        limit=limit,
    )


# --- Excel -------------------------------------------------------------------------


def _read_xlsx(path: Path) -> tuple[Table, list[Problem]]:
    import openpyxl  # loaded only for Excel files
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise TableError(
            "{name} is not an Excel workbook (.xlsx) that can be opened.", name=path.name
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError(
            "{name} unpacks to {size} MB, more than the {limit} MB okrbot reads.",
            name=path.name,
            size=unpacked // 1024 // 1024,
            limit=MAX_UNPACKED_BYTES // 1024 // 1024,
        )
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise TableError(
            "{name} cannot be opened as an Excel workbook ({error}).",
            name=path.name,
            error=type(error).__name__,
        ) from None
    try:
        notes: list[Problem] = []
        sheets = list(book.worksheets)
        named = [s for s in sheets if fold(s.title) in _OKR_SHEETS]
        ordered = named + [s for s in sheets if s not in named]
        for sheet in ordered:
            table = _sheet_table(path, sheet, notes)
            if table is not None:
                if sheet is not ordered[0]:
                    notes.append(
                        Problem(
                            N_("The sheet {first} is empty; the OKRs were read from {sheet}."),
                            {"first": ordered[0].title, "sheet": sheet.title},
                            error=False,
                        )
                    )
                return table, notes
        raise TableError("Every sheet of {name} is empty: nothing to import.", name=path.name)
    finally:
        book.close()


def _sheet_table(path: Path, sheet: Any, notes: list[Problem]) -> Table | None:
    merged = _merged_ranges(path, getattr(sheet, "_worksheet_path", ""))
    fills: dict[tuple[int, int], tuple[int, int]] = {}
    for (r1, c1, r2, c2), where in merged:
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    fills[(r, c)] = (r1, c1)
        notes.append(
            Problem(
                N_(
                    "Merged cells {range} were read as the value of their first cell in every row "
                    "they span."
                ),
                {"range": where},
                error=False,
            )
        )
    top_left: dict[tuple[int, int], Cell] = {}
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    for number, row in enumerate(sheet.iter_rows(min_row=1, min_col=1), start=1):
        cells: list[Cell] = []
        for index, cell in enumerate(row[:MAX_COLUMNS]):
            at = (number, index + 1)
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f" or (
                isinstance(value, str) and value.startswith("=")
            ):
                read = Cell(formula=str(value))
            else:
                read = Cell(value)
            if at in fills:
                read = top_left.get(fills[at], read)
            cells.append(read)
            top_left[at] = read
        # Merged cells past the row's last written cell.
        for (r, c), origin in fills.items():
            if r == number and c > len(cells) and c <= MAX_COLUMNS:
                while len(cells) < c - 1:
                    cells.append(Cell())
                cells.append(top_left.get(origin, Cell()))
        if header is None:
            if any(c.value not in (None, "") for c in cells):
                header = tuple("" if c.value is None else str(c.value).strip() for c in cells)
                header_row = number
            continue
        if len(rows) >= MAX_ROWS:
            raise _too_many()
        rows.append((number, tuple(cells)))
    if header is None:
        return None
    return Table(name=sheet.title, header=header, rows=rows, header_row=header_row)


_CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


def _merged_ranges(path: Path, part: str) -> list[tuple[tuple[int, int, int, int], str]]:
    """The sheet's merged ranges, streamed from its XML (read-only mode does not list them)."""
    if not part:
        return []
    found: list[tuple[tuple[int, int, int, int], str]] = []
    with zipfile.ZipFile(path) as archive:
        try:
            stream = archive.open(part.lstrip("/"))
        except KeyError:
            return []
        with stream:
            for _, element in iterparse(stream, events=("end",)):
                if element.tag.endswith("}mergeCell"):
                    where = element.get("ref", "")
                    bounds = _range(where)
                    if bounds is not None:
                        found.append((bounds, where))
                    if len(found) > 10_000:
                        break
                element.clear()
    return found


def _range(ref: str) -> tuple[int, int, int, int] | None:
    parts = ref.split(":")
    if len(parts) != 2:
        return None
    first, last = _CELL_REF.match(parts[0]), _CELL_REF.match(parts[1])
    if first is None or last is None:
        return None
    return (
        int(first.group(2)),
        _column(first.group(1)),
        int(last.group(2)),
        _column(last.group(1)),
    )


def _column(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - ord("A") + 1
    return number


# --- JSON --------------------------------------------------------------------------


def _read_json(data: bytes, name: str) -> tuple[Table, list[Problem]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise TableError(
            "{name} is not JSON okrbot can read ({error}).", name=name, error=str(error)[:80]
        ) from None
    records = document
    if isinstance(document, dict):
        records = next((v for k, v in document.items() if fold(k) in _OKR_SHEETS), None)
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise TableError(
            '{name} holds no list of OKR rows: okrbot reads the "okrs" list an export writes.',
            name=name,
        )
    if len(records) > MAX_ROWS:
        raise _too_many()
    header: list[str] = []
    for record in records:
        for key in record:
            if key not in header:
                header.append(str(key))
    rows = [
        (number, tuple(_json_cell(record.get(h)) for h in header))
        for number, record in enumerate(records, start=2)
    ]
    return Table(name=name, header=tuple(header), rows=rows, header_row=1), []


def _json_cell(value: Any) -> Cell:
    if isinstance(value, str | int | float | bool) or value is None:
        return Cell(value)
    return Cell(json.dumps(value, ensure_ascii=False))


# --- writing -----------------------------------------------------------------------


def _safe_text(value: Any) -> Any:
    """A text a spreadsheet would run as a formula, written so it stays text."""
    if isinstance(value, str) and value.startswith(_INJECTION):
        return "'" + value
    return value


def sheet_rows(sheet: Sheet) -> Iterator[list[Any]]:
    yield list(sheet.header)
    for row in sheet.rows:
        yield [_safe_text(v) for v in row]


def write_csv(book: Spreadsheet, path: Path) -> list[Path]:
    """The first sheet to `path`, each other one beside it (`name-checkins.csv`); the paths.

    UTF-8 with a byte order mark, so Excel opens Chinese text right.
    """
    written: list[Path] = []
    for index, sheet in enumerate(book.sheets):
        target = (
            path
            if index == 0
            else path.with_name(f"{path.stem}-{_slug(sheet.name, index)}{path.suffix or '.csv'}")
        )
        with target.open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file)
            for row in sheet_rows(sheet):
                writer.writerow(["" if v is None else _plain_number(v) for v in row])
        written.append(target)
    return written


def _plain_number(value: Any) -> Any:
    if isinstance(value, float) and value == int(value):
        return int(value)
    return value


def _slug(name: str, index: int) -> str:
    english = {1: "checkins", 2: "plans", 3: "help", 4: "kudos"}
    return english.get(index, re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or str(index))


def xlsx_bytes(book: Spreadsheet) -> bytes:
    """The spreadsheet as an .xlsx workbook, one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]  # a fresh workbook has one sheet
    for sheet in book.sheets:
        ws = workbook.create_sheet(_sheet_title(sheet.name))
        widths: dict[int, int] = {}
        table: list[list[Any]] = [list(sheet.header), *[list(x) for x in sheet.rows]]
        for r, row in enumerate(table, start=1):
            for c, raw in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c)
                value = _plain_number(raw)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # a title starting with "=" stays text
                widths[c] = min(60, max(widths.get(c, 8), len(str(value or "")) + 2))
        for c in range(1, len(sheet.header) + 1):
            ws.cell(row=1, column=c).font = Font(bold=True)
            ws.column_dimensions[get_column_letter(c)].width = widths.get(c, 10)
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"


def json_text(book: Spreadsheet) -> str:
    """Each sheet as a list of records keyed by its header, in one document."""
    keys = ("okrs", "checkins", "plans", "help_requests", "kudos")
    document: dict[str, Any] = {"title": book.title}
    for index, sheet in enumerate(book.sheets):
        name = keys[index] if index < len(keys) else sheet.name
        document[name] = [
            {
                h: _plain_number(v)
                for h, v in zip(sheet.header, row, strict=False)
                if v not in (None, "")
            }
            for row in sheet.rows
        ]
    return json.dumps(document, ensure_ascii=False, indent=2)
