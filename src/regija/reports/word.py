"""The annual report as a Word document staff can edit: real headings, real tables with header rows.

Drawn from the same blocks as the HTML (``layout.layout``), so the figures are the same text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from .annual import AnnualReport
from .layout import Heading, Paragraph, Table, layout


def _language_tag() -> str:
    return "en-GB" if (get_language() or "sl").startswith("en") else "sl-SI"


def _set_language(style, tag: str) -> None:
    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), tag)


def _repeat_header(row) -> None:
    """Mark a table row as a header row: Word repeats it on every page and screen readers announce it."""
    # python-docx has no public way to a row's XML element, nor a header-row setting
    tr_pr = row._tr.get_or_add_trPr()  # noqa: SLF001 - see above
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _fill(cell, text: str, *, bold: bool = False, right: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(text.split("\n")):
        run = paragraph.add_run(line)
        run.bold = bold or None
        if i < len(text.split("\n")) - 1:
            run.add_break()
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _table(doc, t: Table) -> None:
    doc.add_paragraph(t.caption, style="Caption")
    columns = len(t.columns)
    table = doc.add_table(rows=1, cols=columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    numeric = [any(r[i].numeric for r in t.rows + t.footer) for i in range(columns)]
    header = table.rows[0]
    _repeat_header(header)
    for i, name in enumerate(t.columns):
        _fill(header.cells[i], name, bold=True, right=numeric[i])
    for row in t.rows:
        cells = table.add_row().cells
        for i, cell in enumerate(row):
            _fill(cells[i], cell.text, right=cell.numeric)
    for row in t.footer:
        cells = table.add_row().cells
        for i, cell in enumerate(row):
            _fill(cells[i], cell.text, bold=True, right=cell.numeric)
    doc.add_paragraph()


def render(report: AnnualReport) -> bytes:
    """The .docx file's bytes, in the active language."""
    title = _("Annual activity report %(year)s") % {"year": report.year} + f" – {report.profile.name}"
    return document(layout(report), title=title, subject=report.profile.name)


def document(blocks: Iterable[Heading | Table | Paragraph], *, title: str, subject: str) -> bytes:
    """A Word document of report blocks (``layout.Heading``, ``Table``, ``Paragraph``) in the active
    language – the annual report's, and any other report drawn as blocks (a consultation's report)."""
    doc = Document()
    tag = _language_tag()
    for name in ("Normal", "Caption", "Heading 1", "Heading 2", "Heading 3"):
        _set_language(doc.styles[name], tag)
    doc.styles["Normal"].font.size = Pt(10)
    doc.styles["Caption"].font.color.rgb = RGBColor(0, 0, 0)
    props = doc.core_properties
    props.title = title
    props.language = tag
    props.subject = subject
    props.author = "Regija"
    for block in blocks:
        if isinstance(block, Heading):
            # level 1 is the document title; chapters are Heading 1 so Word's navigation shows them
            if block.level == 1:
                doc.add_heading(block.text, level=0)
            else:
                doc.add_heading(block.text, level=block.level - 1)
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Paragraph):
            paragraph = doc.add_paragraph(block.text)
            if block.style in ("note", "empty"):
                for run in paragraph.runs:
                    run.italic = True
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
