"""Reading an uploaded table: XLSX, ODS, CSV or JSON into a header and rows of text or dates.

The kind is decided by the content (magic bytes), never by the file name. Spreadsheets are read with
python-calamine (cached values of formulas; a merged cell's value sits in its first cell); their zip
container is checked first, so a few kilobytes that unpack to gigabytes are refused before parsing.
CSV from Dutch Excel is expected: a semicolon separator, Windows-1252, a byte order mark.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime

from ...ground import files
from ...ground.errors import DomainError


@dataclass
class Table:
    header: list[str]
    rows: list[list[object]]  # str, date, datetime, int or float per cell; rows start at sheet row 2
    kind: str  # xlsx | ods | csv | json


def _refuse(message: str):
    raise DomainError(message, {"file": message})


def kind_of(content: bytes) -> str:
    if content.startswith(b"PK\x03\x04"):
        files.check_zip(content)  # damaged, or a bomb: refused before anything parses it
        kind = files.zip_kind(content)
        if kind in ("xlsx", "ods"):
            return kind
        _refuse("Dit is een zip-bestand maar geen spreadsheet. Gebruik XLSX, ODS, CSV of JSON.")
    if content[:8].startswith((b"\xd0\xcf\x11\xe0", b"%PDF", b"MZ", b"\x7fELF")):
        _refuse("Dit bestandstype kan niet worden geïmporteerd. Gebruik XLSX, ODS, CSV of JSON.")
    stripped = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"[", b"{"):
        return "json"
    if b"\x00" in content[:4096]:
        _refuse("Dit bestandstype kan niet worden geïmporteerd. Gebruik XLSX, ODS, CSV of JSON.")
    return "csv"


def _text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _read_csv(content: bytes) -> tuple[list[str], list[list[object]]]:
    text = _text(content)
    sample = text[:10000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), dialect))
    return (rows[0] if rows else []), rows[1:]


def _read_json(content: bytes) -> tuple[list[str], list[list[object]]]:
    try:
        data = json.loads(_text(content))
    except json.JSONDecodeError as error:
        _refuse(f"Dit JSON-bestand is niet geldig (regel {error.lineno}): {error.msg}.")
    if isinstance(data, dict):
        data = next((value for value in data.values() if isinstance(value, list)), None)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        _refuse("Een JSON-bestand moet een lijst van objecten zijn, één per project of les.")
    header: list[str] = []
    for item in data:
        header += [key for key in item if key not in header]
    rows = [[_json_cell(item.get(key)) for key in header] for item in data]
    return header, rows


def _json_cell(value) -> object:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else value


def _read_sheet(content: bytes, sheet_hint: str) -> tuple[list[str], list[list[object]]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as error:  # noqa: BLE001 - calamine raises its own types for damaged files
        _refuse(f"Deze spreadsheet kan niet worden gelezen ({type(error).__name__}). Sla hem opnieuw op als "
                "XLSX of ODS.")
    names = workbook.sheet_names
    chosen = next((name for name in names if name.strip().lower() == sheet_hint), names[0] if names else None)
    if chosen is None:
        return [], []
    rows = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=True)
    if not rows:
        return [], []
    return [str(cell).strip() for cell in rows[0]], [list(row) for row in rows[1:]]


def read(content: bytes, *, sheet_hint: str = "", max_rows: int) -> Table:
    """:raises DomainError: an empty, unreadable, oversized or unsupported file, in Dutch."""
    if not content.strip():
        _refuse("Het bestand is leeg.")
    kind = kind_of(content)
    if kind == "csv":
        header, rows = _read_csv(content)
    elif kind == "json":
        header, rows = _read_json(content)
    else:
        header, rows = _read_sheet(content, sheet_hint)
    header = [str(h or "").strip() for h in header]
    rows = [row + [""] * (len(header) - len(row)) for row in rows
            if any(str(cell).strip() for cell in row if cell is not None)]
    if not any(header):
        _refuse("Het bestand heeft geen kopregel met kolomnamen. Gebruik het sjabloon (eerste rij: Titel, …).")
    if not rows:
        _refuse("Het bestand heeft alleen een kopregel en geen rijen om te importeren.")
    if len(rows) > max_rows:
        _refuse(f"Het bestand heeft {len(rows)} rijen; er kunnen er hoogstens {max_rows} tegelijk worden "
                "geïmporteerd (KENNISBANK_IMPORT_MAX_ROWS). Splits het bestand.")
    return Table(header=header, rows=[[_clean(cell) for cell in row] for row in rows], kind=kind)


def _clean(cell) -> object:
    if cell is None:
        return ""
    if isinstance(cell, (date, datetime, int, float)):
        return cell
    return str(cell).strip()
