"""lake.query: CKAN's datastore_search and datastore_search_sql over Parquet files, and what SQL may not do.

The expected values follow from the rows written below and from CKAN's documented semantics
(doc/maintaining/datastore.rst "Filters", the datastore_search / datastore_search_sql docstrings)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from django.utils import translation

from regija.lake import query
from regija.lake.query import (
    QueryError,
    Table,
    aggregate,
    column_stats,
    datastore_search,
    referenced_tables,
    run_sql,
)

# _id, station, ts, day, temp, n, ok, note, amount – _id is the row's place in the file, not stored.
ROWS = [
    ("Ljubljana", "2024-01-15 08:00:00", "2024-01-15", 1.5, 10, True, "Šenčur center", "10.50"),
    ("Maribor", "2024-01-20 09:30:00", "2024-01-20", 2.0, 20, False, "reka Drava", "20.00"),
    ("Ljubljana", "2024-02-03 10:00:00", "2024-02-03", -1.0, 30, True, "Ljubljanica", "30.25"),
    ("Celje", "2024-02-10 00:00:00", "2024-02-10", 4.5, 40, None, None, "40.00"),
    ("Maribor", "2024-03-01 12:00:00", "2024-03-01", 3.0, 50, True, "Drava most", "50.00"),
    ("Ljubljana", "2024-03-15 18:45:00", "2024-03-15", 6.0, 60, False, "grad", "60.00"),
    ("Koper", "2025-01-05 07:00:00", "2025-01-05", 7.5, 70, True, "morje", "70.00"),
    ("Celje", "2025-02-05 06:00:00", "2025-02-05", None, 80, False, "Savinja", "80.00"),
]
RESOURCE_ID = "3f2a9c1e-5b7d-4e0f-9a11-2c3d4e5f6a7b"


def _sql_value(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def write_parquet(path: Path, rows: list[tuple], select: str = "*") -> str:
    values = ", ".join("(" + ", ".join(_sql_value(v) for v in row) + ")" for row in rows)
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT {select} FROM (SELECT station, CAST(ts AS TIMESTAMP) AS ts, CAST(day AS DATE) AS day,
                CAST(temp AS DOUBLE) AS temp, CAST(n AS INTEGER) AS n, CAST(ok AS BOOLEAN) AS ok,
                CAST(note AS VARCHAR) AS note, CAST(amount AS DECIMAL(10, 2)) AS amount
            FROM (VALUES {values}) AS v(station, ts, day, temp, n, ok, note, amount)))
        TO '{path}' (FORMAT parquet)"""  # noqa: S608 - test data: our rows and a temporary path
    )
    con.close()
    return str(path)


@pytest.fixture(autouse=True)
def english_and_fresh():
    query.clear_cache()
    with translation.override("en"):
        yield
    query.clear_cache()


@pytest.fixture
def table(tmp_path: Path) -> Table:
    return Table(RESOURCE_ID, [write_parquet(tmp_path / "rows.parquet", ROWS)])


def ids(result: query.Result) -> list[int]:
    assert isinstance(result.records, list)
    return [r["_id"] for r in result.records]


def search(table: Table, **kwargs: object) -> list[int]:
    return ids(datastore_search(table, **kwargs))


# --- datastore_search: fields, _id, records ----------------------------------------------------------


def test_fields_have_ckan_types_and_id_comes_first(table):
    result = datastore_search(table)
    assert result.fields == [
        {"id": "_id", "type": "int"},
        {"id": "station", "type": "text"},
        {"id": "ts", "type": "timestamp"},
        {"id": "day", "type": "date"},
        {"id": "temp", "type": "numeric"},
        {"id": "n", "type": "int"},
        {"id": "ok", "type": "bool"},
        {"id": "note", "type": "text"},
        {"id": "amount", "type": "numeric"},
    ]
    assert ids(result) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert result.total == 8
    assert result.total_was_estimated is False


def test_records_are_json_values(table):
    record = datastore_search(table, limit=1).records[0]
    assert record == {
        "_id": 1,
        "station": "Ljubljana",
        "ts": "2024-01-15T08:00:00",
        "day": "2024-01-15",
        "temp": 1.5,
        "n": 10,
        "ok": True,
        "note": "Šenčur center",
        "amount": 10.5,
    }
    json.dumps(datastore_search(table).records)  # every record serialises as it is
    assert datastore_search(table, filters={"_id": 8}).records[0]["temp"] is None


