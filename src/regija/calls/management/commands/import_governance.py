"""Validate governance files and load them in one transaction (``regija import`` takes them too)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language of the problems and summaries (default: %(default)s)",
        )

    def _waiting(self):
        self.stderr.write(_("another import is running; this one starts when it has finished"))

    def handle(self, *args, language=None, **options):
        with translation.override(language or settings.LANGUAGE_CODE):
            self._import(**options)

    def _import(self, *, files, dry_run, quiet=False, **options):
        try:
            # announced, so that a write refused meanwhile says an import is running (regija.core.busy)
            with busy.announce_import(on_wait=self._waiting):
                results = import_files(files, dry_run=dry_run)
        except InvalidFile as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            n = len(exc.problems)
            raise CommandError(
                ngettext(
                    "%(n)s problem found; nothing was imported. Fix the file and run again.",
                    "%(n)s problems found; nothing was imported. Fix the files and run again.",
                    n,
                )
                % {"n": n}
            ) from None
        if not quiet:
            for result in results:
                self.stdout.write(result.summary())
        if dry_run:
            self.stdout.write(_("dry run: nothing was written"))
