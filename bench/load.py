"""Load benchmark: public pages and API reads of the synthetic country under gunicorn and wrk.

    python bench/load.py [--scale 1] [--runs 3] [--duration 20] [--only NAME,...] [--out bench/out]

1. The country: bench/generate.py writes bench/out/country-SCALE/ once (shared with bench/run.py).
2. The database: SQLite in bench/out/load-SCALE/ (its REGIJA_DATA_DIR): `regija migrate`, `regija import`
   of every file (one transaction, then ANALYZE), `regija rebuild_search_index`, ANALYZE
   again. Built once and reused while its
   `ready` marker matches the migrations (and bench/generate.py); delete the folder to build it again.
3. The server: `gunicorn regija.wsgi -w 2 -b 127.0.0.1:PORT` (sync workers), DEBUG=false.
4. The load: `wrk -t2 -c20 -dDURATION --timeout 30s -s bench/wrk_report.lua URL` per URL, three ways:
   warm – the same URL again and again (after the first request the page cache answers);
   cold – each request adds `_r=<n>`, a parameter the views ignore, so every request misses the page
   cache and renders (see wrk_report.lua); solo – cold with one client (-t1 -c1): the time one
   request takes without queueing behind the others. The page cache (files under
   REGIJA_DATA_DIR/cache) is emptied before every measurement. Anonymous API reads and the search
   page are cached like pages; what is kept per data version (summaries, fragments, the API's
   project-list items and search answers: docs/portal.md) is computed by the first cold request of
   a run and read by the others.
5. Besides latency and requests/s: the CPU time the gunicorn workers spent per request (from /proc),
   which – unlike latency – does not grow when other programs share the machine, and the 1-minute
   load average before each run, which tells whether they did.
6. Medians over the runs of each figure; prints a table and writes bench/out/load-SCALE-TIMESTAMP.json.

Needs wrk (Debian: `apt-get install wrk`) and gunicorn (`pip install -e ".[bench]"`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from run import regija  # noqa: E402  (bench/run.py: run a regija command, stop on failure)

LUA = HERE / "wrk_report.lua"
PAGE_TARGET_MS = 150
API_TARGET_MS = 80


def targets(scale: float, data_dir: Path) -> list[tuple[str, str, str, int]]:
    """(name, kind, path, p95 target in ms). Slugs, statuses and words as bench/generate.py writes them;
    the residents' pages as bench/participation_world.py wrote them (participation.json)."""
    strategies = max(1, round(200 * scale))
    slug = f"bench-{min(42, strategies - 1):04d}"
    world = json.loads((data_dir / "participation.json").read_text())
    pb = f"/participativni-proracun/{world['process']}"
    return [
        # issue 16: a consultation of 60 paragraphs with 1 200 comments, a proposal with 1 500 supports and
        # 40 comments, the list of 300 proposals, a budget's area (20 proposals) and its results (200)
        ("consultation", "page", f"/sodelovanje/obravnave/{world['consultation']}/", PAGE_TARGET_MS),
        ("proposal", "page", f"/pobude/{world['proposal']}/", PAGE_TARGET_MS),
        ("proposals", "page", "/pobude/", PAGE_TARGET_MS),
        ("budget area", "page", f"{pb}/obmocja/bench-ks-3/", PAGE_TARGET_MS),
        ("budget results", "page", f"{pb}/rezultati/", PAGE_TARGET_MS),
        ("home", "page", "/", PAGE_TARGET_MS),
        ("strategy", "page", f"/strategije/{slug}/", PAGE_TARGET_MS),
        ("projects 2 filters", "page", f"/projekti/?strategy={slug}&status=completed", PAGE_TARGET_MS),
        # every project title is "Projekt I-P": the word matches all projects (the worst case) …
        ("search page 'projekt'", "page", "/iskanje/?q=projekt", PAGE_TARGET_MS),
        # … and the strategy titles "Razvojna strategija I" give a search with a few hundred hits
        ("search page 'strategija'", "page", "/iskanje/?q=strategija", PAGE_TARGET_MS),
        ("API projects", "api", "/api/v1/projects?page_size=25", API_TARGET_MS),
        ("API search 'projekt'", "api", "/api/v1/search?q=projekt", API_TARGET_MS),
        ("API search 'strategija'", "api", "/api/v1/search?q=strategija", API_TARGET_MS),
    ]


