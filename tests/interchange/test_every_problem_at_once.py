"""Every problem of every file is reported in one run, placed by line and by the codes the officer wrote;
the standalone validator tells apart what is wrong from what it could not check without the database."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from regija.cli import ALIASES
from regija.interchange.importer import import_files
from regija.interchange.reader import InvalidFile
from regija.interchange.validate import check, main

from .test_bad_input import replace_once, snapshot

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ZASAVJE = ROOT / "data" / "strategies" / "000-zasavje-po-2027.yaml"
LAS = ROOT / "data" / "strategies" / "002-las-zasavje-2023.yaml"
DUPLICATE_MEASURE = '      - code: "1.1"\n        level: measure\n        title: Podvojen ukrep\n'


def line_of(text: str, fragment: str, after: str = "") -> int:
    """The 1-based line of the first line containing ``fragment`` (after the line containing ``after``)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and fragment in line) + 1


def five_mistakes(example_text: str) -> str:
    text = replace_once(example_text, "amount: 60000.00,", 'amount: "60.000,00 EUR",')  # bad amount
    text = replace_once(text, "date: 2024-02-20", "date: 2024-02-30")  # impossible date
    text = replace_once(text, "{date: 2024-12-31, value: 5,", "{date: 2024-12-31, value: pet,")
    text = replace_once(
        text, "        source: Poglavje 3.1.1\n", "        source: Poglavje 3.1.1\n" + DUPLICATE_MEASURE
    )
    return replace_once(text, 'to: "2", type', 'to: "9", type')  # alignment to a code that does not exist


def expected_five(text: str) -> dict[str, tuple[int, str]]:
    """field path (as the officer wrote the codes) -> (line, part of the message)."""
    first = line_of(text, 'code: "1.1"')
    return {
        "projects › P-1 › budget › 1 › amount": (line_of(text, "60.000,00 EUR"), "money must be a number"),
        "projects › P-1 › instrument › date": (line_of(text, "2024-02-30"), "not a real date"),
        "indicators › K1 › observations › 1 › value": (line_of(text, "value: pet"), "pet"),
        "nodes › 1 › 1.1 › code": (
            line_of(text, "Podvojen ukrep") - 2,
            f"duplicate node code '1.1' (also at line {first})",
        ),
        "alignments › 1 › to": (line_of(text, 'to: "9"'), "no node with code '9'"),
    }


def test_a_file_with_five_kinds_of_mistake_gets_all_five_in_one_import(write_file, example_text):
    text = five_mistakes(example_text)
    path = write_file(text)
    before = snapshot()
    with pytest.raises(InvalidFile) as info:
        import_files([path])
    assert snapshot() == before
    got = {p.field: p for p in info.value.problems}
    for field, (line, says) in expected_five(text).items():
        assert field in got, f"{field} not reported; got {[str(p) for p in info.value.problems]}"
        assert got[field].line == line, field
        assert says in got[field].message, (field, got[field].message)
    assert len(info.value.problems) == 5, [str(p) for p in info.value.problems]


def test_regija_import_prints_all_five_and_writes_nothing(write_file, example_text):
    text = five_mistakes(example_text)
    path = write_file(text)
    before = snapshot()
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command(ALIASES["import"], str(path), "--language", "en", stderr=err)
    assert "5 problems found; nothing was imported" in str(info.value)
    printed = err.getvalue()
    for field, (line, says) in expected_five(text).items():
        assert f"{path}:{line}: {field}: " in printed and says in printed, field
    assert snapshot() == before


def test_the_validator_reports_the_same_five(write_file, example_text):
    text = five_mistakes(example_text)
    path = write_file(text)
    report = check([str(path)])
    assert len(report.errors) == 5, report.errors
    for field, (line, says) in expected_five(text).items():
        assert any(e.startswith(f"{path}:{line}: {field}: ") and says in e for e in report.errors), field
    assert report.unresolved == []


def test_problems_of_all_files_come_in_one_run(write_file, example_text):
    """One file with a format problem, another with only a reference problem: both are reported."""
    one = write_file(replace_once(example_text, "amount: 60000.00,", "amount: abc,"), "one.yaml")
    two_text = replace_once(example_text, "primer-strategija", "druga-strategija")
    two = write_file(replace_once(two_text, 'nodes: ["1.1"]', 'nodes: ["1.7"]'), "two.yaml")
    with pytest.raises(InvalidFile) as info:
        import_files([one, two])
    said = [(p.file, p.field) for p in info.value.problems]
    assert (str(one), "projects › P-1 › budget › 1 › amount") in said
    assert (str(two), "projects › P-1 › nodes › 1") in said


