"""The `regija` command: Django management commands under short names.

regija up [--port N]          create and fill the database if needed, then serve
regija import FILE…           validate and load strategy files (YAML, JSON or XLSX), then governance files
regija export SLUG --format yaml|json|csv|xlsx [--output PATH]
regija template [--output PATH]   the empty strategy workbook (XLSX) to fill in and import
regija check                  consistency report of the loaded data and the documents' claims about tables
regija publish                publish Regija's own data and the bundled statistics as datasets now
regija report annual ORG YEAR [--output DIR]   the year's activity report (HTML and DOCX)
regija schema                 print the JSON Schema of the strategy file format
regija django-check [--deploy]   Django's system checks (manage.py check); --deploy for production
regija audit verify [--head HASH]   check the audit log's hash chain; name the first broken entry
regija audit head             print the hash of the audit log's last entry, to keep elsewhere
regija worker                 run the background jobs (refreshes, publishing) on their own
regija ingest [--client-id ID] [--group G]   write device measures from MQTT (MQTT_URL) into the broker
regija publish                publish Regija's own data and the bundled statistics as datasets now
regija createsuperuser …      and every other Django management command
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "import": "import_strategies",
    "export": "export_strategy",
    "check": "consistency",
    "schema": "strategy_schema",
    "template": "strategy_template",
    "django-check": "check",
    "worker": "run_huey",
    "publish": "publish_own_data",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
    from django.core.management import execute_from_command_line

    if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
        print(__doc__.strip())
        if len(argv) >= 2:
            return
        sys.exit(2)
    argv[0] = "regija"
    argv[1] = ALIASES.get(argv[1], argv[1])
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
