"""Copying a dataset into the lake: a CSV, XLSX, JSON, GeoJSON or Parquet file becomes one Parquet file.

Pure functions on local files (no models, no database): the lake's services call them to store a new
version of a copied dataset and to refuse one that is broken or whose columns changed incompatibly.

- ``detect_format`` tells the format by the file's first bytes (its name only when they do not);
- ``to_parquet`` reads a file, infers its columns' types (``TYPES``) or takes the owner's fixes, and
  writes the rows as Parquet (zstd, row groups of 122 880 rows, optionally sorted), atomically;
- ``read_columns`` gives the columns of a stored version, ``incompatible`` says why a new version
  cannot replace an old one;
- ``fetch`` and ``copy_limited`` bring a file in while streaming and stop at the size limit.

CSV is read by DuckDB (``read_csv`` with the types decided here), so a large file goes at DuckDB's
speed: Python reads the file once, for its SHA-256 and to check that it is UTF-8 (a Windows-1250 file is
transcoded to UTF-8 first), and looks at its first rows for the delimiter, the decimal comma and the
types. Slovenian numbers (``1.234,56``, ``1 234,5``, ``-`` for none) and dates (``31. 12. 2023``) that
DuckDB cannot read itself are read as text and converted in SQL. A value further down that does not
fit the type the first rows suggested makes that column be checked in full and typed again; a value
that does not fit a type the owner fixed is an error naming its line and column.

Every problem is a ``core.files.Problem`` with its place – a CSV line, a cell (``List1!C5``) or a
feature's index – and a message in the active language.
"""

from __future__ import annotations

import codecs
import concurrent.futures
import contextlib
import csv
import dataclasses
import datetime as dt
import hashlib
import http.client
import io
import ipaddress
import json
import math
import os
import re
import shutil
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET  # noqa: S405 - parses the workbook's own XML, not untrusted entities
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

import duckdb

from regija.core.files import InvalidFile, Problem
from regija.core.translate import gettext

TYPES = ("integer", "number", "text", "date", "datetime", "boolean", "geometry")
FORMATS = ("csv", "xlsx", "json", "geojson", "parquet")

MEMORY_LIMIT = "600MB"
THREADS = 2
ROW_GROUP_SIZE = 122_880
CHUNK = 1 << 20
SAMPLE_BYTES = 2 << 20  # the first rows of a CSV that decide its delimiter, decimal comma and types
SAMPLE_ROWS = 20_000
XLSX_BATCH = 10_000
MAX_PROBLEMS = 10
MAX_OBJECT = 200 << 20  # the largest JSON object DuckDB reads whole (a FeatureCollection, {"records": …})
DELIMITERS = (";", "\t", "|", ",")
NULL_MARKS = frozenset({"", "-", "–", "—", "...", "…"})  # "no value" in Slovenian statistical tables


@dataclasses.dataclass
class Column:
    name: str
    type: str
    source_name: str = ""  # the header as written in the file


@dataclasses.dataclass
class Ingested:
    rows: int
    columns: list[Column]
    format: str
    encoding: str | None
    delimiter: str | None
    decimal_comma: bool
    sha256: str
    source_bytes: int
    parquet_bytes: int


class IngestError(InvalidFile):
    """A file that cannot be copied into the lake, with every problem found (each with its place)."""


def _error(file: str, line: int | str | None, message: str, field: str = "") -> IngestError:
    return IngestError([Problem(file, line, field, message)])


# --- formats ----------------------------------------------------------------------------------------


def detect_format(filename: str, head: bytes) -> str:
    """The format of a file from its first bytes (``head``, a few KB), then its name."""
    ext = Path(filename).suffix.lower().lstrip(".")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        if ext == "xlsx" or b"xl/" in head or b"[Content_Types].xml" in head:
            return "xlsx"
        raise _error(filename, None, gettext("this is a ZIP archive, not a workbook (.xlsx) or a data file"))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _error(filename, None, gettext("the text is UTF-16; save the file again as UTF-8 (CSV UTF-8)"))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _error(
            filename,
            None,
            gettext("this is an old Excel workbook (.xls); save it as .xlsx or CSV and try again"),
        )
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if text[:1] in (b"{", b"["):
        if ext == "geojson" or re.search(rb'"type"\s*:\s*"FeatureCollection"', head):
            return "geojson"
        return "json"
    if ext in ("geojson", "json") and not text:
        return "geojson" if ext == "geojson" else "json"
    if b"\x00" not in head and (head or ext in ("csv", "tsv", "txt")):
        return "csv"
    raise _error(
        filename,
        None,
        gettext("the format of this file is not known; send CSV, XLSX, JSON, GeoJSON or Parquet"),
    )


# --- the DuckDB side ---------------------------------------------------------------------------------


def _connect(spill: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        config={"memory_limit": MEMORY_LIMIT, "threads": THREADS, "temp_directory": str(spill)}
    )
    return con


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_DUCK_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "text": "VARCHAR",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "geometry": "VARCHAR",
}


def _our_type(duck: str) -> str | None:
    """Our type for a DuckDB type; None for a type stored as JSON text (lists, structs …)."""
    duck = duck.upper()
    if duck in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"):
        return "integer"
    if duck in ("HUGEINT", "UHUGEINT", "FLOAT", "DOUBLE") or duck.startswith("DECIMAL"):
        return "number"
    if duck == "DATE":
        return "date"
    if duck.startswith("TIMESTAMP"):
        return "datetime"
    if duck == "BOOLEAN":
        return "boolean"
    if duck in ("VARCHAR", "UUID", "TIME", "INTERVAL", "JSON"):
        return "text"
    if duck == "GEOMETRY":
        return "geometry"
    return None


def normalise_names(names: Iterable[str | None]) -> list[str]:
    """Column names as stored: trimmed, inner spaces collapsed, never empty (``stolpec_3``), unique
    ignoring case (DuckDB's identifiers are case-insensitive): a repeated name gets ``_2``, ``_3``."""
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names, start=1):
        name = " ".join(str(raw if raw is not None else "").split())
        if not name:
            name = f"stolpec_{i}"
        base, n = name, 1
        while name.casefold() in seen:
            n += 1
            name = f"{base}_{n}"
        seen.add(name.casefold())
        out.append(name)
    return out


@dataclasses.dataclass
class _Out:
    """A column being written: its stored name, our type, the SQL that computes it."""

    name: str
    type: str
    source_name: str
    sql: str


