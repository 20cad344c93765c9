"""Strategy files are checked without a Django project: the format, its vocabularies (Django's choice
classes, which need no settings), its types and file reading set up no settings, app or database."""

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
conf = sys.modules.get("django.conf")
assert conf is None or not conf.settings.configured, "a Django project was set up"
sys.exit(code)
"""


def test_validate_runs_without_a_django_project():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(SRC)
    files = [
        str(ROOT / "docs" / "examples" / "example.yaml"),
        *map(str, sorted(ROOT.glob("data/strategies/*.yaml"))),
    ]
    result = subprocess.run(  # noqa: S603 - our own interpreter and files
        [sys.executable, "-c", SCRIPT, *files], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert f"{len(files)} file(s) valid" in result.stdout