def country(out: Path, scale: float) -> list[Path]:
    folder = out / f"country-{scale:g}"
    if not (folder / "done").exists():
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(folder), "--scale", str(scale)], check=True
        )
        (folder / "done").write_text("")
        print(f"generated in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return sorted(folder.glob("*.yaml"))


def server_env(data_dir: Path) -> dict:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"):
        env.pop(name, None)
    env.update(
        REGIJA_DATA_DIR=str(data_dir), ALLOWED_HOSTS="127.0.0.1,localhost", DEBUG="false", LOG_LEVEL="WARNING"
    )
    return env


def schema_digest() -> str:
    """Of the migrations and the generator: a database built from other ones is built again."""
    import hashlib

    digest = hashlib.sha256()
    extra = [HERE / "generate.py", HERE / "participation_world.py"]
    for path in sorted([*(ROOT / "src" / "regija").glob("*/migrations/*.py"), *extra]):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def database(out: Path, scale: float) -> Path:
    """The SQLite database of the country, built once (import and search index)."""
    data_dir = out / f"load-{scale:g}"
    ready = data_dir / "ready"
    if ready.exists() and ready.read_text().strip() == schema_digest():
        return data_dir
    if ready.exists():
        print("migrations changed since the database was built: building it again", file=sys.stderr)
    files = country(out, scale)
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    env = server_env(data_dir)
    t = time.perf_counter()
    regija(["migrate", "-v0"], env)
    regija(["import", "--quiet", *map(str, files)], env)
    print(f"imported {len(files)} files in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    t = time.perf_counter()
    print(regija(["rebuild_search_index"], env).strip().splitlines()[-1], file=sys.stderr)
    print(f"search index in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    t = time.perf_counter()
    world_env = env | {"PYTHONPATH": str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")}
    subprocess.run([sys.executable, str(HERE / "participation_world.py")], env=world_env, check=True)
    print(f"participation world in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    # Planner statistics as `regija import` leaves them (interchange/importer.py), now with the search index
    with sqlite3.connect(data_dir / "regija.sqlite3") as db:
        db.execute("PRAGMA analysis_limit = 1000")
        db.execute("ANALYZE")
    ready.write_text(schema_digest())
    return data_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 60) -> tuple[int, int]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - only Server.base (http://127.0.0.1) URLs
            return r.status, len(r.read())
    except urllib.error.HTTPError as e:
        return e.code, 0


class Server:
    def __init__(self, data_dir: Path, workers: int, env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log = (data_dir / "gunicorn.log").open("a")
        self.proc = subprocess.Popen(
            [
                str(gunicorn),
                "regija.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
            ],
            env=env or server_env(data_dir),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(self.base + "/", timeout=30)[0] == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not start; see {data_dir / 'gunicorn.log'}")
            time.sleep(0.5)

    def workers_cpu_seconds(self) -> float:
        """User + system CPU time of the gunicorn workers so far (from /proc; Linux only)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        for pid in children:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def workers_peak_rss_mib(self) -> float:
        """The largest peak resident memory (VmHWM) of the gunicorn workers so far, in MiB (Linux only)."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return max((peak_rss_mib(int(pid)) for pid in children), default=0.0)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def peak_rss_mib(pid: int) -> float:
    """A process's peak resident memory (VmHWM in /proc), in MiB; 0 when it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def wrk(url: str, *, cold: bool, duration: str, connections: int, threads: int) -> dict:
    env = dict(os.environ, WRK_COLD="1" if cold else "0")
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


def clear_cache(data_dir: Path) -> None:
    shutil.rmtree(data_dir / "cache", ignore_errors=True)


def machine() -> dict:
    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001
            return None

    import django
    import gunicorn

    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "sqlite": sqlite3.sqlite_version,
        "wrk": (version(["wrk", "--version"]) or "").split(" [")[0] or None,
        "commit": version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", default="20s")
    parser.add_argument("--solo-duration", default="10s", help="of the one-client (service time) measurement")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="comma-separated names (or parts of names) of the URLs to measure")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    if not Path(sys.executable).with_name("gunicorn").exists():
        raise SystemExit('gunicorn is missing: pip install -e ".[bench]"')

    data_dir = database(args.out, args.scale)
    chosen = targets(args.scale, data_dir)
    if args.only:
        wanted = [w.strip() for w in args.only.split(",")]
        chosen = [t for t in chosen if any(w in t[0] for w in wanted)]
    info = machine() | {
        "scale": args.scale,
        "workers": args.workers,
        "connections": args.connections,
        "threads": args.threads,
        "duration": args.duration,
        "solo_duration": args.solo_duration,
        "runs": args.runs,
    }
    server = Server(data_dir, args.workers)
    results = []
    try:
        # Warm-up: both workers load their code, templates and the lemmatiser; SQLite's pages get read.
        live = []
        for name, kind, path, target in chosen:
            status, size = get(server.base + path)
            if status != 200:
                print(f"{name}: {path} answers {status}; not measured", file=sys.stderr)
                results.append(
                    {"name": name, "kind": kind, "path": path, "target_ms": target, "status": status}
                )
                continue
            wrk(server.base + path, cold=True, duration="3s", connections=4, threads=1)
            live.append((name, kind, path, target, size))
        for name, kind, path, target, size in live:
            for mode in ("warm", "cold", "solo"):
                runs = []
                for _ in range(args.runs):
                    clear_cache(data_dir)
                    if mode == "warm":
                        get(server.base + path)  # fills the page cache
                    before = round(os.getloadavg()[0], 2)
                    cpu = server.workers_cpu_seconds()
                    if mode == "solo":  # one client, cold: the time one request takes, without queueing
                        runs.append(
                            wrk(
                                server.base + path,
                                cold=True,
                                duration=args.solo_duration,
                                connections=1,
                                threads=1,
                            )
                        )
                    else:
                        runs.append(
                            wrk(
                                server.base + path,
                                cold=mode == "cold",
                                duration=args.duration,
                                connections=args.connections,
                                threads=args.threads,
                            )
                        )
                    cpu = server.workers_cpu_seconds() - cpu
                    # CPU the app spent per request: unlike latency, it does not grow when other
                    # programs share the machine (wrk's own CPU is not in it)
                    runs[-1]["cpu_ms_per_request"] = round(cpu * 1000 / max(runs[-1]["requests"], 1), 2)
                    runs[-1]["loadavg_1m_before"] = before
                    runs[-1]["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
                row = {
                    "name": name,
                    "kind": kind,
                    "path": path,
                    "mode": mode,
                    "target_ms": target,
                    "status": 200,
                    "body_bytes": size,
                    "runs": runs,
                }
                for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "cpu_ms_per_request"):
                    row[key] = round(statistics.median(r[key] for r in runs), 1)
                row["errors"] = sum(sum(r["errors"].values()) for r in runs)
                row["p95_vs_target"] = round(row["p95_ms"] / target, 2)
                results.append(row)
                print(
                    f"{name:26} {mode:4}: p50 {row['p50_ms']:8.1f}  p95 {row['p95_ms']:8.1f}  "
                    f"p99 {row['p99_ms']:8.1f} ms  {row['rps']:7.1f} req/s  "
                    f"CPU {row['cpu_ms_per_request']:6.1f} ms/req  "
                    f"load {statistics.median(r['loadavg_1m_before'] for r in runs):.1f}  "
                    f"errors {row['errors']}",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        server.stop()
        clear_cache(data_dir)

    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = args.out / f"load-{args.scale:g}-{stamp}.json"
    path.write_text(json.dumps({"machine": info, "results": results}, indent=1, ensure_ascii=False))
    print()
    print("| URL | kind | mode | p50 ms | p95 ms | p99 ms | req/s | CPU ms/req | p95 / target | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        if r.get("status") != 200:
            print(f"| `{r['path']}` | {r['kind']} | – | answers {r['status']} | | | | | | |")
            continue
        ok = "✓" if r["p95_ms"] <= r["target_ms"] else "✗"
        if r["mode"] == "solo":
            ok = "(1 client)"
        print(
            f"| `{r['path']}` | {r['kind']} | {r['mode']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
            f"{r['rps']} | {r['cpu_ms_per_request']} | {r['p95_vs_target']} of {r['target_ms']} {ok} | "
            f"{r['errors']} |"
        )
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
