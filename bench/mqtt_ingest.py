"""MQTT ingest benchmark: how fast `regija ingest` writes device measures, against a bare subscriber.

    python bench/mqtt_ingest.py [--devices 1000] [--measures 20000] [--batch 500]

On SQLite in a temporary data folder, with a Mosquitto of its own on a free port (``max_queued_messages
0``, so a slow subscriber loses nothing – see docs/context.md, "The broker must keep the backlog"):

1. **setup**: one organisation, one service group, ``--devices`` devices (measure ``t`` → temperature).
2. **bare**: a paho subscriber (QoS 1, the same shared subscription, acknowledging at once) receives the
   measures; the time from the first publish to the last message received.
3. **ingest**: `regija ingest` (``--batch``) receives the same number of measures, spread over the
   devices; the time from the first publish to the moment the audit entries of the batches count them
   all as written.

Prints one JSON object: both times, the ingest rate (measures/s; target ≥ 5 000/s for 1 000 devices on
SQLite) and the ratio ingest/bare.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _publish(port: int, devices: int, count: int) -> float:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-devices", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.perf_counter()
    infos = [
        client.publish(f"/json/benchkey/d{i % devices}/attrs", json.dumps({"t": i % 40}), qos=1)
        for i in range(count)
    ]
    for info in infos:
        info.wait_for_publish(120)
    client.loop_stop()
    client.disconnect()
    return started


def _bare(port: int, devices: int, count: int) -> float:
    received = 0
    done = threading.Event()

    def on_message(client, userdata, message):
        nonlocal received
        received += 1
        if received >= count:
            done.set()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=mqtt.MQTTv5)
    client.on_message = on_message
    client.connect("127.0.0.1", port)
    client.subscribe("$share/bare//json/+/+/attrs", qos=1)
    client.loop_start()
    time.sleep(0.5)
    started = _publish(port, devices, count)
    done.wait(300)
    elapsed = time.perf_counter() - started
    client.loop_stop()
    client.disconnect()
    return elapsed


def _written(db_path: Path) -> int:
    db = sqlite3.connect(db_path, timeout=30)
    try:
        rows = db.execute(
            "SELECT changes FROM core_auditentry WHERE object_repr LIKE 'MQTT ingest%'"
        ).fetchall()
    finally:
        db.close()
    return sum(json.loads(c)["measures"][1] for (c,) in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--measures", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="regija-mqtt-bench-"))
    port = _free_port()
    (work / "mosquitto.conf").write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\npersistence false\n"
    )
    broker = subprocess.Popen(["mosquitto", "-c", str(work / "mosquitto.conf")], stderr=subprocess.DEVNULL)  # noqa: S603, S607 - the benchmark's own broker
    env = {**os.environ, "REGIJA_DATA_DIR": str(work / "var"), "MQTT_URL": f"mqtt://127.0.0.1:{port}"}
    env.pop("DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    regija = [sys.executable, "-m", "regija.cli"]
    worker = None
    try:
        subprocess.run([*regija, "migrate", "-v0"], env=env, check=True)  # noqa: S603
        setup = SETUP.replace("DEVICES", str(args.devices))
        subprocess.run([*regija, "shell", "-c", setup], env=env, check=True)  # noqa: S603
        time.sleep(0.3)
        bare = _bare(port, args.devices, args.measures)
        worker = subprocess.Popen(  # noqa: S603
            [*regija, "ingest", "--client-id", "bench-ingest", "--batch", str(args.batch)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert worker.stdout is not None
        for line in worker.stdout:
            if line.startswith("subscribed"):
                break
        started = _publish(port, args.devices, args.measures)
        db_path = work / "var" / "regija.sqlite3"
        while _written(db_path) < args.measures and time.perf_counter() - started < 600:
            time.sleep(0.05)
        ingest = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "devices": args.devices,
                    "measures": args.measures,
                    "batch": args.batch,
                    "written": _written(db_path),
                    "bare_seconds": round(bare, 3),
                    "ingest_seconds": round(ingest, 3),
                    "ingest_per_second": round(args.measures / ingest),
                    "ratio_ingest_to_bare": round(ingest / bare, 2),
                }
            )
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        broker.terminate()
        broker.wait(10)


if __name__ == "__main__":
    main()
