"""regija check: the consistency report – stated figures that differ from what their parts add up to."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regija.projects import consistency
from regija.strategies.models import Strategy


class Command(BaseCommand):
    help = "Report every stated figure that differs from its parts, and every payment above its approval."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="only this strategy")
        parser.add_argument(
            "--strict", action="store_true", help="exit with status 1 when there are contradictions"
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language of the report (default: %(default)s)",
        )

    def handle(self, *args, slug=None, strict=False, language=None, **options):
        # every line the report prints – headings, findings, formatted amounts and dates – in one language
        with translation.override(language or settings.LANGUAGE_CODE):
            self._report(slug, strict)

    def _report(self, slug, strict):
        strategy = None
        if slug:
            strategy = Strategy.objects.filter(slug=slug).first()
            if strategy is None:
                raise CommandError(_("There is no strategy “%(slug)s”.") % {"slug": slug})
        findings = consistency.report(strategy) + consistency.other_findings(strategy)
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
            n = len(contradictions)
            raise CommandError(ngettext("%(n)s contradiction", "%(n)s contradictions", n) % {"n": n})
