"""Reading an uploaded table: XLSX, ODS, CSV or JSON into a header and rows of text or dates — exactly what
the spreadsheet program wrote, and never more rows than the limit (reading stops there).

The kind is decided by the content (magic bytes), never by the file name. Spreadsheets are read with
python-calamine (cached values of formulas; a merged cell's value is given to every row it spans); their
zip container is checked first, so a few kilobytes that unpack to gigabytes are refused before parsing,
and so is XML with a document type (entities) inside it.

CSV as spreadsheet programs write it: Dutch Excel's "CSV (puntkomma gescheiden)" in Windows-1252,
UTF-8 with or without a byte order mark, and "Unicode-tekst" (UTF-16 with tabs). The delimiter is decided
from the header line (never by sniffing the content), and the standard library reads RFC 4180 quoting (doubled quotes, delimiters and
line breaks inside quoted cells): guessing from the content splits such cells. Title rows above the header
are found and skipped, and said so.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from ...ground import files
from ...ground.errors import DomainError

DELIMITERS = (";", ",", "\t", "|")  # in this order on a tie: Dutch Excel writes semicolons
MAX_CELL = 128 * 1024  # characters in one CSV cell; the longest form field is far shorter
HEADER_SEARCH = 20  # rows looked at for the header row
MAX_NESTING = 50  # JSON deeper than this is no list of items


@dataclass
class Table:
    header: list[str]
    rows: list[list[object]]  # str, date, datetime, int or float per cell
    kind: str  # xlsx | ods | csv | json
    header_row: int = 1  # the header's row number as the spreadsheet shows it; data starts below it
    notes: list[str] = field(default_factory=list)  # what reading changed, for the report (in Dutch)
    numbers: list[int] = field(default_factory=list)  # each row's number as the spreadsheet shows it


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
    text = decode(content)
    if text.lstrip(" \t\r\n")[:1] in ("[", "{"):
        return "json"
    if "\x00" in text[:4096]:
        _refuse("Dit bestandstype kan niet worden geïmporteerd. Gebruik XLSX, ODS, CSV of JSON.")
    return "csv"


def decode(content: bytes) -> str:
    """Text as the program wrote it: a byte order mark decides (UTF-8, UTF-16); without one UTF-8, and
    what is no UTF-8 is Windows-1252 (Dutch Excel's CSV), and failing that Latin-1 (never an error)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace")
    head = content[:4096]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4 and head[0::2].count(0) == 0:
        return content.decode("utf-16-le", errors="replace")  # UTF-16 without its mark
    for encoding in ("utf-8", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def delimiter_of(text: str, recognised: Callable[[list[str]], int] = lambda header: 0) -> str:
    """The delimiter of the header line. The header is the first line that, split by a delimiter, names two
    or more columns kennisbank knows; failing that, the delimiter on which most of the first lines agree
    about how many cells they have (title rows have one; data rows may hold commas in their text)."""
    lines = [line for line in text.splitlines()[:HEADER_SEARCH] if line.strip()]
    split = {d: [_split(line, d) for line in lines] for d in DELIMITERS}
    for line_cells in zip(*split.values()):
        for delimiter, cells in zip(DELIMITERS, line_cells):
            if recognised([cell.strip() for cell in cells]) >= 2:
                return delimiter

    def agreement(delimiter: str) -> tuple[int, int]:
        widths = Counter(len(cells) for cells in split[delimiter] if len(cells) > 1)
        width, lines_agreeing = max(widths.items(), key=lambda item: (item[1], item[0]), default=(0, 0))
        return lines_agreeing, width

    return max(DELIMITERS, key=agreement)  # max keeps the first (the semicolon) on a tie


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except csv.Error:  # a cell beyond the field limit: the reader proper says so, with its line
        return [line]


def _csv_records(text: str, recognised: Callable[[list[str]], int]) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(text, recognised), quotechar='"',
                        doublequote=True, strict=False)
    previous = csv.field_size_limit(MAX_CELL)
    try:
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                if "field larger than field limit" in str(error):
                    _refuse(f"Regel {reader.line_num} van het bestand heeft een cel van meer dan {MAX_CELL:,} tekens"
                            .replace(",", ".") + "; zo lang is geen veld van kennisbank. Controleer of een "
                            "aanhalingsteken ontbreekt.")
                _refuse(f"Dit CSV-bestand kan niet worden gelezen (regel {reader.line_num}): {error}.")
            yield record
    finally:
        csv.field_size_limit(previous)


def _json_depth_ok(text: str) -> bool:
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                return False
        elif char in "]}":
            depth -= 1
    return True


def _json_records(content: bytes) -> Iterator[list[object]]:
    text = decode(content)
    if not _json_depth_ok(text):
        _refuse(f"Dit JSON-bestand is dieper genest dan {MAX_NESTING} niveaus; een lijst van projecten of lessen "
                "is dat nooit.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        _refuse(f"Dit JSON-bestand is niet geldig (regel {error.lineno}): {error.msg}.")
    if isinstance(data, dict):
        data = next((value for value in data.values() if isinstance(value, list)), None)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        _refuse("Een JSON-bestand moet een lijst van objecten zijn, één per project of les.")
    header: list[str] = []
    for item in data:
        header += [key for key in item if key not in header]
    yield header
    for item in data:
        yield [_json_cell(item.get(key)) for key in header]


def _json_cell(value) -> object:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _refuse_xml_with_a_doctype(content: bytes) -> None:
    """XML entities can expand a few bytes into gigabytes or read local files: no spreadsheet needs them."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if info.filename.endswith(".xml") or info.filename.endswith(".rels"):
                with archive.open(info) as part:
                    head = part.read(4096)
                if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                    _refuse("Deze spreadsheet bevat een XML-documenttype (DTD); dat accepteert kennisbank niet. "
                            "Sla hem opnieuw op als XLSX of ODS met Excel of LibreOffice.")


ODS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_spans(content: bytes, sheet_name: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Cells spanning rows in an ODS sheet (calamine does not report them): ((row, col), (last row, col)).
    Read as a stream; the document type was refused before, so no entity is ever expanded."""
    from xml.etree.ElementTree import iterparse

    spans, row, in_sheet = [], -1, False
    with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open("content.xml") as part:
        for event, element in iterparse(part, events=("start", "end")):
            if element.tag == ODS + "table":
                in_sheet = event == "start" and element.get(ODS + "name") == sheet_name
                if event == "end" and not in_sheet and spans:
                    break
            elif in_sheet and element.tag == ODS + "table-row" and event == "end":
                column = 0
                for cell in element:
                    rows = int(cell.get(ODS + "number-rows-spanned", "1"))
                    if rows > 1 and cell.tag == ODS + "table-cell":
                        spans.append(((row + 1, column), (row + rows, column)))
                    column += int(cell.get(ODS + "number-columns-repeated", "1"))
                row += int(element.get(ODS + "number-rows-repeated", "1"))
                element.clear()
    return spans


def _sheet_records(content: bytes, sheet_hint: str, kind: str) -> Iterator[list[object]]:
    from python_calamine import CalamineWorkbook

    _refuse_xml_with_a_doctype(content)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = workbook.sheet_names
        chosen = next((name for name in names if name.strip().lower() == sheet_hint), names[0] if names else None)
        if chosen is None:
            return
        sheet = workbook.get_sheet_by_name(chosen)
        # Rows come from the sheet's first row, cells from its first used column: pad to column A, so that
        # merged ranges (in sheet coordinates) and column letters line up.
        pad = [""] * (sheet.start[1] if sheet.start else 0)
        ranges = sheet.merged_cell_ranges if kind == "xlsx" else _ods_spans(content, chosen)
        spans = [(r0, r1, c0) for (r0, c0), (r1, c1) in (ranges or []) if r1 > r0 and c0 == c1]
        merged_value: dict[int, object] = {}
        for index, cells in enumerate(sheet.iter_rows()):
            row = pad + list(cells)
            for first, last, column in spans:
                if index == first and column < len(row):
                    merged_value[column] = row[column]
                elif first < index <= last and column < len(row) and row[column] in ("", None):
                    row[column] = merged_value.get(column, "")
            yield row
    except DomainError:
        raise
    except Exception as error:  # noqa: BLE001 - calamine raises its own types for damaged files
        _refuse(f"Deze spreadsheet kan niet worden gelezen ({type(error).__name__}). Sla hem opnieuw op als "
                "XLSX of ODS.")


def _records(kind: str, content: bytes, sheet_hint: str,
             recognised: Callable[[list[str]], int]) -> Iterable[list[object]]:
    if kind == "csv":
        return _csv_records(decode(content), recognised)
    if kind == "json":
        return _json_records(content)
    return _sheet_records(content, sheet_hint, kind)


def _filled(row: list) -> int:
    return sum(1 for cell in row if cell is not None and str(cell).strip())


def _find_header(rows: list[list]) -> int:
    """When no row names two known columns: the first row that is nearly as full as the fullest (a title row
    above the header fills one cell or two)."""
    enough = max(2, -(-max((_filled(row) for row in rows), default=0) * 3 // 5))
    return next((index for index, row in enumerate(rows) if _filled(row) >= enough), 0)


def read(content: bytes, *, sheet_hint: str = "", max_rows: int,
         recognised: Callable[[list[str]], int] = lambda header: 0) -> Table:
    """Read at most `max_rows` rows below the header (reading stops beyond that).

    :raises DomainError: an empty, unreadable, oversized or unsupported file, in Dutch."""
    if not content.strip():
        _refuse("Het bestand is leeg.")
    kind = kind_of(content)
    records = iter(_records(kind, content, sheet_hint, recognised))
    head: list[list] = []
    header_index = None
    for record in records:  # up to the header and no further: rows below it count towards the limit
        head.append(list(record))
        if kind == "json" or recognised([str(cell or "").strip() for cell in head[-1]]) >= 2:
            header_index = len(head) - 1
            break
        if len(head) >= HEADER_SEARCH:
            break
    if header_index is None:
        header_index = _find_header(head)
    header = [str(cell if cell is not None else "").strip() for cell in (head[header_index] if head else [])]
    notes = []
    above = [n + 1 for n, row in enumerate(head[:header_index]) if _filled(row)]
    if above:
        notes.append(f"De kopregel staat in rij {header_index + 1}; {_rows_text(above)} erboven "
                     f"{'is een titel en is' if len(above) == 1 else 'zijn titels en zijn'} overgeslagen.")
    rows: list[list] = []
    widened: list[int] = []
    filled = 0
    data = (record for source in (head[header_index + 1:], records) for record in source)
    for index, record in enumerate(data):
        row = [_clean(cell, kind) for cell in record]
        if not any(cell != "" for cell in row):
            rows.append([])  # an empty row keeps the numbering; it is dropped below
            continue
        if filled >= max_rows:
            _refuse(f"Het bestand heeft meer dan {max_rows} rijen; er kunnen er hoogstens {max_rows} tegelijk "
                    "worden geïmporteerd (KENNISBANK_IMPORT_MAX_ROWS). Splits het bestand.")
        while row and row[-1] == "" and len(row) > len(header):
            row.pop()  # the empty cells a spreadsheet program pads a row with
        if len(row) > len(header):
            widened.append(header_index + 2 + index)
            header += [f"Kolom {_column_letter(n)}" for n in range(len(header), len(row))]
        rows.append(row)
        filled += 1
    if widened:
        notes.append(f"{_rows_text(widened).capitalize()} {'heeft' if len(widened) == 1 else 'hebben'} meer cellen "
                     "dan de kopregel; die staan in de kolommen zonder naam (Kolom …), niets is weggelaten.")
    if not any(header):
        _refuse("Het bestand heeft geen kopregel met kolomnamen. Gebruik het sjabloon (eerste rij: Titel, …).")
    numbered = [(header_index + 2 + index, row + [""] * (len(header) - len(row)))
                for index, row in enumerate(rows) if row]
    if not numbered:
        _refuse("Het bestand heeft alleen een kopregel en geen rijen om te importeren.")
    return Table(header=header, rows=[row for _, row in numbered], kind=kind, header_row=header_index + 1,
                 notes=notes, numbers=[number for number, _ in numbered])


def _rows_text(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10]) + (" …" if len(numbers) > 10 else "")
    return f"rij {shown}" if len(numbers) == 1 else f"rijen {shown}"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _clean(cell, kind: str) -> object:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "ja" if cell else "nee"
    if isinstance(cell, (date, datetime, int, float)):
        return cell
    text = str(cell).replace("\r\n", "\n").strip()
    return unescape_formula(text) if kind == "csv" else text


FORMULA_START = re.compile(r"^'(?=[=+\-@\t\r])")


def unescape_formula(text: str) -> str:
    """The `'` our CSV writers put before a cell that a spreadsheet would run as a formula, taken off again."""
    return FORMULA_START.sub("", text)