def test_records_as_lists_csv_and_tsv(table):
    lists = datastore_search(table, fields=["_id", "station", "n"], limit=2, records_format="lists")
    assert lists.records == [[1, "Ljubljana", 10], [2, "Maribor", 20]]
    text = datastore_search(table, fields="station, ts, ok", limit=2, offset=2, records_format="csv").records
    assert isinstance(text, str)
    assert list(csv.reader(io.StringIO(text))) == [
        ["Ljubljana", "2024-02-03T10:00:00", "true"],
        ["Celje", "2024-02-10T00:00:00", ""],
    ]
    tsv = datastore_search(table, fields=["note"], filters={"_id": [2, 5]}, records_format="tsv").records
    assert tsv == "reka Drava\nDrava most\n"
    with pytest.raises(QueryError) as error:
        datastore_search(table, records_format="xml")
    assert error.value.field == "records_format"


def test_fields_choose_and_order_columns(table):
    result = datastore_search(table, fields="n, station", limit=1)
    assert result.fields == [{"id": "n", "type": "int"}, {"id": "station", "type": "text"}]
    assert result.records == [{"n": 10, "station": "Ljubljana"}]
    with pytest.raises(QueryError) as error:
        datastore_search(table, fields=["station", "height"])
    assert error.value.field == "fields"
    assert "height" in error.value.message


def test_paging_and_limit_cap(table):
    result = datastore_search(table, limit=2, offset=2)
    assert ids(result) == [3, 4]
    assert result.total == 8  # the total counts every matching row, not the page
    assert search(table, limit=50_000) == [1, 2, 3, 4, 5, 6, 7, 8]  # CKAN cuts a limit over rows_max
    assert search(table, limit="3") == [1, 2, 3]
    assert datastore_search(table, limit=0).records == []
    for bad in ({"limit": -1}, {"offset": "ten"}, {"limit": 2.5}, {"offset": True}):
        with pytest.raises(QueryError) as error:
            datastore_search(table, **bad)
        assert error.value.field == next(iter(bad))
    assert datastore_search(table, include_total=False).total is None


# --- filters ------------------------------------------------------------------------------------------


def test_equality_and_list_filters(table):
    assert search(table, filters={"station": "Ljubljana"}) == [1, 3, 6]
    assert search(table, filters={"station": ["Celje", "Koper"]}) == [4, 7, 8]
    assert search(table, filters={"station": "Ljubljana", "ok": True}) == [1, 3]
    assert search(table, filters={"station": []}) == []
    result = datastore_search(table, filters={"station": "Maribor"}, limit=1)
    assert ids(result) == [2]
    assert result.total == 2


def test_range_filters(table):
    assert search(table, filters={"n": {"gte": 30, "lt": 60}}) == [3, 4, 5]
    assert search(table, filters={"n": {"gt": 70}}) == [8]
    assert search(table, filters={"n": {"lte": 20}}) == [1, 2]
    assert search(table, filters={"n": {"eq": 40}}) == [4]
    # CKAN 2.12: values and operations in one list are alternatives
    assert search(table, filters={"n": [10, {"gte": 70}]}) == [1, 7, 8]
    assert search(table, filters={"ts": {"gte": "2024-02-01", "lt": "2024-03-01"}}) == [3, 4]
    assert search(table, filters={"ts": {"gte": "2024-03-15T18:45:00"}}) == [6, 7, 8]
    assert search(table, filters={"day": "2024-03-15"}) == [6]
    assert search(table, filters={"amount": {"gt": "30.00", "lte": 50}}) == [3, 4, 5]


def test_or_groups_and_lists_of_filters(table):
    assert search(table, filters={"station": "Maribor", "$or": [{"n": 20}, {"ok": True}]}) == [2, 5]
    assert search(table, filters=[{"station": "Koper"}, {"n": 10}]) == [1, 7]
    assert search(table, filters={"$and": [{"station": "Ljubljana"}, {"n": {"gt": 10}}]}) == [3, 6]


def test_null_filters_keyset_paging_and_text_columns(table):
    assert search(table, filters={"temp": None}) == [8]
    assert search(table, filters={"ok": [None, False]}) == [2, 4, 6, 8]
    assert search(table, filters={"_id": {"gt": 6}}) == [7, 8]
    assert search(table, filters={"_id": {"lt": 4}}, sort="_id desc") == [3, 2, 1]
    # As CKAN: a number given for a text column is compared as text.
    assert search(table, filters={"station": 123}) == []