def _write(
    con: duckdb.DuckDBPyConnection,
    source_sql: str,
    columns: list[_Out],
    tmp: Path,
    sort_by: list[str] | None,
    file: str,
) -> int:
    select = ", ".join(f"{c.sql} AS {_ident(c.name)}" for c in columns)
    order = ""
    if sort_by:
        names = {c.name.casefold(): c.name for c in columns}
        missing = [s for s in sort_by if s.casefold() not in names]
        if missing:
            raise _error(
                file,
                None,
                gettext("cannot sort by %(columns)s: there is no such column")
                % {"columns": ", ".join(missing)},
            )
        order = " ORDER BY " + ", ".join(_ident(names[s.casefold()]) for s in sort_by)
    meta = json.dumps(
        {"columns": [{"name": c.name, "type": c.type, "source_name": c.source_name} for c in columns]},
        ensure_ascii=False,
    )
    row = con.execute(
        f"COPY (SELECT {select} FROM {source_sql}{order}) TO {_lit(str(tmp))} "  # noqa: S608 - identifiers and paths quoted by _ident and _lit
        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_SIZE}, "
        f"KV_METADATA {{regija_columns: {_lit(meta)}}})"
    ).fetchone()
    return int(row[0]) if row else 0


# --- type inference of text values (CSV) ------------------------------------------------------------

_INT_PLAIN = re.compile(r"[+-]?\d+")
_SEP = "[ \u00a0\u202f]"
_INT_DC = re.compile(rf"[+-]?\d{{1,3}}(?:(?:\.\d{{3}})+|(?:{_SEP}\d{{3}})+)")
_INT_DOT = re.compile(rf"[+-]?\d{{1,3}}(?:{_SEP}\d{{3}})+")
_NUM_DC_PLAIN = re.compile(r"[+-]?\d+(?:,\d+)?")
_NUM_DC = re.compile(rf"[+-]?(?:\d{{1,3}}(?:(?:\.\d{{3}})+|(?:{_SEP}\d{{3}})+)|\d+)(?:,\d+)?|[+-]?,\d+")
_NUM_DOT_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?")
_NUM_DOT = re.compile(
    rf"[+-]?(?:\d{{1,3}}(?:{_SEP}\d{{3}})+|\d+)(?:\.\d+)?|[+-]?\.\d+|{_NUM_DOT_PLAIN.pattern}"
)
_DATE_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_SL = re.compile(r"\d{1,2}\.\s*\d{1,2}\.\s*\d{4}")
_DATETIME_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?")
_DATETIME_SL = re.compile(r"\d{1,2}\.\s*\d{1,2}\.\s*\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?")
_BOOLS = {"true": True, "false": False, "da": True, "ne": False}
_LEADING_ZERO = re.compile(r"[+-]?0\d")


def _py_value(kind: str, value: str, dc: bool) -> Any:  # noqa: C901 - one case per type
    """``value`` (stripped, not a null mark) read as ``kind``; None if it does not fit. The SQL of
    ``_sql_value`` reads exactly the same values."""
    if kind == "text" or kind == "geometry":
        return value
    if kind == "integer":
        if _INT_PLAIN.fullmatch(value) or (_INT_DC if dc else _INT_DOT).fullmatch(value):
            number = int(re.sub(r"[.\s\u00a0\u202f]", "", value))
            return number if -(2**63) <= number < 2**63 else None
        return None
    if kind == "number":
        if not (_NUM_DC if dc else _NUM_DOT).fullmatch(value):
            return None
        cleaned = re.sub(r"[\s\u00a0\u202f]", "", value)
        if dc:
            cleaned = cleaned.replace(".", "").replace(",", ".")
        real = float(cleaned)
        return real if math.isfinite(real) else None
    if kind == "date":
        try:
            if _DATE_ISO.fullmatch(value):
                return dt.date.fromisoformat(value)
            if _DATE_SL.fullmatch(value):
                d, m, y = (int(p) for p in re.sub(r"\s", "", value).split(".")[:3])
                return dt.date(y, m, d)
        except ValueError:
            return None
        return None
    if kind == "datetime":
        try:
            if _DATETIME_ISO.fullmatch(value):
                return dt.datetime.fromisoformat(value)
            if _DATETIME_SL.fullmatch(value):
                day, time = re.sub(r"\.\s+", ".", value).split(None, 1)
                d, m, y = (int(p) for p in day.split(".")[:3])
                parts = [int(p) for p in time.split(":")]
                return dt.datetime(y, m, d, parts[0], parts[1], parts[2] if len(parts) > 2 else 0)
        except ValueError:
            return None
        return None
    if kind == "boolean":
        return _BOOLS.get(value.lower())
    raise ValueError(kind)


def _sql_value(kind: str, v: str, dc: bool) -> str:
    """SQL that reads the text ``v`` (trimmed, not a null mark) as ``kind``, NULL where it does not fit."""
    if kind in ("text", "geometry"):
        return v
    if kind == "integer":
        pattern = f"{_INT_PLAIN.pattern}|{(_INT_DC if dc else _INT_DOT).pattern}"
        return (
            f"CASE WHEN regexp_full_match({v}, {_lit(pattern)}) "
            f"THEN TRY_CAST(regexp_replace({v}, '[.\\s\u00a0\u202f]', '', 'g') AS BIGINT) END"
        )
    if kind == "number":
        pattern = (_NUM_DC if dc else _NUM_DOT).pattern
        cleaned = f"regexp_replace({v}, '[\\s\u00a0\u202f]', '', 'g')"
        if dc:
            cleaned = f"replace(replace({cleaned}, '.', ''), ',', '.')"
        return (
            f"CASE WHEN regexp_full_match({v}, {_lit(pattern)}) "
            f"THEN CASE WHEN isfinite(TRY_CAST({cleaned} AS DOUBLE)) "
            f"THEN TRY_CAST({cleaned} AS DOUBLE) END END"
        )
    if kind == "date":
        return (
            f"CASE WHEN regexp_full_match({v}, {_lit(_DATE_ISO.pattern)}) THEN TRY_CAST({v} AS DATE) "
            f"WHEN regexp_full_match({v}, {_lit(_DATE_SL.pattern)}) "
            f"THEN CAST(try_strptime(regexp_replace({v}, '\\s', '', 'g'), '%d.%m.%Y') AS DATE) END"
        )
    if kind == "datetime":
        return (
            f"CASE WHEN regexp_full_match({v}, {_lit(_DATETIME_ISO.pattern)}) "
            f"THEN TRY_CAST({v} AS TIMESTAMP) "
            f"WHEN regexp_full_match({v}, {_lit(_DATETIME_SL.pattern)}) "
            f"THEN try_strptime(regexp_replace({v}, '\\.\\s+', '.', 'g'), "
            f"['%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M']) END"
        )
    if kind == "boolean":
        cases = " ".join(f"WHEN {_lit(k)} THEN {str(b).upper()}" for k, b in _BOOLS.items())
        return f"CASE lower({v}) {cases} END"
    raise ValueError(kind)


