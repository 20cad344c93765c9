"""Notifications at scale: an alert to N followers of an area queued, the same e-mails delivered to a
local SMTP sink, daily digests for N residents built.

    python bench/notify.py [--followers 100000] [--items 3] [--database-url postgres://…]

A fresh SQLite database (or the PostgreSQL database given, dropped and created) in a temporary data
folder; Huey queues into its SQLite file there (tasks are queued, not run, as in production). Figures
are printed as JSON and described in bench/README.md; nothing is asserted.

1. **queue**: ``issue_alert`` and the fan-out the Huey job runs (``services.send_alert``): one
   notification and one e-mail delivery per follower, and the sending jobs queued in batches of 500.
2. **deliver**: every queued e-mail delivery sent through Django's SMTP backend to an aiosmtpd server on
   127.0.0.1 (one connection per batch, as the job does), one process – e-mails per second.
3. **digests**: ``items`` waiting notifications per resident; ``delivery.build_digests("daily")`` (one
   digest delivery per person, its items linked) and then every digest e-mail rendered (text and HTML,
   in the person's language, with its unsubscribe link) – not sent.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=2, help="sending processes, as Huey's workers")
    parser.add_argument("--deliver", type=int, default=0, help="send only the first N e-mails (0: all)")
    parser.add_argument("--render", type=int, default=0, help="render only the first N digests (0: all)")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="regija-bench-notify-"))
    os.environ["REGIJA_DATA_DIR"] = str(data)
    os.environ["REGIJA_TASKS_IMMEDIATE"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
    port = _free_port()
    os.environ.update(EMAIL_BACKEND="smtp", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port))
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        _recreate(args.database_url)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    result: dict = {"followers": args.followers, "database": connection.vendor}

    municipality, area, staff, users = _world(args.followers)
    result["queue"] = _queue(staff, area)
    result["deliver"] = _deliver(port, args.workers, args.deliver)
    result["digests"] = _digests(users, args.items, args.render)
    print(json.dumps(result, indent=2))


def _recreate(url: str) -> None:
    import subprocess
    from urllib.parse import urlsplit

    name = urlsplit(url).path.lstrip("/")
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def _world(n: int):
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType

    from regija.core.models import Membership, Organisation
    from regija.notify.models import Subscription

    unusable = make_password(None)
    t = time.perf_counter()
    municipality = Organisation.objects.create(slug="bench-obcina", name="Bench občina", kind="municipality")
    area = Organisation.objects.create(
        slug="bench-ks", name="Bench KS", kind="local_community", parent=municipality
    )
    staff = User.objects.create(username="bench-staff")
    Membership.objects.create(user=staff, organisation=municipality, role="editor")
    User.objects.bulk_create(
        [User(username=f"b{i}", email=f"b{i}@example.org", password=unusable) for i in range(n)],
        batch_size=5000,
    )
    users = list(
        User.objects.filter(username__startswith="b").exclude(pk=staff.pk).values_list("pk", flat=True)
    )
    ct = ContentType.objects.get_for_model(Organisation)
    Subscription.objects.bulk_create(
        [
            Subscription(user_id=u, content_type=ct, object_id=(area.pk if i % 2 else municipality.pk))
            for i, u in enumerate(users)
        ],
        batch_size=5000,
    )
    print(f"world: {len(users)} followers in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return municipality, area, staff, users


def _queue(staff, area) -> dict:
    from huey.contrib.djhuey import HUEY

    from regija.notify import services
    from regija.notify.models import Delivery

    HUEY.flush()
    t = time.perf_counter()
    alert = services.issue_alert(staff, area, title_sl="Prekinitev oskrbe z vodo", title_en="Water cut")
    issued = time.perf_counter() - t
    count = services.send_alert(alert)  # what the queued job alert_fan_out does
    total = time.perf_counter() - t
    return {
        "recipients": count,
        "deliveries": Delivery.objects.filter(alert=alert).count(),
        "huey_jobs_queued": HUEY.pending_count(),
        "issue_s": round(issued, 3),
        "queued_s": round(total, 2),
        "target_s": 10,
    }


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _send_batch(ids: list[int]) -> float:
    """In a worker process: what the Huey job send_emails does, timed."""
    import django

    django.setup()
    from regija.notify import delivery

    t = time.perf_counter()
    delivery.send_emails(ids)
    return time.perf_counter() - t


def _deliver(port: int, workers: int, limit: int) -> dict:
    """Send the queued e-mails to an aiosmtpd sink in its own process (it accepts and discards every
    message), from ``workers`` processes, each batch of 500 on one SMTP connection."""
    import multiprocessing
    import subprocess

    from django.db import connections

    from regija.notify.models import Channel, Delivery, DeliveryStatus

    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    )
    time.sleep(2)
    ids = list(
        Delivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if limit:
        ids = ids[:limit]
    batches = [ids[i : i + 500] for i in range(0, len(ids), 500)]
    connections.close_all()
    t = time.perf_counter()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            batch_seconds = pool.map(_send_batch, batches, chunksize=1)
    finally:
        elapsed = time.perf_counter() - t
        sink.terminate()
        sink.wait()
    sent = Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENT).count()
    return {
        "emails": len(ids),
        "sent": sent,
        "workers": workers,
        "seconds": round(elapsed, 1),
        "emails_per_s": round(sent / elapsed, 1) if elapsed else None,
        "batch_of_500_median_s": round(statistics.median(batch_seconds), 2) if batch_seconds else None,
        "target_emails_per_s": 500,
    }


def _digests(users, items: int, limit: int) -> dict:
    from regija.notify import delivery
    from regija.notify.models import Delivery, EmailMode, Notification

    Notification.objects.filter(email=EmailMode.DAILY).update(email=EmailMode.OFF)
    rows = [
        Notification(
            user_id=u,
            kind="news",
            title=f"Novica {k} za {u}",
            body="Besedilo novice.",
            url="/",
            email=EmailMode.DAILY,
        )
        for u in users
        for k in range(items)
    ]
    Notification.objects.bulk_create(rows, batch_size=5000)
    t = time.perf_counter()
    ids = delivery.build_digests(EmailMode.DAILY)
    built = time.perf_counter() - t
    r = time.perf_counter()
    rendered = 0
    for i in range(0, limit or len(ids), 2000):
        chunk = ids[i : min(i + 2000, limit or len(ids))]
        digests = list(Delivery.objects.filter(pk__in=chunk).select_related("user__profile"))
        by_digest: dict[int, list[Notification]] = {}
        for n in Notification.objects.filter(digest_id__in=chunk).order_by("created_at", "pk"):
            by_digest.setdefault(n.digest_id, []).append(n)
        for d in digests:
            if delivery.build_email(d, by_digest.get(d.pk)) is not None:
                rendered += 1
    rendering = time.perf_counter() - r
    return {
        "residents": len(ids),
        "items": len(rows),
        "digests_built_s": round(built, 1),
        "emails_rendered": rendered,
        "rendered_s": round(rendering, 1),
        "rendered_per_s": round(rendered / rendering, 1) if rendering else None,
        "target_s": 120,
    }


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
