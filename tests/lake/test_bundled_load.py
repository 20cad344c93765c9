"""The source documents' statistics as datasets: loaded with their provenance, their columns described,
the claims of the document's text recorded, and `regija check` naming the claims the tables contradict."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from regija.lake.bundle_loader import load_bundle
from regija.lake.models import Dataset, DatasetClaim, Status

pytestmark = [pytest.mark.django_db, pytest.mark.bundled]

MANIFEST = Path(__file__).resolve().parents[2] / "data" / "datasets" / "datasets.yaml"


def test_every_bundled_dataset_is_published_with_its_provenance():
    bundled = Dataset.objects.filter(auto__startswith="bundle:")
    assert bundled.count() == 13
    waste = bundled.get(slug="velenje-komunalni-odpadki")
    assert waste.status == Status.PUBLISHED
    assert waste.publisher.slug == "mov"
    assert "Tabela 3" in waste.provenance and "004" in waste.provenance
    assert waste.current is not None and waste.current.origin == "bundle"
    assert waste.current.rows == 6  # 2015 … 2020
    assert list(waste.spatial.values_list("slug", flat=True)) == ["mov"]
    unit = waste.columns.get(name="odpadki_kg_na_prebivalca")
    assert unit.unit == "kg/prebivalca"
    assert unit.description_en == "Municipal waste collected by public collection (kg per inhabitant)"
    zasavje = bundled.get(slug="zasavje-regionalni-kazalniki")
    assert zasavje.publisher.slug == "rra-zasavje"


def test_the_claims_are_recorded_as_the_document_words_them():
    claim = DatasetClaim.objects.get(dataset__slug="velenje-komunalni-odpadki", kind="value", stated=198)
    assert claim.quote.startswith("Statistični podatki kažejo na stalni porast")
    assert claim.filters == {"leto": 2015}
    assert claim.table == "Tabela 3"


def test_loading_again_adds_no_version():
    before = {d.slug: d.current_id for d in Dataset.objects.filter(auto__startswith="bundle:")}
    loaded = load_bundle()
    assert loaded.new_versions == []
    after = {d.slug: d.current_id for d in Dataset.objects.filter(auto__startswith="bundle:")}
    assert after == before


def _check(*args: str) -> str:
    out = StringIO()
    call_command("consistency", *args, stdout=out)
    return out.getvalue()


def test_regija_check_names_the_four_contradictions_in_slovenian():
    report = _check()
    # waste: "od 198 kg/prebivalca" where Tabela 3 gives 298 for 2015
    assert "198 kg/prebivalca" in report and "Tabela 3" in report and "298" in report
    # births fell every year 2014–2020, where Tabela 1 gives 10,0 → 10,1 → 10,6 for 2016–2018
    assert "10,0 (2016) → 10,1 (2017) → 10,6 (2018)" in report
    # cars rise "iz leta v leto", where Tabela 2 falls from 16 083 (2011) to 15 623 (2015)
    assert "16.083 (2011)" in report and "15.623 (2015)" in report and "iz leta v leto" in report
    # the ICT budget: 417 300 € stated, the items add up to 407 500 €
    assert "417.300 EUR" in report and "407.500 EUR" in report


def test_regija_check_in_english():
    report = _check("--language", "en")
    assert "The text states 198 kg/prebivalca for 2015; Tabela 3 gives 298." in report
    assert "10.0 (2016) → 10.1 (2017) → 10.6 (2018)" in report
    assert "16,083 (2011)" in report and "15,623 (2015)" in report
    assert "417,300 EUR" in report and "407,500 EUR" in report


def test_regija_import_takes_the_manifest_too():
    out = StringIO()
    call_command("import_strategies", str(MANIFEST), stdout=out)
    path, _, summary = out.getvalue().partition(": ")
    assert path == str(MANIFEST)
    assert re.findall(r"\d+", summary) == ["13", "0"]  # 13 datasets, none of them changed


def test_a_wrong_manifest_is_refused_with_the_line(tmp_path):
    wrong = tmp_path / "datasets.yaml"
    wrong.write_text(
        MANIFEST.read_text(encoding="utf-8").replace("frequency: ANNUAL", "frequency: YEARLY", 1)
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_strategies", str(wrong), stderr=err)
    assert "datasets.yaml" in err.getvalue() and "frequency" in err.getvalue()