def _is_null(value: str, kind: str) -> bool:
    return value == "" or (kind not in ("text", "geometry") and value in NULL_MARKS)


def _null_sql(v: str, kind: str) -> str:
    marks = [""] if kind in ("text", "geometry") else sorted(NULL_MARKS)
    return f"{v} IS NULL OR {v} IN ({', '.join(_lit(m) for m in marks)})"


_INFER_ORDER = ("boolean", "integer", "number", "datetime", "date")


def _infer(values: list[str], dc: bool) -> str:
    """The narrowest of our types that every (stripped, non-empty) sample value fits."""
    present = [v for v in values if v not in NULL_MARKS]
    if not present:
        return "text"
    for kind in _INFER_ORDER:
        if all(_py_value(kind, v, dc) is not None for v in present):
            if kind == "integer" and any(_LEADING_ZERO.match(v) for v in present):
                return "text"  # codes with leading zeros (postal codes, ids) stay text
            if kind == "number" and any(
                _LEADING_ZERO.match(v) and "," not in v and "." not in v for v in present
            ):
                return "text"
            return kind
    return "text"


def _native(kind: str, values: list[str], dc: bool) -> bool:
    """Whether DuckDB's ``read_csv`` can read the column as ``kind`` itself (faster than SQL after)."""
    if any(v in NULL_MARKS and v != "" for v in values):
        return False
    present = [v for v in values if v]
    if kind == "text":
        return True
    if kind == "integer":
        return all(_INT_PLAIN.fullmatch(v) for v in present)
    if kind == "number":
        return all((_NUM_DC_PLAIN if dc else _NUM_DOT_PLAIN).fullmatch(v) for v in present)
    if kind == "date":
        return all(_DATE_ISO.fullmatch(v) for v in present)
    if kind == "datetime":
        return all(_DATETIME_ISO.fullmatch(v) for v in present)
    return False


# --- CSV -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Scan:
    sha256: str
    size: int
    encoding: str  # "utf-8" or "cp1250"
    bad_offset: int | None  # where the file first stops being UTF-8
    utf8_before: bool  # whether UTF-8 letters came before that


def _scan(source: Path) -> _Scan:
    """One pass over the file: its SHA-256, and whether it is UTF-8 (else where it first stops being,
    and whether UTF-8 letters came before that: then it is broken UTF-8, not Windows-1250)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    size = 0
    bad: int | None = None
    letters = False  # non-ASCII UTF-8 seen before ``bad``
    with source.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            if bad is None and (not chunk.isascii() or decoder.getstate()[0]):
                try:
                    decoder.decode(chunk)
                    letters = True
                except UnicodeDecodeError as exc:
                    bad = size + exc.start
                    letters = letters or not chunk[: exc.start].isascii()
            size += len(chunk)
    if bad is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad = size - 1
    return _Scan(digest.hexdigest(), size, "utf-8" if bad is None else "cp1250", bad, letters)


def _line_at(source: Path, offset: int) -> int:
    line = 1
    done = 0
    with source.open("rb") as f:
        while done < offset and (chunk := f.read(min(CHUNK, offset - done))):
            line += chunk.count(b"\n")
            done += len(chunk)
    return line


def _transcode(source: Path, dest: Path, file: str, scan: _Scan) -> None:
    """Windows-1250 to UTF-8, streaming; a byte that is neither is an error at its line."""
    if scan.utf8_before:
        raise _error(
            file,
            _line_at(source, scan.bad_offset or 0),
            gettext(
                "the file is UTF-8 text up to this line, where it stops being (a part saved in another "
                "encoding?); save the whole file again as UTF-8"
            ),
        )
    decoder = codecs.getincrementaldecoder("cp1250")("strict")
    with source.open("rb") as src, dest.open("wb") as out:
        while chunk := src.read(CHUNK):
            try:
                out.write(decoder.decode(chunk).encode("utf-8"))
            except UnicodeDecodeError:
                line = _line_at(source, scan.bad_offset or 0)
                raise _error(
                    file,
                    line,
                    gettext(
                        "the text is neither UTF-8 nor Windows-1250 (from this line on); "
                        "save the file again as UTF-8"
                    ),
                ) from None


def _sample(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
        more = bool(f.read(1))
    text = head.decode("utf-8-sig", errors="replace")
    if more and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    return text


def _rows(text: str, delimiter: str, limit: int) -> list[list[str]]:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    with contextlib.suppress(csv.Error):  # a sample cut inside a quoted value ends there
        for row in reader:
            if row:
                rows.append(row)
                if len(rows) >= limit:
                    break
    return rows


def _sniff_delimiter(text: str) -> str:
    best, best_score = ",", (-1.0, 0)
    for d in DELIMITERS:
        rows = _rows(text, d, 200)
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        same = sum(1 for r in rows[1:] if len(r) == width) / max(1, len(rows) - 1)
        score = (same, width)
        if score > best_score:
            best, best_score = d, score
    return best


def _decimal_comma(columns: list[list[str]], delimiter: str) -> bool:
    """Whether the file writes decimals with a comma: by the sample's values, and when they do not tell
    (only values such as 14.321), by its delimiter (``;`` is the delimiter of decimal-comma locales)."""
    comma = dot = 0
    for values in columns:
        for v in values[:2000]:
            if _NUM_DC.fullmatch(v) and "," in v:
                comma += 1
            elif _NUM_DOT_PLAIN.fullmatch(v) and "." in v and not _INT_DC.fullmatch(v):
                dot += 1
    return comma > dot or (comma == dot and delimiter == ";")


def _csv_problem(exc: duckdb.Error, file: str, names: list[str]) -> IngestError:
    text = str(exc)
    m = re.search(r"Line: (\d+)", text)
    line = int(m[1]) if m else None
    if m := re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text):
        message = gettext("this line has %(found)s values, the header has %(expected)s") % {
            "found": m[2],
            "expected": m[1],
        }
    elif "unterminated quote" in text:
        message = gettext('a quoted value starts here and is never closed (a closing " is missing)')
    elif "Invalid unicode" in text or "UTF-8" in text:
        message = gettext("the text is not valid UTF-8 here")
    else:
        message = gettext("the file cannot be read as CSV here: %(detail)s") % {
            "detail": text.splitlines()[0]
        }
    return _error(file, line, message)


_MISMATCH = "regija-lake-mismatch:"


def _type_name(kind: str) -> str:
    return {
        "integer": gettext("a whole number"),
        "number": gettext("a number"),
        "text": gettext("text"),
        "date": gettext("a date"),
        "datetime": gettext("a date and time"),
        "boolean": gettext("true or false"),
        "geometry": gettext("a geometry"),
    }[kind]


def _mismatch_problems(
    path: Path, file: str, delimiter: str, index: int, name: str, kind: str, dc: bool
) -> list[Problem]:
    """The lines (up to ``MAX_PROBLEMS``) whose value in column ``index`` does not fit ``kind``."""
    problems: list[Problem] = []
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, quotechar='"', doublequote=True)
        next(reader, None)
        for row in reader:
            if index >= len(row):
                continue
            value = row[index].strip()
            if _is_null(value, kind) or _py_value(kind, value, dc) is not None:
                continue
            message = gettext("%(value)s is not %(type)s") % {"value": repr(value), "type": _type_name(kind)}
            problems.append(Problem(file, reader.line_num, name, message))
            if len(problems) >= MAX_PROBLEMS:
                break
    return problems


def _head_is_utf8(source: Path) -> bool:
    with source.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head)
    except UnicodeDecodeError:
        return False
    return True


def _csv(
    source: Path, tmp: Path, work: Path, file: str, types: dict[str, str], sort_by: list[str] | None
) -> Ingested:
    """A CSV file. Its SHA-256 and UTF-8 check run in a thread while DuckDB writes (hashlib and DuckDB
    both release the GIL); when the first 2 MB are UTF-8 the file is taken to be, and in the rare case
    that a later part is not, it is transcoded and written again."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        scanning = pool.submit(_scan, source)
        written: tuple[int, list[_Out], str, bool] | None = None
        if _head_is_utf8(source):
            try:
                written = _csv_rows(source, tmp, work, file, types, sort_by)
            except IngestError:
                if scanning.result().encoding == "utf-8":
                    raise
        scan = scanning.result()
    if written is None or scan.encoding != "utf-8":
        path = work / "utf8.csv"
        _transcode(source, path, file, scan)
        written = _csv_rows(path, tmp, work, file, types, sort_by)
    count, outs, delimiter, dc = written
    return Ingested(
        rows=count,
        columns=[Column(o.name, o.type, o.source_name) for o in outs],
        format="csv",
        encoding=scan.encoding,
        delimiter=delimiter,
        decimal_comma=dc,
        sha256=scan.sha256,
        source_bytes=scan.size,
        parquet_bytes=tmp.stat().st_size,
    )


