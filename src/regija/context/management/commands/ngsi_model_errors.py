"""regija ngsi_model_errors [--tenant SLUG | --all]: the broker's entities stored although they break
their Smart Data Model (a lenient tenant, REGIJA_NGSI_LENIENT_TENANTS), one JSON object a line."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from regija.context import selectors
from regija.context.errors import NonexistentTenant


class Command(BaseCommand):
    help = (
        "List the NGSI-LD entities stored with data model errors (lenient tenants), one JSON object a "
        "line: tenant, id, type and the errors ({path, reason})."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", default="", help="an organisation's slug; none: the default tenant")
        parser.add_argument("--all", action="store_true", help="every tenant")

    def handle(self, *args, tenant="", all=False, **options):
        try:
            organisation = None if all else selectors.tenant(tenant)
        except NonexistentTenant as e:
            raise CommandError(e.detail) from None
        for row in selectors.flagged(organisation, everywhere=all):
            line = {
                "tenant": row.organisation.slug if row.organisation else "default",
                "id": row.entity_id,
                "type": row.type,
                "errors": row.model_errors,
            }
            self.stdout.write(json.dumps(line, ensure_ascii=False))
