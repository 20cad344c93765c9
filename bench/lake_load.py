"""Load benchmark of the CKAN API's datastore_search on a 10 M-row dataset, under gunicorn and wrk.

    python bench/lake_load.py [--rows 10000000] [--runs 3] [--duration 20s] [--workers 2] [--out bench/out]

1. The data: bench/lake_query.py's sensor table (timestamp, 50 stations, five numeric columns; rows in
   time order as a logger exports them), written once with DuckDB's range() to
   bench/out/lake/sensors-ROWS.parquet.
2. The catalogue: a SQLite database in bench/out/lake-load-ROWS/ (its REGIJA_DATA_DIR, the lake under
   it): `regija migrate`, then a dataset made through lake.services as an upload is – the Parquet file
   read into the lake sorted by station and time (add_version's sort_by, what an owner picks for data
   read by station) – and published. Built once, reused while its `ready` marker matches the rows.
3. The server: `gunicorn regija.wsgi -w WORKERS` (sync workers, DEBUG=false), as bench/load.py runs it.
4. The load: `wrk -t2 -c20 -dDURATION --timeout 30s -s bench/wrk_datastore.lua` on
   /api/3/action/datastore_search?resource_id=…&limit=100&filters={"station": …}:
   varied – each request another of the 50 stations; same – always one station;
   solo – varied with one client (-t1 -c1): the time one request takes without queueing.
   CKAN's default include_total=true: each answer also counts the station's rows.
5. Medians over the runs of p50/p95/p99, requests/s and the workers' CPU ms per request; prints the rows
   for bench/README.md and writes bench/out/lake-load-ROWS-TIMESTAMP.json.

Needs wrk (Debian: `apt-get install wrk`) and gunicorn (`pip install -e ".[bench]"`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from lake_query import generate  # noqa: E402  (bench/lake_query.py: the sensor table)
from load import Server, get, machine, server_env  # noqa: E402  (bench/load.py: gunicorn, wrk helpers)
from run import regija  # noqa: E402

LUA = HERE / "wrk_datastore.lua"
REPORT_LUA = HERE / "wrk_report.lua"
TARGET_MS = 80  # the API target of bench/load.py

SETUP = r"""
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
django.setup()
from pathlib import Path
from regija.core.models import Organisation
from regija.lake import services

parquet = Path(sys.argv[1])
org, _ = Organisation.objects.get_or_create(
    slug="bench-lake", defaults={"name": "Merilna mreža (bench)", "kind": "municipality"}
)
dataset = services.dataset_create(
    None, publisher=org, data={"slug": "senzorji", "title": "Meritve senzorjev"}, via="bench"
)
services.add_version(
    dataset, parquet, name=parquet.name, origin="upload", via="bench", sort_by=["station", "ts"]
)
dataset = services.dataset_publish(None, dataset, via="bench")
csv = dataset.distributions.get(format="CSV")
print(json.dumps({"resource_id": str(csv.uuid), "rows": dataset.current.rows}))
"""


def catalogue(out: Path, rows: int) -> tuple[Path, str]:
    """The database with the published dataset, built once: (data dir, the CSV resource's id)."""
    data_dir = out / f"lake-load-{rows}"
    ready = data_dir / "ready"
    if ready.exists():
        return data_dir, json.loads(ready.read_text())["resource_id"]
    plain, _by_station = generate(out / "lake", rows)
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    env = server_env(data_dir)
    regija(["migrate", "-v0"], env)
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", SETUP, str(plain)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"making the dataset failed:\n{done.stderr[-3000:]}")
    made = json.loads(done.stdout.strip().splitlines()[-1])
    assert made["rows"] == rows, made
    print(f"dataset of {rows} rows in the lake in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    ready.write_text(json.dumps(made))
    return data_dir, made["resource_id"]


def wrk(url: str, *, stations: int, duration: str, connections: int, threads: int) -> dict:
    env = dict(os.environ, WRK_STATIONS=str(stations), WRK_REPORT=str(REPORT_LUA))
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        url,
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", default="20s")
    parser.add_argument("--solo-duration", default="10s")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    if not Path(sys.executable).with_name("gunicorn").exists():
        raise SystemExit('gunicorn is missing: pip install -e ".[bench]"')

    data_dir, resource = catalogue(args.out, args.rows)
    path = f"/api/3/action/datastore_search?resource_id={resource}&limit=100"
    server = Server(data_dir, args.workers)
    results = []
    try:
        status, _size = get(server.base + path + "&filters=%7B%22station%22%3A%22ST001%22%7D")
        if status != 200:
            raise SystemExit(f"{path} answers {status}")
        # warm-up: each worker opens the table's database and reads the Parquet footers
        wrk(server.base + path, stations=50, duration="3s", connections=4, threads=1)
        modes = [("varied", 50, args.connections, args.threads), ("same", 1, args.connections, args.threads)]
        modes.append(("solo", 50, 1, 1))
        for mode, stations, connections, threads in modes:
            runs = []
            for _ in range(args.runs):
                before = round(os.getloadavg()[0], 2)
                cpu = server.workers_cpu_seconds()
                duration = args.solo_duration if mode == "solo" else args.duration
                run = wrk(
                    server.base + path,
                    stations=stations,
                    duration=duration,
                    connections=connections,
                    threads=threads,
                )
                cpu = server.workers_cpu_seconds() - cpu
                run["cpu_ms_per_request"] = round(cpu * 1000 / max(run["requests"], 1), 2)
                # the 1-minute load average: whether other programs shared the machine
                run["loadavg_1m_before"] = before
                runs.append(run)
            row = {"mode": mode, "stations": stations, "connections": connections, "runs": runs}
            for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "cpu_ms_per_request"):
                row[key] = round(statistics.median(r[key] for r in runs), 1)
            row["errors"] = sum(sum(r["errors"].values()) for r in runs)
            row["loadavg"] = statistics.median(r["loadavg_1m_before"] for r in runs)
            results.append(row)
            print(
                f"{mode:6} p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f}  p99 {row['p99_ms']:7.1f} ms"
                f"  {row['rps']:7.1f} req/s  CPU {row['cpu_ms_per_request']:6.1f} ms/req"
                f"  load {row['loadavg']:.1f}  errors {row['errors']}",
                file=sys.stderr,
                flush=True,
            )
    finally:
        server.stop()
    info = machine() | {
        "rows": args.rows,
        "workers": args.workers,
        "duration": args.duration,
        "runs": args.runs,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    written = args.out / f"lake-load-{args.rows}-{stamp}.json"
    written.write_text(json.dumps({"machine": info, "path": path, "results": results}, indent=1))
    print()
    print("| mode | clients | p50 ms | p95 ms | p99 ms | req/s | CPU ms/req | load | p95 / target | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ok = "(1 client)" if r["mode"] == "solo" else ("✓" if r["p95_ms"] <= TARGET_MS else "✗")
        print(
            f"| {r['mode']} | {r['connections']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} "
            f"| {r['rps']} | {r['cpu_ms_per_request']} | {r['loadavg']} "
            f"| {round(r['p95_ms'] / TARGET_MS, 2)} of {TARGET_MS} {ok} | {r['errors']} |"
        )
    print(f"\nwritten: {written}")


if __name__ == "__main__":
    main()
