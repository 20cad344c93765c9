"""Downloads of a version's data, streamed: the Parquet file as stored, CSV and GeoJSON written from it a
batch of rows at a time, so a download never holds the whole file in memory."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from regija.core import spreadsheet

from .storage import lake

BATCH = 5000
CHUNK = 256 * 1024


def parquet_chunks(key: str) -> Iterator[bytes]:
    """The stored Parquet file, a chunk at a time."""
    with lake().open(key) as stored:
        while chunk := stored.read(CHUNK):
            yield chunk


def csv_chunks(path: Path, dialect: spreadsheet.Dialect = spreadsheet.PLAIN_CSV) -> Iterator[str]:
    """The rows as CSV (``core.spreadsheet``: UTF-8 with a byte order mark, every cell written by its
    ``CsvWriter`` rule), a batch at a time; the header is the column names. Cells are written a column at a
    time, with the writer's own rule, and a shortcut where it gives the same text: whole numbers, and
    decimal numbers of the plain dialect whose shortest form has no exponent."""
    source = pq.ParquetFile(path)
    header = io.StringIO()
    spreadsheet.csv_writer(header, dialect).writerow(source.schema_arrow.names)
    yield dialect.bom + header.getvalue()
    field = spreadsheet.csv_writer(io.StringIO(), dialect).field
    for batch in source.iter_batches(batch_size=BATCH):
        columns = [_column_text(values, field, dialect) for values in batch.to_pydict().values()]
        yield "".join(dialect.delimiter.join(row) + "\r\n" for row in zip(*columns, strict=True))


def _column_text(values: list[Any], field: Callable[[Any], str], dialect: spreadsheet.Dialect) -> list[str]:
    out = []
    plain = not dialect.thousands and dialect.decimal_sign == "."
    for value in values:
        if value is None:
            out.append("")
        elif type(value) is int and (plain or -1000 < value < 1000):
            out.append(str(value))
        elif type(value) is float and plain:
            text = repr(value)
            if "e" in text or "n" in text:  # 1e-07, inf, nan: the writer's own way
                out.append(field(value))
            else:
                out.append("0.0" if text == "-0.0" else text)
        else:
            out.append(field(_cell(value)))
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def geojson_chunks(path: Path, geometry: str) -> Iterator[str]:
    """The rows as a GeoJSON FeatureCollection: each row a feature with the ``geometry`` column's GeoJSON
    as its geometry and the other columns as its properties."""
    source = pq.ParquetFile(path)
    yield '{"type":"FeatureCollection","features":['
    first = True
    for batch in source.iter_batches(batch_size=BATCH):
        columns = batch.to_pydict()
        parts = []
        for i in range(batch.num_rows):
            shape = columns[geometry][i]
            if isinstance(shape, str):
                try:
                    shape = json.loads(shape)
                except ValueError:
                    shape = None
            properties = {name: _json(values[i]) for name, values in columns.items() if name != geometry}
            feature = {"type": "Feature", "geometry": shape, "properties": properties}
            parts.append(json.dumps(feature, ensure_ascii=False, default=str))
        if parts:
            yield ("" if first else ",") + ",".join(parts)
            first = False
    yield "]}"
