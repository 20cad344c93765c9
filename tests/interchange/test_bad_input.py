"""Bad input is refused with a message naming file, line and field, and nothing is written."""

from __future__ import annotations

import pytest
from django.apps import apps

from regija.interchange.importer import import_files
from regija.interchange.reader import InvalidFile

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, int]:
    models = [
        m for label in ("core", "strategies", "projects") for m in apps.get_app_config(label).get_models()
    ]
    counts = {m.__name__: m.objects.count() for m in models}
    # many-to-many tables too: a half-written import would show there first
    for m in models:
        for f in m._meta.many_to_many:
            counts[f"{m.__name__}.{f.name}"] = f.remote_field.through.objects.count()
    return counts


def refused(path, *, line: int | None, field: str, says: str):
    before = snapshot()
    with pytest.raises(InvalidFile) as info:
        import_files([path])
    assert snapshot() == before, "a refused import must write nothing"
    problems = info.value.problems
    matching = [p for p in problems if p.field == field and says in p.message]
    assert matching, f"no problem at {field!r} saying {says!r}; got: {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.file == str(path)
    assert problem.line == line
    return problem


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once in the example"
    return text.replace(old, new)


def test_example_is_accepted(write_file, example_text):
    results = import_files([write_file(example_text)])
    assert results[0].slug == "primer-strategija"


def test_invalid_yaml(write_file, example_text):
    text = replace_once(example_text, "  title: Primer razvojne strategije\n", "  title: [Primer razvojne\n")
    problem = refused(write_file(text), line=5, field="", says="not valid YAML")
    assert "strategy.yaml:5" in str(problem)


def test_not_a_mapping(write_file):
    refused(write_file("- just\n- a list\n"), line=1, field="", says="must be a YAML mapping")


def test_unknown_field(write_file, example_text):
    text = replace_once(
        example_text, "    direction: increase\n", "    direction: increase\n    colour: red\n"
    )
    refused(write_file(text), line=53, field="indicators › K1 › colour", says="unknown field")


def test_missing_field(write_file, example_text):
    text = replace_once(
        example_text, "    holder: zavod-primer\n    status: in_progress\n", "    holder: zavod-primer\n"
    )
    refused(write_file(text), line=59, field="projects › P-1 › status", says="required field is missing")


def test_wrong_type(write_file, example_text):
    text = replace_once(example_text, "  owners: [obcina-primer]", "  owners: obcina-primer")
    refused(write_file(text), line=6, field="strategy › owners", says="a list is needed")


def test_wrong_choice(write_file, example_text):
    text = replace_once(example_text, "    status: in_progress\n", "    status: finished\n")
    refused(write_file(text), line=62, field="projects › P-1 › status", says="'finished' is not allowed")


def test_money_that_is_not_a_number(write_file, example_text):
    text = replace_once(example_text, "amount: 60000.00,", 'amount: "60.000,00 EUR",')
    refused(
        write_file(text), line=70, field="projects › P-1 › budget › 1 › amount", says="money must be a number"
    )


def test_money_with_thousands_separators(write_file, example_text):
    text = replace_once(example_text, "amount: 60000.00,", 'amount: "1.758.500,00",')
    refused(
        write_file(text),
        line=70,
        field="projects › P-1 › budget › 1 › amount",
        says="no thousands separators",
    )


def test_money_with_more_than_two_decimals(write_file, example_text):
    text = replace_once(example_text, "amount: 60000.00,", "amount: 60000.001,")
    refused(
        write_file(text), line=70, field="projects › P-1 › budget › 1 › amount", says="more than two decimals"
    )


def test_negative_money(write_file, example_text):
    text = replace_once(example_text, "amount: 60000.00,", "amount: -5.00,")
    refused(
        write_file(text),
        line=70,
        field="projects › P-1 › budget › 1 › amount",
        says="must be at least 0",
    )


def test_impossible_date(write_file, example_text):
    text = replace_once(example_text, "date: 2024-02-20", "date: 2024-02-30")
    refused(write_file(text), line=72, field="projects › P-1 › instrument › date", says="not a real date")


def test_impossible_month(write_file, example_text):
    text = replace_once(example_text, "    end: 2025-12\n", "    end: 2025-13\n")
    refused(write_file(text), line=64, field="projects › P-1 › end", says="not a real date")


