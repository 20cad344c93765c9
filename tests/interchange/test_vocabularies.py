"""The file format's vocabularies are the models' TextChoices: the docs list them, and files are still
checked without a Django project."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import regija
from regija.core.models import OrganisationKind
from regija.interchange import schema
from regija.projects.models import InstrumentKind, PaymentState, ProjectStatus, Secured, StatedWhat
from regija.strategies.choices import IndicatorInferred
from regija.strategies.models import AlignmentType, Direction, StrategyStatus

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "strategy-file.md").read_text(encoding="utf-8")

# where docs/strategy-file.md lists each vocabulary: (text before the list, text after it)
LISTED = {
    OrganisationKind: ("- organisation `kind`:", "\n- "),
    StrategyStatus: ("`status` (", ")"),
    AlignmentType: ("- alignment `type`:", "\n- "),
    Direction: ("`direction` (", ")"),
    ProjectStatus: ("- project `status`:", "\n- "),
    Secured: ("- budget `secured`:", "\n- "),
    PaymentState: ("- payment `state`:", "\n- "),
    InstrumentKind: ("- instrument `kind`:", "\n\n"),
    StatedWhat: ("| `what` | compared with |", "\n\n"),
    IndicatorInferred: ("- indicator `inferred`:", "\n- "),
}


@pytest.mark.parametrize("vocabulary", LISTED, ids=lambda v: v.__name__)
def test_the_docs_list_every_value(vocabulary):
    before, after = LISTED[vocabulary]
    assert before in DOCS
    passage = DOCS.split(before, 1)[1].split(after, 1)[0]
    listed = set(re.findall(r"`([a-z_]+)`", passage))
    assert set(vocabulary.values) <= listed, (
        f"docs/strategy-file.md does not list {set(vocabulary.values) - listed}"
    )


def test_a_stated_figure_is_an_amount_a_count_a_year_or_a_date():
    parts = [schema.STATED_AMOUNTS, schema.STATED_COUNTS, schema.STATED_YEARS, schema.STATED_DATES]
    assert set().union(*parts) == set(StatedWhat)
    assert sum(len(p) for p in parts) == len(StatedWhat)


def test_files_are_checked_without_a_django_project(tmp_path, example_text):
    """python -m regija.interchange.validate needs no database: the vocabularies load without the models."""
    good = tmp_path / "good.yaml"
    good.write_text(
        example_text.replace("state: paid", "state: rejected").replace(
            "kind: public_institute", "kind: person"
        ),
        encoding="utf-8",
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(example_text.replace("state: paid", "state: refunded"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(Path(regija.__file__).resolve().parents[1])  # this tree, not an installed one
    env["DATABASE_URL"] = "postgres://nobody@127.0.0.1:9/none"  # the validator opens no database

    def validate(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 – this interpreter, our module, a file the test wrote
            [sys.executable, "-m", "regija.interchange.validate", "--language", "en", str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    accepted = validate(good)
    assert (accepted.returncode, accepted.stdout.strip()) == (0, "1 file valid"), accepted.stderr
    refused = validate(bad)
    assert refused.returncode == 1, refused.stderr
    assert "'refunded' is not allowed; use one of: 'claimed', 'paid', 'rejected'" in refused.stdout
