"""Lake query benchmark: CKAN-style searches and a GROUP BY over a 10 M-row sensor table in Parquet.

    python bench/lake_query.py [--rows 10000000] [--out bench/out] [--no-postgres]

Writes bench/out/lake/sensors-ROWS.parquet once with DuckDB (timestamp, station – 50 of them –,
five numeric columns; rows in time order, every station at every timestamp, as a logger exports
them) and a copy sorted by station, then, in a separate process (so that the peak RSS is that of
the queries, not of writing the files):

- `datastore_search` with an equality filter on the station and limit=100 (total included, as CKAN's
  default): 200 calls over the 50 stations – median and p95; the first call (which opens the table's
  database) is reported on its own;
- the same 200 calls from 20 threads at once (in-process; the HTTP figure under wrk comes with the API);
- `run_sql` of the GROUP BY station, month aggregate – median of 5;

and the same GROUP BY on a PostgreSQL table holding the same rows (database regija_bench_lake,
created, loaded with COPY FROM STDIN, dropped; skipped when PostgreSQL cannot be reached).
Prints one JSON line per measurement set and the rows for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_URL = "postgresql://postgres@127.0.0.1:5432/{db}"
PG_DB = "regija_bench_lake"
STATIONS = 50

GROUP_BY = (
    "SELECT station, date_trunc('month', ts) AS month, count(*) AS n, avg(temperature) AS temperature, "
    "max(pm10) AS pm10_max, sum(wind) AS wind FROM {table} GROUP BY station, month ORDER BY station, month"
)

MEASURE = r"""
import json, os, random, resource, statistics, sys, threading, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
django.setup()
from regija.lake.query import Table, clear_cache, datastore_search, run_sql

path, group_by, label = sys.argv[1], sys.argv[2], sys.argv[3]
table = Table("3f2a9c1e-5b7d-4e0f-9a11-2c3d4e5f6a7b", [path])
stations = [f"ST{i:03d}" for i in range(50)]
rng = random.Random(7)

t = time.perf_counter()
first = datastore_search(table, filters={"station": "ST000"}, limit=100)
first_ms = (time.perf_counter() - t) * 1000
assert len(first.records) == 100 and first.total, first.total

def p95(values):
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]

def timed(station):
    t = time.perf_counter()
    result = datastore_search(table, filters={"station": station}, limit=100)
    assert len(result.records) == 100 and result.total
    return (time.perf_counter() - t) * 1000

counting_ms = [timed(station) for station in stations[1:]]  # each filter's total counted for the first time
search_ms = [timed(rng.choice(stations)) for _ in range(200)]  # totals remembered

def threaded():
    clear_cache()
    datastore_search(table, limit=1)  # open the table's database again
    times, lock = [], threading.Lock()
    def client(seed):
        local = random.Random(seed)
        for _ in range(10):
            ms = timed(local.choice(stations))
            with lock:
                times.append(ms)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    t = time.perf_counter()
    for th in threads: th.start()
    for th in threads: th.join()
    return times, time.perf_counter() - t

threaded_ms, threaded_wall = threaded()

sql = group_by.format(table='"3f2a9c1e-5b7d-4e0f-9a11-2c3d4e5f6a7b"')
group_ms = []
for _ in range(5):
    t = time.perf_counter()
    result = run_sql(sql, [table])
    group_ms.append((time.perf_counter() - t) * 1000)
