"""NGSI-LD geo-queries at scale: ``GET /ngsi-ld/v1/entities?georel=near;maxDistance==N`` over N entities.

    python bench/context_geo.py [--entities 100000] [--runs 200] [--distance 2000] [--database-url postgres://…]

A fresh SQLite database in a temporary data folder (or the PostgreSQL database given, dropped and
created). The entities are points spread at random (seeded) over Slovenia's box (13.4–16.6 E,
45.4–46.9 N), written with ``bulk_create`` with their bounding boxes as the services write them. Each
run asks the view (through Django's RequestFactory, no HTTP server) for the entities of the type near
a random point, ``count=true&limit=100``; the figures are wall-clock milliseconds per request (p50,
p95, max) and the mean number of matches. Printed as JSON; nothing is asserted.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--distance", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="regija-bench-geo-"))
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
    _world(args.entities)
    result: dict = {
        "entities": args.entities,
        "database": connection.vendor,
        "load_seconds": round(time.perf_counter() - started, 1),
    }
    result["near"] = _near(args.runs, args.distance)
    print(json.dumps(result, indent=2))


TYPE = "https://uri.etsi.org/ngsi-ld/default-context/PointOfInterest"
LOCATION = "https://uri.etsi.org/ngsi-ld/location"


def _world(n: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from regija.context import geo
    from regija.context.models import ContextEntity, ContextGeoBox

    rng = random.Random(17)
    now = timezone.now()
    stamp = now.isoformat()
    for start in range(0, n, 5000):
        with transaction.atomic():
            batch = []
            for i in range(start, min(n, start + 5000)):
                point = {"type": "Point", "coordinates": [rng.uniform(13.4, 16.6), rng.uniform(45.4, 46.9)]}
                doc = {
                    "https://uri.etsi.org/ngsi-ld/default-context/name": {
                        "type": "Property",
                        "value": f"poi {i}",
                        "createdAt": stamp,
                        "modifiedAt": stamp,
                    },
                    LOCATION: {
                        "type": "GeoProperty",
                        "value": point,
                        "createdAt": stamp,
                        "modifiedAt": stamp,
                    },
                }
                batch.append(
                    ContextEntity(
                        entity_id=f"urn:ngsi-ld:PointOfInterest:{i:07d}",
                        type=TYPE,
                        doc=doc,
                        created_at=now,
                        modified_at=now,
                    )
                )
            ContextEntity.objects.bulk_create(batch)
            boxes = []
            for entity in batch:
                for iri, (box, geometry) in geo.boxes(entity.doc).items():
                    boxes.append(
                        ContextGeoBox(
                            entity=entity,
                            attribute=iri,
                            big=box.max_lat - box.min_lat > geo.SMALL_SPAN,
                            min_lat=box.min_lat,
                            min_lon=box.min_lon,
                            max_lat=box.max_lat,
                            max_lon=box.max_lon,
                            geometry=geometry,
                        )
                    )
            ContextGeoBox.objects.bulk_create(boxes)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _near(runs: int, distance: int) -> dict:
    from django.test import RequestFactory

    from regija.context import views

    rng = random.Random(4)
    factory = RequestFactory()
    times, found = [], []
    for n in range(runs + 5):
        lon, lat = rng.uniform(13.6, 16.4), rng.uniform(45.5, 46.8)
        request = factory.get(
            "/ngsi-ld/v1/entities",
            {
                "type": "PointOfInterest",
                "georel": f"near;maxDistance=={distance}",
                "geometry": "Point",
                "coordinates": json.dumps([lon, lat]),
                "count": "true",
                "limit": "100",
            },
        )
        started = time.perf_counter()
        response = views.entities(request)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.content
        if n >= 5:  # the first few warm the caches (the @context's expansion, the connection)
            times.append(elapsed)
            found.append(int(response["NGSILD-Results-Count"]))
    times.sort()
    return {
        "runs": runs,
        "max_distance_m": distance,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "max_ms": round(times[-1], 2),
        "mean_matches": round(statistics.mean(found), 1),
    }


if __name__ == "__main__":
    main()
