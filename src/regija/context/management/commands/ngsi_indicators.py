"""regija ngsi_indicators: recompute every indicator fed from the broker's history (as the daily job
does), and say how many observations were written."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from regija.context import services


class Command(BaseCommand):
    help = (
        "Recompute the indicators fed from NGSI-LD context data (the broker's history); prints the "
        "observations written."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{services.recompute_feeds()} observations written")
