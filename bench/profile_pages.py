"""Where the time of one request goes: the URLs of bench/load.py, rendered cold, one at a time.

    python bench/profile_pages.py [--scale 1] [--repeat 5] [--queries 5] [--only NAME,...] [--profile]

Uses the database bench/load.py built (bench/out/load-SCALE/) and Django's test client in this one
process, with the cache switched off, so each request renders and computes everything (the first
request after a data change); --page-cold keeps the data-version caches and misses only the page
cache. For each URL: the median time of
a request, the time spent in SQL, the number of queries and the slowest queries (with the same SQL
summed, so an N+1 shows up as one line with its count). --profile also prints the functions with the
most cumulative time (cProfile).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from load import server_env, targets  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--queries", type=int, default=5, help="slowest statements shown per URL")
    parser.add_argument("--only", help="comma-separated names (or parts of names)")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--profile", action="store_true", help="cProfile one more request of each URL")
    parser.add_argument(
        "--page-cold",
        action="store_true",
        help="as load.py's cold: a real (in-memory) cache and a new _r=N per request, so "
        "only the page cache misses; the data-version caches (summaries, fragments) "
        "are used",
    )
    parser.add_argument(
        "--file-cache",
        action="store_true",
        help="with --page-cold: the embedded default cache (regija.core.cache.FileCache, in a "
        "temporary folder) instead of an in-memory one, as the served platform uses",
    )
    parser.add_argument("--sort", default="cumulative", help="of the profile: cumulative, tottime, …")
    parser.add_argument("--lines", type=int, default=25, help="functions shown of the profile")
    args = parser.parse_args()
    data_dir = args.out / f"load-{args.scale:g}"
    if not (data_dir / "ready").exists():
        raise SystemExit(f"no database in {data_dir}: run bench/load.py --scale {args.scale:g} first")
    os.environ.update(
        {k: v for k, v in server_env(data_dir).items() if k.startswith(("REGIJA", "ALLOWED", "DEBUG"))}
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "regija.settings"

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    chosen = targets(args.scale)
    if args.only:
        wanted = [w.strip() for w in args.only.split(",")]
        chosen = [t for t in chosen if any(w in t[0] for w in wanted)]
    client = Client(HTTP_HOST="127.0.0.1")
    backend = "locmem.LocMemCache" if args.page_cold else "dummy.DummyCache"
    cache_settings = {"BACKEND": f"django.core.cache.backends.{backend}"}
    if args.page_cold and args.file_cache:
        import tempfile

        cache_settings = {
            "BACKEND": "regija.core.cache.FileCache",
            "LOCATION": tempfile.mkdtemp(prefix="regija-cache-"),
        }
    counter = iter(range(1, 10**9))

    def cold(path: str) -> str:
        if not args.page_cold:
            return path
        return f"{path}{'&' if '?' in path else '?'}_r={next(counter)}"

    with override_settings(CACHES={"default": cache_settings}):
        for name, _kind, path, target in chosen:
            client.get(path)  # first request: imports, templates, lemmatiser
            times, sql_times, counts = [], [], []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as ctx:
                    t = time.perf_counter()
                    response = client.get(cold(path))
                    if getattr(response, "streaming", False):
                        b"".join(response.streaming_content)
                    times.append((time.perf_counter() - t) * 1000)
                sql_times.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
                counts.append(len(ctx.captured_queries))
            print(f"\n## {name}  {path}  → {response.status_code}, {len(response.content)} bytes")
            print(
                f"   request {statistics.median(times):.1f} ms (median of {args.repeat}; "
                f"target p95 {target} ms under load), "
                f"SQL {statistics.median(sql_times):.1f} ms in {counts[-1]} queries"
            )
            grouped: dict[str, list[float]] = defaultdict(list)
            for q in ctx.captured_queries:
                grouped[re.sub(r"\b\d+\b", "N", q["sql"])].append(float(q["time"]) * 1000)
            for sql, ms in sorted(grouped.items(), key=lambda kv: -sum(kv[1]))[: args.queries]:
                print(f"   {sum(ms):8.1f} ms  ×{len(ms):<4} {sql[:220]}")
            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.runcall(client.get, cold(path))
                pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    main()
