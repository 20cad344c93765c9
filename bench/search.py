"""Search benchmark: Regija's own index against SQLite FTS5 and PostgreSQL full-text search, one run.

    python bench/search.py [--scale 1] [--runs 7] [--backends sqlite,postgres] [--out bench/out]
    python bench/search.py --scale 0.05 --backends sqlite          # a quick look

The corpus is the bench country's shape (bench/generate.py: per strategy 100 nodes, 100 indicators,
500 projects; 2 000 organisations; at scale 1: 200 strategies, 142 200 documents) with real texts:
titles and descriptions drawn (deterministically) from the five source documents in
data/strategies/*.yaml, so words repeat as they do in real strategies.

Per backend, in a fresh database (SQLite in a temporary folder; PostgreSQL database
``regija_search_bench``, dropped and created, when 127.0.0.1:5432 answers):

1. **import**: per strategy, its rows written with ``bulk_create`` and then
   ``indexing.reindex_strategy()`` (as the importer calls it after each file); against a raw
   ``executemany`` of the same rows into the same tables (rolled back; the rows made as model
   instances and prepared by their fields, as this benchmark always has, and the ``executemany``
   calls alone timed too). The ratio raw time / import time is the "import with indexing at N of
   the raw insert rate" figure; the ratio to the ``executemany`` calls alone is printed beside it.
   Then the queries of 4. (ours only) on the index as the imports left it: segments not merged yet
   and terms with runs of several generations, the state users search after imports.
2. **rebuild**: ``indexing.rebuild()`` over everything.
3. **the other engines, from our own terms**: every document's terms as our analyzer makes them
   (lemmatised, folded; weight 3 and weight 1 fields apart) into an FTS5 table (columns ``high``,
   ``low``, ``kind`` unindexed; rowid = our document id) and, on PostgreSQL, a table with a
   ``tsvector`` (``setweight`` A for names, D for descriptions, configuration ``simple``) and a GIN
   index. Their build time includes the same lemmatisation our rebuild does.
4. **queries**: each query as a user would get it – the number of hits per kind and each kind's best
   20 with title, code and URL. Ours: ``selectors.search(q)``. FTS5: the query's words expanded to our
   terms (``selectors.expand``: the same candidates, so the same documents match), one
   ``COUNT(*) … GROUP BY kind`` and per kind with hits ``ORDER BY rank LIMIT 20`` joined to the
   documents. PostgreSQL FTS: the same with ``@@ to_tsquery`` and ``ts_rank``. Median of ``--runs``
   after one warm-up run; the expansion is done once beforehand for FTS5/PG (in their favour).
5. **size on disk**: SQLite ``dbstat`` per table and index; PostgreSQL ``pg_total_relation_size``.
   "index" means what answers a query's words: our runs, segments and forms with their indexes
   (and the documents' (kind, sort key, object, rank) index, which only our writes use) against
   FTS5's shadow tables or the tsvector table with its GIN index; the documents table (titles and
   URLs to show) is listed apart, every engine needs it.

Prints a table and writes bench/out/search-SCALE-TIMESTAMP.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/{db}"
PG_DB = "regija_search_bench"

QUERIES = [
    "projekt",  # every project: the word that matches everything
    "strategija",
    "kolesarske povezave",
    "energetska učinkovitost stavb",
    "razvoj podeželja",
    "turistična infrastruktura",
    "javni prevoz",
    "industrijska dediščina",
    "zelena regija",
    "delovna mesta mladi",
]


# --- the corpus --------------------------------------------------------------------------------------


def seed_texts() -> dict[str, list]:
    """Titles and descriptions of the five source documents, per kind."""
    import yaml

    texts: dict[str, list] = {"strategy": [], "node": [], "indicator": [], "project": [], "organisation": []}

    def walk(nodes: list) -> None:
        for node in nodes or []:
            texts["node"].append((node.get("title") or "", node.get("description") or ""))
            walk(node.get("children"))

    for path in sorted((ROOT / "data" / "strategies").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        s = doc["strategy"]
        texts["strategy"].append((s.get("title") or "", s.get("description") or ""))
        walk(doc.get("nodes"))
        for ind in doc.get("indicators") or []:
            texts["indicator"].append(
                (ind.get("name") or "", ind.get("unit") or "", ind.get("data_source") or "")
            )
        for p in doc.get("projects") or []:
            location = p.get("location") or {}
            texts["project"].append(
                (p.get("title") or "", p.get("description") or "", (location or {}).get("municipality") or "")
            )
        for o in doc.get("organisations") or []:
            texts["organisation"].append((o.get("name") or "", o.get("short_name") or ""))
    return texts


def counts(scale: float) -> dict[str, int]:
    return {
        "strategies": max(1, round(200 * scale)),
        "nodes_per": 100,
        "indicators_per": 100,
        "projects_per": 500,
        "organisations": max(10, round(2000 * scale)),
    }


class Corpus:
    """The rows of every strategy, made on demand (deterministic: the same scale gives the same rows)."""

    def __init__(self, scale: float):
        self.c = counts(scale)
        self.texts = seed_texts()
        # descriptions of any kind, to vary the projects' (a project's own description most of the time)
        self.descriptions = [t[1] for kind in ("node", "project") for t in self.texts[kind] if t[1]]

    def organisations(self) -> list[dict]:
        rng = random.Random(1)
        names = self.texts["organisation"]
        rows = []
        for k in range(self.c["organisations"]):
            name, short = names[k % len(names)]
            rows.append(
                {
                    "slug": f"org-{k:05d}",
                    "name": f"{name} {k // len(names)}" if k >= len(names) else name,
                    "short_name": short[:100],
                    "kind": "company" if rng.random() < 0.7 else "municipality",
                }
            )
        return rows

    def strategy(self, i: int) -> dict:
        rng = random.Random(1000 + i)
        t = self.texts
        title, description = t["strategy"][i % len(t["strategy"])]
        nodes = []
        for k in range(self.c["nodes_per"]):
            ntitle, ndesc = rng.choice(t["node"])
            nodes.append({"code": f"{k // 10 + 1}.{k % 10 + 1}", "title": ntitle, "description": ndesc})
        indicators = []
        for k in range(self.c["indicators_per"]):
            name, unit, source = rng.choice(t["indicator"])
            indicators.append(
                {"code": f"K{k}", "name": name, "unit": unit[:100], "data_source": source[:300]}
            )
        projects = []
        for k in range(self.c["projects_per"]):
            ptitle, pdesc, municipality = rng.choice(t["project"])
            if rng.random() < 0.3:
                pdesc = rng.choice(self.descriptions)
            projects.append(
                {
                    "code": f"P-{k:05d}",
                    "title": ptitle,
                    "description": pdesc,
                    "municipality": municipality[:100],
                    "holder": rng.randrange(self.c["organisations"]),
                }
            )
        return {
            "slug": f"bench-{i:04d}",
            "title": f"{title} {i}",
            "description": description,
            "nodes": nodes,
            "indicators": indicators,
            "projects": projects,
        }


# --- one backend (runs in its own process: Django is set up for one database) --------------------------


def _median_ms(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def worker(scale: float, runs: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    corpus = Corpus(scale)
    result: dict = {"vendor": vendor, "scale": scale}

    write_rows, raw_rows = writers()
    orgs = organisations(corpus)
    # raw executemany of the same rows (rolled back), then the import with indexing
    raw_s = bare_s = 0.0
    raw_cpu = time.process_time()
    with transaction.atomic():
        for i in range(corpus.c["strategies"]):
            whole, bare = raw_rows(corpus.strategy(i), i, orgs)
            raw_s += whole
            bare_s += bare
        transaction.set_rollback(True)
    raw_cpu = time.process_time() - raw_cpu
    import_s = index_s = 0.0
    rows = 0
    _cold()
    import_cpu = time.process_time()
    with transaction.atomic():
        for i in range(corpus.c["strategies"]):
            written, seconds, indexing_seconds = write_rows(corpus.strategy(i), orgs)
            rows += written
            import_s += seconds
            index_s += indexing_seconds
    import_cpu = time.process_time() - import_cpu
    result["import"] = {
        "raw_cpu_s": round(raw_cpu, 2),
        "import_cpu_s": round(import_cpu, 2),
        "rows": rows,
        "raw_executemany_s": round(raw_s, 2),
        "bare_executemany_s": round(bare_s, 3),
        "import_with_indexing_s": round(import_s, 2),
        "indexing_s": round(index_s, 2),
        "ratio_to_raw": round(raw_s / import_s, 3),
        "ratio_to_bare": round(bare_s / import_s, 3),
        "indexing_share": round(index_s / import_s, 3),
    }
    print(f"[{vendor}] import: {result['import']}", file=sys.stderr, flush=True)

    from regija.search import indexing, selectors
    from regija.search.models import Run, Segment

    # the index as the imports left it: segments not merged yet, terms with runs of several generations
    result["imported"] = {
        "segments": Segment.objects.count(),
        "segment_postings": sum(Segment.objects.values_list("postings", flat=True)),
        "runs": Run.objects.count(),
        "terms": Run.objects.values("term", "kind").distinct().count(),
    }
    imported_ms = {q: _median_ms(lambda q=q: selectors.search(q), runs) for q in QUERIES}
    print(f"[{vendor}] as imported: {result['imported']} {imported_ms}", file=sys.stderr, flush=True)

    _cold()
    t, cpu = time.perf_counter(), time.process_time()
    stats = indexing.rebuild()
    result["rebuild_s"] = round(time.perf_counter() - t, 2)
    result["rebuild_cpu_s"] = round(time.process_time() - cpu, 2)
    result["documents"] = stats.total
    result["postings"] = stats.postings
    print(
        f"[{vendor}] rebuild {result['rebuild_s']} s (CPU {result['rebuild_cpu_s']} s)",
        file=sys.stderr,
        flush=True,
    )
    _analyze(vendor)

    other = _Fts5() if vendor == "sqlite" else _PgFts()
    _cold()
    t, cpu = time.perf_counter(), time.process_time()
    other.build()
    result["other_build_s"] = round(time.perf_counter() - t, 2)
    result["other_build_cpu_s"] = round(time.process_time() - cpu, 2)
    result["other"] = other.name
    _analyze(vendor)
    print(f"[{vendor}] {other.name} built in {result['other_build_s']} s", file=sys.stderr, flush=True)

    result["queries"] = {}
    for q in QUERIES:
        ours = selectors.search(q)
        expansion = selectors.expand(q)
        theirs = other.search(expansion)
        result["queries"][q] = {
            "hits": ours.total,
            "other_hits": theirs,
            "ours_ms": _median_ms(lambda q=q: selectors.search(q), runs),
            "ours_imported_ms": imported_ms[q],
            "other_ms": _median_ms(lambda e=expansion: other.search(e), runs),
        }
        print(f"[{vendor}] {q!r}: {result['queries'][q]}", file=sys.stderr, flush=True)
    result["sizes"] = _sizes(vendor, other)
    return result


def organisations(corpus: Corpus) -> list[int]:
    from regija.core.models import Organisation
    from regija.search import indexing
    from regija.search.models import Kind

    Organisation.objects.bulk_create([Organisation(**row) for row in corpus.organisations()], batch_size=1000)
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    indexing.reindex(Kind.ORGANISATION, ids)  # as the import that created them would have
    return ids


def writers():
    """(write with the ORM and index, raw executemany) of one strategy's rows."""
    from django.db import connection

    from regija.projects.models import Project
    from regija.search import indexing
    from regija.strategies.models import Indicator, Node, Strategy

    def strategy_row(s: dict) -> dict:
        return {
            "slug": s["slug"],
            "title": s["title"],
            "description": s["description"],
            "status": "in_implementation",
            "source_title": "Benchmark",
            "period_start": "2021",
            "period_end": "2030",
            "territory": [],
        }

    def node_rows(s: dict) -> list[dict]:
        return [
            {"code": n["code"], "level": "measure", "title": n["title"], "description": n["description"],
             "path": f"{k:04d}", "order": k}
            for k, n in enumerate(s["nodes"])
        ]  # fmt: skip

    def indicator_rows(s: dict, nodes: list[int]) -> list[dict]:
        return [dict(i, order=k, node_id=nodes[k % len(nodes)]) for k, i in enumerate(s["indicators"])]

    def project_rows(s: dict, orgs: list[int]) -> list[dict]:
        return [
            {"code": p["code"], "title": p["title"], "description": p["description"],
             "municipality": p["municipality"], "holder_id": orgs[p["holder"]], "status": "idea", "order": k}
            for k, p in enumerate(s["projects"])
        ]  # fmt: skip

    def write(s: dict, orgs: list[int]) -> tuple[int, float, float]:
        t = time.perf_counter()
        with indexing.suspended():
            strategy = Strategy.objects.create(**strategy_row(s))
            nodes = Node.objects.bulk_create(
                [Node(strategy=strategy, **r) for r in node_rows(s)], batch_size=1000
            )
            Indicator.objects.bulk_create(
                [Indicator(strategy=strategy, **r) for r in indicator_rows(s, [n.pk for n in nodes])],
                batch_size=1000,
            )
            Project.objects.bulk_create(
                [Project(strategy=strategy, **r) for r in project_rows(s, orgs)], batch_size=1000
            )
        t_index = time.perf_counter()
        # as the importer does: it names the organisations whose rows the file wrote (new ones, or ones
        # whose row it changed) – none here: they were written, and indexed, before (organisations())
        indexing.reindex_strategy(strategy.pk, organisations=())
        done = time.perf_counter()
        return 1 + len(s["nodes"]) + len(s["indicators"]) + len(s["projects"]), done - t, done - t_index

    def insert(cursor, model, objects: list) -> float:
        """The rows bulk_create would write (every column but the id), as one executemany; returns the
        seconds of the executemany alone."""
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        qn = connection.ops.quote_name
        sql = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608 - quoted names
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        rows = [[f.get_db_prep_save(f.pre_save(o, True), connection) for f in fields] for o in objects]
        t = time.perf_counter()
        cursor.executemany(sql, rows)
        return time.perf_counter() - t

    def raw(s: dict, i: int, orgs: list[int]) -> tuple[float, float]:
        """(seconds of the whole raw insert – the rows made as model instances and prepared by their
        fields, then executemany – and of the executemany calls alone)."""
        from django.db.models import Max

        t = time.perf_counter()
        bare = 0.0
        with connection.cursor() as cursor:
            bare += insert(cursor, Strategy, [Strategy(**strategy_row(s))])
            strategy_id = Strategy.objects.aggregate(m=Max("pk"))["m"]
            bare += insert(cursor, Node, [Node(strategy_id=strategy_id, **r) for r in node_rows(s)])
            nodes = list(
                Node.objects.filter(strategy_id=strategy_id).order_by("pk").values_list("pk", flat=True)
            )
            bare += insert(
                cursor, Indicator, [Indicator(strategy_id=strategy_id, **r) for r in indicator_rows(s, nodes)]
            )
            bare += insert(
                cursor, Project, [Project(strategy_id=strategy_id, **r) for r in project_rows(s, orgs)]
            )
        return time.perf_counter() - t, bare

    return write, raw


