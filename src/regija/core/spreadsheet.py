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
"""

from __future__ import annotations

import csv
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


class CsvWriter:
    """``csv.writer`` whose every cell goes through ``cell`` and whose text cells are quoted.

    ``writerow`` returns what the underlying writer returns, so it also serves a streaming response
    (a file object whose ``write`` returns the line)."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream, quoting=csv.QUOTE_NONNUMERIC)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: Any) -> CsvWriter:
    """A CSV writer for a download: see ``CsvWriter``."""
    return CsvWriter(stream)


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """An openpyxl cell of ``sheet`` (a write-only sheet too) for ``value``, following ``cell``: risky text
    is a text cell with Excel's quote-prefix mark (never a formula); ``Decimal`` is written as a number;
    characters XML cannot hold (control characters other than tab, line feed and carriage return) are
    left out instead of failing the whole download."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell

    if isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    c = WriteOnlyCell(sheet, value=value)
    if is_risky(value):
        c.data_type = "s"  # openpyxl made a formula of text beginning with "="
        c.quotePrefix = True
    return c


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
