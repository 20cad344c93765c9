"""`regija ingest`: the worker that writes device measures from MQTT into the broker (docs/context.md,
"Devices and MQTT").

It subscribes with QoS 1 to the IoT Agent JSON measure topics through an MQTT 5 shared subscription
(``$share/<group>/…``), so several workers with the same group share the messages. The receiving side
(``regija.context.receiver``) runs in a child process of its own, so receiving and writing use both
cores; it hands out batches of up to ``--batch`` messages (waiting at most ``--wait-ms`` after the
first). This process writes each batch with ``services.ingest`` – one transaction – and only after its
commit has each message acknowledged (manual PUBACK). The session is persistent (clean start off, a
session expiry), so what was received but not acknowledged when the worker died is delivered again
when it comes back: nothing acknowledged is lost; a measure may be written twice, with the same effect
(at least once, idempotent).
"""

from __future__ import annotations

import gc
import logging
import signal
import socket
import threading
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from regija.context import services
from regija.context.receiver import Message, Options, Receiver, ReceiverProcess, acks

log = logging.getLogger("regija.context.ingest")


def broker(url: str) -> tuple[str, int, str | None, str | None]:
    """``mqtt://[user:password@]host[:port]`` → host, port, user, password."""
    parts = urlsplit(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise CommandError(f"MQTT_URL: mqtt://[user:password@]host[:port], not {url!r}")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return parts.hostname, parts.port or 1883, user, password


class Worker:
    """Writes what ``receiver`` hands out – a :class:`Receiver` in a thread of this process, or a
    :class:`ReceiverProcess` – and acknowledges each batch after its commit, until ``stopping``."""

    def __init__(self, receiver: Receiver | ReceiverProcess) -> None:
        self.receiver = receiver
        self.stopping = threading.Event()
        self.kept = services.KeptEntities()  # the entities this worker wrote, between its batches

    def _write(self, taken: list[Message]) -> bool:
        """Ingest until it commits (the database may be away for a while); False when told to stop first."""
        delay = 0.5
        while True:
            try:
                services.ingest([(m.topic, m.payload) for m in taken], kept_entities=self.kept)
                return True
            except Exception:  # a database error: retry the same batch, never acknowledge without a commit
                log.exception("ingest failed; the batch is retried")
                connection.close()
                if self.stopping.wait(delay):
                    return False
                delay = min(delay * 2, 30)

    def run(self) -> None:
        self.receiver.start()
        # what Django and the code loaded is kept for good: the collector then looks only at what the
        # batches make, not at the whole process at every full collection (a tenth of a batch's time)
        gc.freeze()
        try:
            while not self.stopping.is_set():
                try:
                    taken = self.receiver.take()
                    if taken and self._write(taken):
                        self.receiver.ack(acks(taken))
                except EOFError:  # the receiver process died: what it held comes again, to a new one
                    log.error("the MQTT receiver process ended; starting it again")
                    self.receiver.stop()
                    if self.stopping.wait(1):
                        break
                    self.receiver.start()
        finally:
            self.receiver.stop()


def options(*, client_id: str, group: str, batch: int, wait_ms: int, session_expiry: int) -> Options:
    """The receiver's options, for the broker at MQTT_URL."""
    host, port, user, password = broker(settings.MQTT_URL)
    return Options(
        host=host,
        port=port,
        client_id=client_id,
        group=group,
        session_expiry=session_expiry,
        batch=max(1, batch),
        wait=max(0, wait_ms) / 1000,
        user=user,
        password=password,
    )


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
        parser.add_argument(
            "--receiver",
            choices=("process", "thread"),
            default="process",
            help="receive MQTT in a child process (both cores; the default) or in a thread of this one",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        found = options(
            client_id=opts["client_id"],
            group=opts["group"],
            batch=opts["batch"],
            wait_ms=opts["wait_ms"],
            session_expiry=opts["session_expiry"],
        )
        connections.close_all()  # nothing of the database is handed to the receiver process
        receiver = ReceiverProcess(found) if opts["receiver"] == "process" else Receiver(found, self.stdout)
        worker = Worker(receiver)

        def stop(signum: int, frame: Any) -> None:
            worker.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"ingest: {found.host}:{found.port} as {found.client_id}\n")
        self.stdout.flush()
        worker.run()
        self.stdout.write("ingest: stopped\n")
