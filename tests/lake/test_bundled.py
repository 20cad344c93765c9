"""The bundled datasets: the source documents' tables as CSV files, their manifest, and the claims the
documents' text makes about them.

Expected values are typed from the documents (004: Strategija digitalnega razvoja pametnega mesta in
skupnosti MOV; 000: Zasavje po 2027), never taken from our own output.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.utils import translation

from regija.core.files import InvalidFile
from regija.lake.bundled import (
    CountClaim,
    Dataset,
    IndicatorBinding,
    Manifest,
    TrendClaim,
    ValueClaim,
    baseline,
    bundled_manifest_path,
    check_claim,
    evaluate_binding,
    read_bundled,
    read_manifest,
    read_rows,
)

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO / "data" / "datasets"
MANIFEST = DATASETS / "datasets.yaml"

SLUGS = {
    "velenje-naravno-gibanje-prebivalstva": 11,  # Tabela 1: 2010–2020
    "velenje-osebni-avtomobili": 11,  # Tabela 2: 2011–2021
    "velenje-komunalni-odpadki": 6,  # Tabela 3: 2015–2020
    "velenje-registrirana-podjetja": 10,  # Tabela 4: 2011–2020
    "velenje-delovno-aktivno-prebivalstvo": 5,  # Tabela 5: 2018–2022
    "velenje-bdp-na-prebivalca": 12,  # Tabela 6: 2015–2020, Slovenija and Savinjska regija
    "velenje-statisticni-opis": 12,
    "velenje-ikt-proracun-2022": 5,  # 4.2.5: five purposes
    "velenje-ikt-kadri": 11,  # 4.2.5: three with own IT staff, eight served by the administration
    "velenje-ikt-infrastruktura": 7,
    "velenje-programske-resitve": 9,  # 4.2.2: three central solutions and six more
    "velenje-pametne-storitve": 14,  # 4.2.2: the list of current "smart" services
    "zasavje-regionalni-kazalniki": 14,
}


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return read_manifest(MANIFEST)


def rows_of(manifest: Manifest, slug: str) -> tuple[Dataset, list[dict]]:
    dataset = manifest.dataset(slug)
    return dataset, read_rows(DATASETS, dataset)


def row(rows: list[dict], **where: object) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in where.items())]
    assert len(found) == 1, where
    return found[0]


def claim_quoting(dataset: Dataset, words: str, kind: str, **where: object):
    found = [
        c for c in dataset.claims if words in c.quote and c.kind == kind and (not where or c.filter == where)
    ]
    assert len(found) == 1, (words, kind)
    return found[0]


# --- the manifest and the files ------------------------------------------------------------------


def test_manifest_lists_the_documents_tables(manifest):
    assert {d.slug: d for d in manifest.datasets}.keys() == SLUGS.keys()
    assert manifest.publisher == "mov"
    assert manifest.publisher_of(manifest.dataset("zasavje-regionalni-kazalniki")) == "rra-zasavje"
    assert manifest.dataset("velenje-komunalni-odpadki").source.table == (
        "Tabela 3: Količina komunalnih odpadkov, zbranih z javnim odvozom (2015 -2020)"
    )
    assert manifest.dataset("zasavje-regionalni-kazalniki").source.document == "000"


@pytest.mark.parametrize("slug", sorted(SLUGS))
def test_every_csv_matches_its_declared_columns(manifest, slug):
    dataset, rows = rows_of(manifest, slug)
    assert len(rows) == SLUGS[slug]
    kinds = {"integer": (int,), "number": (Decimal,), "text": (str,), "date": (dt.date,), "boolean": (bool,)}
    for r in rows:
        assert list(r) == [c.name for c in dataset.columns]
        for column in dataset.columns:
            value = r[column.name]
            assert value is None or isinstance(value, kinds[column.type]), (column.name, value)
            if column.type == "integer":
                assert not isinstance(value, bool)


def test_the_manifest_names_organisations_strategies_and_indicators_that_exist(manifest):
    organisations, indicators = set(), {}
    for path in (REPO / "data" / "strategies").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        organisations |= {o["slug"] for o in data.get("organisations", [])}
        indicators[data["strategy"]["slug"]] = {i["code"] for i in data.get("indicators", [])}
    assert manifest.publisher in organisations
    for dataset in manifest.datasets:
        assert manifest.publisher_of(dataset) in organisations
        for binding in dataset.indicators:
            assert binding.indicator in indicators[binding.strategy], (dataset.slug, binding.indicator)
    assert "mov" in manifest.dataset("velenje-osebni-avtomobili").spatial
    assert "regija-zasavje" in manifest.dataset("zasavje-regionalni-kazalniki").spatial


# --- figures typed from the documents ------------------------------------------------------------


def test_tabela_1_as_printed(manifest):
    _, rows = rows_of(manifest, "velenje-naravno-gibanje-prebivalstva")
    assert row(rows, leto=2013) == {
        "leto": 2013,
        "zivorojeni": 367,
        "umrli": 246,
        "naravni_prirast": 121,
        "naravni_prirast_na_1000": Decimal("3.7"),
        "zivorojeni_na_1000": Decimal("11.1"),
        "umrli_na_1000": Decimal("7.4"),
    }
    assert row(rows, leto=2020)["naravni_prirast"] == -27
    assert row(rows, leto=2011)["zivorojeni_na_1000"] == Decimal("11.0")
    # the table agrees with itself: live births less deaths is the natural increase, every year
    assert all(r["zivorojeni"] - r["umrli"] == r["naravni_prirast"] for r in rows)


def test_tabele_2_to_6_as_printed(manifest):
    assert (
        row(rows_of(manifest, "velenje-osebni-avtomobili")[1], leto=2019)["stevilo_osebnih_avtomobilov"]
        == 17069
    )
    waste = row(rows_of(manifest, "velenje-komunalni-odpadki")[1], leto=2017)
    assert (waste["odpadki_tone"], waste["odpadki_kg_na_prebivalca"]) == (11896, 362)
    assert row(rows_of(manifest, "velenje-registrirana-podjetja")[1], leto=2018)["stevilo_podjetij"] == 2294
    employment = row(rows_of(manifest, "velenje-delovno-aktivno-prebivalstvo")[1], leto=2020)
    assert (employment["delovno_aktivni"], employment["zaposlene_osebe"]) == (15343, 14353)
    _, gdp = rows_of(manifest, "velenje-bdp-na-prebivalca")
    assert row(gdp, leto=2019, obmocje="Slovenija")["bdp_na_prebivalca_eur"] == 23167
    assert row(gdp, leto=2020, obmocje="Savinjska regija")["bdp_na_prebivalca_eur"] == 19886


def test_text_figures_as_printed(manifest):
    _, profile = rows_of(manifest, "velenje-statisticni-opis")
    assert row(profile, kazalnik="stevilo_prebivalcev", leto_do=2021)["vrednost"] == Decimal(33715)
    assert row(profile, kazalnik="zivorojeni", leto_od=2000)["vrednost"] == Decimal(4639)
    _, budget = rows_of(manifest, "velenje-ikt-proracun-2022")
    telecom = row(budget, znesek_eur=Decimal(34500))
    assert telecom["postavka"].startswith("telekomunikacijske storitve")
    assert row(budget, znesek_eur=Decimal(18000))["kvalifikator"] == "cca"
    _, staff = rows_of(manifest, "velenje-ikt-kadri")
    assert row(staff, organizacija="Zdravstveni dom Velenje")["informatiki"] == 2
    _, infrastructure = rows_of(manifest, "velenje-ikt-infrastruktura")
    assert row(infrastructure, kazalnik="wifi_tocke")["vrednost"] == 77
    _, zasavje = rows_of(manifest, "zasavje-regionalni-kazalniki")
    assert row(zasavje, kazalnik="bdp_na_prebivalca")["vrednost"] == Decimal(12287)
    assert row(zasavje, kazalnik="bdp_na_prebivalca")["leto"] == 2019
    assert row(zasavje, kazalnik="stopnja_brezposelnosti")["vrednost"] == Decimal("4.5")
    assert row(zasavje, kazalnik="delez_25_64_s_terciarno_izobrazbo", obmocje="Slovenija")[
        "vrednost"
    ] == Decimal("40.1")


# --- the four contradictions the issue names: found, with the documents' figures -------------------


def test_waste_the_text_says_198_where_tabela_3_gives_298(manifest):
    dataset, rows = rows_of(manifest, "velenje-komunalni-odpadki")
    claim = claim_quoting(dataset, "od 198 kg/prebivalca", "value", leto=2015)
    result = check_claim(claim, rows, dataset)
    assert not result.holds
    assert result.found == 298
    with translation.override("en"):
        assert check_claim(claim, rows, dataset).message == (
            "The text states 198 kg/prebivalca for 2015; Tabela 3 gives 298."
        )


def test_births_did_not_fall_every_year_2014_2020(manifest):
    dataset, rows = rows_of(manifest, "velenje-naravno-gibanje-prebivalstva")
    claim = claim_quoting(dataset, "vsako leto zmanjševala", "trend")
    result = check_claim(claim, rows, dataset)
    assert not result.holds
    assert result.breaks == [
        ((2016, Decimal("10.0")), (2017, Decimal("10.1"))),
        ((2017, Decimal("10.1")), (2018, Decimal("10.6"))),
    ]
    with translation.override("sl"):
        message = check_claim(claim, rows, dataset).message
    assert "10,0 (2016) → 10,1 (2017) → 10,6 (2018)" in message


def test_cars_fell_2011_to_2015_though_the_text_says_they_rise_every_year(manifest):
    dataset, rows = rows_of(manifest, "velenje-osebni-avtomobili")
    claim = claim_quoting(dataset, "iz leta v leto", "trend")
    result = check_claim(claim, rows, dataset)
    assert not result.holds
    steps = dict(result.found)
    assert (steps[2011], steps[2015]) == (16083, 15623)
    assert [(a[0], b[0]) for a, b in result.breaks] == [
        (2011, 2012),
        (2012, 2013),
        (2013, 2014),
        (2014, 2015),
    ]
    with translation.override("en"):
        assert "16,083 (2011) → 16,023 (2012) → 15,892 (2013) → 15,728 (2014) → 15,623 (2015)" in (
            check_claim(claim, rows, dataset).message
        )


def test_ict_budget_items_add_up_to_407_500_not_the_stated_417_300(manifest):
    dataset, rows = rows_of(manifest, "velenje-ikt-proracun-2022")
    claim = claim_quoting(dataset, "417.300 EUR", "total")
    assert claim.stated == Decimal(417300)
    result = check_claim(claim, rows, dataset)
    assert not result.holds
    assert result.found == Decimal(407500)  # 215.000 + 90.000 + 34.500 + 18.000 + 50.000
    with translation.override("sl"):
        message = check_claim(claim, rows, dataset).message
    assert "417.300 EUR" in message and "407.500 EUR" in message


def test_waste_did_not_rise_every_year_either(manifest):
    dataset, rows = rows_of(manifest, "velenje-komunalni-odpadki")
    for result in (check_claim(c, rows, dataset) for c in dataset.claims if c.kind == "trend"):
        assert not result.holds
        assert [(a[0], b[0]) for a, b in result.breaks] == [(2018, 2019)]  # 367 → 354 kg, 12085 → 11876 t


# --- claims that hold are reported as holding ------------------------------------------------------


def test_a_claim_that_holds_is_reported_as_holding(manifest):
    dataset, rows = rows_of(manifest, "velenje-naravno-gibanje-prebivalstva")
    claim = claim_quoting(dataset, "2020 znašala 9,5‰", "value")
    result = check_claim(claim, rows, dataset)
    assert result.holds
    assert result.found == Decimal("9.5")
    with translation.override("en"):
        assert (
            check_claim(claim, rows, dataset).message == "The text states 9.5 ‰ for 2020, as Tabela 1 does."
        )
    dataset, rows = rows_of(manifest, "velenje-komunalni-odpadki")
    assert check_claim(claim_quoting(dataset, "dvignila na 396", "value", leto=2020), rows, dataset).holds


def test_which_claims_hold(manifest):
    """Every claim of the manifest, checked: exactly the contradictions listed in docs/data.md fail."""
    failing = set()
    for dataset in manifest.datasets:
        rows = read_rows(DATASETS, dataset)
        for claim in dataset.claims:
            if not check_claim(claim, rows, dataset).holds:
                failing.add((dataset.slug, claim.kind, getattr(claim, "column", "")))
    assert failing == {
        ("velenje-naravno-gibanje-prebivalstva", "trend", "zivorojeni_na_1000"),
        ("velenje-osebni-avtomobili", "trend", "stevilo_osebnih_avtomobilov"),
        ("velenje-komunalni-odpadki", "value", "odpadki_kg_na_prebivalca"),
        ("velenje-komunalni-odpadki", "trend", "odpadki_kg_na_prebivalca"),
        ("velenje-komunalni-odpadki", "trend", "odpadki_tone"),
        ("velenje-ikt-proracun-2022", "total", "znesek_eur"),
    }


def test_check_claim_is_pure_and_reads_the_rows_it_is_given():
    rows = [
        {"leto": 2019, "n": Decimal("1.5")},
        {"leto": 2020, "n": Decimal("2.0")},
        {"leto": 2021, "n": None},
    ]
    rising = TrendClaim.model_validate(
        {
            "kind": "trend",
            "column": "n",
            "order_by": "leto",
            "from": 2019,
            "to": 2020,
            "direction": "increasing",
        }
        | {"quote": "q", "where": "w"}
    )
    assert check_claim(rising, rows).holds
    assert not check_claim(rising.model_copy(update={"to": 2021}), rows).holds  # a missing value breaks it
    missing = ValueClaim.model_validate(
        {"kind": "value", "column": "n", "filter": {"leto": 1999}, "stated": 1, "quote": "q", "where": "w"}
    )
    result = check_claim(missing, rows)
    assert (result.holds, result.found) == (False, None)
    two = CountClaim.model_validate({"kind": "count", "stated": 3, "quote": "q", "where": "w"})
    assert check_claim(two, rows).holds


# --- indicators fed by the datasets -----------------------------------------------------------------


def test_tabela_10_indicators_get_a_baseline_from_the_inventory(manifest):
    dataset, rows = rows_of(manifest, "velenje-pametne-storitve")
    (binding,) = dataset.indicators
    assert (binding.strategy, binding.indicator, binding.baseline) == (
        "velenje-pametno-mesto-2022-2030",
        "K5.2",
        True,
    )
    start = baseline(binding, rows)
    assert (start.date, start.value) == (2022, Decimal(14))  # 14 entries in 4.2.2's list

    dataset, rows = rows_of(manifest, "velenje-ikt-kadri")
    (binding,) = dataset.indicators
    assert binding.indicator == "K5.9"
    start = baseline(binding, rows)
    assert (start.date, start.value) == (2022, Decimal(8))  # Knjižnica … SAŠA inkubator (4.2.5)


def test_zasavje_indicators_are_fed_by_the_regional_statistics(manifest):
    dataset, rows = rows_of(manifest, "zasavje-regionalni-kazalniki")
    bound = {b.indicator: b for b in dataset.indicators}
    assert set(bound) == {"K01", "K03", "K07", "K08", "K09", "K10"}
    assert all(not b.baseline and baseline(b, rows) is None for b in bound.values())
    observations = evaluate_binding(bound["K07"], rows)
    assert [(o.date, o.value) for o in observations] == [(2019, Decimal(12287))]
    assert [(o.date, o.value) for o in evaluate_binding(bound["K09"], rows)] == [(2023, Decimal("4.5"))]


def test_aggregations(manifest):
    dataset, rows = rows_of(manifest, "velenje-bdp-na-prebivalca")

    def binding(aggregation: str, **filter: object) -> IndicatorBinding:
        return IndicatorBinding.model_validate(
            {
                "strategy": "s",
                "indicator": "K",
                "value_column": "bdp_na_prebivalca_eur",
                "date_column": "leto",
                "filter": filter,
                "aggregation": aggregation,
                "why": {"sl": "x", "en": "x"},
            }
        )

    by_year = {o.date: o.value for o in evaluate_binding(binding("sum"), rows)}
    assert by_year[2015] == Decimal(18830 + 17405)
    assert {o.date: o.value for o in evaluate_binding(binding("max"), rows)}[2020] == Decimal(22312)
    assert {o.date: o.value for o in evaluate_binding(binding("avg"), rows)}[2016] == Decimal(18801)
    last = evaluate_binding(binding("last", obmocje="Savinjska regija"), rows)[-1]
    assert (last.date, last.value) == (2020, Decimal(19886))


# --- bad input is refused with the place and the field -----------------------------------------------


def _write(tmp_path: Path, manifest: str, csv_text: str = "leto,n\n2020,1\n") -> Path:
    (tmp_path / "t.csv").write_text(csv_text, encoding="utf-8")
    path = tmp_path / "datasets.yaml"
    path.write_text(manifest, encoding="utf-8")
    return path


GOOD = """\
publisher: mov
datasets:
  - slug: test
    file: t.csv
    title: {sl: T, en: T}
    description: {sl: T, en: T}
    keywords: {sl: [t], en: [t]}
    themes: [SOCI]
    frequency: ANNUAL
    spatial: [mov]
    source: {document: "004", title: T, section: "1.1"}
    columns:
      - {name: leto, type: integer, description: {sl: Leto, en: Year}}
      - {name: n, type: %(type)s, description: {sl: N, en: N}}
    claims:
      - {kind: value, column: %(column)s, filter: {leto: 2020}, stated: 1, quote: q, where: w}
