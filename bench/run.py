"""Foundation benchmark: import a synthetic country, then time the roll-ups, on SQLite and PostgreSQL.

    python bench/run.py [--scale 1.0] [--backends sqlite,postgres] [--out bench/out]

Writes the strategy files once (bench/generate.py), imports them into a fresh database with
`regija import --stats`, then measures medians of a strategy roll-up and of the whole-country
roll-up by fund. Prints one JSON line per backend and a table for bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_URL = "postgres://postgres@127.0.0.1:5432/{db}"

ROLLUP_SCRIPT = r"""
import json, os, statistics, time, random
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
django.setup()
from regija.projects import selectors
from regija.strategies.models import Strategy

ids = list(Strategy.objects.order_by("pk").values_list("pk", flat=True))
random.Random(1).shuffle(ids)
sample = ids[:50]
for pk in sample[:3]:  # warm the caches as a running server would have them
    selectors.node_rollups(pk); selectors.strategy_rollup(pk)
strategy_ms, tree_ms = [], []
for pk in sample:
    t = time.perf_counter()
    selectors.strategy_rollup(pk)
    strategy_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    selectors.node_rollups(pk)
    tree_ms.append((time.perf_counter() - t) * 1000)
selectors.fund_rollups()
country_ms = []
for _ in range(7):
    t = time.perf_counter()
    funds = selectors.fund_rollups()
    country_ms.append((time.perf_counter() - t) * 1000)
print(json.dumps({
    "strategy_rollup_ms_median": round(statistics.median(strategy_ms), 2),
    "strategy_rollup_ms_max": round(max(strategy_ms), 2),
    "strategy_tree_rollup_ms_median": round(statistics.median(tree_ms), 2),
    "country_by_fund_ms_median": round(statistics.median(country_ms), 1),
    "funds": len(funds),
}))
"""


def recreate_database(url: str) -> None:
    """An empty PostgreSQL database at ``url`` (dropped first if it exists), for a benchmark's run."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def regija(args: list[str], env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "regija.cli", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"regija {' '.join(args[:2])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def run_backend(backend: str, files: list[Path]) -> dict:
    env = dict(os.environ)
    workdir = Path(tempfile.mkdtemp(prefix=f"regija-bench-{backend}-"))
    env["REGIJA_DATA_DIR"] = str(workdir)
    if backend == "postgres":
        db = "regija_bench"
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
        env["DATABASE_URL"] = PG_URL.format(db=db)
    else:
        env.pop("DATABASE_URL", None)
    regija(["migrate", "-v0"], env)
    out = regija(["import", "--stats", "--quiet", *map(str, files)], env)
    stats = dict(item.split("=") for item in out.strip().splitlines()[-1].removeprefix("stats: ").split())
    if backend == "postgres":
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "regija_bench", "-qc", "VACUUM ANALYZE"],
            check=True,
        )
    rollups = json.loads(
        subprocess.run(
            [sys.executable, "-c", ROLLUP_SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return {
        "backend": backend,
        "files": int(stats["files"]),
        "rows": int(stats["rows"]),
        "import_seconds": float(stats["seconds"]),
        "rows_per_second": int(stats["rows_per_second"]),
        "import_peak_rss_mib": int(stats["peak_rss_mib"]),
        **rollups,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    country = args.out / f"country-{args.scale:g}"
    if not (country / "done").exists():
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(country), "--scale", str(args.scale)], check=True
        )
        (country / "done").write_text("")
        print(f"generated in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    files = sorted(country.glob("*.yaml"))
    rows = []
    for backend in args.backends.split(","):
        result = run_backend(backend, files)
        print(json.dumps(result))
        rows.append(result)
    print()
    print(
        "| backend | rows | import s | rows/s | peak RSS MiB | strategy roll-up ms (median / max) "
        "| whole tree ms | country by fund ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['backend']} | {r['rows']:,} | {r['import_seconds']:.1f} | {r['rows_per_second']:,} | "
            f"{r['import_peak_rss_mib']} | {r['strategy_rollup_ms_median']} / "
            f"{r['strategy_rollup_ms_max']} | {r['strategy_tree_rollup_ms_median']} | "
            f"{r['country_by_fund_ms_median']} |"
        )


if __name__ == "__main__":
    main()