def _csv_rows(  # noqa: C901 - the steps of reading a CSV, in order
    path: Path, tmp: Path, work: Path, file: str, types: dict[str, str], sort_by: list[str] | None
) -> tuple[int, list[_Out], str, bool]:
    """Write the rows of the UTF-8 CSV at ``path``: its row count, columns, delimiter and whether it
    writes decimal commas."""
    text = _sample(path)
    if not text.strip():
        raise _error(file, None, gettext("the file is empty"))
    delimiter = _sniff_delimiter(text)
    rows = _rows(text, delimiter, SAMPLE_ROWS + 1)
    header, body = rows[0], rows[1:]
    if not body:
        raise _error(file, 1, gettext("the file has a header but no rows of data"))
    names = normalise_names(header)
    width = len(header)
    columns = [[r[i].strip() for r in body if i < len(r)] for i in range(width)]
    dc = _decimal_comma(columns, delimiter)
    fixed = _fixed_types(types, names, file)
    kinds = [fixed.get(n) or _infer(values, dc) for n, values in zip(names, columns, strict=True)]
    native = [_native(k, v, dc) for k, v in zip(kinds, columns, strict=True)]

    checked: set[int] = set()
    con = _connect(work)
    try:
        for _attempt in range(width + 1):  # each attempt after the first types one more column in full
            read_types = ", ".join(
                f"{_lit(f'c{i}')}: {_lit(_DUCK_TYPES[k] if n and k != 'geometry' else 'VARCHAR')}"
                for i, (k, n) in enumerate(zip(kinds, native, strict=True))
            )
            source_sql = (
                f"read_csv({_lit(str(path))}, delim={_lit(delimiter)}, quote='\"', escape='\"', header=true, "
                f"auto_detect=false, strict_mode=true, decimal_separator={_lit(',' if dc else '.')}, "
                f"columns={{{read_types}}})"
            )
            outs = []
            for i, (name, source_name, kind, nat) in enumerate(
                zip(names, header, kinds, native, strict=True)
            ):
                v = f"trim(c{i})"
                if nat:
                    sql = f"c{i}"
                elif kind in ("text", "geometry"):
                    sql = f"CASE WHEN {v} = '' THEN NULL ELSE c{i} END"
                else:
                    sql = (
                        f"CASE WHEN {_null_sql(v, kind)} THEN NULL ELSE "
                        f"coalesce({_sql_value(kind, v, dc)}, error({_lit(f'{_MISMATCH}{i}')})) END"
                    )
                outs.append(_Out(name, kind, source_name.strip(), sql))
            try:
                count = _write(con, source_sql, outs, tmp, sort_by, file)
                break
            except duckdb.Error as exc:
                message = str(exc)
                failed: int | None = None
                if m := re.search(re.escape(_MISMATCH) + r"(\d+)", message):
                    failed = int(m[1])
                elif m := re.search(r'Error when converting column "c(\d+)"', message):
                    failed = int(m[1])
                if failed is None:
                    raise _csv_problem(exc, file, names) from None
                if names[failed] in fixed:
                    problems = _mismatch_problems(
                        path, file, delimiter, failed, names[failed], kinds[failed], dc
                    )
                    if not problems:
                        raise _csv_problem(exc, file, names) from None
                    raise IngestError(problems) from None
                if failed in checked:  # typed over the whole file already: the SQL and the check disagree
                    raise _csv_problem(exc, file, names) from None
                kinds[failed] = _infer_fully(con, path, delimiter, width, failed, dc)
                native[failed] = False
                checked.add(failed)
        else:
            raise _error(file, None, gettext("the file cannot be read: %(detail)s") % {"detail": "types"})
    finally:
        con.close()
    return count, outs, delimiter, dc


