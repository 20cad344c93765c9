"""MQTT ingest benchmark: how fast `regija ingest` writes device measures, against a bare subscriber.

    python bench/mqtt_ingest.py [--mode live|backlog|both|in-process] [--devices 1000] [--measures 20000]
                                [--batch 500] [--workers 1] [--database-url postgres://…]

With a Mosquitto of its own on a free port (``max_queued_messages 0``, so a queue of any length is kept
– see docs/context.md, "The broker must keep the backlog"), on SQLite in a temporary data folder or on
the (emptied) PostgreSQL database of ``--database-url``:

1. **setup**: one organisation, one service group, ``--devices`` devices (measure ``t`` → temperature).
2. **live** mode – the consumer is subscribed, then the measures are published (one paho publisher,
   QoS 1, in this process); the clock runs from the first publish to the last measure received (bare)
   or written (ingest). The publisher competes for the two cores and bounds both rates.
3. **backlog** mode – the consumer alone: its session (persistent, a session expiry, the shared
   subscription) is made first and closed, all measures are published and queued in Mosquitto, THEN
   the consumer starts; the clock runs from its start – the bare client's connect, the worker's
   "ingest:" line (after Django has started, just before it connects) – to the last measure received
   (bare) or written (ingest).

``--mode in-process`` times ``services.ingest()`` alone in one process, called as the worker calls it
(its entities kept between batches, what startup made frozen for the collector; the same measures in
batches of ``--batch``, after a first round that creates the entities): wall time and CPU per measure.

The bare consumer is a paho subscriber on the same kind of shared subscription (QoS 1, acknowledging
each message when it arrives). ``--workers N`` runs N `regija ingest` processes (one client id each,
one shared group). A measure counts as written when the audit entries of the committed batches count
it. Prints one JSON object per mode: both times, both rates (measures/s; target ≥ 5 000/s written for
1 000 devices on SQLite) and the ratio ingest/bare (target ≤ 3).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from load import free_port  # bench/, the folder of this script
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from run import recreate_database

SRC = str(Path(__file__).resolve().parents[1] / "src")
SETUP = """
from regija.core.models import Organisation
from regija.context.models import Device, ServiceGroup
org = Organisation.objects.create(slug="bench", name="Bench", kind="municipality")
group = ServiceGroup.objects.create(organisation=org, apikey="benchkey", entity_type="Thing")
mapping = [{"object_id": "t", "name": "temperature", "type": "Number", "unit_code": "CEL"}]
Device.objects.bulk_create([Device(group=group, device_id=f"d{i}", entity_id=f"urn:ngsi-ld:Thing:d{i}",
    entity_type="Thing", attributes=mapping) for i in range(DEVICES)])
"""
IN_PROCESS = """
import gc, json, time
from regija.context import services
msgs = [(f"/json/benchkey/d{i % DEVICES}/attrs", json.dumps({"t": i % 40}).encode()) for i in range(MEASURES)]
kept = services.KeptEntities()  # as the worker calls it: its entities kept between batches, startup frozen
gc.freeze()
for s in range(0, DEVICES, BATCH):  # the entities exist first, as in a running system
    services.ingest(msgs[s : s + BATCH], kept_entities=kept)
wall, cpu = time.perf_counter(), time.process_time()
for s in range(0, MEASURES, BATCH):
    services.ingest(msgs[s : s + BATCH], kept_entities=kept)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"ingest_seconds": round(wall, 3), "ingest_per_second": round(MEASURES / wall),
    "cpu_us_per_measure": round(cpu / MEASURES * 1e6, 1)}))
