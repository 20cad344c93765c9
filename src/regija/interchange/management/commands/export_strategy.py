"""regija export SLUG --format yaml|json|csv|xlsx: write a stored strategy out."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regija.interchange.exporter import ExportError, export
from regija.strategies.models import Strategy


class Command(BaseCommand):
    help = "Export a strategy as a strategy file (yaml, json) or as tables (csv zip, xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--format", choices=["yaml", "json", "csv", "xlsx"], default="yaml")
        parser.add_argument("--output", "-o", type=Path, help="file to write (default: SLUG.EXT here)")

    def handle(self, *args, slug, format, output, **options):
        strategy = Strategy.objects.filter(slug=slug).first()
        if strategy is None:
            known = ", ".join(Strategy.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"no strategy {slug!r}; loaded strategies: {known}")
        try:
            path = export(strategy, format, output)
        except ExportError as exc:  # stored data the file format refuses: say which, no traceback
            raise CommandError(str(exc)) from None
        self.stdout.write(str(path))
