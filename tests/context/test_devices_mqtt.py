"""The ingest worker end to end: `regija ingest` as a process of its own, on a database of its own (a
temporary data folder), subscribed to the real Mosquitto (MQTT_URL, 127.0.0.1:1883 by default); a real
paho client publishes as a device would (IoT Agent JSON topics, QoS 1) and the entities are read back
through the NGSI-LD API.

The kill test SIGKILLs the worker while measures arrive and starts it again: every measure the broker
acknowledged to the publisher ends up in the database. Delivery is *at least once, with idempotent
effect*: a batch committed just before the kill, whose PUBACKs never left, is delivered again and
written again – the same value and the same ``observedAt`` (from ``TimeInstant``), so the entity is the
same; the audit entries' measure counts may then add up to more than were published.

Each test uses its own API key, client id and shared-subscription group, so runs (and other workers on
the same broker) do not take each other's messages; each group still receives every measure topic, so
what other tests publish meanwhile is a dead letter (an unknown API key) in a test's database, and the
tests count only their own API key's."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
import pytest

pytestmark = pytest.mark.external

MQTT_URL = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")
SETUP = """
from regija.core.models import Organisation
from regija.context.models import Device, ServiceGroup
org = Organisation.objects.create(slug="velenje-iot", name="Velenje IoT", kind="municipality")
group = ServiceGroup.objects.create(organisation=org, apikey=APIKEY, entity_type="Thing")
mapping = [{"object_id": "t", "name": "temperature", "type": "Number", "unit_code": "CEL"}]
Device.objects.create(group=group, device_id="sensor01", entity_id="urn:ngsi-ld:Thing:sensor01",
    entity_type="Thing", attributes=mapping)
