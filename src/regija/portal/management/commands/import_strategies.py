"""regija import FILE…: validate strategy and governance files and load them in one transaction.

Strategy files go first, then governance files (``regija-governance: 1``), which refer to the
organisations, strategies and projects the strategy files define; a manifest of bundled datasets
(``datasets.yaml``, docs/data.md) last, into the data lake.
"""

import resource
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regija.calls.importer import import_files as import_governance_files
from regija.core import busy
from regija.core.files import InvalidFile
from regija.governance.fileformat import is_governance_file
from regija.governance.importer import RunOutline
from regija.interchange.importer import import_run
from regija.lake import bundled
from regija.lake.bundle_loader import load_bundle


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Validate strategy and governance files and load them; nothing is written if any file has a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument(
            "--stats", action="store_true", help="print rows written per second and peak memory"
        )
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
        # every problem and summary line in one language
        with translation.override(language or settings.LANGUAGE_CODE):
            self._import(**options)

    def _import(self, *, files, dry_run, stats=False, quiet=False, **options):
        started = time.perf_counter()
        manifests = [f for f in files if Path(f).name == bundled.MANIFEST_NAME]
        governance_files = [f for f in files if f not in manifests and is_governance_file(f)]
        strategy_files = [f for f in files if f not in governance_files and f not in manifests]
        results = []
        try:
            # announced, so that a write refused meanwhile says an import is running (regija.core.busy)
            with busy.announce_import(on_wait=self._waiting), transaction.atomic():
                # every problem of every file in one run: the governance files are checked even when
                # a strategy file has problems (the transaction is rolled back then), knowing what
                # that file defines, so that they do not report it as unknown
                problems = []
                outlines: list = []  # what each strategy file defines, also one with problems
                if strategy_files:
                    written, problems = import_run(strategy_files, outlines)
                    results += written
                if governance_files:
                    try:
                        results += import_governance_files(governance_files, run=RunOutline.of(outlines))
                    except InvalidFile as exc:
                        problems += exc.problems
                for manifest in manifests:  # checked (every file it names) before anything is written
                    try:
                        for dataset in bundled.read_manifest(manifest).datasets:
                            bundled.read_rows(Path(manifest).parent, dataset)
                    except InvalidFile as exc:
                        problems += exc.problems
                if problems:
                    raise InvalidFile(problems)
                if dry_run:
                    raise _Rollback
            # the lake's files are written outside the import's transaction (docs/lake.md)
            for manifest in manifests:
                loaded = load_bundle(manifest)
                if not quiet:
                    self.stdout.write(
                        _("%(file)s: %(n)s datasets, %(v)s new versions")
                        % {"file": manifest, "n": len(loaded.datasets), "v": len(loaded.new_versions)}
                    )
        except _Rollback:
            pass
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
        elapsed = time.perf_counter() - started
        if not quiet:
            for result in results:
                self.stdout.write(result.summary())
        if stats:
            rows = sum(r.entities for r in results)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
            self.stdout.write(
                f"stats: files={len(results)} rows={rows} seconds={elapsed:.2f} "
                f"rows_per_second={rows / elapsed:.0f} peak_rss_mib={peak:.0f}"
            )
        if dry_run:
            self.stdout.write(_("dry run: nothing was written"))