def _infer_fully(
    con: duckdb.DuckDBPyConnection, path: Path, delimiter: str, width: int, index: int, dc: bool
) -> str:
    """The narrowest type every value of column ``index`` fits, checked over the whole file."""
    read_types = ", ".join(f"{_lit(f'c{i}')}: 'VARCHAR'" for i in range(width))
    v = f"trim(c{index})"
    checks = ", ".join(
        f"bool_and({_null_sql(v, kind)} OR ({_sql_value(kind, v, dc)}) IS NOT NULL)" for kind in _INFER_ORDER
    )
    row = con.execute(
        f"SELECT {checks}, bool_or(regexp_matches({v}, '^[+-]?0\\d') AND NOT contains({v}, ',') "  # noqa: S608 - identifiers and paths quoted by _ident and _lit
        f"AND NOT contains({v}, '.')) FROM read_csv({_lit(str(path))}, delim={_lit(delimiter)}, quote='\"', "
        f"escape='\"', header=true, auto_detect=false, strict_mode=true, columns={{{read_types}}})"
    ).fetchone()
    if row is None:
        return "text"
    fits, leading_zero = row[:-1], bool(row[-1])
    for kind, ok in zip(_INFER_ORDER, fits, strict=True):
        if ok:
            return "text" if kind in ("integer", "number") and leading_zero else kind
    return "text"


def _fixed_types(types: dict[str, str], names: list[str], file: str) -> dict[str, str]:
    """The owner's types by stored column name (a fix for a column the file no longer has is left out:
    ``incompatible`` says the column is gone); a type we do not know is an error."""
    by_key = {n.casefold(): n for n in names}
    fixed: dict[str, str] = {}
    problems = []
    for name, kind in types.items():
        if kind not in TYPES:
            problems.append(
                Problem(
                    file,
                    None,
                    name,
                    gettext("%(type)s is not a column type; use one of: %(types)s")
                    % {"type": repr(kind), "types": ", ".join(TYPES)},
                )
            )
        elif name.casefold() in by_key:
            fixed[by_key[name.casefold()]] = kind
    if problems:
        raise IngestError(problems)
    return fixed


# --- JSON, GeoJSON, Parquet, XLSX: a relation DuckDB reads -------------------------------------------


def _relation(
    con: duckdb.DuckDBPyConnection,
    source_sql: str,
    tmp: Path,
    file: str,
    fixed_by_source: dict[str, str],
    sort_by: list[str] | None,
    place: Callable[[int, int], int | str],
    *,
    special: dict[str, tuple[str, str]] | None = None,
    labels: dict[str, str] | None = None,
    hidden: tuple[str, ...] = (),
    row_sql: str = "row_number() OVER ()",
) -> tuple[int, list[_Out]]:
    """Write the rows of ``source_sql`` with each column in our types; ``special`` gives some columns'
    SQL and type (GeoJSON's geometry), ``hidden`` columns are read but not written, ``place(row)`` names
    a row (``row_sql``) in a problem."""
    described = con.execute(f"DESCRIBE SELECT * FROM {source_sql}").fetchall()  # noqa: S608 - identifiers and paths quoted by _ident and _lit
    source_names = [str(d[0]) for d in described if str(d[0]) not in hidden]
    duck_types = {str(d[0]): str(d[1]) for d in described}
    names = normalise_names(source_names)
    fixed = _fixed_types(fixed_by_source, names, file)
    outs: list[_Out] = []
    texts: list[str] = []
    for i, (name, source_name) in enumerate(zip(names, source_names, strict=True)):
        col = _ident(source_name)
        if special and source_name in special:
            sql, ours = special[source_name]
        else:
            found = _our_type(duck_types[source_name])
            sql, ours = (col, found) if found else (f"CAST(to_json({col}) AS VARCHAR)", "text")
        text = f"trim(CAST({sql} AS VARCHAR))"
        texts.append(text)
        kind = fixed.get(name, ours)
        if kind != ours and kind not in ("text", "geometry"):
            sql = (
                f"CASE WHEN {_null_sql(text, kind)} THEN NULL ELSE "
                f"coalesce({_either(kind, text)}, error({_lit(f'{_MISMATCH}{i}')})) END"
            )
        elif kind != ours:
            sql = f"CAST({sql} AS VARCHAR)"
        outs.append(_Out(name, kind, (labels or {}).get(source_name, source_name), sql))
    try:
        return _write(con, source_sql, outs, tmp, sort_by, file), outs
    except duckdb.Error as exc:
        m = re.search(re.escape(_MISMATCH) + r"(\d+)", str(exc))
        if not m:
            raise _error(
                file, None, gettext("the file cannot be read: %(detail)s") % {"detail": _first(exc)}
            ) from None
        i = int(m[1])
        kind, text = outs[i].type, texts[i]
        bad_rows = con.execute(
            f"SELECT r, v FROM (SELECT {row_sql} AS r, {text} AS v FROM {source_sql}) "  # noqa: S608 - identifiers and paths quoted by _ident and _lit
            f"WHERE NOT ({_null_sql('v', kind)}) AND ({_either(kind, 'v')}) IS NULL "
            f"ORDER BY r LIMIT {MAX_PROBLEMS}"
        ).fetchall()
        raise IngestError(
            [
                Problem(
                    file,
                    place(int(r), i),
                    outs[i].name,
                    gettext("%(value)s is not %(type)s") % {"value": repr(v), "type": _type_name(kind)},
                )
                for r, v in bad_rows
            ]
        ) from None


def _either(kind: str, v: str) -> str:
    """SQL reading text as ``kind`` written with a decimal point or, failing that, a decimal comma (a
    number kept as text in a workbook or JSON may be written either way)."""
    return f"coalesce({_sql_value(kind, v, False)}, {_sql_value(kind, v, True)})"


def _first(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0]


def _object_size(source: Path) -> str:
    """DuckDB's limit on one JSON object (it reserves twice as much): the file's size, within limits."""
    return f"maximum_object_size={min(MAX_OBJECT, max(16 << 20, source.stat().st_size + 1024))}"


def _json(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    tmp: Path,
    file: str,
    types: dict[str, str],
    sort_by: list[str] | None,
) -> tuple[int, list[_Out]]:
    with source.open("rb") as f:
        head = f.read(CHUNK).removeprefix(codecs.BOM_UTF8).lstrip()
    path = _lit(str(source))
    if head.startswith(b"["):
        source_sql = f"read_json({path}, format='array')"
    else:
        try:
            keys = con.execute(
                f"SELECT json_keys(json) FROM read_json_objects({path}, {_object_size(source)}) LIMIT 1"  # noqa: S608 - quoted by _lit
            ).fetchone()
        except duckdb.Error as exc:
            raise _error(
                file, None, gettext("the file is not valid JSON: %(detail)s") % {"detail": _first(exc)}
            ) from None
        key = next((k for k in ("records", "data", "result") if keys and k in keys[0]), None)
        if key is None:
            raise _error(
                file,
                1,
                gettext(
                    "JSON data must be a list of records, or an object with the list under "
                    '"records", "data" or "result"'
                ),
            )
        source_sql = (
            f"(SELECT unnest({_ident(key)}, max_depth := 2) "  # noqa: S608 - quoted by _ident and _lit
            f"FROM read_json({path}, {_object_size(source)}))"
        )
    try:
        return _relation(
            con, source_sql, tmp, file, types, sort_by, lambda r, _c: gettext("record %(n)s") % {"n": r}
        )
    except IngestError:
        raise
    except duckdb.Error as exc:
        raise _error(
            file, None, gettext("the file is not valid JSON: %(detail)s") % {"detail": _first(exc)}
        ) from None


