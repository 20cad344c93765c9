"""An uploaded act split into numbered paragraphs – the units of its consultation.

Plain text (UTF-8) and Word documents (DOCX, read with python-docx) are read; PDF is not (its text
order is not reliable enough to number paragraphs people cite) – staff save it as DOCX or text first.
"""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _

from regija.core.services import Refused

MAX_BYTES = 5 * 1024 * 1024
MAX_PARAGRAPHS = 2000
PARAGRAPH_MAX = 10000


def paragraphs_from_text(text: str) -> list[str]:
    """Paragraphs are separated by an empty line; lines within one are joined."""
    parts = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [" ".join(line.strip() for line in p.splitlines() if line.strip()) for p in parts if p.strip()]


def paragraphs_from_docx(data: bytes) -> list[str]:
    from docx import Document

    try:
        doc = Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises several kinds for a file that is not a DOCX
        raise Refused(
            _("The file is not a Word document (DOCX) that can be read."), field="act_file"
        ) from error
    return [p.text.strip() for p in doc.paragraphs if p.text.strip()]


def paragraphs(name: str, data: bytes) -> list[str]:
    """The paragraphs of an uploaded file, refused with a clear message when it cannot be read."""
    if len(data) > MAX_BYTES:
        raise Refused(_("The file is larger than 5 MB."), field="act_file")
    lower = name.lower()
    if lower.endswith(".docx") or data[:2] == b"PK":
        found = paragraphs_from_docx(data)
    elif lower.endswith(".pdf") or data[:5] == b"%PDF-":
        raise Refused(_("PDF files are not read: save the act as DOCX or plain text."), field="act_file")
    else:
        try:
            found = paragraphs_from_text(data.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise Refused(_("The text file is not in UTF-8."), field="act_file") from error
    check(found)
    return found


def check(found: list[str]) -> None:
    if not found:
        raise Refused(_("The act has no paragraphs to comment on."), field="act_file")
    if len(found) > MAX_PARAGRAPHS:
        raise Refused(_("The act has more than 2000 paragraphs."), field="act_file")
    if any(len(p) > PARAGRAPH_MAX for p in found):
        raise Refused(_("A paragraph of the act is longer than 10 000 characters."), field="act_file")
