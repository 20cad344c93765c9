"""The strategy file as an XLSX workbook (issue 14, point 1): exported, filled in by a person, read back.

A workbook a person fills in is written here with openpyxl the way Excel or LibreOffice leaves it: a
title row above the headers, a header merged over two columns, trailing spaces, numbers typed as text
with a decimal comma, a blank row, a date typed as text. Each such cell is either read as the person
meant (compared with the same strategy written in YAML by hand) or refused with the cell named.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from pydantic import BaseModel

from regija.core import spreadsheet
from regija.core.files import InvalidFile
from regija.interchange import exporter, schema, workbook
from regija.interchange.importer import import_files
from regija.interchange.reader import load_file
from regija.projects.models import BudgetLine, Project
from regija.strategies.models import Indicator, Node, Strategy

pytestmark = pytest.mark.django_db


def _all_documents() -> dict[str, dict]:
    return {s.slug: json.loads(exporter.to_json(s)) for s in Strategy.objects.order_by("slug")}


# --- the round trip ------------------------------------------------------------------------------


def test_xlsx_export_of_every_bundled_document_imports_into_an_empty_database_unchanged(
    tmp_path, empty_database
):
    before = _all_documents()
    assert len(before) >= 5
    paths = []
    for strategy in Strategy.objects.all():
        path = tmp_path / f"{strategy.slug}.xlsx"
        path.write_bytes(exporter.to_xlsx(strategy))
        paths.append(path)
    empty_database()

    import_files(sorted(paths))
    assert _all_documents() == before
    # importing the same workbooks again changes nothing
    results = import_files(sorted(paths))
    assert [r.changed for r in results] == [False] * len(paths), [r.summary() for r in results]


def test_export_command_writes_the_workbook(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "las.xlsx"
    call_command("export_strategy", "las-zasavje-2023", format="xlsx", output=out, stdout=io.StringIO())
    data, _where, problems = load_file(str(out))
    assert problems == []
    assert schema.StrategyFile.model_validate(data).strategy.slug == "las-zasavje-2023"


# --- every field has a column ----------------------------------------------------------------------

SHEET_MODELS: dict[str, type[BaseModel]] = {
    "strategy": schema.Strategy,
    "levels": schema.LevelLabel,
    "organisations": schema.Organisation,
    "funds": schema.Fund,
    "allocations": schema.Allocation,
    "nodes": schema.Node,
    "alignments": schema.Alignment,
    "indicators": schema.Indicator,
    "observations": schema.Observation,
    "projects": schema.Project,
    "partners": schema.Partner,
    "budget": schema.BudgetLine,
    "payments": schema.Payment,
    "stated": schema.Stated,
}


def test_every_field_of_the_schema_has_a_column_and_every_list_a_sheet():
    assert set(SHEET_MODELS) == {sheet.key for sheet in workbook.SHEETS}
    for key, model in SHEET_MODELS.items():
        keys = {col.key for col in workbook.SHEET[key].columns}
        wanted = {".".join(path) for path, _info in workbook.fields(model)}
        assert wanted <= keys, f"{model.__name__}: fields without a column on sheet {key}"
        for path in workbook.nested_lists(model):
            assert (model.__name__, path) in workbook.COVERED, f"{model.__name__}.{path}: no sheet"
    for name, info in schema.StrategyFile.model_fields.items():
        if name not in ("regija", "strategy"):
            assert ("StrategyFile", (info.alias or name,)) in workbook.COVERED, f"{name}: no sheet"


def test_a_field_added_to_a_record_later_gets_a_column_of_its_own():
    class Later(schema.Project):
        funding_rate: Decimal | None = None
        contact: str | None = None

    cols = {c.key: c for c in workbook.columns(Later)}
    assert cols["funding_rate"].kind == workbook.NUMBER and cols["funding_rate"].header == "funding_rate"
    assert cols["contact"].kind == workbook.TEXT
    assert cols["code"].header == "Šifra"


# --- the template --------------------------------------------------------------------------------


def test_template_has_instructions_first_slovenian_headers_with_english_comments_and_drop_down_lists():
    book = load_workbook(io.BytesIO(workbook.template()))
    assert book.sheetnames[0] == "Navodila"
    assert book.sheetnames[1:-1] == [
        "Strategija",
        "Ravni",
        "Organizacije",
        "Skladi",
        "Dodelitve",
        "Vozlišča",
        "Povezave",
        "Kazalniki",
        "Meritve",
        "Projekti",
        "Partnerji",
        "Proračun",
        "Plačila",
        "Navedeni podatki",
    ]
    projects = book["Projekti"]
    assert projects.freeze_panes == "B2"
    header = {c.value: c for c in projects[1]}
    assert header["Šifra *"].comment.text.startswith("code:")
    assert header["Stanje *"].comment.text.startswith("status:")
    assert "Nosilec" in header and "Vozlišča" in header
    # the status column offers exactly the project statuses, from the lists sheet
    status_letter = header["Stanje *"].column_letter
    (validation,) = [
        dv for dv in projects.data_validations.dataValidation if status_letter in str(dv.sqref).split(":")[0]
    ]
    assert validation.type == "list"
    lists = book["Seznami"]
    ref = validation.formula1.split("!")[1].replace("$", "")
    values = [c.value for row in lists[ref] for c in row]
    assert values == ["idea", "applied", "approved", "in_progress", "completed", "withdrawn"]
    budget = book["Proračun"]
    amount = [c for c in budget[1] if c.value == "Znesek (EUR) *"][0]
    assert budget.column_dimensions[amount.column_letter].number_format == "#,##0.00"


def test_template_command_writes_the_empty_workbook(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "predloga.xlsx"
    call_command("strategy_template", output=out, stdout=io.StringIO())
    assert load_workbook(out).sheetnames[0] == "Navodila"
    # the empty template imports to nothing but the strategy's missing fields, named by their cells
    with pytest.raises(InvalidFile) as info:
        import_files([out], dry_run=True)
    where = {p.field: p.line for p in info.value.problems}
    assert where["strategy › slug"] == "Strategija!B2"
    assert where["strategy › title"] == "Strategija!B3"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_template_download_is_for_staff(client, member):
    url = "/strategije/predloga-za-uvoz.xlsx"
    assert client.get(url)["Location"].startswith("/prijava/")
    client.force_login(member(None, username="outsider"))
    assert client.get(url).status_code == 403
    client.force_login(member("editor", "las-zasavje"))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="regija-predloga-strategije.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == "Navodila"
    page = client.get("/strategije/las-zasavje-2023/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert url in page and "Download the import template (XLSX)" in page


# --- a workbook a person filled in --------------------------------------------------------------

# The same strategy as the person's workbook below, written in YAML by hand: what the cells mean.
MEANT = """
regija: 1
strategy:
  slug: zelena-dolina
  title: Strategija Zelena dolina
  owners: [obcina-dolina, ra-dolina]
  territory: [Dolina, Gorica]
  period: {start: "2021", end: "2027-06"}
  adopted: {date: 2020-12-31, body: Občinski svet}
  status: adopted
  source: {title: Strategija Zelena dolina 2021–2027, published: 2021-01-15}
  levels:
    goal: {sl: Cilj, en: Goal}
    measure: {sl: Ukrep}