def test_a_file_may_come_before_the_file_of_the_strategy_it_aligns_to(write_file, example_text):
    other = replace_once(example_text, "  slug: primer-strategija\n", "  slug: druga-strategija\n")
    other = replace_once(
        other,
        '      - {owner: obcina-primer, period: 2021-2027, amount: 100000.00, source: "Poglavje 4"}\n',
        "",
    )
    other = replace_once(other, "    allocations:\n", "")
    other = replace_once(other, 'to: "2", type', 'to: {strategy: primer-strategija, code: "2"}, type')
    first = write_file(other, "druga.yaml")
    second = write_file(example_text, "primer.yaml")
    results = import_files([first, second])
    assert {r.slug for r in results} == {"primer-strategija", "druga-strategija"}


def test_a_code_read_as_a_number_is_reported_once(write_file, example_text):
    """The references to a node whose code must be quoted are not reported as missing too."""
    text = replace_once(example_text, '      - code: "1.1"', "      - code: 1.1")
    with pytest.raises(InvalidFile) as info:
        import_files([write_file(text)])
    [problem] = info.value.problems
    assert problem.field == "nodes › 1 › 1 › code" and "put it in quotes" in problem.message


def test_a_bad_stated_value_is_placed_at_its_field(write_file, example_text):
    text = replace_once(example_text, "what: total, value: 80000.00,", "what: total, value: osemdeset,")
    with pytest.raises(InvalidFile) as info:
        import_files([write_file(text)])
    [problem] = info.value.problems
    assert problem.field == "stated › Skupna vrednost projektov › value"
    assert problem.line == line_of(text, "osemdeset")


def test_a_duplicate_project_names_both_lines(write_file, example_text):
    second = example_text.replace("projects:\n", "projects:\n  - {code: P-1, title: Drugi, status: idea}\n")
    with pytest.raises(InvalidFile) as info:
        import_files([write_file(second)])
    first_line = line_of(second, "code: P-1")
    [problem] = [p for p in info.value.problems if "duplicate project code" in p.message]
    other_line = line_of(second, "- code: P-1", after="title: Drugi")
    assert {problem.line, first_line} == {first_line, other_line}
    assert problem.line == other_line
    assert f"(also at line {first_line})" in problem.message


def test_every_allocation_another_strategy_declares_is_reported(write_file, example_text):
    """The importer's own refusals are gathered too: two allocations of LAS Zasavje's, declared by
    its strategy (002), are both named."""
    text = replace_once(
        example_text,
        '      - {owner: obcina-primer, period: 2021-2027, amount: 100000.00, source: "Poglavje 4"}\n',
        "      - {owner: las-zasavje, period: 2021-2027, amount: 1.00}\n",
    )
    text = replace_once(
        text,
        "funds:\n",
        "funds:\n  - code: EKSRP\n    name: Evropski kmetijski sklad za razvoj podeželja\n"
        "    allocations:\n      - {owner: las-zasavje, period: 2021-2027, amount: 1.00}\n",
    )
    before = snapshot()
    with translation.override("en"), pytest.raises(InvalidFile) as info:
        import_files([write_file(text)])
    assert snapshot() == before
    fields = {
        p.field for p in info.value.problems if "already declared by strategy 'las-zasavje-2023'" in p.message
    }
    assert fields == {"funds › EKSRP › allocations › 1", "funds › ESRR › allocations › 1"}


# --- against what is loaded ------------------------------------------------------------------------

REUSING = """\
regija: 1
strategy:
  slug: nova-obcina
  title: Strategija nove občine
  owners: [rra-zasavje]
  status: adopted
  source: {title: Strategija}
nodes:
  - {code: "1", level: goal, title: Cilj}
alignments:
  - {from: "1", to: {strategy: zasavje-po-2027, code: M1}, type: contributes_to}
projects:
  - code: P-1
    title: Projekt
    holder: rra-zasavje
    status: approved
    budget:
      - {fund: ESRR, amount: 200000.00, secured: yes}
"""


def test_dry_run_validates_against_what_is_loaded(write_file):
    path = write_file(REUSING)
    before = snapshot()
    out = StringIO()
    call_command(ALIASES["import"], str(path), "--dry-run", "--language", "en", stdout=out)
    assert "dry run: nothing was written" in out.getvalue()
    assert snapshot() == before


