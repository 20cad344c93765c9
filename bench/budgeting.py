"""Participatory budgeting benchmark: the vote tally of 100 000 knapsack ballots, and the proposal pages.

    python bench/budgeting.py [--ballots 100000] [--runs 5] [--backends sqlite,postgres]

Per backend, in a fresh database (SQLite in a temporary folder; PostgreSQL database
``regija_budgeting_bench``, dropped and created, when 127.0.0.1:5432 answers):

1. **setup** (not timed as the target): a municipality with 10 local communities, each with a budget of
   200 000 € and 20 proposals on the ballot (costs 5 000 … 100 000 €); ``--ballots`` ballots spread over
   the areas, each a random knapsack choice (2–5 proposals whose costs fit the area's budget), written
   with ``bulk_create`` (the service writes one ballot per request; the tally reads the same rows).
2. **tally**: ``selectors.tally(process)`` – one GROUP BY over every choice, one over the paper counts,
   the greedy rule in Python per area. Median of ``--runs`` after a warm-up. Target: < 5 s.
3. **publish**: ``services.publish_results`` once (the tally and the proposals' votes and statuses
   written, audited).
4. **pages**: the area page (20 proposals), a proposal page and the results page, rendered by Django's
   test client without the response cache, median of ``--runs`` – a solo request's time against the
   page target of bench/README.md (p95 < 150 ms under load).

Prints one JSON object per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/{db}"
PG_DB = "regija_budgeting_bench"


def _median_ms(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def worker(ballots: int, runs: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
    django.setup()
    import datetime as dt
    from decimal import Decimal

    import time_machine
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client, override_settings
    from django.utils import timezone

    from regija.budgeting import selectors, services
    from regija.budgeting.models import Ballot, BallotChoice, Process, Proposal, ProposalStatus
    from regija.core.models import Membership, Organisation

    call_command("migrate", verbosity=0)
    rng = random.Random(16)
    User = get_user_model()
    t0 = time.perf_counter()
    m = Organisation.objects.create(slug="bench-obcina", name="Bench občina", kind="municipality")
    staff = User.objects.create_user("bench-staff")
    Membership.objects.create(user=staff, organisation=m, role="editor")
    now = timezone.now()
    day = dt.timedelta(days=1)
    start = now - 60 * day
    with time_machine.travel(start - day, tick=False):
        process = services.process_create(
            staff,
            m,
            services.ProcessData(
                slug="bench-pp",
                title="Bench participativni proračun",
                year=2026,
                rule="knapsack",
                proposals_from=start,
                proposals_to=start + 10 * day,
                review_to=start + 20 * day,
                voting_from=start + 30 * day,
                voting_to=start + 40 * day,
            ),
        )
        areas = []
        for i in range(10):
            ks = Organisation.objects.create(
                slug=f"bench-ks-{i}", name=f"Bench KS {i}", kind="local_community", parent=m
            )
            areas.append(services.area_add(staff, process, ks, Decimal("200000.00")))
    proposals = {}
    number = 0
    for a in areas:
        rows = []
        for j in range(20):
            number += 1
            rows.append(
                Proposal(
                    process=process,
                    area=a,
                    number=number,
                    title=f"Predlog {number}",
                    description="Opis predloga. " * 20,
                    status=ProposalStatus.ON_BALLOT,
                    cost=Decimal(5000 * (1 + (j * 7) % 20)),
                    submitted_at=start + day + dt.timedelta(minutes=number),
                )
            )
        proposals[a.pk] = Proposal.objects.bulk_create(rows)
    voters = User.objects.bulk_create([User(username=f"v{i}") for i in range(ballots)], batch_size=5000)
    cast = start + 31 * day
    choices = 0
    with transaction.atomic():
        for lo in range(0, ballots, 5000):
            chunk = voters[lo : lo + 5000]
            made = Ballot.objects.bulk_create(
                [
                    Ballot(process=process, area=areas[i % 10], voter=v, receipt=f"{i:016x}", cast_at=cast)
                    for i, v in enumerate(chunk, start=lo)
                ]
            )
            rows = []
            for b in made:
                budget, spent = Decimal("200000"), Decimal(0)
                for p in rng.sample(proposals[b.area_id], rng.randint(2, 5)):
                    if spent + p.cost <= budget:
                        spent += p.cost
                        rows.append(BallotChoice(ballot=b, proposal=p))
            BallotChoice.objects.bulk_create(rows)
            choices += len(rows)
    setup_s = round(time.perf_counter() - t0, 1)
    process = Process.objects.get(pk=process.pk)
    tally_ms = _median_ms(lambda: selectors.tally(process), runs)
    with time_machine.travel(start + 41 * day, tick=False):
        t = time.perf_counter()
        services.publish_results(staff, process)
        publish_ms = round((time.perf_counter() - t) * 1000, 1)
    client = Client()
    pages = {}
    print(f"tally {tally_ms} ms, publish {publish_ms} ms", file=sys.stderr)
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=dummy, ALLOWED_HOSTS=["testserver"]):
        for name, url in (
            ("area", "/participativni-proracun/bench-pp/obmocja/bench-ks-3/"),
            ("proposal", "/participativni-proracun/bench-pp/predlogi/65/"),
            ("results", "/participativni-proracun/bench-pp/rezultati/"),
        ):
            assert client.get(url).status_code == 200, url
            pages[name] = _median_ms(lambda url=url: client.get(url), runs)
    return {
        "backend": connection.vendor,
        "ballots": ballots,
        "choices": choices,
        "setup_s": setup_s,
        "tally_ms": tally_ms,
        "publish_ms": publish_ms,
        "pages_ms": pages,
    }


def run_backend(backend: str, ballots: int, runs: int) -> dict | None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory(prefix="regija-budgeting-bench-") as tmp:
        env["REGIJA_DATA_DIR"] = tmp
        env.pop("DATABASE_URL", None)
        if backend == "postgres":
            if subprocess.run(
                ["psql", PG_URL.format(db="postgres"), "-qc", "SELECT 1"], capture_output=True
            ).returncode:
                print("PostgreSQL not reachable: skipped", file=sys.stderr)
                return None
            for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
                subprocess.run(["psql", PG_URL.format(db="postgres"), "-qc", sql], check=True)
            env["DATABASE_URL"] = PG_URL.format(db=PG_DB)
        done = subprocess.run(
            [sys.executable, __file__, "--worker", "--ballots", str(ballots), "--runs", str(runs)],
            env=env,
            stdout=subprocess.PIPE,
            check=True,
            text=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.ballots, args.runs)))
        return
    for backend in args.backends.split(","):
        result = run_backend(backend, args.ballots, args.runs)
        if result:
            print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
