"""The format's newer parts: stated figures of countries, projects paid in full, a year and a territory
(scoped by project codes or by another strategy), and an indicator's inferred values – read, checked,
refused with a message when wrong, and exported back unchanged."""

from __future__ import annotations

import pytest
import yaml
from django.utils import translation

from regija.interchange import exporter
from regija.interchange.importer import import_files, import_text
from regija.interchange.reader import InvalidFile
from regija.projects import consistency
from regija.projects.models import StatedFigure
from regija.strategies.models import Indicator, Strategy

pytestmark = pytest.mark.django_db

SLUG = "primer-strategija"

NEW_STATED = """
  - {label: Partnerji iz dveh držav, what: countries, value: 2, source: Tabela 2}
  - {label: Projekt v celoti izplačan, what: paid_in_full, scope: {projects: [P-1]}, value: 1}
  - {label: Portal je nastal leta 2023, what: year, scope: {projects: [P-1]}, value: 2023}
  - {label: Tri občine, what: territory, value: 3}
  - {label: Štiri občine druge strategije, what: territory, scope: {strategy: druga-strategija}, value: 4}
"""


def _with(example_text: str, stated: str = NEW_STATED, indicator: str = "") -> str:
    text = example_text.rstrip("\n") + "\n" + stated.strip("\n") + "\n"
    if indicator:
        text = text.replace("    unit: število\n", "    unit: število\n" + indicator, 1)
    return text


def _refused(write_file, text: str, says: str) -> None:
    before = (StatedFigure.objects.count(), Indicator.objects.count())
    with pytest.raises(InvalidFile) as info:
        import_files([write_file(text)])
    assert (StatedFigure.objects.count(), Indicator.objects.count()) == before
    messages = [p.message for p in info.value.problems]
    assert any(says in m for m in messages), messages


def test_new_kinds_are_checked(write_file, example_text):
    import_files([write_file(_with(example_text))])
    strategy = Strategy.objects.get(slug=SLUG)
    with translation.override("sl"):  # the findings as regija check says them by default
        findings = {f.subject: f for f in consistency.report(strategy)}
    # the example: one project, P-1, held by zavod-primer with obcina-primer as partner (both SI);
    # 60.000 + 10.000 secured, 30.000 paid; 2024-03 to 2025-12
    assert findings["Partnerji iz dveh držav"].kind == consistency.CONTRADICTION
    assert findings["Partnerji iz dveh držav"].stated == "2"
    assert findings["Projekt v celoti izplačan"].kind == consistency.CONTRADICTION
    assert "30.000,00 €" in findings["Projekt v celoti izplačan"].computed
    assert "70.000,00 €" in findings["Projekt v celoti izplačan"].computed
    assert findings["Portal je nastal leta 2023"].kind == consistency.CONTRADICTION
    assert "P-1" in findings["Portal je nastal leta 2023"].computed
    # the example's territory lists one municipality
    assert findings["Tri občine"].kind == consistency.CONTRADICTION
    # another strategy that is not loaded: cannot be verified, not a contradiction
    other = findings["Štiri občine druge strategije"]
    assert other.kind == consistency.UNVERIFIABLE and "druga-strategija" in other.computed


def test_agreeing_figures_are_not_reported(write_file, example_text):
    stated = """
  - {label: Ena država, what: countries, value: 1}
  - {label: Izvedba 2024, what: year, scope: {projects: [P-1]}, value: 2024}
  - {label: Izvedba 2025, what: year, scope: {projects: [P-1]}, value: 2025}
  - {label: Nihče v celoti, what: paid_in_full, value: 0}
"""
    import_files([write_file(_with(example_text, stated))])
    labels = {f.subject for f in consistency.report(Strategy.objects.get(slug=SLUG))}
    assert not labels & {"Ena država", "Izvedba 2024", "Izvedba 2025", "Nihče v celoti"}


def test_export_writes_the_new_parts_back(write_file, example_text):
    indicator = "    inferred: [unit, direction]\n"
    import_files([write_file(_with(example_text, indicator=indicator))])
    text = exporter.to_yaml(Strategy.objects.get(slug=SLUG))
    doc = yaml.safe_load(text)
    assert doc["indicators"][0]["inferred"] == ["unit", "direction"]
    scopes = {s["label"]: s.get("scope", {}) for s in doc["stated"]}
    assert scopes["Projekt v celoti izplačan"] == {"projects": ["P-1"]}
    assert scopes["Štiri občine druge strategije"] == {"strategy": "druga-strategija"}
    assert {s["label"]: s["value"] for s in doc["stated"]}["Portal je nastal leta 2023"] == 2023
    assert not import_text(text).changed  # reads back the same


@pytest.mark.parametrize(
    "stated,says",
    [
        (
            "  - {label: x, what: paid_in_full, scope: {projects: [P-9]}, value: 1}",
            "no project with code 'P-9'",
        ),
        ("  - {label: x, what: year, value: 18}", "a stated year (year) must be a year such as 2018"),
        ("  - {label: x, what: year, value: '2018'}", "must be a year"),
        ("  - {label: x, what: countries, value: 1.5}", "must be a whole number"),
        (
            "  - {label: x, what: nodes, scope: {strategy: druga}, value: 1}",
            "scope.strategy is only for what: territory",
        ),
    ],
)
def test_bad_new_figures_are_refused(write_file, example_text, stated, says):
    _refused(write_file, _with(example_text, stated), says)


@pytest.mark.parametrize(
    "indicator,says",
    [
        ("    inferred: [effect]\n", "inferred names effect, but the indicator has no effect"),
        ("    inferred: [unit, unit]\n", "inferred lists a value twice"),
        ("    inferred: [baseline]\n", "'baseline' is not allowed"),
    ],
)
def test_bad_inferred_is_refused(write_file, example_text, indicator, says):
    _refused(write_file, _with(example_text, stated="", indicator=indicator), says)


def test_csv_tables_carry_the_new_parts(write_file, example_text):
    import csv
    import io
    import zipfile

    indicator = "    inferred: [unit, direction]\n"
    import_files([write_file(_with(example_text, indicator=indicator))])
    with zipfile.ZipFile(io.BytesIO(exporter.to_csv_zip(Strategy.objects.get(slug=SLUG)))) as zf:

        def rows(name):
            return list(csv.DictReader(io.StringIO(zf.read(f"{SLUG}/{name}.csv").decode("utf-8-sig"))))

        assert rows("indicators")[0]["inferred"] == "unit, direction"
        stated = {r["label"]: r for r in rows("stated")}
    assert stated["Projekt v celoti izplačan"]["scope_projects"] == "P-1"
    assert stated["Štiri občine druge strategije"]["scope_strategy"] == "druga-strategija"
