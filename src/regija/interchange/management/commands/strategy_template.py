"""regija template [--output PATH]: write the empty workbook an officer fills in and `regija import` reads."""

from pathlib import Path

from django.core.management.base import BaseCommand

from regija.interchange import workbook

DEFAULT_NAME = "regija-predloga-strategije.xlsx"


class Command(BaseCommand):
    help = "Write the empty strategy workbook (XLSX): one sheet per part, with instructions."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, help=f"file to write (default: {DEFAULT_NAME} here)")

    def handle(self, *args, output, **options):
        path = output or Path(DEFAULT_NAME)
        path.write_bytes(workbook.template())
        self.stdout.write(str(path))