"""


def test_a_good_small_manifest_reads(tmp_path):
    path = _write(tmp_path, GOOD % {"type": "integer", "column": "n"})
    manifest = read_manifest(path)
    (dataset,) = manifest.datasets
    assert read_rows(tmp_path, dataset) == [{"leto": 2020, "n": 1}]


def test_a_bad_column_type_is_refused_with_its_line_and_field(tmp_path):
    path = _write(tmp_path, GOOD % {"type": "float", "column": "n"})
    with translation.override("en"), pytest.raises(InvalidFile) as caught:
        read_manifest(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (14, "datasets › test › columns › 2 › type")
    assert "'float' is not allowed" in problem.message


def test_a_claim_on_a_missing_column_is_refused(tmp_path):
    path = _write(tmp_path, GOOD % {"type": "integer", "column": "vrednost"})
    with translation.override("en"), pytest.raises(InvalidFile) as caught:
        read_manifest(path)
    (problem,) = caught.value.problems
    assert problem.field == "datasets › test › claims › 1 › column"
    assert problem.message == "the dataset has no column vrednost; its columns are leto, n"


def test_an_unknown_key_and_a_bad_slug_are_refused(tmp_path):
    text = (GOOD % {"type": "integer", "column": "n"}).replace("slug: test", "slug: Test_1\n    colour: red")
    with translation.override("en"), pytest.raises(InvalidFile) as caught:
        read_manifest(_write(tmp_path, text))
    fields = {p.field for p in caught.value.problems}
    assert fields == {"datasets › Test_1 › slug", "datasets › Test_1 › colour"}


def test_a_cell_with_a_thousands_separator_is_refused_with_its_line_and_column(tmp_path):
    path = _write(tmp_path, GOOD % {"type": "integer", "column": "n"}, "leto,n\n2020,1\n2021,16.083\n")
    dataset = read_manifest(path).datasets[0]
    with translation.override("en"), pytest.raises(InvalidFile) as caught:
        read_rows(tmp_path, dataset)
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "n")
    assert "'16.083' is not a whole number" in problem.message


def test_a_header_other_than_the_declared_columns_is_refused(tmp_path):
    path = _write(tmp_path, GOOD % {"type": "integer", "column": "n"}, "year,n\n2020,1\n")
    dataset = read_manifest(path).datasets[0]
    with translation.override("en"), pytest.raises(InvalidFile) as caught:
        read_rows(tmp_path, dataset)
    assert str(caught.value).endswith("t.csv:1: the header row is year, n, but the manifest declares leto, n")


def test_the_bundled_manifest_is_found_in_the_checkout():
    manifest, rows = read_bundled()
    assert bundled_manifest_path() == MANIFEST
    assert {slug: len(r) for slug, r in rows.items()} == SLUGS
