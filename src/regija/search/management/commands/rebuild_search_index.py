"""regija rebuild_search_index: build the search index again from the data (all of it, or one strategy)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from regija.search import indexing
from regija.search.models import Kind
from regija.strategies.models import Strategy


class Command(BaseCommand):
    help = "Build the search index again: every strategy, node, indicator, project and organisation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--strategy", metavar="SLUG", help="only this strategy's documents (and organisations)"
        )

    def handle(self, *args, strategy=None, **options):
        started = time.perf_counter()
        if strategy:
            pk = Strategy.objects.filter(slug=strategy).values_list("pk", flat=True).first()
            if pk is None:
                raise CommandError(_("no strategy %(slug)r") % {"slug": strategy})
            stats = indexing.reindex_strategy(pk)
        else:
            stats = indexing.rebuild()
        seconds = time.perf_counter() - started
        for kind in Kind:
            self.stdout.write(f"{kind.label}: {stats.documents[kind.value]}")
        if strategy:
            self.stdout.write(
                _("%(unchanged)s unchanged, %(removed)s removed")
                % {"unchanged": stats.unchanged, "removed": stats.removed}
            )
        self.stdout.write(
            _("%(documents)s documents, %(postings)s terms, %(forms)s word forms in %(seconds).1f s")
            % {"documents": stats.total, "postings": stats.postings, "forms": stats.forms, "seconds": seconds}
        )