organisations:
  - {slug: obcina-dolina, name: Občina Dolina, kind: municipality}
  - slug: ra-dolina
    name: Razvojna agencija Dolina
    kind: regional_development_agency
    lat: 46.05
    lon: 14.5
funds:
  - code: ESRR
    name: Evropski sklad za regionalni razvoj
    allocations:
      - {owner: obcina-dolina, period: 2021-2027, amount: 100000.00}
nodes:
  - code: "1"
    level: goal
    title: Zelena dolina
    children:
      - {code: "1.1", level: measure, title: Kolesarske poti, planned_amount: 1234.50}
      - {code: "1.2", level: measure, title: Sončne elektrarne, responsible: [obcina-dolina, ra-dolina]}
  - code: "2"
    level: goal
    title: Zdrava dolina
alignments:
  - {from: "1.1", to: "2", type: contributes_to, source: [Tabela 2, "Poglavje 3, odstavek 2"]}
indicators:
  - code: K1
    node: "1.1"
    name: Dolžina kolesarskih poti
    unit: km
    baseline: {value: 12.5, date: 2020-12-31}
    target: {value: 1234.5}
    observations:
      - {date: 2023-12-31, value: 13.0}
      - {date: 2024-12-31, value: -0.25}
projects:
  - code: P-1
    title: Kolesarska pot ob reki
    description: "=SUM(A1) je besedilo, ne formula"
    holder: obcina-dolina
    status: approved
    start: "2023"
    end: 2024-03
    nodes: ["1.1", {strategy: druga-strategija, code: "3.1"}]
    budget:
      - {fund: ESRR, amount: 12345.67, secured: "yes"}
      - {fund: ESRR, amount: 1234.50, secured: partly, secured_amount: 1000}
    payments:
      - {label: 1. zahtevek, amount: 1000.00, date: 2024-02-15, state: paid}
