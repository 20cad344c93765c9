"""Reading a data lake's Parquet files with DuckDB: CKAN's `datastore_search` and `datastore_search_sql`,
the aggregates behind indicator bindings and charts, and column statistics for the preview's filters.

Every query runs in a DuckDB database that can see nothing but the views of the tables it was given:
external access is disabled (only the tables' own Parquet files are allowed), extensions cannot be
installed or loaded, the configuration is locked, memory and threads are capped, and a timer interrupts
a query that runs past its time. Values are always bound as parameters, identifiers always quoted.

`run_sql` (user-written SQL) opens a fresh database for every query, in a worker process whose memory
the kernel limits (DuckDB's memory_limit does not cover every allocation). `datastore_search`,
`aggregate` and `column_stats` build their SQL from validated parameters only, so they reuse a locked
database per table (a small LRU cache, keyed by the files' paths, sizes and modification times):
opening a DuckDB database costs about 15 ms, most of the time budget of a preview page.

See docs/lake-query.md for the parameters, the CKAN semantics followed and where this differs from CKAN.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
import resource
import select
import subprocess
import sys
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import duckdb
from django.utils.translation import gettext as _

__all__ = [
    "DEFAULT_TIMEOUT",
    "ROWS_MAX",
    "QueryError",
    "Result",
    "Table",
    "aggregate",
    "column_stats",
    "datastore_search",
    "referenced_tables",
    "run_sql",
]

#: CKAN's `ckan.datastore.search.rows_max`: the most rows one search or SQL query returns.
ROWS_MAX = 32000
#: Seconds a query may run when the caller gives no timeout (CKAN's default is 60 s; ours are smaller tables).
DEFAULT_TIMEOUT = 10.0
MEMORY_LIMIT = "512MB"
THREADS = 2
#: How many per-table databases `datastore_search` keeps open.
CACHED_DATABASES = 4
#: How many filter totals each kept database remembers.
CACHED_TOTALS = 512
#: A text column with at most this many distinct values gets its rows counted per value once, so that the
#: total of an equality filter on it (a station, a municipality – what a preview filters on) is looked up.
COUNTED_VALUES = 10_000
#: CKAN's limits on filters (ckanext/datastore/filters.py).
MAX_FILTER_DEPTH = 10
MAX_FILTER_OPS = 100

ErrorKind = Literal["ValidationError", "SearchQueryError", "TimeoutError", "NotAuthorized", "NotFound"]


class QueryError(Exception):
    """A query that cannot be answered, with a user-facing (translated) message.

    `field` names the parameter at fault ("filters.station", "sort", "sql" …) or is None; `kind` says
    which CKAN error it is: "ValidationError" (a bad parameter or statement), "SearchQueryError" (the
    query failed while running), "TimeoutError", "NotAuthorized" (a refused function or table) or
    "NotFound" (an unknown table in SQL).
    """

    def __init__(
        self, message: str, *, field: str | None = None, kind: ErrorKind = "ValidationError"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.kind = kind

    def as_ckan_error(self) -> dict[str, Any]:
        """The error as CKAN puts it in an action's `error` member."""
        type_names = {
            "ValidationError": "Validation Error",
            "SearchQueryError": "Search Query Error",
            "TimeoutError": "Validation Error",
            "NotAuthorized": "Authorization Error",
            "NotFound": "Not Found Error",
        }
        error: dict[str, Any] = {"__type": type_names[self.kind], "message": self.message}
        if self.kind in ("ValidationError", "TimeoutError"):
            error[self.field or "query"] = [self.message]
        return error


@dataclass(frozen=True)
class Table:
    """A view name (CKAN's resource id or alias) and the Parquet files that hold its rows, in row order."""

    name: str
    paths: list[str]


@dataclass
class Result:
    """`fields` as CKAN gives them ([{"id", "type"}]), the records in the requested format, the total
    (None when not asked for) and, for SQL, whether the rows were cut at the cap."""

    fields: list[dict[str, str]]
    records: list[dict[str, Any]] | list[list[Any]] | str
    total: int | None
    total_was_estimated: bool = False
    records_truncated: bool = False


# --- Types and values --------------------------------------------------------------------------------

_INT_TYPES = {
    "tinyint",
    "smallint",
    "integer",
    "bigint",
    "hugeint",
    "utinyint",
    "usmallint",
    "uinteger",
    "ubigint",
    "uhugeint",
}
_NUMERIC_TYPES = {"decimal", "double", "float"}
_TIMESTAMP_TYPES = {
    "timestamp",
    "timestamp with time zone",
    "timestamp_s",
    "timestamp_ms",
    "timestamp_ns",
}


def ckan_type(type_id: str) -> str:
    """CKAN's name for a DuckDB type (`DuckDBPyType.id`): int, numeric, text, timestamp, date, time, bool,
    interval or json (lists, structs, maps)."""
    if type_id in _INT_TYPES:
        return "int"
    if type_id in _NUMERIC_TYPES:
        return "numeric"
    if type_id in _TIMESTAMP_TYPES:
        return "timestamp"
    if type_id in ("date", "time", "interval"):
        return type_id
    if type_id == "time with time zone":
        return "time"
    if type_id == "boolean":
        return "bool"
    if type_id in ("list", "array", "struct", "map", "union"):
        return "json"
    return "text"


