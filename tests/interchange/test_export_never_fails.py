"""regija export never ends in a traceback: every value of every vocabulary the file carries exports
and reads back, and stored data the file format refuses is named in one line."""

from __future__ import annotations

import datetime as dt
import json
import typing
from decimal import Decimal
from enum import Enum

import pytest
import yaml
from django.core.management import CommandError, call_command
from pydantic import BaseModel

from regija.cli import ALIASES
from regija.core.models import Organisation, OrganisationKind
from regija.interchange import exporter, schema
from regija.interchange.importer import import_files, import_text
from regija.projects.models import (
    BudgetLine,
    InstrumentKind,
    Partner,
    Payment,
    PaymentState,
    Project,
    ProjectStatus,
    Secured,
    StatedFigure,
    StatedWhat,
)
from regija.strategies.choices import IndicatorInferred
from regija.strategies.models import (
    Alignment,
    AlignmentType,
    Direction,
    Indicator,
    Node,
    OrganisationStatement,
    Strategy,
    StrategyStatus,
)

pytestmark = pytest.mark.django_db

SLUG = "primer-strategija"  # docs/examples/example.yaml: one project P-1 with a payment, two budget lines


@pytest.fixture
def example(write_file, example_text) -> Strategy:
    import_files([write_file(example_text)])
    return Strategy.objects.get(slug=SLUG)


# --- one stored row per vocabulary: how to store a value there, and where the export writes it --------


def _status(value):
    Project.objects.filter(strategy__slug=SLUG).update(status=value)
    StatedFigure.objects.filter(strategy__slug=SLUG, order=0).update(scope_status=[value])


def _what(value):
    figure = dict(amount=None, count=None, date=None)
    if value in schema.STATED_AMOUNTS:
        figure["amount"] = Decimal("80000.00")
    elif value in schema.STATED_COUNTS:
        figure["count"] = 2
    elif value in schema.STATED_YEARS:
        figure["count"] = 2030
    else:
        figure["date"] = dt.date(2030, 12, 31)
    StatedFigure.objects.filter(strategy__slug=SLUG, order=0).update(what=value, **figure)


def _state(value):
    reason = "Manjkajo računi" if value == PaymentState.REJECTED else ""
    Payment.objects.filter(project__strategy__slug=SLUG).update(state=value, note=reason)


def _store_organisation(**facts):
    # the export writes an organisation as its document states it: a value is stored in that statement
    Organisation.objects.filter(slug="zavod-primer").update(**facts)
    statement = OrganisationStatement.objects.get(strategy__slug=SLUG, organisation__slug="zavod-primer")
    statement.facts.update(facts)
    statement.save()


def _organisation(doc, slug="zavod-primer"):
    return next(o for o in doc["organisations"] if o["slug"] == slug)


STORED = {
    OrganisationKind: (
        lambda v: _store_organisation(kind=v),
        lambda doc: [_organisation(doc)["kind"]],
    ),
    StrategyStatus: (
        lambda v: Strategy.objects.filter(slug=SLUG).update(status=v),
        lambda doc: [doc["strategy"]["status"]],
    ),
    AlignmentType: (
        lambda v: Alignment.objects.filter(declared_in__slug=SLUG).update(type=v),
        lambda doc: [doc["alignments"][0]["type"]],
    ),
    Direction: (
        lambda v: Indicator.objects.filter(strategy__slug=SLUG).update(direction=v),
        lambda doc: [doc["indicators"][0]["direction"]],
    ),
    ProjectStatus: (
        _status,
        lambda doc: [doc["projects"][0]["status"], *doc["stated"][0]["scope"]["status"]],
    ),
    InstrumentKind: (
        lambda v: Project.objects.filter(strategy__slug=SLUG).update(instrument_kind=v),
        lambda doc: [doc["projects"][0]["instrument"]["kind"]],
    ),
    Secured: (
        lambda v: BudgetLine.objects.filter(project__strategy__slug=SLUG, fund__code="ESRR").update(
            secured=v
        ),
        lambda doc: [doc["projects"][0]["budget"][0]["secured"]],
    ),
    PaymentState: (_state, lambda doc: [doc["projects"][0]["payments"][0]["state"]]),
    StatedWhat: (_what, lambda doc: [doc["stated"][0]["what"]]),
    IndicatorInferred: (
        lambda v: Indicator.objects.filter(strategy__slug=SLUG).update(inferred=[v], effect="Več podatkov"),
        lambda doc: doc["indicators"][0]["inferred"],
    ),
}


