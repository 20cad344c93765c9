"""Safe file names and checked uploads for call documents and application attachments.

A stored name never comes from the user as is: it is reduced to ASCII letters, digits, dots, dashes
and underscores (no path separators, no leading dots), so it cannot leave the storage folder; the
storage adds a suffix when the name is taken. The content type is decided from the file's first
bytes, not from the name or the browser's claim.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# What may be attached: content type → accepted file name endings.
ALLOWED = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
}


def safe_name(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-_") or "file"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem[:80] or "file"
    return f"{stem}.{ext[:10].lower()}" if ext else stem


def sniff(head: bytes, name: str) -> str | None:
    """The content type the bytes really are, or None when they are nothing we accept."""
    lower = name.lower()
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        # Office Open XML and OpenDocument are ZIP files; the name ending tells which one it claims to be.
        if b"mimetypeapplication/vnd.oasis.opendocument.text" in head:
            return "application/vnd.oasis.opendocument.text"
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head:
            return "application/vnd.oasis.opendocument.spreadsheet"
        if lower.endswith(".docx") and (b"[Content_Types].xml" in head or b"word/" in head):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if lower.endswith(".xlsx") and (b"[Content_Types].xml" in head or b"xl/" in head):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


@dataclass
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def check_upload(upload) -> CheckedUpload:
    """Refuse an upload that is too big, empty, or not one of the accepted types; say which and why."""
    limit = settings.REGIJA_MAX_UPLOAD_BYTES
    name = upload.name or ""
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    head = upload.read(2048)
    content_type = sniff(head, name)
    accepted = ", ".join(sorted({e for endings in ALLOWED.values() for e in endings}))
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not a file type we accept (%(accepted)s), judging by its content.")
            % {"name": name, "accepted": accepted}
        )
    if not name.lower().endswith(ALLOWED[content_type]):
        raise ValidationError(
            _("“%(name)s” does not end in %(ending)s although its content is %(type)s.")
            % {"name": name, "ending": " / ".join(ALLOWED[content_type]), "type": content_type}
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(content_type=content_type, size=upload.size, sha256=digest.hexdigest())