def _json_value(value: Any) -> Any:
    """A value as it goes into JSON: numbers as numbers, dates and times as ISO text, nested values
    converted inside."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return str(value)


def _text_value(value: Any) -> str:
    """A value as it goes into CSV/TSV: empty for null, JSON for nested values."""
    value = _json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _format_records(
    rows: Sequence[Sequence[Any]], names: list[str], records_format: str
) -> list[dict[str, Any]] | list[list[Any]] | str:
    if records_format == "objects":
        return [{name: _json_value(v) for name, v in zip(names, row, strict=True)} for row in rows]
    if records_format == "lists":
        return [[_json_value(v) for v in row] for row in rows]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if records_format == "tsv" else ",", lineterminator="\n")
    for row in rows:
        writer.writerow([_text_value(v) for v in row])
    return buffer.getvalue()


def quote_identifier(name: str) -> str:
    """`name` as a quoted SQL identifier (any text is a valid name, even with quotes in it)."""
    if "\x00" in name:
        raise QueryError(_("A name cannot contain a NUL character."))
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- Databases ---------------------------------------------------------------------------------------


@dataclass
class _Schema:
    columns: list[str]
    type_ids: dict[str, str]
    sql_types: dict[str, str]

    def ckan_types(self) -> dict[str, str]:
        return {name: ckan_type(tid) for name, tid in self.type_ids.items()}


_GLOB_CHARACTERS = re.compile(r"[*?\[{]")


def _checked_paths(table: Table) -> list[str]:
    if not table.paths:
        raise ValueError(f"table {table.name!r} has no files")
    paths = []
    for path in table.paths:
        absolute = os.path.abspath(path)
        if _GLOB_CHARACTERS.search(absolute):
            # read_parquet would expand these as a pattern and read other files.
            raise ValueError(f"a lake file path may not contain glob characters: {path!r}")
        paths.append(absolute)
    return paths


def _view_sql(con: duckdb.DuckDBPyConnection, table: Table, paths: list[str]) -> str:
    """The CREATE VIEW of a table: its files' rows in order, with CKAN's 1-based row number `_id` first
    unless the files already have one."""
    # The lake's Hive-style folders (dataset=…/version=…) are not columns of the data.
    listing = "[" + ", ".join(_quote_literal(p) for p in paths) + "]"
    files = f"{listing}, hive_partitioning = false"
    columns = [
        row[0]
        for row in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({files})"  # noqa: S608 - paths quoted as literals
        ).fetchall()
    ]
    if "_id" in columns:
        select = f"SELECT * FROM read_parquet({files})"  # noqa: S608 - paths quoted as literals
    elif len(paths) == 1:
        reader = f"read_parquet({files}, file_row_number = true)"
        select = f"SELECT file_row_number + 1 AS _id, * EXCLUDE (file_row_number) FROM {reader}"  # noqa: S608 - paths quoted as literals
    else:
        metadata = f"SELECT file_name, num_rows FROM parquet_file_metadata({listing})"  # noqa: S608 - paths quoted as literals
        counts = dict(con.execute(metadata).fetchall())
        offsets, running = [], 0
        for path in paths:
            offsets.append(running)
            running += int(counts[path])
        starts = "[" + ", ".join(str(o) for o in offsets) + "]"
        reader = f"read_parquet({files}, file_row_number = true)"
        row_number = f"file_row_number + CAST({starts} AS BIGINT[])[CAST(file_index AS BIGINT) + 1] + 1"
        select = f"SELECT {row_number} AS _id, * EXCLUDE (file_row_number) FROM {reader}"  # noqa: S608 - paths quoted as literals
    return f"CREATE VIEW {quote_identifier(table.name)} AS {select}"


def _open(tables: Sequence[Table]) -> duckdb.DuckDBPyConnection:
    """A new in-memory database holding only the views of `tables`, locked down before it is returned."""
    names = [t.name for t in tables]
    if len(set(names)) != len(names):
        raise ValueError(f"two tables share a name: {names}")
    paths_by_table = {t.name: _checked_paths(t) for t in tables}
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "allow_unsigned_extensions": False,
            "memory_limit": MEMORY_LIMIT,
            "threads": THREADS,
            "temp_directory": "",
            "enable_external_file_cache": False,
        },
    )
    try:
        con.execute("SET allowed_paths = ?", [sorted({p for ps in paths_by_table.values() for p in ps})])
        # Searches on a kept database read the same footers again and again.
        con.execute("SET parquet_metadata_cache = true")
        # No progress bar printed on stdout for a long query (cursors take this setting over).
        con.execute("SET enable_progress_bar = false")
        for table in tables:
            con.execute(_view_sql(con, table, paths_by_table[table.name]))
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


class _Database:
    """A locked database of one table, shared by the searches on it; each query gets its own cursor."""

    def __init__(self, table: Table) -> None:
        self.con = _open([table])
        relation = self.con.sql(f"SELECT * FROM {quote_identifier(table.name)} LIMIT 0")  # noqa: S608 - quoted names, bound values
        self.schema = _Schema(
            columns=list(relation.columns),
            type_ids={name: str(t.id) for name, t in zip(relation.columns, relation.types, strict=True)},
            sql_types={name: str(t) for name, t in zip(relation.columns, relation.types, strict=True)},
        )
        self.lock = threading.Lock()
        # The files of a dataset version never change, so neither does the number of rows a filter
        # matches: counting them is the one search step that reads the whole column.
        self.totals: OrderedDict[tuple[Any, ...], int] = OrderedDict()
        self.counts: dict[str, dict[str, int] | None] = {}
        self.view = quote_identifier(table.name)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self.lock:
            return self.con.cursor()

    def known_total(self, key: tuple[Any, ...]) -> int | None:
        with self.lock:
            total = self.totals.get(key)
            if total is not None:
                self.totals.move_to_end(key)
            return total

    def remember_total(self, key: tuple[Any, ...], total: int) -> None:
        with self.lock:
            self.totals[key] = total
            while len(self.totals) > CACHED_TOTALS:
                self.totals.popitem(last=False)

    def value_counts(self, cursor: duckdb.DuckDBPyConnection, column: str) -> dict[str, int] | None:
        """How many rows hold each value of a text column, counted once (one pass over the column);
        None when the column has more than COUNTED_VALUES distinct values."""
        with self.lock:
            if column in self.counts:
                return self.counts[column]
        name = quote_identifier(column)
        rows = cursor.execute(
            f"SELECT {name}, count(*) FROM {self.view} WHERE {name} IS NOT NULL GROUP BY {name} "  # noqa: S608 - quoted names
            f"LIMIT {COUNTED_VALUES + 1}"
        ).fetchall()
        counts = None if len(rows) > COUNTED_VALUES else {str(value): int(n) for value, n in rows}
        with self.lock:
            self.counts[column] = counts
        return counts


_databases: OrderedDict[tuple[Any, ...], _Database] = OrderedDict()
_databases_lock = threading.Lock()


def _database(table: Table) -> _Database:
    key_parts: list[Any] = [table.name]
    for path in _checked_paths(table):
        try:
            stat = os.stat(path)
        except OSError as error:
            raise QueryError(
                _("The data of table %(table)s cannot be read.") % {"table": table.name},
                kind="NotFound",
            ) from error
        key_parts.append((path, stat.st_size, stat.st_mtime_ns))
    key = tuple(key_parts)
    with _databases_lock:
        database = _databases.get(key)
        if database is not None:
            _databases.move_to_end(key)
            return database
    database = _Database(table)
    with _databases_lock:
        _databases[key] = database
        while len(_databases) > CACHED_DATABASES:
            # Not closed here: a search in another thread may still hold it (closing the connection would
            # close that search's cursor). It closes when the last reference goes.
            _databases.popitem(last=False)
    return database


def clear_cache() -> None:
    """Forget the databases kept for searches (tests, and a dataset version that was replaced); each closes
    when the last search holding it ends."""
    with _databases_lock:
        _databases.clear()


@contextmanager
def _time_limit(con: duckdb.DuckDBPyConnection, timeout: float | None) -> Iterator[None]:
    """Interrupt what runs on `con` after `timeout` seconds and say so in a QueryError."""
    seconds = DEFAULT_TIMEOUT if timeout is None else timeout
    fired = threading.Event()

    def interrupt() -> None:
        fired.set()
        con.interrupt()

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    except duckdb.Error as error:
        if fired.is_set() or isinstance(error, duckdb.InterruptException):
            raise _timeout_error(seconds) from error
        raise
    finally:
        timer.cancel()
    if fired.is_set():
        raise _timeout_error(seconds)


def _timeout_error(seconds: float) -> QueryError:
    return QueryError(
        _("The query took longer than %(seconds)s s and was stopped.") % {"seconds": f"{seconds:g}"},
        field="query",
        kind="TimeoutError",
    )


def _duckdb_error(error: duckdb.Error, field: str | None = None) -> QueryError:
    """A DuckDB error as a QueryError, with DuckDB's own text."""
    return _error_of(type(error).__name__, str(error).strip(), field)


