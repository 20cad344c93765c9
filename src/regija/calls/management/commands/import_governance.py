"""Validate governance files and load them in one transaction (``regija import`` takes them too)."""

from django.core.management.base import BaseCommand, CommandError

from regija.calls.importer import import_files
from regija.core import busy
from regija.core.files import InvalidFile


class Command(BaseCommand):
    help = (
        "Validate governance files (bodies, terms, sessions, historic calls) and load them; "
        "nothing is written on error."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--quiet", action="store_true", help="no line per file")

    def _waiting(self):
        self.stderr.write("another import is running; this one starts when it has finished")

    def handle(self, *args, files, dry_run, quiet=False, **options):
        try:
            # announced, so that a write refused meanwhile says an import is running (regija.core.busy)
            with busy.announce_import(on_wait=self._waiting):
                results = import_files(files, dry_run=dry_run)
        except InvalidFile as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) found; nothing was imported. Fix the file(s) and run again."
            ) from None
        if not quiet:
            for result in results:
                self.stdout.write(result.summary())
        if dry_run:
            self.stdout.write("dry run: nothing was written")