def _analyze(vendor: str) -> None:
    """Statistics for the planner (and on PostgreSQL the visibility map, for index-only scans)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if vendor == "sqlite" else "VACUUM ANALYZE")


def _cold() -> None:
    """Forget the process's cached lemmas, so that every build lemmatises from scratch."""
    from regija.search import text

    text.forget_lemmas()


class _Fts5:
    name = "SQLite FTS5"
    tables = ("bench_fts",)

    def build(self) -> None:
        from django.db import connection, transaction

        from regija.search import indexing
        from regija.search.models import Document, Kind
        from regija.search.text import Analyzer

        analyzer = Analyzer()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_fts")
            cursor.execute(
                "CREATE VIRTUAL TABLE bench_fts USING fts5(high, low, kind UNINDEXED, "
                "tokenize = \"unicode61 tokenchars '.-/'\")"
            )
            ids = {
                (k, o): pk for pk, k, o in Document.objects.values_list("pk", "kind", "object_id").iterator()
            }
            batch: list[tuple] = []
            for kind in Kind:
                for entry in indexing.entries(kind, analyzer):
                    high = " ".join(t for t, w in entry.terms.items() if w >= indexing.HIGH)
                    low = " ".join(t for t, w in entry.terms.items() if w < indexing.HIGH)
                    batch.append((ids[(entry.kind, entry.object_id)], high, low, entry.kind))
                    if len(batch) >= 5000:
                        cursor.executemany(
                            "INSERT INTO bench_fts (rowid, high, low, kind) VALUES (%s, %s, %s, %s)", batch
                        )
                        batch = []
            if batch:
                cursor.executemany(
                    "INSERT INTO bench_fts (rowid, high, low, kind) VALUES (%s, %s, %s, %s)", batch
                )
            cursor.execute("INSERT INTO bench_fts (bench_fts) VALUES ('optimize')")

    def search(self, expansion) -> int:
        from django.db import connection

        match = " AND ".join(
            "(" + " OR ".join(f'"{t}"' for t in sorted(terms)) + ")" for terms in expansion.words
        )
        if not match or not all(expansion.words):
            return 0
        total = 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT kind, COUNT(*) FROM bench_fts WHERE bench_fts MATCH %s GROUP BY kind", [match]
            )
            kinds = cursor.fetchall()
            for kind, n in kinds:
                total += n
                cursor.execute(
                    "SELECT d.kind, d.code, d.title, d.context, d.url FROM ("
                    "SELECT rowid AS id, rank FROM bench_fts WHERE bench_fts MATCH %s AND kind = %s "
                    "ORDER BY bm25(bench_fts, 3.0, 1.0) LIMIT 20) f JOIN search_document d ON d.id = f.id",
                    [match, kind],
                )
                cursor.fetchall()
        return total


