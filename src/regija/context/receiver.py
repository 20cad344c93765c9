"""The MQTT side of the ingest worker (`regija ingest`, docs/context.md "The ingest worker").

A :class:`Receiver` holds one paho-mqtt 2 client (MQTT 5, QoS 1, manual acknowledgement, a persistent
session, a shared subscription): paho's network thread puts each message in a list, :meth:`take` hands
out a batch of them, :meth:`ack` acknowledges a batch once the caller has committed it.

The writer – ``services.ingest`` in a transaction – and the receiver are CPU work in Python. In one
process they take turns on the interpreter lock, and receiving 20 000 messages then costs the writer
about as much as writing them. So `regija ingest` runs the receiver in a **process of its own**
(:class:`ReceiverProcess`, a child started before anything else, speaking over a pipe): on two cores
the two halves run at the same time. `regija up` runs the receiver in its own thread instead
(:class:`Receiver` directly), because it serves the web as well and starts no child processes.

Either way the writer asks for the next batch *before* it writes the current one, so the receiver fills
it meanwhile, and acknowledges a batch only after its commit. A message is acknowledged only on the
connection it came on (``generation``): after a reconnect the broker delivers the unacknowledged ones
again, and the old copies still waiting here are dropped.

This module does not import Django: the receiver process needs paho only.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, NamedTuple, TextIO

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

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


class Message(NamedTuple):
    generation: int  # the connection it came on
    mid: int
    qos: int
    topic: str
    payload: bytes


@dataclass(frozen=True)
class Options:
    host: str
    port: int
    client_id: str
    group: str
    session_expiry: int
    batch: int
    wait: float  # seconds to wait for a batch to fill once its first message is there
    user: str | None = None
    password: str | None = None


class Receiver:
    """The paho client and the messages it received, not yet handed out."""

    def __init__(self, options: Options, out: TextIO) -> None:
        self.options = options
        self.out = out
        self.generation = 0
        self.pending: list[Message] = []
        self.arrived = threading.Condition()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=options.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if options.user:
            self.client.username_pw_set(options.user, options.password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._connected
        self.client.on_disconnect = self._disconnected
        self.client.on_subscribe = self._subscribed
        self.client.on_message = self._message

    # --- paho's network thread ----------------------------------------------------------------------

    def _connected(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._warn(f"MQTT connection refused: {reason_code}")
            return
        with self.arrived:
            self.generation += 1
            self.pending.clear()  # the broker delivers them again on this connection
        options = SubscribeOptions(qos=1)
        client.subscribe([(f"$share/{self.options.group}/{f}", options) for f in FILTERS])

    def _disconnected(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:  # not the end the caller asked for (stop)
            self._warn(f"MQTT connection lost ({reason_code}); reconnecting")

    def _subscribed(self, client, userdata, mid, reason_codes, properties) -> None:
        failed = [str(c) for c in reason_codes if c.is_failure]
        if failed:
            self._warn("MQTT subscription refused: " + ", ".join(failed))
        self._say(f"subscribed ({self.options.group}), generation {self.generation}")

    def _message(self, client, userdata, message) -> None:
        with self.arrived:
            self.pending.append(
                Message(self.generation, message.mid, message.qos, message.topic, message.payload)
            )
            if len(self.pending) == 1 or len(self.pending) >= self.options.batch:
                self.arrived.notify()

    def _say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    @staticmethod
    def _warn(line: str) -> None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    # --- the caller's side ----------------------------------------------------------------------------

    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.options.session_expiry
        # room for the batch being written, the next one filling, and one more arriving
        properties.ReceiveMaximum = min(max(self.options.batch * 3, 20), 65535)
        self.client.connect_async(
            self.options.host, self.options.port, keepalive=30, clean_start=False, properties=properties
        )
        self.client.loop_start()

    def take(self, timeout: float = 0.2) -> list[Message]:
        """Up to ``batch`` messages: waits at most ``timeout`` for the first, then at most ``wait`` for
        the batch to fill; [] when none came."""
        batch, wait = self.options.batch, self.options.wait
        with self.arrived:
            if not self.pending and not self.arrived.wait_for(lambda: self.pending, timeout):
                return []
            deadline = time.monotonic() + wait
            while len(self.pending) < batch:
                left = deadline - time.monotonic()
                if left <= 0 or not self.arrived.wait(left):
                    break
            taken, self.pending[:batch] = self.pending[:batch], []
            return taken

    def ack(self, messages: list[tuple[int, int, int]]) -> None:
        """Acknowledge (generation, mid, qos) of committed messages that came on this connection."""
        for generation, mid, qos in messages:
            if generation == self.generation:
                self.client.ack(mid, qos)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def acks(messages: list[Message]) -> list[tuple[int, int, int]]:
    return [(m.generation, m.mid, m.qos) for m in messages]


# --- the receiver in a process of its own -----------------------------------------------------------------

_TAKE, _ACK, _STOP = "take", "ack", "stop"


def _serve(options: Options, conn: Connection, writers_end: Connection) -> None:
    """The receiver process: hands out batches when the writer asks and acknowledges what it says was
    committed, until told to stop or the writer is gone. Its main thread takes and sends the batches;
    a second thread reads the writer's requests, so an acknowledgement goes out at once even while a
    batch is filling."""
    # the writer's end of the pipe, inherited: closed, so that the writer's death is an end of file here
    writers_end.close()
    # Ctrl-C and SIGTERM go to the writer, which finishes its batch and then tells this process to stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    gc.freeze()  # the writer's objects, inherited: never collected here
    receiver = Receiver(options, sys.stdout)
    wanted = threading.Semaphore(0)
    done = threading.Event()

    def requests() -> None:
        try:
            while True:
                request = conn.recv()
                if request[0] == _TAKE:
                    wanted.release()
                elif request[0] == _ACK:
                    receiver.ack(request[1])
                else:
                    break
        except (EOFError, OSError):  # the writer is gone (killed): acknowledge nothing more; the broker
            pass  # delivers what was not acknowledged to the next worker of the session
        done.set()
        wanted.release()

    receiver.start()
    threading.Thread(target=requests, name="regija-receiver-requests", daemon=True).start()
    try:
        while True:
            wanted.acquire()
            if done.is_set():
                break
            taken: list[Message] = []
            while not taken and not done.is_set():
                taken = receiver.take()
            if done.is_set():
                break
            conn.send(taken)
    except OSError:
        pass
    finally:
        receiver.stop()
        os._exit(0)  # not the writer's exit handlers (it was forked from it)


class ReceiverProcess:
    """A :class:`Receiver` in a child process, used like one: ``take`` and ``ack`` over a pipe. One
    ``take`` is requested ahead, so the child fills the next batch while the writer writes this one."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.process: Any = None
        self.conn: Connection | None = None
        self.asked = False

    def start(self) -> None:
        methods = multiprocessing.get_all_start_methods()
        # fork: the child starts at once and needs nothing re-imported; the writer has no threads yet
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        mine, theirs = context.Pipe()
        sys.stdout.flush()
        self.process = context.Process(
            target=_serve, args=(self.options, theirs, mine), name="regija-receiver"
        )
        self.process.daemon = True
        self.process.start()
        theirs.close()
        self.conn, self.asked = mine, False

    def _pipe(self) -> Connection:
        if self.conn is None:
            raise EOFError("the receiver process is not running")
        return self.conn

    def _send(self, request: tuple[Any, ...]) -> None:
        try:
            self._pipe().send(request)
        except OSError as gone:  # a broken pipe: the receiver process died
            raise EOFError("the receiver process ended") from gone

    def _ask(self) -> None:
        self._send((_TAKE,))
        self.asked = True

    def take(self, timeout: float = 0.2) -> list[Message]:
        """The next batch ([] after about ``timeout`` without messages), and the one after it asked for.
        Raises EOFError when the receiver process is gone."""
        conn = self._pipe()
        if not self.asked:
            self._ask()
        if not conn.poll(timeout):
            if not self.process.is_alive():
                raise EOFError("the receiver process ended")
            return []
        taken: list[Message] = conn.recv()  # never empty: the child answers once it has messages
        self._ask()  # the next batch fills while this one is written
        return taken

    def ack(self, messages: list[tuple[int, int, int]]) -> None:
        """Raises EOFError when the receiver process is gone (the messages then come again, to a new one)."""
        self._send((_ACK, messages))

    def stop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.send((_STOP,))
            except OSError:
                pass
            self.conn.close()
            self.conn = None
        if self.process is not None:
            self.process.join(10)
            if self.process.is_alive():
                self.process.kill()
            self.process = None
