"""Lake ingest benchmark: a 10-million-row sensor CSV into Parquet, against DuckDB's own COPY.

    PYTHONPATH=src python bench/lake_ingest.py [--rows 10000000] [--out bench/out]

Generates (once) two CSVs in bench/out/ with DuckDB: ``lake-sensor-N.csv`` (timestamp, station, five
numbers; commas, decimal points) and ``lake-sensor-sl-N.csv`` (the same rows with ``;`` and Slovenian
decimal commas). For each, in its own process (so that peak RSS is that run's alone), it times

- ``regija.lake.ingest.to_parquet`` (hash, UTF-8 check, sniffing, typing and the write), and
- DuckDB's plain ``COPY (SELECT * FROM read_csv(x)) TO y (FORMAT parquet)`` (default settings),

and once more ``to_parquet`` of the first file sorted by station and time (``sort_by``), and prints
rows/s, the ratio of the two times and each process's peak RSS, as JSON lines and a table
for bench/README.md. Targets: ≥ 500 000 rows/s, ≤ 2× DuckDB's time, peak RSS < 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent

GENERATE = """
SELECT TIMESTAMP '2024-01-01' + INTERVAL (i * 3) SECOND AS cas,
       'postaja-' || lpad(CAST(i % 500 AS VARCHAR), 3, '0') AS postaja,
       round(10 + 15 * sin(i / 1000.0), 2) AS temperatura,
       round(40 + (i * 7919 % 6000) / 100.0, 2) AS vlaga,
       round(980 + (i * 104729 % 5000) / 100.0, 1) AS tlak,
       round((i * 31 % 2000) / 100.0, 2) AS pm10,
       round((i * 17 % 3000) / 10.0, 1) AS no2
FROM range({rows}) t(i)
"""

OURS = r"""
import json, resource, sys, time
from pathlib import Path
from regija.lake.ingest import to_parquet
src, dest = Path(sys.argv[1]), Path(sys.argv[2])
sort_by = sys.argv[3].split(",") if len(sys.argv) > 3 else None
t = time.perf_counter()
r = to_parquet(src, dest, sort_by=sort_by)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": r.rows, "delimiter": r.delimiter,
                  "decimal_comma": r.decimal_comma, "types": [c.type for c in r.columns],
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""

DUCKDB = r"""
import json, resource, sys, time
import duckdb
src, dest = sys.argv[1], sys.argv[2]
t = time.perf_counter()
copy = f"COPY (SELECT * FROM read_csv('{src}')) TO '{dest}' (FORMAT parquet)"
n = duckdb.connect().execute(copy).fetchone()
print(json.dumps({"seconds": time.perf_counter() - t, "rows": n[0] if n else None,
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def generate(out: Path, rows: int) -> tuple[Path, Path]:
    plain, sl = out / f"lake-sensor-{rows}.csv", out / f"lake-sensor-sl-{rows}.csv"
    query = GENERATE.format(rows=rows)
    if not plain.exists():
        duckdb.sql(f"COPY ({query}) TO '{plain}' (HEADER, DELIMITER ',')")
    if not sl.exists():
        numbers = ("temperatura", "vlaga", "tlak", "pm10", "no2")
        select = ", ".join(
            ["strftime(cas, '%Y-%m-%d %H:%M:%S') AS cas", "postaja"]
            + [f"replace(CAST({n} AS VARCHAR), '.', ',') AS {n}" for n in numbers]
        )
        copy = f"COPY (SELECT {select} FROM ({query})) "  # noqa: S608 - our own generated query
        duckdb.sql(copy + f"TO '{sl}' (HEADER, DELIMITER ';', QUOTE '')")
    return plain, sl


def run(script: str, src: Path, dest: Path, *extra: str) -> dict:
    """Run ``script`` in a fresh process; its figures, with its own peak RSS (its ru_maxrss at the end,
    DuckDB's threads included)."""
    dest.unlink(missing_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", script, str(src), str(dest), *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, alternating; medians shown")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    plain, sl = generate(args.out, args.rows)
    print(f"generated in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    lines = []
    for label, src in (("comma, decimal point", plain), ("';', decimal comma", sl)):
        ducks, ourss = [], []
        for _ in range(args.repeat):  # alternating, so that a busy moment of the machine hits both
            ducks.append(run(DUCKDB, src, args.out / "lake-duckdb.parquet"))
            ourss.append(run(OURS, src, args.out / "lake-ours.parquet"))
        duck_s = statistics.median(d["seconds"] for d in ducks)
        ours_s = statistics.median(o["seconds"] for o in ourss)
        row = {
            "file": label,
            "mb": round(src.stat().st_size / 1e6),
            "rows": ourss[0]["rows"],
            "ours_s": [round(o["seconds"], 2) for o in ourss],
            "ours_rows_per_s": round(ourss[0]["rows"] / ours_s),
            "duckdb_s": [round(d["seconds"], 2) for d in ducks],
            "ratio": round(ours_s / duck_s, 2),
            "ours_peak_rss_mib": max(o["peak_rss_mib"] for o in ourss),
            "duckdb_peak_rss_mib": max(d["peak_rss_mib"] for d in ducks),
            "types": ourss[0]["types"],
        }
        print(json.dumps(row, ensure_ascii=False))
        lines.append(
            f"| {label} | {row['mb']} MB | {row['rows']:_} | {ours_s:.2f} s | {row['ours_rows_per_s']:_} | "
            f"{duck_s:.2f} s | {row['ratio']}× | {row['ours_peak_rss_mib']} MiB | "
            f"{row['duckdb_peak_rss_mib']} MiB |".replace("_", " ")
        )
    # sorted for fast equality filters: 10 M rows do not fit the memory limit, so DuckDB spills to disk
    ours = run(OURS, plain, args.out / "lake-ours.parquet", "postaja,cas")
    print(json.dumps({"file": "comma, decimal point, sort_by postaja, cas", **ours}, ensure_ascii=False))
    lines.append(
        "| comma, decimal point, `sort_by=[postaja, cas]` | | | "
        + f"{ours['seconds']:.2f} s | {round(ours['rows'] / ours['seconds']):_} | | | ".replace("_", " ")
        + f"{ours['peak_rss_mib']} MiB | |"
    )
    print(
        "| file | size | rows | to_parquet | rows/s | DuckDB COPY | ratio | peak RSS ours | peak RSS DuckDB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
