"""regija publish: publish Regija's own data and the source documents' statistics as datasets now."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from regija.core.files import InvalidFile
from regija.lake.bundle_loader import load_bundle
from regija.lake.own import publish_own_data


class Command(BaseCommand):
    help = "Publish Regija's own data and the bundled statistics as datasets (only what changed)."

    def add_arguments(self, parser):
        parser.add_argument("--bundle", help="the manifest of the bundled datasets (default: REGIJA_BUNDLE)")
        parser.add_argument("--no-bundle", action="store_true", help="only Regija's own data")

    def handle(self, *args, bundle=None, no_bundle=False, **options):
        if not no_bundle:
            try:
                loaded = load_bundle(bundle)
            except InvalidFile as exc:
                raise CommandError(
                    _("The bundled datasets could not be loaded:\n%(problems)s") % {"problems": exc}
                ) from None
            self.stdout.write(
                _("Bundled datasets: %(n)s, new versions: %(v)s.")
                % {"n": len(loaded.datasets), "v": len(loaded.new_versions)}
            )
            for why in loaded.skipped:
                self.stdout.write(_("Left out: %(why)s") % {"why": why})
        for published in publish_own_data():
            if published.version is None:
                line = _("%(slug)s: %(rows)s rows, unchanged") % {
                    "slug": published.slug,
                    "rows": published.rows,
                }
            else:
                line = _("%(slug)s: %(rows)s rows, version %(v)s") % {
                    "slug": published.slug,
                    "rows": published.rows,
                    "v": published.version,
                }
            self.stdout.write(line)
