"""The regija command: import, export, check, schema and up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from regija.cli import ALIASES
from regija.strategies.models import Strategy

pytestmark = pytest.mark.django_db


def test_import_reports_what_it_did(write_file, example_text, capsys):
    call_command(ALIASES["import"], str(write_file(example_text)), "--language", "en")
    assert "primer-strategija: created" in capsys.readouterr().out
    call_command(ALIASES["import"], str(write_file(example_text)), "--language", "en")
    assert "primer-strategija: unchanged" in capsys.readouterr().out


def test_import_of_a_bad_file_fails_and_names_the_problem(write_file, example_text, capsys):
    path = write_file(example_text.replace("amount: 60000.00,", "amount: 60000.005,"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(ALIASES["import"], str(path), "--language", "en")
    assert (
        f"{path}:70: projects › P-1 › budget › 1 › amount: money has more than two decimals"
        in capsys.readouterr().err
    )
    assert not Strategy.objects.filter(slug="primer-strategija").exists()


def test_dry_run_writes_nothing(write_file, example_text, capsys):
    call_command(ALIASES["import"], str(write_file(example_text)), "--dry-run", "--language", "en")
    assert "nothing was written" in capsys.readouterr().out
    assert not Strategy.objects.filter(slug="primer-strategija").exists()


def test_check_prints_the_known_contradictions(capsys):
    call_command(ALIASES["check"])
    out = capsys.readouterr().out
    assert any("211.195,35 € ≠" in line and "205.553,04 €" in line for line in out.splitlines())
    assert "Sisak" in out
    with pytest.raises(CommandError):
        call_command(ALIASES["check"], "--strict")


def test_check_of_a_consistent_strategy(capsys):
    call_command(ALIASES["check"], "velenje-pametno-mesto-2022-2030", "--strict")
    assert capsys.readouterr().out.count("\n") == 1  # the one line saying all agree


@pytest.mark.parametrize(
    "fmt,suffix", [("yaml", ".yaml"), ("json", ".json"), ("csv", ".csv.zip"), ("xlsx", ".xlsx")]
)
def test_export_writes_the_file(tmp_path, fmt, suffix, capsys):
    out = tmp_path / f"x{suffix}"
    call_command(ALIASES["export"], "las-zasavje-2023", "--format", fmt, "--output", str(out))
    assert capsys.readouterr().out.strip() == str(out)
    assert out.stat().st_size > 1000


def test_export_of_an_unknown_strategy_lists_the_known_ones():
    with pytest.raises(CommandError, match="las-zasavje-2023"):
        call_command(ALIASES["export"], "ni-je")


def test_schema_is_valid_json_schema(capsys):
    call_command(ALIASES["schema"])
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Regija strategy file"
    assert {"strategy", "regija"} <= set(schema["required"])


def test_docs_schema_is_current():
    from regija.interchange.schema import json_schema

    committed = Path(__file__).resolve().parents[2] / "docs" / "strategy-file.schema.json"
    assert json.loads(committed.read_text()) == json.loads(json.dumps(json_schema())), (
        "docs/strategy-file.schema.json is out of date: regija schema > docs/strategy-file.schema.json"
    )


def test_up_loads_the_five_documents_into_an_empty_database(capsys, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path  # `up` collects the static files
    Strategy.objects.all().delete()
    call_command("up", "--no-serve")
    out = capsys.readouterr().out
    assert out.count("loaded ") == 5
    assert Strategy.objects.count() == 5
    call_command("up", "--no-serve")  # a second start leaves the data alone
    assert "loaded" not in capsys.readouterr().out


def test_up_serves_with_the_request_size_limit(monkeypatch, settings, capsys, tmp_path):
    """waitress buffers a whole request before the application sees it, so it gets the limit too."""
    settings.STATIC_ROOT = tmp_path
    served = {}
    monkeypatch.setattr("waitress.serve", lambda app, **options: served.update(options))
    # No background jobs here: their thread has its own database connection, and a job that writes a row
    # this test's open transaction wrote too (the publishing organisation, created by `up` on first start)
    # would wait for that transaction while the test waits for the thread to stop – a hang seen on
    # PostgreSQL when the scheduler's periodic publishing came up during the test.
    monkeypatch.setattr("regija.core.jobs.start_consumer", lambda workers: None)
    call_command("up", "--port", "8123")
    assert served["max_request_body_size"] == settings.REGIJA_MAX_REQUEST_BYTES == 30 * 1024 * 1024
    assert served["port"] == 8123


def test_console_script_help():
    result = subprocess.run([sys.executable, "-m", "regija.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "regija up" in result.stdout
