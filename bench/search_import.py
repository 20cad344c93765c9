"""Search: where the time of an import with indexing goes.

    python bench/search_import.py [--scale 0.05] [--variants base,no-indexing,free-paths+text-cache]

The import of ``bench/search.py`` (its corpus and its writers: per strategy the rows with
``bulk_create``, then ``indexing.reindex_strategy()``; against a raw ``executemany`` of the same rows,
rolled back), on SQLite, in a fresh database per variant. Each variant runs in its own process and
replaces parts of ``regija.search.indexing`` there (nothing is changed on disk), to measure what the
import would cost if that part cost nothing:

* ``base`` – the code as it is;
* ``no-indexing`` – ``reindex_strategy`` not called: the ORM import alone, the bench's fixed part;
* ``free-paths`` – documents' URL paths not reversed (an upper bound for any cheaper way to them);
* ``text-cache`` – a field text's terms remembered per process (this corpus repeats its texts a
  lot, real strategies much less: an upper bound).

Variants combine with "+". Per variant it prints the ratio raw time / import time (wall, and CPU of
the process – the machine is shared, compare the CPU figures) and the CPU milliseconds per strategy
of the parts of ``reindex_strategy`` and of ``store`` (segments, merges). The parts are timed by
wrapping them, which itself costs a few ms per strategy (thousands of calls): the ratio of
``bench/search.py``, which wraps nothing, is the figure to quote. Only the import is measured: no
queries, no sizes (``bench/search.py`` does those).
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

VARIANTS = ["base", "no-indexing", "free-paths+text-cache"]
FLAGS = {"base", "no-indexing", "free-paths", "text-cache"}
# the parts of reindex_strategy timed (CPU) per strategy: functions of regija.search.indexing and .store
PARTS = (
    "_path",
    "_digest",
    "_assign_ranks",
    "_write_forms",
    "_sync_organisations",
)
STORE_PARTS = ("write_segment", "merge")


def _bench_search():
    """bench/search.py as a module (its corpus and writers)."""
    spec = importlib.util.spec_from_file_location("bench_search", HERE / "search.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _timed(cpu: collections.Counter, obj, name: str, label: str) -> None:
    original = getattr(obj, name)

    def timed(*args, **kwargs):
        t = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            cpu[label] += time.process_time() - t

    setattr(obj, name, timed)


def _apply(flags: set[str]) -> None:
    """Replace the parts of indexing the flags name (in this process only)."""

    from regija.search import indexing, text

    replaced: dict[str, object] = {}  # name in indexing → what stands in for it
    if "no-indexing" in flags:
        replaced["reindex_strategy"] = lambda strategy_id: indexing.Stats()
    if "free-paths" in flags:
        replaced["_path"] = lambda name, *args: f"/{name}/{'/'.join(map(str, args))}/"
    if "text-cache" in flags:
        terms_of = text.Analyzer.terms
        known: dict[str, frozenset[str]] = {}

        def terms(self, value: str) -> frozenset[str]:
            found = known.get(value)
            if found is None:
                found = known[value] = frozenset(terms_of(self, value))
            return found

        text.Analyzer.terms = terms
    for name, stand_in in replaced.items():
        setattr(indexing, name, stand_in)


def worker(scale: float, variant: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from regija.search import indexing, store, text

    call_command("migrate", verbosity=0)
    if connection.vendor != "sqlite":
        raise SystemExit("SQLite only (WITHOUT ROWID, and the figures compared are SQLite's)")
    flags = set(variant.split("+"))
    _apply(flags)
    cpu: collections.Counter = collections.Counter()
    for name in PARTS:
        _timed(cpu, indexing, name, name)
    for name in STORE_PARTS:
        _timed(cpu, store, name, f"store.{name}")
    _timed(cpu, store.Builder, "add", "store.Builder.add")
    _timed(cpu, text.Analyzer, "weighted_terms", "analysis (weighted_terms)")
    _timed(cpu, indexing.Document.objects, "bulk_create", "documents bulk_create")
    _timed(cpu, indexing, "reindex_strategy", "reindex_strategy (all)")

    search = _bench_search()
    corpus = search.Corpus(scale)
    write_rows, raw_rows = search.writers()
    orgs = search.organisations(corpus)
    n = corpus.c["strategies"]
    raw_s, raw_cpu = 0.0, time.process_time()
    with transaction.atomic():
        for i in range(n):
            raw_s += raw_rows(corpus.strategy(i), i, orgs)[0]
        transaction.set_rollback(True)
    raw_cpu = time.process_time() - raw_cpu
    cpu.clear()
    import_s, import_cpu = 0.0, time.process_time()
    with transaction.atomic():
        for i in range(n):
            import_s += write_rows(corpus.strategy(i), orgs)[1]
    import_cpu = time.process_time() - import_cpu
    return {
        "variant": variant,
        "strategies": n,
        "raw_s": round(raw_s, 2),
        "import_s": round(import_s, 2),
        "ratio_to_raw": round(raw_s / import_s, 3),
        "raw_cpu_s": round(raw_cpu, 2),
        "import_cpu_s": round(import_cpu, 2),
        "ratio_to_raw_cpu": round(raw_cpu / import_cpu, 3),
        "cpu_ms_per_strategy": {
            "raw": round(raw_cpu * 1000 / n, 1),
            "import": round(import_cpu * 1000 / n, 1),
            **{k: round(v * 1000 / n, 1) for k, v in cpu.most_common()},
        },
    }


def run(scale: float, variant: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="regija-search-import-") as tmp:
        env["REGIJA_DATA_DIR"] = tmp
        done = subprocess.run(
            [sys.executable, __file__, "--worker", "--scale", str(scale), "--variants", variant],
            env=env,
            stdout=subprocess.PIPE,
            check=True,
            text=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = {f for v in variants for f in v.split("+")} - FLAGS
    if unknown:
        known = ", ".join(sorted(FLAGS))
        parser.error(f"unknown variant parts: {', '.join(sorted(unknown))} (known: {known})")
    if args.worker:
        print(json.dumps(worker(args.scale, variants[0])))
        return
    print("| variant | raw / import (wall) | raw / import (CPU) | CPU ms per strategy: import, raw; parts |")
    print("|---|---|---|---|")
    for variant in variants:
        r = run(args.scale, variant)
        ms = r["cpu_ms_per_strategy"]
        parts = ", ".join(f"{k} {v}" for k, v in ms.items() if k not in ("raw", "import") and v)
        print(
            f"| {variant} | {r['ratio_to_raw']} | {r['ratio_to_raw_cpu']} | "
            f"{ms['import']}, {ms['raw']}; {parts} |",
            flush=True,
        )
        print(json.dumps(r), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
