"""NGSI-LD queries at 100 000 entities: `GET /ngsi-ld/v1/entities` with `type` and `q` (and a geo-query)
one request at a time through the view, and under gunicorn and wrk, as bench/load.py measures pages.

    python bench/context_query.py [--entities 100000] [--runs 100] [--duration 15s] [--connections 20]
                                  [--database-url postgres://…/regija_bench_ctx]

1. The city: a database – SQLite in bench/out/context-N/ (its REGIJA_DATA_DIR), or the PostgreSQL
   database given (dropped and created) – built once and reused while its `ready` marker matches the
   migrations, the build code below and the database: `regija migrate`, then N entities – all but the
   last 2 000 in bulk, each row as the services write it (the document stamped and checked against its
   Smart Data Model, then the services' own writers of the geo boxes and the value index, and the first
   instance of each attribute in the history; no audit entry, no notification), the last 2 000 one by
   one through `regija.context.services.create` as the API writes them (its time per entity printed) –
   60 % `StreetLight`, 30 % `ParkingSpot`, 10 % `AirQualityObserved`, each with a `location` point in and
   around Velenje (46.36 N, 15.11 E) and a few attributes whose values are drawn with a fixed seed;
   then ANALYZE (and on PostgreSQL, before every run, VACUUM ANALYZE – what autovacuum does after a
   bulk load, so that the value index is read alone).
2. Sequentially: each query RUNS times (after 5 warm-up requests) through the view
   (`views.entities`, Django's RequestFactory, no HTTP server, as bench/context_geo.py), one at a time:
   wall-clock p50/p95/max per request – the issue's target is per request; then RUNS/5 times with the
   value index's prefilter switched off (`query.prefilter` answering nothing: the JSON of every entity
   of the type read, as before the index), for the comparison under the same load.
3. Under load: `gunicorn regija.wsgi -w 2` (sync workers), DEBUG=false; the NGSI-LD API is not behind
   the page cache (its data changes by the second), so every request runs its queries.
   `wrk -t2 -cCONNECTIONS -dDURATION` per URL (bench/wrk_report.lua), after one request that must answer
   200. Prints p50/p95/p99, requests/s, the workers' CPU per request and the 1-minute load average
   before the run; writes bench/out/context-N[-pg]-TIMESTAMP.json.

Target (issue 17): p95 < 50 ms for `GET /entities?type=…&q=…` and for a `georel=near` query at
100 000 entities.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from load import Server, get, machine, server_env, wrk  # noqa: E402
from run import recreate_database  # noqa: E402

TARGET_MS = 50
TYPES = [("StreetLight", 0.6), ("ParkingSpot", 0.3), ("AirQualityObserved", 0.1)]

BUILD = r"""
import json, os, random, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from regija.context import entities as ent, jsonld, services, temporal
from regija.context.models import AttributeInstance, ContextEntity
from regija.core.services import now as clock

SERVICE_WRITES = 2000

n = int(sys.argv[1]); types = json.loads(sys.argv[2])
rng = random.Random(17)
user = get_user_model().objects.create_superuser("bench-broker", "bench@example.org", None)
names = ["name", "location", "powerState", "status", "illuminanceLevel", "category", "refParkingSite",
         "NO2", "PM10", "temperature", "dateObserved"] + [t for t, _ in types]
iris = jsonld.expand_terms(jsonld.effective(None), names)  # the core @context, as a request without one
def entity(i, kind):
    lat = 46.30 + rng.random() * 0.12
    lon = 15.02 + rng.random() * 0.18
    e = {"id": f"urn:ngsi-ld:{kind}:{i:06d}", "type": kind,
         "name": {"type": "Property", "value": f"{kind} {i}"},
         "location": {"type": "GeoProperty",
                      "value": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}}}
    if kind == "StreetLight":
        e["powerState"] = {"type": "Property", "value": rng.choice(["on", "off"])}
        e["status"] = {"type": "Property", "value": rng.choice(["ok"] * 9 + ["defectiveLamp"])}
        e["illuminanceLevel"] = {"type": "Property", "value": round(rng.random(), 2)}
    elif kind == "ParkingSpot":
        e["status"] = {"type": "Property", "value": rng.choice(["free", "occupied", "occupied"])}
        e["category"] = {"type": "Property", "value": [rng.choice(["onStreet", "offStreet"])]}
        site = f"urn:ngsi-ld:ParkingSite:{rng.randrange(50):02d}"
        e["refParkingSite"] = {"type": "Relationship", "object": site}
    else:
        e["dateObserved"] = {"type": "Property", "value": f"2026-12-07T{rng.randrange(24):02d}:00:00Z"}
        e["NO2"] = {"type": "Property", "value": round(rng.uniform(5, 80), 1), "unitCode": "GQ"}
        e["PM10"] = {"type": "Property", "value": round(rng.uniform(3, 90), 1), "unitCode": "GQ"}
        e["temperature"] = {"type": "Property", "value": round(rng.uniform(-10, 35), 1), "unitCode": "CEL"}
    return e
