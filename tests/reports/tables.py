"""Read the tables of the report's HTML and DOCX as lists of rows of cell texts, to compare them."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._caption: list[str] | None = None
        self._section = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append(
                {"key": attrs.get("data-key", ""), "caption": "", "rows": [], "head": [], "foot": []}
            )
        elif tag == "caption":
            self._caption = []
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "caption":
            self.tables[-1]["caption"] = _norm("".join(self._caption))
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(_norm("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            target = {"thead": "head", "tfoot": "foot"}.get(self._section, "rows")
            self.tables[-1][target].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def html_tables(html: str) -> list[dict]:
    """[{key, caption, head: [[...]], rows: [[...]], foot: [[...]]}] in document order."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def docx_tables(data: bytes) -> list[dict]:
    """The DOCX's tables as [{caption, head, rows+foot, header_flag}] (the caption is the paragraph
    before)."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    out = []
    last_paragraph = ""
    tables = iter(document.tables)
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if text.strip():
                last_paragraph = text
        elif child.tag == qn("w:tbl"):
            table = next(tables)
            rows = [[_norm(c.text) for c in r.cells] for r in table.rows]
            header_flag = (
                table.rows[0]._tr.trPr is not None
                and table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
            )
            out.append(
                {
                    "caption": _norm(last_paragraph),
                    "head": rows[:1],
                    "body": rows[1:],
                    "header_row": header_flag,
                }
            )
    return out


def by_key(tables: list[dict], key: str) -> dict:
    return next(t for t in tables if t["key"] == key)
