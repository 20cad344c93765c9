"""regija report annual ORGANISATION YEAR [--published] [--output DIR] [--format html|docx …]

Write the annual activity report: the staff form, or with ``--published`` the published form (the one
to put on a website), which names no natural person.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from regija.reports import annual, layout, word
from regija.reports.views import file_stem

FORMATS = ("html", "docx")


class Command(BaseCommand):
    help = "Write an organisation's annual activity report (HTML and DOCX) and print the paths of the files."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["annual"], help="the kind of report (only 'annual' for now)")
        parser.add_argument("organisation", help="the organisation's slug, e.g. las-zasavje")
        parser.add_argument("year", help="the calendar year, e.g. 2023")
        parser.add_argument(
            "--output",
            "-o",
            default=None,
            help=(
                "folder to write to "
                "(default: DATA_DIR/reports, i.e. ./var/reports unless REGIJA_DATA_DIR is set)"
            ),
        )
        parser.add_argument(
            "--format",
            "-f",
            dest="formats",
            action="append",
            choices=FORMATS,
            help="html or docx; repeat for both (default: both)",
        )
        parser.add_argument(
            "--published",
            action="store_true",
            help=(
                "the published form, for the organisation's website: natural persons who hold or partner in "
                "an operation are not named (files end in -javno); default: the staff form, which names them"
            ),
        )
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, choices=[code for code, _n in settings.LANGUAGES]
        )

    def handle(self, *args, kind, organisation, year, output, formats, language, published, **options):
        with translation.override(language):
            if not year.isdigit() or int(year) not in annual.YEARS:
                raise CommandError(
                    _("The year must be a number such as 2023, not “%(year)s”.") % {"year": year}
                )
            try:
                report = annual.build(organisation, int(year), published=published)
            except annual.UnknownOrganisation:
                raise CommandError(
                    _("There is no organisation “%(slug)s”.") % {"slug": organisation}
                ) from None
            folder = Path(output) if output else Path(settings.DATA_DIR) / "reports"
            folder.mkdir(parents=True, exist_ok=True)
            stem = file_stem(report)
            for fmt in formats or FORMATS:
                path = folder / f"{stem}.{fmt}"
                if fmt == "html":
                    html = render_to_string(
                        "reports/annual_document.html", {"report": report, "blocks": layout.layout(report)}
                    )
                    path.write_text(html, encoding="utf-8")
                else:
                    path.write_bytes(word.render(report))
                self.stdout.write(str(path.resolve()))