_POSITION = r"\[\s*(-?[0-9.eE+-]+)\s*,\s*(-?[0-9.eE+-]+)"


def _geojson(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    tmp: Path,
    file: str,
    types: dict[str, str],
    sort_by: list[str] | None,
) -> tuple[int, list[_Out]]:
    source_sql = f"read_json({_lit(str(source))}, {_object_size(source)})"

    def feature(r: int, _c: int = 0) -> str:
        return gettext("feature %(n)s") % {"n": r}

    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source_sql}").fetchall()  # noqa: S608 - identifiers and paths quoted by _ident and _lit
    except duckdb.Error as exc:
        raise _error(
            file, None, gettext("the file is not valid GeoJSON: %(detail)s") % {"detail": _first(exc)}
        ) from None
    if not any(str(d[0]) == "geometry" and str(d[1]) == "GEOMETRY" for d in described):
        raise _error(file, None, gettext("the file is not a GeoJSON FeatureCollection with features"))
    g = "ST_AsGeoJSON(geometry)"
    bad = con.execute(
        f"SELECT r FROM (SELECT row_number() OVER () AS r, {g} AS g FROM {source_sql}) "  # noqa: S608 - identifiers and paths quoted by _ident and _lit
        f"WHERE g IS NOT NULL AND list_bool_or(list_transform(list_zip("
        f"regexp_extract_all(g, {_lit(_POSITION)}, 1), regexp_extract_all(g, {_lit(_POSITION)}, 2)), "
        f"lambda p: abs(CAST(p[1] AS DOUBLE)) > 180 "
        f"OR abs(CAST(p[2] AS DOUBLE)) > 90)) ORDER BY r LIMIT {MAX_PROBLEMS}"
    ).fetchall()
    if bad:
        message = gettext("a coordinate is outside the world (longitude −180 to 180, latitude −90 to 90)")
        raise IngestError([Problem(file, feature(int(r)), "geometry", message) for (r,) in bad])
    point = f"json_extract_string({g}, '$.type') = 'Point'"
    wrapped = (
        f"(SELECT * EXCLUDE (geometry), {g} AS geometry, "  # noqa: S608 - quoted by _lit
        f"CASE WHEN {point} THEN CAST(json_extract({g}, '$.coordinates[0]') AS DOUBLE) END AS lon, "
        f"CASE WHEN {point} THEN CAST(json_extract({g}, '$.coordinates[1]') AS DOUBLE) END AS lat "
        f"FROM {source_sql})"
    )
    special = {"geometry": ("geometry", "geometry")}
    return _relation(con, wrapped, tmp, file, types, sort_by, feature, special=special)


def _parquet(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    tmp: Path,
    file: str,
    types: dict[str, str],
    sort_by: list[str] | None,
) -> tuple[int, list[_Out]]:
    source_sql = f"read_parquet({_lit(str(source))})"
    try:
        return _relation(
            con, source_sql, tmp, file, types, sort_by, lambda r, _c: gettext("row %(n)s") % {"n": r}
        )
    except IngestError:
        raise
    except duckdb.Error as exc:
        raise _error(
            file, None, gettext("the file is not valid Parquet: %(detail)s") % {"detail": _first(exc)}
        ) from None


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclasses.dataclass
class _SheetXml:
    merges: list[tuple[int, int, int, int]]  # min_col, min_row, max_col, max_row
    uncached: list[str]  # cells with a formula and no value saved with it


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")
_MERGE_TAG = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _sheet_xml(source: Path, sheet: str) -> _SheetXml:
    """What openpyxl's read-only mode does not give: merged ranges and formulas without a saved value."""
    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(source) as z:
        workbook = ET.fromstring(z.read("xl/workbook.xml"))  # noqa: S314 - the workbook's own XML
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
        rel_id = next(
            (s.get(f"{_REL_NS}id") for s in workbook.iter(f"{_NS}sheet") if s.get("name") == sheet), None
        )
        target = next(
            (r.get("Target") for r in rels.iter(f"{_PKG_REL_NS}Relationship") if r.get("Id") == rel_id), None
        )
        if not target:
            return _SheetXml([], [])
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        # A first pass over the raw XML (fast) finds the merged ranges and whether there is any formula;
        # only a sheet with formulas is parsed to find those saved without a value.
        refs: set[bytes] = set()
        formulas = False
        with z.open(member) as f:
            tail = b""
            while chunk := f.read(CHUNK):
                data = tail + chunk
                formulas = formulas or _FORMULA_TAG.search(data) is not None
                refs.update(_MERGE_TAG.findall(data))
                tail = data[-256:]
        merges = [tuple(range_boundaries(ref.decode())) for ref in sorted(refs)]
        uncached: list[str] = []
        if formulas:
            with z.open(member) as f:
                for _event, el in ET.iterparse(f):  # noqa: S314 - the workbook's own XML
                    if el.tag == f"{_NS}c":
                        if el.find(f"{_NS}f") is not None and not (el.findtext(f"{_NS}v") or "").strip():
                            uncached.append(f"{sheet}!{el.get('r')}")
                        el.clear()
                    elif el.tag == f"{_NS}row":
                        el.clear()
    return _SheetXml(merges, uncached)


def _cell_text(value: Any) -> tuple[str, str]:
    """A cell's value as canonical text, and its kind."""
    if isinstance(value, bool):
        return ("true" if value else "false"), "boolean"
    if isinstance(value, int):
        return str(value), "integer"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value)), "number"
        return repr(value), "number"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat(), "date"
        return value.isoformat(sep=" "), "datetime"
    if isinstance(value, dt.date):
        return value.isoformat(), "date"
    text = str(value).strip()
    if re.fullmatch(r"#(?:N/A|[A-Z0-9/]+[!?])", text):  # an error shown in the cell (#DIV/0!, #N/A …)
        return "", ""
    return text, "text"


