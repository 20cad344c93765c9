"""regija sync_events: bring every event made from another object (sessions, calls …) in step with it."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from regija.events import sources


class Command(BaseCommand):
    help = "Create, change or delete the events made from sessions, calls and other registered objects."

    def handle(self, *args, **options):
        for label, writes in sources.sync_all().items():
            self.stdout.write(_("%(model)s: %(n)s events written") % {"model": label, "n": writes})