kinds = []
for kind, share in types:
    kinds += [kind] * round(n * share)
kinds = kinds[:n]
through_create = min(len(kinds), SERVICE_WRITES)
start = time.perf_counter()
# the first ones in bulk, each row as the services write it: the document stamped and checked against
# its Smart Data Model as `create` does, then the services' own writers of the geo boxes and the value
# index, and the first instance of each attribute in the history (no audit entry, no notification)
moment = clock()
stamp = services.timestamp(moment)
for chunk in range(0, len(kinds) - through_create, 5000):
    with transaction.atomic():
        rows = []
        for i in range(chunk, min(chunk + 5000, len(kinds) - through_create)):
            e = entity(i, kinds[i])
            attrs = ent.attributes(e, iris, stamp)
            doc = {k: services._stamped(a, stamp) for k, a in attrs.items()}
            row = ContextEntity(entity_id=e["id"], type=ent.entity_type(e, iris), doc=doc,
                                created_at=moment, modified_at=moment)
            services._follow_model(row)
            rows.append(row)
        ContextEntity.objects.bulk_create(rows)
        services._write_boxes(rows, replace=False)
        services._write_values(rows, replace=False)
        AttributeInstance.objects.bulk_create(
            [h for r in rows for h in temporal.rows(None, r.entity_id, r.type, r.doc)], batch_size=5000
        )
    print(f"  {chunk + len(rows)} entities, {time.perf_counter() - start:.0f} s", flush=True)
# the last ones one by one through the service, as the API writes them
first = time.perf_counter()
with transaction.atomic():
    for i in range(len(kinds) - through_create, len(kinds)):
        e = entity(i, kinds[i])
        attrs = ent.attributes(e, iris, services.timestamp())
        services.create(user, None, e["id"], ent.entity_type(e, iris), attrs)