@pytest.mark.parametrize("counted_values", [10_000, 2])
def test_totals_of_text_equality_filters(table, monkeypatch, counted_values):
    # Looked up in the column's value counts – or, past COUNTED_VALUES distinct values, counted.
    monkeypatch.setattr(query, "COUNTED_VALUES", counted_values)
    assert datastore_search(table, filters={"station": "Ljubljana"}, limit=1).total == 3
    assert datastore_search(table, filters={"station": ["Celje", "Koper", "Celje"]}, limit=1).total == 3
    assert datastore_search(table, filters={"station": "Ptuj"}, limit=1).total == 0
    assert datastore_search(table, filters={"station": 123}, limit=1).total == 0
    assert datastore_search(table, filters={"note": None}, limit=1).total == 1


def test_dollar_prefixed_column_is_escaped(tmp_path):
    path = write_parquet(tmp_path / "d.parquet", ROWS, select='n AS "$AUD", station')
    table = Table("d", [path])
    assert search(table, filters={"$$AUD": 40}) == [4]


@pytest.mark.parametrize(
    ("filters", "field", "words"),
    [
        ({"height": 1}, "filters.height", ["height"]),
        ({"n": "many"}, "filters.n", ["many", "n"]),
        ({"ts": {"gte": "yesterday"}}, "filters.ts", ["yesterday"]),
        ({"n": {"like": 3}}, "filters.n", ["like"]),
        ({"$not": [{"n": 1}]}, "filters", ["$not"]),
        ({"$or": {"n": 1}}, "filters", ["$or"]),
        ("station=Celje", "filters", ["JSON"]),
        ({"n": {}}, "filters.n", []),
    ],
)
def test_bad_filters_are_named(table, filters, field, words):
    with pytest.raises(QueryError) as error:
        datastore_search(table, filters=filters)
    assert error.value.kind == "ValidationError"
    assert error.value.field == field
    for word in words:
        assert word in error.value.message


def test_filters_and_q_as_json_text(table):
    # CKAN's GET requests carry filters (and a per-column q) as JSON text.
    assert search(table, filters='{"station": "Ljubljana", "n": {"gt": 10}}') == [3, 6]
    assert search(table, q='{"note": "drava"}') == [2, 5]
    assert search(table, q="{drava") == []  # not JSON: searched as text
    with pytest.raises(QueryError) as error:
        datastore_search(table, filters="{station: Celje}")
    assert error.value.field == "filters"
    assert "JSON" in error.value.message


def test_too_many_filter_operations(table):
    with pytest.raises(QueryError) as error:
        datastore_search(table, filters={"$or": [{"n": i} for i in range(150)]})
    assert error.value.field == "filters"


# --- q ------------------------------------------------------------------------------------------------


def test_q_searches_text_columns_ignoring_case_and_accents(table):
    assert search(table, q="drava") == [2, 5]
    assert search(table, q="sencur") == [1]
    assert search(table, q="ŠENČUR") == [1]
    assert search(table, q="ljubljan") == [1, 3, 6]
    assert search(table, q="maribor most") == [5]  # every word must occur
    assert search(table, q="drava", filters={"station": "Maribor"}, limit=1) == [2]
    assert datastore_search(table, q="drava").total == 2


def test_q_per_column(table):
    assert search(table, q={"note": "drava"}) == [2, 5]
    assert search(table, q={"station": "celje", "note": "savinja"}) == [8]
    assert search(table, q={"n": "40"}) == [4]
    with pytest.raises(QueryError) as error:
        datastore_search(table, q={"colour": "red"})
    assert error.value.field == "q.colour"


# --- sort and distinct --------------------------------------------------------------------------------


def test_sort(table):
    assert search(table, sort="n desc") == [8, 7, 6, 5, 4, 3, 2, 1]
    assert search(table, sort="station, n desc") == [8, 4, 7, 6, 3, 1, 5, 2]
    assert search(table, sort=["station desc", "_id"]) == [2, 5, 1, 3, 6, 7, 4, 8]
    assert search(table, sort='"temp" desc nulls last') == [7, 6, 4, 5, 2, 1, 3, 8]
    assert search(table, sort="temp asc nulls first", limit=2) == [8, 3]
    assert search(table, sort="_id asc", offset=5) == [6, 7, 8]
    with pytest.raises(QueryError) as error:
        datastore_search(table, sort="colour desc")
    assert error.value.field == "sort"
    assert "colour" in error.value.message


