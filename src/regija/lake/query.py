"""Reading a data lake's Parquet files with DuckDB: CKAN's `datastore_search` and `datastore_search_sql`,
the aggregates behind indicator bindings and charts, and column statistics for the preview's filters.

Every query runs in a DuckDB database that can see nothing but the views of the tables it was given:
external access is disabled (only the tables' own Parquet files are allowed), extensions cannot be
installed or loaded, the configuration is locked, memory and threads are capped, and a timer interrupts
a query that runs past its time. Values are always bound as parameters, identifiers always quoted.

`run_sql` (user-written SQL) opens a fresh database for every query. `datastore_search`, `aggregate` and
`column_stats` build their SQL from validated parameters only, so they reuse a locked database per table
(a small LRU cache, keyed by the files' paths, sizes and modification times): opening a DuckDB database
costs about 15 ms, most of the time budget of a preview page.

See docs/lake.md for the parameters, the CKAN semantics followed and where this differs from CKAN.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
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
    rows: Sequence[tuple[Any, ...]], names: list[str], records_format: str
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
    files = "[" + ", ".join(_quote_literal(p) for p in paths) + "]"
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
        metadata = f"SELECT file_name, num_rows FROM parquet_file_metadata({files})"  # noqa: S608 - paths quoted as literals
        counts = dict(con.execute(metadata).fetchall())
        offsets, running = [], 0
        for path in paths:
            offsets.append(running)
            running += int(counts[path])
        starts = "[" + ", ".join(str(o) for o in offsets) + "]"
        reader = f"read_parquet({files}, file_row_number = true, file_index = true)"
        row_number = f"file_row_number + {starts}[file_index + 1] + 1"
        select = f"SELECT {row_number} AS _id, * EXCLUDE (file_row_number, file_index) FROM {reader}"  # noqa: S608 - paths quoted as literals
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

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self.lock:
            return self.con.cursor()


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
            _key, old = _databases.popitem(last=False)
            old.con.close()
    return database


def clear_cache() -> None:
    """Close the databases kept for searches (tests, and a dataset version that was replaced)."""
    with _databases_lock:
        while _databases:
            _key, old = _databases.popitem()
            old.con.close()


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
    text = str(error).strip()
    if isinstance(error, duckdb.OutOfMemoryException):
        return QueryError(
            _("The query needs more memory than a query may use (%(limit)s).") % {"limit": MEMORY_LIMIT},
            field=field,
            kind="SearchQueryError",
        )
    if isinstance(error, duckdb.PermissionException):
        return QueryError(
            _("The query tried to reach files or settings outside its tables: %(error)s") % {"error": text},
            field=field,
            kind="NotAuthorized",
        )
    if isinstance(error, duckdb.ParserException | duckdb.SyntaxException):
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
        raise QueryError(_("fields names no column."), field="fields")
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
                    counted = cursor.execute(count_sql, where.params).fetchone()
                    total = int(counted[0]) if counted else 0
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
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise QueryError(
            _("The SQL is not valid: %(error)s") % {"error": str(error).strip()}, field="sql"
        ) from error
    if len(statements) != 1:
        raise QueryError(
            _("Give exactly one SQL statement; this text has %(count)s.") % {"count": len(statements)},
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
    con = _open([t for t in tables if t.name.lower() in referenced])
    try:
        with _time_limit(con, timeout):
            try:
                relation = con.sql(text)
                if relation is None:  # pragma: no cover - a SELECT always gives a relation
                    raise QueryError(_("Give one SQL SELECT statement."), field="sql")
                names = list(relation.columns)
                types = [str(t.id) for t in relation.types]
                rows = relation.limit(max_rows + 1).fetchall()
            except duckdb.Error as error:
                if isinstance(error, duckdb.InterruptException):
                    raise
                raise _duckdb_error(error, "sql") from error
    finally:
        con.close()
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
