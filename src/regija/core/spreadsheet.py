"""Spreadsheet downloads (CSV and XLSX) whose cells never execute.

A spreadsheet program reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, after a tab or a carriage return) as a formula: a project title ``=HYPERLINK(…)`` or
``=cmd|' /C calc'!A0`` in a download would run when an officer opens it. Every CSV and XLSX that
Regija writes – the project list's downloads, an indicator's values, ``regija export`` – goes through
this module, so one rule (``cell``) decides for every cell:

- **CSV**: such text gets a leading apostrophe (``'=1+1``), as OWASP's advice on CSV injection says,
  and every text cell is quoted, so a program that splits on another separator (``;`` in a Slovenian
  Excel) cannot start a new cell – and a formula – inside one. Numbers stay unquoted numbers.
- **XLSX**: such text is stored as a text cell (never as a formula, which openpyxl would make of a
  string beginning with ``=``) and marked "quote prefix", Excel's own mark for text typed after an
  apostrophe: the cell shows the title exactly and stays text when edited.

Numbers (``int``, ``float``, ``Decimal``) are never changed – a negative amount stays a number – and
neither is text that is just a number (``-2.5``): a spreadsheet reads it as that number, not as a
formula.

A CSV is written in one of two **dialects** (``Dialect``), as the program that opens it reads numbers:

- ``excel-sl`` – what Excel (and LibreOffice) with Slovenian settings opens with a double click:
  cells separated by ``;``, a decimal comma and points between the thousands (``12.345,67``);
- ``csv`` – the comma-separated file of English-language spreadsheets and of programs: ``,`` and a
  decimal point, no thousands separator (``12345.67``).

Both are UTF-8 with a byte order mark, without which Excel reads č, š and ž wrongly. Only numbers are
written per dialect (the cell rule above decides on the number itself, before it is written, so a
negative amount is never mistaken for a formula); dates are ISO 8601 (``2021-10-01``), which both read
as dates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

# OWASP's list, and the full-width forms that some Excel versions also read as the start of a formula
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?\Z")


def is_risky(value: object) -> bool:
    """True for text a spreadsheet program would read as a formula."""
    return isinstance(value, str) and value.startswith(RISKY_STARTS) and not _PLAIN_NUMBER.match(value)


def cell(value: Any) -> Any:
    """The value as a download writes it into a cell: text a spreadsheet would read as a formula gets a
    leading apostrophe; everything else (numbers, dates, other text, ``None``) is returned unchanged."""
    return "'" + value if is_risky(value) else value


@dataclasses.dataclass(frozen=True)
class Dialect:
    """How a CSV separates its cells and writes its numbers."""

    name: str
    delimiter: str
    decimal_sign: str
    thousands: str = ""
    bom: str = "\ufeff"

    def number(self, value: int | float | Decimal) -> str:
        """``Decimal("12345.67")`` → ``12.345,67`` (excel-sl) or ``12345.67`` (csv); the places a
        Decimal has are kept (money keeps its cents), and there is no negative zero."""
        if isinstance(value, float):
            value = Decimal(repr(value))
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        sign = "-" if text.startswith("-") and text.strip("-0.") else ""
        whole, _point, fraction = text.lstrip("-").partition(".")
        if self.thousands:
            groups = []
            while len(whole) > 3:
                groups.insert(0, whole[-3:])
                whole = whole[:-3]
            whole = self.thousands.join([whole, *groups])
        return sign + whole + (self.decimal_sign + fraction if fraction else "")


EXCEL_SL = Dialect("excel-sl", delimiter=";", decimal_sign=",", thousands=".")
PLAIN_CSV = Dialect("csv", delimiter=",", decimal_sign=".")
DIALECTS = {d.name: d for d in (EXCEL_SL, PLAIN_CSV)}


def dialect_for(language: str, asked: str | None = None) -> Dialect:
    """The dialect asked for by name (``?dialect=excel-sl|csv``), else the one of the page's language:
    Slovenian Excel's for Slovenian, the plain CSV for English."""
    if asked in DIALECTS:
        return DIALECTS[asked]
    return EXCEL_SL if (language or "sl").startswith("sl") else PLAIN_CSV


def other_dialect(dialect: Dialect) -> Dialect:
    """The dialect a page offers next to its default."""
    return PLAIN_CSV if dialect is EXCEL_SL else EXCEL_SL


def other_offered(language: str) -> dict[str, str]:
    """The dialect a page offers next to the default download of its language, by name and by what
    its link says (in the page's language)."""
    from django.utils.translation import gettext as _

    other = other_dialect(dialect_for(language))
    label = (
        _("CSV for Excel in Slovenian (semicolons, decimal comma)")
        if other is EXCEL_SL
        else _("CSV with commas and decimal points (English Excel, programs)")
    )
    return {"name": other.name, "label": label}


class CsvWriter:
    """A CSV writer in a ``Dialect`` whose every cell goes through ``cell``: text cells (and dates)
    are quoted, so a program that splits on another separator cannot start a new cell – and a
    formula – inside one; numbers are unquoted, written as the dialect writes them; ``None`` is an
    empty cell. Lines end with CRLF, as RFC 4180 says.

    ``writerow`` returns what the stream's ``write`` returns, so it also serves a streaming response
    (a file object whose ``write`` returns the line)."""

    def __init__(self, stream: Any, dialect: Dialect = PLAIN_CSV) -> None:
        self._stream = stream
        self.dialect = dialect

    def field(self, value: Any) -> str:
        """One cell as the row would write it."""
        value = cell(value)
        if value is None:
            return ""
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return self.dialect.number(value)
        text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
        return '"' + text.replace('"', '""') + '"'

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._stream.write(self.dialect.delimiter.join(self.field(v) for v in row) + "\r\n")

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: Any, dialect: Dialect = PLAIN_CSV) -> CsvWriter:
    """A CSV writer for a download: see ``CsvWriter``."""
    return CsvWriter(stream, dialect)


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """An openpyxl cell of ``sheet`` (a write-only sheet too) for ``value``, following ``cell``: risky text
    is a text cell with Excel's quote-prefix mark (never a formula); ``Decimal`` is written as a number;
    characters XML cannot hold (control characters other than tab, line feed and carriage return) are
    left out instead of failing the whole download."""
    from openpyxl.cell.cell import WriteOnlyCell

    c = WriteOnlyCell(sheet)
    set_xlsx_cell(c, value)
    return c


def set_xlsx_cell(c: Any, value: Any) -> None:
    """Put ``value`` into the openpyxl cell ``c`` (of any sheet) by the rule of ``xlsx_cell``."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    c.value = value
    if is_risky(value):
        c.data_type = "s"  # openpyxl made a formula of text beginning with "="
        c.quotePrefix = True


def xlsx(sheets: Iterable[tuple[str, Sequence[str], Iterable[Iterable[Any]]]]) -> bytes:
    """An XLSX workbook of ``(name, header, rows)`` sheets, written row by row (a large download stays
    small in memory): a bold header row that stays in view, then the rows, every cell through
    ``xlsx_cell``."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, header, rows in sheets:
        ws = wb.create_sheet(name[:31])
        ws.freeze_panes = "A2"
        heads = []
        for label in header:
            h = WriteOnlyCell(ws, value=label)
            h.font = bold
            heads.append(h)
        ws.append(heads)
        for row in rows:
            ws.append([xlsx_cell(ws, v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
