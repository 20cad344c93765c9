"""`regija simulate`: publishes plausible measures of the bundled demo network of Velenje to MQTT, as its
devices would (IoT Agent JSON topics ``/json/<apikey>/<deviceid>/attrs``, QoS 1), so that `regija ingest`
(or `regija up`) writes them into the broker. The values are simulated (``context.simulation``): PM10 and
NO2 follow the day's traffic, car parks fill during working hours, street lights are on at night,
chargers are taken during the day."""

from __future__ import annotations

import random
import signal
import time

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from regija.context import simulation
from regija.context.management.commands.ingest import broker
from regija.core.services import now


class Command(BaseCommand):
    help = "Publish simulated measures of the demo network of Velenje to MQTT (MQTT_URL)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, default=10.0, help="seconds between two rounds of measures (default 10)"
        )
        parser.add_argument("--once", action="store_true", help="publish one round and stop")
        parser.add_argument("--seed", type=int, default=None, help="the random generator's seed")

    def handle(self, *args, every, once, seed, **options):
        host, port, user, password = broker(settings.MQTT_URL)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        if user:
            client.username_pw_set(user, password)
        try:
            client.connect(host, port, keepalive=30)
        except OSError as exc:
            raise CommandError(f"no MQTT broker at {host}:{port} ({exc})") from None
        client.loop_start()
        rng = random.Random(seed)  # noqa: S311 - simulated values, not secrets
        stopping = []
        if not once:
            signal.signal(signal.SIGTERM, lambda *a: stopping.append(True))
            signal.signal(signal.SIGINT, lambda *a: stopping.append(True))
        try:
            while True:
                messages = simulation.round_of(now(), rng)
                sent = [client.publish(topic, payload, qos=1) for topic, payload in messages]
                for info in sent:
                    info.wait_for_publish(timeout=10)
                self.stdout.write(f"published {len(sent)} measures to {host}:{port}")
                if once or stopping:
                    break
                deadline = time.monotonic() + max(every, 0.1)
                while not stopping and time.monotonic() < deadline:
                    time.sleep(0.1)
                if stopping:
                    break
        finally:
            client.disconnect()
            client.loop_stop()
