"""Import is idempotent and updates by codes; exports read back to the same data."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal

import pytest
import yaml
from openpyxl import load_workbook

from regija.core.models import Organisation
from regija.interchange import exporter
from regija.interchange.importer import import_files
from regija.projects.models import BudgetLine, Project
from regija.strategies.models import Alignment, Node, Observation, Strategy

pytestmark = pytest.mark.django_db


def test_importing_the_same_file_again_changes_nothing(write_file, example_text):
    path = write_file(example_text)
    first = import_files([path])[0]
    assert first.changed
    ids = sorted(Node.objects.filter(strategy__slug="primer-strategija").values_list("pk", flat=True))
    again = import_files([path])[0]
    assert not again.changed, again.summary()
    assert "unchanged" in again.summary()
    assert sorted(Node.objects.filter(strategy__slug="primer-strategija").values_list("pk", flat=True)) == ids


def test_an_edited_file_updates_by_codes(write_file, example_text):
    import_files([write_file(example_text)])
    project_pk = Project.objects.get(strategy__slug="primer-strategija", code="P-1").pk
    edited = (
        example_text.replace("title: Zelena občina", "title: Zelena in zdrava občina")
        .replace("amount: 60000.00, secured: yes", "amount: 65000.00, secured: yes")
        .replace(
            "      - {date: 2024-12-31, value: 5, source: Letno poročilo 2024}",
            "      - {date: 2024-12-31, value: 5, source: Letno poročilo 2024}\n"
            "      - {date: 2025-12-31, value: 9, source: Letno poročilo 2025}",
        )
    )
    result = import_files([write_file(edited)])[0]
    assert result.updated["nodes"] == 1 and result.updated["budget lines"] == 1
    assert result.created["observations"] == 1
    assert Node.objects.get(strategy__slug="primer-strategija", code="2").title == "Zelena in zdrava občina"
    assert (
        Project.objects.get(strategy__slug="primer-strategija", code="P-1").pk == project_pk
    )  # updated in place, not replaced
    assert BudgetLine.objects.get(
        project__strategy__slug="primer-strategija", fund__code="ESRR"
    ).amount == Decimal("65000.00")
    assert Observation.objects.filter(indicator__strategy__slug="primer-strategija").count() == 2


def test_removing_from_the_file_removes_from_the_strategy(write_file, example_text):
    import_files([write_file(example_text)])
    trimmed = (
        example_text.replace(
            'alignments:\n  - {from: "1.1", to: "2", type: contributes_to, source: Tabela 2}\n', ""
        )
        .replace('  - code: "2"\n    level: goal\n    title: Zelena občina\n', "")
        .replace(
            "  - {label: Število ciljev, what: nodes, scope: {level: goal}, value: 2, source: Poglavje 3}\n",
            "",
        )
    )
    result = import_files([write_file(trimmed)])[0]
    assert result.deleted["nodes"] == 1 and result.deleted["alignments"] == 1
    assert not Node.objects.filter(strategy__slug="primer-strategija", code="2").exists()
    # shared organisations and funds stay: other strategies may use them
    assert Organisation.objects.filter(slug="obcina-primer").exists()


def test_a_node_another_strategy_links_to_cannot_be_removed(write_file, example_text):
    import_files([write_file(example_text)])
    other = (
        example_text.replace("primer-strategija", "druga-strategija")
        .replace('nodes: ["1.1"]', 'nodes: ["1.1", {strategy: primer-strategija, code: "2"}]')
        .replace("code: P-1", "code: P-2")
    )
    other = other.replace(
        '      - {owner: obcina-primer, period: 2021-2027, amount: 100000.00, source: "Poglavje 4"}\n', ""
    )
    other = other.replace("    allocations:\n", "    allocations: []\n")
    import_files([write_file(other, "other.yaml")])
    trimmed = (
        example_text.replace('  - code: "2"\n    level: goal\n    title: Zelena občina\n', "")
        .replace('  - {from: "1.1", to: "2", type: contributes_to, source: Tabela 2}\n', "")
        .replace("alignments:\n", "")
        .replace(
            "  - {label: Število ciljev, what: nodes, scope: {level: goal}, value: 2, source: Poglavje 3}\n",
            "",
        )
    )
    from regija.interchange.reader import InvalidFile

    with pytest.raises(InvalidFile) as info:
        import_files([write_file(trimmed)])
    assert "druga-strategija" in str(info.value)
    assert Node.objects.filter(strategy__slug="primer-strategija", code="2").exists()


def test_files_may_refer_to_each_other_in_any_order(write_file, example_text):
    other = (
        example_text.replace("primer-strategija", "druga-strategija")
        .replace(
            'to: "2", type: contributes_to', 'to: {strategy: primer-strategija, code: "2"}, type: supports'
        )
        .replace("code: P-1", "code: P-2")
    )
    other = other.replace(
        "    allocations:\n"
        '      - {owner: obcina-primer, period: 2021-2027, amount: 100000.00, source: "Poglavje 4"}\n',
        "",
    )
    first = write_file(other, "a-druga.yaml")
    second = write_file(example_text, "b-primer.yaml")
    results = import_files([first, second])
    assert [r.slug for r in results] == ["primer-strategija", "druga-strategija"]
    link = Alignment.objects.get(declared_in__slug="druga-strategija")
    assert link.target_node.strategy.slug == "primer-strategija"


def _all_documents() -> dict[str, dict]:
    return {s.slug: json.loads(exporter.to_json(s)) for s in Strategy.objects.order_by("slug")}


def test_yaml_export_imported_into_an_empty_database_gives_the_same_data(tmp_path, empty_database):
    before = _all_documents()
    assert len(before) >= 5
    paths = []
    for strategy in Strategy.objects.all():
        path = tmp_path / f"{strategy.slug}.yaml"
        path.write_text(exporter.to_yaml(strategy), encoding="utf-8")
        paths.append(path)
    empty_database()

    import_files(sorted(paths))
    assert _all_documents() == before


def test_json_export_is_a_valid_strategy_file():
    from regija.interchange.schema import StrategyFile

    strategy = Strategy.objects.get(slug="las-zasavje-2023")
    doc = StrategyFile.model_validate(json.loads(exporter.to_json(strategy)))
    assert len(doc.projects) == Project.objects.filter(strategy=strategy).count()


def test_yaml_export_keeps_codes_as_text():
    text = exporter.to_yaml(Strategy.objects.get(slug="velenje-pametno-mesto-2022-2030"))
    assert "code: '5.1'" in text
    codes = [n["code"] for n in yaml.safe_load(text)["nodes"]]
    assert all(isinstance(c, str) for c in codes)


def test_csv_export_has_every_table():
    strategy = Strategy.objects.get(slug="las-zasavje-2023")
    archive = zipfile.ZipFile(io.BytesIO(exporter.to_csv_zip(strategy)))
    names = {n.split("/")[-1] for n in archive.namelist()}
    assert {"nodes.csv", "projects.csv", "budget_lines.csv", "payments.csv", "indicators.csv"} <= names
    text = archive.read("las-zasavje-2023/projects.csv").decode("utf-8-sig")
    projects = list(csv.reader(io.StringIO(text)))
    assert projects[0][:3] == ["code", "title", "holder"]
    assert len(projects) - 1 == Project.objects.filter(strategy=strategy).count()


def test_xlsx_export_has_a_sheet_per_part_with_numbers_as_numbers():
    strategy = Strategy.objects.get(slug="las-zasavje-2023")
    wb = load_workbook(io.BytesIO(exporter.to_xlsx(strategy)))
    assert {"Vozlišča", "Projekti", "Proračun", "Plačila"} <= set(wb.sheetnames)
    sheet = wb["Proračun"]
    header = [c.value for c in sheet[1]]
    amounts = [row[header.index("Znesek (EUR) *")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(a, (int, float)) for a in amounts)
    assert round(sum(amounts), 2) == float(
        sum(b.amount for b in BudgetLine.objects.filter(project__strategy=strategy))
    )
