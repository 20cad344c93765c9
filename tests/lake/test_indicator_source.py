"""Indicators fed by datasets: their observations are computed from the dataset's current version, marked
with it, recomputed with each new version, kept when the strategy file is imported again; 004's Tabela 10
indicators with no baseline get one from the bundled statistics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from regija.interchange.importer import import_files
from regija.lake import services
from regija.lake.models import Dataset, IndicatorSource
from regija.strategies.models import Indicator, Observation

pytestmark = [pytest.mark.django_db, pytest.mark.bundled]

ROOT = Path(__file__).resolve().parents[2]
VELENJE = ROOT / "data" / "strategies" / "004-velenje-pametno-mesto.yaml"
STRATEGY = "velenje-pametno-mesto-2022-2030"


def _indicator(code: str) -> Indicator:
    return Indicator.objects.get(strategy__slug=STRATEGY, code=code)


# What the document's sections give (typed from 004, not from our data):
# 4.2.5 lists eight public institutes whose IT staff and services the municipal administration provides
# (Knjižnica, Ljudska univerza, Medobčinska zveza prijateljev mladine, Muzej, Rdeča dvorana, Zavod za
# turizem, Mladinski center, SAŠA inkubator); 4.2.2 lists fourteen "smart" services and solutions.
BASELINES = {"K5.9": Decimal(8), "K5.2": Decimal(14)}


@pytest.mark.parametrize(("code", "value"), sorted(BASELINES.items()))
def test_tabela_10_indicators_get_their_baseline_from_the_bundled_statistics(code, value):
    indicator = _indicator(code)
    assert indicator.source == "Tabela 10"
    assert indicator.baseline_value == value
    # the document was adopted in 2022 and says "currently": the figure is for the year 2022
    assert indicator.baseline_date == dt.date(2022, 12, 31)
    source = IndicatorSource.objects.get(indicator=indicator)
    assert source.sets_baseline
    assert source.computed_from == source.dataset.current


def test_the_observations_say_which_dataset_and_version_they_come_from():
    obs = Observation.objects.get(indicator=_indicator("K5.9"))
    assert obs.value == 8
    assert obs.source == "dataset:velenje-ikt-kadri v1"
    assert "velenje-ikt-kadri" in obs.note and "različica 1" in obs.note


def test_a_value_the_strategy_file_gives_wins_over_the_dataset():
    # 000 gives K07 (GDP per inhabitant) as 12 287 € for 2019 itself; the dataset has the same figure
    k07 = Indicator.objects.get(strategy__slug="zasavje-po-2027", code="K07")
    assert IndicatorSource.objects.filter(indicator=k07).exists()
    rows = list(k07.observations.values_list("date", "value", "source"))
    assert rows == [(dt.date(2019, 12, 31), Decimal("12287"), "Regionalni kontekst")]


def test_a_new_version_of_the_dataset_recomputes_the_indicator(tmp_path):
    dataset = Dataset.objects.get(slug="velenje-ikt-kadri")
    text = (ROOT / "data" / "datasets" / "velenje" / "ikt-kadri.csv").read_text(encoding="utf-8")
    changed = tmp_path / "ikt-kadri.csv"
    changed.write_text(text + "2022,Zavod za šport,,uprava MOV,test\n", encoding="utf-8")
    version = services.add_version(dataset, changed, name="ikt-kadri.csv", origin="upload", format="csv")
    assert version is not None and version.number == 2
    obs = Observation.objects.get(indicator=_indicator("K5.9"))
    assert (obs.value, obs.source) == (9, "dataset:velenje-ikt-kadri v2")
    # the baseline was set once, from the state as the strategy began; a later version does not move it
    assert _indicator("K5.9").baseline_value == 8


def test_importing_the_strategy_file_again_keeps_the_dataset_fed_values():
    import_files([VELENJE])
    for code, value in BASELINES.items():
        indicator = _indicator(code)
        assert indicator.baseline_value == value
        assert list(indicator.observations.values_list("value", "source")) == [
            (value, f"dataset:{IndicatorSource.objects.get(indicator=indicator).dataset.slug} v1")
        ]


def test_recompute_replaces_only_its_own_observations():
    indicator = _indicator("K5.2")
    Observation.objects.create(indicator=indicator, date=dt.date(2023, 12, 31), value=20, source="Poročilo")
    source = IndicatorSource.objects.get(indicator=indicator)
    assert services.recompute_indicator(source) == 1
    assert list(indicator.observations.order_by("date").values_list("value", "source")) == [
        (14, "dataset:velenje-pametne-storitve v1"),
        (20, "Poročilo"),
    ]