"""
WRITTEN_SQL = "SELECT changes FROM core_auditentry WHERE object_repr LIKE 'MQTT ingest%%'"


def _publish(port: int, devices: int, count: int, first: int = 0) -> float:
    """Publish ``count`` measures (QoS 1) and wait until the broker has acknowledged each; the time of
    the first publish."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-devices", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.perf_counter()
    infos = [
        client.publish(f"/json/benchkey/d{i % devices}/attrs", json.dumps({"t": i % 40}), qos=1)
        for i in range(first, first + count)
    ]
    for info in infos:
        info.wait_for_publish(300)
    client.loop_stop()
    client.disconnect()
    return started


def _session() -> Properties:
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    return properties


def _bare_client(
    port: int, client_id: str, on_message: Callable | None = None, *, keep: bool = True
) -> mqtt.Client:
    """A bare subscriber's client, connected; ``keep``: a persistent session (else it ends with it)."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    if on_message is not None:
        client.on_message = on_message
    if keep:
        client.connect("127.0.0.1", port, clean_start=False, properties=_session())
    else:
        client.connect("127.0.0.1", port, clean_start=True)
    return client


def _bare(port: int, devices: int, count: int, mode: str, client_id: str) -> float:
    received = 0
    done = threading.Event()

    def on_message(client, userdata, message):
        nonlocal received
        received += 1
        if received >= count:
            done.set()

    if mode == "backlog":  # the session and its subscription first, then the backlog, then the consumer
        client = _bare_client(port, client_id)
        client.loop_start()
        client.subscribe("$share/bare//json/+/+/attrs", qos=1)
        time.sleep(0.5)
        client.disconnect()
        client.loop_stop()
        _publish(port, devices, count)
        started = time.perf_counter()
        client = _bare_client(port, client_id, on_message)
        client.loop_start()
    else:
        client = _bare_client(port, client_id, on_message, keep=False)
        client.subscribe("$share/bare//json/+/+/attrs", qos=1)
        client.loop_start()
        time.sleep(0.5)
        started = _publish(port, devices, count)
    done.wait(600)
    elapsed = time.perf_counter() - started
    client.loop_stop()
    client.disconnect()
    if mode == "backlog":  # the session ended, so it does not queue the next runs' measures
        _bare_client(port, client_id, keep=False).disconnect()
    if received < count:
        raise SystemExit(f"the bare client received {received} of {count} measures")
    return elapsed


_POLL: dict[str, Any] = {}  # one PostgreSQL connection for the polling (a new one each time forks a backend)


def _written(database_url: str, db_path: Path) -> int:
    if database_url:
        import psycopg

        if database_url not in _POLL:
            _POLL[database_url] = psycopg.connect(database_url, autocommit=True)
        rows = _POLL[database_url].execute(WRITTEN_SQL).fetchall()
        return sum(c["measures"][1] for (c,) in rows)
    db = sqlite3.connect(db_path, timeout=30)
    try:
        found = db.execute(WRITTEN_SQL.replace("%%", "%")).fetchall()
    finally:
        db.close()
    return sum(json.loads(c)["measures"][1] for (c,) in found)


class Workers:
    """``--workers`` `regija ingest` processes of one shared group, each with its own client id."""

    def __init__(
        self, regija: list[str], env: dict[str, str], n: int, batch: int, tag: str, expiry: int = 3600
    ):
        self.procs = [
            subprocess.Popen(  # noqa: S603 - our own command
                [*regija, "ingest", "--client-id", f"bench-{tag}-{i}", "--group", f"bench-{tag}"]
                + ["--batch", str(batch), "--session-expiry", str(expiry)],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(n)
        ]

    def wait_for(self, prefix: str) -> float:
        """Read each worker's output up to its line starting with ``prefix``; when the last one came."""
        for proc in self.procs:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith(prefix):
                    break
        return time.perf_counter()

    def wait_started(self) -> float:
        """When the first worker says it starts (after Django, just before it connects)."""
        first = None
        for proc in self.procs:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("ingest:"):
                    first = first or time.perf_counter()
                    break
        return first or time.perf_counter()

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(60)