def _memory_error(field: str | None) -> QueryError:
    return QueryError(
        _("The query needs more memory than a query may use (%(limit)s).") % {"limit": MEMORY_LIMIT},
        field=field,
        kind="SearchQueryError",
    )


def _error_of(category: str, text: str, field: str | None) -> QueryError:
    """A QueryError for a DuckDB error named by its class (errors from an SQL worker come as names)."""
    if category == "OutOfMemoryException":
        return _memory_error(field)
    if category == "PermissionException":
        return QueryError(
            _("The query tried to reach files or settings outside its tables: %(error)s") % {"error": text},
            field=field,
            kind="NotAuthorized",
        )
    if category in ("ParserException", "SyntaxException"):
        return QueryError(_("The SQL is not valid: %(error)s") % {"error": text}, field=field)
    return QueryError(
        _("The query failed: %(error)s") % {"error": text}, field=field, kind="SearchQueryError"
    )


# --- datastore_search --------------------------------------------------------------------------------


def _as_list(value: Any, parameter: str) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    raise QueryError(
        _("%(parameter)s must be a list of column names or a comma-separated text.")
        % {"parameter": parameter},
        field=parameter,
    )


def _unknown_column(name: str, where: str) -> QueryError:
    return QueryError(_('There is no column "%(column)s".') % {"column": name}, field=where)


def _int_parameter(value: Any, parameter: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool):
        value = None
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value < 0:
        raise QueryError(
            _("%(parameter)s must be a whole number, 0 or more.") % {"parameter": parameter}, field=parameter
        )
    return value