def test_distinct(table):
    result = datastore_search(table, fields=["station"], distinct=True)
    assert result.records == [{"station": s} for s in ("Celje", "Koper", "Ljubljana", "Maribor")]
    assert result.total == 4
    result = datastore_search(table, fields="station", distinct="true", sort="station desc", limit=2)
    assert result.records == [{"station": "Maribor"}, {"station": "Ljubljana"}]


# --- _id over row groups and files --------------------------------------------------------------------


def test_id_is_the_row_number_across_row_groups(tmp_path):
    path = tmp_path / "many.parquet"
    con = duckdb.connect()
    rows = "SELECT range AS i, range % 7 AS k FROM range(20000)"
    con.execute(f"COPY ({rows}) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 2048)")
    metadata = f"SELECT count(*) FROM parquet_metadata('{path}') WHERE column_id = 0"  # noqa: S608 - a temporary path
    groups = con.execute(metadata).fetchone()
    assert groups is not None and groups[0] > 5
    con.close()
    table = Table("many", [str(path)])
    result = datastore_search(table, filters={"k": 3}, limit=100, offset=2000)
    expected = [i + 1 for i in range(20000) if i % 7 == 3][2000:2100]
    assert ids(result) == expected
    assert [r["i"] for r in result.records] == [i - 1 for i in expected]
    assert result.total == len([i for i in range(20000) if i % 7 == 3])


def test_id_runs_on_across_files_and_a_stored_id_is_kept(tmp_path):
    first = write_parquet(tmp_path / "a.parquet", ROWS[:3])
    second = write_parquet(tmp_path / "b.parquet", ROWS[3:])
    table = Table("two", [first, second])
    assert search(table) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert search(table, filters={"station": "Celje"}) == [4, 8]
    stored = write_parquet(tmp_path / "c.parquet", ROWS, select="n * 100 AS _id, station")
    assert search(Table("c", [stored]), limit=2) == [1000, 2000]


# --- run_sql ------------------------------------------------------------------------------------------


def test_sql_select_by_quoted_resource_id(table):
    result = run_sql(
        "SELECT * FROM \"3f2a9c1e-5b7d-4e0f-9a11-2c3d4e5f6a7b\" WHERE station = 'Koper'", [table]
    )
    assert result.records == [
        {
            "_id": 7,
            "station": "Koper",
            "ts": "2025-01-05T07:00:00",
            "day": "2025-01-05",
            "temp": 7.5,
            "n": 70,
            "ok": True,
            "note": "morje",
            "amount": 70.0,
        }
    ]
    assert result.fields[0] == {"id": "_id", "type": "int"}
    assert result.records_truncated is False


def test_sql_aggregate_with_cte_and_join(table, tmp_path):
    other = Table(
        "stations",
        [write_parquet(tmp_path / "s.parquet", ROWS[:1], select="'Ljubljana' AS station, 'LJ' AS code")],
    )
    result = run_sql(
        """WITH per AS (
                SELECT station, sum(n) AS total, count(*) AS rows
                FROM "3f2a9c1e-5b7d-4e0f-9a11-2c3d4e5f6a7b" GROUP BY station
            )
            SELECT per.*, s.code FROM per LEFT JOIN stations s USING (station) ORDER BY total DESC;""",
        [table, other],
    )
    # Koper and Maribor tie at 70, so their order is not fixed: compare as a set, then the order by total.
    assert {(r["station"], r["total"], r["rows"], r["code"]) for r in result.records} == {
        ("Celje", 120, 2, None),
        ("Ljubljana", 100, 3, "LJ"),
        ("Koper", 70, 1, None),
        ("Maribor", 70, 2, None),
    }
    assert [r["total"] for r in result.records] == [120, 100, 70, 70]
    assert [f["type"] for f in result.fields] == ["text", "int", "int", "text"]


def test_sql_rows_past_the_cap_are_cut_and_flagged(table):
    result = run_sql("SELECT * FROM range(10)", [table], max_rows=5)
    assert len(result.records) == 5
    assert result.records_truncated is True
    capped = run_sql("SELECT range AS i FROM range(40000)", [table])
    assert len(capped.records) == 32000  # CKAN's ckan.datastore.search.rows_max
    assert capped.records_truncated is True
    exact = run_sql("SELECT * FROM range(5)", [table], max_rows=5)
    assert len(exact.records) == 5
    assert exact.records_truncated is False