def test_end_before_start(write_file, example_text):
    text = replace_once(example_text, "    end: 2025-12\n", "    end: 2023-12\n")
    refused(write_file(text), line=64, field="projects › P-1 › end", says="ends (2023-12) before it starts")


def test_code_read_as_number(write_file, example_text):
    text = replace_once(example_text, '      - code: "1.1"', "      - code: 1.1")
    refused(write_file(text), line=37, field="nodes › 1 › 1 › code", says="put it in quotes")


def test_duplicate_code(write_file, example_text):
    text = replace_once(example_text, '  - code: "2"\n', '  - code: "1.1"\n')
    refused(write_file(text), line=42, field="nodes › 1.1 › code", says="duplicate node code '1.1'")


def test_duplicate_key(write_file, example_text):
    text = replace_once(example_text, "    unit: število\n", "    unit: število\n    unit: kos\n")
    refused(write_file(text), line=52, field="", says="duplicate key 'unit'")


def test_alignment_to_missing_code(write_file, example_text):
    text = replace_once(example_text, 'to: "2", type', 'to: "9", type')
    refused(write_file(text), line=46, field="alignments › 1 › to", says="no node with code '9'")


def test_project_link_to_missing_code(write_file, example_text):
    text = replace_once(example_text, 'nodes: ["1.1"]', 'nodes: ["1.7"]')
    refused(write_file(text), line=66, field="projects › P-1 › nodes › 1", says="no node with code '1.7'")


def test_unknown_fund(write_file, example_text):
    text = replace_once(example_text, "{fund: OBC, amount: 20000.00", "{fund: XYZ, amount: 20000.00")
    refused(write_file(text), line=71, field="projects › P-1 › budget › 2 › fund", says="unknown fund 'XYZ'")


def test_unknown_organisation(write_file, example_text):
    text = replace_once(example_text, "    holder: zavod-primer\n", "    holder: zavod-drugje\n")
    refused(
        write_file(text), line=61, field="projects › P-1 › holder", says="unknown organisation 'zavod-drugje'"
    )


def test_reference_to_strategy_not_loaded(write_file, example_text):
    text = replace_once(example_text, 'nodes: ["1.1"]', 'nodes: ["1.1", {strategy: ni-nalozena, code: "C1"}]')
    refused(
        write_file(text),
        line=66,
        field="projects › P-1 › nodes › C1 › strategy",
        says="strategy 'ni-nalozena' is not loaded",
    )


def test_reference_to_missing_node_of_loaded_strategy(write_file, example_text):
    text = replace_once(
        example_text,
        'nodes: ["1.1"]',
        'nodes: ["1.1", {strategy: velenje-pametno-mesto-2022-2030, code: "9.9"}]',
    )
    refused(write_file(text), line=66, field="projects › P-1 › nodes › 9.9 › code", says="has no node '9.9'")


def test_payment_without_fund_when_project_has_several(write_file, example_text):
    text = replace_once(example_text, "state: paid, fund: ESRR}", "state: paid}")
    refused(
        write_file(text), line=74, field="projects › P-1 › payments › 1. zahtevek", says="must name its fund"
    )


def test_every_problem_of_every_file_is_reported(write_file, example_text):
    one = write_file(replace_once(example_text, "amount: 60000.00,", "amount: abc,"), "one.yaml")
    two = write_file(replace_once(example_text, "date: 2024-02-20", "date: 2024-02-30"), "two.yaml")
    before = snapshot()
    with pytest.raises(InvalidFile) as info:
        import_files([one, two])
    assert {p.file for p in info.value.problems} == {str(one), str(two)}
    assert snapshot() == before


def test_a_good_file_is_not_written_when_another_fails(write_file, example_text):
    good = write_file(example_text, "good.yaml")
    bad = write_file(
        replace_once(example_text, "amount: 60000.00,", "amount: abc,").replace(
            "primer-strategija", "druga-strategija"
        ),
        "bad.yaml",
    )
    before = snapshot()
    with pytest.raises(InvalidFile):
        import_files([good, bad])
    assert snapshot() == before


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    before = snapshot()
    with pytest.raises(InvalidFile) as info:
        import_files([path])
    assert "file not found" in str(info.value)
    assert snapshot() == before


def test_not_utf8(tmp_path):
    path = tmp_path / "latin2.yaml"
    path.write_bytes("regija: 1\nstrategy: {title: Občina}\n".encode("cp1250"))
    with pytest.raises(InvalidFile) as info:
        import_files([path])
    assert "not UTF-8" in str(info.value)
