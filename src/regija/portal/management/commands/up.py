"""regija up: create the database if needed, migrate, load the source documents into an empty database (and,
on first start, the bundled statistics and Regija's own data as datasets; the simulated demo network of
Velenje's devices, when its organisation is there), serve (with the background jobs running in the same
process, and the ingest worker of device measures when an MQTT broker answers at MQTT_URL).

The strategy files (data/strategies) go first, then the governance files (data/governance next to
them), which refer to the organisations and projects the strategy files define.
"""

import socket
import threading
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from regija.calls.importer import import_files as import_governance_files
from regija.context.management.commands.ingest import Worker, broker, options
from regija.context.receiver import Receiver
from regija.context.services import load_demo_network
from regija.core.files import InvalidFile
from regija.governance.models import Body
from regija.interchange.importer import import_files
from regija.lake.bundle_loader import load_bundle
from regija.lake.models import Dataset
from regija.lake.own import publish_own_data
from regija.places.demo import load_demo as load_demo_places
from regija.strategies.models import Strategy


class Command(BaseCommand):
    help = "Prepare the database (migrate, load the demo strategies when empty) and serve on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="prepare the database and stop")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, port, host, no_serve, threads, **options):
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"database ready ({settings.DATABASES['default']['NAME']})")
        if not Strategy.objects.exists():
            files = sorted(Path(settings.SEED_DIR).glob("*.yaml"))
            if not files:
                self.stdout.write(f"no strategy files in {settings.SEED_DIR}; starting empty")
            else:
                try:
                    results = import_files(files)
                except InvalidFile as exc:
                    raise CommandError(f"the demo data could not be loaded:\n{exc}") from None
                for result in results:
                    self.stdout.write(f"loaded {result.slug}")
        # after the strategies; also on a database that has them from before governance files existed
        governance_files = sorted((Path(settings.SEED_DIR).parent / "governance").glob("*.yaml"))
        if governance_files and Strategy.objects.exists() and not Body.objects.exists():
            try:
                results = import_governance_files(governance_files)
            except InvalidFile as exc:
                raise CommandError(f"the demo governance data could not be loaded:\n{exc}") from None
            for result in results:
                self.stdout.write(f"governance of {result.slug} ready")
        # the demo places of Velenje (illustrative positions), after the strategies that bring their
        # organisation;
        # loading again writes nothing when nothing changed
        places = load_demo_places()
        if places is not None:
            self.stdout.write(f"demo places ready: {places.created} new, {places.updated} changed")
        # the source documents' statistics and Regija's own data as datasets, on first start (after that
        # the worker keeps Regija's own data up to date; `regija publish` does it at once)
        if Strategy.objects.exists() and not Dataset.objects.filter(auto__startswith="regija:").exists():
            try:
                loaded = load_bundle()
            except InvalidFile as exc:
                raise CommandError(f"the bundled datasets could not be loaded:\n{exc}") from None
            self.stdout.write(f"bundled datasets ready: {len(loaded.datasets)}")
            published = publish_own_data()
            self.stdout.write(f"Regija's own data published: {len(published)} datasets")
        # the simulated demo network of Velenje (devices and their entities' first state), once: what exists
        # is left alone, so a second start writes nothing
        demo = load_demo_network()
        if demo.devices or demo.entities:
            self.stdout.write(
                f"demo network of Velenje (simulated) ready: {demo.devices} devices, {demo.entities} entities"
            )
        # static files with hashed names and a gzip of each (core/staticstorage.py); unchanged files are
        # skipped, so a restart takes a moment
        call_command("collectstatic", interactive=False, verbosity=0)
        if no_serve:
            return
        from django.core.wsgi import get_wsgi_application
        from waitress import serve

        from regija.core.jobs import start_consumer

        application = get_wsgi_application()  # what regija.wsgi serves, with the settings already loaded
        # the background jobs (dataset refreshes, publishing Regija's own data) in this process, beside the
        # web server; production runs `regija worker` on its own instead (REGIJA_WORKERS=0 here then)
        consumer = (
            start_consumer(settings.HUEY["consumer"]["workers"])
            if settings.HUEY["consumer"]["workers"]
            else None
        )

        ingest = self.start_ingest()
        self.stdout.write(f"Regija is running at http://{host}:{port}/  (stop with Ctrl+C)")
        self.stdout.write("Staff sign-in: create a user with `regija createsuperuser`, then open /admin/")
        # waitress receives a whole request before the application sees it: a request larger than
        # REGIJA_MAX_REQUEST_MB is refused (413) as soon as its Content-Length says so, unread
        try:
            serve(
                application,
                host=host,
                port=port,
                threads=threads,
                ident="regija",
                max_request_body_size=settings.REGIJA_MAX_REQUEST_BYTES,
            )
        finally:
            if ingest is not None:
                ingest[0].stopping.set()
                ingest[1].join(timeout=10)
            if consumer is not None:
                consumer.stop(graceful=True)

    def start_ingest(self) -> tuple[Worker, threading.Thread] | None:
        """The ingest worker (`regija ingest`) in a thread of this process when a broker answers at
        MQTT_URL; without one, say so and serve without it."""
        host, port, _, _ = broker(settings.MQTT_URL)
        try:
            socket.create_connection((host, port), timeout=1).close()
        except OSError:
            self.stdout.write(f"no MQTT broker at {host}:{port} (MQTT_URL); device measures are not ingested")
            return None
        found = options(
            client_id=f"regija-up-{socket.gethostname()}",
            group="regija",
            batch=500,
            wait_ms=50,
            session_expiry=3600,
        )
        # in a thread of this process, which serves the web too: no child process of its own here
        worker = Worker(Receiver(found, self.stdout))
        thread = threading.Thread(target=worker.run, name="regija-ingest", daemon=True)
        thread.start()
        self.stdout.write(f"ingesting device measures from the MQTT broker at {host}:{port}")
        return worker, thread