def test_sql_syntax_and_binding_errors_carry_duckdbs_text(table):
    with pytest.raises(QueryError) as error:
        run_sql("SELEC * FROM x", [table])
    assert error.value.field == "sql"
    assert "syntax error" in error.value.message
    with pytest.raises(QueryError) as error:
        run_sql('SELECT colour FROM "3f2a9c1e-5b7d-4e0f-9a11-2c3d4e5f6a7b"', [table])
    assert "colour" in error.value.message
    assert error.value.kind == "SearchQueryError"


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "NotAuthorized"),
        ("SELECT * FROM read_csv_auto('/etc/passwd')", "NotAuthorized"),
        ("SELECT * FROM '/etc/passwd'", "NotFound"),
        ("SELECT * FROM glob('/*')", "NotAuthorized"),
        ("SELECT * FROM read_text('/etc/passwd')", "NotAuthorized"),
        ("SELECT * FROM read_blob('/etc/hostname')", "NotAuthorized"),
        ("SELECT * FROM query('SELECT 1')", "NotAuthorized"),
        ("SELECT * FROM duckdb_settings()", "NotAuthorized"),
        ("SELECT current_setting('allowed_paths')", "NotAuthorized"),
        ("SELECT getenv('HOME')", "NotAuthorized"),
        ("SELECT * FROM information_schema.tables", "NotFound"),
        ("SELECT * FROM other_resource", "NotFound"),
        ("ATTACH '/tmp/x.db' AS x", "NotAuthorized"),
        ("COPY (SELECT 1) TO '/tmp/out.csv'", "NotAuthorized"),
        ("INSTALL httpfs", "NotAuthorized"),
        ("LOAD httpfs", "NotAuthorized"),
        ("PRAGMA version", "NotAuthorized"),
        ("SET threads = 8", "NotAuthorized"),
        ("CALL pragma_version()", "NotAuthorized"),
        ("CREATE TABLE t AS SELECT 1", "NotAuthorized"),
        ('DESCRIBE "{rid}"', "NotAuthorized"),
        ('SUMMARIZE "{rid}"', "NotAuthorized"),
        ("SELECT 1; SELECT 2", "ValidationError"),
        ("SELECT 1; ATTACH 'x.db'", "ValidationError"),
        ("", "ValidationError"),
    ],
)
def test_sql_refused(table, sql, kind):
    with pytest.raises(QueryError) as error:
        run_sql(sql.replace("{rid}", RESOURCE_ID), [table])
    assert error.value.kind == kind
    assert error.value.field == "sql"
    assert error.value.message


def test_sql_cannot_read_another_parquet_file(table, tmp_path):
    secret = write_parquet(tmp_path / "secret.parquet", ROWS[:1])
    with pytest.raises(QueryError) as error:
        run_sql(f"SELECT * FROM read_parquet('{secret}')", [table])  # noqa: S608 - the hostile SQL under test
    assert error.value.kind == "NotAuthorized"


def test_the_database_itself_is_locked_even_without_the_statement_checks(table, tmp_path):
    secret = write_parquet(tmp_path / "secret.parquet", ROWS[:1])
    con = query._open([table])
    try:
        assert con.execute('SELECT count(*) FROM "3f2a9c1e-5b7d-4e0f-9a11-2c3d4e5f6a7b"').fetchone() == (8,)
        for sql in (
            "SELECT * FROM read_csv('/etc/passwd')",
            f"SELECT * FROM read_parquet('{secret}')",  # noqa: S608 - the hostile SQL under test
            "SELECT * FROM glob('/*')",
            f"ATTACH '{tmp_path / 'x.db'}' AS x",
            f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
            "INSTALL httpfs",
            "LOAD httpfs",
            "SET enable_external_access = true",
            "SET threads = 8",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
    finally:
        con.close()
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "x.db").exists()


def test_a_never_ending_query_is_stopped(table):
    sql = 'SELECT count(*) FROM "3f2a9c1e-5b7d-4e0f-9a11-2c3d4e5f6a7b" a, range(1000000) b, range(1000000) c'
    with pytest.raises(QueryError) as error:
        run_sql(sql, [table], timeout=0.5)
    assert error.value.kind == "TimeoutError"
    assert "0.5 s" in error.value.message


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT length(repeat('x', 2000000000))",
        "SELECT max(length(l)) FROM (SELECT range(200000000) AS l)",
        # every level doubles the text: 2^40 bytes at the end
        "WITH RECURSIVE r(s, i) AS (SELECT 'xx', 0 UNION ALL SELECT s || s, i + 1 FROM r WHERE i < 40) "
        "SELECT max(length(s)) FROM r",
    ],
)
def test_a_query_that_would_eat_the_servers_memory_is_refused(table, sql):
    with pytest.raises(QueryError) as error:
        run_sql(sql, [table], timeout=20)
    assert error.value.kind in ("SearchQueryError", "TimeoutError")
    assert "memory" in error.value.message or "longer" in error.value.message


