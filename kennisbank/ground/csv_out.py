"""CSV that a spreadsheet program opens safely: a cell that starts with = + - @, a tab or a carriage return
would run as a formula in Excel or LibreOffice (a project title or an identity provider's display name is
enough), so it gets a leading `'`. Every CSV kennisbank writes goes through `writer`; the import takes the
`'` off again (kennisbank.services.importing.reading.unescape_formula)."""
from __future__ import annotations

import csv
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def writer(out, **options) -> _SafeWriter:
    """csv.writer, with every text cell made safe to open."""
    return _SafeWriter(out, **options)