def _bool_parameter(value: Any, parameter: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        return value.lower() in ("true", "1", "yes", "on")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise QueryError(_("%(parameter)s must be true or false.") % {"parameter": parameter}, field=parameter)


_RANGE_OPERATORS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class _Where:
    """WHERE clauses built from CKAN's filters and q, with their parameters in order."""

    def __init__(self, schema: _Schema, cursor: duckdb.DuckDBPyConnection) -> None:
        self.schema = schema
        self.cursor = cursor
        self.params: list[Any] = []
        self.ops = 0

    def value(self, column: str, value: Any, where: str) -> str:
        """A placeholder for `value` compared with `column`, the value checked against the column's type."""
        type_id = self.schema.type_ids[column]
        kind = ckan_type(type_id)
        if isinstance(value, dict | list):
            if kind != "json":
                raise QueryError(
                    _("The filter value of %(column)s must be a single value.") % {"column": column},
                    field=where,
                )
            value = json.dumps(value)
        if kind == "text":
            # As CKAN: a number given for a text column matches its text.
            value = value if isinstance(value, str) or value is None else _text_value(value)
            self.params.append(value)
            return "?"
        sql_type = self.schema.sql_types[column]
        try:
            self.cursor.execute(f"SELECT CAST(? AS {sql_type})", [value])  # noqa: S608 - a type DuckDB named
        except duckdb.Error as error:
            raise QueryError(
                _('"%(value)s" is not a valid value for column %(column)s (%(type)s).')
                % {"value": value, "column": column, "type": kind},
                field=where,
            ) from error
        self.params.append(value)
        return f"CAST(? AS {sql_type})"

    def count(self) -> None:
        self.ops += 1
        if self.ops > MAX_FILTER_OPS:
            raise QueryError(
                _("The filters have more than %(count)s conditions.") % {"count": MAX_FILTER_OPS},
                field="filters",
            )

    def filters(self, filters: Any, depth: int = 0) -> str:
        """A clause for CKAN's filters: a dict is an AND of its members, a list of dicts an OR."""
        if depth > MAX_FILTER_DEPTH:
            raise QueryError(
                _("The filters are nested more than %(depth)s levels deep.") % {"depth": MAX_FILTER_DEPTH},
                field="filters",
            )
        if isinstance(filters, list):
            if not all(isinstance(item, dict) for item in filters):
                raise QueryError(
                    _("Filters must be a dictionary or a list of dictionaries."), field="filters"
                )
            parts = [self.filters(item, depth + 1) for item in filters]
            return "(" + " OR ".join(parts) + ")" if parts else "false"
        if not isinstance(filters, dict):
            raise QueryError(_("Filters must be a dictionary or a list of dictionaries."), field="filters")
        parts = []
        for key, value in filters.items():
            if not isinstance(key, str):
                raise QueryError(
                    _("Filters must be a dictionary or a list of dictionaries."), field="filters"
                )
            if key.startswith("$") and not key.startswith("$$"):
                if key not in ("$or", "$and"):
                    raise QueryError(
                        _('Unknown filter operator "%(operator)s" (use $or or $and).') % {"operator": key},
                        field="filters",
                    )
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                    raise QueryError(
                        _("%(operator)s must be given a list of filter dictionaries.") % {"operator": key},
                        field="filters",
                    )
                self.count()
                members = [self.filters(v, depth + 1) for v in value]
                joiner = " OR " if key == "$or" else " AND "
                empty = "false" if key == "$or" else "true"
                parts.append("(" + joiner.join(members) + ")" if members else empty)
                continue
            column = key[1:] if key.startswith("$$") else key
            parts.append(self.field(column, value, depth))
        return "(" + " AND ".join(parts) + ")" if parts else "true"

    def field(self, column: str, value: Any, depth: int) -> str:
        where = f"filters.{column}"
        if column not in self.schema.type_ids:
            raise _unknown_column(column, where)
        self.count()
        name = quote_identifier(column)
        if isinstance(value, dict):
            if not value:
                raise QueryError(_("The filter of %(column)s is empty.") % {"column": column}, field=where)
            conditions = []
            for operator, operand in value.items():
                if operator not in _RANGE_OPERATORS:
                    raise QueryError(
                        _('Unknown filter operation "%(operation)s" (use eq, gt, gte, lt or lte).')
                        % {"operation": operator},
                        field=where,
                    )
                if operand is None:
                    conditions.append(f"{name} IS NULL" if operator == "eq" else "false")
                    continue
                conditions.append(f"{name} {_RANGE_OPERATORS[operator]} {self.value(column, operand, where)}")
            return "(" + " AND ".join(conditions) + ")"
        if isinstance(value, list) and ckan_type(self.schema.type_ids[column]) != "json":
            operations = [v for v in value if isinstance(v, dict)]
            plain = [v for v in value if not isinstance(v, dict)]
            members = [self.field(column, op, depth + 1) for op in operations]
            if any(v is None for v in plain):
                members.append(f"{name} IS NULL")
            values = [v for v in plain if v is not None]
            if values:
                members.append(f"{name} IN (" + ", ".join(self.value(column, v, where) for v in values) + ")")
            return "(" + " OR ".join(members) + ")" if members else "false"
        if value is None:
            return f"{name} IS NULL"
        return f"{name} = {self.value(column, value, where)}"

    def text_search(self, q: Any) -> str:
        """CKAN's q: text over every text column (every word must occur), or {column: text} per column.
        Matching ignores case and accents ("Celje" finds "celje", "sencur" finds "Šenčur")."""
        if isinstance(q, str):
            words = q.split()
            text_columns = [c for c in self.schema.columns if ckan_type(self.schema.type_ids[c]) == "text"]
            if not words:
                return "true"
            if not text_columns:
                return "false"
            haystack = " || ' ' || ".join(f"coalesce({quote_identifier(c)}, '')" for c in text_columns)
            haystack = f"strip_accents(lower({haystack}))"
            clauses = []
            for word in words:
                self.params.append(word)
                clauses.append(f"contains({haystack}, strip_accents(lower(?)))")
            return "(" + " AND ".join(clauses) + ")"
        if isinstance(q, dict):
            clauses = []
            for column, text in q.items():
                where = f"q.{column}"
                if column not in self.schema.type_ids:
                    raise _unknown_column(str(column), where)
                if not isinstance(text, str | int | float) or isinstance(text, bool):
                    raise QueryError(_("The search text must be text."), field=where)
                haystack = f"strip_accents(lower(CAST({quote_identifier(column)} AS VARCHAR)))"
                for word in str(text).split():
                    self.params.append(word)
                    clauses.append(f"contains({haystack}, strip_accents(lower(?)))")
            return "(" + " AND ".join(clauses) + ")" if clauses else "true"
        raise QueryError(_("q must be a text or a dictionary of column: text."), field="q")


_SORT_CLAUSE = re.compile(
    r'^\s*(?P<name>"(?:[^"]|"")+"|.+?)(?:\s+(?P<dir>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?\s*$',
    re.I,
)


def _sort_clauses(sort: Any, schema: _Schema) -> list[str]:
    if isinstance(sort, str):
        # Split on commas outside double quotes.
        items = [m.group(0) for m in re.finditer(r'(?:"(?:[^"]|"")*"|[^,])+', sort)]
    elif isinstance(sort, list | tuple) and all(isinstance(s, str) for s in sort):
        items = list(sort)
    else:
        raise QueryError(_('sort must be a text such as "column desc, other".'), field="sort")
    clauses = []
    for item in items:
        if not item.strip():
            continue
        match = _SORT_CLAUSE.match(item)
        if not match:
            raise QueryError(_('Cannot read the sort "%(sort)s".') % {"sort": item.strip()}, field="sort")
        name = match.group("name").strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('""', '"')
        if name not in schema.type_ids:
            raise _unknown_column(name, "sort")
        direction = (match.group("dir") or "asc").upper()
        nulls = f" NULLS {match.group('nulls').upper()}" if match.group("nulls") else ""
        clauses.append(f"{quote_identifier(name)} {direction}{nulls}")
    return clauses


def _total_by_value_counts(
    database: _Database, cursor: duckdb.DuckDBPyConnection, filters: Any
) -> int | None:
    """The total of a filter that is one text column equal to a value or one of a list, from the column's
    value counts; None for any other filter."""
    if not isinstance(filters, dict) or len(filters) != 1:
        return None
    ((key, value),) = filters.items()
    if not isinstance(key, str) or (key.startswith("$") and not key.startswith("$$")):
        return None
    column = key[1:] if key.startswith("$$") else key
    if ckan_type(database.schema.type_ids.get(column, "")) != "text":
        return None
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str | int | float) for v in values):
        return None  # nulls, range operations, nested values: counted by the query
    counts = database.value_counts(cursor, column)
    if counts is None:
        return None
    return sum(counts.get(v if isinstance(v, str) else _text_value(v), 0) for v in set(values))