def _vocabularies(tp, seen: set | None = None) -> set[type[Enum]]:
    """Every Enum a pydantic model uses, however deep in lists, unions and nested models."""
    seen = set() if seen is None else seen
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {tp}
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp in seen:
            return set()
        seen.add(tp)
        return set().union(*(_vocabularies(f.annotation, seen) for f in tp.model_fields.values()))
    return set().union(*(_vocabularies(arg, seen) for arg in typing.get_args(tp)))


def test_every_vocabulary_of_the_file_is_a_models_own_and_has_a_case_here():
    # the keys of STORED are the classes the models use, so equality also says the schema uses them
    assert _vocabularies(schema.StrategyFile) == set(STORED)


@pytest.mark.parametrize("vocabulary", STORED, ids=lambda v: v.__name__)
def test_every_stored_value_exports_and_reads_back(example, vocabulary):
    store, written = STORED[vocabulary]
    for value in vocabulary:
        store(value)
        example.refresh_from_db()
        for text, load in (
            (exporter.to_yaml(example), yaml.safe_load),
            (exporter.to_json(example), json.loads),
        ):
            assert set(written(load(text))) == {value.value}
            # importing the export over the rows it came from finds nothing to change: it reads back the same
            result = import_text(text)
            assert not result.changed, f"{value!r}: {result.summary()}"


def test_a_rejected_claim_keeps_its_reason(example):
    _state(PaymentState.REJECTED)
    payment = yaml.safe_load(exporter.to_yaml(example))["projects"][0]["payments"][0]
    assert (payment["state"], payment["note"]) == ("rejected", "Manjkajo računi")


def test_an_instrument_without_a_kind_exports_and_reads_back(example):
    Project.objects.filter(strategy__slug=SLUG).update(instrument_kind="")
    text = exporter.to_yaml(example)
    assert yaml.safe_load(text)["projects"][0]["instrument"] == {
        "number": "C-2024-1",
        "date": dt.date(2024, 2, 20),
    }
    assert not import_text(text).changed


# --- stored data the format refuses: one line naming the object and the field, no traceback --------


def _partner_role():
    Partner.objects.filter(project__strategy__slug=SLUG).update(role="Vodilni partner")


def _country():
    _store_organisation(country="si")


def _level():
    Node.objects.filter(strategy__slug=SLUG, code="1.1").update(level="Ukrep")


@pytest.mark.parametrize(
    "spoil,names",
    [
        (_partner_role, "project 'P-1', field partners › 1 › role: "),
        (_country, "organisation 'zavod-primer', field country: "),
        (_level, "node '1.1', field level: "),  # a child node, found through its parent
    ],
)
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_stored_data_the_format_refuses_is_named_in_one_line(example, tmp_path, spoil, names, fmt):
    spoil()
    out = tmp_path / f"export.{fmt}"
    with pytest.raises(CommandError) as info:
        call_command(ALIASES["export"], SLUG, "--format", fmt, "--output", str(out))
    message = str(info.value)
    assert message.startswith(f"cannot export {SLUG}: {names}"), message
    assert "\n" not in message
    assert not out.exists()


def test_several_refused_values_are_counted_after_the_first(example):
    _partner_role()
    _country()
    with pytest.raises(exporter.ExportError) as info:
        exporter.to_yaml(example)
    assert "organisation 'zavod-primer', field country: " in str(info.value)
    assert "(and 1 more)" in str(info.value)
