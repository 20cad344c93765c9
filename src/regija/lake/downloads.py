"""Downloads of a version's data, streamed: the Parquet file as stored, CSV and GeoJSON written from it a
batch of rows at a time, so a download never holds the whole file in memory."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
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
    """The rows as CSV (``core.spreadsheet``: UTF-8 with a byte order mark, every cell escaped), a batch at
    a time; the header is the column names."""
    source = pq.ParquetFile(path)
    buffer = io.StringIO()
    writer = spreadsheet.csv_writer(buffer, dialect)
    buffer.write(dialect.bom)
    writer.writerow(source.schema_arrow.names)
    for batch in source.iter_batches(batch_size=BATCH):
        columns = batch.to_pydict()
        names = list(columns)
        for i in range(batch.num_rows):
            writer.writerow(_cell(columns[name][i]) for name in names)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    rest = buffer.getvalue()
    if rest:
        yield rest


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
