"""NGSI-LD temporal queries over a year of 10-minute values: ``GET /ngsi-ld/v1/temporal/entities/{id}``.

    python bench/context_temporal.py [--others 4] [--runs 50] [--database-url postgres://…]

A fresh SQLite database in a temporary data folder (or the PostgreSQL database given, dropped and
created). One ``AirQualityObserved`` entity has a year (2025) of 10-minute ``pm10`` values – 52 560
instances – and as many of ``pm25``; ``--others`` entities of the same type have a year of ``pm10``
too (the "other entities' history" the index must skip). Rows are written with ``bulk_create`` as the
services write them (``temporal.rows``). Each run asks the view (RequestFactory, no HTTP server):

- ``year``: the plain temporal query of ``pm10`` over the whole year (``timerel=between``) – answered
  with the first ``REGIJA_NGSI_TEMPORAL_MAX_INSTANCES`` (1 000) instances, 206 and a Content-Range;
- ``day``: the 144 instances of one day;
- ``daily_avg``: ``aggrMethods=avg&aggrPeriodDuration=P1D`` over the year (365 periods, computed in SQL);
- ``daily_all``: the eight aggregation methods per day over the year.

Figures: wall-clock milliseconds per request (p50, p95, max) after 3 warm-up requests, and the peak
memory Python allocated during one request of each (tracemalloc). Printed as JSON; nothing asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from run import recreate_database  # bench/, the folder of this script

DEFAULT = "https://uri.etsi.org/ngsi-ld/default-context/"
ENTITY = "urn:ngsi-ld:AirQualityObserved:bench-0"
YEAR = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--others", type=int, default=4)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="regija-bench-temporal-"))
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
    rows = _world(args.others)
    result: dict = {
        "database": connection.vendor,
        "history_rows": rows,
        "load_seconds": round(time.perf_counter() - started, 1),
    }
    end = (YEAR + dt.timedelta(days=365)).isoformat().replace("+00:00", "Z")
    year = {"attrs": "pm10", "timerel": "between", "timeAt": "2025-01-01T00:00:00Z", "endTimeAt": end}
    day = {**year, "timeAt": "2025-06-01T00:00:00Z", "endTimeAt": "2025-06-02T00:00:00Z"}
    methods = "totalCount,distinctCount,sum,avg,min,max,stddev,sumsq"
    result["year"] = _measure(args.runs, year, expect=206)
    result["day"] = _measure(args.runs, day)
    result["daily_avg"] = _measure(args.runs, {**year, "aggrMethods": "avg", "aggrPeriodDuration": "P1D"})
    result["daily_all"] = _measure(args.runs, {**year, "aggrMethods": methods, "aggrPeriodDuration": "P1D"})
    print(json.dumps(result, indent=2))


def _world(others: int) -> int:
    from django.db import connection, transaction

    from regija.context import temporal
    from regija.context.models import AttributeInstance

    rng = random.Random(17)
    kind = DEFAULT + "AirQualityObserved"
    series = [(ENTITY, DEFAULT + "pm10"), (ENTITY, DEFAULT + "pm25")]
    series += [(f"urn:ngsi-ld:AirQualityObserved:bench-{i}", DEFAULT + "pm10") for i in range(1, others + 1)]
    written = 0
    cache: dict[str, dt.datetime] = {}
    for entity_id, attribute in series:
        for day in range(365):
            batch = []
            for step in range(144):
                moment = YEAR + dt.timedelta(days=day, minutes=10 * step)
                stamp = moment.isoformat().replace("+00:00", "Z")
                stored = {
                    "type": "Property",
                    "value": round(rng.uniform(5, 80), 1),
                    "observedAt": stamp,
                    "unitCode": "GQ",
                    "createdAt": stamp,
                    "modifiedAt": stamp,
                }
                batch += temporal.rows(None, entity_id, kind, {attribute: stored}, cache)
            with transaction.atomic():
                AttributeInstance.objects.bulk_create(batch)
            written += len(batch)
            cache.clear()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return written


def _measure(runs: int, params: dict, expect: int = 200) -> dict:
    from django.test import RequestFactory

    from regija.context import temporal_views

    factory = RequestFactory()
    times = []
    for n in range(runs + 3):
        request = factory.get(f"/ngsi-ld/v1/temporal/entities/{ENTITY}", params)
        started = time.perf_counter()
        response = temporal_views.entity(request, entity_id=ENTITY)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == expect, response.content[:300]
        if n >= 3:
            times.append(elapsed)
    tracemalloc.start()
    response = temporal_views.entity(
        factory.get(f"/ngsi-ld/v1/temporal/entities/{ENTITY}", params), entity_id=ENTITY
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    body = json.loads(response.content)
    pm10 = body.get("pm10")
    answered = (
        len(pm10) if isinstance(pm10, list) else len(next(iter(v for k, v in pm10.items() if k != "type")))
    )
    times.sort()
    return {
        "runs": runs,
        "answered": answered,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "peak_python_memory_kib": round(peak / 1024),
    }


if __name__ == "__main__":
    main()
