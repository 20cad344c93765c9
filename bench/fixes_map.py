"""Issue reports' map under load: ``GET /prijave-tezav/zemljevid.json?bbox=…`` for a viewport holding
N public reports, under gunicorn and wrk (as bench/load.py measures pages).

    python bench/fixes_map.py [--reports 50000] [--duration 20] [--clients 20] [--database-url postgres://…]

1. A fresh SQLite database in a temporary data folder (or the PostgreSQL database given, dropped and
   created), migrated; N confirmed public reports of one category written with ``bulk_create``, at
   random (seeded) points in a box around Ljubljana (45.95–46.15 N, 14.35–14.65 E), a third of them
   fixed; then ANALYZE.
2. The cost of one count without any cache: ``selectors.clusters`` for the whole box, in the process
   (median of 5), so the figure of the SQL alone is known.
3. ``gunicorn regija.wsgi -w 2`` (sync workers, DEBUG=false) and ``wrk -t2 -cCLIENTS -dDURATION``:
   the whole box (every report in the viewport, clustered by the server into at most 24 × 24 cells),
   the whole box with the list's filter ``status=open``, a street-level viewport (about 1 km²) – each
   request made unique (``_r=<n>``, wrk_report.lua's cold mode, which the view ignores) – and two
   panning loads (wrk_fixes_pan.lua): a viewport of the box's half size, and a street-level one,
   moved at random inside the box on every request. The view widens a viewport to the grid of its
   scale and keeps that box's clusters per data version (``selectors.map_clusters``), so the first
   request of a box counts in SQL and the others read the kept answer.
4. Prints one JSON object: per load wrk's requests/s and p50/p95/p99 latency (and, for the fixed
   viewports, the number of clusters and the reports they hold). Nothing is asserted; bench/README.md
   keeps the figures.

Needs wrk (Debian: ``apt-get install wrk``) and gunicorn (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from load import free_port  # bench/, the folder of this script
from run import recreate_database

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BOX = (45.95, 14.35, 46.15, 14.65)  # south, west, north, east
VIEWPORTS = {
    "whole box": f"bbox={BOX[0]},{BOX[1]},{BOX[2]},{BOX[3]}",
    "whole box, open only": f"bbox={BOX[0]},{BOX[1]},{BOX[2]},{BOX[3]}&status=open",
    "street (1 km²)": "bbox=46.045,14.500,46.054,14.513",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="regija-bench-fixes-"))
    env = dict(os.environ, REGIJA_DATA_DIR=str(data), DEBUG="false", DJANGO_SETTINGS_MODULE="regija.settings")
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        recreate_database(args.database_url)
    else:
        env.pop("DATABASE_URL", None)
    os.environ.update(env)
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "regija", "migrate", "-v0"], env=env, check=True)
    started = time.perf_counter()
    _world(args.reports)
    solo_ms = _solo()
    result: dict = {
        "reports": args.reports,
        "database": "postgresql" if args.database_url else "sqlite",
        "clients": args.clients,
        "duration_s": args.duration,
        "write_s": round(time.perf_counter() - started, 1),
        "whole_box_sql_ms": solo_ms,
        "viewports": {},
    }
    port = free_port()
    server = subprocess.Popen(
        [bin_dir / "gunicorn", "regija.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}/prijave-tezav/zemljevid.json?"
        _wait(base + VIEWPORTS["street (1 km²)"])
        for name, query in VIEWPORTS.items():
            with urllib.request.urlopen(base + query) as answer:  # noqa: S310 - our own server
                clusters = json.load(answer)["clusters"]
            wrk = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.clients}",
                    f"-d{args.duration}s",
                    "--timeout",
                    "30s",
                    "-s",
                    str(HERE / "wrk_report.lua"),
                    base + query,
                ],
                env=dict(os.environ, WRK_COLD="1"),
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(wrk.stdout.strip().splitlines()[-1])
            result["viewports"][name] = {
                "clusters": len(clusters),
                "reports_in_view": sum(c["count"] for c in clusters),
                **{k: figures[k] for k in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors")},
            }
        pans = {
            "panned, half the box": (BOX[2] - BOX[0]) / 2,
            "panned, street (1 km²)": 0.009,
        }
        for name, height in pans.items():
            width = height * 1.45
            pan = ",".join(str(v) for v in (*BOX, height, width))
            wrk = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.clients}",
                    f"-d{args.duration}s",
                    "--timeout",
                    "30s",
                    "-s",
                    str(HERE / "wrk_fixes_pan.lua"),
                    base.rstrip("?"),
                ],
                env=dict(os.environ, PAN=pan),
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(wrk.stdout.strip().splitlines()[-1])
            result["viewports"][name] = {
                k: figures[k] for k in ("requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors")
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(result, indent=2, ensure_ascii=False))


def _world(n: int) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from regija.core.models import Organisation
    from regija.fixes.models import Report, Service, Status

    rnd = random.Random(18)
    town = Organisation.objects.create(slug="bench-ljubljana", name="Bench Ljubljana", kind="municipality")
    light = Service.objects.create(organisation=town, code="bench-razsvetljava", name="Javna razsvetljava")
    now = timezone.now()
    south, west, north, east = BOX
    batch = []
    with transaction.atomic():
        for i in range(n):
            made = now - dt.timedelta(days=rnd.uniform(0, 700))
            fixed = i % 3 == 0
            batch.append(
                Report(
                    service=light,
                    organisation=town,
                    lat=rnd.uniform(south, north),
                    lon=rnd.uniform(west, east),
                    description=f"Bench report {i}",
                    status=Status.FIXED if fixed else Status.RECEIVED,
                    email="bench@example.org",
                    confirmed_at=made,
                    created_at=made,
                    updated_at=made,
                    closed_at=made + dt.timedelta(days=rnd.uniform(1, 30)) if fixed else None,
                )
            )
            if len(batch) == 5000:
                Report.objects.bulk_create(batch)
                batch = []
        Report.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def _solo() -> float:
    """Milliseconds of one count of the whole box in SQL, no cache (median of 5)."""
    import statistics

    from django.db import connection

    from regija.fixes import selectors

    box = selectors.Box(*BOX)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        selectors.clusters(box, selectors.Filters())
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    return round(statistics.median(times), 1)


def _wait(url: str) -> None:
    for _ in range(120):
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our own server
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


if __name__ == "__main__":
    main()
