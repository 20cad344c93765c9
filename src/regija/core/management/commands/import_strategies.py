"""regija import FILE…: validate strategy files and load them in one transaction."""

from django.core.management.base import BaseCommand, CommandError

from regija.interchange.importer import import_files
from regija.interchange.reader import InvalidFile


class Command(BaseCommand):
    help = "Validate strategy files and load them; nothing is written if any file has a problem."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")

    def handle(self, *args, files, dry_run, **options):
        try:
            results = import_files(files, dry_run=dry_run)
        except InvalidFile as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) found; nothing was imported. Fix the file(s) and run again."
            ) from None
        for result in results:
            self.stdout.write(result.summary())
        if dry_run:
            self.stdout.write("dry run: nothing was written")
