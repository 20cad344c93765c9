"""regija check: the consistency report – stated figures that differ from what their parts add up to."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from regija.projects import consistency
from regija.strategies.models import Strategy


class Command(BaseCommand):
    help = "Report every stated figure that differs from its parts, and every payment above its approval."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="only this strategy")
        parser.add_argument(
            "--strict", action="store_true", help="exit with status 1 when there are contradictions"
        )

    def handle(self, *args, slug=None, strict=False, **options):
        strategy = None
        if slug:
            strategy = Strategy.objects.filter(slug=slug).first()
            if strategy is None:
                raise CommandError(f"no strategy {slug!r}")
        findings = consistency.report(strategy)
        contradictions = [f for f in findings if f.kind == consistency.CONTRADICTION]
        unverifiable = [f for f in findings if f.kind == consistency.UNVERIFIABLE]
        if contradictions:
            self.stdout.write(_("Contradictions (%(n)s):") % {"n": len(contradictions)})
            for f in contradictions:
                self.stdout.write(f"  - {f}")
        if unverifiable:
            self.stdout.write(
                _("Stated figures that the data cannot verify (%(n)s):") % {"n": len(unverifiable)}
            )
            for f in unverifiable:
                self.stdout.write(f"  - {f}")
        if not findings:
            self.stdout.write(_("No contradictions: every stated figure agrees with its parts."))
        if strict and contradictions:
            raise CommandError(_("%(n)s contradiction(s)") % {"n": len(contradictions)})
