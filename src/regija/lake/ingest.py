"""Placeholder during development: replaced by the full reader (branch lake-ingest)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import duckdb

from regija.core.files import Problem

TYPES = ("integer", "number", "text", "date", "datetime", "boolean", "geometry")


@dataclasses.dataclass
class Column:
    name: str
    type: str
    source_name: str = ""


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


class IngestError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _our_type(duck: str) -> str:
    duck = duck.upper()
    if duck in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"):
        return "integer"
    if duck.startswith(("DOUBLE", "FLOAT", "DECIMAL", "REAL")):
        return "number"
    if duck == "DATE":
        return "date"
    if duck.startswith("TIMESTAMP"):
        return "datetime"
    if duck == "BOOLEAN":
        return "boolean"
    return "text"


def read_columns(parquet: Path) -> list[Column]:
    con = duckdb.connect()
    rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(parquet)]).fetchall()
    return [Column(r[0], _our_type(r[1]), r[0]) for r in rows]


def to_parquet(source: Path, dest: Path, *, format: str | None = None, types=None, sort_by=None) -> Ingested:
    data = source.read_bytes()
    fmt = format or ("parquet" if data[:4] == b"PAR1" else "csv")
    con = duckdb.connect()
    reader = "read_parquet(?)" if fmt == "parquet" else "read_csv(?, header=true)"
    tmp = dest.with_suffix(".tmp")
    con.execute(f"COPY (SELECT * FROM {reader}) TO '{tmp}' (FORMAT parquet)", [str(source)])  # noqa: S608
    os.replace(tmp, dest)
    rows = con.execute("SELECT count(*) FROM read_parquet(?)", [str(dest)]).fetchone()[0]
    return Ingested(
        rows,
        read_columns(dest),
        fmt,
        "utf-8",
        ",",
        False,
        hashlib.sha256(data).hexdigest(),
        len(data),
        dest.stat().st_size,
    )


def incompatible(old: list[Column], new: list[Column]) -> list[str]:
    by_name = {c.name: c.type for c in new}
    return [f"column {c.name} removed" for c in old if c.name not in by_name]


def fetch(url: str, dest: Path, *, max_bytes: int, timeout: float) -> tuple[str | None, int]:
    raise IngestError([Problem(url, None, "", "not yet")])