stated:
  - {label: Skupaj, what: total, value: 13580.17, source: Tabela 4}
  - {label: Število ciljev, what: nodes, scope: {level: goal}, value: 2}
"""


def _sheet(book: Workbook, title: str, rows: list[list]) -> object:
    ws = book.create_sheet(title)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                spreadsheet.set_xlsx_cell(ws.cell(row=r, column=c), value)
    return ws


def _person_workbook(path: Path, change=None) -> Path:
    """A workbook as a person fills in the template: some numbers and dates typed as text."""
    book = Workbook()
    book.active.title = "Navodila"
    _sheet(
        book,
        "Strategija",
        [
            ["Polje", "Vrednost"],
            ["Oznaka *", "zelena-dolina"],
            ["Naslov", "Strategija Zelena dolina  "],
            ["Lastniki", "obcina-dolina, ra-dolina"],
            ["Območje", "Dolina\nGorica"],
            ["Obdobje od", 2021],
            ["period.end", "6. 2027"],  # the English field name is a header too
            ["Sprejeto dne", "31. 12. 2020"],
            ["Sprejel", "Občinski svet"],
            ["Stanje", "adopted"],
            ["Vir: naslov", "Strategija Zelena dolina 2021–2027"],
            ["Vir: objavljeno", dt.datetime(2021, 1, 15)],
        ],
    )
    _sheet(
        book,
        "Ravni",
        [["Raven", "Naziv", "Naziv v angleščini"], ["goal", "Cilj", "Goal"], ["measure", "Ukrep"]],
    )
    orgs = _sheet(
        book,
        "Organizacije",
        [
            ["Organizacije strategije Zelena dolina"],  # a title row, merged over the columns
            ["Oznaka ", "Naziv", "kind", "Zemljepisna širina", "Zemljepisna dolžina"],
            ["obcina-dolina", "Občina Dolina", "municipality"],
            [],
            ["ra-dolina", "Razvojna agencija Dolina", "regional_development_agency", "46,05", 14.5],
        ],
    )
    orgs.merge_cells("A1:E1")
    _sheet(book, "Skladi", [["Šifra", "Naziv"], ["ESRR", "Evropski sklad za regionalni razvoj"]])
    _sheet(
        book,
        "Dodelitve",
        [
            ["Sklad", "Upravičenec", "Obdobje", "Znesek (EUR)"],
            ["ESRR", "obcina-dolina", "2021-2027", "100.000,00"],
        ],
    )
    nodes = _sheet(
        book,
        "Vozlišča",
        [
            ["Šifra", "Nadrejeno vozlišče", "Raven", "Naslov", None, "Načrtovani znesek (EUR)", "Odgovorni"],
            ["1", None, "goal", "Zelena dolina"],
            ["1.1", "1", "measure", "Kolesarske poti", None, "1 234,5"],
            ["2", None, "goal", "Zdrava dolina"],
            ["1.2", "1", "measure", "Sončne elektrarne", None, None, "obcina-dolina; ra-dolina"],
        ],
    )
    nodes.merge_cells("D1:E1")  # the title's header merged over two columns
    _sheet(
        book,
        "Povezave",
        [
            ["Od vozlišča", "Do vozlišča", "Vrsta povezave", "Vir"],
            ["1.1", "2", "contributes_to", "Tabela 2\nPoglavje 3, odstavek 2"],
        ],
    )
    _sheet(
        book,
        "Kazalniki",
        [
            [
                "Šifra",
                "Vozlišče",
                "Naziv",
                "Enota",
                "Izhodiščna vrednost",
                "Izhodišče na dan",
                "Ciljna vrednost",
            ],
            ["K1", "1.1", "Dolžina kolesarskih poti", "km", "12,5", "2020-12-31", "1.234,5"],
        ],
    )
    _sheet(
        book,
        "Meritve",
        [
            ["Kazalnik", "Datum", "Vrednost"],
            ["K1", "31. 12. 2023", "13,0"],
            ["K1", dt.date(2024, 12, 31), "−0,25"],
        ],
    )
    _sheet(
        book,
        "Projekti",
        [
            ["Šifra", "Naslov", "Opis", "Nosilec", "Stanje", "Začetek", "Konec", "Vozlišča"],
            [
                "P-1",
                "Kolesarska pot ob reki",
                "=SUM(A1) je besedilo, ne formula",
                "obcina-dolina",
                "approved",
                "2023",
                "3. 2024",
                "1.1, druga-strategija:3.1",
            ],
        ],
    )
    _sheet(
        book,
        "Proračun",
        [
            ["Projekt", "Sklad", "Znesek (EUR)", "Zagotovljeno", "Zagotovljeni znesek (EUR)"],
            ["P-1", "ESRR", "12.345,67", "yes"],
            ["P-1", "ESRR", "1234,50", "partly", 1000],
        ],
    )
    _sheet(
        book,
        "Plačila",
        [
            ["Projekt", "Oznaka", "Znesek (EUR)", "Datum", "Stanje"],
            ["P-1", "1. zahtevek", 1000, "15. 2. 2024", "paid"],
        ],
    )
    _sheet(
        book,
        "Navedeni podatki",
        [
            ["Navedba", "Kaj", "Obseg: raven", "Vrednost", "Vir"],
            ["Skupaj", "total", None, "13.580,17", "Tabela 4"],
            ["Število ciljev", "nodes", "goal", 2],
        ],
    )
    if change:
        change(book)
    book.save(path)
    return path


def test_a_workbook_a_person_filled_in_reads_as_they_meant_it(tmp_path):
    data, _where, problems = load_file(str(_person_workbook(tmp_path / "dolina.xlsx")))
    assert problems == []
    meant = schema.StrategyFile.model_validate(yaml.safe_load(MEANT))
    assert schema.StrategyFile.model_validate(data) == meant


def test_a_code_merged_down_over_rows_and_a_title_above_the_strategy_fields_read_as_meant(tmp_path):
    def change(book):
        budget = book["Proračun"]
        budget["A3"] = None
        budget.merge_cells("A2:A3")  # P-1 once, beside both of its budget lines
        strategy = book["Strategija"]
        strategy.insert_rows(1)
        spreadsheet.set_xlsx_cell(strategy["A1"], "Strategija Zelena dolina – podatki")
        strategy.merge_cells("A1:B1")

    data, _where, problems = load_file(str(_person_workbook(tmp_path / "merged.xlsx", change)))
    assert problems == []
    meant = schema.StrategyFile.model_validate(yaml.safe_load(MEANT))
    assert schema.StrategyFile.model_validate(data) == meant


def test_a_strategy_value_without_its_field_name_is_refused(tmp_path):
    problems = _problems(tmp_path, _set("Strategija", "B13", "Razvojni svet"))
    assert list(problems) == ["Strategija!B13"]
    assert "without a field name" in problems["Strategija!B13"]


def test_a_person_filled_workbook_imports(tmp_path):
    # the project names a node of a strategy that is not loaded: here it serves its own node only
    import_files([_person_workbook(tmp_path / "dolina.xlsx", _set("Projekti", "H2", "1.1"))])
    project = Project.objects.get(strategy__slug="zelena-dolina", code="P-1")
    amounts = sorted(BudgetLine.objects.filter(project=project).values_list("amount", flat=True))
    assert amounts == [Decimal("1234.50"), Decimal("12345.67")]
    assert Node.objects.get(strategy__slug="zelena-dolina", code="1.2").parent.code == "1"
    k1 = Indicator.objects.get(strategy__slug="zelena-dolina", code="K1")
    assert k1.baseline_value == Decimal("12.5") and k1.target_value == Decimal("1234.5")
    assert sorted(k1.observations.values_list("date", "value")) == [
        (dt.date(2023, 12, 31), Decimal("13.0")),
        (dt.date(2024, 12, 31), Decimal("-0.25")),
    ]


def _problems(tmp_path, change) -> dict[str, str]:
    """The reader's problems of the person's workbook after ``change``: cell → message."""
    _data, _where, problems = load_file(str(_person_workbook(tmp_path / "bad.xlsx", change)))
    return {p.line: p.message for p in problems}


def _set(sheet: str, cell: str, value):
    def change(book):
        spreadsheet.set_xlsx_cell(book[sheet][cell], value)

    return change


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "says"),
    [
        ("Proračun", "C2", "12.345", "12.345,67"),  # twelve thousand or twelve?
        ("Proračun", "C2", "12,345.678", "not an amount"),
        ("Proračun", "C2", "dvanajst", "not an amount"),
        ("Kazalniki", "E2", "1.234", "could be 1234"),  # an indicator value: ambiguous too
        ("Kazalniki", "E2", "12,5 %", "not a number"),
        ("Meritve", "B2", "31. 2. 2023", "not a real date"),
        ("Meritve", "B2", "2023/12/31", "31. 12. 2023 or 2023-12-31"),
        ("Meritve", "B2", 45291, "a number, not a date"),
        ("Vozlišča", "A3", 1.1, "'1.10"),  # a code Excel made a number of: its trailing zero is lost
        ("Plačila", "A2", "P-9", "no project with code 'P-9' on sheet Projekti"),
        ("Navedeni podatki", "D3", "dva", "not a whole number"),
    ],
)
def test_a_cell_that_cannot_be_read_for_certain_is_refused_at_its_cell(tmp_path, sheet, cell, value, says):
    problems = _problems(tmp_path, _set(sheet, cell, value))
    assert list(problems) == [f"{sheet}!{cell}"], problems
    assert says in problems[f"{sheet}!{cell}"]


def test_a_node_tree_with_an_unknown_parent_or_a_cycle_is_refused_naming_the_codes(tmp_path):
    def change(book):
        ws = book["Vozlišča"]
        spreadsheet.set_xlsx_cell(ws["B3"], "9")  # 1.1 under a node that does not exist
        spreadsheet.set_xlsx_cell(ws["B2"], "1.2")  # 1 under 1.2, which is under 1: a cycle

    problems = _problems(tmp_path, change)
    assert problems["Vozlišča!B3"] == "node '1.1': no node with code '9' on sheet Vozlišča"
    assert "cycle (1 → 1.2 → 1)" in problems["Vozlišča!B2"].replace("'", "")
    assert "cycle" in problems["Vozlišča!B5"]


def test_a_formula_without_a_value_a_stray_value_and_an_unknown_sheet_are_refused(tmp_path):
    def change(book):
        book["Proračun"]["C3"] = "=C2/10"  # a formula openpyxl wrote: no value computed yet
        book["Projekti"]["K2"] = "opomba brez stolpca"
        _sheet(book, "Moji zapiski", [["kaj še manjka"]])

    problems = _problems(tmp_path, change)
    assert "formula =C2/10 has no computed value" in problems["Proračun!C3"]
    assert "column without a known header" in problems["Projekti!K2"]
    assert "not part of the format" in problems["Moji zapiski!A1"]


def test_unknown_and_doubled_headers_are_refused(tmp_path):
    def change(book):
        spreadsheet.set_xlsx_cell(book["Skladi"]["C1"], "Barva")
        spreadsheet.set_xlsx_cell(book["Skladi"]["D1"], "name")  # Naziv again, by its English name

    problems = _problems(tmp_path, change)
    assert problems["Skladi!C1"].startswith("unknown column 'Barva'")
    assert problems["Skladi!D1"] == "column 'Naziv' appears twice (also at Skladi!B1)"


def test_schema_and_reference_errors_name_the_cell_all_in_one_run(tmp_path):
    def change(book):
        spreadsheet.set_xlsx_cell(book["Projekti"]["E2"], "odobren")  # not a status
        spreadsheet.set_xlsx_cell(book["Proračun"]["B3"], "KS")  # a fund not defined
        spreadsheet.set_xlsx_cell(book["Projekti"]["H2"], "1.1")

    with pytest.raises(InvalidFile) as info:
        import_files([_person_workbook(tmp_path / "bad.xlsx", change)])
    where = {p.line: p.message for p in info.value.problems}
    assert "'odobren' is not allowed" in where["Projekti!E2"]
    assert "unknown fund 'KS'" in where["Proračun!B3"]
    assert "Proračun!B3" in str(info.value)
    assert not Strategy.objects.filter(slug="zelena-dolina").exists()


def test_a_cell_that_cannot_be_read_is_reported_once_with_the_other_problems(tmp_path):
    def change(book):
        spreadsheet.set_xlsx_cell(book["Proračun"]["C2"], "12.345")  # refused by the reader
        spreadsheet.set_xlsx_cell(book["Proračun"]["B3"], "KS")  # a fund not defined

    with pytest.raises(InvalidFile) as info:
        import_files([_person_workbook(tmp_path / "bad.xlsx", change)])
    cells = [p.line for p in info.value.problems]
    # the unreadable amount is not reported a second time as a missing one
    assert cells.count("Proračun!C2") == 1, [str(p) for p in info.value.problems]
    assert "Proračun!B3" in cells


def test_a_file_that_is_not_a_workbook_is_one_problem(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    data, _where, problems = load_file(str(path))
    assert data is None and len(problems) == 1 and "not an XLSX workbook" in problems[0].message


def test_a_workbook_is_checked_without_a_django_project(tmp_path):
    """``python -m regija.interchange.validate BOOK.xlsx`` reads a workbook as it reads a YAML file: no
    settings, no database; a cell it cannot read is named."""
    import os
    import subprocess
    import sys

    from tests.interchange.test_validate import SCRIPT, SRC

    good = _person_workbook(tmp_path / "good.xlsx", _set("Projekti", "H2", "1.1"))
    bad = _person_workbook(tmp_path / "bad.xlsx", _set("Proračun", "C2", "12.345"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(SRC)

    def run(path):
        return subprocess.run(  # noqa: S603 - our own interpreter and files
            [sys.executable, "-c", SCRIPT, "--language", "en", str(path)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    ok = run(good)
    assert ok.returncode == 0, ok.stderr + ok.stdout
    assert "1 file valid" in ok.stdout
    refused = run(bad)
    assert refused.returncode == 1, refused.stderr
    assert "Proračun!C2" in refused.stdout and "12.345,67" in refused.stdout


def test_the_format_guide_lists_every_sheet_and_column():
    """docs/strategy-file.md ("The workbook") names every sheet and column header the workbook has."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "strategy-file.md").read_text(encoding="utf-8")
    section = text.split("## The workbook (XLSX)")[1].split("\n## ")[0]
    for sheet in workbook.SHEETS:
        row = next((line for line in section.splitlines() if line.startswith(f"| **{sheet.name}** ")), "")
        assert row, f"sheet {sheet.name} is not in the guide's table"
        for col in sheet.columns:
            assert f"{col.header}{' *' if col.required else ''} (`{col.key}`)" in row, (
                f"{sheet.name}: column {col.key} is not in the guide's table (docs/strategy-file.md)"
            )