def _merge_kinds(kinds: set[str]) -> str:
    kinds.discard("")
    if not kinds:
        return "text"
    if len(kinds) == 1:
        return next(iter(kinds))
    if kinds <= {"integer", "number"}:
        return "number"
    if kinds <= {"date", "datetime"}:
        return "datetime"
    return "text"


def _xlsx(  # noqa: C901 - the steps of reading a sheet, in order
    con: duckdb.DuckDBPyConnection,
    source: Path,
    tmp: Path,
    work: Path,
    file: str,
    types: dict[str, str],
    sort_by: list[str] | None,
    sheet: str | None,
) -> tuple[int, list[_Out]]:
    from openpyxl import load_workbook
    from openpyxl.utils.cell import get_column_letter

    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise _error(
            file, None, gettext("the workbook cannot be read: %(detail)s") % {"detail": _first(exc)}
        ) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise _error(
                file, None, gettext("the workbook has no sheet named %(sheet)s") % {"sheet": repr(sheet)}
            )
        name = sheet if sheet is not None else wb.sheetnames[0]
        xml = _sheet_xml(source, name)
        if xml.uncached:
            message = gettext(
                "this cell has a formula whose value was not saved with the file; open the workbook in a "
                "spreadsheet program, let it calculate and save it again"
            )
            raise IngestError([Problem(file, cell, "", message) for cell in xml.uncached[:MAX_PROBLEMS]])
        ws = wb[name]
        ws.reset_dimensions()  # the size a file states may be wrong; read every row and cell there is
        rows = ws.iter_rows(values_only=True)
        header_row = 0
        header: list[Any] = []
        for number, values in enumerate(rows, start=1):
            if any(v is not None and str(v).strip() for v in values):
                header_row, header = number, list(values)
                break
        if not header_row:
            raise _error(file, f"{name}!A1", gettext("the sheet is empty"))
        for min_col, min_row, max_col, max_row in xml.merges:
            if min_row <= header_row <= max_row:
                header.extend([None] * (max_col - len(header)))
                for c in range(min_col, max_col + 1):
                    header[c - 1] = header[min_col - 1]
        while header and (header[-1] is None or not str(header[-1]).strip()):
            header.pop()
        width = len(header)
        labels = [" ".join(str(h).split()) if h is not None else "" for h in header]
        names = normalise_names(labels)
        kinds: list[set[str]] = [set() for _ in range(width)]
        staging = work / "sheet.csv"
        count = 0
        with staging.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["__row", *names])
            for number, values in enumerate(rows, start=header_row + 1):
                texts = []
                for c, value in enumerate(values):
                    if value is None:
                        if c < width:
                            texts.append("")
                        continue
                    text, kind = _cell_text(value)
                    if c >= width:
                        if text:
                            raise _error(
                                file,
                                f"{name}!{get_column_letter(c + 1)}{number}",
                                gettext("this cell has a value but its column has no header"),
                            )
                        continue
                    kinds[c].add(kind if text else "")
                    texts.append(text)
                if any(texts):
                    texts.extend([""] * (width - len(texts)))
                    writer.writerow([number, *texts])
                    count += 1
    finally:
        wb.close()
    if not count:
        raise _error(file, f"{name}!A{header_row}", gettext("the sheet has a header but no rows of data"))
    read_types = ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in ["__row", *names])
    source_sql = (
        f"read_csv({_lit(str(staging))}, delim=',', quote='\"', escape='\"', header=true, auto_detect=false, "
        f"columns={{{read_types}}})"
    )
    special = {}
    for n, k in zip(names, kinds, strict=True):
        kind = _merge_kinds(k)
        special[n] = (_sql_value(kind, _ident(n), False) if kind != "text" else _ident(n), kind)

    def cell(r: int, c: int) -> str:
        return f"{name}!{get_column_letter(c + 1)}{r}"

    return _relation(
        con,
        source_sql,
        tmp,
        file,
        types,
        sort_by,
        cell,
        special=special,
        hidden=("__row",),
        row_sql="CAST(__row AS BIGINT)",
        labels=dict(zip(names, labels, strict=True)),
    )


# --- the entry points ------------------------------------------------------------------------------


