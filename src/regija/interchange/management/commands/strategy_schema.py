"""regija schema: print the JSON Schema of the strategy file format."""

import json

from django.core.management.base import BaseCommand

from regija.interchange.schema import json_schema


class Command(BaseCommand):
    help = "Print the JSON Schema of the strategy file format."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False))