def _from_json(value: Any, parameter: str, *, require: bool) -> Any:
    """CKAN takes `filters` (always) and `q` (when it reads as a JSON object) as JSON text too."""
    if not isinstance(value, str):
        return value
    stripped = value.strip()
    if not require and not stripped.startswith("{"):
        return value
    try:
        return json.loads(stripped) if stripped else None
    except ValueError as error:
        if not require:
            return value
        raise QueryError(
            _("%(parameter)s is not valid JSON: %(error)s") % {"parameter": parameter, "error": error},
            field=parameter,
        ) from error


def datastore_search(
    table: Table,
    *,
    filters: Any = None,
    q: Any = None,
    fields: Any = None,
    sort: Any = None,
    limit: Any = 100,
    offset: Any = 0,
    distinct: Any = False,
    include_total: Any = True,
    records_format: str = "objects",
    plain: Any = True,
    language: str | None = "simple",
    timeout: float | None = None,
) -> Result:
    """CKAN's datastore_search over a table's Parquet files.

    `filters`: {column: value | [values] | {"gt"|"gte"|"lt"|"lte"|"eq": value}}, "$or"/"$and" groups and a
    top-level list of dicts as OR (CKAN 2.12's advanced filters); `q`: text over all text columns or
    {column: text}; `fields`, `sort` ("a desc, b"), `limit` (at most ROWS_MAX; more is cut to it, as
    CKAN does), `offset`, `distinct`, `include_total`, `records_format` (objects, lists, csv, tsv).
    `plain` and `language` are accepted for CKAN compatibility: the text search is always a plain
    word search that ignores case and accents.
    """
    filters = _from_json(filters, "filters", require=True)
    q = _from_json(q, "q", require=False)
    if records_format not in ("objects", "lists", "csv", "tsv"):
        raise QueryError(
            _("records_format must be one of objects, lists, csv or tsv."), field="records_format"
        )
    limit_value = min(_int_parameter(limit, "limit", 100), ROWS_MAX)
    offset_value = _int_parameter(offset, "offset", 0)
    distinct_value = _bool_parameter(distinct, "distinct")
    total_wanted = _bool_parameter(include_total, "include_total")
    _bool_parameter(plain, "plain")

    database = _database(table)
    schema = database.schema
    columns = schema.columns if fields is None else _as_list(fields, "fields")
    for column in columns:
        if column not in schema.type_ids:
            raise _unknown_column(column, "fields")
    if not columns:
        raise QueryError(_("fields must name at least one column."), field="fields")
    sort_clauses = [] if sort is None else _sort_clauses(sort, schema)

    cursor = database.cursor()
    try:
        where = _Where(schema, cursor)
        conditions = []
        if filters:
            conditions.append(where.filters(filters))
        if q:
            conditions.append(where.text_search(q))
        where_sql = " WHERE " + " AND ".join(conditions) if conditions else ""
        view = quote_identifier(table.name)
        select = ", ".join(quote_identifier(c) for c in columns)
        # With the default order (by _id) the rows come in file order: DuckDB keeps the insertion order of a
        # scan (preserve_insertion_order), so no sort of all matching rows is needed for a page.
        in_file_order = not sort_clauses or sort_clauses == ['"_id" ASC']
        order_sql = ""
        if sort_clauses and not (in_file_order and not distinct_value):
            order_sql = " ORDER BY " + ", ".join(sort_clauses)
        elif distinct_value:
            order_sql = " ORDER BY ALL"  # a stable order for paging through distinct rows
        keyword = "SELECT DISTINCT" if distinct_value else "SELECT"
        page = f"LIMIT {limit_value} OFFSET {offset_value}"
        page_sql = f"{keyword} {select} FROM {view}{where_sql}{order_sql} {page}"  # noqa: S608 - quoted names, bound values
        with _time_limit(cursor, timeout):
            try:
                rows = cursor.execute(page_sql, where.params).fetchall()
                total: int | None = None
                if total_wanted:
                    if distinct_value:
                        rows_sql = f"SELECT DISTINCT {select} FROM {view}{where_sql}"  # noqa: S608 - quoted names, bound values
                        count_sql = f"SELECT count(*) FROM ({rows_sql})"  # noqa: S608 - our SQL above
                    else:
                        count_sql = f"SELECT count(*) FROM {view}{where_sql}"  # noqa: S608 - quoted names, bound values
                    total_key = (count_sql, *where.params)
                    total = database.known_total(total_key)
                    if total is None and not distinct_value and not q:
                        total = _total_by_value_counts(database, cursor, filters)
                    if total is None:
                        counted = cursor.execute(count_sql, where.params).fetchone()
                        total = int(counted[0]) if counted else 0
                        database.remember_total(total_key, total)
            except duckdb.Error as error:
                if isinstance(error, duckdb.InterruptException):
                    raise
                raise _duckdb_error(error) from error
    finally:
        cursor.close()
    ckan_types = schema.ckan_types()
    return Result(
        fields=[{"id": c, "type": ckan_types[c]} for c in columns],
        records=_format_records(rows, columns, records_format),
        total=total,
    )


