"""regija up: create the database if needed, migrate, load the source documents into an empty database (and,
on first start, the bundled statistics and Regija's own data as datasets), serve
(with the background jobs running in the same process).

The strategy files (data/strategies) go first, then the governance files (data/governance next to
them), which refer to the organisations and projects the strategy files define.
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from regija.calls.importer import import_files as import_governance_files
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
            if consumer is not None:
                consumer.stop(graceful=True)