def _ingest(args, mode: str, regija: list[str], env: dict[str, str], db_path: Path, already: int) -> float:
    target = already + args.measures
    if mode == "backlog":
        first = Workers(regija, env, args.workers, args.batch, mode)  # the sessions, subscribed
        first.wait_for("subscribed")
        first.stop()  # SIGTERM: a clean disconnect, the sessions stay (clean start off, an expiry)
        _publish(port=args.port, devices=args.devices, count=args.measures)
        workers = Workers(regija, env, args.workers, args.batch, mode)
        started = workers.wait_started()
    else:  # a session that ends with the connection: it does not queue the next runs' measures
        workers = Workers(regija, env, args.workers, args.batch, mode, expiry=0)
        workers.wait_for("subscribed")
        started = _publish(args.port, args.devices, args.measures)
    try:
        while _written(args.database_url, db_path) < target and time.perf_counter() - started < 900:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        workers.stop()
    if _written(args.database_url, db_path) < target:
        raise SystemExit(f"{mode}: not every measure was written in time")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("live", "backlog", "both", "in-process"), default="both")
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--measures", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", default="", help="PostgreSQL (emptied first); SQLite without")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="regija-mqtt-bench-"))
    args.port = free_port()
    (work / "mosquitto.conf").write_text(
        f"listener {args.port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\npersistence false\n"
    )
    broker = subprocess.Popen(["mosquitto", "-c", str(work / "mosquitto.conf")], stderr=subprocess.DEVNULL)  # noqa: S603, S607 - the benchmark's own broker
    env = {**os.environ, "REGIJA_DATA_DIR": str(work / "var"), "MQTT_URL": f"mqtt://127.0.0.1:{args.port}"}
    env.pop("DATABASE_URL", None)
    if args.database_url:
        recreate_database(args.database_url)
        env["DATABASE_URL"] = args.database_url
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    regija = [sys.executable, "-m", "regija.cli"]
    db_path = work / "var" / "regija.sqlite3"
    try:
        subprocess.run([*regija, "migrate", "-v0"], env=env, check=True)  # noqa: S603
        setup = SETUP.replace("DEVICES", str(args.devices))
        subprocess.run([*regija, "shell", "-c", setup], env=env, check=True)  # noqa: S603
        time.sleep(0.3)
        if args.mode == "in-process":  # services.ingest() alone, in one process: no MQTT at all
            code = IN_PROCESS.replace("DEVICES", str(args.devices)).replace("MEASURES", str(args.measures))
            code = code.replace("BATCH", str(args.batch))
            out = subprocess.run([*regija, "shell", "-c", code], env=env, check=True, capture_output=True)  # noqa: S603
            found = json.loads(out.stdout.decode().strip().splitlines()[-1])
            found |= {"mode": "in-process", "database": "postgresql" if args.database_url else "sqlite"}
            print(json.dumps(found | {"load_average": [round(x, 2) for x in os.getloadavg()]}), flush=True)
            return
        for mode in ("live", "backlog") if args.mode == "both" else (args.mode,):
            bare = _bare(args.port, args.devices, args.measures, mode, f"bench-bare-{mode}")
            ingest = _ingest(args, mode, regija, env, db_path, _written(args.database_url, db_path))
            print(
                json.dumps(
                    {
                        "mode": mode,
                        "database": "postgresql" if args.database_url else "sqlite",
                        "devices": args.devices,
                        "measures": args.measures,
                        "batch": args.batch,
                        "workers": args.workers,
                        "bare_seconds": round(bare, 3),
                        "bare_per_second": round(args.measures / bare),
                        "ingest_seconds": round(ingest, 3),
                        "ingest_per_second": round(args.measures / ingest),
                        "ratio_ingest_to_bare": round(ingest / bare, 2),
                        "load_average": [round(x, 2) for x in os.getloadavg()],
                    }
                ),
                flush=True,
            )
    finally:
        broker.terminate()
        broker.wait(10)


if __name__ == "__main__":
    main()