each = (time.perf_counter() - first) * 1000 / max(through_create, 1)
print(f"  {through_create} through services.create: {each:.1f} ms each", flush=True)
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print(f"built {len(kinds)} entities in {time.perf_counter() - start:.0f} s", flush=True)
"""


def digest(database_url: str) -> str:
    """Of the build (its code, the context app's migrations) and the database it was written to."""
    h = hashlib.sha256(BUILD.encode() + json.dumps(TYPES).encode() + database_url.encode())
    for path in sorted((ROOT / "src" / "regija" / "context" / "migrations").glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def environment(data_dir: Path, database_url: str) -> dict:
    env = server_env(data_dir)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def build(data_dir: Path, n: int, database_url: str) -> None:
    ready = data_dir / "ready"
    if ready.exists() and ready.read_text() == digest(database_url):
        return
    if data_dir.exists():
        for path in data_dir.iterdir():
            if path.is_file():
                path.unlink()
    data_dir.mkdir(parents=True, exist_ok=True)
    if database_url:
        recreate_database(database_url)
    env = environment(data_dir, database_url)
    regija = Path(sys.executable).with_name("regija")
    subprocess.run([str(regija), "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([sys.executable, "-c", BUILD, str(n), json.dumps(TYPES)], env=env, check=True, cwd=ROOT)
    ready.write_text(digest(database_url))


QUERIES = [
    (
        "type+q: free spots of a parking site",
        "type=ParkingSpot",
        'status=="free";refParkingSite=="urn:ngsi-ld:ParkingSite:07"',
        "limit=20",
    ),
    ("type+q+count: air quality NO2>60", "type=AirQualityObserved", "NO2>60", "limit=20&count=true"),
    ("type+q: a street light by name", "type=StreetLight", 'name=="StreetLight 31337"', ""),
    ("type+q: defective street lights", "type=StreetLight", 'status=="defectiveLamp"', "limit=100"),
]
NEAR = "georel=near%3BmaxDistance%3D%3D500&geometry=Point&coordinates=%5B15.11%2C46.36%5D"


def params() -> list[tuple[str, str]]:
    """(name, query string) of each query measured."""
    found = [(name, f"{kind}&q={quote(q)}" + (f"&{rest}" if rest else "")) for name, kind, q, rest in QUERIES]
    return [*found, ("georel near 500 m", f"type=AirQualityObserved&{NEAR}")]


SEQUENTIAL = r"""
import json, os, statistics, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
django.setup()
from django.test import RequestFactory
from regija.context import views

runs = int(sys.argv[1]); queries = json.loads(sys.argv[2])
factory = RequestFactory()
prefilter = views.query.prefilter
def measure(name, query, runs):
    times = []
    for n in range(runs + 5):
        request = factory.get("/ngsi-ld/v1/entities?" + query)
        started = time.perf_counter()
        response = views.entities(request)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        if n >= 5:  # the first few warm the caches (the @context's expansion, the connection)
            times.append(elapsed)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(int(len(times) * 0.95) - 1, 0)], 1), "max_ms": round(times[-1], 1),
            "matches": response.get("NGSILD-Results-Count") or len(json.loads(response.content))}
out = []
for name, query in queries:
    load = os.getloadavg()[0]
    views.query.prefilter = prefilter
    found = measure(name, query, runs)
    # the same request without the value index (the prefilter off: every entity of the type's JSON read),
    # fewer times: what the index saves, measured under the same load
    views.query.prefilter = lambda tree, iris: []
    without = measure(name, query, max(runs // 5, 5))
    out.append({"name": name, **found, "load": load, "without_index": without})
print(json.dumps(out))
"""


def sequential(env: dict, runs: int) -> list[dict]:
    """Each query ``runs`` times, one at a time, through the view in one process (SEQUENTIAL)."""
    result = subprocess.run(
        [sys.executable, "-c", SEQUENTIAL, str(runs), json.dumps(params())],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--duration", default="15s")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    suffix = "-pg" if args.database_url else ""
    data_dir = args.out / f"context-{args.entities}{suffix}"
    t = time.perf_counter()
    build(data_dir, args.entities, args.database_url)
    print(f"city ready in {time.perf_counter() - t:.0f} s ({data_dir})", flush=True)
    if args.database_url:  # the visibility map autovacuum would have set by now: index-only scans
        import psycopg

        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
    if args.build_only:
        return
    env = environment(data_dir, args.database_url)
    one_by_one = sequential(env, args.runs)
    for r in one_by_one:
        before = r["without_index"]
        print(
            f"{r['name']:45} one at a time: p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}"
            f"  max {r['max_ms']:7.1f} ms  p95 {r['p95_ms'] / TARGET_MS:.2f} of {TARGET_MS} ms"
            f"  matches {r['matches']}  load {r['load']:.1f}"
            f"  (without the index: p50 {before['p50_ms']:.1f}  p95 {before['p95_ms']:.1f})",
            flush=True,
        )
    server = Server(data_dir, workers=2, env=env)
    results = []
    peak_rss = 0.0
    try:
        for name, query in params():
            url = f"{server.base}/ngsi-ld/v1/entities?{query}"
            status, _size = get(url, timeout=60)
            if status != 200:
                print(f"{name:45} skipped: the broker answers {status}", flush=True)
                results.append({"name": name, "url": url, "status": status})
                continue
            load = os.getloadavg()[0]
            cpu = server.workers_cpu_seconds()
            r = wrk(url, cold=False, duration=args.duration, connections=args.connections, threads=2)
            r["cpu_ms_per_request"] = (server.workers_cpu_seconds() - cpu) * 1000 / max(r["requests"], 1)
            r.update(name=name, url=url, load=load)
            results.append(r)
            print(
                f"{name:45} wrk: p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  p99 {r['p99_ms']:7.1f} ms"
                f"  {r['rps']:7.1f} req/s  CPU {r['cpu_ms_per_request']:5.1f} ms/req  load {load:.1f}"
                f"  errors {sum(r['errors'].values())}",
                flush=True,
            )
        peak_rss = server.workers_peak_rss_mib()
        print(f"gunicorn workers' peak RSS: {peak_rss:.0f} MiB", flush=True)
    finally:
        server.stop()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out / f"context-{args.entities}{suffix}-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "machine": machine(),
                "entities": args.entities,
                "database": "postgresql" if args.database_url else "sqlite",
                "sequential": one_by_one,
                "results": results,
                "workers_peak_rss_mib": round(peak_rss),
            },
            indent=1,
        )
    )
    print(f"written: {out}")


if __name__ == "__main__":
    main()
