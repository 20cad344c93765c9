"""`regija ingest`: the worker that writes device measures from MQTT into the broker (docs/context.md,
"Devices and MQTT").

It subscribes with QoS 1 to the IoT Agent JSON measure topics through an MQTT 5 shared subscription
(``$share/<group>/…``), so several workers with the same group share the messages. Messages go to a
queue; the main loop takes up to ``--batch`` of them (waiting at most ``--wait-ms`` after the first),
calls ``services.ingest`` – one transaction – and only after its commit acknowledges each message
(manual PUBACK). The session is persistent (clean start off, a session expiry), so what was received
but not acknowledged when the worker died is delivered again when it comes back: nothing acknowledged
is lost; a measure may be written twice, with the same effect (at least once, idempotent).
"""

from __future__ import annotations

import logging
import queue
import signal
import socket
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from regija.context import services

log = logging.getLogger("regija.context.ingest")

# The measure topics of the IoT Agent JSON (user manual, "MQTT binding"): with the protocol prefix, the
# older form without it, and the prefix without its leading slash.
FILTERS = (
    "/json/+/+/attrs",
    "/json/+/+/attrs/+",
    "json/+/+/attrs",
    "json/+/+/attrs/+",
    "/+/+/attrs",
    "/+/+/attrs/+",
)


def broker(url: str) -> tuple[str, int, str | None, str | None]:
    """``mqtt://[user:password@]host[:port]`` → host, port, user, password."""
    parts = urlsplit(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise CommandError(f"MQTT_URL: mqtt://[user:password@]host[:port], not {url!r}")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return parts.hostname, parts.port or 1883, user, password


class Worker:
    def __init__(
        self, *, client_id: str, group: str, batch: int, wait_ms: int, session_expiry: int, out: Any
    ):
        self.batch, self.wait = batch, wait_ms / 1000
        self.group = group
        self.out = out
        self.messages: queue.Queue[tuple[int, mqtt.MQTTMessage]] = queue.Queue()
        self.stopping = threading.Event()
        self.generation = 0  # which connection a message came on: an old one's are not acknowledged
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._connected
        self.client.on_disconnect = self._disconnected
        self.client.on_subscribe = self._subscribed
        self.client.on_message = self._message
        self.session_expiry = session_expiry

    # --- the network thread (paho's loop) -------------------------------------------------------------

    def _connected(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("MQTT connection refused: %s", reason_code)
            return
        self.generation += 1
        options = SubscribeOptions(qos=1)
        client.subscribe([(f"$share/{self.group}/{f}", options) for f in FILTERS])

    def _disconnected(self, client, userdata, flags, reason_code, properties) -> None:
        if not self.stopping.is_set():
            log.warning("MQTT connection lost (%s); reconnecting", reason_code)

    def _subscribed(self, client, userdata, mid, reason_codes, properties) -> None:
        failed = [str(c) for c in reason_codes if c.is_failure]
        if failed:
            log.error("MQTT subscription refused: %s", ", ".join(failed))
        self.out.write(f"subscribed ({self.group}), generation {self.generation}\n")
        self.out.flush()

    def _message(self, client, userdata, message) -> None:
        self.messages.put((self.generation, message))

    # --- the main thread ---------------------------------------------------------------------------------

    def _take(self) -> list[tuple[int, mqtt.MQTTMessage]]:
        try:
            first = self.messages.get(timeout=0.2)
        except queue.Empty:
            return []
        taken = [first]
        deadline = time.monotonic() + self.wait
        while len(taken) < self.batch:
            left = deadline - time.monotonic()
            try:
                taken.append(
                    self.messages.get(timeout=max(left, 0)) if left > 0 else self.messages.get_nowait()
                )
            except queue.Empty:
                break
        return taken

    def _write(self, taken: list[tuple[int, mqtt.MQTTMessage]]) -> bool:
        """Ingest until it commits (the database may be away for a while); False when told to stop first."""
        delay = 0.5
        while True:
            try:
                services.ingest([(m.topic, m.payload) for _, m in taken])
                return True
            except Exception:  # a database error: retry the same batch, never acknowledge without a commit
                log.exception("ingest failed; the batch is retried")
                connection.close()
                if self.stopping.wait(delay):
                    return False
                delay = min(delay * 2, 30)

    def run(self, host: str, port: int) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry
        properties.ReceiveMaximum = min(max(self.batch * 2, 20), 65535)
        self.client.connect_async(host, port, keepalive=30, clean_start=False, properties=properties)
        self.client.loop_start()
        try:
            while not self.stopping.is_set():
                taken = self._take()
                if not taken or not self._write(taken):
                    continue
                for generation, message in taken:
                    if generation == self.generation:
                        self.client.ack(message.mid, message.qos)
        finally:
            self.client.disconnect()
            self.client.loop_stop()


class Command(BaseCommand):
    help = "Write device measures from MQTT (IoT Agent JSON topics) into the NGSI-LD broker."

    def add_arguments(self, parser):
        parser.add_argument("--client-id", default=f"regija-ingest-{socket.gethostname()}")
        parser.add_argument("--group", default="regija", help="the shared subscription's group")
        parser.add_argument("--batch", type=int, default=500, help="at most this many messages a transaction")
        parser.add_argument("--wait-ms", type=int, default=50, help="wait at most this long to fill a batch")
        parser.add_argument(
            "--session-expiry", type=int, default=3600, help="seconds the broker keeps the session"
        )

    def handle(self, *args, **options):
        host, port, user, password = broker(settings.MQTT_URL)
        worker = Worker(
            client_id=options["client_id"],
            group=options["group"],
            batch=max(1, options["batch"]),
            wait_ms=max(0, options["wait_ms"]),
            session_expiry=options["session_expiry"],
            out=self.stdout,
        )
        if user:
            worker.client.username_pw_set(user, password)

        def stop(signum, frame):
            worker.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"ingest: {host}:{port} as {options['client_id']}\n")
        self.stdout.flush()
        worker.run(host, port)
        self.stdout.write("ingest: stopped\n")
