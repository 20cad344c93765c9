"""NGSI-LD queries at 100 000 entities: `GET /ngsi-ld/v1/entities` with `type` and `q` (and a geo-query
when the broker has them) under gunicorn and wrk, as bench/load.py measures pages.

    python bench/context_query.py [--entities 100000] [--duration 15] [--connections 20]

1. The city: a database in bench/out/context-N/ (its REGIJA_DATA_DIR), built once and reused while its
   `ready` marker matches the migrations and this file: `regija migrate`, then N entities written through
   `regija.context.services.create` (permission check, validation and audit as the API's writes, and
   whatever the services keep beside the rows) – 60 % `StreetLight`, 30 % `ParkingSpot`,
   10 % `AirQualityObserved`, each with a `location` point in and around Velenje (46.36 N, 15.11 E) and
   a few attributes whose values are drawn with a fixed seed; then ANALYZE.
2. The server: `gunicorn regija.wsgi -w 2` (sync workers), DEBUG=false; the NGSI-LD API is not behind the
   page cache (its data changes by the second), so every request runs its queries.
3. The load: `wrk -t2 -cCONNECTIONS -dDURATION` per URL (bench/wrk_report.lua), after one request that
   must answer 200. Prints p50/p95/p99, requests/s, the workers' CPU per request and the 1-minute load
   average before the run; writes bench/out/context-N-TIMESTAMP.json.

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

TARGET_MS = 50
TYPES = [("StreetLight", 0.6), ("ParkingSpot", 0.3), ("AirQualityObserved", 0.1)]

BUILD = r"""
import json, os, random, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from regija.context import entities as ent, jsonld, services

n = int(sys.argv[1]); types = json.loads(sys.argv[2])
rng = random.Random(17)
user = get_user_model().objects.create_superuser("bench-broker", "bench@example.org", None)
names = ["name", "location", "powerState", "status", "illuminanceLevel", "category", "NO2", "PM10",
         "temperature", "dateObserved"] + [t for t, _ in types]
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
        e["category"] = {"type": "Property", "value": rng.choice(["onStreet", "offStreet"])}
    else:
        e["NO2"] = {"type": "Property", "value": round(rng.uniform(5, 80), 1), "unitCode": "GQ"}
        e["PM10"] = {"type": "Property", "value": round(rng.uniform(3, 90), 1), "unitCode": "GQ"}
        e["temperature"] = {"type": "Property", "value": round(rng.uniform(-10, 35), 1), "unitCode": "CEL"}
    return e
kinds = []
for kind, share in types:
    kinds += [kind] * round(n * share)
start = time.perf_counter()
with transaction.atomic():
    for i, kind in enumerate(kinds[:n]):
        e = entity(i, kind)
        attrs = ent.attributes(e, iris, services.timestamp())
        services.create(user, None, e["id"], ent.entity_type(e, iris), attrs)
        if i and i % 10000 == 0:
            print(f"  {i} entities, {time.perf_counter() - start:.0f} s", flush=True)
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print(f"built {len(kinds[:n])} entities in {time.perf_counter() - start:.0f} s", flush=True)
"""


def digest() -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted((ROOT / "src" / "regija" / "context" / "migrations").glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def build(data_dir: Path, n: int) -> None:
    ready = data_dir / "ready"
    if ready.exists() and ready.read_text() == digest():
        return
    if data_dir.exists():
        for path in data_dir.iterdir():
            if path.is_file():
                path.unlink()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(data_dir)
    regija = Path(sys.executable).with_name("regija")
    subprocess.run([str(regija), "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([sys.executable, "-c", BUILD, str(n), json.dumps(TYPES)], env=env, check=True, cwd=ROOT)
    ready.write_text(digest())


QUERIES = [
    (
        "type+q: parking spots free on the street",
        "type=ParkingSpot",
        'status=="free";category=="onStreet"',
        "limit=20",
    ),
    ("type+q+count: air quality NO2>60", "type=AirQualityObserved", "NO2>60", "limit=20&count=true"),
    ("type+q: a street light by name", "type=StreetLight", 'name=="StreetLight 31337"', ""),
    ("type+q: defective street lights", "type=StreetLight", 'status=="defectiveLamp"', "limit=100"),
]
NEAR = "georel=near%3BmaxDistance%3D%3D500&geometry=Point&coordinates=%5B15.11%2C46.36%5D"


def urls(base: str) -> list[tuple[str, str]]:
    found = [
        (name, f"{base}/ngsi-ld/v1/entities?{kind}&q={quote(q)}" + (f"&{rest}" if rest else ""))
        for name, kind, q, rest in QUERIES
    ]
    return [*found, ("georel near 500 m", f"{base}/ngsi-ld/v1/entities?type=AirQualityObserved&{NEAR}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--duration", default="15s")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    data_dir = args.out / f"context-{args.entities}"
    t = time.perf_counter()
    build(data_dir, args.entities)
    print(f"city ready in {time.perf_counter() - t:.0f} s ({data_dir})", flush=True)
    server = Server(data_dir, workers=2)
    results = []
    try:
        for name, url in urls(server.base):
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
                f"{name:45} p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  p99 {r['p99_ms']:7.1f} ms"
                f"  {r['rps']:7.1f} req/s  CPU {r['cpu_ms_per_request']:5.1f} ms/req  load {load:.1f}"
                f"  errors {sum(r['errors'].values())}  p95 {r['p95_ms'] / TARGET_MS:.2f} of {TARGET_MS} ms",
                flush=True,
            )
    finally:
        server.stop()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out / f"context-{args.entities}-{stamp}.json"
    out.write_text(
        json.dumps({"machine": machine(), "entities": args.entities, "results": results}, indent=1)
    )
    print(f"written: {out}")


if __name__ == "__main__":
    main()
