"""Lake query benchmark: CKAN-style searches and a GROUP BY over a 10 M-row sensor table in Parquet.

    python bench/lake_query.py [--rows 10000000] [--out bench/out] [--no-postgres]

Writes bench/out/lake/sensors-ROWS.parquet once with DuckDB (timestamp, station – 50 of them –,
five numeric columns; rows in time order, every station at every timestamp, as a logger exports
them) and a copy sorted by station, then, in a separate process (so that the peak RSS is that of
the queries, not of writing the files):

- `datastore_search` with limit=100 and the total (CKAN's default), median and p95: the first call
  (opens the table's database, counts the station column's values); a station and a temperature range,
  each once (the total is counted by a query); each station once (the total comes from the value
  counts); 200 calls of random stations (totals remembered);
- 200 searches of random stations from 20 threads at once, starting with the table closed (in-process;
  the HTTP figure under wrk comes with the API);
- `run_sql` of the GROUP BY station, month aggregate – median of 5 (it runs in an SQL worker process,
  whose peak RSS is reported apart);

and the same GROUP BY on a PostgreSQL table holding the same rows, run alternately with DuckDB's so
that both see the same load (database regija_bench_lake, created, loaded with COPY FROM STDIN,
dropped; skipped when PostgreSQL cannot be reached).
Prints one JSON line per measurement set and the rows for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
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
import json, os, random, statistics, sys, threading, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
django.setup()
from regija.lake import query
from regija.lake.query import Table, clear_cache, datastore_search, run_sql

def peak_rss(pid="self"):
    # VmHWM: the peak RSS of this program since it started (getrusage would count the parent's before exec)
    with open(f"/proc/{pid}/status") as status:
        return max(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

def worker_rss():
    return round(max(peak_rss(worker.process.pid) for worker in query._idle_workers), 1)

path, group_by, label, pg_url = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
table = Table("3f2a9c1e-5b7d-4e0f-9a11-2c3d4e5f6a7b", [path])
stations = [f"ST{i:03d}" for i in range(50)]
rng = random.Random(7)

t = time.perf_counter()
first = datastore_search(table, filters={"station": "ST000"}, limit=100)
first_ms = (time.perf_counter() - t) * 1000
assert len(first.records) == 100 and first.total, first.total

def p95(values):
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]

def timed(station, **more):
    t = time.perf_counter()
    result = datastore_search(table, filters={"station": station, **more}, limit=100)
    assert len(result.records) == 100 and result.total
    return (time.perf_counter() - t) * 1000

# A station and a range: the total is counted by a query, once per filter.
counting_ms = [timed(station, temperature={"gte": 5}) for station in stations]
# A station alone, each for the first time: the total comes from the station column's value counts.
equality_ms = [timed(station) for station in stations[1:]]
# 200 searches of random stations: the totals are remembered.
search_ms = [timed(rng.choice(stations)) for _ in range(200)]

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
group_ms, pg_ms = [], []
pg = None
if pg_url:
    import psycopg
    pg = psycopg.connect(pg_url, autocommit=True)
    pg_sql = group_by.format(table="sensors")
    pg.execute(pg_sql).fetchall()  # warm the cache as a running server would have it
run_sql(sql, [table])  # start the SQL worker
# Alternating with PostgreSQL, so that both see the same load on a shared machine.
for _ in range(5):
    t = time.perf_counter()
    result = run_sql(sql, [table])
    group_ms.append((time.perf_counter() - t) * 1000)
    if pg is not None:
        t = time.perf_counter()
        pg_rows = pg.execute(pg_sql).fetchall()
        pg_ms.append((time.perf_counter() - t) * 1000)
        assert len(pg_rows) == len(result.records)
print(json.dumps({
    "file": label,
    "search_first_ms": round(first_ms, 1),
    "search_counting_ms_median": round(statistics.median(counting_ms), 1),
    "search_counting_ms_p95": round(p95(counting_ms), 1),
    "search_equality_ms_median": round(statistics.median(equality_ms), 1),
    "search_equality_ms_p95": round(p95(equality_ms), 1),
    "search_ms_median": round(statistics.median(search_ms), 1),
    "search_ms_p95": round(p95(search_ms), 1),
    "search_20_threads_ms_median": round(statistics.median(threaded_ms), 1),
    "search_20_threads_ms_p95": round(p95(threaded_ms), 1),
    "search_20_threads_per_s": round(len(threaded_ms) / threaded_wall, 1),
    "group_by_ms_median": round(statistics.median(group_ms), 1),
    "group_by_rows": len(result.records),
    "postgres_group_by_ms_median": round(statistics.median(pg_ms), 1) if pg_ms else None,
    "peak_rss_mib": round(peak_rss(), 1),
    "sql_worker_peak_rss_mib": worker_rss(),
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


def measure(path: Path, label: str, pg_url: str = "") -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), GROUP_BY, label, pg_url],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"measuring {label} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def loaded_postgres(path: Path) -> Iterator[dict[str, object] | None]:
    """A PostgreSQL database holding the rows of `path` as table `sensors` (None when unreachable)."""
    try:
        import duckdb
        import psycopg
    except ImportError:
        yield None
        return
    try:
        admin = psycopg.connect(PG_URL.format(db="postgres"), autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        print(f"PostgreSQL skipped: {error}", file=sys.stderr)
        yield None
        return
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
            size = pg.execute("SELECT pg_total_relation_size('sensors')").fetchone()
        yield {
            "url": PG_URL.format(db=PG_DB),
            "postgres_load_s": round(load_s, 1),
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
    # Written in a child process, so that this one stays small (the figures are read from /proc anyway).
    subprocess.run(
        [sys.executable, __file__, "--generate-only", "--rows", str(args.rows), "--out", str(args.out)],
        check=True,
    )
    plain, by_station = generate(args.out / "lake", args.rows)
    with loaded_postgres(plain) if not args.no_postgres else nullcontext() as pg:
        pg_url = str(pg["url"]) if pg else ""
        results = [measure(plain, "time order", pg_url), measure(by_station, "sorted by station")]
    for result in results:
        print(json.dumps(result))
    if pg:
        print(json.dumps(pg))
    print()
    print(
        "| file | first call | station + range, total counted | station, first time "
        "| station, total remembered | 20 threads (calls/s) | GROUP BY | peak RSS (searches / SQL worker) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['file']} | {r['search_first_ms']} ms "
            f"| {r['search_counting_ms_median']} / {r['search_counting_ms_p95']} ms "
            f"| {r['search_equality_ms_median']} / {r['search_equality_ms_p95']} ms "
            f"| {r['search_ms_median']} / {r['search_ms_p95']} ms "
            f"| {r['search_20_threads_ms_median']} / {r['search_20_threads_ms_p95']} ms "
            f"({r['search_20_threads_per_s']}) | {r['group_by_ms_median']} ms "
            f"| {r['peak_rss_mib']} / {r['sql_worker_peak_rss_mib']} MiB |"
        )
    if pg:
        pg_median = results[0]["postgres_group_by_ms_median"]
        ratio = float(str(pg_median)) / float(str(results[0]["group_by_ms_median"]))
        print(
            f"\nPostgreSQL: GROUP BY median {pg_median} ms, alternating with DuckDB's "
            f"(table {pg['postgres_table_mib']} MiB, loaded in {pg['postgres_load_s']} s): "
            f"DuckDB on Parquet is {ratio:.1f}× faster"
        )


if __name__ == "__main__":
    main()