"""
READ = """
import json
from django.test import Client
r = Client(HTTP_HOST="localhost").get(
    "/ngsi-ld/v1/entities/urn:ngsi-ld:Thing:sensor01", HTTP_NGSILD_TENANT="velenje-iot"
)
print("ANSWER", r.status_code, json.dumps(r.json()))
"""


def _broker() -> tuple[str, int]:
    parts = urlsplit(MQTT_URL)
    return parts.hostname or "127.0.0.1", parts.port or 1883


@pytest.fixture(autouse=True)
def _mosquitto():
    try:
        socket.create_connection(_broker(), timeout=2).close()
    except OSError:
        start = "mosquitto -d -c /etc/mosquitto/mosquitto.conf"
        missing = f"no MQTT broker at {MQTT_URL} (start Mosquitto: {start})"
        if os.environ.get("CI"):  # CI starts one (.ci/run): a missing broker there is a failure, not a skip
            pytest.fail(missing)
        pytest.skip(missing)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(REGIJA_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="regija.settings", MQTT_URL=MQTT_URL)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    return env


def _regija(env, *args) -> str:
    command = [sys.executable, "-m", "regija.cli", *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=600).stdout  # noqa: S603 - our own code


class Worker:
    """`regija ingest` in a process of its own; ``started`` once it has subscribed."""

    def __init__(self, env, client_id: str, group: str, *args: str):
        command = [sys.executable, "-m", "regija.cli", "ingest", "--client-id", client_id, "--group", group]
        command += ["--session-expiry", "300", *args]
        self.process = subprocess.Popen(  # noqa: S603 - our own code
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self.started = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.started.wait(60), "the worker did not subscribe:\n" + "".join(self.lines)

    def _read(self):
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith("subscribed"):
                self.started.set()

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(30)


def _publisher() -> mqtt.Client:
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"test-device-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
    )
    client.connect(*_broker())
    client.loop_start()
    return client


def _attributes(data_dir: Path) -> dict:
    db = sqlite3.connect(data_dir / "regija.sqlite3")
    try:
        row = db.execute(
            "SELECT doc FROM context_contextentity WHERE entity_id = 'urn:ngsi-ld:Thing:sensor01'"
        ).fetchone()
    finally:
        db.close()
    return json.loads(row[0]) if row else {}


def _prepared(tmp_path) -> tuple[Path, dict[str, str], str]:
    data_dir = tmp_path / "var"
    env = _env(data_dir)
    apikey = f"k{uuid.uuid4().hex}"
    _regija(env, "migrate", "-v0")
    _regija(env, "shell", "-c", SETUP.replace("APIKEY", repr(apikey)))
    return data_dir, env, apikey


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# process: `regija ingest`'s default; thread: how `regija up` runs it, beside the web server
@pytest.mark.parametrize("receiver", ["process", "thread"])
def test_a_published_measure_is_read_back_through_the_ngsi_ld_api(tmp_path, receiver):
    data_dir, env, apikey = _prepared(tmp_path)
    name = uuid.uuid4().hex[:8]
    worker = Worker(env, f"regija-test-{name}", f"g{name}", "--receiver", receiver)
    try:
        device = _publisher()
        payload = json.dumps({"t": 21.5, "TimeInstant": "2026-12-07T08:15:00Z"})
        device.publish(f"/json/{apikey}/sensor01/attrs", payload, qos=1).wait_for_publish(10)
        device.publish(f"/json/{apikey}/nobody/attrs", payload, qos=1).wait_for_publish(10)
        device.loop_stop()
        device.disconnect()
        assert _wait(lambda: len(_attributes(data_dir)) > 0, 30), "".join(worker.lines)
    finally:
        worker.stop()
    assert "ingest: stopped" in "".join(worker.lines)  # SIGTERM: a clean stop
    answer = [line for line in _regija(env, "shell", "-c", READ).splitlines() if line.startswith("ANSWER")][0]
    _, status, body = answer.split(" ", 2)
    assert status == "200"
    assert json.loads(body)["temperature"] == {
        "type": "Property",
        "value": 21.5,
        "observedAt": "2026-12-07T08:15:00Z",
        "unitCode": "CEL",
    }
    db = sqlite3.connect(data_dir / "regija.sqlite3")
    # this test's own: a worker's group receives every measure topic, so measures other tests publish
    # at the same time (their own API keys) are dead letters here too
    letters = db.execute(
        "SELECT topic, reason FROM context_deadletter WHERE topic LIKE ?", (f"/json/{apikey}/%",)
    ).fetchall()
    db.close()
    assert [t for t, _ in letters] == [f"/json/{apikey}/nobody/attrs"]


def _processes(client_id: str) -> list[int]:
    """A worker's processes – the writer and its MQTT receiver – by the client id on their command line."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and client_id.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_kill_9_loses_no_acknowledged_measure(tmp_path):
    data_dir, env, apikey = _prepared(tmp_path)
    name = uuid.uuid4().hex[:8]
    client_id, group = f"regija-test-{name}", f"g{name}"
    # fewer than Mosquitto keeps queued for one client by default (max_queued_messages 1000): beyond its
    # queue a broker drops messages for a subscriber even though it acknowledged them to the publisher
    # (docs/context.md says to raise it in production)
    count = 800
    worker = Worker(env, client_id, group, "--batch", "5", "--wait-ms", "0")
    device = _publisher()
    pending = [
        device.publish(
            f"/json/{apikey}/sensor01/attrs",
            json.dumps({f"m{i}": i, "TimeInstant": "2026-12-07T08:15:00Z"}),
            qos=1,
        )
        for i in range(count)
    ]
    # kill -9 once part of the measures is written
    assert _wait(lambda: len(_attributes(data_dir)) >= 100, 60), "".join(worker.lines)
    worker.stop(signal.SIGKILL)
    written_at_kill = len(_attributes(data_dir))
    # nothing of the killed worker lives on: its receiver process sees the writer gone and ends
    assert _wait(lambda: not _processes(client_id), 15), f"left running: {_processes(client_id)}"
    for info in pending:  # every measure acknowledged by the broker (PUBACK to the device)
        info.wait_for_publish(30)
        assert info.is_published()
    device.loop_stop()
    device.disconnect()
    assert written_at_kill < count, "the worker finished before it was killed: nothing was tested"

    worker = Worker(env, client_id, group)
    try:
        assert _wait(lambda: len(_attributes(data_dir)) >= count, 120), (
            f"{len(_attributes(data_dir))} of {count} measures after the restart\n" + "".join(worker.lines)
        )
    finally:
        worker.stop()
    assert _wait(lambda: not _processes(client_id), 15), f"left after SIGTERM: {_processes(client_id)}"
    attributes = _attributes(data_dir)
    values = {iri.rsplit("/", 1)[-1]: a["value"] for iri, a in attributes.items()}
    assert values == {f"m{i}": i for i in range(count)}
    db = sqlite3.connect(data_dir / "regija.sqlite3")
    dead = db.execute(  # of this test's API key: other tests' measures are dead letters here
        "SELECT count(*) FROM context_deadletter WHERE topic LIKE ?", (f"/json/{apikey}/%",)
    ).fetchone()[0]
    audited = [
        json.loads(c)["measures"][1]
        for (c,) in db.execute("SELECT changes FROM core_auditentry WHERE object_repr LIKE 'MQTT ingest%'")
    ]
    db.close()
    assert dead == 0
    assert sum(audited) >= count  # at least once: a batch written before the kill may come again


def _parent(pid: int) -> int:
    return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])


def test_a_receiver_that_dies_is_started_again(tmp_path):
    """`regija ingest` receives in a child process; when that one dies, the worker starts another and
    the measures sent meanwhile are written (the broker keeps them for the session)."""
    data_dir, env, apikey = _prepared(tmp_path)
    name = uuid.uuid4().hex[:8]
    client_id = f"regija-test-{name}"
    worker = Worker(env, client_id, f"g{name}")
    try:
        (receiver,) = [p for p in _processes(client_id) if _parent(p) == worker.process.pid]
        os.kill(receiver, signal.SIGKILL)
        device = _publisher()
        for i in range(20):
            payload = json.dumps({f"m{i}": i, "TimeInstant": "2026-12-07T08:15:00Z"})
            device.publish(f"/json/{apikey}/sensor01/attrs", payload, qos=1).wait_for_publish(10)
        device.loop_stop()
        device.disconnect()
        assert _wait(lambda: len(_attributes(data_dir)) >= 20, 60), "".join(worker.lines)
        assert worker.process.poll() is None  # the same worker, with a new receiver
        assert receiver not in _processes(client_id)
    finally:
        worker.stop()
    values = {iri.rsplit("/", 1)[-1]: a["value"] for iri, a in _attributes(data_dir).items()}
    assert values == {f"m{i}": i for i in range(20)}