def test_dry_run_reports_every_reference_the_database_cannot_resolve(write_file):
    text = REUSING.replace("code: M1}", "code: M9}").replace("holder: rra-zasavje", "holder: rra-drugje")
    text = text.replace("fund: ESRR", "fund: ESRX")
    path = write_file(text)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(ALIASES["import"], str(path), "--dry-run", "--language", "en", stderr=err)
    printed = err.getvalue()
    assert (
        f"{path}:{line_of(text, 'M9')}: alignments › 1 › to › code: "
        "strategy 'zasavje-po-2027' has no node 'M9'" in printed
    )
    assert (
        f"{path}:{line_of(text, 'rra-drugje')}: projects › P-1 › holder: unknown organisation 'rra-drugje'"
        in printed
    )
    assert (
        f"{path}:{line_of(text, 'ESRX')}: projects › P-1 › budget › 1 › fund: unknown fund 'ESRX'" in printed
    )


def test_the_validator_alone_says_what_it_could_not_check(write_file, capsys):
    path = write_file(REUSING)
    assert main([str(path), "--language", "en"]) == 0
    out = capsys.readouterr().out
    assert "1 file valid" in out
    could_not = [line for line in out.splitlines() if ": could not check: " in line]
    assert len(could_not) == 4, out  # the owner, the holder, the fund and the other strategy
    assert any("strategy 'zasavje-po-2027' is not among the files checked" in line for line in could_not)
    assert "4 references could not be checked" in out and "--with" in out and "--database" in out


def test_the_validator_with_the_file_that_defines_them_checks_them(write_file, capsys):
    path = write_file(REUSING)
    report = check([str(path)], with_files=[str(ZASAVJE), str(LAS)])
    # 000 defines rra-zasavje and the strategy, 002 the fund ESRR
    assert report.errors == [] and report.unresolved == []
    wrong = write_file(REUSING.replace("code: M1}", "code: M9}"), "wrong.yaml")
    assert main([str(wrong), "--with", str(ZASAVJE), "--language", "en"]) == 1
    assert "strategy 'zasavje-po-2027' has no node 'M9'" in capsys.readouterr().out


def test_the_validator_with_the_database_checks_them(write_file, capsys):
    path = write_file(REUSING)
    assert main([str(path), "--database", "--language", "en"]) == 0
    out = capsys.readouterr().out
    assert "could not check" not in out and "1 file valid" in out
    wrong = write_file(REUSING.replace("holder: rra-zasavje", "holder: rra-drugje"), "wrong.yaml")
    assert main([str(wrong), "--database", "--language", "en"]) == 1
    assert "unknown organisation 'rra-drugje'" in capsys.readouterr().out


def test_regija_import_reports_strategy_and_governance_files_together(write_file, example_text):
    strategy = write_file(replace_once(example_text, "amount: 60000.00,", "amount: abc,"), "strategy.yaml")
    governance = write_file(
        "regija-governance: 1\norganisation: rra-zasavje\n"
        "bodies: [{slug: svet, kind: svetovalni, name: Svet}]\n",
        "governance.yaml",
    )
    before = snapshot()
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(ALIASES["import"], str(strategy), str(governance), "--language", "en", stderr=err)
    printed = err.getvalue()
    assert f"{strategy}:" in printed and "projects › P-1 › budget › 1 › amount" in printed
    assert f"{governance}:3: bodies › svet › kind: 'svetovalni' is not allowed" in printed
    assert snapshot() == before


def test_two_files_that_align_to_each_other_are_told_why(write_file, example_text):
    """A strategy's nodes must exist before another links to them, so two files linking to each other
    cannot be imported in one go; the message says so rather than "not loaded"."""
    one = replace_once(example_text, 'to: "2", type', 'to: {strategy: druga-strategija, code: "2"}, type')
    two = replace_once(example_text, "  slug: primer-strategija\n", "  slug: druga-strategija\n")
    two = replace_once(two, 'to: "2", type', 'to: {strategy: primer-strategija, code: "2"}, type')
    two = replace_once(two, "    allocations:\n", "    allocations: []\n")
    two = replace_once(
        two,
        '      - {owner: obcina-primer, period: 2021-2027, amount: 100000.00, source: "Poglavje 4"}\n',
        "",
    )
    first, second = write_file(one, "one.yaml"), write_file(two, "two.yaml")
    with pytest.raises(InvalidFile) as info:
        import_files([first, second])
    [problem] = info.value.problems
    assert problem.file == str(first) and problem.field == "alignments › 1 › to › strategy"
    assert f"defined by {second}, which refers to this file's strategy too" in problem.message