class _PgFts:
    name = "PostgreSQL FTS"
    tables = ("bench_tsv",)

    def build(self) -> None:
        from django.db import connection, transaction

        from regija.search import indexing
        from regija.search.models import Document, Kind
        from regija.search.text import Analyzer

        analyzer = Analyzer()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_tsv")
            cursor.execute("CREATE TABLE bench_tsv (id bigint PRIMARY KEY, kind varchar(12), tsv tsvector)")
            ids = {
                (k, o): pk for pk, k, o in Document.objects.values_list("pk", "kind", "object_id").iterator()
            }
            batch: list[tuple] = []
            sql = (
                "INSERT INTO bench_tsv (id, kind, tsv) VALUES (%s, %s, "
                "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'D'))"
            )
            for kind in Kind:
                for entry in indexing.entries(kind, analyzer):
                    high = " ".join(t for t, w in entry.terms.items() if w >= indexing.HIGH)
                    low = " ".join(t for t, w in entry.terms.items() if w < indexing.HIGH)
                    batch.append((ids[(entry.kind, entry.object_id)], entry.kind, high, low))
                    if len(batch) >= 5000:
                        cursor.executemany(sql, batch)
                        batch = []
            if batch:
                cursor.executemany(sql, batch)
            cursor.execute("CREATE INDEX bench_tsv_gin ON bench_tsv USING gin (tsv)")

    def search(self, expansion) -> int:
        from django.db import connection

        if not expansion.words or not all(expansion.words):
            return 0
        query = " & ".join(
            "(" + " | ".join("'" + t.replace("'", "''") + "'" for t in sorted(terms)) + ")"
            for terms in expansion.words
        )
        total = 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT kind, COUNT(*) FROM bench_tsv WHERE tsv @@ to_tsquery('simple', %s) GROUP BY kind",
                [query],
            )
            for kind, n in cursor.fetchall():
                total += n
                cursor.execute(
                    "SELECT d.kind, d.code, d.title, d.context, d.url FROM ("
                    "SELECT id, ts_rank(tsv, to_tsquery('simple', %s)) AS r FROM bench_tsv "
                    "WHERE tsv @@ to_tsquery('simple', %s) AND kind = %s ORDER BY r DESC LIMIT 20"
                    ") f JOIN search_document d ON d.id = f.id",
                    [query, query, kind],
                )
                cursor.fetchall()
        return total


