"""The file format of places: CSV (UTF-8, comma or semicolon), XLSX (the first sheet) or GeoJSON (a
FeatureCollection of Points), one place a row or feature, with the columns of ``COLUMNS`` (docs/places.md).
Reading only splits a file into rows of text values with their row numbers; ``services.import_places``
checks every row and writes all or nothing."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

COLUMNS = (
    "code",
    "category",
    "name",
    "name_en",
    "latitude",
    "longitude",
    "address",
    "opening_hours",
    "accessibility",
    "accessibility_en",
    "phone",
    "email",
    "website",
    "photo",
    "source",
    "checked_on",
    "illustrative",
)
MAX_ROWS = 20_000


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (not CSV, XLSX or GeoJSON; no header …)."""


@dataclass
class Row:
    number: int  # the spreadsheet's row (the header is row 1) or the GeoJSON feature (from 1)
    values: dict[str, str]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return str(value).strip()


def _rows(header: list[Any], body: list[tuple[int, list[Any]]]) -> list[Row]:
    names = [_text(h).lower() for h in header]
    if "category" not in names or "name" not in names:
        raise UnreadableFile(
            _("The first row must name the columns (at least category, name, latitude, longitude).")
        )
    out = []
    for number, cells in body:
        values = {n: _text(c) for n, c in zip(names, cells, strict=False) if n}
        if any(values.values()):
            out.append(Row(number, values))
    if len(out) > MAX_ROWS:
        raise UnreadableFile(_("A file holds at most %(n)s places.") % {"n": MAX_ROWS})
    return out


def read_csv(data: bytes) -> list[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(_("The CSV file is not in UTF-8.")) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = list(csv.reader(io.StringIO(text), dialect))
    if not lines:
        raise UnreadableFile(_("The file is empty."))
    return _rows(lines[0], [(i, cells) for i, cells in enumerate(lines[1:], start=2)])


def read_xlsx(data: bytes) -> list[Row]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise UnreadableFile(_("The file is not an XLSX workbook.")) from None
    sheet = book.worksheets[0]
    lines = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    if not lines:
        raise UnreadableFile(_("The file is empty."))
    return _rows(lines[0], [(i, cells) for i, cells in enumerate(lines[1:], start=2)])


def read_geojson(data: bytes) -> list[Row]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise UnreadableFile(_("The file is not GeoJSON (JSON in UTF-8).")) from None
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(doc.get("features"), list)
    ):
        raise UnreadableFile(_("A GeoJSON file of places is a FeatureCollection."))
    out = []
    for number, feature in enumerate(doc["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        values = {k: _text(v) for k, v in (props or {}).items() if isinstance(k, str) and k in COLUMNS}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            isinstance(geometry, dict)
            and geometry.get("type") == "Point"
            and isinstance(coords, list)
            and len(coords) >= 2
        ):
            values["longitude"], values["latitude"] = _text(coords[0]), _text(coords[1])
        else:
            values["latitude"] = values["longitude"] = ""
            values["_geometry"] = "bad"
        out.append(Row(number, values))
    if len(out) > MAX_ROWS:
        raise UnreadableFile(_("A file holds at most %(n)s places.") % {"n": MAX_ROWS})
    return out


def read(name: str, data: bytes) -> list[Row]:
    """The rows of a file, by its name's ending."""
    lower = name.lower()
    if lower.endswith(".csv"):
        return read_csv(data)
    if lower.endswith(".xlsx"):
        return read_xlsx(data)
    if lower.endswith((".geojson", ".json")):
        return read_geojson(data)
    raise UnreadableFile(_("Give a CSV, XLSX or GeoJSON file (.csv, .xlsx, .geojson)."))