def test_two_files_of_one_strategy_in_one_run_are_refused(write_file, example_text):
    first, second = write_file(example_text, "one.yaml"), write_file(example_text, "two.yaml")
    with pytest.raises(InvalidFile) as info:
        import_files([first, second])
    [problem] = info.value.problems
    assert problem.file == str(second) and problem.field == "strategy › slug"
    assert problem.line == line_of(example_text, "slug: primer-strategija")
    assert f"{first} in this run is also strategy 'primer-strategija'" in problem.message


def test_a_run_larger_than_what_is_kept_parsed_reads_files_again(write_file, example_text, monkeypatch):
    """Beyond KEEP_PARSED_BYTES each file is parsed again when its turn comes: same problems, same data."""
    from regija.interchange import importer

    monkeypatch.setattr(importer, "KEEP_PARSED_BYTES", 0)
    text = five_mistakes(example_text)
    with pytest.raises(InvalidFile) as info:
        import_files([write_file(text, "bad.yaml")])
    assert {p.field for p in info.value.problems} == set(expected_five(text))
    other = replace_once(example_text, "  slug: primer-strategija\n", "  slug: druga-strategija\n")
    other = replace_once(other, 'to: "2", type', 'to: {strategy: primer-strategija, code: "2"}, type')
    other = replace_once(other, "    allocations:\n", "    allocations: []\n")
    other = replace_once(
        other,
        '      - {owner: obcina-primer, period: 2021-2027, amount: 100000.00, source: "Poglavje 4"}\n',
        "",
    )
    results = import_files([write_file(other, "druga.yaml"), write_file(example_text, "primer.yaml")])
    assert [r.slug for r in results] == ["primer-strategija", "druga-strategija"]


# --- paths and places, without a database ----------------------------------------------------------


def test_a_path_names_items_by_the_codes_written_even_where_the_item_is_not_valid():
    from regija.core.files import path_text

    data = {
        "nodes": [
            {"code": "1", "children": []},
            {"code": "2"},
            {"code": "3", "children": [{"code": "3.2"}, {"code": "3.1"}, {"code": 3.5}]},
        ],
        "projects": [{"code": "P-07", "budget": [{"fund": "ESRR"}, {"amount": "x"}]}],
        "stated": [{"what": "total"}, {"label": "Skupaj", "value": "x"}],
    }
    assert path_text(("nodes", 2, "children", 1, "code"), data) == "nodes › 3 › 3.1 › code"
    # a code the format refuses (a number) does not name its node: its place does
    assert path_text(("nodes", 2, "children", 2, "code"), data) == "nodes › 3 › 3 › code"
    assert path_text(("projects", 0, "budget", 1, "amount"), data) == "projects › P-07 › budget › 2 › amount"
    assert path_text(("stated", 1, "value"), data) == "stated › Skupaj › value"
    assert path_text(("stated", 0, "value"), data) == "stated › 1 › value"
    assert path_text(("nodes", 7, "code"), data) == "nodes › 8 › code"  # beyond the data: by place


def test_a_duplicate_in_a_workbook_names_both_cells():
    """A locator that places fields in cells (a workbook's) gives the other use's cell."""
    from regija.interchange.reader import Known, check_file

    class Cells:
        def line(self, path):
            return f"Vozlišča!A{path[1] + 2}" if path[:1] == ("nodes",) and len(path) > 1 else None

    data = {
        "regija": 1,
        "strategy": {
            "slug": "s",
            "title": "S",
            "owners": ["o"],
            "status": "adopted",
            "source": {"title": "T"},
        },
        "organisations": [{"slug": "o", "name": "O", "kind": "municipality"}],
        "nodes": [{"code": "1", "level": "goal", "title": "A"}, {"code": "1", "level": "goal", "title": "B"}],
    }
    _, [problem] = check_file(data, "book.xlsx", Cells(), Known())
    assert (
        str(problem)
        == "book.xlsx Vozlišča!A3: nodes › 1 › code: duplicate node code '1' (also at Vozlišča!A2)"
    )