# --- SQL ---------------------------------------------------------------------------------------------

#: Table functions a SELECT may call: they make rows, they read nothing.
ALLOWED_TABLE_FUNCTIONS = {"range", "generate_series", "unnest"}
#: Scalar functions that would tell about the server rather than the data.
REFUSED_FUNCTIONS = {"current_setting", "getenv", "getvariable", "current_schemas", "pragma_version"}

_parser_local = threading.local()


def _parser() -> duckdb.DuckDBPyConnection:
    """A per-thread empty database used only to parse SQL (json_serialize_sql)."""
    con: duckdb.DuckDBPyConnection | None = getattr(_parser_local, "con", None)
    if con is None:
        con = duckdb.connect(
            ":memory:",
            config={
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "enable_external_access": False,
                "threads": 1,
                "lock_configuration": True,
            },
        )
        _parser_local.con = con
    return con


def _one_select(sql: Any) -> str:
    """The text of the single SELECT in `sql`, or a QueryError saying what it is instead."""
    if not isinstance(sql, str) or not sql.strip():
        raise QueryError(_("Give one SQL SELECT statement."), field="sql")
    try:
        statements = _parser().extract_statements(sql)
    except duckdb.Error as error:
        raise QueryError(
            _("The SQL is not valid: %(error)s") % {"error": str(error).strip()}, field="sql"
        ) from error
    if len(statements) != 1:
        raise QueryError(
            _("Give exactly one SQL statement (the text holds %(count)s).") % {"count": len(statements)},
            field="sql",
        )
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise QueryError(
            _("Only SELECT statements can be run; this is a %(type)s statement.")
            % {"type": statement.type.name},
            field="sql",
            kind="NotAuthorized",
        )
    return str(statement.query)


def _parse_tree(sql: str) -> dict[str, Any]:
    row = _parser().execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()
    tree: dict[str, Any] = json.loads(row[0]) if row else {"error": True, "error_message": ""}
    if tree.get("error"):
        raise QueryError(
            _("The SQL is not valid: %(error)s") % {"error": tree.get("error_message", "")}, field="sql"
        )
    return tree


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _cte_names(tree: dict[str, Any]) -> set[str]:
    names = set()
    for node in _walk(tree):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            for entry in cte_map.get("map", []):
                if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                    names.add(entry["key"])
    return names


def _base_tables(tree: dict[str, Any]) -> set[str]:
    found = set()
    for node in _walk(tree):
        if node.get("type") == "BASE_TABLE" and isinstance(node.get("table_name"), str):
            qualified = [node.get("catalog_name") or "", node.get("schema_name") or ""]
            prefix = ".".join(part for part in qualified if part)
            found.add(f"{prefix}.{node['table_name']}" if prefix else node["table_name"])
    return found


def referenced_tables(sql: str) -> set[str]:
    """The names of the relations a single SELECT reads (not its CTEs), found by DuckDB's parser; a
    name with a schema or catalog keeps it ("main.x"). For the caller to resolve resource ids and check
    that the reader may see each one."""
    tree = _parse_tree(_one_select(sql))
    return _base_tables(tree) - _cte_names(tree)


def _check_tree(tree: dict[str, Any], visible: set[str]) -> None:
    """Refuse what a SELECT must not do: read other relations or files, or ask about the server."""
    ctes = {name.lower() for name in _cte_names(tree)}
    visible_names = {name.lower() for name in visible}
    for name in sorted(_base_tables(tree)):
        if name.lower() not in ctes and name.lower() not in visible_names:
            raise QueryError(
                _('There is no table "%(table)s" here.') % {"table": name}, field="sql", kind="NotFound"
            )
    for node in _walk(tree):
        node_type = node.get("type")
        if node_type == "TABLE_FUNCTION":
            function = node.get("function") or {}
            name = str(function.get("function_name", "")).lower()
            if name not in ALLOWED_TABLE_FUNCTIONS:
                raise QueryError(
                    _("The table function %(function)s is not allowed; read the tables by their names.")
                    % {"function": name},
                    field="sql",
                    kind="NotAuthorized",
                )
        elif node_type == "SHOW_REF":
            raise QueryError(
                _("SHOW, DESCRIBE and SUMMARIZE are not allowed."), field="sql", kind="NotAuthorized"
            )
        elif node.get("class") == "FUNCTION":
            name = str(node.get("function_name", "")).lower()
            if name in REFUSED_FUNCTIONS or name.startswith(("duckdb_", "pragma_")):
                raise QueryError(
                    _("The function %(function)s is not allowed.") % {"function": name},
                    field="sql",
                    kind="NotAuthorized",
                )