def _sizes(vendor: str, other) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
            pages = dict(cursor.fetchall())
            cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
            owner = dict(cursor.fetchall())
            by_table: dict[str, dict[str, int]] = {}
            for name, size in pages.items():
                table = owner.get(name, name)
                if table.startswith("bench_fts"):
                    table = "bench_fts"
                by_table.setdefault(table, {})[name] = int(size)
        else:
            cursor.execute(
                "SELECT c.relname, t.relname, pg_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname LIKE 'search\\_%%' OR t.relname LIKE 'bench\\_%%' "
                "UNION ALL SELECT relname, relname, pg_table_size(oid) FROM pg_class "
                "WHERE relkind = 'r' AND (relname LIKE 'search\\_%%' OR relname LIKE 'bench\\_%%')"
            )
            by_table = {}
            for name, table, size in cursor.fetchall():
                by_table.setdefault(table, {})[name] = int(size)
    ours = ("search_run", "search_segment", "search_form")
    # the documents' (kind, sort key, object, rank) index serves only our index's writes (new ranks)
    order = by_table.get("search_document", {}).get("search_document_order", 0)
    return {
        "by_table": by_table,
        "ours_index_bytes": sum(sum(by_table.get(t, {}).values()) for t in ours) + order,
        "documents_bytes": sum(by_table.get("search_document", {}).values()) - order,
        "other_index_bytes": sum(sum(by_table.get(t, {}).values()) for t in other.tables),
    }