def test_a_dead_sql_worker_is_replaced(table):
    assert run_sql("SELECT 1 AS one", [table]).records == [{"one": 1}]
    for worker in list(query._idle_workers):
        worker.process.kill()
        worker.process.wait()
    assert run_sql("SELECT 2 AS two", [table]).records == [{"two": 2}]


def test_referenced_tables_uses_the_parser(table):
    assert referenced_tables(
        'WITH a AS (SELECT * FROM "res-1") SELECT * FROM a JOIN "Res 2" USING (x) '
        "WHERE x IN (SELECT x FROM third) AND y = 'FROM fake'"
    ) == {"res-1", "Res 2", "third"}
    assert referenced_tables("SELECT 1") == set()
    with pytest.raises(QueryError):
        referenced_tables("DROP TABLE x")


# --- aggregate and column_stats -----------------------------------------------------------------------


def test_aggregate_by_month_and_year(table):
    assert aggregate(table, value="n", date="ts", filters=None, how="sum", period="month") == [
        (dt.date(2024, 1, 1), 30),
        (dt.date(2024, 2, 1), 70),
        (dt.date(2024, 3, 1), 110),
        (dt.date(2025, 1, 1), 70),
        (dt.date(2025, 2, 1), 80),
    ]
    yearly = aggregate(table, value="temp", date="day", filters=None, how="avg", period="year")
    assert [p for p, _ in yearly] == [dt.date(2024, 1, 1), dt.date(2025, 1, 1)]
    assert yearly[0][1] == pytest.approx(16 / 6)
    assert yearly[1][1] == pytest.approx(7.5)  # the null temperature is not counted


def test_aggregate_last_count_min_max_and_filters(table):
    assert aggregate(table, value="amount", date="ts", filters=None, how="last", period="year") == [
        (dt.date(2024, 1, 1), Decimal("60.00")),
        (dt.date(2025, 1, 1), Decimal("80.00")),
    ]
    assert aggregate(
        table, value="n", date=None, filters={"station": "Ljubljana"}, how="sum", period=None
    ) == [(None, 100)]
    assert aggregate(table, value="temp", date=None, filters=None, how="count", period=None) == [(None, 7)]
    assert aggregate(table, value="temp", date=None, filters=None, how="min", period=None) == [(None, -1.0)]
    assert aggregate(table, value="n", date=None, filters={"n": {"lt": 50}}, how="max", period=None) == [
        (None, 40)
    ]
    assert aggregate(table, value="n", date=None, filters=None, how="last", period=None) == [(None, 80)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"value": "n", "how": "median"}, "how"),
        ({"value": "n", "how": "sum", "period": "week", "date": "ts"}, "period"),
        ({"value": "n", "how": "sum", "period": "year"}, "date"),
        ({"value": "colour", "how": "sum"}, "value"),
        ({"value": "station", "how": "sum"}, "value"),
        ({"value": "n", "how": "sum", "date": "station", "period": "year"}, "date"),
        ({"value": "n", "how": "sum", "filters": {"colour": 1}}, "filters.colour"),
    ],
)
def test_aggregate_refuses_bad_parameters(table, kwargs, field):
    arguments = {"date": None, "filters": None, "period": None} | kwargs
    with pytest.raises(QueryError) as error:
        aggregate(table, **arguments)
    assert error.value.field == field


def test_column_stats(table):
    assert column_stats(table, "station") == {
        "type": "text",
        "min": "Celje",
        "max": "Maribor",
        "distinct": 4,
        "nulls": 0,
    }
    assert column_stats(table, "temp") == {
        "type": "numeric",
        "min": -1.0,
        "max": 7.5,
        "distinct": 7,
        "nulls": 1,
    }
    assert column_stats(table, "ts")["min"] == "2024-01-15T08:00:00"
    with pytest.raises(QueryError) as error:
        column_stats(table, "colour")
    assert error.value.field == "column"


def test_errors_speak_the_users_language_placeholders_filled(table):
    with pytest.raises(QueryError) as error:
        datastore_search(table, filters={"višina": 3})
    assert error.value.message == 'There is no column "višina".'
    assert error.value.as_ckan_error() == {
        "__type": "Validation Error",
        "message": 'There is no column "višina".',
        "filters.višina": ['There is no column "višina".'],
    }
