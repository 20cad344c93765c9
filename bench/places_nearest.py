"""Nearest places at scale: the 10 nearest of 100 000 places (``regija.places.selectors.nearest``, and the
API ``GET /api/v1/places?near=…&limit=10``).

    python bench/places_nearest.py [--places 100000] [--runs 300] [--database-url postgres://…]

A fresh SQLite database in a temporary data folder (or the PostgreSQL database given, dropped and
created). The places are points spread at random (seeded) over Slovenia's box (13.4–16.6 E, 45.45–46.85
N), in five categories, written with ``bulk_create`` (their broker entities are not needed for the query).
Each run asks for the 10 nearest to a random point of the box: of any category (all 100 000 places) and
of one category (a fifth of them); then through the API view (RequestFactory, no HTTP server, with the
JSON answer and each place's opening hours). Every answer is checked against a full measure for the first
20 runs. Figures: wall-clock milliseconds per call (p50, p95, max) after 10 warm-up calls, and the mean
number of SQL queries. Printed as JSON; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from run import recreate_database  # bench/, the folder of this script

CATEGORIES = ("aed", "drinking-water", "wifi", "bus-stop", "heritage")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="regija-bench-places-"))
    os.environ["REGIJA_DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        recreate_database(args.database_url)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    points = _world(args.places)
    result: dict = {
        "places": args.places,
        "database": connection.vendor,
        "load_seconds": round(time.perf_counter() - started, 1),
    }
    result["any_category"] = _nearest(args.runs, "", points)
    result["one_category"] = _nearest(args.runs, "aed", points)
    result["api"] = _api(args.runs)
    print(json.dumps(result, indent=2))


def _world(n: int) -> list[tuple[int, str, float, float]]:
    from django.db import connection, transaction

    from regija.core.models import Organisation
    from regija.places.models import Place

    org = Organisation.objects.create(slug="bench-kraji", name="Bench", kind="municipality")
    rng = random.Random(17)
    for start in range(0, n, 5000):
        with transaction.atomic():
            Place.objects.bulk_create(
                Place(
                    organisation=org,
                    code=f"p{i}",
                    category=CATEGORIES[i % len(CATEGORIES)],
                    name=f"Kraj {i}",
                    latitude=rng.uniform(45.45, 46.85),
                    longitude=rng.uniform(13.4, 16.6),
                    opening_hours="Mo-Fr 08:00-16:00; PH off" if i % 3 == 0 else "",
                )
                for i in range(start, min(n, start + 5000))
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return list(Place.objects.values_list("pk", "category", "latitude", "longitude"))


def _stats(times: list[float], cpu: list[float]) -> dict:
    times, cpu = sorted(times), sorted(cpu)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "max_ms": round(times[-1], 2),
        # this process's CPU time per call (without waiting for a shared CPU; on PostgreSQL without the
        # server's work)
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(cpu[int(len(cpu) * 0.95) - 1], 2),
    }


def _nearest(runs: int, category: str, points: list[tuple[int, str, float, float]]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from regija.places import geo, selectors

    rng = random.Random(4)
    times, cpu, queries = [], [], []
    for run in range(runs + 10):
        lat, lon = rng.uniform(45.5, 46.8), rng.uniform(13.5, 16.5)
        with CaptureQueriesContext(connection) as captured:
            t, c = time.perf_counter(), time.process_time()
            found = selectors.nearest(lat, lon, category=category, limit=10)
            elapsed, used = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
        if run >= 10:
            times.append(elapsed)
            cpu.append(used)
            queries.append(len(captured))
        if run < 20:  # the same as measuring every place
            every = sorted(
                (geo.haversine(lon, lat, p_lon, p_lat), pk)
                for pk, cat, p_lat, p_lon in points
                if not category or cat == category
            )
            assert [n.place.pk for n in found] == [pk for _d, pk in every[:10]], "not the nearest"
    return {**_stats(times, cpu), "queries_mean": round(statistics.mean(queries), 2)}


def _api(runs: int) -> dict:
    from django.test import RequestFactory

    rng = random.Random(5)
    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    times, cpu = [], []
    from django.urls import resolve

    for run in range(runs + 10):
        lat, lon = rng.uniform(45.5, 46.8), rng.uniform(13.5, 16.5)
        request = factory.get(
            "/api/v1/places", {"near": f"{lat:.5f},{lon:.5f}", "category": "aed", "limit": 10}
        )
        match = resolve("/api/v1/places")
        t, c = time.perf_counter(), time.process_time()
        response = match.func(request)
        elapsed, used = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
        assert response.status_code == 200, response.content[:300]
        if run >= 10:
            times.append(elapsed)
            cpu.append(used)
    return _stats(times, cpu)


if __name__ == "__main__":
    main()