print(json.dumps({
    "file": label,
    "search_first_ms": round(first_ms, 1),
    "search_counting_ms_median": round(statistics.median(counting_ms), 1),
    "search_counting_ms_p95": round(p95(counting_ms), 1),
    "search_ms_median": round(statistics.median(search_ms), 1),
    "search_ms_p95": round(p95(search_ms), 1),
    "search_20_threads_ms_median": round(statistics.median(threaded_ms), 1),
    "search_20_threads_ms_p95": round(p95(threaded_ms), 1),
    "search_20_threads_per_s": round(len(threaded_ms) / threaded_wall, 1),
    "group_by_ms_median": round(statistics.median(group_ms), 1),
    "group_by_rows": len(result.records),
    "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
"""


def generate(out: Path, rows: int) -> tuple[Path, Path]:
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    plain = out / f"sensors-{rows}.parquet"
    by_station = out / f"sensors-{rows}-by-station.parquet"
    con = duckdb.connect()
    if not plain.exists():
        t = time.perf_counter()
        con.execute(
            f"""COPY (
                SELECT TIMESTAMP '2020-01-01' + to_minutes((range // {STATIONS}) * 5) AS ts,
                    'ST' || lpad(CAST(range % {STATIONS} AS VARCHAR), 3, '0') AS station,
                    round(10 + 15 * sin(range / 5000.0) + (hash(range) % 1000) / 200.0, 2) AS temperature,
                    round(40 + (hash(range + 1) % 6000) / 100.0, 2) AS humidity,
                    round(980 + (hash(range + 2) % 5000) / 100.0, 2) AS pressure,
                    round((hash(range + 3) % 2500) / 100.0, 2) AS wind,
                    CAST(hash(range + 4) % 500 AS DOUBLE) / 10 AS pm10
                FROM range({rows})
            ) TO '{plain}' (FORMAT parquet, COMPRESSION zstd)"""  # noqa: S608 - our own numbers and path
        )
        print(f"wrote {plain} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    if not by_station.exists():
        rows_sql = f"SELECT * FROM read_parquet('{plain}') ORDER BY station, ts"  # noqa: S608 - our own path
        con.execute(f"COPY ({rows_sql}) TO '{by_station}' (FORMAT parquet, COMPRESSION zstd)")
    con.close()
    return plain, by_station


def measure(path: Path, label: str) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
    output = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), GROUP_BY, label],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def postgres(path: Path) -> dict[str, object] | None:
    try:
        import duckdb
        import psycopg
    except ImportError:
        return None
    try:
        admin = psycopg.connect(PG_URL.format(db="postgres"), autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        print(f"PostgreSQL skipped: {error}", file=sys.stderr)
        return None
    admin.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
    admin.execute(f"CREATE DATABASE {PG_DB}")
    try:
        with psycopg.connect(PG_URL.format(db=PG_DB), autocommit=True) as pg:
            pg.execute(
                "CREATE TABLE sensors (ts timestamp, station text, temperature double precision, "
                "humidity double precision, pressure double precision, wind double precision, "
                "pm10 double precision)"
            )
            t = time.perf_counter()
            csv_path = path.with_suffix(".csv")
            source = duckdb.connect()
            rows_sql = f"SELECT * FROM read_parquet('{path}')"  # noqa: S608 - our own path
            source.execute(f"COPY ({rows_sql}) TO '{csv_path}' (HEADER false)")
            source.close()
            with (
                pg.cursor() as cursor,
                cursor.copy("COPY sensors FROM STDIN (FORMAT csv)") as copy,
                open(csv_path, "rb") as rows_file,
            ):
                while block := rows_file.read(1 << 20):
                    copy.write(block)
            csv_path.unlink()
            load_s = time.perf_counter() - t
            pg.execute("VACUUM ANALYZE sensors")
            sql = GROUP_BY.format(table="sensors")
            pg.execute(sql).fetchall()  # warm the cache as a running server would have it
            times = []
            for _ in range(5):
                t = time.perf_counter()
                rows = pg.execute(sql).fetchall()
                times.append((time.perf_counter() - t) * 1000)
            size = pg.execute("SELECT pg_total_relation_size('sensors')").fetchone()
        return {
            "postgres_load_s": round(load_s, 1),
            "postgres_group_by_ms_median": round(statistics.median(times), 1),
            "postgres_group_by_rows": len(rows),
            "postgres_table_mib": round((size[0] if size else 0) / 2**20, 1),
        }
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        generate(args.out / "lake", args.rows)
        return
    # Written in a child process: a child inherits its parent's peak RSS, and writing 10 M rows takes more
    # memory than querying them.
    subprocess.run(
        [sys.executable, __file__, "--generate-only", "--rows", str(args.rows), "--out", str(args.out)],
        check=True,
    )
    plain, by_station = generate(args.out / "lake", args.rows)
    results = [measure(plain, "time order"), measure(by_station, "sorted by station")]
    for result in results:
        print(json.dumps(result))
    pg = None if args.no_postgres else postgres(plain)
    if pg:
        print(json.dumps(pg))
    print()
    print(
        "| file | first call | counting the total median / p95 | total remembered median / p95 "
        "| 20 threads median / p95 (calls/s) | GROUP BY median | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['file']} | {r['search_first_ms']} ms "
            f"| {r['search_counting_ms_median']} / {r['search_counting_ms_p95']} ms "
            f"| {r['search_ms_median']} / {r['search_ms_p95']} ms "
            f"| {r['search_20_threads_ms_median']} / {r['search_20_threads_ms_p95']} ms "
            f"({r['search_20_threads_per_s']}) | {r['group_by_ms_median']} ms | {r['peak_rss_mib']} MiB |"
        )
    if pg:
        ratio = float(str(pg["postgres_group_by_ms_median"])) / float(str(results[0]["group_by_ms_median"]))
        print(
            f"\nPostgreSQL 15: GROUP BY median {pg['postgres_group_by_ms_median']} ms "
            f"(table {pg['postgres_table_mib']} MiB, loaded in {pg['postgres_load_s']} s): "
            f"DuckDB on Parquet is {ratio:.1f}× faster"
        )


if __name__ == "__main__":
    main()
