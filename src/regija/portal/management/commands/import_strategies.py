"""regija import FILE…: validate strategy and governance files and load them in one transaction.

Strategy files go first, then governance files (``regija-governance: 1``), which refer to the
organisations, strategies and projects the strategy files define.
"""

import resource
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from regija.calls.importer import import_files as import_governance_files
from regija.core import busy
from regija.core.files import InvalidFile
from regija.governance.fileformat import is_governance_file
from regija.interchange.importer import import_run


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

    def _waiting(self):
        self.stderr.write("another import is running; this one starts when it has finished")

    def handle(self, *args, files, dry_run, stats=False, quiet=False, **options):
        started = time.perf_counter()
        governance_files = [f for f in files if is_governance_file(f)]
        strategy_files = [f for f in files if f not in governance_files]
        results = []
        try:
            # announced, so that a write refused meanwhile says an import is running (regija.core.busy)
            with busy.announce_import(on_wait=self._waiting), transaction.atomic():
                # every problem of every file in one run: the governance files are checked even when
                # a strategy file has problems (the transaction is rolled back then)
                problems = []
                if strategy_files:
                    written, problems = import_run(strategy_files)
                    results += written
                if governance_files:
                    try:
                        results += import_governance_files(governance_files)
                    except InvalidFile as exc:
                        problems += exc.problems
                if problems:
                    raise InvalidFile(problems)
                if dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        except InvalidFile as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) found; nothing was imported. Fix the file(s) and run again."
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
            self.stdout.write("dry run: nothing was written")