#: The data segment (RLIMIT_DATA) an SQL worker process may grow to. DuckDB's memory_limit covers its
#: buffers, not every allocation (a `repeat('x', 2000000000)` or a doubled string per CTE level would go
#: past it): the kernel's limit makes such a query fail in the worker, never in the server.
SQL_WORKER_MEMORY = 1 << 30
#: How many SQL queries run at once (each in its own worker process); more wait for a free one.
SQL_WORKERS = 2
#: Seconds past the timeout after which a worker that does not answer is killed.
SQL_WORKER_GRACE = 2.0

SqlAnswer = list[Any]


def _execute_sql(text: str, tables: list[Table], seconds: float, max_rows: int) -> SqlAnswer:
    """Run a checked SELECT in a fresh locked database: ["ok", names, type ids, JSON rows], ["timeout"]
    or ["error", DuckDB error class name, DuckDB's text]. Runs in an SQL worker process."""
    try:
        con = _open(tables)
    except duckdb.Error as error:
        return ["error", type(error).__name__, str(error).strip()]
    fired = threading.Event()

    def interrupt() -> None:
        fired.set()
        con.interrupt()

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        relation = con.sql(text)
        names = list(relation.columns)
        types = [str(t.id) for t in relation.types]
        rows = [[_json_value(v) for v in row] for row in relation.limit(max_rows + 1).fetchall()]
    except duckdb.Error as error:
        if fired.is_set() or isinstance(error, duckdb.InterruptException):
            return ["timeout"]
        return ["error", type(error).__name__, str(error).strip()]
    except MemoryError:
        return ["error", "OutOfMemoryException", ""]
    finally:
        timer.cancel()
        con.close()
    if fired.is_set():
        return ["timeout"]
    return ["ok", names, types, rows]


def sql_worker() -> None:
    """The loop of an SQL worker process: limits its own memory, then reads one JSON request a line on
    stdin and writes one JSON answer a line on stdout, until stdin closes."""
    resource.setrlimit(resource.RLIMIT_DATA, (SQL_WORKER_MEMORY, SQL_WORKER_MEMORY))
    # Answers go to the pipe that was stdout; whatever else writes to fd 1 (a library's progress bar)
    # goes to stderr instead of into the answers.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    for line in sys.stdin:
        answer: SqlAnswer
        try:
            request = json.loads(line)
            tables = [Table(t["name"], list(t["paths"])) for t in request["tables"]]
            answer = _execute_sql(request["sql"], tables, float(request["seconds"]), int(request["max_rows"]))
        except Exception as error:  # told to the caller, not a dead worker
            answer = ["error", type(error).__name__, str(error)]
        try:
            encoded = json.dumps(answer, ensure_ascii=False)
        except MemoryError:
            encoded = json.dumps(["error", "OutOfMemoryException", ""])
        answers.write(encoded + "\n")
        answers.flush()


class _Worker:
    """An SQL worker process (`python -c "…sql_worker()"`), spoken to in JSON lines."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and a fixed command
            [sys.executable, "-c", "from regija.lake.query import sql_worker; sql_worker()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.broken = False

    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, request: dict[str, Any], wait: float) -> SqlAnswer | None:
        """The worker's answer; None when it gave none in `wait` seconds or died."""
        stdin, stdout = self.process.stdin, self.process.stdout
        if stdin is None or stdout is None:
            return None
        try:
            stdin.write((json.dumps(request) + "\n").encode())
            stdin.flush()
            ready, _w, _x = select.select([stdout], [], [], wait)
            if not ready:
                return None
            line = stdout.readline()
        except OSError:
            return None
        if not line:
            return None
        try:
            answer: SqlAnswer = json.loads(line)
        except ValueError:
            self.broken = True
            return ["error", "InternalException", "the SQL worker's answer could not be read"]
        return answer

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


_idle_workers: list[_Worker] = []
_workers_lock = threading.Lock()
_worker_slots = threading.BoundedSemaphore(SQL_WORKERS)


def _run_in_worker(request: dict[str, Any], seconds: float) -> SqlAnswer:
    """Run `request` in an SQL worker process: ["timeout"] or ["died"] when it hung or died (it is then
    replaced), else the worker's answer."""
    with _worker_slots:
        with _workers_lock:
            worker = _idle_workers.pop() if _idle_workers else None
        if worker is None or not worker.alive():
            worker = _Worker()
        answer = worker.ask(request, seconds + SQL_WORKER_GRACE)
        if answer is None:
            dead = not worker.alive()
            worker.stop()
            return ["died"] if dead else ["timeout"]
        if worker.broken:
            worker.stop()
        else:
            with _workers_lock:
                _idle_workers.append(worker)
        return answer


def stop_sql_workers() -> None:
    """Stop the idle SQL workers (tests; a server's end stops them too, as their stdin closes)."""
    with _workers_lock:
        while _idle_workers:
            _idle_workers.pop().stop()


