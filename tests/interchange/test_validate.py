"""Strategy files are checked without a database: the format, its vocabularies (Django's choice classes,
which need no settings), its types and file reading open no database; the validator sets up Django
only for its translations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import regija

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(regija.__file__).resolve().parents[1]

SCRIPT = """
import sys
from regija.interchange.validate import main
code = main(sys.argv[1:])
db = sys.modules.get("django.db")
assert db is None or all(c.connection is None for c in db.connections.all()), "a database was opened"
sys.exit(code)
"""
# a database the validator could not open: it sets up Django for its translations only
NO_DATABASE = "postgres://nobody@127.0.0.1:9/none"


def test_validate_runs_without_a_django_project():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(SRC)
    env["DATABASE_URL"] = NO_DATABASE
    files = [
        str(ROOT / "docs" / "examples" / "example.yaml"),
        *map(str, sorted(ROOT.glob("data/strategies/*.yaml"))),
    ]
    result = subprocess.run(  # noqa: S603 - our own interpreter and files
        [sys.executable, "-c", SCRIPT, "--language", "en", *files],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert f"{len(files)} files valid" in result.stdout


FORMAT_ONLY = """
from pydantic import ValidationError
from regija.interchange import reader, schema
try:
    schema.StrategyFile.model_validate({"regija": 1, "strategy": {"slug": "a", "status": "odobren"}})
except ValidationError as exc:
    for path, message in reader.schema_errors(exc):
        print(path, message)
import sys
assert "django.conf" not in sys.modules or not sys.modules["django.conf"].settings.configured
"""


def test_the_format_alone_says_its_problems_in_english_without_a_django_project():
    """Without a Django project (a script that only checks the format) the messages are the English ones:
    the translation needs Django's apps, and the format does not."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(SRC)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", FORMAT_ONLY], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "('strategy', 'title') required field is missing" in result.stdout
    assert "'odobren' is not allowed; use one of: 'draft', 'adopted'" in result.stdout
