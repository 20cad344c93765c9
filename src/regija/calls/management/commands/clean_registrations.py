"""``regija clean_registrations``: delete the applicants' registrations that were never confirmed and whose
confirmation link has expired, with their unused accounts. Nothing staff approved or rejected is touched.

Run it now and then (e.g. daily from cron); until then the call's management page counts such
registrations as expired, and registering again with the same e-mail address renews one."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand

from regija.calls import services
from regija.calls.models import ApplicantRegistration, RegistrationStatus


class Command(BaseCommand):
    help = (
        "Delete applicants' registrations never confirmed whose link expired "
        "(REGIJA_REGISTRATION_LINK_DAYS), "
        "with their unused accounts; --dry-run only counts them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count them, delete nothing")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            cutoff = services.now() - dt.timedelta(days=settings.REGIJA_REGISTRATION_LINK_DAYS)
            n = ApplicantRegistration.objects.filter(
                status=RegistrationStatus.UNCONFIRMED, link_sent_at__lt=cutoff
            ).count()
            self.stdout.write(f"{n} expired unconfirmed registration(s) would be deleted.")
            return
        count = services.clean_expired_registrations()
        self.stdout.write(f"{count} expired unconfirmed registration(s) deleted.")
