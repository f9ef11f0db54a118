"""Lists as files: CSV (semicolons and a byte order mark, as Dutch Excel reads them), XLSX and JSON, from
the same rows a page shows — so an export never holds more than the user may see."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime

from ...ground import csv_out

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "json": "application/json"}
EXPORT_MAX = 5000  # rows in one export; the file says when there were more


@dataclass
class Table:
    name: str  # sheet and file name
    columns: list[tuple[str, str]]  # (key for JSON, Dutch header)
    rows: list[dict]
    truncated: bool = False


def _cell(value) -> object:
    if isinstance(value, (date, datetime)):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else value


def as_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv_out.writer(out, delimiter=";")
    writer.writerow([header for _, header in table.columns])
    for row in table.rows:
        writer.writerow([_cell(row.get(key)) for key, _ in table.columns])
    if table.truncated:
        writer.writerow([f"(alleen de eerste {EXPORT_MAX} rijen)"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(table: Table) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(table.name[:31])
    sheet.write_row(0, 0, [header for _, header in table.columns], book.add_format({"bold": True}))
    for number, row in enumerate(table.rows, start=1):
        sheet.write_row(number, 0, [_cell(row.get(key)) for key, _ in table.columns])
    if table.truncated:
        sheet.write(len(table.rows) + 1, 0, f"(alleen de eerste {EXPORT_MAX} rijen)")
    book.close()
    return out.getvalue()


def as_json(table: Table) -> bytes:
    items = [{key: _cell(row.get(key)) for key, _ in table.columns} for row in table.rows]
    return json.dumps({"items": items, "afgekapt": table.truncated}, ensure_ascii=False, indent=1).encode()


WRITERS = {"csv": as_csv, "xlsx": as_xlsx, "json": as_json}


def export(table: Table, fmt: str, by) -> bytes:
    """The table in `fmt`; every export is a `list_exported` event in the audit log."""
    from ..access import audit

    audit.record("list_exported", by, table.name, format=fmt, rows=len(table.rows))
    return WRITERS[fmt](table)