def _digest(source: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def to_parquet(
    source: Path,
    dest: Path,
    *,
    format: str | None = None,
    types: dict[str, str] | None = None,
    sort_by: list[str] | None = None,
    sheet: str | None = None,
) -> Ingested:
    """Copy ``source`` into the Parquet file ``dest``: written to ``dest.tmp`` and renamed when whole, so
    ``dest`` is either the new version or untouched. ``types`` fixes columns' types by name; ``sort_by``
    orders the rows; ``sheet`` picks a workbook's sheet (the first by default). Raises ``IngestError``."""
    source, dest = Path(source), Path(dest)
    file = source.name
    if not source.is_file():
        raise _error(file, None, gettext("file not found"))
    if format is None:
        with source.open("rb") as f:
            format = detect_format(file, f.read(8192))
    if format not in FORMATS:
        raise _error(
            file, None, gettext("%(format)s is not a format the lake reads") % {"format": repr(format)}
        )
    tmp = dest.with_suffix(".tmp")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".ingest-", dir=dest.parent))
    try:
        result = _ingest(source, tmp, work, file, format, types or {}, sort_by, sheet)
        if result.rows == 0:
            raise _error(file, None, gettext("the file has no rows of data"))
        os.replace(tmp, dest)
        return result
    except duckdb.Error as exc:  # one DuckDB did not expect: still the file's problem, said as DuckDB says it
        raise _error(
            file, None, gettext("the file cannot be read: %(detail)s") % {"detail": _first(exc)}
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def _ingest(
    source: Path,
    tmp: Path,
    work: Path,
    file: str,
    format: str,
    types: dict[str, str],
    sort_by: list[str] | None,
    sheet: str | None,
) -> Ingested:
    if format == "csv":
        return _csv(source, tmp, work, file, types, sort_by)
    sha256, size = _digest(source)
    con = _connect(work)
    try:
        if format == "xlsx":
            count, outs = _xlsx(con, source, tmp, work, file, types, sort_by, sheet)
        elif format == "json":
            count, outs = _json(con, source, tmp, file, types, sort_by)
        elif format == "geojson":
            count, outs = _geojson(con, source, tmp, file, types, sort_by)
        else:
            count, outs = _parquet(con, source, tmp, file, types, sort_by)
    finally:
        con.close()
    if not outs:
        raise _error(file, None, gettext("the file has no columns"))
    return Ingested(
        rows=count,
        columns=[Column(o.name, o.type, o.source_name) for o in outs],
        format=format,
        encoding=None,
        delimiter=None,
        decimal_comma=False,
        sha256=sha256,
        source_bytes=size,
        parquet_bytes=tmp.stat().st_size,
    )


def read_columns(parquet: Path) -> list[Column]:
    """The columns of a stored version, with our types (kept in the file's metadata by ``to_parquet``;
    inferred from the Parquet types for a file written otherwise)."""
    con = duckdb.connect(config={"threads": 1})
    try:
        path = _lit(str(parquet))
        meta = con.execute(
            f"SELECT decode(value) FROM parquet_kv_metadata({path}) WHERE decode(key) = 'regija_columns'"  # noqa: S608 - identifiers and paths quoted by _ident and _lit
        ).fetchone()
        if meta:
            return [
                Column(c["name"], c["type"], c["source_name"]) for c in json.loads(str(meta[0]))["columns"]
            ]
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({path})").fetchall()  # noqa: S608 - identifiers and paths quoted by _ident and _lit
        return [Column(str(d[0]), _our_type(str(d[1])) or "text", str(d[0])) for d in described]
    finally:
        con.close()


# a new type that readers of the old one can still use (every integer is a number)
_WIDENINGS = {("integer", "number")}


def incompatible(old: list[Column], new: list[Column]) -> list[str]:
    """Why a new version cannot replace the old one for those who read it: a column gone, or its type
    changed to one they cannot use (integer → number is fine, number → text is not). Added columns are
    fine. Empty when compatible."""
    by_name = {c.name.casefold(): c for c in new}
    reasons = []
    for column in old:
        now = by_name.get(column.name.casefold())
        if now is None:
            reasons.append(gettext("the column %(column)s is gone") % {"column": column.name})
        elif now.type != column.type and (column.type, now.type) not in _WIDENINGS:
            reasons.append(
                gettext("the column %(column)s was %(old)s and is now %(new)s")
                % {"column": column.name, "old": _type_name(column.type), "new": _type_name(now.type)}
            )
    return reasons


# --- bringing files in --------------------------------------------------------------------------------


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _too_large(file: str, max_bytes: int) -> IngestError:
    mb = max_bytes / 1_000_000
    shown = f"{mb:.0f}" if mb >= 1 else f"{mb:.2f}".replace(".", ",")
    return _error(
        file, None, gettext("the file is larger than %(size)s MB, the most the lake takes") % {"size": shown}
    )


def _copy(chunks: Iterator[bytes], out: IO[bytes], max_bytes: int, file: str) -> int:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(file, max_bytes)
        out.write(chunk)
    return total


def _chunks(stream: _Readable | Iterable[bytes]) -> Iterator[bytes]:
    if hasattr(stream, "read"):
        read = stream.read
        while chunk := read(CHUNK):
            yield chunk
    else:
        yield from stream


def copy_limited(stream: _Readable | Iterable[bytes], dest: Path, max_bytes: int) -> int:
    """Copy an upload (a file object, or its chunks) to ``dest`` while it streams, and stop at the first
    chunk past ``max_bytes``: then nothing is left at ``dest`` and ``IngestError`` says the limit.
    Returns the bytes copied."""
    dest = Path(dest)
    tmp = dest.with_suffix(dest.suffix + ".part")
    try:
        with tmp.open("wb") as out:
            total = _copy(_chunks(stream), out, max_bytes, dest.name)
        os.replace(tmp, dest)
        return total
    finally:
        tmp.unlink(missing_ok=True)


def _public(host: str, file: str) -> None:
    """Refuse a host that is, or resolves to, a private, loopback, link-local or reserved address."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        raise _error(file, None, gettext("the address %(host)s cannot be found") % {"host": host}) from None
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%")[0])
        if not ip.is_global:
            raise _error(
                file,
                None,
                gettext("%(host)s is an address inside a private network; the lake fetches only public ones")
                % {"host": host},
            )


def _check_url(url: str) -> None:
    from django.conf import settings

    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _error(url, None, gettext("only web addresses (http or https) can be fetched"))
    if not (settings.configured and getattr(settings, "REGIJA_LAKE_FETCH_PRIVATE", False)):
        _public(parts.hostname, url)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an address that ``fetch`` would fetch itself."""

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        _check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, dest: Path, *, max_bytes: int, timeout: float) -> tuple[str | None, int]:
    """Download ``url`` to ``dest`` while streaming; stop past ``max_bytes``. Only http(s), and only
    public addresses unless ``settings.REGIJA_LAKE_FETCH_PRIVATE``. Returns (content type, bytes);
    raises ``IngestError`` saying why not (nothing is left at ``dest`` then)."""
    _check_url(url)
    dest = Path(dest)
    opener = urllib.request.build_opener(_Redirects)
    request = urllib.request.Request(url, headers={"User-Agent": "regija-lake/1"})  # noqa: S310 - checked
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _too_large(url, max_bytes)
            content_type = (
                response.headers.get_content_type() if response.headers.get("Content-Type") else None
            )
            size = copy_limited(response, dest, max_bytes)
    except urllib.error.HTTPError as exc:
        raise _error(
            url, None, gettext("the server answered %(status)s") % {"status": f"{exc.code} {exc.reason}"}
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _error(
            url, None, gettext("the address cannot be fetched: %(reason)s") % {"reason": reason}
        ) from None
    return content_type, size


def probe(url: str, *, timeout: float) -> tuple[int | None, str]:
    """Ask a linked source's address whether it answers, as the link checker does: the HTTP status of a
    HEAD request (of a GET whose body is not read when the server does not take HEAD), or None and why
    it could not be reached. The same addresses as ``fetch``: http(s), public ones unless
    ``settings.REGIJA_LAKE_FETCH_PRIVATE``, redirects only to such addresses."""
    try:
        _check_url(url)
    except IngestError as exc:
        return None, exc.problems[0].message[:300]
    opener = urllib.request.build_opener(_Redirects)
    status: int | None = None
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(  # noqa: S310 - checked above, and on each redirect
            url, method=method, headers={"User-Agent": "regija-lake/1"}
        )
        try:
            with opener.open(request, timeout=timeout) as response:
                return int(response.status), ""
        except IngestError as exc:  # a redirect to an address the lake does not fetch
            return None, exc.problems[0].message[:300]
        except urllib.error.HTTPError as exc:
            status = int(exc.code)
            if status not in (405, 501):  # HEAD not allowed / not implemented: ask with GET
                return status, ""
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return None, str(gettext("the address cannot be fetched: %(reason)s") % {"reason": reason})[:300]
    return status, ""