# --- driver ------------------------------------------------------------------------------------------


def run_backend(backend: str, scale: float, runs: int, pg_db: str = PG_DB) -> dict | None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory(prefix="regija-search-bench-") as tmp:
        env["REGIJA_DATA_DIR"] = tmp
        env.pop("DATABASE_URL", None)
        if backend == "postgres":
            if subprocess.run(
                ["psql", PG_URL.format(db="postgres"), "-qc", "SELECT 1"], capture_output=True
            ).returncode:
                print("PostgreSQL not reachable: skipped", file=sys.stderr)
                return None
            for sql in (f"DROP DATABASE IF EXISTS {pg_db}", f"CREATE DATABASE {pg_db}"):
                subprocess.run(["psql", PG_URL.format(db="postgres"), "-qc", sql], check=True)
            env["DATABASE_URL"] = PG_URL.format(db=pg_db)
        done = subprocess.run(
            [sys.executable, __file__, "--worker", "--scale", str(scale), "--runs", str(runs)],
            env=env,
            stdout=subprocess.PIPE,
            check=True,
            text=True,
        )
        if backend == "postgres":
            subprocess.run(["psql", PG_URL.format(db="postgres"), "-qc", f"DROP DATABASE IF EXISTS {pg_db}"])
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: list[dict]) -> str:
    mb = 1024 * 1024
    lines = []
    for r in results:
        other = r["other"]
        lines.append(f"\n{r['vendor']}: {r['documents']} documents, {r['postings']} postings\n")
        head = f"| query | hits | Regija ms (rebuilt) | {other} ms | Regija / {other} |"
        lines.append(head + " Regija ms as imported ¹ |")
        lines.append("|---|---|---|---|---|---|")
        for q, m in r["queries"].items():
            ratio = m["ours_ms"] / m["other_ms"] if m["other_ms"] else 0
            row = f"| {q} | {m['hits']} | {m['ours_ms']} | {m['other_ms']} | {ratio:.2f} |"
            lines.append(row + f" {m['ours_imported_ms']} |")
        lines.append(f"\n¹ before the rebuild, as the imports left the index: {r['imported']}")
        s = r["sizes"]
        ours, theirs = s["ours_index_bytes"], s["other_index_bytes"]
        lines.append(
            f"\nindex: Regija {ours / mb:.1f} MB, {other} {theirs / mb:.1f} MB "
            f"({ours / max(theirs, 1):.1f}×); documents table {s['documents_bytes'] / mb:.1f} MB"
        )
        for t in ("search_run", "search_segment", "search_form", "search_document"):
            parts = ", ".join(f"{n} {b / mb:.1f}" for n, b in sorted(s["by_table"].get(t, {}).items()))
            lines.append(f"  {t}: {parts} MB")
        lines.append(
            f"rebuild: Regija {r['rebuild_s']} s (CPU of this process {r['rebuild_cpu_s']} s), "
            f"{other} {r['other_build_s']} s (CPU {r['other_build_cpu_s']} s)"
        )
        i = r["import"]
        lines.append(
            f"import of {i['rows']} rows with indexing {i['import_with_indexing_s']} s "
            f"(indexing {i['indexing_s']} s), "
            f"raw executemany {i['raw_executemany_s']} s: {i['ratio_to_raw']} of the raw rate "
            f"(of which the executemany calls alone {i.get('bare_executemany_s')} s: "
            f"{i.get('ratio_to_bare')} of that rate) "
            f"(CPU of this process: import {i.get('import_cpu_s')} s, raw {i.get('raw_cpu_s')} s)"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--pg-database", default=PG_DB, help="PostgreSQL database to drop and create")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.scale, args.runs)))
        return
    results = [
        r
        for b in args.backends.split(",")
        if (r := run_backend(b.strip(), args.scale, args.runs, args.pg_database))
    ]
    print(table(results))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    path = args.out / f"search-{args.scale:g}-{stamp}.json"
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"\n{path}")


if __name__ == "__main__":
    main()