def run_sql(
    sql: str, tables: list[Table], *, timeout: float | None = None, max_rows: int = ROWS_MAX
) -> Result:
    """CKAN's datastore_search_sql: one read-only SELECT (or WITH … SELECT) over `tables`, each visible
    by its name ("SELECT * FROM \\"resource-id\\"" works). At most `max_rows` rows come back; when the
    query had more, they are cut and `records_truncated` is set, as CKAN does. Records are objects."""
    text = _one_select(sql)
    tree = _parse_tree(text)
    _check_tree(tree, {t.name for t in tables})
    referenced = {name.lower() for name in _base_tables(tree) - _cte_names(tree)}
    used = [t for t in tables if t.name.lower() in referenced]
    seconds = DEFAULT_TIMEOUT if timeout is None else timeout
    request = {
        "sql": text,
        "tables": [{"name": t.name, "paths": list(t.paths)} for t in used],
        "seconds": seconds,
        "max_rows": max_rows,
    }
    answer = _run_in_worker(request, seconds)
    if answer[0] == "timeout":
        raise _timeout_error(seconds)
    if answer[0] == "died":
        # The worker ran out of its memory (or was killed): the query asked for more than it may have.
        raise _memory_error("sql")
    if answer[0] == "error":
        raise _error_of(answer[1], answer[2], "sql")
    names, types, rows = answer[1], answer[2], answer[3]
    truncated = len(rows) > max_rows
    rows = rows[:max_rows]
    return Result(
        fields=[{"id": n, "type": ckan_type(t)} for n, t in zip(names, types, strict=True)],
        records=_format_records(rows, names, "objects"),
        total=None,
        records_truncated=truncated,
    )


# --- Aggregates and statistics -----------------------------------------------------------------------

_HOW = {
    "sum": "sum({v})",
    "avg": "avg({v})",
    "min": "min({v})",
    "max": "max({v})",
    "count": "count({v})",
    "last": "arg_max({v}, {d})",
}


def aggregate(
    table: Table,
    *,
    value: str,
    date: str | None,
    filters: dict[str, Any] | None,
    how: str,
    period: str | None,
    timeout: float | None = None,
) -> list[tuple[dt.date | None, Decimal | float | int | None]]:
    """One figure per period (`period` "year" or "month" of the `date` column, or None for one figure of
    all rows): sum, avg, min, max, count, or the last value (by `date`, or by row order without one).
    Returns [(period start or None, value)] in period order; Decimal for decimal columns."""
    if how not in _HOW:
        raise QueryError(_("how must be one of sum, avg, min, max, last or count."), field="how")
    if period not in (None, "year", "month"):
        raise QueryError(_("period must be year, month or empty."), field="period")
    if period is not None and date is None:
        raise QueryError(_("A period needs a date column."), field="date")
    database = _database(table)
    schema = database.schema
    if value not in schema.type_ids:
        raise _unknown_column(value, "value")
    if how in ("sum", "avg") and ckan_type(schema.type_ids[value]) not in ("int", "numeric"):
        raise QueryError(_("Column %(column)s does not hold numbers.") % {"column": value}, field="value")
    if date is not None:
        if date not in schema.type_ids:
            raise _unknown_column(date, "date")
        if ckan_type(schema.type_ids[date]) not in ("date", "timestamp"):
            raise QueryError(_("Column %(column)s does not hold dates.") % {"column": date}, field="date")
    value_sql = quote_identifier(value)
    order_sql = quote_identifier(date) if date is not None else '"_id"'
    figure = _HOW[how].format(v=value_sql, d=order_sql)
    cursor = database.cursor()
    try:
        where = _Where(schema, cursor)
        where_sql = " WHERE " + where.filters(filters) if filters else ""
        view = quote_identifier(table.name)
        if period is None:
            sql = f"SELECT NULL, {figure} FROM {view}{where_sql}"  # noqa: S608 - quoted names, bound values
        else:
            start = f"CAST(date_trunc('{period}', {quote_identifier(date or '')}) AS DATE)"
            sql = (
                f"SELECT {start} AS p, {figure} FROM {view}{where_sql}"  # noqa: S608 - quoted names, bound values
                f" GROUP BY p HAVING p IS NOT NULL ORDER BY p"
            )
        with _time_limit(cursor, timeout):
            try:
                rows = cursor.execute(sql, where.params).fetchall()
            except duckdb.Error as error:
                if isinstance(error, duckdb.InterruptException):
                    raise
                raise _duckdb_error(error) from error
    finally:
        cursor.close()
    return [(row[0], row[1]) for row in rows]


def column_stats(table: Table, column: str, *, timeout: float | None = None) -> dict[str, Any]:
    """What the preview's filter of a column needs: {"type", "min", "max", "distinct", "nulls"} (values as
    in JSON records; "distinct" is the number of distinct non-null values)."""
    database = _database(table)
    schema = database.schema
    if column not in schema.type_ids:
        raise _unknown_column(column, "column")
    name = quote_identifier(column)
    cursor = database.cursor()
    try:
        with _time_limit(cursor, timeout):
            try:
                row = cursor.execute(
                    f"SELECT min({name}), max({name}), count(DISTINCT {name}), "  # noqa: S608 - quoted names, bound values
                    f"count(*) - count({name}) FROM {quote_identifier(table.name)}"
                ).fetchone()
            except duckdb.Error as error:
                if isinstance(error, duckdb.InterruptException):
                    raise
                raise _duckdb_error(error) from error
    finally:
        cursor.close()
    low, high, distinct, nulls = row if row else (None, None, 0, 0)
    return {
        "type": ckan_type(schema.type_ids[column]),
        "min": _json_value(low),
        "max": _json_value(high),
        "distinct": int(distinct or 0),
        "nulls": int(nulls or 0),
    }
